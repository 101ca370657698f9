#!/usr/bin/env bash
# Builds and runs the C++ quickstart. With no URL argument and no
# WEBPUBSUB_CLIENT_ACCESS_URL, it starts a local emulator and mints a client access URL from
# its control surface (user "quickstart-user", allowed to join and send to any group).
#
#   bindings/cpp/examples/run-quickstart.sh [client-access-url]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

cpp_build_native
cpp_build quickstart >/dev/null

url="${1:-${WEBPUBSUB_CLIENT_ACCESS_URL:-}}"
if [ -z "$url" ]; then
  cpp_start_emulator
  answer="$(cpp_http_get "$EMULATOR_ENDPOINT/_emulator/client-access-url?hub=quickstart&userId=quickstart-user&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup")"
  url="$(printf '%s' "$answer" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')"
  [ -n "$url" ] || { echo "no URL from the emulator: $answer" >&2; exit 1; }
  echo "Using the local emulator at $EMULATOR_ENDPOINT"
fi
"$CPP_BUILD_DIR/quickstart" "$url"
