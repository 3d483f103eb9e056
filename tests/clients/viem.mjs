// viem against the devnet: public, wallet and test-client actions (mode 'anvil'), multicall and
// watchContractEvent, a stake from an impersonated account and its shares read back. Prints a
// JSON summary.
import { createPublicClient, createTestClient, createWalletClient, defineChain, http, parseAbi, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const { RPC_URL, POOL, KEY } = process.env;
const chain = defineChain({
  id: 80087,
  name: 'berapool devnet',
  nativeCurrency: { name: 'BERA', symbol: 'BERA', decimals: 18 },
  rpcUrls: { default: { http: [RPC_URL] } },
  contracts: { multicall3: { address: '0xcA11bde05977b3631167028862bE2a173976CA11' } },
});
const transport = http(RPC_URL);
const client = createPublicClient({ chain, transport, pollingInterval: 200 });
const testClient = createTestClient({ chain, mode: 'anvil', transport });
const abi = parseAbi([
  'function submit(address receiver) payable returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'event SharesMinted(address indexed to, uint256 amount)',
]);

// Wallet client with a local key.
const account = privateKeyToAccount(KEY);
const wallet = createWalletClient({ account, chain, transport });
const minted = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('watchContractEvent: nothing in 30 s')), 30_000);
  const unwatch = client.watchContractEvent({
    address: POOL,
    abi,
    eventName: 'SharesMinted',
    onLogs: (logs) => {
      clearTimeout(timer);
      unwatch();
      resolve(logs.map((l) => ({ to: l.args.to, amount: l.args.amount.toString() })));
    },
  });
});
await new Promise((r) => setTimeout(r, 500));
const hash = await wallet.writeContract({ address: POOL, abi, functionName: 'submit', args: [account.address], value: parseEther('20') });
const receipt = await client.waitForTransactionReceipt({ hash });
const events = await minted;

// Test client: a fresh account funded and impersonated stakes too.
const whale = '0x000000000000000000000000000000000000a11e';
await testClient.setBalance({ address: whale, value: parseEther('1000') });
await testClient.impersonateAccount({ address: whale });
const impersonated = createWalletClient({ account: whale, chain, transport });
const whaleHash = await impersonated.writeContract({ address: POOL, abi, functionName: 'submit', args: [whale], value: parseEther('15') });
const whaleReceipt = await client.waitForTransactionReceipt({ hash: whaleHash });
await testClient.stopImpersonatingAccount({ address: whale });
const before = await client.getBlockNumber({ cacheTime: 0 });
await testClient.mine({ blocks: 2 });
const after = await client.getBlockNumber({ cacheTime: 0 });

const [mine, theirs, supply] = await client.multicall({
  contracts: [
    { address: POOL, abi, functionName: 'balanceOf', args: [account.address] },
    { address: POOL, abi, functionName: 'balanceOf', args: [whale] },
    { address: POOL, abi, functionName: 'totalSupply' },
  ],
  allowFailure: false,
});
console.log(JSON.stringify({
  account: account.address,
  status: receipt.status,
  whaleStatus: whaleReceipt.status,
  events,
  mined: Number(after - before),
  shares: mine.toString(),
  whaleShares: theirs.toString(),
  totalSupply: supply.toString(),
}));
