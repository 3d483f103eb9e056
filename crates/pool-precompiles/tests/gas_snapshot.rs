//! The gas of every pool operation, pinned: one fixed sequence of real EVM transactions on an
//! in-memory chain (BeaconDeposit native, as on the dev chain), each transaction's whole gas
//! compared with `tests/gas-snapshot.txt`. Any difference fails, dearer or cheaper, so the file
//! always says what the operations cost; after a deliberate change, rerun with
//! `BERAPOOL_BLESS_GAS=1` to rewrite it and commit the diff.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use alloy_evm::revm::Database;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use berapool_pool_precompiles::{
    abi::{IAccessControl, IIncentiveCollector, IStakingPool, IWithdrawalVault},
    block::credit_withdrawals_call,
    pool_state::{
        access::FEEDER_ROLE,
        addresses::{ACCOUNTING_ORACLE, WITHDRAWAL_VAULT},
        params::bera,
        PoolId, VaultWithdrawal,
    },
};
use common::*;

const PUBKEY: [u8; 48] = [0x61; 48];
const INDEX: u64 = 2;
/// A second pool, kept under the activation threshold.
const SMALL_PUBKEY: [u8; 48] = [0x62; 48];
const SMALL_INDEX: u64 = 3;
const GWEI_PER_BERA: u64 = 1_000_000_000;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gas-snapshot.txt");

/// Runs transactions and records the gas of each under its name.
struct Recorder {
    chain: TestChain,
    gas: Vec<(String, u64)>,
}

impl Recorder {
    fn tx(&mut self, name: &str, from: Address, to: Address, value: U256, data: Vec<u8>) {
        let r = self.chain.tx(from, to, value, data);
        assert!(r.success(), "{name}: {:?}", r.result);
        self.gas.push((name.to_string(), r.gas_used()));
    }
}

fn shares(c: &mut TestChain, pool: Address, owner: Address) -> U256 {
    let r = c.view(
        pool,
        IStakingPool::balanceOfCall { account: owner }.abi_encode(),
    );
    U256::from_be_slice(&r.output())
}

