#!/usr/bin/env bash
# C# binding: builds it with Mono (installing mono-devel if missing), starts the emulator,
# runs the console test runner against it, stops the emulator.
#
#   scripts/test/43-csharp.sh [test-name-filter]
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
target="$target/release"

bindings/csharp/build-mono.sh

. bindings/csharp/emulator.sh
trap emulator_stop EXIT
emulator_start "$target"

# The runtime finds libwebpubsub_client.so through LD_LIBRARY_PATH (see bindings/csharp/README.md).
LD_LIBRARY_PATH="$target${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  mono --debug bindings/csharp/bin/WebPubSubClient.Tests.exe "$EMULATOR_ENDPOINT" "$@"
