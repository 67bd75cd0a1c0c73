#!/usr/bin/env bash
# Shared-ledger benchmark ("Many scanners, one ledger"): builds share-detector-bench (release), starts a private
# PostgreSQL on 127.0.0.1 (initdb into a temporary folder, run as the postgres user when root; durable defaults:
# fsync on, synchronous_commit on), and prints markdown tables:
#   1. outbox claims with 1, 4 and 16 worker processes (claimDue + record delivered; duplicates checked), and the
#      same with an extra index in claim order (an experiment: the schema has none),
#   2. lease round trips (acquireLease + releaseLease) with 1, 4 and 16 processes, own mailbox and one shared,
#   3. the contract's operations side by side, SQLite and PostgreSQL, in one process,
#   4. storage per million events (PostgreSQL and SQLite),
# then 1 and 3 again on a database with synchronous_commit = off (ASYNC=0 skips that). The server and the folder
# are removed on exit.
#
#   scripts/bench-ledger.sh [CLAIM_EVENTS [SIZE_EVENTS]]   (defaults 20000 and 50000; about 13 minutes on 2 cores)
#
# BENCH_LEDGER_BIN=path runs an already built share-detector-bench instead of building it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
claim_events=${1:-20000}
size_events=${2:-50000}
scripts/setup.sh
if [ -n "${BENCH_LEDGER_BIN:-}" ]; then
    bin=$BENCH_LEDGER_BIN
else
    swift build -c release --product share-detector-bench 2>&1 | grep -v "prohibited flag" >&2
    bin=$(swift build -c release --show-bin-path)/share-detector-bench
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# Under /tmp whatever TMPDIR says: the socket path must stay short, and the postgres user must reach it.
work=$(mktemp -d /tmp/ledger-bench-XXXXXX)
as_server=()
mkdir "$work/socket" "$work/files"
if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses root: the server runs as postgres and owns its folder (root still reaches everything).
    as_server=(runuser -u postgres --)
    chown postgres: "$work" "$work/socket"
fi
cleanup() {
    if [ -f "$work/data/postmaster.pid" ]; then
        "${as_server[@]}" "$pgbin/pg_ctl" stop -D "$work/data" -m fast -w -t 60 >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"${as_server[@]}" "$pgbin/initdb" -D "$work/data" -U share_detector --auth=trust --encoding=UTF8 --locale=C \
    --no-instructions >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Written in place: the files keep the owner initdb gave them. Durability settings stay at their defaults.
cat >"$work/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
cat >>"$work/data/postgresql.conf" <<EOF

# scripts/bench-ledger.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work/socket'
max_connections = 100
timezone = 'UTC'
EOF
"${as_server[@]}" "$pgbin/pg_ctl" start -D "$work/data" -l "$work/postgres.log" -w -t 60 >/dev/null
psql=("$pgbin/psql" -h 127.0.0.1 -p "$port" -U share_detector -d postgres -qAt -v ON_ERROR_STOP=1)
"${psql[@]}" -c "CREATE DATABASE sd_bench" -c "CREATE DATABASE sd_index" -c "CREATE DATABASE sd_async" \
    -c "CREATE DATABASE sd_size"
# The size fill and the labelled second run only: commits are not waited for (sizes do not depend on it).
"${psql[@]}" -c "ALTER DATABASE sd_async SET synchronous_commit = off" \
    -c "ALTER DATABASE sd_size SET synchronous_commit = off"
base=postgresql://share_detector@127.0.0.1:$port
status=0
step() { # runs one benchmark mode; a failure is reported and the other modes still run
    "$bin" "$@" || { echo "(share-detector-bench $1 failed: exit $?)"; status=1; }
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL: $("${psql[@]}" -c 'SHOW server_version'), data on $(df -T "$work" | awk 'NR==2 {print $2}')"
fsync_test=$("$pgbin/pg_test_fsync" -s 1 -f "$work/files/fsync.test" 2>/dev/null || true)
fsync=$(grep -m1 -E '^ +fdatasync' <<<"$fsync_test" | tr -s ' ' || true)
echo "disk (pg_test_fsync, one 8 kB write):$fsync"
echo

echo "### 1. Outbox claims, synchronous_commit = on"
step ledger-claims --url "$base/sd_bench" --events "$claim_events" --processes 1,4,16 --seconds 10 --limit 10 \
    --work "$work/files" --label durable
echo "### 1b. The same with an index in claim order (an experiment: not in the schema), synchronous_commit = on"
step ledger-claims --url "$base/sd_index" --events "$claim_events" --processes 1,4,16 --seconds 10 --limit 10 \
    --work "$work/files" --label index --claim-index 1
echo "### 2. Lease round trips, synchronous_commit = on"
step ledger-leases --url "$base/sd_bench" --processes 1,4,16 --seconds 5 --label durable
echo "### 3. The contract side by side, synchronous_commit = on"
step ledger-contract --url "$base/sd_bench" --work "$work/files" --label durable
echo "### 4. Storage (fill with synchronous_commit = off)"
step ledger-size --url "$base/sd_size" --events "$size_events" --work "$work/files"
if [ "${ASYNC:-1}" != 0 ]; then
    echo "### 1 again, synchronous_commit = off"
    step ledger-claims --url "$base/sd_async" --events "$claim_events" --processes 1,4,16 --seconds 10 --limit 10 \
        --work "$work/files" --label async
    echo "### 3 again, synchronous_commit = off"
    step ledger-contract --url "$base/sd_async" --work "$work/files" --label async
fi
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
