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

#[test]
fn random_calls_never_panic_and_failures_change_nothing() {
    let selectors = selectors();
    let config = ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&prop::collection::vec(shot(), 1..24), |shots| {
        let mut c = TestChain::new();
        active_pool(&mut c, PUBKEY, 9);
        assert!(c
            .tx(
                ALICE,
                PoolId::from_pubkey(&PUBKEY.into()).addresses().staking_pool,
                bera(50_000),
                Vec::new()
            )
            .success());
        let addrs = PoolId::from_pubkey(&PUBKEY.into()).addresses();
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
        for s in shots {
            let mut data = Vec::new();
            if let Some(i) = s.selector {
                data.extend_from_slice(&selectors[i % selectors.len()]);
            }
            for (kind, n) in &s.words {
                data.extend_from_slice(&word(*kind, *n));
            }
            data.extend_from_slice(&s.tail);
            let value = [U256::ZERO, U256::from(1), bera(1), bera(10_000)][s.value as usize];
            let sender = [ALICE, GOV, OPERATOR, BOB][s.sender];
            let target = targets[s.target];
            let to = match s.kind {
                0 => {
                    c.install_forwarder(Address::repeat_byte(0xf1), target, CallKind::StaticCall);
                    Address::repeat_byte(0xf1)
                }
                1 => {
                    c.install_forwarder(Address::repeat_byte(0xf4), target, CallKind::DelegateCall);
                    Address::repeat_byte(0xf4)
                }
                _ => target,
            };
            let before = c.pool_system_state();
            // `tx` unwraps the EVM's result: a fatal precompile error would fail the test here.
            let r = c.tx(sender, to, value, data);
            if !r.success() {
                prop_assert_eq!(c.pool_system_state(), before, "a failed call changed state");
            }
            if s.kind == 5 {
                c.next_block();
            }
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
