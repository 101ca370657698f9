#!/usr/bin/env bash
# Builds and runs examples/c/quickstart.c.
#
#   examples/c/run.sh                 against a local emulator started here
#   examples/c/run.sh URL             against a real service (or any client access URL)
#   WEBPUBSUB_CLIENT_ACCESS_URL=... examples/c/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -q -p webpubsub-client -p webpubsub-emulator
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
lib="$target/release"
mkdir -p "$target/examples-c"
exe="$target/examples-c/quickstart"
gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude examples/c/quickstart.c -o "$exe" \
  -L"$lib" -lwebpubsub_client -Wl,-rpath,"$lib" -lpthread

url="${1:-${WEBPUBSUB_CLIENT_ACCESS_URL:-}}"
if [ -z "$url" ]; then
  out=$(mktemp)
  "$lib/webpubsub-emulator" --port 0 >"$out" 2>/dev/null &
  emulator=$!
  trap 'kill $emulator 2>/dev/null || true; wait $emulator 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 100); do grep -q '^Endpoint=' "$out" && break; sleep 0.1; done
  endpoint=$(grep -o '^Endpoint=http://[^;]*' "$out" | sed 's/^Endpoint=//')
  [ -n "$endpoint" ] || { echo "the emulator did not start" >&2; exit 1; }
  # A client access URL from the emulator's control surface, with the seed page's
  # permissions: join and send to group1.
  url=$(curl -sf "$endpoint/_emulator/client-access-url?hub=sample_hub&userId=user1&role=webpubsub.joinLeaveGroup.group1&role=webpubsub.sendToGroup.group1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
  echo "using the local emulator at $endpoint"
fi
"$exe" "$url"
