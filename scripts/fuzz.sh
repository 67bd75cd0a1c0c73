#!/usr/bin/env bash
# Builds a libFuzzer target of the Fuzz/ package and runs it for a number of executions.
#
#   scripts/fuzz.sh TARGET [RUNS] [extra libFuzzer flags...]
#   FUZZ_CONFIG=release scripts/fuzz.sh TARGET 10000000 -max_total_time=3600   # optimised build (5-10x faster)
#
# TARGET is fuzz-mbox, fuzz-mime, fuzz-links or fuzz-unwrap; RUNS defaults to 1,000,000 (-runs=). The seed corpus
# is Fuzz/seeds/<kind>/; new inputs go to Fuzz/.build/corpus/TARGET/ (git-ignored) and crashes to
# Fuzz/.build/artifacts/TARGET/. The last lines printed are libFuzzer's final stats. Exit status is libFuzzer's (non-zero on a crash).
set -euo pipefail

target=${1:?usage: scripts/fuzz.sh fuzz-mbox|fuzz-mime|fuzz-links|fuzz-unwrap|fuzz-imap [RUNS] [libFuzzer flags...]}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : 1 ))

# The link targets build the built-in rule set once per process; its regular expressions (Foundation/ICU) keep 9.9 KB
# that LeakSanitizer reports at exit, the same after 100 or 1,000,000 inputs, so leak detection is off for them.
leaks=1
case "$target" in
    fuzz-mbox) seeds=mbox; max_len=8192 ;;
    fuzz-mime) seeds=mime; max_len=16384 ;;
    fuzz-links) seeds=links; max_len=16384; leaks=0 ;;
    fuzz-unwrap) seeds=unwrap; max_len=4096; leaks=0 ;;
    fuzz-imap) seeds=imap; max_len=4096 ;;
    *) echo "fuzz.sh: unknown target $target (fuzz-mbox, fuzz-mime, fuzz-links, fuzz-unwrap or fuzz-imap)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/Fuzz"

# lld, because gold crashes on the ASan objects' debug info ("internal error in format_file_lineno").
mkdir -p .build
# SwiftPM keeps this package's build plan, source list of the main package included, until a manifest changes: a
# source file added to the main package would be missing ("cannot find type … in scope"). Touching the manifest makes
# it read the source folders again (cheap: nothing is recompiled for it).
touch Package.swift
config=${FUZZ_CONFIG:-debug}
if ! swift build -c "$config" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product "$target" \
    >".build/$target.build.log" 2>&1; then
    cat ".build/$target.build.log" >&2
    echo "fuzz.sh: the build failed" >&2
    exit 1
fi
grep -vE 'prohibited flag|Cannot export local symbol|which are unhandled|CMakeLists.txt' ".build/$target.build.log" \
    | tail -3 || true
binary=".build/$config/$target"

corpus=".build/corpus/$target"
artifacts=".build/artifacts/$target/"
mkdir -p "$corpus" "$artifacts"
log=".build/$target.log"

echo "== $target: $runs runs, max_len $max_len, seeds Fuzz/seeds/$seeds (log Fuzz/$log)"
start=$(date +%s)
set +e
# The Swift backtracer's crash handler confuses ASan reports; libFuzzer reports crashes itself.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=$leaks" "$binary" -runs="$runs" -max_len="$max_len" \
    -print_final_stats=1 -detect_leaks="$leaks" \
    -artifact_prefix="$artifacts" "$@" "$corpus" "seeds/$seeds" >"$log" 2>&1
status=$?
set -e
end=$(date +%s)

grep -E '^#[0-9]+.*(INITED|DONE)' "$log" || true
grep -E '^(stat::|Done |==[0-9]+==ERROR|SUMMARY|artifact_prefix|.*Test unit written|.*deadly signal|Fatal error)' "$log" \
    || true
echo "== $target: exit $status, wall $((end - start)) s"
exit $status
