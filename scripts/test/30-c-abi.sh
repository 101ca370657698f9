#!/usr/bin/env bash
# The C ABI: the checked-in header is fresh and portable (C99, C11, C++17, included twice,
# two translation units), the shared library exports only `wps_` symbols, the versions
# agree, and the C test suite (tests/c) passes against a running emulator three times:
# plainly, under AddressSanitizer + UndefinedBehaviorSanitizer, and under valgrind. Then
# the header's own example and examples/c/quickstart.c run against the emulator.
#
#   scripts/test/30-c-abi.sh                 everything
#   WPS_SKIP_VALGRIND=1 scripts/test/30-c-abi.sh   without the (slow) valgrind run
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

log() { printf '\n--- %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# Tools: a C and a C++ compiler (with the sanitizer runtimes) and valgrind.
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
command -v nm >/dev/null || missing+=(binutils)
[ -n "${WPS_SKIP_VALGRIND:-}" ] || command -v valgrind >/dev/null || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "building the library and the emulator (release)"
cargo build --release -p webpubsub-client -p webpubsub-emulator
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
lib="$target/release"
so="$lib/libwebpubsub_client.so"
build="$target/c-abi"
rm -rf "$build" && mkdir -p "$build"
[ -f "$so" ] && [ -f "$lib/libwebpubsub_client.a" ] || fail "the build produced no libwebpubsub_client.so/.a"

log "the checked-in header equals a fresh generation"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git diff --exit-code -- include/ || fail "include/webpubsub_client.h is stale: commit the regenerated header"
  [ -z "$(git status --porcelain -- include/)" ] || fail "include/ has uncommitted or untracked files: $(git status --porcelain -- include/)"
else
  echo "not a git work tree: skipped"
fi

cflags=(-Wall -Wextra -Werror -pedantic -Iinclude)
link=(-L"$lib" -lwebpubsub_client -Wl,-rpath,"$lib" -lpthread)

log "the header compiles as C99, C11 and C++17, twice per unit and in two units"
for std in c99 c11; do
  gcc -std=$std "${cflags[@]}" -c tests/c/header/twice.c -o "$build/twice-$std.o"
  gcc -std=$std "${cflags[@]}" -c tests/c/header/second_tu.c -o "$build/second-$std.o"
  gcc "$build/twice-$std.o" "$build/second-$std.o" -o "$build/two-units-$std" "${link[@]}"
  "$build/two-units-$std" >/dev/null
done
g++ -std=c++17 "${cflags[@]}" tests/c/header/cpp17.cpp -o "$build/cpp17" "${link[@]}"
"$build/cpp17" >/dev/null
echo "ok"

log "every exported symbol starts with wps_"
# Symbols the Rust toolchain itself may export from a cdylib, none of them ours:
#   rust_eh_personality  the unwinding personality routine; some toolchain versions export
#                        it from cdylibs (rust-lang/rust#100774). Harmless and unprefixable.
allow=(rust_eh_personality)
exported=$(nm -D --defined-only "$so" | awk 'NF >= 3 {print $3}' | sed 's/@.*//' | sort -u)
bad=$(echo "$exported" | grep -v '^wps_' | grep -vxF "$(printf '%s\n' "${allow[@]}")" || true)
[ -z "$bad" ] || fail "symbols without the wps_ prefix are exported: $bad"
declared=$(grep -E '^[a-z_0-9 *]+\bwps_[a-z_0-9]+\(' include/webpubsub_client.h | grep -oE 'wps_[a-z_0-9]+\(' | tr -d '(' | sort -u)
missing_syms=$(comm -23 <(echo "$declared") <(echo "$exported" | grep '^wps_'))
[ -z "$missing_syms" ] || fail "declared in the header but not exported: $missing_syms"
echo "ok: $(echo "$exported" | grep -c '^wps_') wps_ functions, nothing else"

log "wps_version() and the header's version macros match Cargo.toml"
cargo_version=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print([p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="webpubsub-client"][0])')
gcc -std=c11 "${cflags[@]}" tests/c/header/version.c -o "$build/version" "${link[@]}"
versions=$("$build/version") || fail "version mismatch: $versions"
[ "$versions" = "header=$cargo_version parts=$cargo_version library=$cargo_version" ] || fail "expected $cargo_version everywhere, got: $versions"
echo "ok: $versions"

log "starting the emulator"
emulator_out="$build/emulator.out"
"$lib/webpubsub-emulator" --port 0 >"$emulator_out" 2>"$build/emulator.err" &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null || true; wait $emulator_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^Endpoint=' "$emulator_out" && break
  kill -0 $emulator_pid 2>/dev/null || fail "the emulator exited: $(cat "$build/emulator.err")"
  sleep 0.1
done
endpoint=$(grep -o '^Endpoint=http://[^;]*' "$emulator_out" | sed 's/^Endpoint=//')
[ -n "$endpoint" ] || fail "the emulator printed no endpoint"
export WPS_EMULATOR="$endpoint"
echo "emulator at $endpoint"

suite=(tests/c/harness.c tests/c/main.c tests/c/test_basic.c tests/c/test_callbacks.c tests/c/test_inputs.c tests/c/test_runtime.c tests/c/test_concurrency.c)

log "C test suite (C11)"
gcc -std=c11 "${cflags[@]}" -O1 -g "${suite[@]}" -o "$build/test_abi" "${link[@]}"
"$build/test_abi"

log "C test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
# The C side is instrumented; the Rust library is not, but ASan still checks every access
# the test makes to memory the library hands out (events, strings, errors), and
# LeakSanitizer sees every allocation, the library's included, at exit (after wps_shutdown).
gcc -std=c11 "${cflags[@]}" -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  "${suite[@]}" -o "$build/test_abi_asan" "${link[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/test_abi_asan"

if [ -z "${WPS_SKIP_VALGRIND:-}" ]; then
  log "C test suite under valgrind (memcheck), the whole suite"
  # Definite leaks and invalid accesses fail the run; scripts/test/valgrind.supp holds the
  # one known false positive (in the http crate), explained there.
  gcc -std=c11 "${cflags[@]}" -O0 -g "${suite[@]}" -o "$build/test_abi_vg" "${link[@]}"
  valgrind --quiet --suppressions=scripts/test/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --error-exitcode=1 "$build/test_abi_vg"
fi

url_for() {
  curl -sf "$endpoint/_emulator/client-access-url?hub=$1&userId=$2&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])'
}

log "the header's example compiles (C11) and runs"
sed -n '/^\/\/ EXAMPLE BEGIN$/,/^\/\/ EXAMPLE END$/p' include/webpubsub_client.h | sed '1d;$d' | sed 's|^// \{0,1\}||' >"$build/header_example.c"
[ -s "$build/header_example.c" ] || fail "the header has no example"
gcc -std=c11 "${cflags[@]}" "$build/header_example.c" -o "$build/header_example" "${link[@]}"
"$build/header_example" "$(url_for example alice)"

log "examples/c/quickstart.c"
WEBPUBSUB_CLIENT_ACCESS_URL="$(url_for quickstart bob)" examples/c/run.sh

echo
echo "C ABI: all checks passed"
