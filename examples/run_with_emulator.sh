#!/usr/bin/env bash
# Runs one example against a fresh loginid-emulator (port 0, temp database), then stops it.
#   run_with_emulator.sh <loginid-emulator binary> <example binary> [extra example args...]
# Exits with the example's status (or 2 when the emulator does not come up in 20 s); prints the
# emulator's stderr when the example fails. LOGINID_EMULATOR_ARGS: extra emulator flags.
set -euo pipefail
emulator_bin=$1; example_bin=$2; shift 2

workdir=$(mktemp -d "${TMPDIR:-/tmp}/loginid-example.XXXXXX")
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

# shellcheck disable=SC2086  # LOGINID_EMULATOR_ARGS is a list of flags
"$emulator_bin" --host 127.0.0.1 --port 0 --db "$workdir/db" --credentials-out "$workdir/creds.json" \
  ${LOGINID_EMULATOR_ARGS:-} >"$workdir/stdout.log" 2>"$workdir/stderr.log" &
emulator_pid=$!

for _ in $(seq 1 200); do  # 200 x 0.1 s
  if grep -q '^listening on https\?://' "$workdir/stdout.log" 2>/dev/null; then break; fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "loginid-emulator exited early:" >&2; cat "$workdir/stderr.log" >&2; exit 2
  fi
  sleep 0.1
done
if ! grep -q '^listening on https\?://' "$workdir/stdout.log"; then
  echo "loginid-emulator did not start within 20 s" >&2; cat "$workdir/stderr.log" >&2; exit 2
fi
echo "emulator: $(head -n1 "$workdir/stdout.log")"

status=0
"$example_bin" "$workdir/creds.json" "$@" || status=$?
if [[ $status -ne 0 && -s "$workdir/stderr.log" ]]; then
  echo "---- emulator stderr ----" >&2; cat "$workdir/stderr.log" >&2
fi
exit "$status"
