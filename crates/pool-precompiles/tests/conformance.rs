//! The native effects on BeaconDeposit and the EIP-7002 predeploy against their real bytecode:
//! the same inputs (sender, value, calldata, prior state) run through the bytecode on one chain
//! and through the native code on an identical chain; storage, logs, balances and revert data
//! must match. The native path runs in a test precompile that hands the call to the same
//! functions the pool precompiles use.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_evm::{
    precompiles::{DynPrecompile, PrecompileInput},
    revm::{
        context::TxEnv,
        precompile::{PrecompileId, PrecompileOutput},
        primitives::TxKind,
        Database,
    },
    Evm, EvmFactory,
};
use alloy_primitives::{Address, Bytes, FixedBytes, Log, U256};
use alloy_sol_types::SolCall;
use berapool_pool_precompiles::{
    abi::IBeaconDeposit,
    gas::GasMeter,
    pool_state::{
        addresses::{BEACON_DEPOSIT, EIP7002_PREDEPLOY},
        params::bera,
        ClDeposit, ClWithdrawalRequest, HostError, Storage,
    },
    system::{beacon_deposit, eip7002},
    EvmHost,
};
use common::*;

/// Where the native path runs.
const NATIVE: Address = Address::repeat_byte(0x5e);

fn native(
    mut input: PrecompileInput<'_>,
) -> Result<PrecompileOutput, alloy_evm::revm::precompile::PrecompileError> {
    let mut meter = GasMeter::new(input.gas);
    let (caller, value, data) = (input.caller, input.value, input.data.to_vec());
    let mut host = EvmHost::new(&mut input.internals, &mut meter, NATIVE, false);
    // The sender pays, as when it calls the contract itself.
    host.transfer(NATIVE, caller, value)
        .map_err(|e| alloy_evm::revm::precompile::PrecompileError::Fatal(e.to_string()))?;
    let outcome: Result<Vec<u8>, HostError> = if data.is_empty() {
        eip7002::fee(&mut host).and_then(|fee| match fee {
            Some(fee) => Ok(fee.to_be_bytes::<32>().to_vec()),
            None => Err(HostError::Revert(Vec::new())),
        })
    } else if data.len() == 56 {
        let request = ClWithdrawalRequest {
            pubkey: FixedBytes::from_slice(&data[..48]),
            amount_gwei: u64::from_be_bytes(data[48..56].try_into().expect("8 bytes")),
        };
        eip7002::fee(&mut host).and_then(|fee| match fee {
            Some(fee) if value >= fee => {
                eip7002::enqueue(&mut host, caller, &request, value).map(|_| Vec::new())
            }
            _ => Err(HostError::Revert(Vec::new())),
        })
    } else {
        let call = IBeaconDeposit::depositCall::abi_decode(&data).expect("deposit calldata");
        let deposit = ClDeposit {
            pubkey: FixedBytes::from_slice(&call.pubkey),
            credentials: FixedBytes::from_slice(&call.credentials),
            amount_gwei: (value / U256::from(1_000_000_000u64)).to::<u64>(),
            signature: FixedBytes::from_slice(&call.signature),
            operator: call.operator,
        };
        beacon_deposit::deposit(&mut host, caller, &deposit).map(|_| Vec::new())
    };
    drop(host);
    Ok(match outcome {
        Ok(bytes) => PrecompileOutput::new(meter.used(), bytes.into(), input.reservoir),
        Err(HostError::Revert(data)) => {
            PrecompileOutput::revert(meter.used(), data.into(), input.reservoir)
        }
        Err(e) => panic!("native path failed: {e}"),
    })
}

/// What a call left behind: success, output or revert data, logs.
#[derive(Debug, PartialEq)]
struct Outcome {
    success: bool,
    output: Bytes,
    logs: Vec<Log>,
}

fn run(c: &mut TestChain, from: Address, to: Address, value: U256, data: Vec<u8>) -> Outcome {
    let env = c.env();
    let mut evm = c.factory.create_evm(&mut c.db, env);
    evm.precompiles_mut().apply_precompile(&NATIVE, |_| {
        Some(DynPrecompile::new_stateful(
            PrecompileId::custom("native-effects"),
            native,
        ))
    });
    let tx = TxEnv {
        caller: from,
        kind: TxKind::Call(to),
        value,
        data: data.into(),
        gas_limit: 1_000_000,
        gas_price: 0,
        chain_id: Some(80087),
        ..Default::default()
    };
    let result = evm.transact_commit(tx).unwrap();
    let output = result.output().cloned().unwrap_or_default();
    Outcome {
        success: result.is_success(),
        output,
        logs: result.logs().to_vec(),
    }
}

