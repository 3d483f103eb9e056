//! Gas used and wall time per operation, through real EVM transactions on an in-memory chain:
//! `submit` (buffered, and with a CL deposit), `requestWithdrawal` (CL partial),
//! `finalizeWithdrawalRequest` and an stBERA transfer. Each run starts from a copy of a prepared
//! chain. Prints a table; asserts nothing.

#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use alloy_evm::revm::{database::CacheDB, state::AccountInfo, Database};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use berapool_pool_precompiles::{
    abi::{IStakingPool, IWithdrawalVault},
    block::credit_withdrawals_call,
    pool_state::{addresses::WITHDRAWAL_VAULT, params::bera, PoolId, VaultWithdrawal},
};
use common::*;

const PUBKEY: [u8; 48] = [0x55; 48];
const INDEX: u64 = 3;
const RUNS: u32 = 200;

/// A pool at 300,000 BERA past its cooldown, with request 1 (1,000 BERA) paid by the CL and due.
fn prepared() -> TestChain {
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let pool = PoolId::from_pubkey(&PUBKEY.into()).addresses().staking_pool;
    assert!(c.tx(WHALE, pool, bera(290_000), Bytes::new()).success());
    c.advance(16);
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 1_000_000_000_000,
        maxFeeToPay: U256::from(1),
    };
    assert!(c
        .tx(WHALE, WITHDRAWAL_VAULT, U256::from(1), request.abi_encode())
        .success());
    let mut info = c.db.basic(WITHDRAWAL_VAULT).unwrap().unwrap();
    info.balance += bera(1_000);
    c.db.insert_account_info(WITHDRAWAL_VAULT, info);
    let credit = credit_withdrawals_call(&[VaultWithdrawal {
        validator_index: INDEX,
        amount_gwei: 1_000_000_000_000,
    }]);
    assert!(c.system_call(WITHDRAWAL_VAULT, credit).success());
    c.advance(256);
    c
}

fn measure(base: &TestChain, name: &str, from: Address, to: Address, value: U256, data: Vec<u8>) {
    let db: CacheDB<_> = base.db.clone();
    let mut gas = 0;
    let mut total = std::time::Duration::ZERO;
    for _ in 0..RUNS {
        let mut c = TestChain {
            db: db.clone(),
            factory: base.factory.clone(),
            number: base.number,
            timestamp: base.timestamp,
        };
        let start = Instant::now();
        let r = c.tx(from, to, value, data.clone());
        total += start.elapsed();
        assert!(r.success(), "{name}: {:?}", r.result);
        gas = r.gas_used();
    }
    println!(
        "{name:<40} {gas:>9} gas {:>9.1} µs",
        total.as_secs_f64() * 1e6 / f64::from(RUNS)
    );
}

fn main() {
    let chain = prepared();
    let _ = AccountInfo::default();
    let pool = PoolId::from_pubkey(&PUBKEY.into()).addresses().staking_pool;
    println!(
        "{:<40} {:>13} {:>12}",
        "operation (whole transaction)", "gas used", "wall time"
    );
    measure(
        &chain,
        "submit, 1 BERA (buffered)",
        ALICE,
        pool,
        bera(1),
        IStakingPool::submitCall { receiver: ALICE }.abi_encode(),
    );
    measure(
        &chain,
        "submit, 10,000 BERA (CL deposit)",
        ALICE,
        pool,
        bera(10_000),
        IStakingPool::submitCall { receiver: ALICE }.abi_encode(),
    );
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 1_000_000_000_000,
        maxFeeToPay: U256::from(1),
    };
    measure(
        &chain,
        "requestWithdrawal (CL partial)",
        WHALE,
        WITHDRAWAL_VAULT,
        U256::from(1),
        request.abi_encode(),
    );
    measure(
        &chain,
        "finalizeWithdrawalRequest",
        ALICE,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        IWithdrawalVault::finalizeWithdrawalRequestCall {
            requestId: U256::from(1),
        }
        .abi_encode(),
    );
    measure(
        &chain,
        "stBERA transfer",
        WHALE,
        pool,
        U256::ZERO,
        IStakingPool::transferCall {
            to: BOB,
            value: bera(1),
        }
        .abi_encode(),
    );
}
