//! Storage: a datadir is initialized with its genesis, stores every block with its state and
//! its state history in one transaction, reopens at its head with the same state root, serves
//! the state of every kept block (and only those), rolls the tries back to any of them, and
//! refuses another chain's or another schema's data.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_eips::eip4895::Withdrawal;
use alloy_evm::revm::state::AccountInfo;
use alloy_primitives::Address;
use alloy_primitives::U256;
use berapool_chainspec::dev_accounts;
use berapool_pool_precompiles::pool_state::{
    addresses::{BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
    params::bera,
};
use berapool_primitives::ExecutedBlock;
use berapool_storage::{ChainStore, HistoryRetention, StateView, StorageError};
use common::{pool_registration, Chain};

fn three_blocks(chain: &mut Chain) -> Vec<ExecutedBlock> {
    let keys = dev_accounts();
    let (alice, key) = keys[2];
    let deploy = pool_registration(alice);
    let mut out = Vec::new();
    let txs = vec![
        chain.tx(key, Address::repeat_byte(1), bera(1), Vec::new()),
        chain.tx(key, FACTORY, bera(10_000), deploy),
    ];
    let input = chain.input(txs, Vec::new());
    out.push(chain.execute(input));
    let txs = vec![chain.tx(key, Address::repeat_byte(2), bera(2), Vec::new())];
    let input = chain.input(
        txs,
        vec![Withdrawal {
            index: 0,
            validator_index: 1,
            address: WITHDRAWAL_VAULT,
            amount: 5,
        }],
    );
    out.push(chain.execute(input));
    let input = chain.input(Vec::new(), Vec::new());
    out.push(chain.execute(input));
    out
}

#[test]
fn a_datadir_reopens_at_its_head_with_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    let blocks = {
        let mut chain = Chain::open(dir.path(), spec.clone());
        let store = &chain.store;
        assert_eq!(store.head_number().unwrap(), 0);
        assert_eq!(store.header(0).unwrap().unwrap(), *spec.genesis_header());
        assert_eq!(
            store.load_tries().unwrap().root(),
            spec.genesis_header().state_root
        );
        three_blocks(&mut chain)
    };

    let store = ChainStore::open(dir.path(), &spec).unwrap();
    assert_eq!(store.head_number().unwrap(), 3);
    let head = store.header(3).unwrap().unwrap();
    assert_eq!(head, blocks[2].header);
    assert_eq!(store.block_hash(3).unwrap(), Some(head.hash_slow()));
    assert_eq!(store.block_number(head.hash_slow()).unwrap(), Some(3));
    // State as stored = state the head header commits to.
    assert_eq!(store.load_tries().unwrap().root(), head.state_root);
    // Bodies and receipts come back as executed.
    let block1 = store.block(1).unwrap().unwrap();
    assert_eq!(block1.transactions.len(), 2);
    assert_eq!(block1.senders[0], dev_accounts()[2].0);
    assert_eq!(store.receipts(1).unwrap().unwrap(), blocks[0].receipts);
    assert_eq!(store.block(2).unwrap().unwrap().withdrawals.len(), 1);
    let tx_hash = *blocks[1].transactions[0].inner().tx_hash();
    let location = store.transaction_location(tx_hash).unwrap().unwrap();
    assert_eq!((location.block, location.index), (2, 0));
    // The log index finds the BeaconDeposit log of block 1.
    assert_eq!(
        store.blocks_with_log_address(BEACON_DEPOSIT, 0, 3).unwrap(),
        vec![1]
    );
    let topic = blocks[0].receipts[1].logs()[0].topics()[0];
    assert!(store
        .blocks_with_log_topic(topic, 0, 3)
        .unwrap()
        .contains(&1));
    assert!(store
        .blocks_with_log_address(BEACON_DEPOSIT, 2, 3)
        .unwrap()
        .is_empty());
}

