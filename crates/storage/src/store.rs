//! [`ChainStore`]: the redb database under the datadir, its tables and their record encodings.

use std::path::{Path, PathBuf};

use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::{
    eip2718::{Decodable2718, Encodable2718},
    eip4895::Withdrawal,
    eip7685::Requests,
};
use alloy_evm::revm::{database::BundleState, primitives::KECCAK_EMPTY, state::AccountInfo};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use berapool_chainspec::ChainSpec;
use berapool_primitives::{ExecutedBlock, StoredBlock};

use crate::{
    error::{eip2718_error, rlp_error},
    state::MemoryState,
    StorageError,
};

/// Bumped whenever the layout of the tables changes.
pub const SCHEMA_VERSION: u32 = 2;
/// The database file inside the datadir.
pub const DB_FILE: &str = "chain.redb";

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ACCOUNTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("accounts");
const STORAGE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("storage");
const CODE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("code");
const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
const CANONICAL: TableDefinition<u64, &[u8]> = TableDefinition::new("canonical_hashes");
const NUMBERS: TableDefinition<&[u8], u64> = TableDefinition::new("header_numbers");
const BODIES: TableDefinition<u64, &[u8]> = TableDefinition::new("bodies");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
/// EIP-7685 requests per block (the consensus layer reads its withdrawal requests here).
const REQUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("requests");
const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
const LOG_ADDRESSES: TableDefinition<&[u8], ()> = TableDefinition::new("log_addresses");
const LOG_TOPICS: TableDefinition<&[u8], ()> = TableDefinition::new("log_topics");

const K_SCHEMA: &str = "schema_version";
const K_CHAIN_ID: &str = "chain_id";
const K_GENESIS: &str = "genesis_hash";
const K_HEAD: &str = "head";
const K_SAFE: &str = "safe";
const K_FINALIZED: &str = "finalized";

/// A block body as stored.
#[derive(Debug, RlpEncodable, RlpDecodable)]
struct StoredBody {
    transactions: Vec<Bytes>,
    senders: Vec<Address>,
    withdrawals: Vec<Withdrawal>,
}

/// Where a transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index in the block.
    pub index: u32,
}

fn encode_account(info: &AccountInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(72);
    out.extend_from_slice(&info.nonce.to_be_bytes());
    out.extend_from_slice(&info.balance.to_be_bytes::<32>());
    out.extend_from_slice(info.code_hash.as_slice());
    out
}

fn decode_account(bytes: &[u8]) -> Result<AccountInfo, StorageError> {
    if bytes.len() != 72 {
        return Err(StorageError::RecordLength {
            table: "accounts",
            len: bytes.len(),
        });
    }
    let mut nonce = [0u8; 8];
    nonce.copy_from_slice(&bytes[..8]);
    Ok(AccountInfo {
        nonce: u64::from_be_bytes(nonce),
        balance: U256::from_be_slice(&bytes[8..40]),
        code_hash: B256::from_slice(&bytes[40..72]),
        code: None,
        ..Default::default()
    })
}

fn storage_key(address: &Address, slot: &U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

fn index_key(prefix: &[u8], block: u64) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.extend_from_slice(&block.to_be_bytes());
    key
}

/// The chain's embedded database.
#[derive(Debug)]
pub struct ChainStore {
    db: redb::Database,
    datadir: PathBuf,
}

