#!/usr/bin/env bash
# Runs interop.test.js (the published @loginid/node-sdk against the emulator) on a fresh
# loginid-emulator (port 0, temp database), then stops it.
#   run_interop.sh <loginid-emulator binary>
# Needs node and this folder's node_modules (scripts/install-deps.sh: apt nodejs npm, then
# `npm ci --ignore-scripts` here). When either is missing it exits 77, which ctest reports as
# skipped, unless CI=true: then a missing prerequisite is a failure (exit 1).
set -euo pipefail
emulator_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
skip_status=77

missing() {
  echo "interop (node): $*" >&2
  if [[ "${CI:-}" == "true" ]]; then
    echo "interop (node): CI=true, so this is a failure: run scripts/install-deps.sh" >&2
    exit 1
  fi
  echo "interop (node): skipped; run scripts/install-deps.sh to enable it" >&2
  exit "$skip_status"
}
command -v node >/dev/null 2>&1 || missing "node is not installed (apt-get install nodejs npm)"
[[ -f "$here/node_modules/@loginid/node-sdk/LoginIdManagement.js" ]] ||
  missing "the Node SDK is not installed in $here/node_modules (cd $here && npm ci --ignore-scripts)"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/loginid-interop.XXXXXX")
emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]]; then
    kill -TERM "$emulator_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# A short --wait-timeout: a wait_code that is never answered fails the test in seconds, not 30 s.
"$emulator_bin" --host 127.0.0.1 --port 0 --db "$workdir/db" --credentials-out "$workdir/creds.json" \
  --wait-timeout 5 --log-level error >"$workdir/stdout.log" 2>"$workdir/stderr.log" &
emulator_pid=$!

for _ in $(seq 1 200); do  # 200 x 0.1 s
  if grep -q '^listening on http://' "$workdir/stdout.log" 2>/dev/null; then break; fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "loginid-emulator exited early:" >&2; cat "$workdir/stderr.log" >&2; exit 2
  fi
  sleep 0.1
done
if ! grep -q '^listening on http://' "$workdir/stdout.log"; then
  echo "loginid-emulator did not start within 20 s" >&2; cat "$workdir/stderr.log" >&2; exit 2
fi
echo "emulator: $(head -n1 "$workdir/stdout.log"); node $(node --version); @loginid/node-sdk" \
  "$(node -p 'require(process.argv[1]).version' "$here/node_modules/@loginid/node-sdk/package.json")"

status=0
# --no-deprecation: the SDK's package.json names a "main" (lib/index.js) that its tarball lacks, so
# Node falls back to index.js with a DEP0128 warning on every run; it is the package's, not ours.
LOGINID_EMULATOR_CREDENTIALS="$workdir/creds.json" node --no-deprecation "$here/interop.test.js" || status=$?
if [[ $status -ne 0 && -s "$workdir/stderr.log" ]]; then
  echo "---- emulator stderr ----" >&2; cat "$workdir/stderr.log" >&2
fi
exit "$status"
