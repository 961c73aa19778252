#!/usr/bin/env bash
# Runs every test: the Swift test targets (unit, store, render, server, end-to-end), then the
# web map in Debian's headless Chromium against `onemap serve` on a freshly built demo city, then
# every example in the README against that city.
# Fails when any test fails. Browser screenshots land in .build/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
demo="$(mktemp -d)"
trap 'rm -rf "$demo"' EXIT
.build/debug/onemap demo --store "$demo/demo.sqlite" > /dev/null
/usr/bin/python3 Tests/Browser/webmap_test.py --binary .build/debug/onemap --store "$demo/demo.sqlite" --artifacts .build/browser-artifacts
/usr/bin/python3 Tests/README/readme_examples.py --binary .build/debug/onemap --store "$demo/demo.sqlite"
