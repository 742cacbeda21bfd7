#!/usr/bin/env bash
# Scale: gongkai over generated corpora of 10k and 100k text reports, at 1 and 2 threads,
# next to the time `cat` takes to read the same files (the I/O floor), with peak memory,
# a Parquet-only run, the time to copy the facts CSV the run wrote (the floor for writing
# it), and an incremental run over the unchanged corpus.
# Usage: bench/scale.sh [SIZES...]   (default: 10000 100000)
# BASELINE=/path/to/older/gongkai adds that binary's full runs, for before/after figures
# measured in the same run. The corpora are generated once (gongkai corpus, seed 1) under
# $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/corpus.sh
. bench/corpus.sh
# shellcheck disable=SC2207
sizes=($(sizes_or_default "10000 100000" "$@"))

# What two threads can give on this machine: one CPU-bound job (sha256sum of 256 MB)
# alone, then two copies at once.
head -c 268435456 /dev/zero >"$bench_dir/.sha-input"
sha256sum "$bench_dir/.sha-input" >/dev/null
t0=$(now); sha256sum "$bench_dir/.sha-input" >/dev/null; t1=$(now)
sha256sum "$bench_dir/.sha-input" >/dev/null & sha256sum "$bench_dir/.sha-input" >/dev/null; wait
t2=$(now)
rm -f "$bench_dir/.sha-input"
awk -v a="$(seconds "$t0" "$t1")" -v b="$(seconds "$t1" "$t2")" \
  'BEGIN { printf "Machine: two copies of one CPU-bound job (sha256sum) run at %.2fx the rate of one.\n\n", 2 * a / b }'

printf '| reports | MB | run | threads | seconds | reports/s | MB/s | × cat | peak RSS MB | serial CPU %% |\n|---|---|---|---|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  corpus=$(generate_corpus "$n")
  mb=$(du -sm --apparent-size "$corpus" | cut -f1)
  # The I/O floor: read every file once (page cache warm, as for the runs below).
  find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null
  t0=$(now); find "$corpus" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null; t1=$(now)
  cat_s=$(seconds "$t0" "$t1")
  row() { # label, threads, seconds, [peak KB], [serial share]
    awk -v n="$n" -v mb="$mb" -v label="$1" -v th="$2" -v s="$3" -v c="$cat_s" -v kb="${4:-}" -v share="${5:-}" \
      'BEGIN { printf "| %d | %d | %s | %s | %.2f | %.0f | %.1f | %.1f | %s | %s |\n", n, mb, label, th, s, n / s, mb / s, s / c, kb == "" ? "" : sprintf("%.0f", kb / 1024), share == "" ? "" : sprintf("%.1f", share * 100) }'
  }
  row cat 1 "$cat_s"
  ingest() { # label, binary, out, threads, extra args...
    local label="$1" binary="$2" out="$3" threads="$4"
    shift 4
    t0=$(now)
    # The JSON log's finish event says the walker's and the writer's share of the CPU time
    # (older binaries do not: their column stays empty).
    /usr/bin/time -f '%M' -o "$bench_dir/.mem" "$binary" ingest "$corpus" --out "$out" --threads "$threads" -q --log-format json "$@" 2>"$bench_dir/.log" || [ $? -eq 1 ]
    t1=$(now)
    share=$(sed -n 's/.*"serial_share":\([0-9.e-]*\).*/\1/p' "$bench_dir/.log" | tail -1)
    row "$label" "$threads" "$(seconds "$t0" "$t1")" "$(tail -1 "$bench_dir/.mem")" "$share"
  }
  for threads in 1 2; do
    # One output of 3 GB (at 100k reports) on the disk at a time.
    rm -rf "$bench_dir/out-$n"
    if [ -n "${BASELINE:-}" ]; then
      rm -rf "$bench_dir/out-baseline"
      ingest "full, baseline" "$BASELINE" "$bench_dir/out-baseline" "$threads"
      rm -rf "$bench_dir/out-baseline"
    fi
    ingest full "$bin" "$bench_dir/out-$n" "$threads"
  done
  out="$bench_dir/out-$n"
  # The floor for writing what the run wrote: copying its facts CSV on the same disk.
  t0=$(now); cp "$out/facts.csv" "$bench_dir/.facts-copy.csv"; sync "$bench_dir/.facts-copy.csv"; t1=$(now)
  rm -f "$bench_dir/.facts-copy.csv"
  row "copy facts.csv ($(du -m "$out/facts.csv" | cut -f1) MB)" 1 "$(seconds "$t0" "$t1")"
  rm -rf "$bench_dir/out-parquet"
  ingest "full, Parquet only" "$bin" "$bench_dir/out-parquet" 2 --formats parquet
  rm -rf "$bench_dir/out-parquet"
  ingest "incremental, unchanged" "$bin" "$out" 2 --incremental
  rm -rf "$out" # 3 GB at 100k reports
done