#[test]
fn another_chain_or_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(dir.path(), berapool_chainspec::ChainSpec::dev().unwrap());
    drop(chain.store);

    let mut other = chain.spec.genesis.clone();
    other.config.chain_id = 1234;
    let other = berapool_chainspec::ChainSpec::from_genesis(other).unwrap();
    let error = ChainStore::open(dir.path(), &other).unwrap_err();
    assert!(matches!(
        error,
        StorageError::ChainMismatch {
            found_chain: 80087,
            expected_chain: 1234,
            ..
        }
    ));
    assert!(
        error.to_string().contains("use another --datadir"),
        "{error}"
    );

    // A datadir written with another schema.
    {
        let db = redb::Database::create(dir.path().join(berapool_storage::DB_FILE)).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut meta = tx
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                .unwrap();
            meta.insert("schema_version", 99u32.to_be_bytes().as_slice())
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let error = ChainStore::open(dir.path(), &chain.spec).unwrap_err();
    assert!(
        matches!(error, StorageError::SchemaMismatch { found: 99, .. }),
        "{error}"
    );
}

#[test]
fn a_fresh_chain_answers_lookups_with_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        ChainStore::open(dir.path(), &berapool_chainspec::ChainSpec::dev().unwrap()).unwrap();
    assert_eq!(
        store
            .transaction_location(alloy_primitives::B256::repeat_byte(1))
            .unwrap(),
        None
    );
    let logged = store
        .blocks_with_log_address(alloy_primitives::Address::repeat_byte(1), 0, 10)
        .unwrap();
    assert!(logged.is_empty());
    let topics = store
        .blocks_with_log_topic(alloy_primitives::B256::repeat_byte(2), 0, 10)
        .unwrap();
    assert!(topics.is_empty());
}

/// What the test reads of the state after each block.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    alice: Option<AccountInfo>,
    receiver: U256,
    roots_slot: U256,
    vault_code: alloy_primitives::Bytes,
}

fn seen(state: &StateView, receiver: Address, roots_slot: U256) -> Seen {
    Seen {
        alice: state.account(&dev_accounts()[2].0).unwrap(),
        receiver: state
            .account(&receiver)
            .unwrap()
            .map(|a| a.balance)
            .unwrap_or_default(),
        roots_slot: state
            .slot(&alloy_eips::eip4788::BEACON_ROOTS_ADDRESS, &roots_slot)
            .unwrap(),
        vault_code: state.code_of(&WITHDRAWAL_VAULT).unwrap(),
    }
}

#[test]
fn every_kept_block_serves_its_own_state_after_later_blocks_and_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    let receiver = Address::repeat_byte(0x5e);
    // Blocks 8,191 s apart all write the same EIP-4788 ring slot (the timestamp), so it holds
    // another value after every block.
    let mut chain = Chain::open(dir.path(), spec.clone());
    let roots_slot = U256::from(chain.head.timestamp % 8191);
    let (_, key) = dev_accounts()[2];
    let mut expected = vec![seen(&chain.store.latest().unwrap(), receiver, roots_slot)];
    let mut roots = vec![chain.head.state_root];
    for n in 1..=24u64 {
        let txs = vec![chain.tx(key, receiver, bera(n), Vec::new())];
        let mut input = chain.input(txs, Vec::new());
        input.timestamp = chain.head.timestamp + 8191;
        chain.execute(input);
        expected.push(seen(&chain.store.latest().unwrap(), receiver, roots_slot));
        roots.push(chain.head.state_root);
    }
    let head = chain.head.number;
    drop(chain);

    let store = ChainStore::open(dir.path(), &spec).unwrap();
    for (n, want) in expected.iter().enumerate() {
        let state = store.state_at(n as u64).unwrap();
        assert_eq!(&seen(&state, receiver, roots_slot), want, "block {n}");
    }
    assert!(matches!(
        store.state_at(head + 1),
        Err(StorageError::StateUnavailable {
            block: 25,
            oldest: 0,
            head: 24
        })
    ));
    // The head's tries rolled back block by block give every earlier block's root.
    let mut tries = store.load_tries().unwrap();
    assert_eq!(tries.root(), roots[head as usize]);
    for n in (0..head).rev() {
        tries.revert(&store.block_changes(n + 1).unwrap().unwrap());
        assert_eq!(tries.root(), roots[n as usize], "rolled back to block {n}");
    }
}

