#!/usr/bin/env bash
# Instructions: the instructions one run over a small generated corpus executes, counted
# by valgrind's callgrind (all threads, one worker). Unlike seconds on a shared machine,
# the count is the same from run to run, so a change of 1% is visible; it is what each
# optimisation in the README's "Where the time goes" was measured with.
# Usage: bench/instructions.sh [REPORTS]   (default 300)
# BASELINE=/path/to/older/gongkai adds that binary's count and the ratio.
# Needs valgrind. SHA-256 runs in software under valgrind (no SHA extensions), so its
# share is larger here than on the machine itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/corpus.sh
. bench/corpus.sh
reports="${1:-300}"
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt install valgrind)" >&2; exit 2; }
corpus=$(generate_corpus "$reports")

count() { # binary -> instructions
  local out="$bench_dir/out-instructions"
  rm -rf "$out"
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" ingest "$corpus" \
    --out "$out" --threads 1 -q 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  rm -rf "$out"
}

current=$(count "$bin")
echo "current: $current instructions over $reports reports ($((current / reports)) per report)"
if [ -n "${BASELINE:-}" ]; then
  baseline=$(count "$BASELINE")
  echo "baseline: $baseline instructions ($((baseline / reports)) per report)"
  awk -v c="$current" -v b="$baseline" 'BEGIN { printf "current / baseline: %.3f\n", c / b }'
fi
