#!/usr/bin/env bash
# Runs every test: the Swift test targets (unit, store, render, server, end-to-end).
# Fails when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