impl ChainStore {
    /// Opens the datadir for `spec`, writing its genesis on first use. Refuses a datadir of
    /// another chain or another schema.
    pub fn open(datadir: &Path, spec: &ChainSpec) -> Result<Self, StorageError> {
        std::fs::create_dir_all(datadir).map_err(|source| StorageError::Io {
            datadir: datadir.to_path_buf(),
            source,
        })?;
        let db = redb::Database::create(datadir.join(DB_FILE))?;
        let store = Self {
            db,
            datadir: datadir.to_path_buf(),
        };
        match store.meta(K_SCHEMA)? {
            None => store.write_genesis(spec)?,
            Some(found) => {
                let found = u32::from_be_bytes(found.as_slice().try_into().map_err(|_| {
                    StorageError::RecordLength {
                        table: "meta",
                        len: found.len(),
                    }
                })?);
                if found != SCHEMA_VERSION {
                    return Err(StorageError::SchemaMismatch {
                        datadir: store.datadir,
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
                let genesis = B256::from_slice(&store.meta(K_GENESIS)?.unwrap_or_default());
                let chain = store
                    .meta(K_CHAIN_ID)?
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .unwrap_or(0);
                if genesis != spec.genesis_hash() || chain != spec.chain_id() {
                    return Err(StorageError::ChainMismatch {
                        datadir: store.datadir,
                        found_chain: chain,
                        found_genesis: genesis,
                        expected_chain: spec.chain_id(),
                        expected_genesis: spec.genesis_hash(),
                    });
                }
            }
        }
        Ok(store)
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = match tx.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    fn write_genesis(&self, spec: &ChainSpec) -> Result<(), StorageError> {
        let state = MemoryState::from_genesis(&spec.genesis);
        let header = spec.genesis_header();
        let hash = spec.genesis_hash();
        let tx = self.db.begin_write()?;
        {
            let mut accounts = tx.open_table(ACCOUNTS)?;
            let mut storage = tx.open_table(STORAGE)?;
            let mut code = tx.open_table(CODE)?;
            for (address, info) in state.accounts() {
                accounts.insert(address.as_slice(), encode_account(info).as_slice())?;
            }
            for (address, slot, value) in state.slots() {
                storage.insert(
                    storage_key(address, slot).as_slice(),
                    value.to_be_bytes::<32>().as_slice(),
                )?;
            }
            for (hash, bytecode) in state.codes() {
                code.insert(hash.as_slice(), bytecode.original_bytes().as_ref())?;
            }
            write_header(&tx, header, hash)?;
            let body = StoredBody {
                transactions: Vec::new(),
                senders: Vec::new(),
                withdrawals: Vec::new(),
            };
            tx.open_table(BODIES)?
                .insert(0, alloy_rlp::encode(&body).as_slice())?;
            tx.open_table(RECEIPTS)?
                .insert(0, alloy_rlp::encode(Vec::<Bytes>::new()).as_slice())?;
            // The indexes exist from the start, so lookups on a fresh chain find nothing rather
            // than fail.
            tx.open_table(TX_INDEX)?;
            tx.open_table(REQUESTS)?;
            tx.open_table(LOG_ADDRESSES)?;
            tx.open_table(LOG_TOPICS)?;
            let mut meta = tx.open_table(META)?;
            meta.insert(K_SCHEMA, SCHEMA_VERSION.to_be_bytes().as_slice())?;
            meta.insert(K_CHAIN_ID, spec.chain_id().to_be_bytes().as_slice())?;
            meta.insert(K_GENESIS, hash.as_slice())?;
            meta.insert(K_HEAD, 0u64.to_be_bytes().as_slice())?;
            meta.insert(K_SAFE, hash.as_slice())?;
            meta.insert(K_FINALIZED, hash.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores an executed block as the new head: its state changes, header, body, receipts and
    /// indexes, in one write transaction.
    pub fn commit_block(&self, block: &ExecutedBlock) -> Result<(), StorageError> {
        let number = block.header.number;
        let hash = block.header.hash_slow();
        let tx = self.db.begin_write()?;
        {
            write_changes(&tx, &block.changes)?;
            write_header(&tx, &block.header, hash)?;
            let body = StoredBody {
                transactions: block
                    .transactions
                    .iter()
                    .map(|t| Bytes::from(t.inner().encoded_2718()))
                    .collect(),
                senders: block.transactions.iter().map(|t| t.signer()).collect(),
                withdrawals: block.withdrawals.clone(),
            };
            tx.open_table(BODIES)?
                .insert(number, alloy_rlp::encode(&body).as_slice())?;
            let receipts: Vec<Bytes> = block
                .receipts
                .iter()
                .map(|r| Bytes::from(r.encoded_2718()))
                .collect();
            tx.open_table(RECEIPTS)?
                .insert(number, alloy_rlp::encode(&receipts).as_slice())?;
            let requests: Vec<Bytes> = block.requests.iter().cloned().collect();
            tx.open_table(REQUESTS)?
                .insert(number, alloy_rlp::encode(&requests).as_slice())?;
            let mut tx_index = tx.open_table(TX_INDEX)?;
            for (i, t) in block.transactions.iter().enumerate() {
                let mut location = number.to_be_bytes().to_vec();
                location.extend_from_slice(&(i as u32).to_be_bytes());
                tx_index.insert(t.inner().tx_hash().as_slice(), location.as_slice())?;
            }
            let mut by_address = tx.open_table(LOG_ADDRESSES)?;
            let mut by_topic = tx.open_table(LOG_TOPICS)?;
            for log in block.receipts.iter().flat_map(|r| r.logs()) {
                by_address.insert(index_key(log.address.as_slice(), number).as_slice(), ())?;
                for topic in log.topics() {
                    by_topic.insert(index_key(topic.as_slice(), number).as_slice(), ())?;
                }
            }
            tx.open_table(META)?
                .insert(K_HEAD, number.to_be_bytes().as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the safe and finalized blocks (from forkchoice updates).
    pub fn set_safe_and_finalized(&self, safe: B256, finalized: B256) -> Result<(), StorageError> {
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(META)?;
            meta.insert(K_SAFE, safe.as_slice())?;
            meta.insert(K_FINALIZED, finalized.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The head block number.
    pub fn head_number(&self) -> Result<u64, StorageError> {
        let bytes = self.meta(K_HEAD)?.ok_or(StorageError::MissingHead)?;
        Ok(u64::from_be_bytes(bytes.as_slice().try_into().map_err(
            |_| StorageError::RecordLength {
                table: "meta",
                len: bytes.len(),
            },
        )?))
    }

    /// The safe and finalized block hashes.
    pub fn safe_and_finalized(&self) -> Result<(B256, B256), StorageError> {
        let get = |k| {
            self.meta(k)
                .map(|v| B256::from_slice(&v.unwrap_or_else(|| vec![0; 32])))
        };
        Ok((get(K_SAFE)?, get(K_FINALIZED)?))
    }

    /// The canonical header at `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(HEADERS)?;
        match table.get(number)? {
            Some(v) => Ok(Some(
                Header::decode(&mut v.value()).map_err(rlp_error("headers"))?,
            )),
            None => Ok(None),
        }
    }

    /// The canonical hash at `number`.
    pub fn block_hash(&self, number: u64) -> Result<Option<B256>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CANONICAL)?;
        Ok(table.get(number)?.map(|v| B256::from_slice(v.value())))
    }

    /// The number of the block with `hash`.
    pub fn block_number(&self, hash: B256) -> Result<Option<u64>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(NUMBERS)?;
        Ok(table.get(hash.as_slice())?.map(|v| v.value()))
    }

    /// The block at `number`.
    pub fn block(&self, number: u64) -> Result<Option<StoredBlock>, StorageError> {
        let Some(header) = self.header(number)? else {
            return Ok(None);
        };
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BODIES)?;
        let Some(raw) = table.get(number)? else {
            return Ok(None);
        };
        let body = StoredBody::decode(&mut raw.value()).map_err(rlp_error("bodies"))?;
        let transactions = body
            .transactions
            .iter()
            .map(|b| TxEnvelope::decode_2718(&mut b.as_ref()).map_err(eip2718_error("bodies")))
            .collect::<Result<_, _>>()?;
        Ok(Some(StoredBlock {
            header,
            transactions,
            senders: body.senders,
            withdrawals: body.withdrawals,
        }))
    }

    /// The receipts of block `number`.
    pub fn receipts(&self, number: u64) -> Result<Option<Vec<ReceiptEnvelope>>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECEIPTS)?;
        let Some(raw) = table.get(number)? else {
            return Ok(None);
        };
        let encoded = Vec::<Bytes>::decode(&mut raw.value()).map_err(rlp_error("receipts"))?;
        let receipts = encoded
            .iter()
            .map(|b| {
                ReceiptEnvelope::decode_2718(&mut b.as_ref()).map_err(eip2718_error("receipts"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(receipts))
    }

    /// The EIP-7685 requests of block `number` (empty for the genesis).
    pub fn requests(&self, number: u64) -> Result<Option<Requests>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(REQUESTS)?;
        let Some(raw) = table.get(number)? else {
            return Ok(None);
        };
        let requests = Vec::<Bytes>::decode(&mut raw.value()).map_err(rlp_error("requests"))?;
        Ok(Some(Requests::new(requests)))
    }

    /// Where the transaction with `hash` is.
    pub fn transaction_location(&self, hash: B256) -> Result<Option<TxLocation>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(TX_INDEX)?;
        let Some(raw) = table.get(hash.as_slice())? else {
            return Ok(None);
        };
        let v = raw.value();
        if v.len() != 12 {
            return Err(StorageError::RecordLength {
                table: "tx_index",
                len: v.len(),
            });
        }
        let mut block = [0u8; 8];
        block.copy_from_slice(&v[..8]);
        let mut index = [0u8; 4];
        index.copy_from_slice(&v[8..]);
        Ok(Some(TxLocation {
            block: u64::from_be_bytes(block),
            index: u32::from_be_bytes(index),
        }))
    }

    /// Blocks in `from..=to` with a log from `address` (ascending).
    pub fn blocks_with_log_address(
        &self,
        address: Address,
        from: u64,
        to: u64,
    ) -> Result<Vec<u64>, StorageError> {
        self.indexed_blocks(LOG_ADDRESSES, address.as_slice(), from, to)
    }

    /// Blocks in `from..=to` with a log carrying `topic` (ascending).
    pub fn blocks_with_log_topic(
        &self,
        topic: B256,
        from: u64,
        to: u64,
    ) -> Result<Vec<u64>, StorageError> {
        self.indexed_blocks(LOG_TOPICS, topic.as_slice(), from, to)
    }

    fn indexed_blocks(
        &self,
        def: TableDefinition<&[u8], ()>,
        prefix: &[u8],
        from: u64,
        to: u64,
    ) -> Result<Vec<u64>, StorageError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(def)?;
        let (lo, hi) = (index_key(prefix, from), index_key(prefix, to));
        let mut out = Vec::new();
        for entry in table.range(lo.as_slice()..=hi.as_slice())? {
            let (key, _) = entry?;
            let key = key.value();
            let mut n = [0u8; 8];
            n.copy_from_slice(&key[key.len() - 8..]);
            out.push(u64::from_be_bytes(n));
        }
        Ok(out)
    }

    /// The whole state, for execution (with the last 256 block hashes).
    pub fn load_state(&self) -> Result<MemoryState, StorageError> {
        let tx = self.db.begin_read()?;
        let mut state = MemoryState::default();
        for entry in tx.open_table(ACCOUNTS)?.iter()? {
            let (k, v) = entry?;
            state.insert_account(Address::from_slice(k.value()), decode_account(v.value())?);
        }
        for entry in tx.open_table(STORAGE)?.iter()? {
            let (k, v) = entry?;
            let key = k.value();
            state.insert_slot(
                Address::from_slice(&key[..20]),
                U256::from_be_slice(&key[20..]),
                U256::from_be_slice(v.value()),
            );
        }
        for entry in tx.open_table(CODE)?.iter()? {
            let (_, v) = entry?;
            state.insert_code(Bytes::copy_from_slice(v.value()));
        }
        let head = self.head_number()?;
        let canonical = tx.open_table(CANONICAL)?;
        for entry in canonical.range(head.saturating_sub(256)..=head)? {
            let (k, v) = entry?;
            state.set_block_hash(k.value(), B256::from_slice(v.value()));
        }
        Ok(state)
    }
}

fn write_header(
    tx: &redb::WriteTransaction,
    header: &Header,
    hash: B256,
) -> Result<(), StorageError> {
    let mut encoded = Vec::new();
    header.encode(&mut encoded);
    tx.open_table(HEADERS)?
        .insert(header.number, encoded.as_slice())?;
    tx.open_table(CANONICAL)?
        .insert(header.number, hash.as_slice())?;
    tx.open_table(NUMBERS)?
        .insert(hash.as_slice(), header.number)?;
    Ok(())
}

fn write_changes(tx: &redb::WriteTransaction, changes: &BundleState) -> Result<(), StorageError> {
    let mut accounts = tx.open_table(ACCOUNTS)?;
    let mut storage = tx.open_table(STORAGE)?;
    let mut code = tx.open_table(CODE)?;
    for (hash, bytecode) in &changes.contracts {
        if *hash != KECCAK_EMPTY {
            code.insert(hash.as_slice(), bytecode.original_bytes().as_ref())?;
        }
    }
    for (address, account) in &changes.state {
        let wiped = account.info.is_none() || account.status.was_destroyed();
        if wiped {
            // Remove every slot of the account.
            let lo = storage_key(address, &U256::ZERO);
            let hi = storage_key(address, &U256::MAX);
            let keys: Vec<Vec<u8>> = storage
                .range(lo.as_slice()..=hi.as_slice())?
                .map(|e| e.map(|(k, _)| k.value().to_vec()))
                .collect::<Result<_, _>>()?;
            for key in keys {
                storage.remove(key.as_slice())?;
            }
        }
        match &account.info {
            None => {
                accounts.remove(address.as_slice())?;
            }
            Some(info) => {
                accounts.insert(address.as_slice(), encode_account(info).as_slice())?;
                for (slot, value) in &account.storage {
                    let key = storage_key(address, slot);
                    if value.present_value.is_zero() {
                        storage.remove(key.as_slice())?;
                    } else {
                        storage.insert(
                            key.as_slice(),
                            value.present_value.to_be_bytes::<32>().as_slice(),
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}
