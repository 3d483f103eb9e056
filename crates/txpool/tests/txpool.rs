//! The transaction pool: every entry error, replacement, eviction, and what the builder gets.

#![allow(clippy::unwrap_used)]

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::revm::{
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use berapool_chainspec::dev_accounts;
use berapool_txpool::{ChainView, TransactionSource, TxPool, TxPoolConfig, TxPoolError};

/// The dev accounts funded as on the dev chain, each with `nonce`.
fn dev_state(nonce: u64) -> CacheDB<EmptyDB> {
    let mut db = CacheDB::new(EmptyDB::default());
    let funded = U256::from(100_000_000u64) * U256::from(10u64).pow(U256::from(18u64));
    for (address, _) in dev_accounts() {
        db.insert_account_info(address, AccountInfo::from_balance(funded).with_nonce(nonce));
    }
    db
}

const VIEW: ChainView = ChainView {
    chain_id: 80087,
    base_fee: 1_000_000_000,
    gas_limit: 30_000_000,
};

fn tx(key: B256, nonce: u64, max_fee: u128, tip: u128, gas: u64, value: U256) -> TxEnvelope {
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    let tx = TxEip1559 {
        chain_id: 80087,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::repeat_byte(9)),
        value,
        input: Bytes::new(),
        access_list: Default::default(),
    };
    let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::Eip1559(tx.into_signed(sig))
}

const GWEI: u128 = 1_000_000_000;

#[test]
fn entry_checks_give_clear_errors() {
    let chain = dev_state(0);
    let pool = TxPool::default();
    let state = &chain;
    let (_, key) = dev_accounts()[1];
    let ok = |n| tx(key, n, 2 * GWEI, GWEI, 21_000, U256::from(1));
    assert!(pool.add(ok(0), state, VIEW).is_ok());
    assert!(matches!(
        pool.add(ok(0), state, VIEW),
        Err(TxPoolError::AlreadyKnown)
    ));
    assert!(matches!(
        pool.add_raw(&[0xde, 0xad], state, VIEW),
        Err(TxPoolError::Decode(_))
    ));
    assert!(matches!(
        pool.add(
            ok(1),
            state,
            ChainView {
                chain_id: 1,
                ..VIEW
            }
        ),
        Err(TxPoolError::WrongChainId {
            expected: 1,
            got: Some(80087)
        })
    ));
    assert!(matches!(
        pool.add(tx(key, 1, GWEI / 2, 1, 21_000, U256::ZERO), state, VIEW),
        Err(TxPoolError::FeeCapTooLow { .. })
    ));
    assert!(matches!(
        pool.add(tx(key, 1, GWEI, 2 * GWEI, 21_000, U256::ZERO), state, VIEW),
        Err(TxPoolError::TipAboveFeeCap)
    ));
    assert!(matches!(
        pool.add(tx(key, 1, 2 * GWEI, GWEI, 20_999, U256::ZERO), state, VIEW),
        Err(TxPoolError::IntrinsicGas {
            needed: 21_000,
            got: 20_999
        })
    ));
    assert!(matches!(
        pool.add(
            tx(key, 1, 2 * GWEI, GWEI, 31_000_000, U256::ZERO),
            state,
            VIEW
        ),
        Err(TxPoolError::GasLimit { .. })
    ));
    assert!(matches!(
        pool.add(tx(key, 66, 2 * GWEI, GWEI, 21_000, U256::ZERO), state, VIEW),
        Err(TxPoolError::NonceGap {
            next: 0,
            got: 66,
            ..
        })
    ));
    let broke = B256::repeat_byte(0x55);
    assert!(matches!(
        pool.add(
            tx(broke, 0, 2 * GWEI, GWEI, 21_000, U256::ZERO),
            state,
            VIEW
        ),
        Err(TxPoolError::InsufficientFunds { .. })
    ));
    // Nonce too low once the chain has moved on.
    let moved = dev_state(1);
    assert!(matches!(
        pool.add(ok(0), &moved, VIEW),
        Err(TxPoolError::NonceTooLow { next: 1, got: 0 })
    ));
    // Unprotected legacy transactions (no chain id) are refused.
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    let legacy = TxLegacy {
        chain_id: None,
        nonce: 1,
        gas_price: 2 * GWEI,
        gas_limit: 21_000,
        to: TxKind::Call(Address::ZERO),
        value: U256::ZERO,
        input: Bytes::new(),
    };
    let sig = signer.sign_hash_sync(&legacy.signature_hash()).unwrap();
    let legacy = TxEnvelope::Legacy(legacy.into_signed(sig));
    assert!(matches!(
        pool.add(legacy, state, VIEW),
        Err(TxPoolError::WrongChainId { got: None, .. })
    ));
    // Oversized.
    let small = TxPool::new(TxPoolConfig {
        max_tx_bytes: 50,
        ..TxPoolConfig::default()
    });
    assert!(matches!(
        small.add_raw(&ok(1).encoded_2718(), state, VIEW),
        Err(TxPoolError::Oversized { .. })
    ));
}

