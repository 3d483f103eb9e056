//! Block execution on the dev chain: transfers, a pool registration through the factory
//! precompile (with the native BeaconDeposit), the EIP-4788 and EIP-2935 system calls, EIP-4895
//! withdrawals (one to the withdrawal vault, handed to the pool system's hook), and an EIP-7002
//! request. Every header is checked against a replay on a fresh state and against a state root
//! recomputed from scratch.

#![allow(clippy::unwrap_used)]

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, U256};
mod common;

use berapool_chainspec::dev_accounts;
use berapool_pool_precompiles::pool_state::{
    addresses::{BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
    layout,
    params::bera,
};
use common::{pool_registration, Chain};

#[test]
fn the_genesis_state_root_is_the_executors() {
    let chain = Chain::dev();
    let root = chain.spec.genesis_header().state_root;
    assert_eq!(chain.tries.root(), root);
    assert_eq!(chain.root_from_scratch(), root);
}

#[test]
fn blocks_with_transfers_pool_calls_withdrawals_and_requests_have_consistent_roots() {
    let mut chain = Chain::dev();
    let keys = dev_accounts();
    let (alice, alice_key) = keys[1];
    let bob = Address::repeat_byte(0xb0);

    // Block 1: a transfer, a pool registration, two withdrawals (one to the vault).
    let deploy = pool_registration(alice);
    let balance = |chain: &Chain, who: &Address| {
        let state = chain.store.latest().unwrap();
        state.account(who).unwrap().unwrap().balance
    };
    let slot = |chain: &Chain, who: &Address, slot: &U256| {
        chain.store.latest().unwrap().slot(who, slot).unwrap()
    };
    let txs = vec![
        chain.tx(alice_key, bob, bera(5), Vec::new()),
        chain.tx(alice_key, FACTORY, bera(10_000), deploy),
    ];
    let withdrawals = vec![
        Withdrawal {
            index: 0,
            validator_index: 3,
            address: bob,
            amount: 1_000_000_000,
        },
        Withdrawal {
            index: 1,
            validator_index: 7,
            address: WITHDRAWAL_VAULT,
            amount: 2_000_000_000,
        },
    ];
    let inputs1 = chain.input(txs, withdrawals);
    let block1 = chain.execute(inputs1.clone());
    assert!(
        block1.receipts.iter().all(|r| r.status()),
        "{:?}",
        block1.receipts
    );
    assert_eq!(block1.header.number, 1);
    // The pool registration burnt 10,000 BERA through the native BeaconDeposit and logged it.
    assert!(block1.receipts[1]
        .logs()
        .iter()
        .any(|l| l.address == BEACON_DEPOSIT));
    assert_eq!(balance(&chain, &Address::ZERO), bera(10_000));
    // Bob got 5 BERA and a withdrawal of 1,000,000,000 gwei (1 BERA).
    assert_eq!(balance(&chain, &bob), bera(6));
    // The vault's withdrawal of a validator of no pool: credited and recorded as unattributed.
    assert_eq!(
        balance(&chain, &WITHDRAWAL_VAULT),
        U256::from(2_000_000_000u64) * U256::from(1_000_000_000u64)
    );
    let unattributed = slot(
        &chain,
        &WITHDRAWAL_VAULT,
        &layout::slot(layout::vault::UNATTRIBUTED),
    );
    assert_eq!(
        unattributed,
        U256::from(2_000_000_000u64) * U256::from(1_000_000_000u64)
    );
    // EIP-4788 stored the parent beacon root.
    let ts = U256::from(block1.header.timestamp % 8191);
    assert_eq!(
        slot(
            &chain,
            &alloy_eips::eip4788::BEACON_ROOTS_ADDRESS,
            &(ts + U256::from(8191))
        ),
        U256::from_be_bytes([0xbb; 32])
    );
    assert_eq!(block1.header.state_root, chain.root_from_scratch());

    // Block 2: an EIP-7002 request straight to the predeploy (its excess inhibitor was lifted at
    // the end of block 1).
    let mut request = vec![0x11; 48];
    request.extend_from_slice(&5u64.to_be_bytes());
    let fee_tx = chain.tx(
        alice_key,
        alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        U256::from(1),
        request,
    );
    let block2 = chain.execute(chain.input(vec![fee_tx], Vec::new()));
    assert!(block2.receipts[0].status());
    assert_eq!(
        block2.requests.len(),
        1,
        "one withdrawal request in the block's requests"
    );
    assert_ne!(
        block2.header.requests_hash,
        Some(alloy_eips::eip7685::Requests::default().requests_hash())
    );
    assert_eq!(block2.header.state_root, chain.root_from_scratch());

    // An independent replay from genesis gives the same headers.
    let mut replay = Chain::dev();
    let again = replay.execute(inputs1);
    assert_eq!(again.header, block1.header);
}
