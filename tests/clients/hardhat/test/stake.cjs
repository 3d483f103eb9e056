// Network helpers against the devnet: loadFixture (evm_snapshot/evm_revert), setBalance and
// impersonateAccount, the node's signers, and a stake whose shares are read back.
const assert = require('node:assert');
const { ethers } = require('hardhat');
const { impersonateAccount, loadFixture, mine, setBalance } = require('@nomicfoundation/hardhat-network-helpers');

const abi = [
  'function submit(address receiver) payable returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
];
const whale = '0x000000000000000000000000000000000000b0a7';

async function funded() {
  await setBalance(whale, ethers.parseEther('500'));
  await impersonateAccount(whale);
  return { signer: await ethers.getSigner(whale), pool: new ethers.Contract(process.env.POOL, abi) };
}

describe('hardhat network helpers on the berapool devnet', function () {
  it('lists the node signers', async function () {
    const signers = await ethers.getSigners();
    assert.strictEqual(signers.length, 10);
  });

  it('stakes from an impersonated account in a fixture', async function () {
    const { signer, pool } = await loadFixture(funded);
    const tx = await pool.connect(signer).submit(whale, { value: ethers.parseEther('40') });
    const receipt = await tx.wait();
    assert.strictEqual(receipt.status, 1);
    const shares = await pool.connect(signer).balanceOf(whale);
    assert.ok(shares > 0n);
    console.log(`SHARES ${shares}`);
  });

  it('reverts to the fixture: the stake is gone', async function () {
    const { signer, pool } = await loadFixture(funded);
    assert.strictEqual(await pool.connect(signer).balanceOf(whale), 0n);
    const before = await ethers.provider.getBlockNumber();
    await mine(3);
    // At least three: the devnet's own blocks (slots, the oracle feeder) come too.
    assert.ok((await ethers.provider.getBlockNumber()) >= before + 3);
  });
});
