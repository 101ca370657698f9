#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs (Debian packages,
# a local Python venv, local npm packages), builds once, then runs every part.
#
#   scripts/test.sh            every part, in order
#   scripts/test.sh rust c     only the named parts (see scripts/test/*.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
  parts=()
  for f in scripts/test/[0-9][0-9]-*.sh; do
    parts+=("$(basename "$f" .sh)")
  done
fi

failed=()
for part in "${parts[@]}"; do
  script=$(ls scripts/test/*"$part"*.sh 2>/dev/null | head -n1 || true)
  if [ -z "$script" ]; then
    echo "no test part named '$part'" >&2
    exit 2
  fi
  echo "=== $(basename "$script" .sh) ==="
  start=$(date +%s)
  if bash "$script"; then
    echo "=== $(basename "$script" .sh): ok ($(( $(date +%s) - start ))s) ==="
  else
    echo "=== $(basename "$script" .sh): FAILED ($(( $(date +%s) - start ))s) ===" >&2
    failed+=("$part")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "failed parts: ${failed[*]}" >&2
  exit 1
fi
echo "all test parts passed"
