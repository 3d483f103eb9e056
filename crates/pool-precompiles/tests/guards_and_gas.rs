//! The precompiles' guards (STATICCALL, DELEGATECALL, value to non-payable functions) and gas:
//! EIP-2929 cold/warm pricing, EIP-2200/3529 SSTORE costs and refunds, out-of-gas halts that
//! leave nothing behind.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_evm::{
    precompiles::{DynPrecompile, PrecompileInput},
    revm::{
        context::{result::ExecutionResult, TxEnv},
        precompile::{PrecompileId, PrecompileOutput},
        primitives::TxKind,
    },
    Evm, EvmFactory,
};
use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolError};
use berapool_pool_precompiles::{
    abi::{IBerapool, IStakingPool, IStakingPoolContractsFactory as F},
    gas::GasMeter,
    pool_state::{
        addresses::{pool_withdrawal_credentials, FACTORY},
        params::bera,
        PoolId, Storage,
    },
    EvmHost,
};
use common::*;

const PUBKEY: [u8; 48] = [0x33; 48];

fn registered_pool(c: &mut TestChain) -> Address {
    let data = F::deployStakingPoolContractsCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0; 96]),
        validatorAdmin: OPERATOR,
        defaultSharesRecipient: RECIPIENT,
    }
    .abi_encode();
    assert!(c.tx(OPERATOR, FACTORY, bera(10_000), data).success());
    PoolId::from_pubkey(&FixedBytes(PUBKEY))
        .addresses()
        .staking_pool
}

#[test]
fn writes_are_refused_under_staticcall_and_delegatecall_is_refused() {
    let mut c = TestChain::new();
    let pool = registered_pool(&mut c);
    let (stat, deleg) = (Address::repeat_byte(0x51), Address::repeat_byte(0xde));
    c.install_forwarder(stat, pool, CallKind::StaticCall);
    c.install_forwarder(deleg, pool, CallKind::DelegateCall);

    // Views work under STATICCALL…
    let r = c.tx(
        ALICE,
        stat,
        U256::ZERO,
        IStakingPool::totalSupplyCall {}.abi_encode(),
    );
    assert!(r.success(), "{:?}", r.result);
    // …writes do not.
    let r = c.tx(
        ALICE,
        stat,
        U256::ZERO,
        IStakingPool::processRewardsCall {}.abi_encode(),
    );
    assert_eq!(
        r.revert_data().as_ref(),
        IBerapool::WriteInStaticCall {}.abi_encode().as_slice()
    );
    // DELEGATECALL would run the pool on the caller's storage: refused.
    let r = c.tx(
        ALICE,
        deleg,
        U256::ZERO,
        IStakingPool::totalSupplyCall {}.abi_encode(),
    );
    assert_eq!(
        r.revert_data().as_ref(),
        IBerapool::DelegateCallNotAllowed {}.abi_encode().as_slice()
    );
    // Value to a non-payable function, an unknown selector, and garbage: empty reverts.
    let r = c.tx(
        ALICE,
        pool,
        U256::from(1),
        IStakingPool::processRewardsCall {}.abi_encode(),
    );
    assert!(r.revert_data().is_empty());
    let r = c.tx(ALICE, pool, U256::ZERO, vec![0xde, 0xad, 0xbe, 0xef]);
    assert!(r.revert_data().is_empty());
    let r = c.tx(ALICE, pool, U256::ZERO, vec![0x01]);
    assert!(r.revert_data().is_empty());
    // A per-pool address with no pool behind it.
    let nowhere = PoolId(42).addresses().staking_pool;
    let r = c.tx(
        ALICE,
        nowhere,
        U256::ZERO,
        IStakingPool::totalSupplyCall {}.abi_encode(),
    );
    assert_eq!(
        r.revert_data().as_ref(),
        IBerapool::UnknownPool {}.abi_encode().as_slice()
    );
    // The share token's calls learn registration from the pool contract's code: none here.
    for data in [
        IStakingPool::transferCall {
            to: BOB,
            value: U256::ZERO,
        }
        .abi_encode(),
        IStakingPool::approveCall {
            spender: BOB,
            value: U256::from(1),
        }
        .abi_encode(),
        IStakingPool::transferFromCall {
            from: ALICE,
            to: BOB,
            value: U256::ZERO,
        }
        .abi_encode(),
        IStakingPool::balanceOfCall { account: ALICE }.abi_encode(),
        IStakingPool::allowanceCall {
            owner: ALICE,
            spender: BOB,
        }
        .abi_encode(),
    ] {
        let r = c.tx(ALICE, nowhere, U256::ZERO, data);
        assert_eq!(
            r.revert_data().as_ref(),
            IBerapool::UnknownPool {}.abi_encode().as_slice()
        );
    }
}

