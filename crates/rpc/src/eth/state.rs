//! Account state at any block whose history is kept: balance, nonce, code, storage.

use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use berapool_storage::StateView;

use super::{block::header_at, EthApi};
use crate::api::RpcResult;

impl EthApi {
    /// The header and the state of the block `id` names (the head by default), on one
    /// snapshot.
    pub(super) fn state_for(&self, id: Option<BlockId>) -> RpcResult<(Header, StateView)> {
        let head = self.chain.head();
        let id = id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest));
        let number = self.require_block(&head, id)?;
        let state = self.chain.state_at(number)?;
        let header = header_at(self.chain.store(), &head, number)?;
        Ok((header, state))
    }

    /// `eth_getBalance`.
    pub(super) fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        let (_, state) = self.state_for(block)?;
        Ok(state
            .account(&address)?
            .map(|a| a.balance)
            .unwrap_or_default())
    }

    /// `eth_getTransactionCount`: with `pending`, the nonce after the sender's pooled
    /// transactions.
    pub(super) fn transaction_count(
        &self,
        address: Address,
        block: Option<BlockId>,
    ) -> RpcResult<U64> {
        let (_, state) = self.state_for(block)?;
        let nonce = state
            .account(&address)?
            .map(|a| a.nonce)
            .unwrap_or_default();
        let pending = block == Some(BlockId::Number(BlockNumberOrTag::Pending));
        Ok(U64::from(if pending {
            self.pool.pending_nonce(address, nonce)
        } else {
            nonce
        }))
    }

    /// `eth_getCode`.
    pub(super) fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        let (_, state) = self.state_for(block)?;
        Ok(state.code_of(&address)?)
    }

    /// `eth_getStorageAt`.
    pub(super) fn storage_at(
        &self,
        address: Address,
        slot: U256,
        block: Option<BlockId>,
    ) -> RpcResult<B256> {
        let (_, state) = self.state_for(block)?;
        Ok(B256::from(state.slot(&address, &slot)?))
    }
}
