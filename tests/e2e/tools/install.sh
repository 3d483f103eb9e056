#!/usr/bin/env bash
# Installs the tools the docs-as-tests run (pinned by package-lock.json: foundry's cast) into a
# cache outside the checkout, once per lockfile, and prints the directory of their executables.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
dir="${BERAPOOL_TOOLS_DIR:-$HOME/.cache/berapool-tools}/$hash"
if [ ! -x "$dir/node_modules/.bin/cast" ]; then
  mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$dir/node_modules/.bin"
