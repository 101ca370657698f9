#!/usr/bin/env bash
# Runs the C# quickstart with Mono. With no URL (argument or WEBPUBSUB_CLIENT_ACCESS_URL) it
# starts the local emulator and takes a client access URL from its control surface.
#
#   bindings/csharp/Quickstart/run.sh [CLIENT_ACCESS_URL]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
target="$target/release"

"$here/../build-mono.sh"

url="${1:-${WEBPUBSUB_CLIENT_ACCESS_URL:-}}"
if [ -z "$url" ]; then
  . "$here/../emulator.sh"
  trap emulator_stop EXIT
  emulator_start "$target"
  # A user allowed to join and send to group1, as in the quickstart's Azure portal step,
  # minted by the control surface (without curl: the URL the emulator prints, all groups).
  url="$EMULATOR_CLIENT_URL"
  if command -v curl >/dev/null 2>&1; then
    url="$(curl -fsS "$EMULATOR_ENDPOINT/_emulator/client-access-url?hub=sample_hub&userId=user1&role=webpubsub.joinLeaveGroup.group1&role=webpubsub.sendToGroup.group1" \
      | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')"
  fi
  echo "using the local emulator at $EMULATOR_ENDPOINT"
fi

LD_LIBRARY_PATH="$target${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" mono "$here/../bin/Quickstart.exe" "$url"
