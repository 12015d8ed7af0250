#!/usr/bin/env bash
# Issue 11: a password login for a user that does not exist must take as long as one with a wrong
# password (same answer, same timing), so that timing does not tell an attacker which usernames exist.
# Starts a fresh emulator (default Argon2id parameters and lockout), then prints both answer times,
# measured alternately in the same run, and their ratio:
#   "password login, wrong password p50 X us / no such user p50 Y us: ratio R (goal: close to 1)"
# Env: BUILD_DIR (default ./build), ROUNDS (default 40: each round registers one user, one Argon2id).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-$PWD/build}
rounds=${ROUNDS:-40}
emulator="$build/src/emulator/loginid-emulator"
tool="$build/bench/emulator/emulator_bench_tool"
for program in "$emulator" "$tool"; do
  [ -x "$program" ] || { echo "missing $program (build loginid-emulator and emulator_bench_tool)" >&2; exit 1; }
done

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$emulator" --port 0 --db "$work/timing.db" --log-level off >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do
  grep -q '^listening on http://' "$work/out" && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/out" | head -1)
[ -n "$url" ] || { echo "the emulator did not start: $(cat "$work/err")" >&2; exit 1; }

read -r wrong_p50 wrong_mean nouser_p50 nouser_mean < <("$tool" password-timing "$url" "$work/timing.credentials.json" "$rounds")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
echo "password login, wrong password p50 ${wrong_p50} us / no such user p50 ${nouser_p50} us: ratio $(ratio "$wrong_p50" "$nouser_p50") (goal: close to 1)"
echo "password login, wrong password mean ${wrong_mean} us / no such user mean ${nouser_mean} us: ratio $(ratio "$wrong_mean" "$nouser_mean") (goal: close to 1)"
