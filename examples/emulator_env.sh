#!/usr/bin/env bash
# The environment that points a program (your backend, examples/readme.cpp, the `loginid` CLI) at
# a running loginid-emulator, from the credentials file it writes:
#   LOGINID_EMULATOR_HOST (host:port; https://host:port when it serves TLS, with LOGINID_EMULATOR_CA,
#   the CA file its credentials name), LOGINID_CLIENT_ID and LOGINID_PRIVATE_KEY (the PEM itself).
#
#   eval "$(examples/emulator_env.sh)"                       # exports for this shell (management application)
#   examples/emulator_env.sh FILE [--app web] PROGRAM ARGS... # runs PROGRAM with them
#
# FILE defaults to ./loginid-emulator.credentials.json (what `loginid-emulator` writes in this
# folder); --app picks the application (management by default). Needs python3.
set -euo pipefail

file=./loginid-emulator.credentials.json
app=management
if [[ $# -gt 0 && $1 != --app ]]; then file=$1; shift; fi
if [[ $# -gt 0 && $1 == --app ]]; then app=${2:?--app needs management or web}; shift 2; fi
if [[ ! -r $file ]]; then
  echo "emulator_env.sh: no emulator credentials file $file (start loginid-emulator in this folder, or name the file)" >&2
  exit 2
fi

exports=$(python3 - "$file" "$app" <<'PY'
import json, shlex, sys
from urllib.parse import urlsplit
path, app = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = json.load(f)
if app not in ("management", "web") or app not in doc:
    sys.exit(f"emulator_env.sh: {path} has no {app!r} application (want management or web)")
url = urlsplit(doc["base_url"])
# LOGINID_EMULATOR_HOST is host:port for http; an emulator serving TLS needs the scheme and its CA.
host = url.netloc if url.scheme == "http" else f"{url.scheme}://{url.netloc}"
variables = [("LOGINID_EMULATOR_HOST", host), ("LOGINID_CLIENT_ID", doc[app]["client_id"]),
             ("LOGINID_PRIVATE_KEY", doc[app]["private_key"])]
if doc.get("ca_bundle"):
    variables.append(("LOGINID_EMULATOR_CA", doc["ca_bundle"]))
for name, value in variables:
    print(f"export {name}={shlex.quote(value)}")
PY
)

if [[ $# -eq 0 ]]; then
  printf '%s\n' "$exports"
else
  eval "$exports"
  exec "$@"
fi
