#!/usr/bin/env bash
# Installs the npm test tools pinned in tests/backend/fhir_schema/package-lock.json (the FHIR R4
# schema and its validator, used by the fhir_schema test) into DEST (a folder of the build tree).
# Cached: when DEST already holds exactly that lock file's packages nothing is downloaded; npm's
# own cache (~/.npm) also serves a re-install after the build folder was wiped.
# Needs node and npm (scripts/packages.txt: nodejs, npm) and the npm registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tests/backend/fhir_schema"
dest="${1:?usage: npm-test-tools.sh DEST}"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "npm-test-tools: '$tool' not found: run scripts/install-deps.sh (Debian packages nodejs, npm)" >&2
    exit 1
  fi
done
want="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
stamp="$dest/.installed"
mkdir -p "$dest"
# A lock so that two ctest runs sharing one build folder do not install at the same time.
exec 9>"$dest/.lock"
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dest/node_modules" ]; then
  echo "npm-test-tools: $dest is up to date (nothing downloaded)"
  exit 0
fi
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
echo "$want" >"$stamp"
echo "npm-test-tools: installed $(node -e 'const l=require("./package-lock.json");console.log(Object.entries(l.packages).filter(([k])=>k.split("node_modules/").length===2).map(([k,v])=>k.replace("node_modules/","")+"@"+v.version).join(", "))') into $dest"
