#!/usr/bin/env bash
# OCR of scanned reports: the five samples' PDFs scanned (tests/support/scan_of.rs:
# rendered grey, skewed 1°, noise, JPEG) in each style and resolution below, read one file
# at a time with OCR on. Prints one table row per scan: facts right of those in the text
# samples (recall), wrong facts (and how many of them pass every check), pages, seconds,
# pages per second.
# Needs tesseract-ocr, tesseract-ocr-chi-sim and tesseract-ocr-script-hans (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "| style | dpi | right (recall) | wrong | pages | seconds | pages/s |"
echo "|---|---|---|---|---|---|---|"
# Pages are read at ocr-dpi's default, 300 (a coarser scan is rendered up to it), except
# in the last row, which shows what reading a 200-dpi scan at its own resolution costs.
for scan in "word-centred 300 300" "word 300 300" "chromium 300 300" "word-centred 200 300" \
  "word 200 300" "chromium 200 300" "word 150 300" "word 200 200"; do
  set -- $scan
  STYLE="$1" DPI="$2" RENDER="$3" cargo test --release --locked --test integration \
    ocr::measure -- --ignored --nocapture --test-threads 1 2>/dev/null | grep '^| '
done
