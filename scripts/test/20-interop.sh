#!/usr/bin/env bash
# Interop tests: the official Web PubSub SDKs (Python client + server SDK, JS client) against
# webpubsub-emulator. Installs them locally (.venv/ and tests/interop/js/node_modules), builds
# and starts the emulator on a free port, runs both suites, stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

fail() { echo "20-interop: $*" >&2; exit 1; }
for tool in python3 node npm cargo; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done

# --- Python: venv with the official SDKs -------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    # Debian ships venv support separately.
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "20-interop: installing python3-venv" >&2
      (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null || fail "could not install python3-venv"
      python3 -m venv .venv || fail "python3 -m venv failed"
    else
      fail "python3 -m venv failed (install python3-venv)"
    fi
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/interop/python/requirements.txt \
  || fail "pip install of the interop requirements failed"

# --- Node: the official JS client --------------------------------------------------------------
(cd tests/interop/js && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in tests/interop/js failed"

# --- Build and start the emulator --------------------------------------------------------------
cargo build --release -p webpubsub-emulator || fail "cargo build of the emulator failed"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/webpubsub-emulator"
[ -x "$BIN" ] || fail "emulator binary not found at $BIN"

WORK=$(mktemp -d)
"$BIN" --port 0 > "$WORK/stdout" 2> "$WORK/stderr" &
EMU_PID=$!
cleanup() {
  kill "$EMU_PID" 2>/dev/null || true
  wait "$EMU_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
  grep -q '^Endpoint=' "$WORK/stdout" 2>/dev/null && break
  kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/stderr" >&2; fail "the emulator exited during start"; }
  sleep 0.1
done
WPS_CONNECTION_STRING=$(grep -m1 '^Endpoint=' "$WORK/stdout") || fail "no Endpoint= line from the emulator"
WPS_ENDPOINT=$(printf '%s' "$WPS_CONNECTION_STRING" | sed -E 's/^Endpoint=([^;]+);.*/\1/')
export WPS_CONNECTION_STRING WPS_ENDPOINT
echo "20-interop: emulator at $WPS_ENDPOINT (pid $EMU_PID)"

status=0
echo "--- Python (azure-messaging-webpubsubclient, azure-messaging-webpubsubservice)"
timeout 600 .venv/bin/python -m pytest -q -p no:cacheprovider tests/interop/python || status=1

echo "--- JavaScript (@azure/web-pubsub-client)"
(cd tests/interop/js && timeout 600 node --test --test-force-exit --test-reporter=spec interop.test.mjs) || status=1

if [ "$status" -ne 0 ]; then
  echo "--- emulator stderr (last 50 lines)" >&2
  tail -n 50 "$WORK/stderr" >&2 || true
  fail "interop tests failed"
fi
echo "20-interop: all interop tests passed"