/// Runs `calls` against the bytecode at `contract` on one chain and natively on another, and
/// compares outcomes, the contract's storage at `slots`, and the balances of `accounts`.
/// `expect` says which calls succeed, so a comparison cannot pass by both sides failing alike.
fn compare(
    contract: Address,
    prepare: impl Fn(&mut TestChain),
    calls: &[(Address, U256, Vec<u8>)],
    expect: &[bool],
    slots: &[U256],
    accounts: &[Address],
) {
    let (mut real, mut native_chain) = (TestChain::new(), TestChain::new());
    prepare(&mut real);
    prepare(&mut native_chain);
    for (i, (from, value, data)) in calls.iter().enumerate() {
        let a = run(&mut real, *from, contract, *value, data.clone());
        let b = run(&mut native_chain, *from, NATIVE, *value, data.clone());
        assert_eq!(a.success, expect[i], "call {i} to the real contract: {a:?}");
        assert_eq!(
            a.success, b.success,
            "call {i}: success differs: {a:?} vs {b:?}"
        );
        assert_eq!(
            a.output, b.output,
            "call {i}: output or revert data differs"
        );
        assert_eq!(a.logs, b.logs, "call {i}: logs differ");
    }
    for slot in slots {
        assert_eq!(
            real.storage(contract, *slot),
            native_chain.storage(contract, *slot),
            "slot {slot:#x} differs"
        );
    }
    for account in accounts {
        assert_eq!(
            real.db.basic(*account).unwrap().map(|a| a.balance),
            native_chain.db.basic(*account).unwrap().map(|a| a.balance),
            "balance of {account} differs"
        );
    }
}

fn deposit_call(pubkey: u8, operator: Address) -> Vec<u8> {
    IBeaconDeposit::depositCall {
        pubkey: Bytes::from(vec![pubkey; 48]),
        credentials: Bytes::from(vec![0x01; 32]),
        signature: Bytes::from(vec![0x07; 96]),
        operator,
    }
    .abi_encode()
}

#[test]
fn beacon_deposit_native_matches_the_real_contract() {
    if reference_code("0x4242424242424242424242424242424242424242").is_none() {
        eprintln!("shared/reference is absent: BeaconDeposit conformance skipped");
        return;
    }
    let calls = vec![
        // First deposit names an operator; a top-up names none; one more pubkey.
        (ALICE, bera(10_000), deposit_call(1, OPERATOR)),
        (BOB, bera(250_000), deposit_call(1, Address::ZERO)),
        (ALICE, bera(10_000), deposit_call(2, BOB)),
        // Failing: a top-up naming an operator, a first deposit without one, too little.
        (ALICE, bera(10_000), deposit_call(1, OPERATOR)),
        (ALICE, bera(10_000), deposit_call(3, Address::ZERO)),
        (ALICE, bera(9_999), deposit_call(1, Address::ZERO)),
        (ALICE, bera(9_999), deposit_call(4, OPERATOR)),
    ];
    let slots = vec![
        U256::ZERO,
        beacon_deposit::bytes_mapping_slot(&[1; 48], U256::from(2)),
        beacon_deposit::bytes_mapping_slot(&[2; 48], U256::from(2)),
        beacon_deposit::bytes_mapping_slot(&[4; 48], U256::from(2)),
    ];
    let expect = [true, true, true, false, false, false, false];
    compare(
        BEACON_DEPOSIT,
        |_| {},
        &calls,
        &expect,
        &slots,
        &[ALICE, BOB, Address::ZERO, BEACON_DEPOSIT],
    );
}

#[test]
fn eip7002_native_matches_the_real_predeploy() {
    let request = |pubkey: u8, amount: u64| {
        let mut data = vec![pubkey; 48];
        data.extend_from_slice(&amount.to_be_bytes());
        data
    };
    for excess in [0u64, 1, 17, 34, 100, 250, 500] {
        let set_excess = move |c: &mut TestChain| {
            c.set_storage(EIP7002_PREDEPLOY, U256::ZERO, U256::from(excess))
        };
        let fee = eip7002::fee_for_excess(U256::from(excess));
        let calls = vec![
            (ALICE, U256::ZERO, Vec::new()),
            (ALICE, fee, request(1, 40_000_000_000_000)),
            (BOB, fee + U256::from(5), request(2, 0)),
            (BOB, fee.saturating_sub(U256::from(1)), request(3, 7)),
        ];
        let slots: Vec<U256> = (0u64..12).map(U256::from).collect();
        compare(
            EIP7002_PREDEPLOY,
            set_excess,
            &calls,
            &[true, true, true, false],
            &slots,
            &[ALICE, BOB, EIP7002_PREDEPLOY],
        );
    }
    // While the excess inhibitor is set, neither quotes a fee nor takes a request.
    let inhibit = |c: &mut TestChain| c.set_storage(EIP7002_PREDEPLOY, U256::ZERO, U256::MAX);
    let calls = vec![
        (ALICE, U256::ZERO, Vec::new()),
        (ALICE, U256::from(1), request(1, 5)),
    ];
    compare(
        EIP7002_PREDEPLOY,
        inhibit,
        &calls,
        &[false, false],
        &[U256::from(1), U256::from(3)],
        &[ALICE],
    );
}

