#!/usr/bin/env bash
# Rebuilds the runtime bytecode of the dev genesis' Solidity contracts with the solc pinned in
# tests/e2e/tools (installed into a cache outside the checkout). The e2e suite checks that the
# committed bytecode is what this produces.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$("$here/../../../tests/e2e/tools/install.sh")"
node "$bin/../../compile-solidity.mjs" "$here/Multicall3.sol" Multicall3 >"$here/Multicall3.runtime.hex"
echo "wrote $here/Multicall3.runtime.hex"
