//! The redb tables, their keys and the encodings of their records.
//!
//! State is kept twice: as it is at the head (`accounts`, `storage`, `code`), and as it was
//! before each block that changed it (`account_history`, `storage_history`), keyed so that "the
//! value at block N" is one seek: the first history entry after N holds it, and without one the
//! head's value does. `block_changes` lists what each block changed, to prune its entries and to
//! roll the state tries back for proofs at older blocks.

use alloy_evm::revm::state::AccountInfo;
use alloy_primitives::{Address, B256, U256};
use redb::TableDefinition;

use crate::StorageError;

pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub(crate) const ACCOUNTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("accounts");
pub(crate) const STORAGE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("storage");
pub(crate) const CODE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("code");
pub(crate) const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
pub(crate) const CANONICAL: TableDefinition<u64, &[u8]> = TableDefinition::new("canonical_hashes");
pub(crate) const NUMBERS: TableDefinition<&[u8], u64> = TableDefinition::new("header_numbers");
pub(crate) const BODIES: TableDefinition<u64, &[u8]> = TableDefinition::new("bodies");
pub(crate) const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
/// EIP-7685 requests per block (the consensus layer reads its withdrawal requests here).
pub(crate) const REQUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("requests");
pub(crate) const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
pub(crate) const LOG_ADDRESSES: TableDefinition<&[u8], ()> = TableDefinition::new("log_addresses");
pub(crate) const LOG_TOPICS: TableDefinition<&[u8], ()> = TableDefinition::new("log_topics");
/// address ‖ block → the account before that block changed it (empty: it did not exist).
pub(crate) const ACCOUNT_HISTORY: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("account_history");
/// address ‖ slot ‖ block → the slot's value before that block changed it.
pub(crate) const STORAGE_HISTORY: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("storage_history");
/// block → the accounts and slots it changed ([`encode_changes`]).
pub(crate) const BLOCK_CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("block_changes");
/// block → the dev-chain state edits applied at its start (only blocks that have some).
pub(crate) const STATE_EDITS: TableDefinition<u64, &[u8]> = TableDefinition::new("state_edits");
/// block → the 48-byte pubkey of its parent's proposer, whose PoL rewards it distributed.
pub(crate) const PARENT_PROPOSERS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("parent_proposers");

pub(crate) const K_SCHEMA: &str = "schema_version";
pub(crate) const K_CHAIN_ID: &str = "chain_id";
pub(crate) const K_GENESIS: &str = "genesis_hash";
pub(crate) const K_HEAD: &str = "head";
pub(crate) const K_SAFE: &str = "safe";
pub(crate) const K_FINALIZED: &str = "finalized";
/// The oldest block whose state can still be read (history before it is pruned).
pub(crate) const K_HISTORY_START: &str = "history_start";

pub(crate) fn encode_account(info: &AccountInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(72);
    out.extend_from_slice(&info.nonce.to_be_bytes());
    out.extend_from_slice(&info.balance.to_be_bytes::<32>());
    out.extend_from_slice(info.code_hash.as_slice());
    out
}

pub(crate) fn decode_account(
    table: &'static str,
    bytes: &[u8],
) -> Result<AccountInfo, StorageError> {
    if bytes.len() != 72 {
        return Err(StorageError::RecordLength {
            table,
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

/// An account record of a history table: the account, or empty for one that did not exist.
pub(crate) fn decode_old_account(bytes: &[u8]) -> Result<Option<AccountInfo>, StorageError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    decode_account("account_history", bytes).map(Some)
}

pub(crate) fn storage_key(address: &Address, slot: &U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

/// `prefix ‖ block`: the key of a history entry or a log index entry.
pub(crate) fn index_key(prefix: &[u8], block: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 8);
    key.extend_from_slice(prefix);
    key.extend_from_slice(&block.to_be_bytes());
    key
}

/// The block of a `prefix ‖ block` key.
pub(crate) fn block_of(key: &[u8]) -> u64 {
    let mut n = [0u8; 8];
    n.copy_from_slice(&key[key.len() - 8..]);
    u64::from_be_bytes(n)
}

pub(crate) fn decode_word(table: &'static str, bytes: &[u8]) -> Result<U256, StorageError> {
    if bytes.len() != 32 {
        return Err(StorageError::RecordLength {
            table,
            len: bytes.len(),
        });
    }
    Ok(U256::from_be_slice(bytes))
}

/// What one block changed: the accounts (with their value before it) and the storage slots
/// (with their value before it, zero for a slot that was empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockChanges {
    /// Each changed account and what it was before the block (`None`: it did not exist).
    pub accounts: Vec<(Address, Option<AccountInfo>)>,
    /// Each changed slot and its value before the block.
    pub slots: Vec<(Address, U256, U256)>,
}

/// `accounts (u32) ‖ slots (u32) ‖ addresses ‖ (address ‖ slot)s`: the keys a block changed.
pub(crate) fn encode_changes(accounts: &[Address], slots: &[(Address, U256)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 20 * accounts.len() + 52 * slots.len());
    out.extend_from_slice(&(accounts.len() as u32).to_be_bytes());
    out.extend_from_slice(&(slots.len() as u32).to_be_bytes());
    for address in accounts {
        out.extend_from_slice(address.as_slice());
    }
    for (address, slot) in slots {
        out.extend_from_slice(&storage_key(address, slot));
    }
    out
}

/// The keys a block changed: its accounts, and its slots as (account, slot).
pub(crate) type ChangedKeys = (Vec<Address>, Vec<(Address, U256)>);

/// The keys of an [`encode_changes`] record.
pub(crate) fn decode_changes(bytes: &[u8]) -> Result<ChangedKeys, StorageError> {
    let corrupt = || StorageError::RecordLength {
        table: "block_changes",
        len: bytes.len(),
    };
    let count = |at: usize| -> Result<usize, StorageError> {
        let raw: [u8; 4] = bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(corrupt)?;
        Ok(u32::from_be_bytes(raw) as usize)
    };
    let (n_accounts, n_slots) = (count(0)?, count(4)?);
    if bytes.len() != 8 + 20 * n_accounts + 52 * n_slots {
        return Err(corrupt());
    }
    let accounts = bytes[8..8 + 20 * n_accounts]
        .chunks_exact(20)
        .map(Address::from_slice)
        .collect();
    let slots = bytes[8 + 20 * n_accounts..]
        .chunks_exact(52)
        .map(|k| (Address::from_slice(&k[..20]), U256::from_be_slice(&k[20..])))
        .collect();
    Ok((accounts, slots))
}
