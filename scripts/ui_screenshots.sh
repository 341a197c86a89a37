#!/usr/bin/env bash
# Takes PNG screenshots of every UI page (fixture data, headless Chromium) into a directory,
# default target/ui-screenshots, and prints the UI performance figures.
# Needs Debian packages chromium and chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/ui-screenshots}"
mkdir -p "$out"
UI_SCREENSHOTS="$(cd "$out" && pwd)" RIVER_BROWSER_REQUIRED=1 \
    cargo test --test ui_assets browser_ -- --test-threads=1 --nocapture
echo "screenshots in $out:"
ls -1 "$out"
