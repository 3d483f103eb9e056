// ethers v6 against the devnet: a signer the node holds the key of (getSigner over
// eth_accounts/eth_sendTransaction), `contract.on` (polling filters), a stake in the pool and
// its shares read back. Prints a JSON summary.
import { Contract, JsonRpcProvider, parseEther } from 'ethers';

const { RPC_URL, POOL } = process.env;
const provider = new JsonRpcProvider(RPC_URL, undefined, { pollingInterval: 200 });
const accounts = await provider.send('eth_accounts', []);
const signer = await provider.getSigner(accounts[1]);
const me = await signer.getAddress();
const abi = [
  'function submit(address receiver) payable returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
  'event DepositSubmitted(address indexed receiver, uint256 userDepositAmount, uint256 shares, uint256 rewardsCollected, uint256 bufferedAssets, uint256 totalDeposits)',
];
const pool = new Contract(POOL, abi, signer);
const event = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('contract.on: no DepositSubmitted in 30 s')), 30_000);
  pool.on('DepositSubmitted', (receiver, amount, shares) => {
    clearTimeout(timer);
    resolve({ receiver, amount: amount.toString(), shares: shares.toString() });
  });
});
// Let the filter install before the deposit.
await new Promise((r) => setTimeout(r, 500));
const tx = await pool.submit(me, { value: parseEther('25') });
const receipt = await tx.wait();
const seen = await event;
await pool.removeAllListeners();
const shares = await pool.balanceOf(me);
console.log(JSON.stringify({ account: me, status: receipt.status, event: seen, shares: shares.toString() }));
provider.destroy();
