#!/usr/bin/env bash
# The quickstart flow with the CLI alone (issue 5), against a fresh emulator: create a user,
# generate + authorize a code, wait -> user token, verify it, list/rename/revoke a credential,
# create + confirm + verify a transaction, deactivate/activate, delete. Exit 0 only if every step
# did what it should. Needs LOGINID_CLI_BIN, LOGINID_EMULATOR_BIN, curl and awk.
set -euo pipefail

: "${LOGINID_CLI_BIN:?set LOGINID_CLI_BIN to the loginid binary}"
: "${LOGINID_EMULATOR_BIN:?set LOGINID_EMULATOR_BIN to the loginid-emulator binary}"

TMP=$(mktemp -d)
EMU_PID=""
cleanup() {
  if [[ -n "$EMU_PID" ]]; then
    kill "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$EMU_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
step() { echo "e2e: $*"; }

"$LOGINID_EMULATOR_BIN" --host 127.0.0.1 --port 0 --db "$TMP/emulator.db" --credentials-out "$TMP/credentials.json" \
  >"$TMP/emulator.out" 2>"$TMP/emulator.err" &
EMU_PID=$!
BASE_URL=""
for _ in $(seq 300); do
  BASE_URL=$(sed -n '1s/^listening on //p' "$TMP/emulator.out")
  [[ -n "$BASE_URL" ]] && break
  kill -0 "$EMU_PID" 2>/dev/null || fail "emulator exited: $(cat "$TMP/emulator.err")"
  sleep 0.1
done
[[ -n "$BASE_URL" ]] || fail "emulator did not print 'listening on' within 30 s"
step "emulator at $BASE_URL"

# HOME is a temp dir so no personal ~/.loginid/config takes part.
export HOME="$TMP"
unset LOGINID_CLIENT_ID LOGINID_PRIVATE_KEY LOGINID_PRIVATE_KEY_FILE LOGINID_BASE_URL LOGINID_EMULATOR_HOST LOGINID_CONFIG
loginid() { "$LOGINID_CLI_BIN" --emulator --emulator-credentials "$TMP/credentials.json" "$@"; }
# The value of row KEY in a `--format text` table.
field() { awk -v k="$1" '$1 == k { print $2; exit }'; }
admin_post() { curl -sS --max-time 20 -X POST -H 'Content-Type: application/json' --data-binary "$2" "$BASE_URL$1"; }

USER_NAME="e2e-$$@example.com"
USER_ID=$(loginid users create --username "$USER_NAME" --format text | field id)
[[ -n "$USER_ID" ]] || fail "users create gave no id"
[[ "$(loginid users id "$USER_NAME")" == "$USER_ID" ]] || fail "users id does not match"
step "created $USER_NAME ($USER_ID)"

CODE=$(loginid codes generate --type short --username "$USER_NAME" --format text | field code)
[[ "$CODE" =~ ^[0-9]{6}$ ]] || fail "codes generate gave '$CODE'"
loginid codes wait --username "$USER_NAME" --code "$CODE" --type short --timeout 60 >"$TMP/wait.json" 2>"$TMP/wait.err" &
WAIT_PID=$!
sleep 0.3
[[ "$(loginid codes authorize --code "$CODE" --type short --username "$USER_NAME" --format text | field is_authorized)" == true ]] \
  || fail "codes authorize"
wait "$WAIT_PID" || fail "codes wait: $(cat "$TMP/wait.err")"
[[ ! -s "$TMP/wait.err" ]] || fail "codes wait printed progress without a terminal: $(cat "$TMP/wait.err")"
JWT=$(awk -F'"' '/"jwt"/ { print $4; exit }' "$TMP/wait.json")
[[ -n "$JWT" ]] || fail "codes wait gave no jwt"
step "code $CODE authorized, user token received"

[[ "$(loginid token verify --username "$USER_NAME" --format text "$JWT" | field udata)" == "$USER_NAME" ]] || fail "token verify"
if loginid token verify --username "not-$USER_NAME" "$JWT" >/dev/null 2>"$TMP/verify.err"; then fail "wrong username verified"; fi
grep -q '^invalid token: ' "$TMP/verify.err" || fail "token verify reason: $(cat "$TMP/verify.err")"
step "user token verified (and refused for another username)"

CRED=$(admin_post "/emulator/users/$USER_ID/credentials" '{"name":"laptop"}' | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
[[ -n "$CRED" ]] || fail "could not register a credential through the emulator admin API"
loginid credentials list --username "$USER_NAME" | grep -q "\"$CRED\"" || fail "credentials list lacks $CRED"
[[ "$(loginid credentials rename --id "$CRED" --name desk --username "$USER_NAME" --format text | field credential.name)" == desk ]] \
  || fail "credentials rename"
[[ "$(loginid credentials revoke --id "$CRED" --user-id "$USER_ID" --format text | field credential.status)" == revoked ]] \
  || fail "credentials revoke"
loginid credentials list --username "$USER_NAME" --status revoked | grep -q "\"$CRED\"" || fail "revoked credential not listed"
step "credential $CRED listed, renamed, revoked"

PAYLOAD="Pay 10 EUR to Bob ($$)"
TX_ID=$(loginid tx create "$PAYLOAD")
[[ -n "$TX_ID" ]] || fail "tx create gave no id"
TX_TOKEN=$(admin_post "/emulator/tx/$TX_ID/confirm" '{}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n "$TX_TOKEN" ]] || fail "could not confirm the transaction through the emulator admin API"
loginid tx verify --payload "$PAYLOAD" "$TX_TOKEN" >/dev/null || fail "tx verify"
if loginid tx verify --payload "Pay 1000 EUR to Mallory" "$TX_TOKEN" >/dev/null 2>&1; then fail "tampered payload verified"; fi
step "transaction $TX_ID created, confirmed, verified"

[[ "$(loginid users deactivate --username "$USER_NAME" --format text | field status)" == inactive ]] || fail "deactivate"
[[ "$(loginid users activate --user-id "$USER_ID" --format text | field status)" == active ]] || fail "activate"
step "deactivated and re-activated"

loginid users delete --username "$USER_NAME" >/dev/null || fail "users delete"
set +e
loginid users get --username "$USER_NAME" >/dev/null 2>"$TMP/get.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "users get after delete exited $rc"
grep -q '^error: not_found: ' "$TMP/get.err" || fail "users get after delete: $(cat "$TMP/get.err")"
step "deleted; the user is gone"
echo "e2e: OK"
