#!/usr/bin/env bash
# check_deb.sh SOURCE_DIR BUILD_DIR CONSUMER_SRC CXX: the Debian packages, installed for real.
# Builds them from BUILD_DIR (scripts/package.sh: no recompilation; lintian must be clean), installs
# them with dpkg -i, builds the consumer against the installed libloginid-dev with find_package and
# with pkg-config, runs it and /usr/bin/loginid against /usr/bin/loginid-emulator, checks versions,
# man pages, completions, the (not enabled) systemd unit and the HTML reference (libloginid-doc, when
# the tree has Doxygen), then removes and purges the packages and
# checks that nothing of them is left. Needs root (or passwordless sudo); without, it says so and
# skips (exit 77), except in CI (CI=true), where it fails.
set -euo pipefail  # (pipes into grep use >/dev/null, not -q: grep -q would SIGPIPE the writer)
src=$1 build=$2 consumer=$3 cxx=$4

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  elif [ "${CI:-}" = "true" ]; then
    echo "check_deb: FAILED: installing packages needs root or passwordless sudo, and CI must run this test" >&2
    exit 1
  else
    echo "check_deb: SKIPPED: installing packages needs root or passwordless sudo"
    exit 77
  fi
fi
for tool in dpkg-deb cpack pkg-config python3 man lintian; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check_deb: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

fail() { echo "check_deb: FAILED: $*" >&2; exit 1; }
step() { echo "-- $*"; }

# One install test at a time on this machine: they would install and purge the same packages.
exec 9>/tmp/loginid-packaging-deb.lock
flock -w 1800 9 || fail "another packaging test held /tmp/loginid-packaging-deb.lock for 30 minutes"