/// One step of a script run on both chains.
enum Step {
    Call(Address, U256, Vec<u8>, bool),
    Wait(u64),
}

#[test]
fn native_beacon_deposit_contract_matches_the_real_one() {
    if reference_code("0x4242424242424242424242424242424242424242").is_none() {
        eprintln!("shared/reference is absent: BeaconDeposit conformance skipped");
        return;
    }
    use IBeaconDeposit as D;
    let key = |n: u8| Bytes::from(vec![n; 48]);
    let dep = |pubkey: Bytes, creds: usize, sig: usize, operator: Address| {
        D::depositCall {
            pubkey,
            credentials: Bytes::from(vec![1; creds]),
            signature: Bytes::from(vec![7; sig]),
            operator,
        }
        .abi_encode()
    };
    let steps = vec![
        Step::Call(ALICE, bera(10_000), dep(key(1), 32, 96, OPERATOR), true),
        Step::Call(BOB, bera(250_000), dep(key(1), 32, 96, Address::ZERO), true),
        Step::Call(ALICE, bera(10_000), dep(key(1), 32, 96, OPERATOR), false),
        Step::Call(
            ALICE,
            bera(10_000),
            dep(key(2), 32, 96, Address::ZERO),
            false,
        ),
        Step::Call(ALICE, bera(9_999), dep(key(3), 32, 96, BOB), false),
        Step::Call(
            ALICE,
            bera(10_000) + U256::from(1),
            dep(key(3), 32, 96, BOB),
            false,
        ),
        Step::Call(
            ALICE,
            bera(10_000),
            dep(Bytes::from(vec![3; 47]), 32, 96, BOB),
            false,
        ),
        Step::Call(ALICE, bera(10_000), dep(key(3), 31, 96, BOB), false),
        Step::Call(ALICE, bera(10_000), dep(key(3), 32, 95, BOB), false),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::getOperatorCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(ALICE, U256::ZERO, D::depositCountCall {}.abi_encode(), true),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::genesisDepositsRootCall {}.abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::supportsInterfaceCall {
                interfaceId: [0x13, 0x6f, 0x92, 0x0d].into(),
            }
            .abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::supportsInterfaceCall {
                interfaceId: [0x01, 0xff, 0xc9, 0xa7].into(),
            }
            .abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::supportsInterfaceCall {
                interfaceId: [0xff; 4].into(),
            }
            .abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::requestOperatorChangeCall {
                pubkey: key(1),
                newOperator: BOB,
            }
            .abi_encode(),
            false,
        ),
        Step::Call(
            OPERATOR,
            U256::ZERO,
            D::requestOperatorChangeCall {
                pubkey: key(1),
                newOperator: Address::ZERO,
            }
            .abi_encode(),
            false,
        ),
        Step::Call(
            OPERATOR,
            U256::ZERO,
            D::requestOperatorChangeCall {
                pubkey: key(1),
                newOperator: BOB,
            }
            .abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::queuedOperatorCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::acceptOperatorChangeCall { pubkey: key(1) }.abi_encode(),
            false,
        ),
        Step::Call(
            BOB,
            U256::ZERO,
            D::acceptOperatorChangeCall { pubkey: key(1) }.abi_encode(),
            false,
        ),
        Step::Wait(86_400),
        Step::Call(
            BOB,
            U256::ZERO,
            D::acceptOperatorChangeCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::getOperatorCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(
            OPERATOR,
            U256::ZERO,
            D::cancelOperatorChangeCall { pubkey: key(1) }.abi_encode(),
            false,
        ),
        Step::Call(
            BOB,
            U256::ZERO,
            D::requestOperatorChangeCall {
                pubkey: key(1),
                newOperator: ALICE,
            }
            .abi_encode(),
            true,
        ),
        Step::Call(
            BOB,
            U256::ZERO,
            D::cancelOperatorChangeCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::ZERO,
            D::queuedOperatorCall { pubkey: key(1) }.abi_encode(),
            true,
        ),
        Step::Call(
            ALICE,
            U256::from(1),
            D::getOperatorCall { pubkey: key(1) }.abi_encode(),
            false,
        ),
        Step::Call(ALICE, U256::from(1), Vec::new(), false),
        Step::Call(ALICE, U256::ZERO, vec![0xde, 0xad, 0xbe, 0xef], false),
    ];
    let mut real = TestChain::new();
    let mut native_chain = TestChain::with_native_beacon_deposit();
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Wait(seconds) => {
                for c in [&mut real, &mut native_chain] {
                    c.timestamp += seconds;
                    c.next_block();
                }
            }
            Step::Call(from, value, data, ok) => {
                let a = run(&mut real, from, BEACON_DEPOSIT, value, data.clone());
                let b = run(&mut native_chain, from, BEACON_DEPOSIT, value, data);
                assert_eq!(a.success, ok, "step {i} on the real contract: {a:?}");
                assert_eq!(a, b, "step {i}: the native contract differs");
            }
        }
    }
    let mut slots = vec![U256::ZERO, U256::from(1)];
    for n in 1..=3u8 {
        slots.push(beacon_deposit::bytes_mapping_slot(&[n; 48], U256::from(2)));
        slots.push(beacon_deposit::bytes_mapping_slot(&[n; 48], U256::from(3)));
    }
    for slot in slots {
        assert_eq!(
            real.storage(BEACON_DEPOSIT, slot),
            native_chain.storage(BEACON_DEPOSIT, slot),
            "slot {slot:#x}"
        );
    }
    for account in [ALICE, BOB, OPERATOR, Address::ZERO, BEACON_DEPOSIT] {
        assert_eq!(
            real.balance(account),
            native_chain.balance(account),
            "balance of {account}"
        );
    }
}

