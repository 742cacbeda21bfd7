#!/usr/bin/env bash
# Per-format throughput: gongkai over many copies of each form of the five samples
# (text from data/raw, HTML/DOCX/PDF from tests/fixtures/formats, and the PDF styles of
# tests/fixtures/pdf-styles as `pdf-styles`), at 1 and 2 threads.
# Prints one table row per (format, threads): files, seconds, reports/s, MB/s.
# Usage: bench/formats.sh [COPIES]   (PDF uses COPIES/5: each one runs pdftotext)
# BASELINE=/path/to/older/gongkai adds that binary's rows, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-200}"
bin="${CARGO_TARGET_DIR:-$HOME/.cache/gongkai/target}/release/gongkai"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

make_corpus() { # format, source files..., copies
  local fmt="$1" n="$2"; shift 2
  mkdir -p "$work/$fmt"
  local i=0
  while [ "$i" -lt "$n" ]; do
    for f in "$@"; do cp "$f" "$work/$fmt/$i-$(basename "$f")"; done
    i=$((i + 1))
  done
}

make_corpus text "$copies" data/raw/*.txt
make_corpus html "$copies" tests/fixtures/formats/*.html
make_corpus docx "$copies" tests/fixtures/formats/*.docx
make_corpus pdf "$((copies / 5))" tests/fixtures/formats/*.pdf
make_corpus pdf-styles "$((copies / 20))" tests/fixtures/pdf-styles/*.pdf

now() { date +%s.%N; }
printf '| format | binary | files | MB | threads | seconds | reports/s | MB/s |\n|---|---|---|---|---|---|---|---|\n'
binaries=("current:$bin")
[ -n "${BASELINE:-}" ] && binaries=("baseline:$BASELINE" "${binaries[@]}")
for fmt in ${FORMATS:-text html docx pdf pdf-styles}; do
  files=$(find "$work/$fmt" -type f | wc -l)
  mb=$(du -sm --apparent-size "$work/$fmt" | cut -f1)
  for threads in 1 2; do
    for entry in "${binaries[@]}"; do
      rm -rf "$work/out"
      t0=$(now)
      "${entry#*:}" ingest "$work/$fmt" --out "$work/out" --threads "$threads" --progress never -q || [ $? -eq 1 ]
      t1=$(now)
      awk -v f="$fmt" -v which="${entry%%:*}" -v n="$files" -v mb="$mb" -v th="$threads" -v a="$t0" -v b="$t1" \
        'BEGIN { s = b - a; printf "| %s | %s | %d | %d | %d | %.2f | %.0f | %.1f |\n", f, which, n, mb, th, s, n / s, mb / s }'
    done
  done
done
