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
use berapool_txpool::{
    CanonicalUpdate, ChainView, PoolStatus, TransactionSource, TxPool, TxPoolConfig, TxPoolError,
    MAX_INIT_CODE_SIZE,
};

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
    // A creation with init code one byte over EIP-3860's limit; at the limit it is taken.
    let create = |n: u64, len: usize| {
        let signer = PrivateKeySigner::from_bytes(&key).unwrap();
        let tx = TxEip1559 {
            chain_id: 80087,
            nonce: n,
            gas_limit: 29_000_000,
            max_fee_per_gas: 2 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: TxKind::Create,
            value: U256::ZERO,
            input: vec![0u8; len].into(),
            access_list: Default::default(),
        };
        let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::Eip1559(tx.into_signed(sig))
    };
    // An EIP-7702 transaction must carry at least one authorization.
    let set_code = {
        let signer = PrivateKeySigner::from_bytes(&key).unwrap();
        let tx = alloy_consensus::TxEip7702 {
            chain_id: 80087,
            nonce: 1,
            gas_limit: 100_000,
            max_fee_per_gas: 2 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: Address::repeat_byte(9),
            authorization_list: Vec::new(),
            ..Default::default()
        };
        let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::Eip7702(tx.into_signed(sig))
    };
    assert!(matches!(
        pool.add(set_code, state, VIEW),
        Err(TxPoolError::EmptyAuthorizationList)
    ));
    assert!(matches!(
        pool.add(create(1, MAX_INIT_CODE_SIZE + 1), state, VIEW),
        Err(TxPoolError::InitCodeTooLarge {
            size: 49_153,
            max: 49_152
        })
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

fn queued(key: B256, nonce: u64, tip: u128) -> TxEnvelope {
    tx(key, nonce, 100 * GWEI, tip, 21_000, U256::ZERO)
}

fn nothing_mined() -> CanonicalUpdate<'static> {
    CanonicalUpdate {
        included: &[],
        left_out: &[],
        nonces: &[],
    }
}

#[test]
fn queued_transactions_are_capped_and_evicted_before_pending_ones() {
    let chain = dev_state(0);
    let pool = TxPool::new(TxPoolConfig {
        max_transactions: 4,
        max_queued: 2,
        ..TxPoolConfig::default()
    });
    let keys = dev_accounts();
    let key = |i: usize| keys[i].1;
    pool.add(queued(key(1), 0, GWEI), &chain, VIEW).unwrap();
    // Two senders park future nonces at a high tip: the queue is full.
    pool.add(queued(key(2), 1, 50 * GWEI), &chain, VIEW)
        .unwrap();
    let parked = pool
        .add(queued(key(3), 1, 40 * GWEI), &chain, VIEW)
        .unwrap();
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 1,
            queued: 2
        }
    );
    assert!(matches!(
        pool.add(queued(key(4), 1, 30 * GWEI), &chain, VIEW),
        Err(TxPoolError::QueueFull)
    ));
    // A better-paying queued one takes the cheapest queued one's place.
    pool.add(queued(key(4), 1, 60 * GWEI), &chain, VIEW)
        .unwrap();
    assert!(pool.get(&parked).is_none());
    pool.add(queued(key(5), 0, GWEI), &chain, VIEW).unwrap();
    assert_eq!(pool.len(), 4);
    // Full: an executable transaction at the lowest tip still evicts a queued one, whatever it
    // pays; a queued one never evicts a pending one.
    pool.add(queued(key(6), 0, GWEI), &chain, VIEW).unwrap();
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 3,
            queued: 1
        }
    );
    pool.add(queued(key(7), 0, GWEI), &chain, VIEW).unwrap();
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 4,
            queued: 0
        }
    );
    assert!(matches!(
        pool.add(queued(key(8), 1, 90 * GWEI), &chain, VIEW),
        Err(TxPoolError::QueueFull)
    ));
}

#[test]
fn a_sender_queues_at_most_its_share_and_queued_transactions_expire() {
    let chain = dev_state(0);
    let pool = TxPool::new(TxPoolConfig {
        max_queued_per_sender: 3,
        queued_lifetime: std::time::Duration::ZERO,
        ..TxPoolConfig::default()
    });
    let (a, b) = (dev_accounts()[1].1, dev_accounts()[2].1);
    for nonce in 2..5 {
        pool.add(queued(a, nonce, GWEI), &chain, VIEW).unwrap();
    }
    assert!(matches!(
        pool.add(queued(a, 5, GWEI), &chain, VIEW),
        Err(TxPoolError::SenderQueueFull { max: 3 })
    ));
    // Nonce 1 would be queued too; filling the gap from the chain's nonce makes the run pending.
    assert!(matches!(
        pool.add(queued(a, 1, GWEI), &chain, VIEW),
        Err(TxPoolError::SenderQueueFull { max: 3 })
    ));
    pool.add(queued(a, 0, GWEI), &chain, VIEW).unwrap();
    pool.add(queued(a, 1, GWEI), &chain, VIEW).unwrap();
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 5,
            queued: 0
        }
    );
    pool.add(queued(a, 6, GWEI), &chain, VIEW).unwrap();
    pool.add(queued(b, 3, GWEI), &chain, VIEW).unwrap();
    // A lifetime of zero: every queued transaction is gone after the next block.
    pool.on_canonical(&nothing_mined());
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 5,
            queued: 0
        }
    );
}

