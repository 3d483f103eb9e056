//! Storage: a datadir is initialized with its genesis, stores every block with its state in one
//! transaction, reopens at its head with the same state root, and refuses another chain's or
//! another schema's data.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::Address;
use berapool_chainspec::dev_accounts;
use berapool_pool_precompiles::pool_state::{
    addresses::{BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
    params::bera,
};
use berapool_primitives::ExecutedBlock;
use berapool_storage::{ChainStore, StorageError};
use common::{pool_registration, Chain};

fn three_blocks(chain: &mut Chain, store: &ChainStore) -> Vec<ExecutedBlock> {
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
    for block in &out {
        store.commit_block(block).unwrap();
    }
    out
}

#[test]
fn a_datadir_reopens_at_its_head_with_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::dev();
    let blocks = {
        let store = ChainStore::open(dir.path(), &chain.spec).unwrap();
        assert_eq!(store.head_number().unwrap(), 0);
        assert_eq!(
            store.header(0).unwrap().unwrap(),
            *chain.spec.genesis_header()
        );
        assert_eq!(
            store.load_state().unwrap().state_root(),
            chain.spec.genesis_header().state_root
        );
        three_blocks(&mut chain, &store)
    };

    let store = ChainStore::open(dir.path(), &chain.spec).unwrap();
    assert_eq!(store.head_number().unwrap(), 3);
    let head = store.header(3).unwrap().unwrap();
    assert_eq!(head, blocks[2].header);
    assert_eq!(store.block_hash(3).unwrap(), Some(head.hash_slow()));
    assert_eq!(store.block_number(head.hash_slow()).unwrap(), Some(3));
    // State as stored = state the head header commits to.
    let mut state = store.load_state().unwrap();
    assert_eq!(state.state_root(), head.state_root);
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
    let chain = Chain::dev();
    drop(ChainStore::open(dir.path(), &chain.spec).unwrap());

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
