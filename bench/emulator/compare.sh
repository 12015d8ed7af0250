#!/usr/bin/env bash
# A/B of POST /manage/users/retrieve between this build's emulator and another emulator binary
# (e.g. one built from main), under the same load in the same run: each round measures the 2-core
# ECDSA-verify limit (as run.sh does), then runs wrk (2 threads, keep-alive; every request with its
# own pre-made service token) against each emulator in turn, the order flipping every round. The
# figures are retrieves per second of the emulator's own CPU time (user + system), which a busy
# shared machine distorts less than the wall clock; the per-round ratio ours/other is the A/B.
# Usage: bench/emulator/compare.sh OTHER_EMULATOR [EXTRA_FLAGS_FOR_OURS...]
# Env: BUILD_DIR (default ./build-bench), BENCH_SECONDS (3 per run), BENCH_ROUNDS (5),
# BENCH_CONNECTIONS (8). Loopback only; every process started here is stopped on exit, also on a
# failure or a signal (bench/common/processes.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { echo "usage: $0 OTHER_EMULATOR [EXTRA_FLAGS_FOR_OURS...]" >&2; exit 2; }
other=$1
shift
build=${BUILD_DIR:-$PWD/build-bench}
seconds=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-5}
connections=${BENCH_CONNECTIONS:-8}
threads=2
emulator="$build/src/emulator/loginid-emulator"
tool="$build/bench/emulator/emulator_bench_tool"
for program in "$emulator" "$other" "$tool"; do
  [ -x "$program" ] || { echo "missing $program" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps.sh)" >&2; exit 1; }

source bench/common/processes.sh

source bench/common/figures.sh  # cpu_ticks, ticks_per_second, median, ratio

start_server ours "$emulator" --port 0 --db "$work/ours.db" --credentials-out "$work/ours.credentials.json" \
  --log-level off "$@"
start_server other "$other" --port 0 --db "$work/other.db" --credentials-out "$work/other.credentials.json" \
  --log-level off
declare -A client_ids
for name in ours other; do
  url_var="${name}_url"
  run "$work/$name.setup" "$tool" setup "${!url_var}" "$work/$name.credentials.json"
  read -r _ client_id <"$work/$name.setup"
  client_ids[$name]=$client_id
  for round in $(seq "$rounds"); do
    run /dev/null "$tool" tokens "$work/$name.credentials.json" users.retrieve $((seconds * retrieve_tokens_per_second)) "$threads" \
      "$work/$name.tokens.$round"
  done
done

# per_cpu_second NAME ROUND: one wrk run against NAME; prints retrieves per second of NAME's CPU time.
per_cpu_second() {
  local name=$1 round=$2
  local pid_var="${name}_pid" url_var="${name}_url"
  kill -0 "${!pid_var}" 2>/dev/null || { echo "$name is not running any more" >&2; exit 1; }
  local before
  before=$(cpu_ticks "${!pid_var}")
  BENCH_TOKENS="$work/$name.tokens.$round" BENCH_CLIENT_ID="${client_ids[$name]}" \
    run "$work/wrk.out" wrk -t"$threads" -c"$connections" -d"${seconds}s" -s bench/emulator/retrieve.lua \
    "${!url_var}/manage/users/retrieve"
  local used=$(($(cpu_ticks "${!pid_var}") - before))
  if grep -q 'Non-2xx\|Socket errors' "$work/wrk.out"; then
    echo "$name: non-2xx answers or socket errors during the run:" >&2
    cat "$work/wrk.out" >&2
    exit 1
  fi
  awk -v used="$used" -v hz="$ticks_per_second" '/ requests in / { printf "%.0f", (used > 0 ? $1 / (used / hz) : 0) }' \
    "$work/wrk.out"
}

ours_all="" other_all="" limit_all="" ab_all="" won=0
for round in $(seq "$rounds"); do
  run "$work/ecdsa.out" "$tool" ecdsa "$seconds" 2
  limit=$(awk '{ print $2 }' "$work/ecdsa.out")
  if [ $((round % 2)) -eq 1 ]; then
    ours=$(per_cpu_second ours "$round")
    other_figure=$(per_cpu_second other "$round")
  else
    other_figure=$(per_cpu_second other "$round")
    ours=$(per_cpu_second ours "$round")
  fi
  ab=$(ratio "$ours" "$other_figure")
  awk -v a="$ab" 'BEGIN { exit !(a > 1) }' && won=$((won + 1))
  echo "round $round: limit 2 x ${limit}/s; ours 2 x ${ours}/s ($(ratio "$ours" "$limit")), other 2 x ${other_figure}/s ($(ratio "$other_figure" "$limit")), ours/other ${ab}"
  ours_all+=" $ours" other_all+=" $other_figure" limit_all+=" $limit" ab_all+=" $ab"
done
ours_median=$(median $ours_all)
other_median=$(median $other_all)
limit_median=$(median $limit_all)
echo "POST /manage/users/retrieve A/B per emulator CPU-second, ${rounds} rounds: ours 2 x ${ours_median}/s (ratio to the ECDSA limit $(ratio "$ours_median" "$limit_median")), other 2 x ${other_median}/s ($(ratio "$other_median" "$limit_median")), limit 2 x ${limit_median}/s; ours/other median $(median $ab_all), ours ahead in ${won} of ${rounds} rounds"
