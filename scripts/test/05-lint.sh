#!/usr/bin/env bash
# Lint gates, before anything runs: rustfmt (rustfmt.toml), clippy with warnings as errors
# over every target of the workspace, rustdoc with warnings as errors, and the C and C++
# sources compiled with -Wall -Wextra -Werror -pedantic at -O2 (where gcc finds the most),
# by gcc and clang (installed when missing). All checks run; the part fails if any failed.
# (`go vet` runs in 42-go, with and without its build tags.)
set -uo pipefail
cd "$(dirname "$0")/../.."

failed=()
check() {
  local name=$1
  shift
  printf '\n--- %s\n' "$name"
  if "$@"; then echo "ok: $name"; else echo "FAILED: $name" >&2; failed+=("$name"); fi
}

# --- Rust -----------------------------------------------------------------------------------
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
# The diff, cut short: after a large change the file list says more than the whole of it.
fmt_check() {
  local diff
  diff=$(cargo fmt --all --check -- --color never 2>&1) && return 0
  head -n 200 <<<"$diff"
  echo "... (first 200 of $(wc -l <<<"$diff") lines) in: $(cargo fmt --all --check -- -l 2>/dev/null | sed "s|^$PWD/||" | sort -u | tr '\n' ' ')"
  echo "run \`cargo fmt --all\` to fix"
  return 1
}
check "cargo fmt --check" fmt_check
# The fuzz targets are a workspace of their own (nightly to build; formatting needs no nightly).
check "cargo fmt --check (fuzz/)" cargo fmt --manifest-path fuzz/Cargo.toml --all --check
# --release: shares the build cache with the other parts.
check "cargo clippy" cargo clippy --workspace --all-targets --release -- -D warnings
check "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps --workspace --quiet

# --- C and C++ ------------------------------------------------------------------------------
# Compile only (-c, no library needed). The test parts build and run these too, at lower
# optimisation; bench/c/bench.c is built by no test part, only by bench/run.py.
c_sources=(tests/c/*.c tests/c/header/*.c examples/c/*.c)
# The C++ binding's GoogleTest suite is left to 44-cpp, which builds it with these same
# flags at -O2 (RelWithDebInfo); compiling it twice would cost half a minute.
cxx_sources=(tests/c/header/*.cpp bindings/cpp/examples/*.cpp)
warnings=(-Wall -Wextra -Werror -pedantic -O2)
compile_all() {
  local cc=$1 cxx=$2 status=0 f
  for f in "${c_sources[@]}"; do
    "$cc" -std=c11 "${warnings[@]}" -Iinclude -c "$f" -o /dev/null || { echo "  in $f" >&2; status=1; }
  done
  "$cc" -std=gnu11 "${warnings[@]}" -Iinclude -c bench/c/bench.c -o /dev/null || { echo "  in bench/c/bench.c" >&2; status=1; }
  for f in "${cxx_sources[@]}"; do
    "$cxx" -std=c++17 "${warnings[@]}" -Iinclude -Ibindings/cpp/include -c "$f" -o /dev/null \
      || { echo "  in $f" >&2; status=1; }
  done
  return $status
}
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
command -v clang >/dev/null || missing+=(clang)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
check "C/C++ warnings (gcc)" compile_all gcc g++
if command -v clang >/dev/null && command -v clang++ >/dev/null; then
  check "C/C++ warnings (clang)" compile_all clang clang++
else
  echo "(clang not installed: its warnings were not checked)"
fi

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "05-lint: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "05-lint: all lint gates passed"
