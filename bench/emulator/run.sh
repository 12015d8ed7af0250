#!/usr/bin/env bash
# Emulator benchmark (issue 3, "Performance"): req/s of GET /certs and POST /manage/users/retrieve
# under wrk (keep-alive, each retrieve with its own pre-made service token), and the
# authorize -> wait_code wake-up latency, each beside a baseline measured in this same run: a
# minimal cpp-httplib server answering a constant body. Prints one line per pair:
#   "<what>: ours X, baseline Y, ratio R (goal G)"
# Env: BUILD_DIR (default ./build-bench), BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 8).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-$PWD/build-bench}
seconds=${BENCH_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-8}
threads=2
emulator="$build/src/emulator/loginid-emulator"
baseline="$build/bench/emulator/emulator_baseline_server"
tool="$build/bench/emulator/emulator_bench_tool"
for program in "$emulator" "$baseline" "$tool"; do
  [ -x "$program" ] || { echo "missing $program (build the emulator and bench/emulator targets)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME CMD...: runs CMD with stdout to a file and waits (bounded, 20 s) for its listening line.
start() {
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 200); do
    if grep -q '^listening on http://' "$work/$name.out"; then
      sed -n 's/^listening on //p' "$work/$name.out" | head -1
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not start: $(cat "$work/$name.err")" >&2
  exit 1
}

# requests_per_second URL [wrk args...]: wrk's Requests/sec; fails on any non-2xx answer.
requests_per_second() {
  local url=$1
  shift
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" "$@" "$url")
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "non-2xx answers during the run:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

emu_url=$(start emulator "$emulator" --port 0 --db "$work/bench.db" --log-level off --workers "$connections")
base_url=$(start baseline "$baseline" 40)
read -r kid client_id < <("$tool" setup "$emu_url" "$work/bench.credentials.json")

base_rps=$(requests_per_second "$base_url/certs?kid=$kid")
certs_rps=$(requests_per_second "$emu_url/certs?kid=$kid")
echo "GET /certs: ours ${certs_rps}/s, baseline ${base_rps}/s, ratio $(ratio "$certs_rps" "$base_rps") (goal >= 0.5)"

# Tokens for the retrieve run, made before the clock starts: more than the run can use.
"$tool" tokens "$work/bench.credentials.json" users.retrieve $((seconds * 30000)) "$threads" "$work/tokens"
export BENCH_TOKENS="$work/tokens" BENCH_CLIENT_ID="$client_id"
base_post_rps=$(requests_per_second "$base_url/manage/users/retrieve" -s bench/emulator/retrieve.lua)
retrieve_rps=$(requests_per_second "$emu_url/manage/users/retrieve" -s bench/emulator/retrieve.lua)
ecdsa_one_core=$("$tool" ecdsa 1)
ecdsa_limit=$((ecdsa_one_core * 2))
echo "POST /manage/users/retrieve: ours ${retrieve_rps}/s, baseline ${base_post_rps}/s, ratio $(ratio "$retrieve_rps" "$base_post_rps")"
echo "POST /manage/users/retrieve vs ECDSA limit: ours ${retrieve_rps}/s, 2 cores x ${ecdsa_one_core} verify/s = ${ecdsa_limit}/s, ratio $(ratio "$retrieve_rps" "$ecdsa_limit") (goal >= 0.5)"

# The authorize commits with synchronous=FULL (an fsync) before it wakes the waiter, so the first
# pair includes the disk's sync time; the second is the wake-up itself, after the authorize answered.
read -r wake_p50 wake_p99 woke_after_p50 woke_after_p99 < <("$tool" wake "$emu_url" "$work/bench.credentials.json" 200)
read -r rtt_p50 rtt_p99 < <("$tool" rtt "$base_url" 200)
echo "authorize sent -> wait answered p50: ours ${wake_p50} us, baseline round trip ${rtt_p50} us, ratio $(ratio "$wake_p50" "$rtt_p50")"
echo "authorize sent -> wait answered p99: ours ${wake_p99} us, baseline round trip ${rtt_p99} us, ratio $(ratio "$wake_p99" "$rtt_p99")"
echo "authorize answered -> wait answered: p50 ${woke_after_p50} us, p99 ${woke_after_p99} us (goal: well under 10000 us)"

# Password logins: "no such user" answered in the time "wrong password" takes (issue 11).
BUILD_DIR="$build" bench/emulator/password_timing.sh