#[test]
fn a_retention_keeps_only_the_last_blocks_state() {
    let dir = tempfile::tempdir().unwrap();
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    let mut chain = Chain::open(dir.path(), spec).keep_history(HistoryRetention::Blocks(5));
    let (_, key) = dev_accounts()[2];
    let receiver = Address::repeat_byte(0x5f);
    for n in 1..=12u64 {
        let txs = vec![chain.tx(key, receiver, bera(n), Vec::new())];
        let input = chain.input(txs, Vec::new());
        chain.execute(input);
    }
    assert_eq!(chain.store.history_start().unwrap(), 7);
    let error = chain.store.state_at(6).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("keeps the state of blocks 7..=12"),
        "{error}"
    );
    assert!(chain.store.block_changes(7).unwrap().is_none(), "pruned");
    // Block 7's state: received 1 + 2 + … + 7 BERA.
    let at_7 = chain.store.state_at(7).unwrap();
    assert_eq!(at_7.account(&receiver).unwrap().unwrap().balance, bera(28));
    // Unwinding needs the history of every block it removes.
    assert!(chain.store.unwind_to(6).is_err());
    assert_eq!(chain.store.head_number().unwrap(), 12);
}

#[test]
fn unwinding_restores_the_state_and_forgets_the_removed_blocks() {
    let mut chain = Chain::dev();
    let before = chain.store.dump_state().unwrap();
    let root_0 = chain.head.state_root;
    let blocks = three_blocks(&mut chain);
    let deploy = *blocks[0].transactions[1].inner().tx_hash();
    let later = *blocks[1].transactions[0].inner().tx_hash();
    let log_address = blocks[0].receipts[1].logs()[0].address;

    // Outside the kept history, or ahead of the head: refused, nothing changes.
    assert!(chain.store.unwind_to(4).is_err());
    assert_eq!(chain.store.head_number().unwrap(), 3);

    let genesis = chain.store.block_hash(0).unwrap().unwrap();
    chain
        .store
        .set_safe_and_finalized(genesis, blocks[2].header.hash_slow())
        .unwrap();
    let undone = chain.store.unwind_to(1).unwrap();
    assert_eq!(undone.len(), 2, "blocks 3 and 2, head first");
    assert_eq!(chain.store.head_number().unwrap(), 1);
    assert!(chain.store.header(2).unwrap().is_none());
    assert!(chain.store.block(3).unwrap().is_none());
    assert!(chain.store.receipts(2).unwrap().is_none());
    assert_eq!(chain.store.block_hash(2).unwrap(), None);
    assert_eq!(
        chain
            .store
            .block_number(blocks[1].header.hash_slow())
            .unwrap(),
        None
    );
    assert!(chain.store.transaction_location(later).unwrap().is_none());
    assert!(chain.store.transaction_location(deploy).unwrap().is_some());
    assert_eq!(
        chain
            .store
            .blocks_with_log_address(log_address, 0, 10)
            .unwrap(),
        vec![1]
    );
    // The head's tables hold block 1's state: its root, recomputed from scratch.
    assert_eq!(chain.root_from_scratch(), blocks[0].header.state_root);
    // The safe and finalized blocks move back only when they were removed: finalized (block
    // 3) comes back to block 1, safe (the genesis) stays.
    let (safe, finalized) = chain.store.safe_and_finalized().unwrap();
    assert_eq!(safe, chain.store.block_hash(0).unwrap().unwrap());
    assert_eq!(finalized, blocks[0].header.hash_slow());

    // The tries roll back through the same changes to block 1's root.
    let mut tries = chain.tries.clone();
    for changes in &undone {
        tries.revert(changes);
    }
    assert_eq!(tries.root(), blocks[0].header.state_root);

    // Down to the genesis, and the chain goes on from there.
    chain.store.unwind_to(0).unwrap();
    assert_eq!(chain.store.dump_state().unwrap(), before);
    chain.tries = chain.store.load_tries().unwrap();
    assert_eq!(chain.tries.root(), root_0);
    chain.head = chain.store.header(0).unwrap().unwrap();
    chain.nonces.clear();
    let again = three_blocks(&mut chain);
    assert_eq!(chain.store.head_number().unwrap(), 3);
    assert_eq!(again[0].header.state_root, blocks[0].header.state_root);
}
