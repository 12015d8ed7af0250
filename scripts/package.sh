#!/usr/bin/env bash
# Builds the Debian packages: libloginid<N> (the shared library), libloginid-dev (headers, CMake
# package, loginid.pc), loginid-tools (loginid, loginid-emulator, man pages, completions, systemd
# unit) and, when Doxygen is installed, libloginid-doc (the HTML API reference, scripts/docs.sh), with
# CPack (cmake/LoginidPackaging.cmake), then checks them with lintian when it is installed.
#
#   scripts/package.sh              configures build-package (Release; no tests, benchmarks or
#                                   examples), builds it and packages it
#   scripts/package.sh BUILD_DIR    packages an existing build tree (the test suite passes its own, so
#                                   nothing is compiled twice), building only what is missing
#
# Prints the paths of the .deb files; install them with `sudo apt install ./<path>.deb ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

if [ $# -ge 1 ]; then
  build=$(cd "$1" && pwd)
  [ -f "$build/CPackConfig.cmake" ] || { echo "package.sh: $build is not a configured build tree" >&2; exit 2; }
else
  build=$PWD/build-package
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLOGINID_BUILD_TESTS=OFF -DLOGINID_BUILD_BENCH=OFF \
    -DLOGINID_BUILD_EXAMPLES=OFF >/dev/null
fi
# cpack would build the whole tree first, on one core: build it here with every core instead.
cmake --build "$build" -j"$jobs" >/dev/null
# The reference is no part of `all`: build it when the tree packages it (component doc).
if grep -E '^set\(CPACK_COMPONENTS_ALL "[^"]*\bdoc\b' "$build/CPackConfig.cmake" >/dev/null; then
  cmake --build "$build" --target docs >/dev/null
fi

out=$build/packages
rm -f "$out"/*.deb
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
debs=("$out"/*.deb)
[ -e "${debs[0]}" ] || { echo "package.sh: cpack made no package" >&2; exit 1; }

# lintian: errors and warnings fail; the ones this packaging keeps on purpose are overridden, with
# the reason, in each package's /usr/share/lintian/overrides file (packaging/CMakeLists.txt).
if command -v lintian >/dev/null 2>&1; then
  lintian --fail-on error,warning "${debs[@]}" >&2
else
  echo "package.sh: lintian is not installed (scripts/install-deps.sh installs it); packages not checked" >&2
fi
printf '%s\n' "${debs[@]}"
