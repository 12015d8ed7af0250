#!/usr/bin/env bash
# Runs one browser test file (LoginID's published @loginid/sdk in headless Chromium against fresh
# loginid-emulators; each test starts and stops its own).
#   run_browser_test.sh <file.test.js> [node options, e.g. --test-name-pattern=refused]
# The programs under test come from the environment (ctest sets them): LOGINID_EMULATOR_BIN, and
# where a file needs them LOGINID_VERIFY_TOKEN_CHECK, LOGINID_PASSKEY_WEB_BIN (and _PAGE, its bundle;
# _MISSING says why the example could not be built).
# Needs node, Debian's chromium and this folder's node_modules (scripts/install-deps.sh). When one
# is missing it exits 77, which ctest reports as skipped, unless CI=true: then it is a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
test_file=$1

missing() {
  echo "browser tests: $*" >&2
  if [[ "${CI:-}" == "true" ]]; then
    echo "browser tests: CI=true, so this is a failure: run scripts/install-deps.sh" >&2
    exit 1
  fi
  echo "browser tests: skipped; run scripts/install-deps.sh to enable them" >&2
  exit 77
}
command -v node >/dev/null 2>&1 || missing "node is not installed (apt-get install nodejs npm)"
chromium=${LOGINID_CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || missing "Chromium is not installed at $chromium (apt-get install chromium)"
for package in playwright-core @loginid/sdk tslib esbuild; do
  [[ -f "$here/node_modules/$package/package.json" ]] ||
    missing "$package is not installed in $here/node_modules (cd $here && npm ci --ignore-scripts)"
done
# npm ci --ignore-scripts skips esbuild's postinstall: its native binary must come from the
# platform's optional package (@esbuild/linux-x64 here); make sure it does.
(cd "$here" && node -e 'require("esbuild").transformSync("1")') 2>/dev/null ||
  missing "esbuild's native binary (@esbuild/<platform>) is missing in $here/node_modules (npm ci again)"

[[ -z "${LOGINID_PASSKEY_WEB_MISSING:-}" ]] || missing "the passkey_web example is not built: $LOGINID_PASSKEY_WEB_MISSING"
# The passkey web example's page is bundled at build time only when its npm packages were there.
if [[ -n "${LOGINID_PASSKEY_WEB_PAGE:-}" && ! -f "$LOGINID_PASSKEY_WEB_PAGE" ]]; then
  missing "the passkey_web page was not bundled ($LOGINID_PASSKEY_WEB_PAGE): npm packages missing at configure time"
fi

echo "node $(node --version); $("$chromium" --version 2>/dev/null || echo chromium); @loginid/sdk" \
  "$(node -p 'require(process.argv[1]).version' "$here/node_modules/@loginid/sdk/package.json");" \
  "playwright-core $(node -p 'require(process.argv[1]).version' "$here/node_modules/playwright-core/package.json")"
exec node "${@:2}" "$here/$test_file"
