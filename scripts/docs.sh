#!/usr/bin/env bash
# Builds the API reference: Doxygen over include/loginid/ with the guides in docs/ linked from its main
# page (docs/reference.md); any Doxygen warning (an undocumented public name) or a link of the HTML
# that leads nowhere fails it (cmake/LoginidDocs.cmake, target `docs`). Prints the path of index.html.
#
#   scripts/docs.sh              configures build-docs (no tests, benchmarks or examples) and builds it
#   scripts/docs.sh BUILD_DIR    uses an existing build tree (scripts/test.sh passes its own)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v doxygen >/dev/null 2>&1 || { echo "docs.sh: doxygen is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
build=${1:-build-docs}
if [ ! -f "$build/CMakeCache.txt" ]; then
  [ $# -eq 0 ] || { echo "docs.sh: $build is not a configured build tree" >&2; exit 2; }
  cmake -S . -B "$build" -DLOGINID_BUILD_TESTS=OFF -DLOGINID_BUILD_BENCH=OFF -DLOGINID_BUILD_EXAMPLES=OFF >/dev/null
fi
# A tree configured before doxygen was installed has no `docs` target: configuring again finds it.
grep -q '^DOXYGEN_EXECUTABLE:FILEPATH=/' "$build/CMakeCache.txt" || cmake "$build" -U 'DOXYGEN_*' >/dev/null
cmake --build "$build" --target docs
echo "$(cd "$build" && pwd)/docs/html/index.html"
