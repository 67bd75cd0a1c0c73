#!/usr/bin/env bash
# Delivery pacing benchmark: scan a generated mailbox into the local Gong sandbox limited to 3 calls/s, with the
# team config at 3 calls/s, and report sustained events/s and the number of 429 answers (target >= 2.9/s, 0 x 429).
# Usage: scripts/bench-delivery.sh [EVENTS]   (default 200, i.e. about 67 s of sending)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200}
scripts/setup.sh
swift build -c release --product share-detector 2>&1 | grep -v "prohibited flag" >&2
bin=$(swift build -c release --show-bin-path)/share-detector
work=$(mktemp -d)
trap 'kill $sandbox_pid 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$events" "$work/sent.mbox" <<'PY'
import sys
count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for i in range(count):
        out.write(f"""From alice@northwind.example Mon Nov  2 09:14:00 2026
Message-ID: <bench-{i}@northwind.example>
Date: Mon, 02 Nov 2026 10:{i % 60:02d}:00 +0100
From: Alice Martin <alice@northwind.example>
To: Buyer {i} <buyer{i}@contoso.example>
Subject: Proposal {i}
Content-Type: text/plain; charset=utf-8

Here is the proposal: https://docs.google.com/document/d/1BenchDelivery{i:06d}AbCdEfGhIjKlMnOp/edit

""")
PY
SANDBOX_ACCESS_KEY=bench SANDBOX_ACCESS_KEY_SECRET=bench-secret "$bin" sandbox --port 0 --rate 3 >"$work/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do grep -q listening "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/sandbox.out" | head -1)
cat >"$work/team.yml" <<YML
team: bench
internalDomains: [northwind.example]
state: state/ledger.sqlite
gong:
  baseURL: $url
  accessKey: env:BENCH_KEY
  accessKeySecret: env:BENCH_SECRET
  reportingSystem: share-detector-bench
  callsPerSecond: 3
mailboxes:
  - name: alice
    mbox: sent.mbox
YML
start=$(date +%s.%N)
BENCH_KEY=bench BENCH_SECRET=bench-secret "$bin" scan --config "$work/team.yml"
end=$(date +%s.%N)
stats=$(python3 -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('$url/api/stats'))))")
python3 - "$start" "$end" "$events" "$stats" <<'PY'
import json, sys
start, end, events, stats = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
seconds = end - start
print(f"| events | seconds | events/s | 200 | 409 | 429 | 5xx |")
print(f"|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {stats.get('events')} of {events} | {seconds:.1f} | {events / seconds:.3f} | {stats.get('200')} | {stats.get('409')} | {stats.get('429')} | {stats.get('5xx')} |")
PY
