#!/usr/bin/env bash
# The trend page at its bound (100 series × 500 runs): page size and Chromium render time.
# Usage: bash bench/history-page.sh [WORKDIR]   (BIN=path/to/dpone-observability to skip the build)
# Needs /usr/bin/chromium and the playwright Python wheel (see .ci/run). Not a test: nothing
# here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
bin="${BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked
  bin="${CARGO_TARGET_DIR:-target}/release/dpone-observability"
fi
rm -rf "$work/runs" "$work/site"
python3 bench/history_page.py "$bin" "$work" --runs 7
echo "screenshots: $work/bench-100x500-top.png $work/bench-100x500-middle.png"
