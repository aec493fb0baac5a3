#!/usr/bin/env bash
# Renders an experiment's report.html in headless Chromium to a PNG, for
# looking at the report as a reader sees it:
#   scripts/screenshot.sh runs/quickstart [WIDTH] [HEIGHT]
# writes runs/quickstart/report-screenshot.png (top WIDTH x HEIGHT pixels).
set -euo pipefail
run=${1:?usage: scripts/screenshot.sh RUN_FOLDER [WIDTH] [HEIGHT]}
width=${2:-1280}
height=${3:-9000}
page=$(realpath "$run/report.html")
out=$(realpath "$run")/report-screenshot.png
bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome) || {
  echo "screenshot: needs Chromium (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --virtual-time-budget=10000 --window-size="$width,$height" \
  --screenshot="$out" "file://$page" 2>/dev/null
echo "$out"
