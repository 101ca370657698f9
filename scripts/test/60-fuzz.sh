#!/usr/bin/env bash
# Fuzz smoke run: builds the cargo-fuzz targets in fuzz/ (nightly toolchain) and runs each one
# for a bounded time on a copy of its seed corpus, so the checked-in corpus is never modified.
# Any crash, panic, timeout (an input taking over 5 s) or OOM (over 2 GB) fails the part.
#
#   FUZZ_SECONDS   seconds per target (default 20)
#   FUZZ_TARGETS   space-separated targets (default: every target, `cargo fuzz list`)
#   FUZZ_WORK      where corpora copies, logs and crash inputs go (default: a fresh temp dir)
set -euo pipefail
cd "$(dirname "$0")/../../fuzz"

seconds=${FUZZ_SECONDS:-20}
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz build

work=${FUZZ_WORK:-$(mktemp -d)}
targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
failed=()
for target in $targets; do
  dir="$work/$target"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp corpus/"$target"/* "$dir/corpus/"
  # One job, one worker: the limits below make a hang or a blow-up a failure, not a stall.
  if cargo +nightly fuzz run "$target" "$dir/corpus" -- \
      -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=4096 \
      -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/log" 2>&1; then
    echo "$target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/log" | tail -n1)"
  else
    echo "$target: FAILED (log: $dir/log)" >&2
    grep -E 'panicked|ALARM|out-of-memory|ERROR: libFuzzer|Test unit written' "$dir/log" | head -n 10 >&2 || true
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz targets that failed: ${failed[*]} (inputs in $work/<target>/artifacts)" >&2
  exit 1
fi
echo "every fuzz target ran ${seconds}s without a failure (work dir: $work)"
