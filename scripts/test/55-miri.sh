#!/usr/bin/env bash
# Miri (nightly) over the unit tests that need no sockets and no runtime: the client's codec
# (src/protocol), sequence and ack bookkeeping, queues, options, the FFI conversions and
# guards; and the emulator's library unit tests (frame parsing, tokens, roles). Miri checks
# every access for undefined behaviour, aliasing (Stacked Borrows) and leaks.
#
# Left out, because they cannot run under Miri (not because of anything they find):
#   ffi::guard::tests::every_export_goes_through_the_guard
#       reads the source tree from disk (file I/O is outside Miri's isolation) and parsing
#       it interpreted takes over a minute; it checks text, not memory.
#   ffi::options::tests::options_without_credential_are_refused
#       creates a client, which starts the library's process-wide runtime; its threads live
#       until the process ends, and Miri fails a program that exits with threads running.
# The integration tests (tests/, emulator/tests/) all use sockets: not run here.
# The emulator's tests run with -Zmiri-disable-isolation: token expiry reads the wall clock.
set -euo pipefail
cd "$(dirname "$0")/../.."

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
installed=$(rustup component list --toolchain nightly --installed)
grep -q '^miri' <<<"$installed" || rustup component add --toolchain nightly miri
grep -q '^rust-src' <<<"$installed" || rustup component add --toolchain nightly rust-src
cargo +nightly miri setup

echo "--- webpubsub-client: library unit tests under Miri"
timeout 1200 cargo +nightly miri test -p webpubsub-client --lib -- \
  --skip ffi::guard::tests::every_export_goes_through_the_guard \
  --skip ffi::options::tests::options_without_credential_are_refused

echo "--- webpubsub-emulator: library unit tests under Miri"
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-disable-isolation" timeout 900 cargo +nightly miri test -p webpubsub-emulator --lib

echo "55-miri: the pure unit tests ran clean under Miri"
