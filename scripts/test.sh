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

stage "all tests"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

stage "AddressSanitizer + UndefinedBehaviorSanitizer: unit, security and integration tests"
configure build-asan -DCMAKE_BUILD_TYPE=Debug -DLOGINID_SANITIZE=address,undefined \
  -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900 -LE 'slow|packaging'

if ctest --test-dir build -N -L concurrency 2>/dev/null | grep -q 'Total Tests: [1-9]'; then
  stage "ThreadSanitizer: concurrency tests"
  configure build-tsan -DCMAKE_BUILD_TYPE=Debug -DLOGINID_SANITIZE=thread \
    -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF
  cmake --build build-tsan -j"$jobs"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 900 -L concurrency
fi

stage "all passed"
