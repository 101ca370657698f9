# Shared by the C++ test script and the quickstart script (source it; bash only).
#
#   cpp_build_native          cargo build --release of the library and the emulator
#   cpp_build [targets...]    cmake configure + build of bindings/cpp into build/cpp
#   cpp_start_emulator        starts target/release/webpubsub-emulator --port 0 and sets
#                             EMULATOR_ENDPOINT (http://127.0.0.1:PORT), EMULATOR_CLIENT_URL
#   cpp_stop_emulator         stops it (also run on EXIT once started)
#   cpp_http_get URL          a GET with bash's /dev/tcp (no curl needed); prints the body

CPP_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
CPP_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case $CPP_TARGET_DIR in /*) ;; *) CPP_TARGET_DIR="$CPP_REPO_ROOT/$CPP_TARGET_DIR" ;; esac  # cargo runs in the repo root
CPP_BUILD_DIR="$CPP_REPO_ROOT/build/cpp"

cpp_build_native() {
  (cd "$CPP_REPO_ROOT" && cargo build --release --quiet -p webpubsub-client -p webpubsub-emulator)
}

cpp_build() {
  cmake -S "$CPP_REPO_ROOT/bindings/cpp" -B "$CPP_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWEBPUBSUB_LIB_DIR="$CPP_TARGET_DIR/release" >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$CPP_BUILD_DIR" -j "$(nproc)" "${targets[@]}"
}

cpp_start_emulator() {
  local log
  log="$(mktemp)"
  "$CPP_TARGET_DIR/release/webpubsub-emulator" --port 0 >"$log" 2>&1 &
  EMULATOR_PID=$!
  trap cpp_stop_emulator EXIT
  for _ in $(seq 1 100); do
    if grep -q '^ClientAccessUrl=' "$log"; then break; fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then cat "$log" >&2; return 1; fi
    sleep 0.1
  done
  EMULATOR_ENDPOINT="$(sed -n 's/^Endpoint=\([^;]*\);.*/\1/p' "$log")"
  EMULATOR_CLIENT_URL="$(sed -n 's/^ClientAccessUrl=//p' "$log")"
  rm -f "$log"
  if [ -z "$EMULATOR_ENDPOINT" ] || [ -z "$EMULATOR_CLIENT_URL" ]; then
    echo "the emulator did not print its endpoint" >&2
    return 1
  fi
  export EMULATOR_ENDPOINT EMULATOR_CLIENT_URL
}

cpp_stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=
  fi
}

cpp_http_get() {
  local rest="${1#http://}" hostport path host port
  hostport="${rest%%/*}"
  path="/${rest#*/}"
  host="${hostport%%:*}"
  port="${hostport##*:}"
  exec 3<>"/dev/tcp/$host/$port"
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}
