#!/usr/bin/env bash
# Browser tests for Carefront.
#
# Usage: e2e/run.sh PATH_TO_CAREFRONT_BINARY
#
# Starts `carefront demo` on a fresh temporary data folder and a free local port, waits for /readyz,
# then runs the tests in e2e/tests with Node's built-in test runner, driving the system Chromium
# (/usr/bin/chromium, or $CHROMIUM_PATH) through playwright-core. No browser is ever downloaded.
# Exits with the test runner's exit code; 2 for bad usage, 3 when Chromium is missing, 4 when the
# server does not start.
#
# Environment: CHROMIUM_PATH (default /usr/bin/chromium), E2E_KEEP_DATA=1 keeps the temp folder,
# E2E_TESTS="tests/outbox.test.mjs" runs only those files (paths relative to e2e/).

set -euo pipefail

usage() { echo "usage: $0 PATH_TO_CAREFRONT_BINARY" >&2; exit 2; }
[ "$#" -eq 1 ] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$1"
[ -x "$binary" ] || { echo "e2e: carefront binary not found or not executable: $binary" >&2; exit 2; }
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  cat >&2 <<EOF
e2e: Chromium was not found at $CHROMIUM_PATH.
     The browser tests use the system Chromium and never download one. Install it, for example:
       apt-get update && apt-get install -y chromium
     or set CHROMIUM_PATH to a Chromium or Chrome executable.
EOF
  exit 3
fi
command -v node >/dev/null || { echo "e2e: node (20 or later) is required" >&2; exit 2; }

data="$(mktemp -d "${TMPDIR:-/tmp}/carefront-e2e.XXXXXX")"
server_pid=""

cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP_DATA:-}" = "1" ]; then
    echo "e2e: kept data and server log in $data" >&2
  else
    rm -rf "$data"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: ask the kernel for one, then release it for the server.
port="$(node -e '
  const s = require("node:net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')"
base="http://127.0.0.1:$port"

"$binary" demo --data "$data" --bind "127.0.0.1:$port" --login-burst 1000 --log-format pretty \
  >"$data/server.log" 2>&1 &
server_pid=$!

echo "e2e: started carefront (pid $server_pid) on $base, data in $data"

# Wait for /readyz (20 s).
ready=0
for _ in $(seq 1 200); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  if node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(1000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));
  ' "$base/readyz"; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ "$ready" != 1 ] || [ ! -f "$data/demo-credentials.json" ]; then
  echo "e2e: carefront did not become ready at $base/readyz within 20 seconds; server log:" >&2
  sed 's/^/  | /' "$data/server.log" >&2 || true
  exit 4
fi

cd "$here"
if [ ! -d node_modules ]; then
  echo "e2e: installing test dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

set +e
CAREFRONT_URL="$base" CAREFRONT_CREDENTIALS="$data/demo-credentials.json" \
  node --test --test-concurrency=1 ${E2E_TESTS:-tests/*.test.mjs}
rc=$?
set -e

if [ "$rc" -ne 0 ]; then
  echo "e2e: tests failed (exit $rc); last lines of the server log:" >&2
  tail -n 40 "$data/server.log" | sed 's/^/  | /' >&2 || true
fi
exit "$rc"
