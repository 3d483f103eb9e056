//! The world state the node executes on: a flat map of accounts, storage and code that revm reads
//! through [`DatabaseRef`], updated by each block's bundle, with its Merkle-Patricia root.
//!
//! The root is incremental: the account trie and every account's storage trie keep their node
//! hashes ([`Trie`]), so a block costs hashing only the paths to what it touched.

use std::collections::{BTreeMap, HashMap, HashSet};

use alloy_evm::revm::{
    database::{states::bundle_state::BundleRetention, BundleState},
    primitives::{StorageKey, StorageValue, KECCAK_EMPTY},
    state::{AccountInfo, Bytecode},
    DatabaseRef,
};
use alloy_genesis::Genesis;
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};

use crate::trie::Trie;

/// Accounts, storage, code and recent block hashes.
#[derive(Clone, Debug, Default)]
pub struct MemoryState {
    accounts: BTreeMap<Address, AccountInfo>,
    storage: BTreeMap<Address, BTreeMap<U256, U256>>,
    code: HashMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
    /// The account trie (hashed address → RLP account).
    account_trie: Trie,
    /// Each account's storage trie (hashed slot → RLP value).
    storage_tries: HashMap<Address, Trie>,
    /// Accounts whose leaf in the account trie is out of date.
    dirty: HashSet<Address>,
}

impl MemoryState {
    /// The state of `genesis`'s alloc.
    pub fn from_genesis(genesis: &Genesis) -> Self {
        let mut state = Self::default();
        for (address, account) in &genesis.alloc {
            let code = account.code.clone().map(Bytecode::new_raw);
            let code_hash = code.as_ref().map(|c| c.hash_slow()).unwrap_or(KECCAK_EMPTY);
            if let Some(code) = code {
                state.code.insert(code_hash, code);
            }
            state.dirty.insert(*address);
            state.accounts.insert(
                *address,
                AccountInfo {
                    balance: account.balance,
                    nonce: account.nonce.unwrap_or(0),
                    code_hash,
                    // revm loads code by hash; a default `AccountInfo` would carry empty code.
                    code: None,
                    ..Default::default()
                },
            );
            let slots: BTreeMap<U256, U256> = account
                .storage
                .iter()
                .flatten()
                .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)))
                .filter(|(_, v)| !v.is_zero())
                .collect();
            for (slot, value) in slots {
                state.insert_slot(*address, slot, value);
            }
        }
        state
    }

    /// Records the hash of block `number` (for BLOCKHASH).
    pub fn set_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
        // BLOCKHASH reaches back 256 blocks.
        while self.block_hashes.len() > 256 {
            self.block_hashes.pop_first();
        }
    }

    /// Applies a block's changes.
    pub fn apply(&mut self, bundle: &BundleState) {
        for (hash, code) in &bundle.contracts {
            self.code.insert(*hash, code.clone());
        }
        for (address, account) in &bundle.state {
            self.dirty.insert(*address);
            match &account.info {
                None => {
                    self.accounts.remove(address);
                    self.storage.remove(address);
                    self.storage_tries.remove(address);
                }
                Some(info) => {
                    let mut info = info.clone();
                    info.code = None;
                    self.accounts.insert(*address, info);
                    if account.status.was_destroyed() {
                        self.storage.remove(address);
                        self.storage_tries.remove(address);
                    }
                    let slots = self.storage.entry(*address).or_default();
                    let trie = self.storage_tries.entry(*address).or_default();
                    for (slot, value) in &account.storage {
                        let key = keccak256(B256::from(*slot));
                        if value.present_value.is_zero() {
                            slots.remove(slot);
                            trie.remove(&key);
                        } else {
                            slots.insert(*slot, value.present_value);
                            trie.insert(&key, alloy_rlp::encode(value.present_value));
                        }
                    }
                    if slots.is_empty() {
                        self.storage.remove(address);
                    }
                }
            }
        }
    }

    /// Every account.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &AccountInfo)> {
        self.accounts.iter()
    }

    /// Every non-zero storage slot.
    pub fn slots(&self) -> impl Iterator<Item = (&Address, &U256, &U256)> {
        self.storage
            .iter()
            .flat_map(|(a, slots)| slots.iter().map(move |(k, v)| (a, k, v)))
    }

    /// Every contract code.
    pub fn codes(&self) -> impl Iterator<Item = (&B256, &Bytecode)> {
        self.code.iter()
    }

    /// Loads an account (from storage).
    pub fn insert_account(&mut self, address: Address, info: AccountInfo) {
        self.dirty.insert(address);
        self.accounts.insert(address, info);
    }

    /// Loads a slot (from storage).
    pub fn insert_slot(&mut self, address: Address, slot: U256, value: U256) {
        self.dirty.insert(address);
        self.storage.entry(address).or_default().insert(slot, value);
        let key = keccak256(B256::from(slot));
        self.storage_tries
            .entry(address)
            .or_default()
            .insert(&key, alloy_rlp::encode(value));
    }

    /// Loads a contract's code (from storage).
    pub fn insert_code(&mut self, code: alloy_primitives::Bytes) {
        let code = Bytecode::new_raw(code);
        self.code.insert(code.hash_slow(), code);
    }

    /// A copy with no cached storage roots (to check the cache against a recomputation).
    pub fn clone_without_caches(&self) -> Self {
        let mut fresh = Self {
            code: self.code.clone(),
            block_hashes: self.block_hashes.clone(),
            ..Self::default()
        };
        for (address, info) in &self.accounts {
            fresh.insert_account(*address, info.clone());
        }
        for (address, slot, value) in self.slots() {
            fresh.insert_slot(*address, *slot, *value);
        }
        fresh
    }

    /// The account at `address`.
    pub fn account(&self, address: &Address) -> Option<&AccountInfo> {
        self.accounts.get(address)
    }

    /// Slot `slot` of `address`.
    pub fn slot(&self, address: &Address, slot: &U256) -> U256 {
        self.storage
            .get(address)
            .and_then(|s| s.get(slot))
            .copied()
            .unwrap_or_default()
    }

    /// The state root. Only accounts changed since the last call are rehashed, each along its
    /// own path, with its storage trie rehashed only where its slots changed.
    pub fn state_root(&mut self) -> B256 {
        for address in std::mem::take(&mut self.dirty) {
            let key = keccak256(address);
            match self.accounts.get(&address) {
                Some(info) => {
                    let storage_root = self
                        .storage_tries
                        .get_mut(&address)
                        .map(Trie::root)
                        .unwrap_or(EMPTY_ROOT_HASH);
                    let leaf = TrieAccount {
                        nonce: info.nonce,
                        balance: info.balance,
                        storage_root,
                        code_hash: info.code_hash,
                    };
                    self.account_trie.insert(&key, alloy_rlp::encode(leaf));
                }
                None => self.account_trie.remove(&key),
            }
        }
        self.account_trie.root()
    }
}

impl DatabaseRef for MemoryState {
    // Every read is a map lookup: it cannot fail.
    type Error = core::convert::Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.accounts.get(&address).cloned())
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self.code.get(&code_hash).cloned().unwrap_or_default())
    }

    fn storage_ref(
        &self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, Self::Error> {
        Ok(self.slot(&address, &index))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        // revm asks only within the last 256 blocks, which are all recorded.
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

/// How a block's state changes are kept (reverts are not needed: blocks are final once stored).
pub const RETENTION: BundleRetention = BundleRetention::PlainState;
