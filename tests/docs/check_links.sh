#!/usr/bin/env bash
# Every relative link of the guides a user reads (README.md, docs/*.md, examples/*/README.md) names a
# file or folder that exists inside the repository: a user has the repository, nothing beside it
# (the README once linked ../shared/API.md, outside it). External (scheme:) and in-page (#) links
# are not checked.
#   check_links.sh <repository>
set -euo pipefail
root=$(cd "${1:?usage: check_links.sh <repository>}" && pwd -P)
broken=0
pages=0
for page in "$root/README.md" "$root"/docs/*.md "$root"/examples/*/README.md; do
  [[ -f $page ]] || continue
  pages=$((pages + 1))
  dir=$(dirname "$page")
  # "](target)" or "](target#anchor)": the target up to ')' or '#'.
  while IFS= read -r target; do
    [[ -z $target || $target =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]] && continue
    resolved=$(realpath -m "$dir/$target")
    if [[ ! -e $resolved || ( $resolved != "$root" && $resolved != "$root"/* ) ]]; then
      echo "docs_links: ${page#"$root"/}: $target is not a file of the repository" >&2
      broken=1
    fi
  done < <(grep -o '](\([^)#]*\)' "$page" | sed 's/^](//')
done
[[ $broken -eq 0 ]] || exit 1
echo "docs_links: the links of $pages pages stay inside the repository"
