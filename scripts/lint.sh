#!/usr/bin/env bash
# Fails when any Swift file is not formatted per .swift-format.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
echo "lint: swift format --strict clean"
