#!/usr/bin/env bash
# From a fresh machine: install the dependencies, build the SDK, the emulator, the CLI and the
# quickstart example (build dir `build`, as scripts/test.sh; BUILD_DIR overrides), start a fresh
# emulator on a free port with a temporary database (removed on exit), walk the whole LoginID flow
# against it, and print the next steps. Exits with the example's status.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"

scripts/install-deps.sh
echo "quickstart: configuring and building in $build/ (a few minutes the first time)" >&2
cmake -S . -B "$build" -DLOGINID_WERROR=ON >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target loginid-emulator loginid-cli example_quickstart

status=0
examples/run_with_emulator.sh "$build/src/emulator/loginid-emulator" "$build/examples/quickstart" || status=$?
[[ $status -eq 0 ]] || exit "$status"

cat <<NEXT

Next steps (the emulator above and its database were temporary):

  1. A lasting local emulator, in this folder (Ctrl-C stops it; its state stays in ./loginid-emulator.db and
     the applications' credentials in ./loginid-emulator.credentials.json):
       $build/src/emulator/loginid-emulator

  2. The CLI, in a second terminal in the same folder:
       $build/src/cli/loginid --emulator users create --username bob@example.com
       $build/src/cli/loginid --help

  3. Your own program against that emulator: the README's "Configure" section (examples/readme.cpp);
     eval "\$(examples/emulator_env.sh)" sets LOGINID_EMULATOR_HOST, LOGINID_CLIENT_ID and LOGINID_PRIVATE_KEY.

  4. Passkeys in a real browser: scripts/demo.sh starts the passkey web app (examples/passkey_web) on a
     fresh emulator and prints the URL to open.

  Read next: docs/cli.md (a quick tour of the CLI), docs/sdk.md (every SDK function), docs/emulator.md,
  docs/api.md (the wire contract). To put loginid and loginid-emulator on your PATH, see the README's "Install".
NEXT
