#!/usr/bin/env bash
# Sets up, builds, starts the local Gong sandbox, scans the bundled example Sent mailbox into it, and keeps the
# sandbox running so you can look at the events on its timeline page. Ctrl-C stops it.
#   scripts/run-example.sh            # scan, then keep the timeline at http://127.0.0.1:8471/ until Ctrl-C
#   scripts/run-example.sh --no-wait  # scan, print the status, stop the sandbox and exit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "building share-detector (release; the first build takes a few minutes)…" >&2
swift build -c release --product share-detector 2>&1 | grep -v "prohibited flag" >&2
bin=$(swift build -c release --show-bin-path)/share-detector
rm -rf .example && mkdir -p .example
export SANDBOX_ACCESS_KEY=example-key SANDBOX_ACCESS_KEY_SECRET=example-secret
# The example keeps its Gong account state (pace, pause, breaker) beside its ledger, not in ~/.local/state.
export SHARE_DETECTOR_STATE_DIR="$PWD/.example/state"
"$bin" sandbox --port 8471 --data .example/sandbox >.example/sandbox.log 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening .example/sandbox.log 2>/dev/null && break; sleep 0.1; done
grep -q listening .example/sandbox.log || { cat .example/sandbox.log >&2; exit 1; }

echo "== share-detector test --explain examples/sent.mbox   (what the rules see, link by link)"
"$bin" test --explain --config examples/config.yml examples/sent.mbox >.example/explain.txt
head -40 .example/explain.txt
echo "   …"
echo
echo "== share-detector scan --config examples/config.yml   (detect, record in the ledger, deliver to the sandbox)"
"$bin" scan --config examples/config.yml
echo
echo "== share-detector status --config examples/config.yml"
"$bin" status --config examples/config.yml
echo
if [ "${1:-}" = "--no-wait" ]; then exit 0; fi
echo "The events are on the sandbox's timeline: open http://127.0.0.1:8471/  (Ctrl-C stops the sandbox)"
wait $sandbox_pid
