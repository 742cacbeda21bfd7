#!/usr/bin/env bash
# The finish step: a generated corpus as one partitioned run, and as four shards followed
# by `gongkai finish` (which compares all reports and writes every part again), with
# seconds, seconds per 100k reports and peak memory of each step.
# Usage: bench/finish.sh [SIZES...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/corpus.sh
. bench/corpus.sh
# shellcheck disable=SC2207
sizes=($(sizes_or_default "10000 100000" "$@"))

printf '| reports | step | seconds | seconds per 100k reports | peak RSS MB |\n|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  corpus=$(generate_corpus "$n")
  row() { # step, seconds, peak KB
    awk -v n="$n" -v step="$1" -v s="$2" -v kb="$3" \
      'BEGIN { printf "| %d | %s | %.2f | %.2f | %.0f |\n", n, step, s, s * 100000 / n, kb / 1024 }'
  }
  timed() { # step, command...
    local step="$1"
    shift
    t0=$(now)
    /usr/bin/time -f '%M' -o "$bench_dir/.mem" "$@" >/dev/null 2>"$bench_dir/.log" || [ $? -eq 1 ]
    t1=$(now)
    row "$step" "$(seconds "$t0" "$t1")" "$(tail -1 "$bench_dir/.mem")"
  }
  rm -rf "$bench_dir/finish-one" "$bench_dir/finish-four"
  timed "one run (2 threads)" "$bin" ingest "$corpus" --out "$bench_dir/finish-one" --partition-by year -q
  for k in 0 1 2 3; do
    timed "shard $k/4 (2 threads)" "$bin" ingest "$corpus" --out "$bench_dir/finish-four" --shard "$k/4" -q
  done
  timed "gongkai finish" "$bin" finish "$bench_dir/finish-four"
  du -sm "$bench_dir/finish-four/.gongkai" | awk -v n="$n" '{ printf "| %d | (shards'"'"' state, summaries included: %d MB) | | | |\n", n, $1 }'
  summaries=$(find "$bench_dir/finish-four/.gongkai" -name summaries.bin -printf '%s\n' | awk '{ s += $1 } END { print s }')
  awk -v n="$n" -v b="$summaries" 'BEGIN { printf "| %d | (summaries: %.0f bytes a report) | | | |\n", n, b / n }'
  rm -rf "$bench_dir/finish-one" "$bench_dir/finish-four"
done
