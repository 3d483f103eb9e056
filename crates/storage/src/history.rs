//! A block's state changes as the store writes them: the head's tables updated, and what every
//! changed account and slot held before the block kept in the history tables, in the block's
//! own write transaction; and the pruning of history older than the retention.

use std::collections::HashSet;

use alloy_evm::revm::{database::BundleState, primitives::KECCAK_EMPTY};
use alloy_primitives::U256;
use redb::{ReadableTable, WriteTransaction};

use crate::{
    tables::{
        decode_changes, decode_old_account, decode_word, encode_account, encode_changes, index_key,
        storage_key, BlockChanges, ACCOUNTS, ACCOUNT_HISTORY, BLOCK_CHANGES, CODE, K_HISTORY_START,
        META, STORAGE, STORAGE_HISTORY,
    },
    StorageError,
};

/// How much state history the store keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HistoryRetention {
    /// Every block's (an archive).
    #[default]
    All,
    /// The last this many blocks': state can be read at the head and the blocks before it down
    /// to `head - n`.
    Blocks(u64),
}

/// Blocks pruned at most per commit, so that lowering the retention of a long chain spreads
/// the deletions over many blocks instead of stalling one.
const PRUNE_PER_COMMIT: u64 = 64;

const ZERO_WORD: [u8; 32] = [0; 32];

/// Writes block `number`'s state changes: the head's accounts, slots and code, and the history
/// of every changed key.
pub(crate) fn write_state(
    tx: &WriteTransaction,
    number: u64,
    changes: &BundleState,
) -> Result<(), StorageError> {
    let mut accounts = tx.open_table(ACCOUNTS)?;
    let mut storage = tx.open_table(STORAGE)?;
    let mut code = tx.open_table(CODE)?;
    let mut account_history = tx.open_table(ACCOUNT_HISTORY)?;
    let mut storage_history = tx.open_table(STORAGE_HISTORY)?;
    for (hash, bytecode) in &changes.contracts {
        if *hash != KECCAK_EMPTY {
            code.insert(hash.as_slice(), bytecode.original_bytes().as_ref())?;
        }
    }
    let mut changed_accounts = Vec::with_capacity(changes.state.len());
    let mut changed_slots = Vec::new();
    for (address, account) in &changes.state {
        // Writing returns the value it replaced: one B-tree walk per account, not two.
        let old = match &account.info {
            Some(info) => accounts.insert(address.as_slice(), encode_account(info).as_slice())?,
            None => accounts.remove(address.as_slice())?,
        }
        .map(|v| v.value().to_vec());
        account_history.insert(
            index_key(address.as_slice(), number).as_slice(),
            old.as_deref().unwrap_or_default(),
        )?;
        changed_accounts.push(*address);
        // Each slot's value before the block, recorded once.
        let mut recorded = HashSet::new();
        if account.info.is_none() || account.status.was_destroyed() {
            let lo = storage_key(address, &U256::ZERO);
            let hi = storage_key(address, &U256::MAX);
            let existing: Vec<(Vec<u8>, Vec<u8>)> = storage
                .range(lo.as_slice()..=hi.as_slice())?
                .map(|e| e.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())))
                .collect::<Result<_, _>>()?;
            for (key, value) in existing {
                let slot = U256::from_be_slice(&key[20..]);
                storage_history.insert(index_key(&key, number).as_slice(), value.as_slice())?;
                storage.remove(key.as_slice())?;
                recorded.insert(slot);
                changed_slots.push((*address, slot));
            }
        }
        if account.info.is_none() {
            continue;
        }
        for (slot, value) in &account.storage {
            let key = storage_key(address, slot);
            let old = if value.present_value.is_zero() {
                storage.remove(key.as_slice())?
            } else {
                storage.insert(
                    key.as_slice(),
                    value.present_value.to_be_bytes::<32>().as_slice(),
                )?
            }
            .map(|v| v.value().to_vec());
            if recorded.insert(*slot) {
                storage_history.insert(
                    index_key(&key, number).as_slice(),
                    old.as_deref().unwrap_or(&ZERO_WORD),
                )?;
                changed_slots.push((*address, *slot));
            }
        }
    }
    tx.open_table(BLOCK_CHANGES)?.insert(
        number,
        encode_changes(&changed_accounts, &changed_slots).as_slice(),
    )?;
    Ok(())
}

/// The oldest block whose state can be read.
pub(crate) fn history_start(tx: &impl ReadMeta) -> Result<u64, StorageError> {
    tx.meta_u64(K_HISTORY_START).map(|n| n.unwrap_or(0))
}

/// Reads a `u64` from the meta table, in a read or a write transaction.
pub(crate) trait ReadMeta {
    /// `key` as a big-endian `u64`, if set.
    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StorageError>;
}

fn to_u64(bytes: &[u8]) -> Result<u64, StorageError> {
    let raw: [u8; 8] = bytes.try_into().map_err(|_| StorageError::RecordLength {
        table: "meta",
        len: bytes.len(),
    })?;
    Ok(u64::from_be_bytes(raw))
}

impl ReadMeta for WriteTransaction {
    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let table = self.open_table(META)?;
        let value = table.get(key)?;
        value.map(|v| to_u64(v.value())).transpose()
    }
}

impl ReadMeta for redb::ReadTransaction {
    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let table = self.open_table(META)?;
        let value = table.get(key)?;
        value.map(|v| to_u64(v.value())).transpose()
    }
}

