#!/usr/bin/env bash
# Scan benchmarks, one command: builds share-detector and benchmarks/imap (release), then runs scan-bench:
#   mailboxes   200 Dovecot mailboxes × 25 sent messages behind the 20 ms RTT proxy, --concurrency 1 against 8
#               (medians of 3, same events), and a real scan into the sandbox: first event at Gong vs last mailbox done;
#   attachments 1,000 messages, every other one with a 2 MB PDF: bytes Dovecot sent with fetch: parts vs whole.
#
#   folder      20,000 messages in one folder: the real scan against mbsync (FSync no and yes), medians of 3
#               (ROUNDS=n: of n; BASELINE=path/to/an/older/share-detector: its scan too, in the same rounds).
#
#   scripts/bench-scan.sh [mailboxes|attachments|folder|all]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
swift build -c release --product share-detector 2>&1 | grep -vE "prohibited flag|unhandled" | tail -1
(cd benchmarks/imap && swift build -c release --scratch-path .build-imap --product scan-bench 2>&1 \
    | grep -vE "prohibited flag|unhandled" | tail -1)
bench=benchmarks/imap/.build-imap/release/scan-bench
what=${1:-all}
if [ "$what" = all ] || [ "$what" = mailboxes ]; then
    "$bench" mailboxes "$root/.build/release/share-detector" benchmarks/imap/delay_proxy.py 200 25
fi
if [ "$what" = all ] || [ "$what" = folder ]; then
    if ! command -v mbsync >/dev/null; then
        sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq isync >/dev/null
    fi
    # BASELINE=path/to/an/older/share-detector adds its scan to every run.
    "$bench" folder "$root/.build/release/share-detector" 20000 ${BASELINE:-}
fi
if [ "$what" = all ] || [ "$what" = attachments ]; then
    "$bench" attachments "$root/.build/release/share-detector" 1000
fi
