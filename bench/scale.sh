#!/usr/bin/env bash
# Scale: gongkai over generated corpora of 10k and 100k text reports, at 1 and 2 threads,
# next to the time `cat` takes to read the same files (the I/O floor), with peak memory,
# and an incremental run over the unchanged corpus.
# Usage: bench/scale.sh [SIZES...]   (default: 10000 100000)
# The corpora are generated once (gongkai corpus, seed 1) under $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$HOME/.cache/gongkai/target}"
bin="$target/release/gongkai"
bench_dir="${BENCH_DIR:-$target/bench}"
sizes=("${@:-10000 100000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
mkdir -p "$bench_dir"

now() { date +%s.%N; }

printf '| reports | MB | run | threads | seconds | reports/s | MB/s | × cat | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  corpus="$bench_dir/corpus-$n"
  if [ ! -f "$corpus/.complete" ]; then
    rm -rf "$corpus"
    "$bin" corpus --out "$corpus" --count "$n" --seed 1 >/dev/null
    touch "$corpus/.complete"
  fi
  mb=$(du -sm --apparent-size "$corpus" | cut -f1)
  # The I/O floor: read every file once (page cache warm, as for the runs below).
  find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null
  t0=$(now); find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null; t1=$(now)
  cat_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  printf '| %d | %d | cat | 1 | %.2f | %.0f | %.0f | 1.0 | |\n' "$n" "$mb" "$cat_s" "$(awk -v n="$n" -v s="$cat_s" 'BEGIN{print n/s}')" "$(awk -v m="$mb" -v s="$cat_s" 'BEGIN{print m/s}')"
  for threads in 1 2; do
    out="$bench_dir/out-$n-$threads"
    rm -rf "$out"
    t0=$(now)
    /usr/bin/time -f '%M' -o "$bench_dir/.mem" "$bin" ingest "$corpus" --out "$out" --threads "$threads" -q || [ $? -eq 1 ]
    t1=$(now)
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    awk -v n="$n" -v mb="$mb" -v th="$threads" -v s="$s" -v c="$cat_s" -v kb="$(tail -1 "$bench_dir/.mem")" \
      'BEGIN { printf "| %d | %d | full | %d | %.2f | %.0f | %.1f | %.0f | %.0f |\n", n, mb, th, s, n / s, mb / s, s / c, kb / 1024 }'
  done
  out="$bench_dir/out-$n-2"
  t0=$(now)
  /usr/bin/time -f '%M' -o "$bench_dir/.mem" "$bin" ingest "$corpus" --out "$out" --threads 2 --incremental -q || [ $? -eq 1 ]
  t1=$(now)
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  awk -v n="$n" -v mb="$mb" -v s="$s" -v c="$cat_s" -v kb="$(tail -1 "$bench_dir/.mem")" \
    'BEGIN { printf "| %d | %d | incremental, unchanged | 2 | %.2f | %.0f | %.1f | %.1f | %.0f |\n", n, mb, s, n / s, mb / s, s / c, kb / 1024 }'
done
