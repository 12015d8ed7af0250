#!/usr/bin/env bash
# Installs the Debian 12 packages that loginid-cpp builds, tests and benchmarks with (DESIGN.md,
# "Dependencies"). Idempotent: when every package is present it prints nothing and touches nothing;
# `apt-get update` runs only when something is missing. Works as root and, otherwise, through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  libssl-dev                # crypto: OpenSSL 3
  libcurl4-openssl-dev      # SDK HTTP client
  nlohmann-json3-dev        # JSON
  libcpp-httplib-dev        # emulator HTTP server
  libsqlite3-dev            # emulator store
  libcli11-dev              # CLI parsing
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # benchmarks
  clang libclang-rt-14-dev  # libFuzzer targets and sanitizers runtime
  curl                      # scripts talk to the emulator
  python3                   # test helpers
  wrk                       # emulator load benchmark
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
