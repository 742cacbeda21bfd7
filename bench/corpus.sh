# Sourced by the bench scripts: where the binary and the generated corpora live,
# generate_corpus N, which writes the corpus of N reports (seed 1) once and prints its
# folder, and sizes_or_default, now and seconds. A corpus is complete only once `.complete` is in it, so an interrupted
# generation is redone, not measured.
target="${CARGO_TARGET_DIR:-$HOME/.cache/gongkai/target}"
bin="$target/release/gongkai"
bench_dir="${BENCH_DIR:-$target/bench}"
mkdir -p "$bench_dir"

generate_corpus() { # reports
  local corpus="$bench_dir/corpus-$1"
  if [ ! -f "$corpus/.complete" ]; then
    rm -rf "$corpus"
    "$bin" corpus --out "$corpus" --count "$1" --seed 1 >/dev/null
    touch "$corpus/.complete"
  fi
  echo "$corpus"
}

# The sizes given as arguments, else the default ones (one word each).
sizes_or_default() { # default, args...
  local default="$1"
  shift
  # shellcheck disable=SC2206
  local given=(${*:-$default})
  echo "${given[*]}"
}

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
