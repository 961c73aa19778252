#!/usr/bin/env bash
# Installs what OneMap needs on Debian 12 (Swift itself is expected on PATH). Idempotent:
# apt-get skips what is already installed. Uses sudo when not root.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(
  pkg-config
  libgeos-dev libproj-dev proj-data
  libspatialite-dev libsqlite3-mod-spatialite libsqlite3-dev sqlite3
  libpng-dev zlib1g-dev libbrotli-dev
  libcairo2-dev libfontconfig-dev libfreetype-dev fonts-noto-cjk
  libgdal-dev gdal-bin
  libjs-leaflet
  chromium chromium-driver
  curl
  python3-owslib
  proj-bin geographiclib-tools
  poppler-utils
  postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting libpq-dev haproxy
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.3 toolchain expected)" >&2; exit 1; }
