#!/usr/bin/env bash
# Builds the C# binding with Mono (the .NET SDK is not needed): installs mono-devel when mcs or
# mono is missing, builds the native library and the emulator with cargo (a no-op when they
# are up to date), and compiles the library, the test runner and the quickstart into
# bindings/csharp/bin/. Honours CARGO_TARGET_DIR (default: target/ at the repository root).
#
#   bindings/csharp/build-mono.sh
#
# Language version: C# 7.2 (-langversion:7.2), the newest mcs accepts; the csproj files pin
# the same LangVersion so the sources stay buildable by both compilers.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
  echo "installing mono-devel (first run only; takes a few minutes)" >&2
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q mono-devel >/dev/null
fi

(cd "$root" && cargo build --release -q && cargo build --release -q -p webpubsub-emulator)

out="$here/bin"
mkdir -p "$out"
mcs_flags=(-langversion:7.2 -warnaserror+ -nologo -debug)
mcs "${mcs_flags[@]}" -unsafe -target:library -out:"$out/WebPubSubClient.dll" -doc:"$out/WebPubSubClient.xml" \
  $(find "$here/WebPubSubClient" -name '*.cs' | sort)
mcs "${mcs_flags[@]}" -target:exe -out:"$out/WebPubSubClient.Tests.exe" -r:"$out/WebPubSubClient.dll" \
  -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll \
  $(find "$here/Tests" -name '*.cs' | sort)
mcs "${mcs_flags[@]}" -target:exe -out:"$out/Quickstart.exe" -r:"$out/WebPubSubClient.dll" \
  -r:System.Net.Http.dll $(find "$here/Quickstart" -name '*.cs' | sort)
