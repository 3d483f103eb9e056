//! Time per block through execution, the state root and the store's commit (state, history and
//! block in one transaction), for empty blocks, blocks of 100 and 1,000 transfers and of 1,000
//! pool submits, on states of 10k, 100k and 1M accounts; and the resident memory of each state
//! next to its raw size. Prints a table; asserts nothing.

#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use alloy_genesis::GenesisAccount;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use berapool_chainspec::{dev_accounts, ChainSpec};
use berapool_engine::BlockInput;
use berapool_pool_precompiles::{
    abi::{IStakingPool, IStakingPoolContractsFactory as F},
    pool_state::{
        addresses::{pool_withdrawal_credentials, FACTORY},
        params::bera,
        PoolId,
    },
    ssz,
};
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

/// A block's times: execution, state root, commit, all of it.
struct Times {
    transactions: usize,
    execute: Duration,
    root: Duration,
    commit: Duration,
    total: Duration,
}

/// Runs `make` three times and reports the median block (by total time).
fn measure(label: &str, accounts: u64, chain: &mut Chain, make: impl Fn(&mut Chain) -> BlockInput) {
    let mut runs: Vec<Times> = (0..3)
        .map(|_| {
            let input = make(chain);
            let started = Instant::now();
            let block = chain.execute(input);
            let total = started.elapsed();
            assert!(
                block.receipts.iter().all(|r| r.status()),
                "{label}: a transaction failed"
            );
            Times {
                transactions: block.transactions.len(),
                execute: block.timings.execution,
                root: block.timings.state_root,
                commit: total - block.timings.execution - block.timings.state_root,
                total,
            }
        })
        .collect();
    runs.sort_by_key(|t| t.total);
    let t = &runs[1];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label:<20} {accounts:>9} {:>6} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
        t.transactions,
        ms(t.execute),
        ms(t.root),
        ms(t.commit),
        ms(t.total)
    );
}

/// New recipients for every block, so each transfer creates an account.
static RECIPIENTS: AtomicU64 = AtomicU64::new(1 << 40);

fn transfers(chain: &mut Chain, count: usize) -> BlockInput {
    let keys = dev_accounts();
    let txs = (0..count)
        .map(|i| {
            let (_, key) = keys[i % keys.len()];
            let n = RECIPIENTS.fetch_add(1, Ordering::Relaxed);
            chain.tx(
                key,
                Address::from_slice(&keccak256(n.to_be_bytes())[12..]),
                U256::from(1),
                Vec::new(),
            )
        })
        .collect();
    chain.input(txs, Vec::new())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
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

fn submits(chain: &mut Chain, pool: Address, count: usize) -> BlockInput {
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
    chain.input(txs, Vec::new())
}

fn main() {
    println!(
        "{:<20} {:>9} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "block (median of 3)", "accounts", "txs", "execute ms", "root ms", "commit ms", "total ms"
    );
    let mut memory = Vec::new();
    for accounts in [10_000u64, 100_000, 1_000_000] {
        let before = rss_kib();
        let setup = Instant::now();
        let mut chain = chain_with(accounts);
        let setup = setup.elapsed();
        let raw: usize = chain
            .store
            .dump_state()
            .unwrap()
            .iter()
            .map(|(_, _, slots)| 20 + 72 + 64 * slots.len())
            .sum();
        memory.push((accounts, rss_kib().saturating_sub(before), raw, setup));
        measure("empty", accounts, &mut chain, |c| {
            c.input(Vec::new(), Vec::new())
        });
        measure("100 transfers", accounts, &mut chain, |c| transfers(c, 100));
        measure("1,000 transfers", accounts, &mut chain, |c| {
            transfers(c, 1_000)
        });
        let pool = active_pool(&mut chain);
        measure("1,000 pool submits", accounts, &mut chain, |c| {
            submits(c, pool, 1_000)
        });
    }
    println!();
    for (accounts, rss, raw, setup) in memory {
        println!(
            "{accounts:>9} accounts: resident memory grew {:.1} MiB for a raw state of {:.1} MiB (accounts and slots as stored); genesis, store and tries built in {:.1} s",
            rss as f64 / 1024.0,
            raw as f64 / (1024.0 * 1024.0),
            setup.as_secs_f64()
        );
    }
}
