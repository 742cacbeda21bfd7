#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 60), one after another.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (`make fuzz FUZZ_SECONDS=600`)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# A crash stops that target and leaves the input in fuzz/artifacts/<target>/; turn it
# into a regression test in tests/fixtures/fuzz/ (see tests/integration/fuzzed.rs).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pipeline decode tables html docx)
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/gongkai/fuzz-target}
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "make fuzz needs the nightly toolchain: rustup toolchain install nightly" >&2
  exit 2
fi
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cargo +nightly fuzz build -O
./seed.sh
bin=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release
status=0
for target in "${targets[@]}"; do
  mkdir -p "artifacts/$target"
  echo "== fuzzing $target for ${seconds}s"
  # -timeout: an input taking over 10 s is a hang (all work per file should be linear);
  # -rss_limit_mb: an input needing over 2 GB is a memory bug.
  "$bin/$target" "corpus/$target" -artifact_prefix="artifacts/$target/" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 2>&1 | grep -v '^#[0-9].*\(NEW\|REDUCE\|pulse\)' || status=1
done
exit $status
