#!/usr/bin/env bash
# Sets up and runs every test (unit, corpus, end-to-end), then the formatting check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests 2>&1 | grep -v "prohibited flag" >&2
swift test --skip-build
scripts/lint.sh
