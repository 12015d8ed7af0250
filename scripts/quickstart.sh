#!/usr/bin/env bash
# From a fresh machine: install the dependencies, build the SDK, the emulator and the quickstart
# example (build dir `build`, as scripts/test.sh; BUILD_DIR overrides), start a fresh emulator on a
# free port with a temporary database (removed on exit), and walk the whole LoginID flow against
# it. Exits with the example's status.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"

scripts/install-deps.sh
cmake -S . -B "$build" -DLOGINID_WERROR=ON >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target loginid-emulator example_quickstart

exec examples/run_with_emulator.sh "$build/src/emulator/loginid-emulator" "$build/examples/quickstart"
