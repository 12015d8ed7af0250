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
emulator="$build/src/emulator/loginid-emulator"
get_user_bin="$build/bench/sdk/bench_sdk_get_user"
if [ -x "$emulator" ] && [ -x "$get_user_bin" ]; then
  out_get_user="$(mktemp)"
  trap 'rm -f "$out" "$out_get_user"' EXIT
  "$here/../../examples/run_with_emulator.sh" "$emulator" "$get_user_bin" \
    --benchmark_repetitions="${REPETITIONS:-5}" --benchmark_report_aggregates_only=true \
    --benchmark_format=json --benchmark_out="$out_get_user" --benchmark_out_format=json >/dev/null
  # field $2 of aggregate $1 ("median", "mean") of BM_PairGetUser
  get_user_stat() {
    jq -r --arg a "$1" --arg f "$2" \
      '[.benchmarks[] | select((.run_name | startswith("BM_PairGetUser")) and .aggregate_name == $a) | .[$f]] | first' \
      "$out_get_user"
  }
  awk -v o="$(get_user_stat median ours_per_s)" -v r="$(get_user_stat median raw_per_s)" \
    -v q="$(get_user_stat median time_ratio_vs_raw)" \
    'BEGIN { printf "get_user vs raw libcurl keep-alive POST (pre-made token): ours %.0f/s, raw %.0f/s, time ratio ours/raw %.3f (goal <= 1.15)\n", o, r, q }'
  awk -v o="$(get_user_stat median ours_per_s)" -v r="$(get_user_stat median raw_signing_per_s)" \
    -v q="$(get_user_stat median time_ratio_vs_raw_signing)" \
    'BEGIN { printf "get_user vs raw libcurl POST signing its token per call: ours %.0f/s, raw %.0f/s, time ratio %.3f (SDK overhead beyond the ECDSA signature)\n", o, r, q }'
  awk -v o="$(get_user_stat median ours_presign_off_per_s)" -v r="$(get_user_stat median raw_per_s)" \
    -v q="$(get_user_stat median time_ratio_presign_off_vs_raw)" \
    'BEGIN { printf "get_user with Options::presign off (signs inline) vs raw pre-made token: ours %.0f/s, raw %.0f/s, time ratio %.3f\n", o, r, q }'
  echo "connection reuse, new connections after the first call (mean over runs): ours $(get_user_stat mean sdk_new_connections_after_first), raw $(get_user_stat mean raw_new_connections_after_first) (CURLINFO_NUM_CONNECTS)"
else
  echo "get_user benchmark skipped: build loginid-emulator and bench_sdk_get_user in $build" >&2
fi
