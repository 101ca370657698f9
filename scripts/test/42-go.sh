#!/usr/bin/env bash
# Go binding (bindings/go): go vet, the tests under the race detector, the same tests built
# with -tags gcstress (a forced GC in every hot path of the binding), and the quickstart
# against the emulator. Needs Go >= 1.24 with cgo; installs gcc if it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

if ! command -v go >/dev/null; then
  echo "42-go: Go (>= 1.24) is required, see https://go.dev/dl/" >&2
  exit 1
fi
if ! command -v gcc >/dev/null; then
  apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev
fi

cargo build --release -p webpubsub-client -p webpubsub-emulator

# The binding links target/release by default; another CARGO_TARGET_DIR is added in front
# (the tests find the emulator there too).
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$repo/$target ;; esac
if [ "$target" != "$repo/target" ]; then
  export CGO_LDFLAGS="-L$target/release -Wl,-rpath,$target/release ${CGO_LDFLAGS:-}"
fi
export CGO_ENABLED=1

cd bindings/go
go vet ./...
go vet -tags gcstress ./...
go test -race -count=1 -timeout 300s ./...
go test -race -tags gcstress -count=1 -timeout 300s ./...

out=$(./quickstart.sh)
echo "$out"
grep -q "Received message from group1: hello world" <<<"$out"
grep -q "Client has stopped" <<<"$out"
