//! Wall time of the hot operations on the in-memory store: `submit`, `requestWithdrawal` (the
//! CL partial path), `finalizeWithdrawalRequest` and an stBERA transfer. Each iteration runs on
//! a fresh copy of a prepared state (the copy is not timed).

use alloy_primitives::{Address, FixedBytes, U256};
use berapool_pool_state::{
    addresses::{pool_withdrawal_credentials, FACTORY, WITHDRAWAL_VAULT},
    params::bera,
    Call, MemoryHost, PoolId, PoolParams, PoolRegistration, PoolSystem, ProvenValidator, Storage,
    VaultWithdrawal,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const GOV: Address = Address::repeat_byte(0x90);
const USER: Address = Address::repeat_byte(0xa1);
const WHALE: Address = Address::repeat_byte(0xee);

/// One pool with 300,000 BERA on the CL, past its cooldown, plus a partial request of 1,000
/// BERA that the CL has paid and that is ready to finalize.
fn prepared() -> (PoolSystem, MemoryHost, PoolId, Vec<u8>) {
    let sys = PoolSystem::new(PoolParams::dev());
    let mut host = MemoryHost::new();
    sys.initialize(&mut host, GOV).expect("initialize");
    host.mint(USER, bera(1_000_000));
    host.mint(WHALE, bera(100_000_000));
    let pubkey = FixedBytes::<48>([1; 48]);
    let reg = PoolRegistration {
        pubkey: pubkey.to_vec(),
        withdrawal_credentials: pool_withdrawal_credentials().to_vec(),
        signature: FixedBytes([0; 96]),
        validator_admin: USER,
        default_shares_recipient: USER,
    };
    host.transfer(USER, FACTORY, bera(10_000)).expect("fund");
    sys.deploy_pool(&mut host, &Call::with_value(USER, bera(10_000)), &reg)
        .expect("deploy");
    let id = PoolId::from_pubkey(&pubkey);
    host.advance(2, 4);
    sys.begin_block(&mut host).expect("begin");
    let proven = ProvenValidator {
        pubkey,
        withdrawal_credentials: pool_withdrawal_credentials(),
        initial_deposit_gwei: 10_000_000_000_000,
        validator_index: 1,
        proof_timestamp: host.block.timestamp,
    };
    sys.activate_staking_pool(&mut host, &proven)
        .expect("activate");
    let staking_pool = id.addresses().staking_pool;
    host.transfer(WHALE, staking_pool, bera(290_000))
        .expect("fund");
    sys.submit(
        &mut host,
        &Call::with_value(WHALE, bera(290_000)),
        id,
        WHALE,
    )
    .expect("submit");
    host.advance(
        sys.params.withdrawal_cooldown_blocks,
        2 * sys.params.withdrawal_cooldown_blocks,
    );
    host.transfer(WHALE, WITHDRAWAL_VAULT, U256::from(1))
        .expect("fee");
    sys.request_withdrawal(
        &mut host,
        &Call::with_value(WHALE, U256::from(1)),
        &pubkey,
        1_000 * 1_000_000_000,
        U256::from(1),
    )
    .expect("request");
    host.mint(WITHDRAWAL_VAULT, bera(1_000));
    sys.credit_consensus_withdrawals(
        &mut host,
        &[VaultWithdrawal {
            validator_index: 1,
            amount_gwei: 1_000 * 1_000_000_000,
        }],
    )
    .expect("credit");
    host.advance(
        sys.params.finalization_delay_blocks,
        2 * sys.params.finalization_delay_blocks,
    );
    host.clear_effects();
    (sys, host, id, pubkey.to_vec())
}

fn operations(c: &mut Criterion) {
    let (sys, host, id, pubkey) = prepared();
    let pubkey = FixedBytes::<48>::from_slice(&pubkey);
    let staking_pool = id.addresses().staking_pool;

    for (name, bera_sent) in [
        ("submit (1 BERA, buffered)", 1),
        ("submit (10,000 BERA, CL deposit)", 10_000),
    ] {
        c.bench_function(name, |b| {
            b.iter_batched_ref(
                || {
                    let mut h = host.clone();
                    h.transfer(USER, staking_pool, bera(bera_sent))
                        .expect("fund");
                    h
                },
                |h| {
                    sys.submit(h, &Call::with_value(USER, bera(bera_sent)), id, USER)
                        .expect("submit")
                },
                BatchSize::SmallInput,
            )
        });
    }
    c.bench_function("requestWithdrawal (CL partial)", |b| {
        b.iter_batched_ref(
            || {
                let mut h = host.clone();
                h.transfer(WHALE, WITHDRAWAL_VAULT, U256::from(1))
                    .expect("fee");
                h
            },
            |h| {
                sys.request_withdrawal(
                    h,
                    &Call::with_value(WHALE, U256::from(1)),
                    &pubkey,
                    1_000_000_000_000,
                    U256::from(1),
                )
                .expect("request")
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("finalizeWithdrawalRequest", |b| {
        b.iter_batched_ref(
            || host.clone(),
            |h| {
                sys.finalize_withdrawal_request(h, U256::from(1))
                    .expect("finalize")
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("stBERA transfer", |b| {
        b.iter_batched_ref(
            || host.clone(),
            |h| {
                sys.transfer_shares(h, &Call::from(WHALE), id, USER, bera(1))
                    .expect("transfer")
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, operations);
criterion_main!(benches);
