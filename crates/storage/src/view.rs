//! [`StateView`]: the world state as it was after one block, read from a redb snapshot. It is
//! what revm executes on (`DatabaseRef`) and what JSON-RPC answers state queries from, at the
//! head or at any block whose history is kept, without a lock and without a copy.

use alloy_evm::revm::{
    database_interface::DBErrorMarker,
    primitives::{StorageKey, StorageValue, KECCAK_EMPTY},
    state::{AccountInfo, Bytecode},
    DatabaseRef,
};
use alloy_primitives::{Address, Bytes, B256, U256};
use redb::{ReadOnlyTable, ReadTransaction};

use crate::{
    tables::{
        decode_account, decode_old_account, decode_word, index_key, storage_key, ACCOUNTS,
        ACCOUNT_HISTORY, CANONICAL, CODE, STORAGE, STORAGE_HISTORY,
    },
    StorageError,
};

impl DBErrorMarker for StorageError {}

/// The state after block [`Self::block`], on one consistent snapshot of the store.
pub struct StateView {
    block: u64,
    /// Whether later blocks may exist in the snapshot, so values come from the history of
    /// changes made after `block` (false for the head as its only writer sees it).
    historical: bool,
    accounts: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage: ReadOnlyTable<&'static [u8], &'static [u8]>,
    code: ReadOnlyTable<&'static [u8], &'static [u8]>,
    canonical: ReadOnlyTable<u64, &'static [u8]>,
    account_history: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage_history: ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl std::fmt::Debug for StateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateView")
            .field("block", &self.block)
            .field("historical", &self.historical)
            .finish_non_exhaustive()
    }
}

impl StateView {
    pub(crate) fn new(
        tx: &ReadTransaction,
        block: u64,
        historical: bool,
    ) -> Result<Self, StorageError> {
        Ok(Self {
            block,
            historical,
            accounts: tx.open_table(ACCOUNTS)?,
            storage: tx.open_table(STORAGE)?,
            code: tx.open_table(CODE)?,
            canonical: tx.open_table(CANONICAL)?,
            account_history: tx.open_table(ACCOUNT_HISTORY)?,
            storage_history: tx.open_table(STORAGE_HISTORY)?,
        })
    }

    /// The block whose post-state this is.
    pub fn block(&self) -> u64 {
        self.block
    }

    /// The value of the first history entry after this block for `prefix` (an address, or an
    /// address and a slot): what the key held after this block, if a later block changed it.
    fn first_change_after(
        &self,
        table: &ReadOnlyTable<&'static [u8], &'static [u8]>,
        prefix: &[u8],
    ) -> Result<Option<Vec<u8>>, StorageError> {
        if !self.historical {
            return Ok(None);
        }
        let Some(after) = self.block.checked_add(1) else {
            return Ok(None);
        };
        let (lo, hi) = (index_key(prefix, after), index_key(prefix, u64::MAX));
        match table.range(lo.as_slice()..=hi.as_slice())?.next() {
            Some(entry) => Ok(Some(entry?.1.value().to_vec())),
            None => Ok(None),
        }
    }

    /// The account at `address` (`None` if it does not exist).
    pub fn account(&self, address: &Address) -> Result<Option<AccountInfo>, StorageError> {
        if let Some(old) = self.first_change_after(&self.account_history, address.as_slice())? {
            return decode_old_account(&old);
        }
        match self.accounts.get(address.as_slice())? {
            Some(v) => decode_account("accounts", v.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Slot `slot` of `address` (zero if never written).
    pub fn slot(&self, address: &Address, slot: &U256) -> Result<U256, StorageError> {
        let key = storage_key(address, slot);
        if let Some(old) = self.first_change_after(&self.storage_history, &key)? {
            return decode_word("storage_history", &old);
        }
        match self.storage.get(key.as_slice())? {
            Some(v) => decode_word("storage", v.value()),
            None => Ok(U256::ZERO),
        }
    }

    /// The code with `hash` (empty if unknown).
    pub fn code(&self, hash: &B256) -> Result<Bytecode, StorageError> {
        if *hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        Ok(match self.code.get(hash.as_slice())? {
            Some(v) => Bytecode::new_raw(Bytes::copy_from_slice(v.value())),
            None => Bytecode::default(),
        })
    }

    /// The code of the account at `address` (empty for an account without code).
    pub fn code_of(&self, address: &Address) -> Result<Bytes, StorageError> {
        match self.account(address)? {
            Some(account) => Ok(self.code(&account.code_hash)?.original_bytes()),
            None => Ok(Bytes::new()),
        }
    }
}

impl DatabaseRef for StateView {
    type Error = StorageError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.account(&address)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.code(&code_hash)
    }

    fn storage_ref(
        &self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, Self::Error> {
        self.slot(&address, &index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        // revm asks only for the 256 blocks before the one executing, all canonical.
        Ok(self
            .canonical
            .get(number)?
            .map(|v| B256::from_slice(v.value()))
            .unwrap_or_default())
    }
}
