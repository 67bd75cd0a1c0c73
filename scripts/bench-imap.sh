#!/usr/bin/env bash
# IMAP fetch benchmark, one command: builds benchmarks/imap (release) and runs it. It starts a private Dovecot on
# 127.0.0.1 (the test harness, Tests/MailFetchingTests/DovecotHarness.swift), writes N messages (default 20,000) into
# Sent, and prints: our full fetch over imaps, mbsync pulling the same folder into a local Maildir, the same fetch
# through a 20 ms round-trip proxy (benchmarks/imap/delay_proxy.py), and an incremental run with nothing new
# (commands after login, wall time). Everything it starts is stopped at the end.
#
#   scripts/bench-imap.sh [MESSAGES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
if ! command -v mbsync >/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq isync >/dev/null
fi
(cd benchmarks/imap && swift build -c release --scratch-path .build-imap 2>&1 | grep -vE "prohibited flag|unhandled" | tail -2)
benchmarks/imap/.build-imap/release/imap-bench "${1:-20000}" benchmarks/imap/delay_proxy.py
