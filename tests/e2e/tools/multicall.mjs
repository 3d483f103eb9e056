// viem's multicall through the chain's Multicall3: prints each result of a batch (chain id, a
// balance, a call that reverts) as JSON, bigints as decimal strings.
import { createPublicClient, defineChain, http, parseAbi } from 'viem';

const [url, holder, reverting] = process.argv.slice(2);
const multicall3 = '0xcA11bde05977b3631167028862bE2a173976CA11';
const chain = defineChain({
  id: 80087,
  name: 'berapool devnet',
  nativeCurrency: { name: 'BERA', symbol: 'BERA', decimals: 18 },
  rpcUrls: { default: { http: [url] } },
  contracts: { multicall3: { address: multicall3 } },
});
const client = createPublicClient({ chain, transport: http(url) });
const abi = parseAbi([
  'function getChainId() view returns (uint256)',
  'function getEthBalance(address) view returns (uint256)',
  'function noSuchFunction() view returns (uint256)',
]);
const results = await client.multicall({
  contracts: [
    { address: multicall3, abi, functionName: 'getChainId' },
    { address: multicall3, abi, functionName: 'getEthBalance', args: [holder] },
    { address: reverting, abi, functionName: 'noSuchFunction' },
  ],
});
console.log(
  JSON.stringify(
    results.map((r) => ({ status: r.status, result: r.result?.toString() ?? null })),
  ),
);