/// A test precompile that touches storage and reports the gas of each step.
fn probe(
    mut input: PrecompileInput<'_>,
) -> Result<PrecompileOutput, alloy_evm::revm::precompile::PrecompileError> {
    let mut meter = GasMeter::new(input.gas);
    let me = input.bytecode_address;
    let mut costs = Vec::new();
    {
        let mut host = EvmHost::new(&mut input.internals, &mut meter, me, false);
        let mut step = |host: &mut EvmHost<'_, '_>, f: &dyn Fn(&mut EvmHost<'_, '_>)| {
            let before = host.gas().used();
            f(host);
            costs.push(host.gas().used() - before);
        };
        step(&mut host, &|h| {
            h.sload(me, U256::from(1)).unwrap();
        }); // cold read
        step(&mut host, &|h| {
            h.sload(me, U256::from(1)).unwrap();
        }); // warm read
        step(&mut host, &|h| {
            h.sstore(me, U256::from(2), U256::from(7)).unwrap()
        }); // cold, new slot
        step(&mut host, &|h| {
            h.sstore(me, U256::from(2), U256::from(8)).unwrap()
        }); // dirty slot
        step(&mut host, &|h| {
            h.sstore(me, U256::from(2), U256::ZERO).unwrap()
        }); // back to original
        step(&mut host, &|h| {
            h.sload(Address::repeat_byte(0x77), U256::ZERO).unwrap();
        }); // another, untouched account: cold access + cold read
    }
    let refund = meter.refunded();
    let mut out: Vec<u8> = costs.iter().flat_map(|c| c.to_be_bytes()).collect();
    out.extend_from_slice(&refund.to_be_bytes());
    Ok(PrecompileOutput::new(
        meter.used(),
        out.into(),
        input.reservoir,
    ))
}

#[test]
fn storage_is_priced_as_the_opcodes() {
    let mut c = TestChain::new();
    let at = Address::repeat_byte(0x9b);
    let env = c.env();
    let mut evm = c.factory.create_evm(&mut c.db, env);
    evm.precompiles_mut().apply_precompile(&at, |_| {
        Some(DynPrecompile::new_stateful(
            PrecompileId::custom("probe"),
            probe,
        ))
    });
    let tx = TxEnv {
        caller: ALICE,
        kind: TxKind::Call(at),
        gas_limit: 1_000_000,
        gas_price: 0,
        chain_id: Some(80087),
        ..Default::default()
    };
    let out = evm.transact(tx).unwrap().result.output().cloned().unwrap();
    let word = |i: usize| u64::from_be_bytes(out[i * 8..i * 8 + 8].try_into().unwrap());
    assert_eq!(word(0), 2_100, "cold SLOAD");
    assert_eq!(word(1), 100, "warm SLOAD");
    assert_eq!(word(2), 22_100, "SSTORE 0→7, cold");
    assert_eq!(word(3), 100, "SSTORE on a dirty slot");
    assert_eq!(word(4), 100, "SSTORE back to the original");
    assert_eq!(
        word(5),
        2_600 + 2_100,
        "another account: cold access, cold read"
    );
    let refund = i64::from_be_bytes(out[48..56].try_into().unwrap());
    assert_eq!(refund, 19_900, "0→x→0 refunds the set cost (EIP-2200/3529)");
}

#[test]
fn a_cleared_slot_is_refunded_in_the_transaction() {
    let mut c = TestChain::new();
    let pool = registered_pool(&mut c);
    // Activation-free: approvals work on any registered pool.
    let approve = |v: u64| {
        IStakingPool::approveCall {
            spender: BOB,
            value: U256::from(v),
        }
        .abi_encode()
    };
    assert!(c.tx(ALICE, pool, U256::ZERO, approve(5)).success());
    match c.tx(ALICE, pool, U256::ZERO, approve(0)).result {
        ExecutionResult::Success { gas, .. } => assert_eq!(gas.inner_refunded(), 4_800),
        other => panic!("{other:?}"),
    }
}

#[test]
fn out_of_gas_halts_and_leaves_nothing_behind() {
    let mut c = TestChain::new();
    let before = c.pool_system_state();
    let balance = c.balance(OPERATOR);
    let data = F::deployStakingPoolContractsCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0; 96]),
        validatorAdmin: OPERATOR,
        defaultSharesRecipient: RECIPIENT,
    }
    .abi_encode();
    let r = c.tx_with_gas(OPERATOR, FACTORY, bera(10_000), data.clone(), 120_000);
    assert!(
        matches!(r.result, ExecutionResult::Halt { .. }),
        "{:?}",
        r.result
    );
    assert!(r.logs().is_empty());
    assert_eq!(
        c.pool_system_state(),
        before,
        "a halted call changes no pool state"
    );
    assert_eq!(c.balance(OPERATOR), balance, "the value came back");
    // With enough gas the same call goes through, and costs what it reports.
    let r = c.tx_with_gas(OPERATOR, FACTORY, bera(10_000), data, 2_000_000);
    assert!(r.success(), "{:?}", r.result);
    assert!(r.gas_used() > 120_000);
}
