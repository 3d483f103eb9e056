#!/usr/bin/env bash
# Installs the clients the e2e tests drive (pinned by package-lock.json: foundry's cast, viem,
# solc, OpenZeppelin's contracts)
# into a cache outside the checkout, once per lockfile, with the scripts that use them, and
# prints the directory of the executables (the scripts sit two levels up, by node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
dir="${BERAPOOL_TOOLS_DIR:-$HOME/.cache/berapool-tools}/$hash"
if [ ! -x "$dir/node_modules/.bin/cast" ] || [ ! -d "$dir/node_modules/viem" ] \
  || [ ! -d "$dir/node_modules/solc" ] || [ ! -d "$dir/node_modules/@openzeppelin/contracts" ]; then
  mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
cp "$here"/*.mjs "$dir/"
echo "$dir/node_modules/.bin"
