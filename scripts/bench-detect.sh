#!/usr/bin/env bash
# Detection throughput of this tree against a baseline commit, in the same run: builds share-detector-bench (release)
# for both, then runs its `detect` mode (MboxReader + MailParser + ShareDetector + event mapping) on the real-mail perf
# mbox and the generated sales mbox, alternating baseline and ours, best of five each. Prints a markdown table.
#
#   scripts/bench-detect.sh [--instructions] [BASELINE_REV [OURS_REV]]
#
# BASELINE_REV defaults to the commit before the detection work of issue 12 (7671b3b); OURS_REV to the working tree.
# --instructions counts executed instructions instead (valgrind's callgrind, on the perf mbox and the first 20 MB of the
# sales mbox): deterministic, so it compares builds on a busy machine where wall-clock times swing by 30%.
set -euo pipefail

instructions=0
if [ "${1:-}" = --instructions ]; then
    instructions=1
    shift
fi
baseline=${1:-7671b3b}
ours_rev=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
repetitions=5
ours_scratch=${BENCH_SCRATCH_PATH:-.build-bench}
base_tree=.build-bench-baseline/tree
base_scratch=.build-bench-baseline/build

build() { # dir scratch
    local log
    log=$(mktemp)
    if ! (cd "$1" && swift build -c release --scratch-path "$2" --product share-detector-bench >"$log" 2>&1); then
        cat "$log" >&2
        echo "bench-detect.sh: the build in $1 failed" >&2
        exit 1
    fi
    rm -f "$log"
}

echo "== baseline $baseline in $base_tree" >&2
rm -rf "$base_tree"
mkdir -p "$base_tree"
git archive "$baseline" | tar -x -C "$base_tree"
build "$base_tree" "$root/$base_scratch"
if [ -n "$ours_rev" ]; then
    ours_tree=.build-bench-baseline/ours-tree
    echo "== ours $ours_rev in $ours_tree" >&2
    rm -rf "$ours_tree"
    mkdir -p "$ours_tree"
    git archive "$ours_rev" | tar -x -C "$ours_tree"
    ours_scratch=.build-bench-baseline/ours-build
    build "$ours_tree" "$root/$ours_scratch"
else
    echo "== ours ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'))" >&2
    build "$root" "$root/$ours_scratch"
fi

big="benchmarks/data/sales-sent-210MB.mbox"
if [ ! -f "$big" ]; then
    echo "== generating $big" >&2
    python3 benchmarks/generate_mbox.py >&2
fi
files=("../shared/corpus/perf/enron-sent-perf-small.mbox" "$big")

if [ "$instructions" = 1 ]; then
    command -v valgrind >/dev/null || { echo "bench-detect.sh: --instructions needs valgrind (apt-get install valgrind)" >&2; exit 1; }
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    python3 - "$big" "$work/sales-20MB.mbox" <<'PY'
import sys
data = open(sys.argv[1], "rb").read(25_000_000)
end = data.rfind(b"\nFrom ", 0, 20_000_000)
open(sys.argv[2], "wb").write(data[: end + 1])
PY
    # valgrind cannot read the Swift debug info: count on stripped copies.
    strip -o "$work/baseline" "$base_scratch/release/share-detector-bench"
    strip -o "$work/ours" "$ours_scratch/release/share-detector-bench"
    echo "| file | baseline $baseline (instructions) | ${ours_rev:-this tree} (instructions) | change |"
    echo "|---|---:|---:|---:|"
    for file in "${files[0]}" "$work/sales-20MB.mbox"; do
        [ -f "$file" ] || continue
        counts=()
        for who in baseline ours; do
            counts+=("$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$work/$who" detect "$file" 2>&1 \
                | awk '/Collected/ {print $4}')")
        done
        python3 -c "import sys; b, o = int(sys.argv[2]), int(sys.argv[3]); print(f'| {sys.argv[1]} | {b:,} | {o:,} | {100 * (o - b) / b:+.2f}% |')" \
            "$(basename "$file")" "${counts[0]}" "${counts[1]}"
    done
    exit 0
fi

results=$(mktemp)
trap 'rm -f "$results" "$results.err"' EXIT
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')" >&2
for file in "${files[@]}"; do
    [ -f "$file" ] || { echo "   $file absent, skipped" >&2; continue; }
    for run in $(seq "$repetitions"); do
        for who in baseline ours; do
            if [ "$who" = baseline ]; then bench="$base_scratch/release/share-detector-bench"; else bench="$ours_scratch/release/share-detector-bench"; fi
            line=$("$bench" detect "$file" 2>"$results.err")
            events=$(grep -o '[0-9]* events' "$results.err" | cut -d' ' -f1)
            echo "   $who $line events=$events" >&2
            echo "who=$who file=$file run=$run $line events=$events" >>"$results"
        done
    done
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')" >&2

python3 - "$results" "$baseline" "$ours_rev" <<'PY'
import sys
rows = [dict(p.split("=", 1) for p in line.split()) for line in open(sys.argv[1])]
print(f"| file | build | messages | events | best s | msg/s | vs baseline |")
print("|---|---|---:|---:|---:|---:|---:|")
for file in dict.fromkeys(r["file"] for r in rows):
    best = {}
    for who in ("baseline", "ours"):
        mine = [r for r in rows if r["file"] == file and r["who"] == who]
        best[who] = min(mine, key=lambda r: float(r["seconds"]))
    for who in ("baseline", "ours"):
        r = best[who]
        s = float(r["seconds"])
        ratio = float(best["baseline"]["seconds"]) / s
        label = f"baseline {sys.argv[2]}" if who == "baseline" else (sys.argv[3] or "this tree")
        print(f"| {file.split('/')[-1]} | {label} | {int(r['messages']):,} | {r.get('events', '?')} | {s:.3f} | "
              f"{int(r['messages']) / s:,.0f} | {ratio:.2f}x |")
PY
