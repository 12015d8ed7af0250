#!/usr/bin/env bash
# Installs the Debian 12 packages that loginid-cpp builds, tests and benchmarks with (DESIGN.md,
# "Dependencies"), then the pinned npm packages of the Node interop test (tests/interop/node), the
# browser tests (tests/browser) and the passkey web example's page (examples/passkey_web), each with
# `npm ci --ignore-scripts` from its package-lock.json. Idempotent: when everything is present it
# prints nothing and touches nothing; `apt-get update` runs only when something is missing.
# When something is missing, every step says what it is doing (a fresh machine takes minutes). Works as
# root and, otherwise, through sudo (for apt only; npm never runs as another user).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config ccache git
  libssl-dev                # crypto: OpenSSL 3
  libcurl4-openssl-dev      # SDK HTTP client
  nlohmann-json3-dev        # JSON
  libboost1.81-dev          # emulator HTTP server (Boost.Beast/Asio, header-only)
  libcpp-httplib-dev        # tests' HTTP client and server; examples/passkey_web; the previous emulator in bench/
  libsqlite3-dev            # emulator store
  libargon2-dev             # emulator: Argon2id for passwords and recovery codes
  libcli11-dev              # CLI parsing
  libcbor-dev               # CBOR for WebAuthn (src/webauthn)
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # benchmarks
  clang libclang-rt-14-dev  # libFuzzer targets and sanitizers runtime
  curl                      # scripts talk to the emulator
  python3                   # test helpers
  wrk                       # emulator load benchmark
  dpkg-dev file             # Debian packages: dpkg-shlibdeps computes dependencies, CPack reads ELF types with file
  lintian man-db            # the packaging test: lintian checks the packages, man -l renders the man pages
  doxygen                   # the API reference (scripts/docs.sh), built by scripts/test.sh
  chromium                  # browser tests and the passkey web example's test (never a downloaded browser)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The Node interop test (published @loginid/node-sdk against the emulator) needs node and npm; the
# async benchmark's Node baseline (bench/async/node_wait.js) needs node 18 or later (fetch), no package.
# Checked by command, not by package: a node from elsewhere (e.g. NodeSource, which bundles npm and
# conflicts with Debian's npm package) serves as well.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi

  echo "install-deps: ${#missing[@]} Debian package(s) to install: ${missing[*]}" >&2
  echo "install-deps: apt-get update (reading the package lists)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  echo "install-deps: apt-get install (a few minutes on a fresh machine; one line per package set up)..." >&2
  # apt's own "Setting up <package> ..." lines are the progress; the rest of its output is noise.
  # With pipefail, a failing apt-get still fails the script.
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" |
    { grep --line-buffered '^Setting up ' | sed -u 's/^Setting up /install-deps:   set up /' >&2 || true; }
  echo "install-deps: Debian packages installed" >&2
fi

# npm packages exactly as each package-lock.json pins them (versions and integrity hashes); install
# scripts never run (esbuild's native binary comes from its pinned @esbuild/<platform> optional
# package, which needs no script). Only when node_modules is absent or older than the lock file.
npm_ci() {  # npm_ci <folder relative to the repository>
  local dir="$root/$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in $1 (its pinned npm packages)" >&2
    if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null); then
      # Without them the tests that need them skip, except in CI (CI=true), where they must run.
      echo "install-deps: npm ci failed in $1" >&2
      [ "${CI:-}" = "true" ] && exit 1
    fi
  fi
  return 0
}
npm_ci tests/interop/node  # @loginid/node-sdk (interop test)
npm_ci tests/browser       # @loginid/sdk, tslib, esbuild, playwright-core (browser tests)
npm_ci examples/passkey_web  # @loginid/sdk, tslib, esbuild (the passkey web example's page)
exit 0
