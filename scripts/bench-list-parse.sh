#!/usr/bin/env bash
# List-mail parsing benchmark (issue 9): our reading (MboxReader + MailParser, every field read) against GMime's bare
# mbox parser on MIME-heavy mailing-list mail: the 609 labelled list messages of ../shared/corpus/links written as one
# mboxrd file (benchmarks/list_mbox.py) and repeated ten times (189 MB), so each run lasts about a second.
#
#   scripts/bench-list-parse.sh [BASELINE-BENCH-BINARY]
#
# ROUNDS (default 9) runs of each, alternating bare, ours and the baseline binary when given (a share-detector-bench
# built from an earlier commit); prints each run, then the median seconds of each and ours as a share of bare.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scratch=${BENCH_SCRATCH_PATH:-.build-bench}
rounds=${ROUNDS:-9}
baseline=${1:-}
corpus="../shared/corpus/links"
if [ ! -d "$corpus" ]; then
    echo "bench-list-parse.sh: $corpus is absent (the shared corpus beside the project)" >&2
    exit 1
fi

echo "== building share-detector-bench (release, scratch path $scratch)" >&2
build_log=$(mktemp)
if ! swift build -c release --scratch-path "$scratch" --product share-detector-bench >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "bench-list-parse.sh: the build failed" >&2
    exit 1
fi
rm -f "$build_log"
bench="$scratch/release/share-detector-bench"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benchmarks/list_mbox.py "$corpus" "$work/once.mbox" >&2
for _ in $(seq 10); do cat "$work/once.mbox"; done >"$work/list-mail-x10.mbox"
file="$work/list-mail-x10.mbox"

declare -A times
run() { # label binary mode
    local line seconds
    line=$("$2" "$3" "$file" 2>/dev/null)
    echo "   $1: $line" >&2
    seconds=$(sed -E 's/.* seconds=([0-9.]+) .*/\1/' <<<"$line")
    times[$1]+="$seconds "
}
for round in $(seq "$rounds"); do
    echo "== round $round" >&2
    run bare "$bench" gmime-bare
    run ours "$bench" parse
    if [ -n "$baseline" ]; then run baseline "$baseline" parse; fi
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bare=$(median "${times[bare]}")
ours=$(median "${times[ours]}")
echo "file: $(wc -c <"$file") bytes, $rounds rounds, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gmime-bare median ${bare} s"
echo "ours       median ${ours} s  ($(awk -v b="$bare" -v o="$ours" 'BEGIN {printf "%.1f", 100 * b / o}')% of bare)"
if [ -n "$baseline" ]; then
    base=$(median "${times[baseline]}")
    echo "baseline   median ${base} s  ($(awk -v b="$bare" -v o="$base" 'BEGIN {printf "%.1f", 100 * b / o}')% of bare)"
fi
