#!/usr/bin/env bash
# Issue 18's targets, each beside its figure, on generated corpora (default 20k and
# 200k reports), measured in one run: medians of RUNS (default 3) for the times.
#   serial share    the walker's and the writer's share of the CPU time, Parquet-only
#   1 → 2 cores     wall time with `taskset -c 0` over `taskset -c 0,1`, Parquet-only
#   × cat           Parquet-only on 2 cores over `cat` of the same files (page cache warm)
#   memory          peak RSS over that of the same run at 2k reports
#   CSV's price     (run with CSV − Parquet-only run) over `cp` of the facts CSV it wrote
# Usage: bench/targets.sh [SIZES...]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/corpus.sh
. bench/corpus.sh
# shellcheck disable=SC2207
sizes=($(sizes_or_default "20000 200000" "$@"))
runs="${RUNS:-3}"
out="$bench_dir/targets-out"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One ingest; prints "seconds peak_kb serial_share".
ingest() { # cpus, corpus, extra args...
  local cpus="$1" corpus="$2"
  shift 2
  rm -rf "$out"
  local t0 t1
  t0=$(now)
  taskset -c "$cpus" /usr/bin/time -f '%M' -o "$bench_dir/.mem" \
    "$bin" ingest "$corpus" --out "$out" -q --log-format json "$@" 2>"$bench_dir/.log" || [ $? -eq 1 ]
  t1=$(now)
  echo "$(seconds "$t0" "$t1") $(tail -1 "$bench_dir/.mem") \
$(sed -n 's/.*"serial_share":\([0-9.e-]*\).*/\1/p' "$bench_dir/.log" | tail -1)"
}

# Median over the runs of one field (1 seconds, 2 peak KB, 3 serial share).
measure() { # field, cpus, corpus, extra args...
  local field="$1"
  shift
  for _ in $(seq "$runs"); do ingest "$@"; done | awk -v f="$field" '{ print $f }' | median
}

base_kb=$(measure 2 0,1 "$(generate_corpus 2000)" --formats parquet)
declare -A share speedup times_cat memory csv_price
for n in "${sizes[@]}"; do
  corpus=$(generate_corpus "$n")
  find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null
  cat_s=$(for _ in $(seq "$runs"); do
    t0=$(now); find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null; t1=$(now)
    seconds "$t0" "$t1"; echo; done | grep . | median)
  one=$(measure 1 0 "$corpus" --formats parquet)
  runs_two=$(for _ in $(seq "$runs"); do ingest 0,1 "$corpus" --formats parquet; done)
  two=$(awk '{ print $1 }' <<<"$runs_two" | median)
  kb=$(awk '{ print $2 }' <<<"$runs_two" | median)
  serial=$(awk '{ print $3 }' <<<"$runs_two" | median)
  with_csv=$(measure 1 0,1 "$corpus")
  # The output of the last run (with CSV) is in $out: copy its facts CSV.
  cp_s=$(for _ in $(seq "$runs"); do
    rm -f "$bench_dir/.facts-copy.csv"
    t0=$(now); cp "$out/facts.csv" "$bench_dir/.facts-copy.csv"; sync "$bench_dir/.facts-copy.csv"; t1=$(now)
    seconds "$t0" "$t1"; echo; done | grep . | median)
  rm -f "$bench_dir/.facts-copy.csv"
  share[$n]=$(awk -v s="$serial" 'BEGIN { printf "%.1f%%", s * 100 }')
  speedup[$n]=$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f×", a / b }')
  times_cat[$n]=$(awk -v a="$two" -v c="$cat_s" 'BEGIN { printf "%.1f× (%.1f s / %.2f s)", a / c, a, c }')
  memory[$n]=$(awk -v a="$kb" -v b="$base_kb" 'BEGIN { printf "%.2f× (%.0f / %.0f MB)", a / b, a / 1024, b / 1024 }')
  csv_price[$n]=$(awk -v w="$with_csv" -v p="$two" -v c="$cp_s" \
    'BEGIN { printf "%.1f× (%.1f s − %.1f s, cp %.2f s)", (w - p) / c, w, p, c }')
done
rm -rf "$out"

header="| target | aim"
rule="|---|---"
for n in "${sizes[@]}"; do header="$header | $n reports"; rule="$rule|---"; done
printf '%s |\n%s|\n' "$header" "$rule"
row() { # label, aim, array name
  local -n values="$3"
  local line="| $1 | $2"
  for n in "${sizes[@]}"; do line="$line | ${values[$n]}"; done
  echo "$line |"
}
row "walker + writer share of CPU, Parquet-only" "≤ 5%" share
row "1 → 2 cores, Parquet-only" "≥ 1.8×" speedup
row "Parquet-only on 2 cores over \`cat\`" "≤ 5×" times_cat
row "peak RSS over the 2k run's" "≤ 1.10×" memory
row "CSV's price over \`cp\` of its facts CSV" "≤ 1.3×" csv_price
