#!/usr/bin/env bash
# Async SDK benchmark (issue 12): N concurrent wait_code calls, all parked at a loginid-emulator on
# loopback, then an authorize burst (management authorize_code for each code, 64 at once), made
# three ways, each against a fresh emulator with N fresh users and codes:
#   sdk   the async SDK (bench_async_wait sdk): every call started at once on one AsyncRuntime
#   node  the same load from Node (bench/async/node_wait.js: built-in fetch; the published Node SDK
#         has no wait-code call), the baseline
#   sync  the blocking SDK, one thread per blocking wait_code, as many as the OS allows
# For each: the process's thread count and RSS growth (VmRSS just before the first call vs once
# every call is parked, same process) and, after the burst, the calls that returned their own
# user's verified JWT. Prints, among other lines, the one other tools parse:
#   concurrent wait_code: N=.. answered=.. sdk_threads=.. sdk_bytes_per_call=.. emulator_threads=..
#   emulator_bytes_per_waiter=.. node_bytes_per_call=.. sync_threads=..
# (answered and emulator_* from the sdk load; sync_threads is the sync process's threads at its
# peak) and the ratio sdk_bytes_per_call / node_bytes_per_call. Goals: answered == N, sdk_threads <=
# 4, ratio < 1; the figures are printed, goals do not fail the run.
# Loopback only; every wait is bounded; every process started here (each in its own process group)
# is stopped on exit, also on failure or a signal.
# Env: BUILD_DIR (default ./build-bench), N (default 10000).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-$PWD/build-bench}
n=${N:-10000}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer, not '$n'" >&2; exit 2; }
emulator="$build/src/emulator/loginid-emulator"
tool="$build/bench/async/bench_async_wait"
for program in "$emulator" "$tool"; do
  [ -x "$program" ] || { echo "missing $program (build loginid-emulator and bench_async_wait)" >&2; exit 1; }
done
command -v node >/dev/null || { echo "node is not installed (scripts/install-deps.sh)" >&2; exit 1; }
park_guard=330    # seconds until every call is parked (the programs' own guard is 300 s)
answer_guard=660  # seconds until a load process ends after the burst

# $work, the children's process groups and their cleanup on exit, failure or a signal.
source bench/common/processes.sh

# field NAME KEY: the value of KEY=value in NAME's output.
field() { sed -n "s/\(^\|.* \)$2=\([0-9]*\).*/\2/p" "$work/$1.out" | head -1; }

# load KIND: a fresh emulator, N users with a code each, the KIND load, the burst; then stops the
# emulator. Leaves $work/KIND.out.
load() {
  local kind=$1
  start_server emulator "$emulator" --host 127.0.0.1 --port 0 --db "$work/$kind.db" --credentials-out "$work/$kind.json" \
    --log-level off --max-waiters $((n + 64)) --wait-timeout 600 --code-ttl 3600
  local url=$emulator_url
  spawn prepare "$tool" prepare "$url" "$work/$kind.json" "$n" "$kind" "$work/$kind.codes"
  finish prepare "$park_guard"
  case $kind in
    sdk | sync) spawn "$kind" "$tool" "$kind" "$url" "$work/$kind.json" "$work/$kind.codes" "$emulator_pid" ;;
    # One socket per call and some; when the OS refuses, as far as the hard limit (and say so).
    node) spawn node bash -c 'ulimit -n "$1" 2>/dev/null || {
            echo "the OS refuses to raise the open-file limit to $1 (hard limit $(ulimit -Hn)): calls past it will fail" >&2
            ulimit -Sn "$(ulimit -Hn)"; }
          exec node bench/async/node_wait.js "$2" "$3" "$4"' _ $((n + 256)) "$url" "$work/$kind.json" "$work/$kind.codes" ;;
  esac
  await_line "$kind" '^peak ' "$park_guard"
  spawn burst "$tool" burst "$url" "$work/$kind.json" "$work/$kind.codes"
  finish burst "$answer_guard"
  finish "$kind" "$answer_guard"
  # Warnings (limits the OS refused, failed authorizations) and the first failed call, if any.
  sed "s/^/$kind: /" "$work/$kind.err" "$work/burst.err" >&2
  grep '^first error' "$work/$kind.out" | sed "s/^/$kind: /" >&2 || true
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "run.sh: the emulator ended during the $kind load: $(tail -n 20 "$work/emulator.err")" >&2
    exit 1
  fi
  stop emulator
}

load sdk
load node
load sync

per_parked() { awk -v f="$(field "$1" open_files)" -v p="$(field "$1" parked)" 'BEGIN { printf "%.1f", (p > 0 ? f / p : 0) }'; }
per_call() { awk -v b="$1" -v n="$n" 'BEGIN { printf "%.0f", b / n }'; }
answered=$(field sdk answered)
sdk_threads=$(field sdk threads)
sdk_bytes=$(per_call "$(field sdk rss_growth)")
emulator_threads=$(field sdk emulator_threads)
emulator_bytes=$(per_call "$(field sdk emulator_rss_growth)")
node_bytes=$(per_call "$(field node rss_growth)")
sync_threads=$(field sync threads)
sync_started=$(field sync started)
echo "concurrent wait_code: N=$n answered=$answered sdk_threads=$sdk_threads sdk_bytes_per_call=$sdk_bytes emulator_threads=$emulator_threads emulator_bytes_per_waiter=$emulator_bytes node_bytes_per_call=$node_bytes sync_threads=$sync_threads"
awk -v s="$sdk_bytes" -v b="$node_bytes" \
  'BEGIN { printf "sdk_bytes_per_call / node_bytes_per_call: %s / %s, ratio %.2f (goal < 1)\n", s, b, (b > 0 ? s / b : 0) }'
sync_parked=$(field sync parked)
sync_details="$sync_threads threads in the process, $(awk -v b="$(field sync rss_growth)" -v p="$sync_parked" 'BEGIN { printf "%.0f", (p > 0 ? b / p : 0) }') bytes RSS per parked call, $(per_parked sync) open files per parked call"
if [ "$sync_parked" = "$n" ]; then
  echo "sync: all $n blocking wait_code calls parked, one thread each ($sync_details); answered $(field sync answered)"
elif grep -q '^started=[0-9]* stopped: ' "$work/sync.out"; then
  echo "sync: stopped at $sync_started threads: $(sed -n 's/^started=[0-9]* stopped: //p' "$work/sync.out"); $sync_parked calls parked ($sync_details)"
else
  echo "sync: stopped at $sync_parked parked calls: all $n threads started, the other $((n - sync_parked)) calls failed at once: $(sed -n 's/^first error: //p' "$work/sync.out" | head -1) (open files $(field sync open_files), limit $(field sync open_files_limit); $sync_details)"
fi
echo "sdk: $sdk_threads threads, $(per_parked sdk) open files per parked call"
echo "node: $(field node threads) threads, $(per_parked node) open files per parked call, answered $(field node answered) (each JWT's ES256 signature and udata checked)"
echo "goals: answered == N: $([ "$answered" = "$n" ] && echo met || echo NOT met); sdk_threads <= 4: $([ "$sdk_threads" -le 4 ] && echo met || echo NOT met); sdk_bytes_per_call < node_bytes_per_call: $([ "$sdk_bytes" -lt "$node_bytes" ] && echo met || echo NOT met)"