work=$(mktemp -d)
emulator_pid=""
installed=()
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [ ${#installed[@]} -gt 0 ]; then "${as_root[@]}" dpkg --purge "${installed[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Everything named loginid under the system's directories, to compare after the purge.
loginid_paths() {
  find /usr /etc /var/lib /opt -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \) -prune -o \
    -iname '*loginid*' -print 2>/dev/null | sort
}

step "building the packages (scripts/package.sh $build)"
mapfile -t debs < <("$src/scripts/package.sh" "$build")
expected=3
with_reference=false  # libloginid-doc: made when the tree found Doxygen (cmake/LoginidDocs.cmake)
if grep -E '^set\(CPACK_COMPONENTS_ALL "[^"]*\bdoc\b' "$build/CPackConfig.cmake" >/dev/null; then
  expected=4 with_reference=true
fi
[ ${#debs[@]} -eq $expected ] || fail "expected $expected packages, got: ${debs[*]}"
packages=()
for deb in "${debs[@]}"; do packages+=("$(dpkg-deb -f "$deb" Package)"); done
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" == ?[^n]* ]]; then
    fail "$p is already installed (or not purged); remove it first: dpkg --purge $p"
  fi
done
upstream=$(dpkg-deb -f "${debs[0]}" Version)
upstream=${upstream%-*}
lib_package=$(printf '%s\n' "${packages[@]}" | grep -E '^libloginid[0-9]+$') || fail "no libloginidN package"
lib_listing=$(dpkg-deb -c "$(printf '%s\n' "${debs[@]}" | grep "/${lib_package}_")")
grep -q "/libloginid\.so\.${lib_package#libloginid} -> " <<<"$lib_listing" ||
  fail "$lib_package does not ship libloginid.so.${lib_package#libloginid} (package name and SONAME disagree)"
before=$(loginid_paths)

step "dpkg -i ${packages[*]}"
installed=("${packages[@]}")
"${as_root[@]}" dpkg -i "${debs[@]}" >/dev/null
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
# (/lib is /usr/lib on a merged-/usr system, and ldconfig may name either)
ldconfig -p | grep -E "libloginid\.so\.${lib_package#libloginid} .* => (/usr)?/lib/$triplet/" >/dev/null ||
  fail "the ldconfig trigger did not register libloginid"

step "the installed library exports the public API only (nm -D)"
"$(dirname "$0")/check_exports.sh" "$(readlink -f "/usr/lib/$triplet/libloginid.so.${lib_package#libloginid}")"

step "one version everywhere ($upstream)"
[ "$(/usr/bin/loginid --version)" = "loginid $upstream" ] || fail "loginid --version: $(/usr/bin/loginid --version)"
[ "$(/usr/bin/loginid-emulator --version)" = "loginid-emulator $upstream" ] ||
  fail "loginid-emulator --version: $(/usr/bin/loginid-emulator --version)"
[ "$(pkg-config --modversion loginid)" = "$upstream" ] || fail "loginid.pc version: $(pkg-config --modversion loginid)"

step "man pages render without warnings; completions load; the systemd unit is installed, not enabled"
for page in loginid loginid-emulator; do
  file=/usr/share/man/man1/$page.1.gz
  [ -f "$file" ] || fail "$file missing"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man -l $file: $warnings"
  bash -c "source /usr/share/bash-completion/completions/$page && complete -p $page" >/dev/null ||
    fail "bash completion for $page does not load"
  [ -f "/usr/share/zsh/vendor-completions/_$page" ] || fail "zsh completion for $page missing"
done
unit=/usr/lib/systemd/system/loginid-emulator.service
[ -f "$unit" ] || fail "$unit missing"
if compgen -G "/etc/systemd/system/*.wants/loginid-emulator.service" >/dev/null; then
  fail "the package enabled loginid-emulator.service"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
fi

if $with_reference; then
  step "the API reference in /usr/share/doc/libloginid-doc/html: every link works; doc-base knows it"
  python3 "$src/tests/docs/check_reference_links.py" /usr/share/doc/libloginid-doc/html ||
    fail "the installed API reference has broken links"
  grep -l 'classloginid_1_1LoginID.html' /usr/share/doc/libloginid-doc/html/index.html >/dev/null ||
    fail "the installed reference's main page does not link loginid::LoginID"
  [ -f /usr/share/doc-base/libloginid-doc ] || fail "the reference is not registered with doc-base"
fi

step "consumer built against the installed libloginid-dev with find_package(loginid)"
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
grep -q "^loginid_DIR:PATH=/usr/lib/$triplet/cmake/loginid$" "$work/cmake-build/CMakeCache.txt" ||
  fail "find_package found another loginid: $(grep '^loginid_DIR' "$work/cmake-build/CMakeCache.txt")"
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"
ldd "$work/cmake-build/consumer" | grep -E "libloginid\.so.* => (/usr)?/lib/$triplet/libloginid\.so" >/dev/null ||
  fail "the consumer does not load the installed libloginid: $(ldd "$work/cmake-build/consumer" | grep loginid)"
[ "$("$work/cmake-build/consumer" --version)" = "$upstream" ] ||
  fail "loginid::version() of the installed library: $("$work/cmake-build/consumer" --version)"
"$work/cmake-build/testing_consumer" || fail "a test against the installed fake service (loginid::testing) failed"

step "consumer built with pkg-config"
[ "$(env -u PKG_CONFIG_PATH pkg-config --variable=pcfiledir loginid)" = "/usr/lib/$triplet/pkgconfig" ] ||
  fail "pkg-config found another loginid.pc"
flags=$(env -u PKG_CONFIG_PATH pkg-config --cflags --libs loginid)
# shellcheck disable=SC2086
"$cxx" -Wall -Wextra -Wpedantic -Werror -o "$work/pc-consumer" "$consumer/consumer.cpp" $flags
"$work/pc-consumer"
flags=$(env -u PKG_CONFIG_PATH pkg-config --cflags --libs loginid-testing)
# shellcheck disable=SC2086
"$cxx" -Wall -Wextra -Wpedantic -Werror -o "$work/pc-testing-consumer" "$consumer/testing_consumer.cpp" $flags
"$work/pc-testing-consumer"

step "the consumer and /usr/bin/loginid against /usr/bin/loginid-emulator"
/usr/bin/loginid-emulator --port 0 --db "$work/emulator.db" --credentials-out "$work/credentials.json" \
  >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 600); do  # a hang guard only: it is normally up within a second
  grep -q '^listening on ' "$work/emulator.out" && break
  kill -0 "$emulator_pid" 2>/dev/null || fail "loginid-emulator exited: $(cat "$work/emulator.err")"
  sleep 0.1
done
grep -q '^listening on ' "$work/emulator.out" || fail "loginid-emulator did not start: $(cat "$work/emulator.err")"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
creds = json.load(open(f"{work}/credentials.json"))
open(f"{work}/base_url", "w").write(creds["base_url"])
open(f"{work}/client_id", "w").write(creds["management"]["client_id"])
open(f"{work}/key.pem", "w").write(creds["management"]["private_key"])
PY
base_url=$(cat "$work/base_url") client_id=$(cat "$work/client_id")
id_cmake=$("$work/cmake-build/consumer" "$base_url" "$client_id" "$work/key.pem" deb-cmake@example.com)
id_pc=$("$work/pc-consumer" "$base_url" "$client_id" "$work/key.pem" deb-pkgconfig@example.com)
[ -n "$id_cmake" ] && [ -n "$id_pc" ] && [ "$id_cmake" != "$id_pc" ] || fail "the consumers did not create two users"
cli=(/usr/bin/loginid --emulator --emulator-credentials "$work/credentials.json")
"${cli[@]}" users get --username deb-cmake@example.com | grep "\"$id_cmake\"" >/dev/null ||
  fail "loginid users get does not find the user the consumer created"
"${cli[@]}" users create --username deb-cli@example.com >/dev/null
[ -n "$("${cli[@]}" users id deb-cli@example.com)" ] || fail "loginid users id printed nothing"
kill "$emulator_pid"
wait "$emulator_pid" || fail "loginid-emulator did not stop cleanly on SIGTERM"
emulator_pid=""

step "dpkg -r, then dpkg --purge: nothing left behind"
"${as_root[@]}" dpkg -r "${packages[@]}" >/dev/null
remaining=()  # removed packages with nothing to purge are gone already
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [ -z "$status" ] || [[ "$status" == un* ]] || remaining+=("$p")
done
[ ${#remaining[@]} -eq 0 ] || "${as_root[@]}" dpkg --purge "${remaining[@]}" >/dev/null
installed=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [ -z "$status" ] || [[ "$status" == un* ]] || fail "$p is still known to dpkg: '$status'"
done
for deb in "${debs[@]}"; do
  while read -r path; do
    path=${path#.}
    [ -z "$path" ] || [ -d "$path" ] || [ ! -e "$path" ] || fail "$path is still there"
  done < <(dpkg-deb -c "$deb" | awk '{print $6}')
done
after=$(loginid_paths)
[ "$before" = "$after" ] || fail "left behind: $(diff <(echo "$before") <(echo "$after") | grep '^>')"
ldconfig -p | grep "libloginid.so" >/dev/null && fail "libloginid is still in the ldconfig cache"
echo "packaging (deb) ok"
