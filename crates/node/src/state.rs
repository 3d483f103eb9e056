//! The world state the node executes on: a flat map of accounts, storage and code that revm reads
//! through [`DatabaseRef`], updated by each block's bundle, with its Merkle-Patricia root.
//!
//! Storage roots are cached per account and recomputed only for accounts a block touched.

use std::collections::{BTreeMap, HashMap};

use alloy_evm::revm::{
    database::{states::bundle_state::BundleRetention, BundleState},
    database_interface::DBErrorMarker,
    primitives::{StorageKey, StorageValue, KECCAK_EMPTY},
    state::{AccountInfo, Bytecode},
    DatabaseRef,
};
use alloy_genesis::Genesis;
use alloy_primitives::{Address, B256, U256};
use alloy_trie::{root::storage_root_unhashed, TrieAccount, EMPTY_ROOT_HASH};

/// A read of the state failed. (The in-memory state never fails; the persistent store can.)
#[derive(Debug, thiserror::Error)]
#[error("state: {0}")]
pub struct StateError(pub String);

impl DBErrorMarker for StateError {}

/// Accounts, storage, code and recent block hashes.
#[derive(Clone, Debug, Default)]
pub struct MemoryState {
    accounts: BTreeMap<Address, AccountInfo>,
    storage: BTreeMap<Address, BTreeMap<U256, U256>>,
    code: HashMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
    storage_roots: HashMap<Address, B256>,
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
            if !slots.is_empty() {
                state.storage.insert(*address, slots);
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
            self.storage_roots.remove(address);
            match &account.info {
                None => {
                    self.accounts.remove(address);
                    self.storage.remove(address);
                }
                Some(info) => {
                    let mut info = info.clone();
                    info.code = None;
                    self.accounts.insert(*address, info);
                    if account.status.was_destroyed() {
                        self.storage.remove(address);
                    }
                    let slots = self.storage.entry(*address).or_default();
                    for (slot, value) in &account.storage {
                        if value.present_value.is_zero() {
                            slots.remove(slot);
                        } else {
                            slots.insert(*slot, value.present_value);
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
        self.accounts.insert(address, info);
    }

    /// Loads a slot (from storage).
    pub fn insert_slot(&mut self, address: Address, slot: U256, value: U256) {
        self.storage.entry(address).or_default().insert(slot, value);
    }

    /// Loads a contract's code (from storage).
    pub fn insert_code(&mut self, code: alloy_primitives::Bytes) {
        let code = Bytecode::new_raw(code);
        self.code.insert(code.hash_slow(), code);
    }

    /// A copy with no cached storage roots (to check the cache against a recomputation).
    pub fn clone_without_caches(&self) -> Self {
        Self {
            storage_roots: HashMap::new(),
            ..self.clone()
        }
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

    fn storage_root(&mut self, address: &Address) -> B256 {
        if let Some(root) = self.storage_roots.get(address) {
            return *root;
        }
        let root = match self.storage.get(address) {
            Some(slots) => storage_root_unhashed(slots.iter().map(|(k, v)| (B256::from(*k), *v))),
            None => EMPTY_ROOT_HASH,
        };
        self.storage_roots.insert(*address, root);
        root
    }

    /// The state root. Storage roots of accounts untouched since the last call are reused.
    pub fn state_root(&mut self) -> B256 {
        let addresses: Vec<Address> = self.accounts.keys().copied().collect();
        let leaves: Vec<(Address, TrieAccount)> = addresses
            .into_iter()
            .map(|address| {
                let storage_root = self.storage_root(&address);
                let info = &self.accounts[&address];
                (
                    address,
                    TrieAccount {
                        nonce: info.nonce,
                        balance: info.balance,
                        storage_root,
                        code_hash: info.code_hash,
                    },
                )
            })
            .collect();
        alloy_trie::root::state_root_unhashed(leaves)
    }
}

impl DatabaseRef for MemoryState {
    type Error = StateError;

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
