#!/usr/bin/env bash
# Mail-reading benchmark: our extraction (MboxReader + MailParser) against GMime's bare mbox parser and CPython's
# mailbox + email, on the small real-mail perf mbox and on a generated >= 200 MB sales-mail mbox. Also measures
# share detection on top of the same reading (`detect` mode), for the "Share detection" table.
#
#   scripts/bench-parse.sh [--quick]
#
# --quick skips CPython on the big file (it takes several minutes there). Release build; the Swift runs are repeated
# three times, alternating baseline and ours, and the best time of each is kept. Prints a markdown table.
set -euo pipefail

quick=0
for argument in "$@"; do
    case "$argument" in
        --quick) quick=1 ;;
        *) echo "usage: scripts/bench-parse.sh [--quick]" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scratch=${BENCH_SCRATCH_PATH:-.build-bench}
repetitions=3

echo "== building share-detector-bench (release, scratch path $scratch)" >&2
build_log=$(mktemp)
if ! swift build -c release --scratch-path "$scratch" --product share-detector-bench >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "bench-parse.sh: the build failed" >&2
    exit 1
fi
grep -vE 'prohibited flag|which are unhandled|CMakeLists.txt' "$build_log" >&2 || true
rm -f "$build_log"
bench="$scratch/release/share-detector-bench"

big="benchmarks/data/sales-sent-210MB.mbox"
if [ ! -f "$big" ]; then
    echo "== generating $big" >&2
    python3 benchmarks/generate_mbox.py >&2
fi
small="../shared/corpus/perf/enron-sent-perf-small.mbox"
files=()
if [ -f "$small" ]; then files+=("$small"); else echo "== $small absent: skipping the real-mail file" >&2; fi
files+=("$big")

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')" >>"$results"
for file in "${files[@]}"; do
    echo "== $file" >&2
    for run in $(seq "$repetitions"); do
        for mode in gmime-bare parse detect; do
            line=$("$bench" "$mode" "$file" 2>/dev/null)
            echo "   $line" >&2
            echo "file=$file run=$run $line" >>"$results"
        done
    done
    if [ "$file" = "$big" ] && [ "$quick" = 1 ]; then
        echo "   cpython skipped (--quick)" >&2
    else
        line=$(python3 benchmarks/cpython_extract.py "$file")
        echo "   $line" >&2
        echo "file=$file run=1 $line" >>"$results"
    fi
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')" >>"$results"

python3 - "$results" <<'PY'
import sys

rows, load = [], {}
for line in open(sys.argv[1]):
    fields = dict(part.split("=", 1) for part in line.split())
    if "mode" in fields:
        rows.append(fields)
    else:
        load.update(fields)

def best(file, mode):
    runs = [r for r in rows if r["file"] == file and r["mode"] == mode]
    return min(runs, key=lambda r: float(r["seconds"])) if runs else None

files = list(dict.fromkeys(r["file"] for r in rows))
print(f"Load average (1/5/15 min) before {load.get('load_before')}, after {load.get('load_after')}.")
print()
print("| file | parser | messages | MB | best s | CPU s | msg/s | MB/s | peak RSS MB | vs gmime-bare | vs CPython |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for file in files:
    bare, ours, python = best(file, "gmime-bare"), best(file, "parse"), best(file, "cpython")
    name = file.rsplit("/", 1)[-1]
    for label, r in (("GMime mbox parser, bare (baseline)", bare), ("**ours: MboxReader + MailParser**", ours),
                     ("CPython mailbox + email", python)):
        if r is None:
            continue
        msg_s, seconds = float(r["msg_per_s"]), float(r["seconds"])
        vs_bare = f"{msg_s / float(bare['msg_per_s']):.0%}" if bare else ""
        vs_python = f"{msg_s / float(python['msg_per_s']):.1f}x" if python and r is not python else ""
        repeats = sum(1 for x in rows if x["file"] == file and x["mode"] == r["mode"])
        print(f"| {name} | {label} | {int(r['messages']):,} | {int(r['bytes']) / 1e6:.1f} | {seconds:.2f}"
              f"{' (1 run)' if repeats == 1 else ''} | {float(r['cpu_seconds']):.2f} | {msg_s:,.0f} | "
              f"{float(r['mb_per_s']):.1f} | {int(r['peak_rss_kb']) / 1024:.1f} | {vs_bare} | {vs_python} |")
print()
for file in files:
    bare, ours = best(file, "gmime-bare"), best(file, "parse")
    if bare and ours:
        ratio = float(ours["msg_per_s"]) / float(bare["msg_per_s"])
        cpu_ratio = float(bare["cpu_seconds"]) / float(ours["cpu_seconds"])
        rss = int(ours["peak_rss_kb"]) / 1024
        print(f"- {file.rsplit('/', 1)[-1]}: parse/gmime-bare = {ratio:.0%} wall, {cpu_ratio:.0%} CPU "
              f"(target >= 70%); parse peak RSS {rss:.1f} MB (target <= 64 MB); "
              f"failures {ours['failures']}")
print()
print("Share detection (best of the runs; added = detect time over parse time, target <= 30%):")
print()
print("| file | mode | messages | best s | CPU s | msg/s | peak RSS MB | added wall | added CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for file in files:
    ours, detect = best(file, "parse"), best(file, "detect")
    if not (ours and detect):
        continue
    name = file.rsplit("/", 1)[-1]
    for label, r in (("parse (MboxReader + MailParser)", ours), ("**detect** (+ ShareDetector + events)", detect)):
        added = float(r["seconds"]) / float(ours["seconds"]) - 1
        added_cpu = float(r["cpu_seconds"]) / float(ours["cpu_seconds"]) - 1
        extra = (f"{added:+.0%} | {added_cpu:+.0%}") if r is detect else " | "
        print(f"| {name} | {label} | {int(r['messages']):,} | {float(r['seconds']):.2f} | "
              f"{float(r['cpu_seconds']):.2f} | {float(r['msg_per_s']):,.0f} | {int(r['peak_rss_kb']) / 1024:.1f} | "
              f"{extra} |")
PY
