#!/usr/bin/env bash
# Runs the SDK benchmarks and prints one line per pair:
#   "<pair>: ours N/s, raw M/s, ratio R (goal G)"
# Ours and raw are measured in alternating batches of one benchmark (per-thread CPU time), median of
# the repetitions, so a busy machine affects both alike: the ratio is the figure.
# BUILD_DIR: the build tree holding bench/sdk/bench_sdk (scripts/bench.sh sets it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${BUILD_DIR:-$here/../../build-bench}"
bin="$build/bench/sdk/bench_sdk"
[ -x "$bin" ] || { echo "bench_sdk not built in $build (cmake --build $build --target bench_sdk)" >&2; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$bin" --benchmark_repetitions="${REPETITIONS:-5}" --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null

# field $2 of the median aggregate of benchmark $1
median() { jq -r --arg n "$1_median" --arg f "$2" '.benchmarks[] | select(.name == $n) | .[$f]' "$out"; }
pair() {  # label benchmark goal
  awk -v l="$1" -v o="$(median "$2" ours_per_s)" -v r="$(median "$2" raw_per_s)" -v q="$(median "$2" ratio)" -v g="$3" \
    'BEGIN { printf "%s: ours %.0f/s, raw %.0f/s, ratio %.3f (goal >= %s)\n", l, o, r, q, g }'
}
pair "generate_service_token vs raw ECDSA P-256 sign" BM_PairSign 0.90
pair "verify_token (warm key cache) vs raw ECDSA P-256 verify" BM_PairVerify 0.95
awk -v o="$(median BM_VerifyTokenCacheHit items_per_second)" \
  'BEGIN { printf "verify_token (verified-token cache hit): ours %.0f/s (goal >= 1000000/s)\n", o }'

# get_user vs a raw libcurl keep-alive POST of the same request (pre-made tokens), against a fresh
# local emulator, in alternating batches; time ratio ours/raw (goal <= 1.15) and connection counters.
# Run twice: with the emulator and the client each on its own core (as on separate hosts, where the
# client's cores are free while it waits; both sides of every pair get the same placement), and
# with the scheduler free to put the client, its pre-signing thread and the emulator on one core.
emulator="$build/src/emulator/loginid-emulator"
get_user_bin="$build/bench/sdk/bench_sdk_get_user"
work="$(mktemp -d)"
trap 'rm -f "$out"; rm -rf "$work"' EXIT

get_user_run() {  # get_user_run <json out> <placement: pinned|free>
  local client=("$get_user_bin")
  local launcher=()
  if [ "$2" = pinned ]; then
    printf '#!/bin/sh\nexec taskset -c 0 "%s" "$@"\n' "$get_user_bin" >"$work/client.sh"
    chmod +x "$work/client.sh"
    client=("$work/client.sh")
    launcher=(taskset -c 1)
  fi
  "${launcher[@]}" "$here/../../examples/run_with_emulator.sh" "$emulator" "${client[@]}" \
    --benchmark_repetitions="${REPETITIONS:-5}" --benchmark_report_aggregates_only=true \
    --benchmark_format=json --benchmark_out="$1" --benchmark_out_format=json >/dev/null
}

# field $3 of aggregate $2 ("median", "mean") of BM_PairGetUser in json file $1
get_user_stat() {
  jq -r --arg a "$2" --arg f "$3" \
    '[.benchmarks[] | select((.run_name | startswith("BM_PairGetUser")) and .aggregate_name == $a) | .[$f]] | first' "$1"
}

get_user_report() {  # get_user_report <json> <label>
  awk -v l="$2" -v o="$(get_user_stat "$1" median ours_per_s)" -v r="$(get_user_stat "$1" median raw_per_s)" \
    -v q="$(get_user_stat "$1" median time_ratio_vs_raw)" \
    'BEGIN { printf "get_user vs raw libcurl keep-alive POST (pre-made token), %s: ours %.0f/s, raw %.0f/s, time ratio ours/raw %.3f (goal <= 1.15)\n", l, o, r, q }'
  awk -v l="$2" -v o="$(get_user_stat "$1" median ours_presign_off_per_s)" \
    -v q="$(get_user_stat "$1" median time_ratio_presign_off_vs_raw)" \
    'BEGIN { printf "  same, Options::presign off (each call signs inline): ours %.0f/s, time ratio %.3f\n", o, q }'
  awk -v r="$(get_user_stat "$1" median raw_signing_per_s)" -v q="$(get_user_stat "$1" median time_ratio_vs_raw_signing)" \
    'BEGIN { printf "  vs raw libcurl that signs its token per call: raw %.0f/s, time ratio %.3f\n", r, q }'
  echo "  new connections after the first call (mean over runs): ours $(get_user_stat "$1" mean sdk_new_connections_after_first), raw $(get_user_stat "$1" mean raw_new_connections_after_first) (CURLINFO_NUM_CONNECTS)"
}

if [ -x "$emulator" ] && [ -x "$get_user_bin" ]; then
  if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    get_user_run "$work/pinned.json" pinned
    get_user_report "$work/pinned.json" "emulator and client on separate cores"
  fi
  get_user_run "$work/free.json" free
  get_user_report "$work/free.json" "scheduler's placement"
else
  echo "get_user benchmark skipped: build loginid-emulator and bench_sdk_get_user in $build" >&2
fi
