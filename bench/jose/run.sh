#!/usr/bin/env bash
# Runs the JOSE benchmarks and prints one line per pair:
#   "<pair>: ours N/s, raw M/s, ratio R (goal G)"
# Ours and raw run in the same process, interleaved at random over the repetitions so a noisy
# neighbour hits both alike. The figure is from each benchmark's best repetition (least CPU time
# per operation: noise only ever adds time); the ratio of the medians is printed next to it.
# BUILD_DIR: the build tree holding bench/jose/bench_jose (scripts/bench.sh sets it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${BUILD_DIR:-$here/../../build-bench}"
bin="$build/bench/jose/bench_jose"
[ -x "$bin" ] || { echo "bench_jose not built in $build (cmake --build $build --target bench_jose)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed to read the benchmark output" >&2; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$bin" --benchmark_filter='^BM_(SignServiceToken|RawEcdsaSign|VerifyJwt|RawEcdsaVerify)$' \
  --benchmark_repetitions="${REPETITIONS:-15}" --benchmark_enable_random_interleaving=true \
  --benchmark_min_time="${MIN_TIME:-0.2}" \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null

# Operations per CPU second of benchmark $1: "best" (fastest repetition) or "median".
rate() {
  jq -r --arg n "$1" --arg how "$2" '
    [.benchmarks[] | select(.run_name == $n and .run_type == "iteration") | .cpu_time] | sort
    | (if $how == "best" then .[0] else .[(length / 2 | floor)] end) as $ns | 1e9 / $ns' "$out"
}
pair() {  # label ours raw goal
  awk -v l="$1" -v o="$(rate "$2" best)" -v r="$(rate "$3" best)" -v om="$(rate "$2" median)" \
    -v rm="$(rate "$3" median)" -v g="$4" \
    'BEGIN { printf "%s: ours %.0f/s, raw %.0f/s, ratio %.3f (goal %s; medians: %.0f/s vs %.0f/s, ratio %.3f)\n",
             l, o, r, o / r, g, om, rm, om / rm }'
}
pair "ES256 sign (make_service_token vs raw EVP_PKEY_sign)" BM_SignServiceToken BM_RawEcdsaSign ">= 0.90"
pair "ES256 verify (verify_jwt vs raw EVP_PKEY_verify)" BM_VerifyJwt BM_RawEcdsaVerify ">= 0.95"
