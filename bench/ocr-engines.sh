#!/usr/bin/env bash
# The OCR engines compared on the same scans (README, "Engines"): gongkai's pipeline with
# PP-OCRv4 (rapidocr_onnxruntime, from PyPI, models in the wheel) reading the cells and
# the prose in tesseract's place, tesseract's English digits model still confirming each
# number. Prints bench/ocr.sh's rows for these scans; run bench/ocr.sh for tesseract's.
# Slow: PP-OCR detects text in every cell (about 3 minutes a report on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$HOME/.cache/gongkai/target}"
venv="$target/ppocr-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q 'rapidocr_onnxruntime==1.4.4'
export PPOCR_PYTHON="$venv/bin/python" REAL_TESSERACT="$(command -v tesseract)"
export PATH="$PWD/bench/ppocr:$PATH"
echo "| style | dpi | right (recall) | wrong | pages | seconds | pages/s |"
echo "|---|---|---|---|---|---|---|"
for scan in "word 300" "word 200"; do
  set -- $scan
  # ONNX Runtime reserves more address space than tesseract's 1 GB limit, and PP-OCR
  # takes longer than its minute a page.
  MEMORY_MB=8000 PAGE_SECS=600 STYLE="$1" DPI="$2" cargo test --release --locked \
    --test integration ocr::measure -- --ignored --nocapture --test-threads 1 2>/dev/null |
    grep '^| '
done
