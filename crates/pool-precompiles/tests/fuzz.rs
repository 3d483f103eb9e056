//! Random calldata, values, senders and call kinds at every precompile, in sequence on one chain
//! with a live pool: no call may panic or end in a fatal error, and a call that reverts or halts
//! leaves the pool system's state exactly as it was.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_primitives::{Address, U256};
use berapool_pool_precompiles::{
    abi::*,
    pool_state::{
        addresses::{ACCOUNTING_ORACLE, FACTORY, WITHDRAWAL_VAULT},
        params::bera,
        PoolId,
    },
};
use common::*;
use proptest::{prelude::*, test_runner::TestRunner};

const PUBKEY: [u8; 48] = [0x44; 48];

fn selectors() -> Vec<[u8; 4]> {
    [
        IStakingPool::IStakingPoolCalls::SELECTORS,
        IAccessControl::IAccessControlCalls::SELECTORS,
        ISmartOperator::ISmartOperatorCalls::SELECTORS,
        IStakingRewardsVault::IStakingRewardsVaultCalls::SELECTORS,
        IWithdrawalVault::IWithdrawalVaultCalls::SELECTORS,
        IAccountingOracle::IAccountingOracleCalls::SELECTORS,
        IStakingPoolContractsFactory::IStakingPoolContractsFactoryCalls::SELECTORS,
        IBerapool::IBerapoolCalls::SELECTORS,
    ]
    .iter()
    .flat_map(|s| s.iter().copied())
    .collect()
}

#[derive(Clone, Debug)]
struct Shot {
    target: usize,
    selector: Option<usize>,
    words: Vec<(u8, u64)>,
    tail: Vec<u8>,
    value: u8,
    sender: usize,
    kind: u8,
}

fn shot() -> impl Strategy<Value = Shot> {
    (
        0..8usize,
        prop::option::weighted(0.9, 0..400usize),
        prop::collection::vec((0u8..6, any::<u64>()), 0..12),
        prop::collection::vec(any::<u8>(), 0..40),
        0u8..4,
        0..4usize,
        0u8..6,
    )
        .prop_map(
            |(target, selector, words, tail, value, sender, kind)| Shot {
                target,
                selector,
                words,
                tail,
                value,
                sender,
                kind,
            },
        )
}

/// ABI-ish words: small numbers, offsets and lengths, addresses of the system, or noise.
fn word(kind: u8, n: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    match kind {
        0 => w[24..].copy_from_slice(&(n % 100).to_be_bytes()),
        1 => w[24..].copy_from_slice(&(32 * (n % 12)).to_be_bytes()),
        2 => w[12..].copy_from_slice(
            PoolId::from_pubkey(&PUBKEY.into())
                .addresses()
                .staking_pool
                .as_slice(),
        ),
        3 => w[12..].copy_from_slice(Address::repeat_byte((n % 256) as u8).as_slice()),
        4 => w[24..].copy_from_slice(&n.to_be_bytes()),
        _ => w
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (n >> (i % 8)) as u8),
    }
    w
}

/// A chain with a live pool holding 50,000 BERA, and the addresses shots aim at.
struct Range {
    c: TestChain,
    targets: [Address; 8],
    selectors: Vec<[u8; 4]>,
}

impl Range {
    fn new() -> Self {
        let mut c = TestChain::new();
        active_pool(&mut c, PUBKEY, 9);
        let addrs = PoolId::from_pubkey(&PUBKEY.into()).addresses();
        assert!(c
            .tx(ALICE, addrs.staking_pool, bera(50_000), Vec::new())
            .success());
        let targets = [
            FACTORY,
            WITHDRAWAL_VAULT,
            ACCOUNTING_ORACLE,
            addrs.staking_pool,
            addrs.smart_operator,
            addrs.staking_rewards_vault,
            addrs.incentive_collector,
            PoolId(7).addresses().staking_pool,
        ];
        Self {
            c,
            targets,
            selectors: selectors(),
        }
    }

    /// Fires one shot. `Ok(true)` if it succeeded, `Ok(false)` if it failed and changed
    /// nothing; `Err` if a failed call changed the pool system's state. A fatal EVM error
    /// panics inside `tx`.
    fn fire(&mut self, s: &Shot) -> Result<bool, String> {
        let mut data = Vec::new();
        if let Some(i) = s.selector {
            data.extend_from_slice(&self.selectors[i % self.selectors.len()]);
        }
        for (kind, n) in &s.words {
            data.extend_from_slice(&word(*kind, *n));
        }
        data.extend_from_slice(&s.tail);
        let value = [U256::ZERO, U256::from(1), bera(1), bera(10_000)][s.value as usize];
        let sender = [ALICE, GOV, OPERATOR, BOB][s.sender];
        let target = self.targets[s.target];
        let to = match s.kind {
            0 => {
                self.c
                    .install_forwarder(Address::repeat_byte(0xf1), target, CallKind::StaticCall);
                Address::repeat_byte(0xf1)
            }
            1 => {
                self.c.install_forwarder(
                    Address::repeat_byte(0xf4),
                    target,
                    CallKind::DelegateCall,
                );
                Address::repeat_byte(0xf4)
            }
            _ => target,
        };
        let before = self.c.pool_system_state();
        let r = self.c.tx(sender, to, value, data);
        let success = r.success();
        if !success && self.c.pool_system_state() != before {
            return Err(format!("a failed call changed state: {s:?}"));
        }
        if s.kind == 5 {
            self.c.next_block();
        }
        Ok(success)
    }
}

#[test]
fn random_calls_never_panic_and_failures_change_nothing() {
    let config = ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&prop::collection::vec(shot(), 1..24), |shots| {
        let mut range = Range::new();
        for s in shots {
            range.fire(&s).map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// The long run: `BERAPOOL_FUZZ_CALLS` (default 10,000,000) shots from a fixed seed, a fresh
/// chain every 1,000, printing calls per second. Run it in release:
/// `cargo test --release -p berapool-pool-precompiles --test fuzz -- --ignored --nocapture`.
#[test]
#[ignore = "long: ten million calls"]
fn ten_million_random_calls() {
    use proptest::strategy::ValueTree;
    let total: u64 = std::env::var("BERAPOOL_FUZZ_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let mut runner = TestRunner::deterministic();
    let strategy = shot();
    let started = std::time::Instant::now();
    let (mut succeeded, mut failed) = (0u64, 0u64);
    let mut range = Range::new();
    for n in 0..total {
        if n % 1_000 == 0 && n > 0 {
            range = Range::new();
        }
        let s = strategy.new_tree(&mut runner).unwrap().current();
        match range.fire(&s) {
            Ok(true) => succeeded += 1,
            Ok(false) => failed += 1,
            Err(e) => panic!("call {n}: {e}"),
        }
        if (n + 1) % 1_000_000 == 0 {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{} calls, {:.0} calls/s ({succeeded} succeeded, {failed} failed and changed nothing)",
                n + 1,
                (n + 1) as f64 / secs
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "done: {total} calls in {secs:.1} s, {:.0} calls/s; {succeeded} succeeded, {failed} failed and changed nothing, 0 panics, 0 fatal errors",
        total as f64 / secs
    );
}
