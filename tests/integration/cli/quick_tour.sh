#!/usr/bin/env bash
# docs/cli.md's "Quick tour", copied verbatim from the guide: the first ```sh block (the emulator,
# with its defaults) is started in a fresh folder (with --port 0 added: the tests share a machine),
# then the second block (the CLI with --emulator and no other configuration) runs in that same
# folder. This is what a new user types; it fails when the emulator and the CLI disagree on the
# credentials file's name, or when any line of the tour fails. Needs LOGINID_CLI_BIN,
# LOGINID_EMULATOR_BIN and DOC (the path of docs/cli.md).
set -euo pipefail

: "${LOGINID_CLI_BIN:?set LOGINID_CLI_BIN to the loginid binary}"
: "${LOGINID_EMULATOR_BIN:?set LOGINID_EMULATOR_BIN to the loginid-emulator binary}"
: "${DOC:?set DOC to docs/cli.md}"

TMP=$(mktemp -d)
EMU_PID=""
cleanup() {
  if [[ -n "$EMU_PID" ]]; then
    kill "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$EMU_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "quick_tour: FAIL: $*" >&2; exit 1; }

# The ```sh blocks of the "## Quick tour" section, one file each.
awk -v dir="$TMP" '
  /^## / { in_tour = ($0 ~ /^## Quick tour/) }
  in_tour && /^```sh$/ { n++; inside = 1; next }
  inside && /^```$/ { inside = 0; next }
  inside { print > (dir "/block" n ".sh") }
' "$DOC"
[[ -s $TMP/block1.sh && -s $TMP/block2.sh ]] || fail "no two sh blocks in the Quick tour section of $DOC"
[[ "$(sed 's/#.*//; s/[[:space:]]*$//' "$TMP/block1.sh")" == loginid-emulator ]] ||
  fail "the tour's first block is no longer a plain 'loginid-emulator' (the defaults are what is tested): $(cat "$TMP/block1.sh")"

mkdir "$TMP/project"
cd "$TMP/project"
bin_dir="$TMP/bin"
mkdir "$bin_dir"
ln -s "$LOGINID_CLI_BIN" "$bin_dir/loginid"
ln -s "$LOGINID_EMULATOR_BIN" "$bin_dir/loginid-emulator"
export PATH="$bin_dir:/usr/bin:/bin" HOME="$TMP"
unset LOGINID_CLIENT_ID LOGINID_PRIVATE_KEY LOGINID_PRIVATE_KEY_FILE LOGINID_BASE_URL LOGINID_EMULATOR_HOST \
  LOGINID_CONFIG LOGINID_EMULATOR_CREDENTIALS LOGINID_PROFILE

loginid-emulator --port 0 >"$TMP/emulator.out" 2>"$TMP/emulator.err" &
EMU_PID=$!
for _ in $(seq 300); do
  grep -q '^listening on ' "$TMP/emulator.out" 2>/dev/null && break
  kill -0 "$EMU_PID" 2>/dev/null || fail "emulator exited: $(cat "$TMP/emulator.err")"
  sleep 0.1
done
grep -q '^listening on ' "$TMP/emulator.out" || fail "emulator did not print 'listening on' within 30 s"

bash -euo pipefail "$TMP/block2.sh" >"$TMP/tour.out" 2>"$TMP/tour.err" ||
  fail "the tour failed: $(cat "$TMP/tour.err")"
grep -q '"jwt"' "$TMP/tour.out" || fail "codes wait printed no user token: $(cat "$TMP/tour.out")"
echo "quick_tour: the tour of $DOC ran as written"