#[test]
fn replacement_needs_ten_percent_more_and_a_full_pool_evicts_the_cheapest() {
    let chain = dev_state(0);
    let pool = TxPool::new(TxPoolConfig {
        max_transactions: 2,
        ..TxPoolConfig::default()
    });
    let keys = dev_accounts();
    let (a, b, c) = (keys[1].1, keys[2].1, keys[3].1);
    pool.add(
        tx(a, 0, 10 * GWEI, 2 * GWEI, 21_000, U256::ZERO),
        &chain,
        VIEW,
    )
    .unwrap();
    assert!(matches!(
        pool.add(
            tx(a, 0, 10 * GWEI + 1, 2 * GWEI + 1, 21_000, U256::ZERO),
            &chain,
            VIEW
        ),
        Err(TxPoolError::ReplacementUnderpriced { bump: 10 })
    ));
    let better = pool
        .add(
            tx(a, 0, 11 * GWEI, 22 * GWEI / 10, 21_000, U256::ZERO),
            &chain,
            VIEW,
        )
        .unwrap();
    assert_eq!(pool.len(), 1);
    assert!(pool.get(&better).is_some());
    pool.add(
        tx(b, 0, 10 * GWEI, 3 * GWEI, 21_000, U256::ZERO),
        &chain,
        VIEW,
    )
    .unwrap();
    // Full: a cheaper newcomer is refused, a better one evicts the cheapest.
    assert!(matches!(
        pool.add(tx(c, 0, 10 * GWEI, GWEI, 21_000, U256::ZERO), &chain, VIEW),
        Err(TxPoolError::PoolFull)
    ));
    pool.add(
        tx(c, 0, 10 * GWEI, 5 * GWEI, 21_000, U256::ZERO),
        &chain,
        VIEW,
    )
    .unwrap();
    assert_eq!(pool.len(), 2);
    assert!(
        pool.get(&better).is_none(),
        "the 2.2 gwei tip was the cheapest"
    );
}

#[test]
fn the_builder_gets_executable_runs_best_tip_first_in_nonce_order() {
    let chain = dev_state(0);
    let pool = TxPool::default();
    let keys = dev_accounts();
    let (a, b) = (keys[1], keys[2]);
    // A: nonces 0 and 1 at a low tip, and 3 (a gap: not executable). B: nonce 0 at a high tip.
    for (n, tip) in [(1u64, GWEI), (0, GWEI), (3, 9 * GWEI)] {
        pool.add(tx(a.1, n, 20 * GWEI, tip, 21_000, U256::ZERO), &chain, VIEW)
            .unwrap();
    }
    pool.add(
        tx(b.1, 0, 20 * GWEI, 5 * GWEI, 21_000, U256::ZERO),
        &chain,
        VIEW,
    )
    .unwrap();
    let order: Vec<(Address, u64)> = pool
        .candidates()
        .iter()
        .map(|t| (t.signer(), alloy_consensus::Transaction::nonce(t.inner())))
        .collect();
    assert_eq!(order, vec![(b.0, 0), (a.0, 0), (a.0, 1)]);
    assert!(pool.has_pending());
    assert_eq!(pool.pending_nonce(a.0, 0), 2);
}

#[test]
fn a_nonce_learned_after_entry_makes_the_transaction_executable() {
    // Validated on a state one block behind (nonce 3), while the chain is at nonce 5.
    let stale = dev_state(3);
    let pool = TxPool::default();
    let (sender, key) = dev_accounts()[1];
    let tx5 = tx(key, 5, 2 * GWEI, GWEI, 21_000, U256::from(1));
    pool.add(tx5, &stale, VIEW).unwrap();
    assert!(
        !pool.has_pending(),
        "nonce 5 waits for 3 and 4 on the stale view"
    );
    pool.observe_nonce(sender, 5);
    assert!(pool.has_pending());
    assert_eq!(pool.candidates().len(), 1);
    // A transaction below what the pool knows is refused, whatever the view said.
    assert!(matches!(
        pool.add(tx(key, 4, 2 * GWEI, GWEI, 21_000, U256::ZERO), &stale, VIEW),
        Err(TxPoolError::NonceTooLow { next: 5, got: 4 })
    ));
}