#[test]
fn transactions_behind_one_found_invalid_become_queued_within_the_limits() {
    let chain = dev_state(0);
    let pool = TxPool::new(TxPoolConfig {
        max_queued_per_sender: 2,
        ..TxPoolConfig::default()
    });
    let a = dev_accounts()[1].1;
    let hashes: Vec<B256> = (0..4)
        .map(|n| pool.add(queued(a, n, GWEI), &chain, VIEW).unwrap())
        .collect();
    pool.on_canonical(&CanonicalUpdate {
        included: &[],
        left_out: &hashes[..1],
        nonces: &[],
    });
    // Nonces 1..3 wait behind the dropped 0; only two may, the lowest kept.
    assert_eq!(
        pool.status(),
        PoolStatus {
            pending: 0,
            queued: 2
        }
    );
    assert!(pool.get(&hashes[1]).is_some() && pool.get(&hashes[2]).is_some());
    assert!(!pool.has_pending());
    assert!(pool.candidates().is_empty());
}

mod model {
    //! The pool against a model of its rules, over random entries and blocks.

    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Clone, Debug)]
    enum Op {
        /// Sender index, nonce ahead of the chain's, tip in gwei.
        Add(usize, u64, u8),
        /// A block mines the first `n` candidates.
        Mine(usize),
        /// A block finds the first candidate invalid.
        Drop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0usize..5, 0u64..6, 1u8..20).prop_map(|(s, n, t)| Op::Add(s, n, t)),
            2 => (0usize..6).prop_map(Op::Mine),
            1 => Just(Op::Drop),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn limits_hold_and_candidates_are_gapless_runs_from_each_chain_nonce(
            ops in proptest::collection::vec(op(), 1..40)
        ) {
            let config = TxPoolConfig {
                max_transactions: 8,
                max_queued: 3,
                max_queued_per_sender: 2,
                ..TxPoolConfig::default()
            };
            let pool = TxPool::new(config.clone());
            let keys = dev_accounts();
            // The chain's next nonce of each sender.
            let mut next: HashMap<Address, u64> = HashMap::new();
            let mut state = dev_state(0);
            for op in ops {
                match op {
                    Op::Add(s, ahead, tip) => {
                        let (address, key) = keys[s + 1];
                        let chain_nonce = next.get(&address).copied().unwrap_or(0);
                        let nonce = chain_nonce + ahead;
                        let executable = nonce == pool.pending_nonce(address, chain_nonce);
                        let room = pool.len() < config.max_transactions;
                        let added = pool.add(queued(key, nonce, u128::from(tip) * GWEI), &state, VIEW);
                        // The next executable nonce always finds room in a pool with space.
                        if executable && room {
                            prop_assert!(added.is_ok(), "{:?}", added);
                        }
                    }
                    Op::Mine(n) => {
                        let mined: Vec<_> = pool.candidates().into_iter().take(n).collect();
                        let mut nonces = BTreeMap::new();
                        for tx in &mined {
                            let nonce = alloy_consensus::Transaction::nonce(tx.inner());
                            let expected = next.entry(tx.signer()).or_insert(0);
                            prop_assert_eq!(nonce, *expected, "candidates run in nonce order");
                            *expected += 1;
                            nonces.insert(tx.signer(), *expected);
                        }
                        let included: Vec<B256> = mined.iter().map(|t| *t.inner().tx_hash()).collect();
                        let nonces: Vec<(Address, u64)> = nonces.into_iter().collect();
                        for (address, nonce) in &nonces {
                            let info = AccountInfo::from_balance(
                                U256::from(100_000_000u64) * U256::from(10u64).pow(U256::from(18u64)),
                            )
                            .with_nonce(*nonce);
                            state.insert_account_info(*address, info);
                        }
                        pool.on_canonical(&CanonicalUpdate { included: &included, left_out: &[], nonces: &nonces });
                        let status = pool.status();
                        prop_assert!(status.queued <= config.max_queued);
                    }
                    Op::Drop => {
                        let Some(first) = pool.candidates().into_iter().next() else { continue };
                        let hash = *first.inner().tx_hash();
                        pool.on_canonical(&CanonicalUpdate { included: &[], left_out: &[hash], nonces: &[] });
                        prop_assert!(pool.get(&hash).is_none());
                        prop_assert!(pool.status().queued <= config.max_queued);
                    }
                }
                let status = pool.status();
                prop_assert_eq!(status.pending + status.queued, pool.len());
                prop_assert!(pool.len() <= config.max_transactions);
                // Pending is exactly what the builder gets, and each sender's run is gapless
                // from its chain nonce.
                let candidates = pool.candidates();
                prop_assert_eq!(candidates.len(), status.pending);
                prop_assert_eq!(pool.has_pending(), status.pending > 0);
                let mut expected = next.clone();
                let mut by_sender: BTreeMap<Address, Vec<u64>> = BTreeMap::new();
                for tx in &candidates {
                    by_sender.entry(tx.signer()).or_default().push(alloy_consensus::Transaction::nonce(tx.inner()));
                }
                for (sender, nonces) in by_sender {
                    let from = expected.entry(sender).or_insert(0);
                    let run: Vec<u64> = (*from..*from + nonces.len() as u64).collect();
                    prop_assert_eq!(nonces, run);
                }
            }
        }
    }
}
