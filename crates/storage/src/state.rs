//! [`StateTries`]: the world state's Merkle-Patricia tries, the account trie and every account's
//! storage trie, as persistent values. A block's state root is its parent's tries with the
//! block's changes applied: only the touched paths are copied and rehashed, every other node is
//! shared with the parent's version, so building on a state never copies it.

use alloy_evm::revm::{database::BundleState, state::AccountInfo};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};

use crate::{tables::BlockChanges, trie::Trie};

/// The account trie (hashed address → RLP account) and each account's storage trie (hashed
/// slot → RLP value). Cloning is O(1).
#[derive(Clone, Debug, Default)]
pub struct StateTries {
    accounts: Trie,
    storage: imbl::HashMap<Address, Trie>,
}

impl StateTries {
    /// Sets slot `slot` of `address`'s storage trie (zero removes it). The account's leaf is
    /// updated by the next [`Self::set_account`].
    pub fn set_slot(&mut self, address: Address, slot: U256, value: U256) {
        let key = keccak256(B256::from(slot));
        let mut trie = self.storage.remove(&address).unwrap_or_default();
        if value.is_zero() {
            trie.remove(&key);
        } else {
            trie.insert(&key, alloy_rlp::encode(value));
        }
        if !trie.is_empty() {
            self.storage.insert(address, trie);
        }
    }

    /// Sets `address`'s leaf from `info` and its storage trie's root (`None` removes the account
    /// and its storage).
    pub fn set_account(&mut self, address: Address, info: Option<&AccountInfo>) {
        let key = keccak256(address);
        match info {
            Some(info) => {
                let leaf = TrieAccount {
                    nonce: info.nonce,
                    balance: info.balance,
                    storage_root: self.storage_root(&address),
                    code_hash: info.code_hash,
                };
                self.accounts.insert(&key, alloy_rlp::encode(leaf));
            }
            None => {
                self.storage.remove(&address);
                self.accounts.remove(&key);
            }
        }
    }

    /// Applies a block's changes.
    pub fn apply(&mut self, changes: &BundleState) {
        for (address, account) in &changes.state {
            if account.info.is_none() || account.status.was_destroyed() {
                self.storage.remove(address);
            }
            if account.info.is_some() {
                for (slot, value) in &account.storage {
                    self.set_slot(*address, *slot, value.present_value);
                }
            }
            self.set_account(*address, account.info.as_ref());
        }
    }

    /// Undoes one block: its changes, as the store recorded them, set back to what they were
    /// before it.
    pub fn revert(&mut self, changes: &BlockChanges) {
        for (address, slot, old) in &changes.slots {
            self.set_slot(*address, *slot, *old);
        }
        for (address, old) in &changes.accounts {
            self.set_account(*address, old.as_ref());
        }
    }

    /// The state root.
    pub fn root(&self) -> B256 {
        self.accounts.root()
    }

    /// The root of `address`'s storage trie.
    pub fn storage_root(&self, address: &Address) -> B256 {
        self.storage
            .get(address)
            .map_or(EMPTY_ROOT_HASH, |trie| trie.root())
    }

    /// The EIP-1186 proof of `address` in the account trie.
    pub fn account_proof(&self, address: &Address) -> Vec<Bytes> {
        self.accounts.proof(&keccak256(address))
    }

    /// The EIP-1186 proof of `slot` in `address`'s storage trie.
    pub fn storage_proof(&self, address: &Address, slot: U256) -> Vec<Bytes> {
        let key = keccak256(B256::from(slot));
        match self.storage.get(address) {
            Some(trie) => trie.proof(&key),
            None => Trie::default().proof(&key),
        }
    }
}
