#!/usr/bin/env bash
# Usage: bench/same-output.sh OLD_BINARY NEW_BINARY
# Runs both binaries on the samples, the format and portal fixtures, ../shared/corpus (where
# it exists), a generated corpus of 2,000 reports and four shards of the samples and
# fixtures, and says which CSV files differ. A refactoring must leave them all identical.
set -euo pipefail
old=$1 new=$2
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$new" corpus --out "$work/corpus2k" --count 2000 --seed 1 >/dev/null
run() {
  local bin=$1 out=$2
  "$bin" ingest data/raw --out "$out/samples" -q || true
  "$bin" ingest tests/fixtures/formats tests/fixtures/pdf-styles --out "$out/formats" -q || true
  "$bin" ingest tests/fixtures/portal --out "$out/portal" -q || true
  if [ -d ../shared/corpus ]; then "$bin" ingest ../shared/corpus --out "$out/corpus" -q || true; fi
  "$bin" ingest "$work/corpus2k" --out "$out/c2k" -q || true
  for k in 0 1 2 3; do
    "$bin" ingest data/raw tests/fixtures/formats --out "$out/sharded" --shard "$k/4" -q || true
  done
}
run "$old" "$work/old"
run "$new" "$work/new"
status=0
files=0
while IFS= read -r f; do
  files=$((files + 1))
  if ! cmp -s "$work/old/$f" "$work/new/$f"; then
    echo "differs: $f"
    status=1
  fi
done < <(cd "$work/old" && find . -name '*.csv' | sort)
[ "$status" = 0 ] && echo "all $files CSV files identical"
exit "$status"
