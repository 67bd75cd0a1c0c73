#!/usr/bin/env bash
# Installs the Debian packages ShareDetector builds and tests against, when any is missing.
set -euo pipefail
packages=(pkg-config libgmime-3.0-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev chromium dovecot-imapd openssl python3 python3-cryptography postgresql libpq-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
