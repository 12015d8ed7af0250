#!/usr/bin/env bash
# check_exports.sh LIBLOGINID.so: the shared library exports the public API and nothing else
# (src/sdk/libloginid.map). Every defined dynamic symbol must be a name of the ABI namespace
# loginid::v<N> (N from the SONAME libloginid.so.<N>), or its vtable, typeinfo, thunk or
# inline-variable guard; nothing of loginid::detail, nlohmann, the standard library's instantiations
# or the SDK's internals. And the API is there: LoginID's members.
set -euo pipefail
lib=$1
[ -f "$lib" ] || { echo "check_exports: $lib not found"; exit 1; }
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
abi=${soname#libloginid.so.}
[[ "$abi" =~ ^[0-9]+$ ]] || { echo "check_exports: SONAME '$soname' is not libloginid.so.<N>"; exit 1; }
symbols=$(nm -DC --defined-only "$lib" | sed -E 's/^[0-9a-f]+ [A-Za-z] //')
[ -n "$symbols" ] || { echo "check_exports: $lib exports nothing"; exit 1; }
names=$(sed -E 's/^(vtable for|VTT for|typeinfo for|typeinfo name for|guard variable for|non-virtual thunk to|virtual thunk to) //' <<<"$symbols")
stray=$(grep -vE "^loginid::v$abi::" <<<"$names" || true)
internal=$(grep -E '^loginid::([a-z0-9_]+::)?detail::' <<<"$names" || true)
if [ -n "$stray$internal" ]; then
  echo "check_exports: $lib exports more than the public API:"
  printf '%s\n' "$stray" "$internal" | grep -v '^$' | head -20
  exit 1
fi
grep -qE "^loginid::v$abi::LoginID::" <<<"$names" || { echo "check_exports: no loginid::v$abi::LoginID member is exported"; exit 1; }
echo "check_exports: $(wc -l <<<"$symbols") symbols, all of them public API in loginid::v$abi"
