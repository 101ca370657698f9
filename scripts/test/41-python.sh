#!/usr/bin/env bash
# Python binding tests (bindings/python): pytest against the emulator binary, including a
# `pip install ./bindings/python` into a throwaway venv. Creates the repo's .venv/ if missing
# (never recreates it: other parts install packages there too) and adds pytest to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

fail() { echo "41-python: $*" >&2; exit 1; }
for tool in python3 cargo; do
  command -v "$tool" >/dev/null || fail "$tool is required but not installed"
done

if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    # Debian ships venv support separately.
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "41-python: installing python3-venv" >&2
      (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null || fail "could not install python3-venv"
      python3 -m venv .venv || fail "python3 -m venv failed"
    else
      fail "python3 -m venv failed (install python3-venv)"
    fi
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check pytest || fail "pip install pytest failed"

# The library and the emulator (a no-op when already built).
cargo build --release -p webpubsub-client -p webpubsub-emulator || fail "cargo build failed"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/release"
export WEBPUBSUB_CLIENT_LIBRARY="$TARGET/libwebpubsub_client.so"
export WEBPUBSUB_EMULATOR="$TARGET/webpubsub-emulator"
[ -f "$WEBPUBSUB_CLIENT_LIBRARY" ] || fail "library not found at $WEBPUBSUB_CLIENT_LIBRARY"
[ -x "$WEBPUBSUB_EMULATOR" ] || fail "emulator not found at $WEBPUBSUB_EMULATOR"

cd bindings/python
# -p no:cacheprovider: leave no .pytest_cache in the checkout.
exec "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
