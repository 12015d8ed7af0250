# Process handling shared by the benchmark scripts (bench/async/run.sh, bench/emulator/run.sh):
# sourced, never run. Sourcing it creates $work (a temporary directory) and installs traps, so that
# every process started through spawn, start_server or run is stopped and $work removed when the
# script ends: normally, on a failure (set -e, exit 1) or on Ctrl-C / TERM.
#
# Every child runs in the background of the sourcing shell, never inside $(...) (whose subshell
# would keep its pid from the cleanup), as the leader of its own process group (setsid), so
# stopping it stops whatever it started too (a shell wrapper, wrk's threads, a nested script).
# Waits are `wait` (which a trapped signal interrupts at once) or bounded polls.

command -v setsid >/dev/null || { echo "setsid (util-linux) is not installed" >&2; exit 1; }
work=$(mktemp -d)
pids=()

# stop_group PID: TERM to PID's process group, KILL after 5 s; reaps PID.
stop_group() {
  local pid=$1
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_group "$pid"; done
  rm -rf "$work"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget() {  # forget PID: it has ended; do not signal it later (its number may be reused)
  local kept=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
}

# spawn NAME CMD...: starts CMD in its own process group, stdout to $work/NAME.out, stderr to
# $work/NAME.err; sets NAME_pid.
spawn() {
  local name=$1
  shift
  : >"$work/$name.out"  # there before anyone reads it
  setsid "$@" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  pids+=("$pid")
  printf -v "${name}_pid" '%s' "$pid"
}

# await_line NAME REGEX SECONDS: waits (bounded) until NAME printed a line matching REGEX; exits 1
# with NAME's stderr when NAME ended first or the time ran out.
await_line() {
  local name=$1 regex=$2 seconds=$3
  local pid_var="${name}_pid"
  local deadline=$((SECONDS + seconds))
  until grep -q "$regex" "$work/$name.out"; do
    if ! kill -0 "${!pid_var}" 2>/dev/null; then
      echo "$0: $name ended before printing '$regex': $(tail -n 20 "$work/$name.err")" >&2
      exit 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || { echo "$0: hang guard: no '$regex' from $name in ${seconds} s" >&2; exit 1; }
    sleep 0.1
  done
}

# start_server NAME CMD...: spawns a server and waits (bounded, 20 s) for its "listening on URL"
# line; sets NAME_pid and NAME_url.
start_server() {
  local name=$1
  shift
  spawn "$name" "$@"
  await_line "$name" '^listening on http://' 20
  printf -v "${name}_url" '%s' "$(sed -n 's/^listening on //p' "$work/$name.out" | head -1)"
}

# stop NAME: stops a spawned process now (it is not stopped again at exit).
stop() {
  local pid_var="${1}_pid"
  stop_group "${!pid_var}"
  forget "${!pid_var}"
}

# finish NAME SECONDS: waits (bounded) for NAME to end; exits 1 with its stderr when it failed or
# is still running after SECONDS (it is stopped then by the cleanup).
finish() {
  local name=$1 seconds=$2
  local pid_var="${name}_pid"
  local pid=${!pid_var}
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$0: hang guard: $name still running after ${seconds} s" >&2
      exit 1
    fi
    sleep 0.2
  done
  local status=0
  wait "$pid" || status=$?
  forget "$pid"
  if [ "$status" -ne 0 ]; then
    echo "$0: $name failed (exit $status): $(tail -n 20 "$work/$name.err")" >&2
    exit 1
  fi
}

# run OUT CMD...: runs CMD (its own process group) to its end with stdout to OUT, stderr to this
# script's; returns CMD's status, and on a failure prints the end of OUT.
run() {
  local out=$1
  shift
  setsid "$@" >"$out" &
  local pid=$!
  pids+=("$pid")
  local status=0
  wait "$pid" || status=$?
  forget "$pid"
  if [ "$status" -ne 0 ]; then
    echo "$0: '$*' failed (exit $status); its output:" >&2
    tail -n 20 "$out" >&2 || true
  fi
  return "$status"
}
