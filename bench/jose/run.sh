#!/usr/bin/env bash
# Runs the JOSE benchmarks and prints one line per pair:
#   "<pair>: ours N/s, raw M/s, ratio R (goal G)"
# BM_PairSign / BM_PairVerify time ours and raw in alternating batches within one benchmark
# (thread CPU time), so both see the same machine state; the figures are the medians over the
# repetitions, with the spread of the ratio shown.
# BUILD_DIR: the build tree holding bench/jose/bench_jose (scripts/bench.sh sets it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${BUILD_DIR:-$here/../../build-bench}"
bin="$build/bench/jose/bench_jose"
[ -x "$bin" ] || { echo "bench_jose not built in $build (cmake --build $build --target bench_jose)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed to read the benchmark output" >&2; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$bin" --benchmark_filter='^BM_Pair' --benchmark_repetitions="${REPETITIONS:-7}" \
  --benchmark_min_time="${MIN_TIME:-0.5}" \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null

# Median (over repetitions) of counter $2 of benchmark $1; "min"/"max" give the spread.
stat() {
  jq -r --arg n "$1" --arg c "$2" --arg how "${3:-median}" '
    [.benchmarks[] | select(.run_name == $n and .run_type == "iteration") | .[$c]] | sort
    | if $how == "min" then .[0] elif $how == "max" then .[-1] else .[(length / 2 | floor)] end' "$out"
}
pair() {  # label benchmark goal
  awk -v l="$1" -v o="$(stat "$2" ours_per_s)" -v r="$(stat "$2" raw_per_s)" -v q="$(stat "$2" ratio)" \
    -v lo="$(stat "$2" ratio min)" -v hi="$(stat "$2" ratio max)" -v g="$3" \
    'BEGIN { printf "%s: ours %.0f/s, raw %.0f/s, ratio %.3f (goal %s; ratio range %.3f-%.3f)\n", l, o, r, q, g, lo, hi }'
}
pair "ES256 sign (make_service_token vs raw EVP_PKEY_sign)" BM_PairSign ">= 0.90"
pair "ES256 verify (verify_jwt of a user token vs raw EVP_PKEY_verify)" BM_PairVerify ">= 0.95"
