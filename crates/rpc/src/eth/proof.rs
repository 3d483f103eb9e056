//! `eth_getProof` (EIP-1186): an account's and its slots' Merkle proofs at any block whose
//! history is kept, from the head's state tries rolled back to that block.

use std::time::Instant;

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_evm::revm::primitives::KECCAK_EMPTY;
use alloy_primitives::{Address, U256};
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof};
use alloy_serde::storage::JsonStorageKey;

use super::{EthApi, REQUEST_DEADLINE};
use crate::api::RpcResult;

/// Slots one `eth_getProof` call may prove.
pub const MAX_PROOF_SLOTS: usize = 1024;

impl EthApi {
    /// `eth_getProof`.
    pub(super) fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse> {
        if keys.len() > MAX_PROOF_SLOTS {
            return Err(crate::RpcError::TooManySlots {
                max: MAX_PROOF_SLOTS,
            });
        }
        let _permit = self.heavy.acquire();
        let deadline = Instant::now() + REQUEST_DEADLINE;
        let head = self.chain.head();
        let id = block.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest));
        let number = self.require_block(&head, id)?;
        let state = self.chain.state_at(number)?;
        let tries = self.chain.tries_at(&head, number, deadline)?;
        let account = state.account(&address)?;
        let storage_proof = keys
            .into_iter()
            .map(|key| {
                let slot = U256::from_be_bytes(key.as_b256().0);
                Ok(EIP1186StorageProof {
                    value: state.slot(&address, &slot)?,
                    proof: tries.storage_proof(&address, slot),
                    key,
                })
            })
            .collect::<RpcResult<_>>()?;
        Ok(EIP1186AccountProofResponse {
            address,
            balance: account.as_ref().map(|a| a.balance).unwrap_or_default(),
            code_hash: account.as_ref().map_or(KECCAK_EMPTY, |a| a.code_hash),
            nonce: account.as_ref().map(|a| a.nonce).unwrap_or_default(),
            storage_hash: tries.storage_root(&address),
            account_proof: tries.account_proof(&address),
            storage_proof,
        })
    }
}
