#!/usr/bin/env bash
# Installs the clients the client suite drives (npm packages pinned by package-lock.json,
# web3.py and its dependencies pinned by requirements.txt, in a virtualenv) into a cache outside
# the checkout, once per pin set, with the scripts and the hardhat and forge projects beside them;
# prints that directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash=$(cat "$here/package-lock.json" "$here/requirements.txt" | sha256sum | cut -c1-16)
dir="${BERAPOOL_CLIENTS_DIR:-$HOME/.cache/berapool-clients}/$hash"
if [ ! -f "$dir/.installed" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  # web3.py alone needs Python packages: where they cannot be installed (no venv module, no
  # registry), the suite skips web3.py with the reason written here, and runs the rest.
  if ! { python3 -m venv "$dir/venv" >&2 \
    && "$dir/venv/bin/pip" install --quiet --disable-pip-version-check \
      -r "$here/requirements.txt" >&2; }; then
    echo "web3.py: python3 -m venv or pip install -r requirements.txt failed" >"$dir/python-unavailable"
  fi
  touch "$dir/.installed"
fi
cp "$here"/*.mjs "$here"/*.py "$dir/"
rm -rf "$dir/hardhat-project"
mkdir -p "$dir/hardhat-project"
cp -r "$here/hardhat/." "$dir/hardhat-project/"
# The project resolves hardhat and its plugins from the installed packages.
ln -sfn "$dir/node_modules" "$dir/hardhat-project/node_modules"
rm -rf "$dir/forge-project"
mkdir -p "$dir/forge-project"
cp -r "$here/forge/." "$dir/forge-project/"
rm -rf "$dir/forge-project/out" "$dir/forge-project/cache"
echo "$dir"
