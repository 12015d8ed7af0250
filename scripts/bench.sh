#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs each area's bench/<area>/run.sh, which prints one line per
# pair: "<what>: ours X/s, baseline Y/s, ratio R (goal G)" (async: threads and bytes per call of
# 10,000 concurrent wait_code calls beside Node's, N=... for fewer). Absolute numbers mean little on a
# noisy machine; the ratio, measured in the same run, is the figure. Areas: jose sdk emulator async
# (all by default). Usage: scripts/bench.sh [area...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLOGINID_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
areas=("$@")
[ ${#areas[@]} -gt 0 ] || areas=(jose sdk emulator async)
for area in "${areas[@]}"; do
  if [ -x "bench/$area/run.sh" ]; then
    echo "== $area"
    BUILD_DIR="$PWD/build-bench" "bench/$area/run.sh"
  fi
done
