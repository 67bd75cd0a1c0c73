#!/usr/bin/env bash
# Sets up and runs every test (unit, corpus, end-to-end), then the formatting check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests 2>&1 | grep -v "prohibited flag" >&2
# Serial: several suites run servers in-process (Hummingbird on the cooperative pool) while others block
# threads on child processes; on a 2-core machine parallel runs starve the servers into timeouts.
swift test --skip-build --no-parallel
scripts/lint.sh