#[test]
fn beacon_root_reads_match_the_real_eip4788_contract() {
    use berapool_pool_precompiles::{pool_state::addresses::BEACON_ROOTS, system::beacon_roots};
    let mut c = TestChain::new();
    let root = alloy_primitives::B256::repeat_byte(0xab);
    c.set_beacon_root(root);
    let ts = c.timestamp;
    // The real contract, asked with the 32-byte timestamp, returns the root…
    let real = run(
        &mut c,
        ALICE,
        BEACON_ROOTS,
        U256::ZERO,
        U256::from(ts).to_be_bytes::<32>().to_vec(),
    );
    assert!(real.success);
    assert_eq!(real.output.as_ref(), root.as_slice());
    // …and refuses a timestamp it does not hold, as the native read does.
    let missing = run(
        &mut c,
        ALICE,
        BEACON_ROOTS,
        U256::ZERO,
        U256::from(ts + 1).to_be_bytes::<32>().to_vec(),
    );
    assert!(!missing.success);

    // The native read through the same chain state.
    let env = c.env();
    let mut evm = c.factory.create_evm(&mut c.db, env);
    evm.precompiles_mut().apply_precompile(&NATIVE, |_| {
        Some(DynPrecompile::new_stateful(
            PrecompileId::custom("roots"),
            |mut input: PrecompileInput<'_>| {
                let mut meter = GasMeter::new(input.gas);
                let ts = u64::from_be_bytes(input.data[24..32].try_into().expect("8 bytes"));
                let mut host = EvmHost::new(&mut input.internals, &mut meter, NATIVE, true);
                let found = beacon_roots::root_at(&mut host, ts).expect("no database error");
                drop(host);
                Ok(match found {
                    Some(root) => {
                        PrecompileOutput::new(meter.used(), root.to_vec().into(), input.reservoir)
                    }
                    None => PrecompileOutput::revert(meter.used(), Bytes::new(), input.reservoir),
                })
            },
        ))
    });
    for (t, expect) in [(ts, Some(root)), (ts + 1, None), (0, None)] {
        let tx = TxEnv {
            caller: ALICE,
            kind: TxKind::Call(NATIVE),
            data: U256::from(t).to_be_bytes::<32>().to_vec().into(),
            gas_limit: 100_000,
            gas_price: 0,
            chain_id: Some(80087),
            ..Default::default()
        };
        let result = evm.transact(tx).unwrap().result;
        match expect {
            Some(root) => assert_eq!(result.output().unwrap().as_ref(), root.as_slice()),
            None => assert!(!result.is_success()),
        }
    }
}