/// The fixed sequence: a pool's registration and activation, deposits, share transfers, both
/// withdrawal paths, a CL payout, finalization, an oracle report and an incentive claim.
fn measure() -> Vec<(String, u64)> {
    let mut rec = Recorder {
        chain: TestChain::with_native_beacon_deposit(),
        gas: Vec::new(),
    };
    let addrs = PoolId::from_pubkey(&PUBKEY.into()).addresses();
    let pool = addrs.staking_pool;

    let r = deploy_pool(&mut rec.chain, PUBKEY);
    assert!(r.success(), "{:?}", r.result);
    rec.gas.push((
        "factory deployStakingPoolContracts (10,000 BERA to the CL)".into(),
        r.gas_used(),
    ));
    rec.chain.next_block();
    let activation = activation_call(&mut rec.chain, PUBKEY, INDEX, 10_000 * GWEI_PER_BERA);
    rec.tx(
        "factory activateStakingPool (three proofs)",
        ALICE,
        berapool_pool_precompiles::pool_state::addresses::FACTORY,
        U256::ZERO,
        activation.abi_encode(),
    );

    // A feeder's proven balance report.
    let grant = IAccessControl::grantRoleCall {
        role: FEEDER_ROLE,
        account: FEEDER,
    };
    assert!(rec
        .chain
        .tx(GOV, ACCOUNTING_ORACLE, U256::ZERO, grant.abi_encode())
        .success());
    rec.chain.advance(3);
    // The registration's 10,000 BERA and 20 BERA of consensus-layer rewards.
    let report = balance_report(&mut rec.chain, PUBKEY, INDEX, 10_020 * GWEI_PER_BERA);
    rec.tx(
        "oracle updateTotalDeposits (proven balance)",
        FEEDER,
        ACCOUNTING_ORACLE,
        U256::ZERO,
        report.abi_encode(),
    );

    let submit = |receiver| IStakingPool::submitCall { receiver }.abi_encode();
    rec.tx(
        "pool submit, new holder (buffered)",
        ALICE,
        pool,
        bera(1),
        submit(ALICE),
    );
    rec.tx(
        "pool submit, existing holder (buffered)",
        ALICE,
        pool,
        bera(1),
        submit(ALICE),
    );
    rec.tx(
        "pool plain value, existing holder (buffered)",
        ALICE,
        pool,
        bera(1),
        Vec::new(),
    );
    rec.tx(
        "pool submit past the threshold (CL deposit of the buffer)",
        WHALE,
        pool,
        bera(289_997),
        submit(WHALE),
    );

    let transfer = |to, value| IStakingPool::transferCall { to, value }.abi_encode();
    rec.tx(
        "stBERA transfer, new holder",
        ALICE,
        pool,
        U256::ZERO,
        transfer(BOB, bera(1)),
    );
    rec.tx(
        "stBERA transfer, existing holder",
        ALICE,
        pool,
        U256::ZERO,
        transfer(BOB, bera(1) / U256::from(2)),
    );
    let approve = IStakingPool::approveCall {
        spender: BOB,
        value: bera(1),
    };
    rec.tx(
        "stBERA approve",
        ALICE,
        pool,
        U256::ZERO,
        approve.abi_encode(),
    );
    let take = IStakingPool::transferFromCall {
        from: ALICE,
        to: BOB,
        value: bera(1) / U256::from(4),
    };
    rec.tx(
        "stBERA transferFrom",
        BOB,
        pool,
        U256::ZERO,
        take.abi_encode(),
    );

    // After the cooldown: both CL request kinds through EIP-7002 (1 wei fee, refund of the rest).
    rec.chain.advance(16);
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 1_000 * GWEI_PER_BERA,
        maxFeeToPay: U256::from(5),
    };
    rec.tx(
        "vault requestWithdrawal (CL partial)",
        WHALE,
        WITHDRAWAL_VAULT,
        U256::from(5),
        request.abi_encode(),
    );
    let redeem = IWithdrawalVault::requestRedeemCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        shares: bera(500),
        maxFeeToPay: U256::from(5),
    };
    rec.tx(
        "vault requestRedeem (CL partial)",
        WHALE,
        WITHDRAWAL_VAULT,
        U256::from(5),
        redeem.abi_encode(),
    );

    // The CL pays request 1; block execution credits it; after the delay anyone finalizes.
    let mut vault = rec.chain.db.basic(WITHDRAWAL_VAULT).unwrap().unwrap();
    vault.balance += bera(1_000);
    rec.chain.db.insert_account_info(WITHDRAWAL_VAULT, vault);
    let credit = credit_withdrawals_call(&[VaultWithdrawal {
        validator_index: INDEX,
        amount_gwei: 1_000 * GWEI_PER_BERA,
    }]);
    let r = rec.chain.system_call(WITHDRAWAL_VAULT, credit);
    assert!(r.success(), "{:?}", r.result);
    rec.gas.push((
        "block rule creditConsensusWithdrawals (one withdrawal)".into(),
        r.gas_used(),
    ));
    rec.chain.advance(256);
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestCall {
        requestId: U256::from(1),
    };
    rec.tx(
        "vault finalizeWithdrawalRequest",
        BOB,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        finalize.abi_encode(),
    );

    // The incentive auction with nothing to hand over: the payout's BERA side alone.
    let claim = IIncentiveCollector::claimCall { tokens: Vec::new() };
    rec.tx(
        "incentive collector claim (no tokens)",
        BOB,
        addrs.incentive_collector,
        bera(100),
        claim.abi_encode(),
    );

    // A pool under the threshold pays a withdrawal from its buffer at once.
    let small = PoolId::from_pubkey(&SMALL_PUBKEY.into()).addresses();
    active_pool(&mut rec.chain, SMALL_PUBKEY, SMALL_INDEX);
    assert!(rec
        .chain
        .tx(ALICE, small.staking_pool, bera(100), submit(ALICE))
        .success());
    rec.chain.advance(16);
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&SMALL_PUBKEY),
        assetsInGWei: 50 * GWEI_PER_BERA,
        maxFeeToPay: U256::ZERO,
    };
    rec.tx(
        "vault requestWithdrawal (paid from the buffer)",
        ALICE,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        request.abi_encode(),
    );
    assert!(shares(&mut rec.chain, small.staking_pool, ALICE) < bera(100));
    rec.gas.extend(measure_pol());
    rec.gas
}

