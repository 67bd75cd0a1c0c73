#!/usr/bin/env bash
# Sets up, builds, and runs share-detector on the bundled example Sent mailbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product share-detector 2>&1 | grep -v "prohibited flag" >&2
bin=$(swift build -c release --show-bin-path)/share-detector
"$bin" inspect examples/sent.mbox
