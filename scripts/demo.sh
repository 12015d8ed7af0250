#!/usr/bin/env bash
# The passkey demo in one command, on a fresh machine: installs the dependencies, builds
# loginid-emulator and the passkey web example (examples/passkey_web), starts a fresh emulator
# (temp database) and the example, and prints the URL to open. Ctrl-C stops both.
#   scripts/demo.sh            (the page's port: PASSKEY_WEB_PORT, 8090 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PASSKEY_WEB_PORT:-8090}

scripts/install-deps.sh
echo "demo: building loginid-emulator and the passkey web example (the first build takes a few minutes)..." >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target loginid-emulator passkey_web >/dev/null

# run_with_emulator.sh starts the emulator on a free port with a temp database, runs the example
# with the emulator's credentials file, and stops and removes the emulator when the example ends.
status=0
examples/run_with_emulator.sh build/src/emulator/loginid-emulator build/examples/passkey_web/passkey_web \
  --port "$port" || status=$?
if [ "$status" -ne 0 ]; then
  echo "demo: the example stopped with status $status (is port $port taken? PASSKEY_WEB_PORT=8091 $0)" >&2
fi
exit "$status"