/// The same pool on a chain with the native PoL set: a block's distribution, and what PoL
/// Next's WBERA track adds to deposits and reward collection.
fn measure_pol() -> Vec<(String, u64)> {
    let mut rec = Recorder {
        chain: TestChain::with_native_pol(),
        gas: Vec::new(),
    };
    let pool = PoolId::from_pubkey(&PUBKEY.into()).addresses().staking_pool;
    active_pool(&mut rec.chain, PUBKEY, INDEX);
    let submit = |to: Address| IStakingPool::submitCall { receiver: to }.abi_encode();
    rec.tx(
        "PoL chain: pool submit, new holder (no WBERA)",
        BOB,
        pool,
        bera(100),
        submit(BOB),
    );
    let distribute = |c: &mut TestChain| {
        let r = c.system_call(
            berapool_pool_precompiles::addresses::POL_DISTRIBUTOR,
            berapool_pool_precompiles::distribute_for_call(&PUBKEY.into()),
        );
        assert!(r.success(), "{:?}", r.result);
        r.gas_used()
    };
    let gas = distribute(&mut rec.chain);
    rec.gas.push((
        "PoL chain: block rule distributeFor (0.4 WBERA to the pool, 1.305 to one vault)".into(),
        gas,
    ));
    rec.tx(
        "PoL chain: pool submit, existing holder (collects 0.4 WBERA)",
        BOB,
        pool,
        bera(100),
        submit(BOB),
    );
    rec.chain.fund_block_rewards();
    distribute(&mut rec.chain);
    rec.tx(
        "PoL chain: pool processRewards (collects 0.4 WBERA)",
        ALICE,
        pool,
        U256::ZERO,
        IStakingPool::processRewardsCall {}.abi_encode(),
    );
    rec.gas
}

fn parse(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, gas) = l.rsplit_once(':')?;
            Some((name.trim().to_string(), gas.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn every_operation_costs_what_the_snapshot_pins() {
    let measured = measure();
    let mut text = String::from(
        "# Whole-transaction gas of each pool operation (tests/gas_snapshot.rs).\n\
         # Rewrite with BERAPOOL_BLESS_GAS=1 cargo test -p berapool-pool-precompiles --test gas_snapshot\n",
    );
    for (name, gas) in &measured {
        text.push_str(&format!("{name}: {gas}\n"));
    }
    if std::env::var_os("BERAPOOL_BLESS_GAS").is_some() {
        std::fs::write(SNAPSHOT, &text).unwrap();
        println!("wrote {SNAPSHOT}");
        return;
    }
    let pinned = parse(&std::fs::read_to_string(SNAPSHOT).unwrap_or_default());
    let mut changes = Vec::new();
    for (name, gas) in &measured {
        match pinned.get(name) {
            Some(&before) if before == *gas => println!("{name:<60} {gas:>9}"),
            Some(&before) => {
                let delta = i128::from(*gas) - i128::from(before);
                changes.push(format!("{name}: {before} -> {gas} ({delta:+})"));
            }
            None => changes.push(format!("{name}: not pinned, {gas} now")),
        }
    }
    for name in pinned.keys() {
        if !measured.iter().any(|(n, _)| n == name) {
            changes.push(format!("{name}: pinned but no longer measured"));
        }
    }
    assert!(
        changes.is_empty(),
        "gas differs from tests/gas-snapshot.txt (rerun with BERAPOOL_BLESS_GAS=1 if deliberate):\n{}",
        changes.join("\n")
    );
}
