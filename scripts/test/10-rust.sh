#!/usr/bin/env bash
# Rust unit and integration tests of the workspace (client core and emulator).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --workspace --release