/// Deletes the history that `retention` no longer keeps once `head` is the head (at most
/// [`PRUNE_PER_COMMIT`] blocks' worth), and moves the history start after it.
pub(crate) fn prune(
    tx: &WriteTransaction,
    head: u64,
    retention: HistoryRetention,
) -> Result<(), StorageError> {
    let HistoryRetention::Blocks(keep) = retention else {
        return Ok(());
    };
    let start = history_start(tx)?;
    let until = head.saturating_sub(keep).min(start + PRUNE_PER_COMMIT);
    if until <= start {
        return Ok(());
    }
    let mut block_changes = tx.open_table(BLOCK_CHANGES)?;
    let mut account_history = tx.open_table(ACCOUNT_HISTORY)?;
    let mut storage_history = tx.open_table(STORAGE_HISTORY)?;
    // Block `b`'s entries hold the state before `b`: once they are gone, the oldest readable
    // state is the one after `b`.
    for block in start + 1..=until {
        let Some(record) = block_changes.remove(block)? else {
            continue;
        };
        let (accounts, slots) = decode_changes(record.value())?;
        drop(record);
        for address in accounts {
            account_history.remove(index_key(address.as_slice(), block).as_slice())?;
        }
        for (address, slot) in slots {
            storage_history.remove(index_key(&storage_key(&address, &slot), block).as_slice())?;
        }
    }
    tx.open_table(META)?
        .insert(K_HISTORY_START, until.to_be_bytes().as_slice())?;
    Ok(())
}

/// What block `number` changed, with the values before it (for rolling the tries back).
pub(crate) fn block_changes(
    tx: &redb::ReadTransaction,
    number: u64,
) -> Result<Option<BlockChanges>, StorageError> {
    let block_changes = tx.open_table(BLOCK_CHANGES)?;
    let account_history = tx.open_table(ACCOUNT_HISTORY)?;
    let storage_history = tx.open_table(STORAGE_HISTORY)?;
    read_changes(&block_changes, &account_history, &storage_history, number)
}

/// [`block_changes`] inside a write transaction (before the block is unwound); the block's
/// history must be there.
pub(crate) fn block_changes_in(
    tx: &WriteTransaction,
    number: u64,
) -> Result<BlockChanges, StorageError> {
    let block_changes = tx.open_table(BLOCK_CHANGES)?;
    let account_history = tx.open_table(ACCOUNT_HISTORY)?;
    let storage_history = tx.open_table(STORAGE_HISTORY)?;
    read_changes(&block_changes, &account_history, &storage_history, number)?
        .ok_or(StorageError::MissingBlock(number))
}

fn read_changes(
    block_changes: &impl ReadableTable<u64, &'static [u8]>,
    account_history: &impl ReadableTable<&'static [u8], &'static [u8]>,
    storage_history: &impl ReadableTable<&'static [u8], &'static [u8]>,
    number: u64,
) -> Result<Option<BlockChanges>, StorageError> {
    let Some(record) = block_changes.get(number)? else {
        return Ok(None);
    };
    let (addresses, keys) = decode_changes(record.value())?;
    let missing = || StorageError::MissingBlock(number);
    let mut changes = BlockChanges::default();
    for address in addresses {
        let old = account_history
            .get(index_key(address.as_slice(), number).as_slice())?
            .ok_or_else(missing)?;
        changes
            .accounts
            .push((address, decode_old_account(old.value())?));
    }
    for (address, slot) in keys {
        let old = storage_history
            .get(index_key(&storage_key(&address, &slot), number).as_slice())?
            .ok_or_else(missing)?;
        changes
            .slots
            .push((address, slot, decode_word("storage_history", old.value())?));
    }
    Ok(Some(changes))
}

/// Undoes block `number`'s state changes (the head's tables get back what the block's history
/// entries held before it) and deletes those entries. `number` must be the head.
pub(crate) fn unwind_state(tx: &WriteTransaction, number: u64) -> Result<(), StorageError> {
    let (addresses, keys) = {
        let mut block_changes = tx.open_table(BLOCK_CHANGES)?;
        let record = block_changes
            .remove(number)?
            .ok_or(StorageError::MissingBlock(number))?;
        decode_changes(record.value())?
    };
    let mut accounts = tx.open_table(ACCOUNTS)?;
    let mut storage = tx.open_table(STORAGE)?;
    let mut account_history = tx.open_table(ACCOUNT_HISTORY)?;
    let mut storage_history = tx.open_table(STORAGE_HISTORY)?;
    let missing = || StorageError::MissingBlock(number);
    for address in addresses {
        let old = account_history
            .remove(index_key(address.as_slice(), number).as_slice())?
            .ok_or_else(missing)?;
        match decode_old_account(old.value())? {
            Some(info) => accounts.insert(address.as_slice(), encode_account(&info).as_slice())?,
            None => accounts.remove(address.as_slice())?,
        };
    }
    for (address, slot) in keys {
        let key = storage_key(&address, &slot);
        let old = storage_history
            .remove(index_key(&key, number).as_slice())?
            .ok_or_else(missing)?;
        let old = decode_word("storage_history", old.value())?;
        if old.is_zero() {
            storage.remove(key.as_slice())?;
        } else {
            storage.insert(key.as_slice(), old.to_be_bytes::<32>().as_slice())?;
        }
    }
    Ok(())
}
