#!/usr/bin/env bash
# ThreadSanitizer over the C ABI: the library (and the standard library, -Zbuild-std) built
# on nightly with -Zsanitizer=thread into its own target directory, the C test suite
# (tests/c: dispatchers, listener add/remove, free and stop inside callbacks, concurrent
# sends) compiled with gcc -fsanitize=thread, run against the release emulator. Any race
# report fails the part; scripts/test/tsan.supp holds the explained false positives.
#
# The C program is linked with rustc's own TSan runtime (the one -Zsanitizer=thread was
# built for), not gcc's libtsan: gcc 12's runtime lacks entry points the newer LLVM
# instrumentation of the Rust code calls (__tsan_memcpy and friends).
#
#   scripts/test/50-tsan.sh                 the whole C suite, twice
#   scripts/test/50-tsan.sh NAME...         only the named C tests
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

log() { printf '\n--- %s\n' "$*"; }
fail() { printf '50-tsan: FAILED: %s\n' "$*" >&2; exit 1; }

missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v llvm-symbolizer >/dev/null || missing+=(llvm)  # symbolised reports, or suppressions cannot match
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component list --toolchain nightly --installed | grep -q '^rust-src' \
  || rustup component add --toolchain nightly rust-src

host=$(rustc +nightly -vV | sed -n 's/^host: //p')
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
tsan_target="$target/tsan"
lib="$tsan_target/$host/debug"
build="$tsan_target/c"
runtime="$(rustc +nightly --print sysroot)/lib/rustlib/$host/lib/librustc-nightly_rt.tsan.a"
[ -f "$runtime" ] || fail "no TSan runtime at $runtime"

log "building the library with -Zsanitizer=thread (nightly, -Zbuild-std, $tsan_target)"
RUSTFLAGS="-Zsanitizer=thread" CARGO_TARGET_DIR="$tsan_target" \
  cargo +nightly build -Zbuild-std --target "$host" -p webpubsub-client --lib
[ -f "$lib/libwebpubsub_client.so" ] || fail "no $lib/libwebpubsub_client.so"
cargo build --release -p webpubsub-client -p webpubsub-emulator  # as the other parts: one shared build
emulator_bin="$target/release/webpubsub-emulator"

log "compiling the C suite with -fsanitize=thread"
rm -rf "$build" && mkdir -p "$build"
for source in tests/c/*.c; do
  gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -O1 -g -fsanitize=thread -fno-omit-frame-pointer -fPIE \
    -c "$source" -o "$build/$(basename "$source" .c).o"
done
# The runtime goes in whole and its symbols are exported, so the library's calls to libc
# (malloc, pthread_*, epoll_*) resolve to the runtime's interceptors.
gcc -pie -o "$build/test_abi" "$build"/*.o \
  -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -Wl,--export-dynamic \
  -L"$lib" -lwebpubsub_client -Wl,-rpath,"$lib" -lpthread -ldl -lm -lrt

log "starting the emulator"
"$emulator_bin" --port 0 >"$build/emulator.out" 2>"$build/emulator.err" &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null || true; wait $emulator_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^Endpoint=' "$build/emulator.out" && break
  kill -0 $emulator_pid 2>/dev/null || fail "the emulator exited: $(cat "$build/emulator.err")"
  sleep 0.1
done
WPS_EMULATOR=$(grep -o '^Endpoint=http://[^;]*' "$build/emulator.out" | sed 's/^Endpoint=//')
[ -n "$WPS_EMULATOR" ] || fail "the emulator printed no endpoint"
export WPS_EMULATOR

# Races are reported and the run goes on; any report makes the exit status 66.
export TSAN_OPTIONS="suppressions=$root/scripts/test/tsan.supp print_suppressions=1 second_deadlock_stack=1 exitcode=66"
rounds=2
[ $# -gt 0 ] && rounds=1
for round in $(seq $rounds); do
  log "C suite under ThreadSanitizer, round $round of $rounds"
  status=0
  timeout 300 "$build/test_abi" "$@" 2>"$build/tsan-$round.log" || status=$?
  reports=$(grep -c '^WARNING: ThreadSanitizer' "$build/tsan-$round.log" || true)
  grep -A3 '^ThreadSanitizer: Matched' "$build/tsan-$round.log" || true
  if [ "$status" -ne 0 ] || [ "$reports" -ne 0 ]; then
    head -n 400 "$build/tsan-$round.log" >&2
    fail "round $round: exit status $status, $reports unsuppressed ThreadSanitizer reports (full log: $build/tsan-$round.log)"
  fi
done

echo
echo "50-tsan: the C suite ran clean under ThreadSanitizer ($rounds rounds)"
