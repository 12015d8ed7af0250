#!/usr/bin/env bash
# Runs interop.test.js (the published @loginid/node-sdk against the emulator) on a fresh
# loginid-emulator (port 0, temp database), then stops it.
#   run_interop.sh <loginid-emulator binary> [--https]
# --https: the emulator serves TLS (--tls-self-signed) and node trusts the CA its credentials file
# names (NODE_EXTRA_CA_CERTS), so the published SDK is driven over https as in production.
# Needs node and this folder's node_modules (scripts/install-deps.sh: apt nodejs npm, then
# `npm ci --ignore-scripts` here). When either is missing it exits 77, which ctest reports as
# skipped, unless CI=true: then a missing prerequisite is a failure (exit 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
skip_status=77

# Second stage, called back by examples/run_with_emulator.sh with the fresh emulator's credentials.
if [[ "${2:-}" == --node-stage ]]; then
  echo "node $(node --version); @loginid/node-sdk" \
    "$(node -p 'require(process.argv[1]).version' "$here/node_modules/@loginid/node-sdk/package.json")"
  # --no-deprecation: the SDK's package.json names a "main" (lib/index.js) that its tarball lacks, so
  # Node falls back to index.js with a DEP0128 warning on every run; it is the package's, not ours.
  ca_bundle=$(node -p 'require(process.argv[1]).ca_bundle || ""' "$1")
  if [[ -n "$ca_bundle" ]]; then
    echo "over https: $(node -p 'require(process.argv[1]).base_url' "$1"), trusting $ca_bundle"
    export NODE_EXTRA_CA_CERTS=$ca_bundle
  fi
  LOGINID_EMULATOR_CREDENTIALS=$1 exec node --no-deprecation "$here/interop.test.js"
fi
emulator_bin=$1
tls_args=""
[[ "${2:-}" == --https ]] && tls_args="--tls-self-signed"

missing() {
  echo "interop (node): $*" >&2
  if [[ "${CI:-}" == "true" ]]; then
    echo "interop (node): CI=true, so this is a failure: run scripts/install-deps.sh" >&2
    exit 1
  fi
  echo "interop (node): skipped; run scripts/install-deps.sh to enable it" >&2
  exit "$skip_status"
}
command -v node >/dev/null 2>&1 || missing "node is not installed (apt-get install nodejs npm)"
[[ -f "$here/node_modules/@loginid/node-sdk/LoginIdManagement.js" ]] ||
  missing "the Node SDK is not installed in $here/node_modules (cd $here && npm ci --ignore-scripts)"

# A short --wait-timeout: a wait_code that is never answered fails the test in seconds, not 30 s.
LOGINID_EMULATOR_ARGS="--wait-timeout 5 --log-level error $tls_args" \
  exec "$here/../../../examples/run_with_emulator.sh" "$emulator_bin" "$here/run_interop.sh" --node-stage
