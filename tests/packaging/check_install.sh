#!/usr/bin/env bash
# check_install.sh BUILD_DIR CONSUMER_SRC CXX: install BUILD_DIR into a temp prefix, then build and run
# the consumer with CMake and with pkg-config. Fails loudly on any step.
set -euo pipefail
build_dir=$1 consumer=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libloginid.*' | head -n1)")
[ -f "$prefix/include/loginid/loginid.hpp" ] || { echo "headers not installed"; exit 1; }

echo "-- consumer with find_package(loginid CONFIG)"
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer"

echo "-- consumer with pkg-config"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs loginid)
# shellcheck disable=SC2086
"$cxx" -Wall -Wextra -Wpedantic -Werror -o "$work/pc-consumer" "$consumer/consumer.cpp" $flags
LD_LIBRARY_PATH="$libdir" "$work/pc-consumer"
echo "packaging ok"
