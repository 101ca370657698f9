# Sourced by the C# test and quickstart scripts: starts and stops the emulator binary.
#
#   emulator_start TARGET_DIR   starts TARGET_DIR/webpubsub-emulator --port 0 and sets
#                               EMULATOR_PID, EMULATOR_ENDPOINT (http://127.0.0.1:PORT) and
#                               EMULATOR_CLIENT_URL (the URL it prints: user1, all group roles)
#   emulator_stop               stops it (safe to call twice; use it in an EXIT trap)

emulator_start() {
  local log
  log="$(mktemp)"
  "$1/webpubsub-emulator" --port 0 >"$log" 2>&1 &
  EMULATOR_PID=$!
  EMULATOR_ENDPOINT=""
  for _ in $(seq 1 200); do
    EMULATOR_ENDPOINT="$(sed -n 's/^Endpoint=\([^;]*\);.*/\1/p' "$log" | head -n1)"
    if [ -n "$EMULATOR_ENDPOINT" ]; then
      EMULATOR_CLIENT_URL="$(sed -n 's/^ClientAccessUrl=//p' "$log" | head -n1)"
      return 0
    fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  echo "the emulator did not start:" >&2
  cat "$log" >&2
  return 1
}

emulator_stop() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=""
  fi
}
