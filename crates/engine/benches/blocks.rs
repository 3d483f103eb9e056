//! Block execution and state-root time per block, for blocks of 100 and 1,000 transfers and of
//! 1,000 pool submits, on states of 10k and 100k accounts. Prints a table; asserts nothing.

#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use alloy_genesis::GenesisAccount;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use berapool_chainspec::{dev_accounts, ChainSpec};
use berapool_pool_precompiles::{
    abi::{IStakingPool, IStakingPoolContractsFactory as F},
    pool_state::{
        addresses::{pool_withdrawal_credentials, FACTORY},
        params::bera,
        PoolId,
    },
    ssz,
};
use berapool_primitives::ExecutedBlock;
use common::Chain;

const PUBKEY: [u8; 48] = [0x31; 48];

/// The dev chain with `extra` more funded accounts and room for 1,000 pool submits per block.
fn chain_with(extra: u64) -> Chain {
    let mut genesis = ChainSpec::dev().unwrap().genesis;
    genesis.gas_limit = 200_000_000;
    for i in 0..extra {
        let address = Address::from_slice(&keccak256(i.to_be_bytes())[12..]);
        genesis.alloc.insert(
            address,
            GenesisAccount {
                balance: bera(1),
                ..Default::default()
            },
        );
    }
    Chain::with_spec(ChainSpec::from_genesis(genesis).unwrap())
}

fn report(label: &str, accounts: u64, block: &ExecutedBlock) {
    assert!(
        block.receipts.iter().all(|r| r.status()),
        "{label}: a transaction failed"
    );
    println!(
        "{label:<24} {accounts:>8} {:>6} {:>12.2} {:>12.2}",
        block.transactions.len(),
        block.timings.execution.as_secs_f64() * 1e3,
        block.timings.state_root.as_secs_f64() * 1e3
    );
}

fn transfers(chain: &mut Chain, count: usize) -> ExecutedBlock {
    let keys = dev_accounts();
    let txs = (0..count)
        .map(|i| {
            let (_, key) = keys[i % keys.len()];
            chain.tx(
                key,
                Address::from_slice(&keccak256((i as u64 + 1_000_000).to_be_bytes())[12..]),
                U256::from(1),
                Vec::new(),
            )
        })
        .collect();
    let input = chain.input(txs, Vec::new());
    chain.execute(input)
}

/// Registers and activates a pool (a proof against the block's own beacon root).
fn active_pool(chain: &mut Chain) -> Address {
    let (admin, key) = dev_accounts()[0];
    let deploy = F::deployStakingPoolContractsCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0; 96]),
        validatorAdmin: admin,
        defaultSharesRecipient: admin,
    }
    .abi_encode();
    let tx = chain.tx(key, FACTORY, bera(10_000), deploy);
    let input = chain.input(vec![tx], Vec::new());
    chain.execute(input);

    let index = 1u64;
    let (pk_g, wc_g, bal_g) = (
        ssz::ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * index,
        ssz::ZERO_VALIDATOR_CREDENTIALS_GINDEX + 8 * index,
        ssz::ZERO_VALIDATOR_BALANCE_GINDEX + index / 4,
    );
    let mut leaf = [0u8; 32];
    leaf[8..16].copy_from_slice(&10_000_000_000_000u64.to_le_bytes());
    let leaf = B256::from(leaf);
    let tree = ssz::SparseMerkle::new(vec![
        (pk_g, ssz::pubkey_leaf(&PUBKEY)),
        (wc_g, pool_withdrawal_credentials()),
        (bal_g, leaf),
    ]);
    let mut input = chain.input(Vec::new(), Vec::new());
    input.parent_beacon_block_root = tree.root();
    let activate = F::activateStakingPoolCall {
        validatorData: F::ValidatorData {
            pubkey: Bytes::copy_from_slice(&PUBKEY),
            withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
            initialDepositAmount: 10_000_000_000_000,
            validatorIndex: index,
        },
        proofData: F::ProofData {
            pubkeyProof: tree.branch(pk_g),
            withdrawalCredentialsProof: tree.branch(wc_g),
            initialDepositProof: tree.branch(bal_g),
            initialDepositProofLeaf: leaf,
        },
        timestamp: input.timestamp,
    }
    .abi_encode();
    input.transactions = vec![chain.tx(key, FACTORY, U256::ZERO, activate)];
    let block = chain.execute(input);
    assert!(block.receipts[0].status(), "activation failed");
    PoolId::from_pubkey(&PUBKEY.into()).addresses().staking_pool
}

fn submits(chain: &mut Chain, pool: Address, count: usize) -> ExecutedBlock {
    let keys = dev_accounts();
    let txs = (0..count)
        .map(|i| {
            let (me, key) = keys[i % keys.len()];
            chain.tx(
                key,
                pool,
                bera(1),
                IStakingPool::submitCall { receiver: me }.abi_encode(),
            )
        })
        .collect();
    let input = chain.input(txs, Vec::new());
    chain.execute(input)
}

fn main() {
    println!(
        "{:<24} {:>8} {:>6} {:>12} {:>12}",
        "block", "accounts", "txs", "execute ms", "root ms"
    );
    for accounts in [10_000u64, 100_000] {
        let mut chain = chain_with(accounts);
        let block = transfers(&mut chain, 100);
        report("100 transfers", accounts, &block);
        let block = transfers(&mut chain, 1_000);
        report("1,000 transfers", accounts, &block);
        let pool = active_pool(&mut chain);
        let block = submits(&mut chain, pool, 1_000);
        report("1,000 pool submits", accounts, &block);
    }
}
