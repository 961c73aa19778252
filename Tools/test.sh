#!/usr/bin/env bash
# Runs every test: the Swift test targets (unit, store, render, server, end-to-end) on SpatiaLite,
# then the store, feature API, access-control, analysis, case and emergency suites again on PostGIS (a throwaway
# PostgreSQL 15 cluster on a free loopback port, stopped at the end), then the web map in
# Debian's headless Chromium against `onemap serve` on a freshly built demo city, then every
# example in the README against that city.
# Fails when any test fails. Browser screenshots land in .build/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
demo="$(mktemp -d)"
pg="$(mktemp -d /tmp/onemap-pg.XXXXXX)"
replica="$(mktemp -d /tmp/onemap-pgr.XXXXXX)"
trap 'Tools/pg/cluster stop "$replica"; Tools/pg/cluster stop "$pg"; rm -rf "$demo"' EXIT
ONEMAP_TEST_POSTGRES="$(Tools/pg/cluster start "$pg")"
export ONEMAP_TEST_POSTGRES
# Each PostGIS test gets its own database, copied from this template (PostGIS and OneMap's
# schema already in place, so a copy takes milliseconds).
template="${ONEMAP_TEST_POSTGRES%/*}/onemap_template"
psql "$ONEMAP_TEST_POSTGRES" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE onemap_template"
.build/debug/onemap layers --store "$template" > /dev/null
# A streaming replica of the cluster, for --read-replica.
ONEMAP_TEST_POSTGRES_REPLICA="$(Tools/pg/cluster replica "$ONEMAP_TEST_POSTGRES" "$replica")"
export ONEMAP_TEST_POSTGRES_REPLICA
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
# The same suites on PostGIS: the store, the feature API, access control, analyses, processes,
# 数字城管 cases and emergency command.
ONEMAP_TEST_BACKEND=postgis swift test --skip-build --parallel \
  --filter 'OneMapStoreTests|FeatureRoutesTests|FeatureEditTests|AccessMatrixTests|IdentifyTests|AuthRoutesTests|PlanningAnalysesTests|SiteReviewTests|ProcessServiceTests|ProcessRoutesTests|CaseServiceTests|CaseRoutesTests|EmergencyTests|EmergencyRoutesTests' \
  2>&1 | tee .build/test-output-postgis.txt
.build/debug/onemap demo --store "$demo/demo.sqlite" > /dev/null
/usr/bin/python3 Tests/Browser/webmap_test.py --binary .build/debug/onemap --store "$demo/demo.sqlite" --artifacts .build/browser-artifacts
/usr/bin/python3 Tests/README/readme_examples.py --binary .build/debug/onemap --store "$demo/demo.sqlite"
