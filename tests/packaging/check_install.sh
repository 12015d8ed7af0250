#!/usr/bin/env bash
# check_install.sh BUILD_DIR CONSUMER_SRC CXX [TESTING_EXAMPLE_SRC]: install BUILD_DIR into a temp prefix,
# then build and run the consumer with CMake and with pkg-config, and the testing example (a user's
# unit test against the fake service, examples/testing) as a user who copied it builds it. Fails
# loudly on any step.
set -euo pipefail
build_dir=$1 consumer=$2 cxx=$3 testing_example=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libloginid.*' | head -n1)")
[ -f "$prefix/include/loginid/loginid.hpp" ] || { echo "headers not installed"; exit 1; }

echo "-- ABI: the SONAME and the versioned namespace follow LOGINID_ABI_VERSION (docs/sdk.md, Compatibility)"
abi=$(sed -n 's/^#define LOGINID_ABI_VERSION \([0-9][0-9]*\)$/\1/p' "$prefix/include/loginid/version.hpp")
[ -n "$abi" ] || { echo "LOGINID_ABI_VERSION missing from the installed version.hpp"; exit 1; }
shared=$(find "$prefix" -name 'libloginid.so.*.*' | head -n1)
if [ -n "$shared" ]; then
  soname=$(readelf -d "$shared" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "libloginid.so.$abi" ] || { echo "SONAME is '$soname', want libloginid.so.$abi"; exit 1; }
  # Every exported name of the SDK is in the versioned namespace (the internals are not exported).
  nm -DC --defined-only "$shared" >"$work/symbols"
  stray=$(grep -oE 'loginid::[A-Za-z_0-9]+' "$work/symbols" | grep -vE "^loginid::v$abi$" | sort -u || true)
  [ -z "$stray" ] || { echo "symbols outside loginid::v$abi: $stray"; exit 1; }
  grep -q "loginid::v$abi::LoginID::" "$work/symbols" || { echo "no loginid::v$abi::LoginID symbols"; exit 1; }
fi

echo "-- consumer with find_package(loginid CONFIG)"
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer"
echo "-- loginid::version() of the installed library is the project's release"
release=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
[ -n "$release" ] || { echo "no CMAKE_PROJECT_VERSION in $build_dir/CMakeCache.txt"; exit 1; }
[ "$(LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer" --version)" = "$release" ] ||
  { echo "loginid::version() is not the project's release ($release)"; exit 1; }

echo "-- a test against the installed fake service (loginid::testing)"
LD_LIBRARY_PATH="$libdir" "$work/cmake-build/testing_consumer"

echo "-- consumer with pkg-config"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs loginid)
# shellcheck disable=SC2086
"$cxx" -Wall -Wextra -Wpedantic -Werror -o "$work/pc-consumer" "$consumer/consumer.cpp" $flags
LD_LIBRARY_PATH="$libdir" "$work/pc-consumer"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs loginid-testing)
# shellcheck disable=SC2086
"$cxx" -Wall -Wextra -Wpedantic -Werror -o "$work/pc-testing-consumer" "$consumer/testing_consumer.cpp" $flags
LD_LIBRARY_PATH="$libdir" "$work/pc-testing-consumer"
if [ -n "$testing_example" ]; then
  echo "-- examples/testing copied out of the tree, against the installed SDK (find_package + GoogleTest)"
  cmake -S "$testing_example" -B "$work/example-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
  cmake --build "$work/example-build" >/dev/null
  LD_LIBRARY_PATH="$libdir" ctest --test-dir "$work/example-build" --output-on-failure >/dev/null
fi
echo "packaging ok"
