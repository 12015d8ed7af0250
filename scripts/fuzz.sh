#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan)
# in build-fuzz and runs each for SECONDS (default 60) on a copy of its seed corpus, so the
# repository is never modified. Fails on any crash, leak, timeout, OOM or sanitizer report, and
# prints per target the executions and the coverage from libFuzzer's final stats.
# Environment: FUZZ_TARGETS="fuzz_jwt fuzz_keys" to run only some; FUZZ_JOBS (default 2) for the build.
# Each target runs with a -max_len that reaches the input limits of the code it feeds (libFuzzer's
# default, 4096 bytes, never got near the 100,000-deep JSON that crashed the SDK: issue 15), on the
# committed seeds (which include documents at the 64-level JSON depth limit and one past it) plus
# seeds at the size limits generated below, too big to keep in git.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
jobs=${FUZZ_JOBS:-2}
build=$root/build-fuzz

if [[ ! "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "usage: scripts/fuzz.sh [SECONDS]   (a whole number of seconds per target, default 60)" >&2
  exit 2
fi
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found; libFuzzer targets need clang" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGINID_BUILD_FUZZERS=ON \
  -DLOGINID_BUILD_TESTS=OFF -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF -DLOGINID_BUILD_CLI=OFF >/dev/null

all_targets=(fuzz_base64url fuzz_keys fuzz_jwt fuzz_sdk_responses fuzz_emulator_requests fuzz_webauthn)
targets=()
for t in ${FUZZ_TARGETS:-${all_targets[*]}}; do
  if [[ -f tests/fuzz/$t.cpp ]]; then targets+=("$t"); else echo "fuzz.sh: no tests/fuzz/$t.cpp, skipped" >&2; fi
done
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

# The largest input each target gets, and why (docs/SECURITY.md, "Limits").
max_len_of() {
  case $1 in
    fuzz_base64url) echo 17000 ;;            # base64url decodes token segments: past the 16 KiB token cap
    fuzz_jwt) echo 17000 ;;                  # past the 16 KiB token cap (kMaxTokenSize)
    fuzz_keys) echo 66000 ;;                 # past the 64 KiB PEM cap
    fuzz_sdk_responses) echo 1048579 ;;      # 3 selector bytes + the transport's 1 MiB body cap
    fuzz_emulator_requests) echo 70000 ;;    # a request with a body at the emulator's 64 KiB cap
    fuzz_webauthn) echo 70000 ;;             # mode byte + an attestation object past its 64 KiB cap
    *) echo 4096 ;;
  esac
}

repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }

# Seeds at the limits, written into the run's copy of the corpus.
generate_seeds() {
  local dir=$2
  case $1 in
    fuzz_sdk_responses)  # get_user answered 200 with 200,000 nested arrays: SIGSEGV before the depth bound
      { printf '\x08\x00\x01'; repeat '[' 200000; repeat ']' 200000; } >"$dir/gen_get_user_200000_arrays" ;;
    fuzz_emulator_requests)  # users.create whose body nests 32,000 arrays, just inside the 64 KiB body cap
      { printf '\x00\x01POST /manage/users\n{"username":"fuzz-deep","x":'; repeat '[' 32000; repeat ']' 32000; printf '}'; } \
        >"$dir/gen_users_create_32000_arrays" ;;
    fuzz_jwt)  # a token exactly at the 16 KiB cap (its payload is 'A's: all zero bytes)
      { printf 'eyJhbGciOiJFUzI1NiJ9.'; repeat A $((16384 - 21 - 87)); printf '.'; repeat A 86; } >"$dir/gen_token_16384" ;;
    fuzz_keys)  # a valid public key PEM padded with newlines to the 64 KiB cap, and a JWK nested 30,000 deep
      { cat tests/fuzz/corpus/fuzz_keys/spki.pem; repeat '\n' $((65536 - $(wc -c <tests/fuzz/corpus/fuzz_keys/spki.pem))); } \
        >"$dir/gen_pem_65536"
      { printf '{"kty":"EC","x":'; repeat '[' 30000; repeat ']' 30000; printf '}'; } >"$dir/gen_jwk_30000_arrays" ;;
    fuzz_webauthn)  # raw CBOR nesting 60,000 arrays (mode 5), and an attestation object of 65,536 bytes (mode 0)
      { printf '\x05'; repeat '\201' 60000; printf '\x00'; } >"$dir/gen_cbor_60000_arrays"
      { printf '\x00\xa3\x63fmt\x64none\x67attStmt\xa0\x68authData\x59\xff\xe1'; repeat '\001' 65505; } \
        >"$dir/gen_attestation_object_65536" ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/loginid-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for t in "${targets[@]}"; do
  bin=$(find "$build" -type f -name "$t" -perm -u+x | head -n1)
  if [[ -z "$bin" ]]; then
    echo "fuzz.sh: $t was not built" >&2
    failed+=("$t(not built)")
    continue
  fi
  corpus=$work/$t/corpus
  artifacts=$work/$t/artifacts
  mkdir -p "$corpus" "$artifacts"
  if [[ -d tests/fuzz/corpus/$t ]]; then cp -R "tests/fuzz/corpus/$t/." "$corpus/"; fi
  generate_seeds "$t" "$corpus"
  seeds=$(find "$corpus" -type f | wc -l)
  max_len=$(max_len_of "$t")
  log=$work/$t/log
  printf '\n==== %s: %ss, %s seeds, max_len %s ====\n' "$t" "$seconds" "$seeds" "$max_len"
  status=0
  "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -n1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*corp: ([0-9]+).*/cov=\1 ft=\2 corpus=\3/')
  findings=$(find "$artifacts" -type f | wc -l)
  reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$log" || true)
  line="$t: executions=${execs:-?} ${cov:-cov=?} exit=$status artifacts=$findings sanitizer_reports=$reports"
  summary+=("$line")
  echo "$line"
  if (( status != 0 || findings > 0 || reports > 0 )); then
    failed+=("$t")
    echo "---- $t failed; last lines of its log:"
    tail -n 60 "$log"
    for a in "$artifacts"/*; do [[ -f "$a" ]] && echo "artifact: $a ($(wc -c <"$a") bytes)"; done
    mkdir -p "$root/build-fuzz/findings/$t"
    cp -R "$artifacts/." "$root/build-fuzz/findings/$t/" 2>/dev/null || true
  fi
done

printf '\n==== fuzz summary (%ss per target) ====\n' "$seconds"
printf '%s\n' "${summary[@]}"
if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]} (reproducers copied to build-fuzz/findings/)"
  exit 1
fi
echo "all fuzz targets clean"
