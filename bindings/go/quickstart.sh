#!/usr/bin/env bash
# Runs the Go quickstart (cmd/quickstart). With a client access URL (first argument or
# WEBPUBSUB_CLIENT_ACCESS_URL) it talks to that service; without one it starts a local
# webpubsub-emulator and gets a URL from the emulator's control surface.
#
#   bindings/go/quickstart.sh
#   bindings/go/quickstart.sh "wss://<service>.webpubsub.azure.com/client/hubs/<hub>?access_token=..."
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$repo/$target ;; esac
if [ "$target" != "$repo/target" ]; then
  export CGO_LDFLAGS="-L$target/release -Wl,-rpath,$target/release ${CGO_LDFLAGS:-}"
fi

(cd "$repo" && cargo build --release --quiet -p webpubsub-client -p webpubsub-emulator)
cd "$here"
url=${1:-${WEBPUBSUB_CLIENT_ACCESS_URL:-}}
if [ -n "$url" ]; then
  exec go run ./cmd/quickstart -url "$url"
fi

out=$(mktemp)
"$target/release/webpubsub-emulator" --port 0 >"$out" &
emulator=$!
trap 'kill $emulator 2>/dev/null; wait $emulator 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do
  endpoint=$(sed -n 's/^Endpoint=\([^;]*\);.*/\1/p' "$out")
  [ -n "$endpoint" ] && break
  sleep 0.1
done
[ -n "$endpoint" ] || { echo "the emulator did not start" >&2; exit 1; }
WEBPUBSUB_CLIENT_ACCESS_URL= go run ./cmd/quickstart -emulator "$endpoint"
