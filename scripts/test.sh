#!/usr/bin/env bash
# The README's test command: installs dependencies, builds everything with -Werror, runs every
# test (ctest), then rebuilds with AddressSanitizer+UndefinedBehaviorSanitizer and with
# ThreadSanitizer and runs the suites those are for. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
testdata=${LOGINID_TESTDATA_DIR:-$root/../shared/testdata}

scripts/install-deps.sh

stage() { printf '\n==== %s ====\n' "$*"; }

configure() {  # configure DIR EXTRA_ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -DLOGINID_WERROR=ON -DLOGINID_TESTDATA_DIR="$testdata" "$@" >/dev/null
}

stage "build (RelWithDebInfo, -Werror)"
configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

stage "API reference (Doxygen over include/loginid/, every public name documented, warnings are errors)"
scripts/docs.sh build >/dev/null

stage "all tests"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

# The browser tests run here too (about 70 s of test time for browser_websdk and browser_refusals;
# tests/browser builds the passkey_web example's backend for browser_passkey_web and
# browser_passkey_web_relay, 10 s and 8 s measured under ASan): the emulator then parses
# real authenticators' CBOR under ASan, the example's backend relays them through the SDK, and a
# test fails when a program does not exit cleanly (LeakSanitizer at exit).
stage "AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite (but packaging, which installs, and docs, built above)"
configure build-asan -DCMAKE_BUILD_TYPE=Debug -DLOGINID_SANITIZE=address,undefined \
  -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900 -LE "packaging|docs"

# TSan: only the programs the concurrency tests need (test name == target name, see tests/CMakeLists.txt).
mapfile -t concurrency_tests < <(ctest --test-dir build -N -L concurrency | sed -n 's/^ *Test *#[0-9]*: *//p')
if [ ${#concurrency_tests[@]} -gt 0 ]; then
  stage "ThreadSanitizer: concurrency tests (${concurrency_tests[*]})"
  configure build-tsan -DCMAKE_BUILD_TYPE=Debug -DLOGINID_SANITIZE=thread \
    -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF
  cmake --build build-tsan -j"$jobs" --target loginid-emulator "${concurrency_tests[@]}"
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 900 -L concurrency
fi

# Every libFuzzer target, briefly, so CI exercises each one (scripts/fuzz.sh SECONDS for a real run).
if command -v clang++ >/dev/null 2>&1; then
  stage "fuzzing (${LOGINID_FUZZ_SECONDS:-15} s per target)"
  scripts/fuzz.sh "${LOGINID_FUZZ_SECONDS:-15}"
fi

stage "all passed"
