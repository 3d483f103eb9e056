// A hardhat project pointed at the devnet (BERAPOOL_RPC_URL); its test uses hardhat's network
// helpers, which work against any node that serves anvil's dev methods.
require('@nomicfoundation/hardhat-ethers');

module.exports = {
  solidity: '0.8.28',
  defaultNetwork: 'berapool',
  networks: {
    berapool: { url: process.env.RPC_URL ?? 'http://127.0.0.1:8545', timeout: 60_000 },
  },
  mocha: { timeout: 120_000 },
};
