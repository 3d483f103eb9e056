//! [`ChainStore`]: the redb database under the datadir, what it stores per block and how it is
//! read back.

use std::path::{Path, PathBuf};

use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::{
    eip2718::{Decodable2718, Encodable2718},
    eip4895::Withdrawal,
    eip7685::Requests,
};
use alloy_evm::revm::{primitives::KECCAK_EMPTY, state::AccountInfo};
use alloy_primitives::{keccak256, Address, Bytes, FixedBytes, B256, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use berapool_chainspec::ChainSpec;
use berapool_primitives::{decode_state_edits, encode_state_edits, ExecutedBlock, StoredBlock};

use crate::{
    error::{eip2718_error, rlp_error},
    history::{self, HistoryRetention, ReadMeta},
    tables::*,
    view::StateView,
    BlockChanges, StateTries, StorageError,
};

/// Bumped whenever the layout of the tables changes.
pub const SCHEMA_VERSION: u32 = 3;
/// The database file inside the datadir.
pub const DB_FILE: &str = "chain.redb";

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

/// An account of [`ChainStore::dump_state`]: address, account and non-zero slots.
pub type DumpedAccount = (Address, AccountInfo, Vec<(U256, U256)>);

/// The chain's embedded database.
#[derive(Debug)]
pub struct ChainStore {
    db: redb::Database,
    datadir: PathBuf,
    retention: HistoryRetention,
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
            retention: HistoryRetention::All,
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

    /// Keeps `retention` of state history from the next commit on.
    pub fn with_history(mut self, retention: HistoryRetention) -> Self {
        self.retention = retention;
        self
    }

    fn write_genesis(&self, spec: &ChainSpec) -> Result<(), StorageError> {
        let header = spec.genesis_header();
        let hash = spec.genesis_hash();
        let tx = self.db.begin_write()?;
        {
            let mut accounts = tx.open_table(ACCOUNTS)?;
            let mut storage = tx.open_table(STORAGE)?;
            let mut code = tx.open_table(CODE)?;
            for (address, account) in &spec.genesis.alloc {
                let code_hash = match &account.code {
                    Some(bytes) if !bytes.is_empty() => {
                        let hash = keccak256(bytes);
                        code.insert(hash.as_slice(), bytes.as_ref())?;
                        hash
                    }
                    _ => KECCAK_EMPTY,
                };
                let info = AccountInfo {
                    balance: account.balance,
                    nonce: account.nonce.unwrap_or(0),
                    code_hash,
                    code: None,
                    ..Default::default()
                };
                accounts.insert(address.as_slice(), encode_account(&info).as_slice())?;
                for (slot, value) in account.storage.iter().flatten() {
                    if !value.is_zero() {
                        let slot = U256::from_be_bytes(slot.0);
                        storage.insert(storage_key(address, &slot).as_slice(), value.as_slice())?;
                    }
                }
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
            tx.open_table(ACCOUNT_HISTORY)?;
            tx.open_table(STORAGE_HISTORY)?;
            tx.open_table(BLOCK_CHANGES)?;
            let mut meta = tx.open_table(META)?;
            meta.insert(K_SCHEMA, SCHEMA_VERSION.to_be_bytes().as_slice())?;
            meta.insert(K_CHAIN_ID, spec.chain_id().to_be_bytes().as_slice())?;
            meta.insert(K_GENESIS, hash.as_slice())?;
            meta.insert(K_HEAD, 0u64.to_be_bytes().as_slice())?;
            meta.insert(K_SAFE, hash.as_slice())?;
            meta.insert(K_FINALIZED, hash.as_slice())?;
            meta.insert(K_HISTORY_START, 0u64.to_be_bytes().as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores an executed block as the new head: its state changes and their history, header,
    /// body, receipts and indexes, in one write transaction; and prunes the history the
    /// retention no longer keeps.
    pub fn commit_block(&self, block: &ExecutedBlock) -> Result<(), StorageError> {
        let number = block.header.number;
        let hash = block.header.hash_slow();
        let tx = self.db.begin_write()?;
        {
            history::write_state(&tx, number, &block.changes)?;
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
            if !block.state_edits.is_empty() {
                tx.open_table(STATE_EDITS)?
                    .insert(number, encode_state_edits(&block.state_edits).as_slice())?;
            }
            if let Some(pubkey) = &block.parent_proposer_pubkey {
                tx.open_table(PARENT_PROPOSERS)?
                    .insert(number, pubkey.as_slice())?;
            }
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
            history::prune(&tx, number, self.retention)?;
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
        self.db
            .begin_read()?
            .meta_u64(K_HEAD)?
            .ok_or(StorageError::MissingHead)
    }

    /// The oldest block whose state can still be read.
    pub fn history_start(&self) -> Result<u64, StorageError> {
        history::history_start(&self.db.begin_read()?)
    }

    /// The state the head's writer executes on: the head's tables, no history lookups. Only
    /// the block builder may use it, since it alone moves the head.
    pub fn latest(&self) -> Result<StateView, StorageError> {
        let tx = self.db.begin_read()?;
        let head = tx.meta_u64(K_HEAD)?.ok_or(StorageError::MissingHead)?;
        StateView::new(&tx, head, false)
    }

    /// The state after block `block`, read on one snapshot: from the history of later changes
    /// where there are any, so it stays right while later blocks are committed.
    pub fn state_at(&self, block: u64) -> Result<StateView, StorageError> {
        let tx = self.db.begin_read()?;
        let head = tx.meta_u64(K_HEAD)?.ok_or(StorageError::MissingHead)?;
        let oldest = history::history_start(&tx)?;
        if block < oldest || block > head {
            return Err(StorageError::StateUnavailable {
                block,
                oldest,
                head,
            });
        }
        StateView::new(&tx, block, true)
    }

    /// What block `number` changed in the state, with the values before it (`None` for a
    /// block whose history is pruned, or the genesis).
    pub fn block_changes(&self, number: u64) -> Result<Option<BlockChanges>, StorageError> {
        history::block_changes(&self.db.begin_read()?, number)
    }

    /// Every account of the head's state with its non-zero slots, in address order (for exports
    /// and for checks that recompute the state root independently).
    pub fn dump_state(&self) -> Result<Vec<DumpedAccount>, StorageError> {
        let tx = self.db.begin_read()?;
        let mut out = Vec::new();
        for entry in tx.open_table(ACCOUNTS)?.iter()? {
            let (k, v) = entry?;
            out.push((
                Address::from_slice(k.value()),
                decode_account("accounts", v.value())?,
                Vec::new(),
            ));
        }
        let storage = tx.open_table(STORAGE)?;
        for (address, _, slots) in &mut out {
            let lo = storage_key(address, &U256::ZERO);
            let hi = storage_key(address, &U256::MAX);
            for entry in storage.range(lo.as_slice()..=hi.as_slice())? {
                let (k, v) = entry?;
                slots.push((
                    U256::from_be_slice(&k.value()[20..]),
                    decode_word("storage", v.value())?,
                ));
            }
        }
        Ok(out)
    }

    /// The state tries of the head, built from its tables (at start).
    pub fn load_tries(&self) -> Result<StateTries, StorageError> {
        let tx = self.db.begin_read()?;
        let mut tries = StateTries::default();
        for entry in tx.open_table(STORAGE)?.iter()? {
            let (k, v) = entry?;
            let key = k.value();
            tries.set_slot(
                Address::from_slice(&key[..20]),
                U256::from_be_slice(&key[20..]),
                decode_word("storage", v.value())?,
            );
        }
        for entry in tx.open_table(ACCOUNTS)?.iter()? {
            let (k, v) = entry?;
            let info = decode_account("accounts", v.value())?;
            tries.set_account(Address::from_slice(k.value()), Some(&info));
        }
        Ok(tries)
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
        let state_edits = match tx.open_table(STATE_EDITS) {
            Ok(table) => match table.get(number)? {
                Some(raw) => decode_state_edits(raw.value()).map_err(rlp_error("state_edits"))?,
                None => Vec::new(),
            },
            // A datadir that never had an edit.
            Err(redb::TableError::TableDoesNotExist(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let parent_proposer_pubkey = match tx.open_table(PARENT_PROPOSERS) {
            Ok(table) => match table.get(number)? {
                Some(raw) => Some(FixedBytes::<48>::try_from(raw.value()).map_err(|_| {
                    StorageError::RecordLength {
                        table: "parent_proposers",
                        len: raw.value().len(),
                    }
                })?),
                None => None,
            },
            // A datadir from before PoL.
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Some(StoredBlock {
            header,
            transactions,
            senders: body.senders,
            withdrawals: body.withdrawals,
            state_edits,
            parent_proposer_pubkey,
        }))
    }

    /// Removes every block after `target`, head first, in one write transaction: their state
    /// changes undone from their history, their bodies, receipts, requests, edits and index
    /// entries deleted, and `target` made the head (and the safe and finalized block if those
    /// were later). Refused when `target` is after the head or its state is no longer kept.
    /// Returns what each removed block changed, head first, for rolling the state tries back.
    pub fn unwind_to(&self, target: u64) -> Result<Vec<BlockChanges>, StorageError> {
        let tx = self.db.begin_write()?;
        let head = tx.meta_u64(K_HEAD)?.ok_or(StorageError::MissingHead)?;
        let oldest = history::history_start(&tx)?;
        if target > head || target < oldest {
            return Err(StorageError::StateUnavailable {
                block: target,
                oldest,
                head,
            });
        }
        // The safe and finalized blocks move back only if they are among the removed ones.
        let kept_after_unwind = |key: &str| -> Result<Option<Vec<u8>>, StorageError> {
            let meta = tx.open_table(META)?;
            let Some(hash) = meta.get(key)?.map(|v| v.value().to_vec()) else {
                return Ok(None);
            };
            let number = tx
                .open_table(NUMBERS)?
                .get(hash.as_slice())?
                .map(|n| n.value());
            Ok(number.filter(|n| *n <= target).map(|_| hash))
        };
        let (safe, finalized) = (kept_after_unwind(K_SAFE)?, kept_after_unwind(K_FINALIZED)?);
        let mut undone = Vec::with_capacity((head - target) as usize);
        for number in (target + 1..=head).rev() {
            undone.push(history::block_changes_in(&tx, number)?);
            history::unwind_state(&tx, number)?;
            remove_block(&tx, number)?;
        }
        let target_hash = {
            let canonical = tx.open_table(CANONICAL)?;
            let hash = canonical
                .get(target)?
                .ok_or(StorageError::MissingBlock(target))?;
            B256::from_slice(hash.value())
        };
        {
            let mut meta = tx.open_table(META)?;
            meta.insert(K_HEAD, target.to_be_bytes().as_slice())?;
            let safe = safe.unwrap_or_else(|| target_hash.to_vec());
            let finalized = finalized.unwrap_or_else(|| target_hash.to_vec());
            meta.insert(K_SAFE, safe.as_slice())?;
            meta.insert(K_FINALIZED, finalized.as_slice())?;
        }
        tx.commit()?;
        Ok(undone)
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
            out.push(block_of(entry?.0.value()));
        }
        Ok(out)
    }
}

/// Deletes block `number`'s header, body, receipts, requests, edits and index entries.
fn remove_block(tx: &redb::WriteTransaction, number: u64) -> Result<(), StorageError> {
    let missing = || StorageError::MissingBlock(number);
    let hash = {
        let mut canonical = tx.open_table(CANONICAL)?;
        let hash = canonical.remove(number)?.ok_or_else(missing)?;
        hash.value().to_vec()
    };
    tx.open_table(NUMBERS)?.remove(hash.as_slice())?;
    tx.open_table(HEADERS)?.remove(number)?;
    let body = {
        let mut bodies = tx.open_table(BODIES)?;
        let raw = bodies.remove(number)?.ok_or_else(missing)?;
        StoredBody::decode(&mut raw.value()).map_err(rlp_error("bodies"))?
    };
    let mut tx_index = tx.open_table(TX_INDEX)?;
    for raw in &body.transactions {
        let envelope =
            TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(eip2718_error("bodies"))?;
        tx_index.remove(envelope.tx_hash().as_slice())?;
    }
    let receipts = {
        let mut table = tx.open_table(RECEIPTS)?;
        let raw = table.remove(number)?;
        raw.map(|raw| Vec::<Bytes>::decode(&mut raw.value()).map_err(rlp_error("receipts")))
            .transpose()?
            .unwrap_or_default()
    };
    let mut by_address = tx.open_table(LOG_ADDRESSES)?;
    let mut by_topic = tx.open_table(LOG_TOPICS)?;
    for raw in &receipts {
        let receipt =
            ReceiptEnvelope::decode_2718(&mut raw.as_ref()).map_err(eip2718_error("receipts"))?;
        for log in receipt.logs() {
            by_address.remove(index_key(log.address.as_slice(), number).as_slice())?;
            for topic in log.topics() {
                by_topic.remove(index_key(topic.as_slice(), number).as_slice())?;
            }
        }
    }
    tx.open_table(REQUESTS)?.remove(number)?;
    tx.open_table(STATE_EDITS)?.remove(number)?;
    tx.open_table(PARENT_PROPOSERS)?.remove(number)?;
    Ok(())
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
