//! Account state at the head: balance, nonce, code, storage.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_evm::revm::DatabaseRef;
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use berapool_engine::Blockchain;

use super::{block::resolve, EthApi};
use crate::{api::RpcResult, RpcError};

/// Refuses state queries anywhere but the head (the only state the node keeps).
pub(super) fn require_head(chain: &Blockchain, id: Option<BlockId>) -> RpcResult<()> {
    let id = id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest));
    let head = chain.head().0.number;
    match resolve(chain, id)? {
        Some(n) if n == head => Ok(()),
        Some(block) => Err(RpcError::HistoricalState { block, head }),
        None => Err(RpcError::UnknownBlock(id)),
    }
}

impl EthApi {
    /// `eth_getBalance`.
    pub(super) fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            Ok(chain
                .state()
                .account(&address)
                .map(|a| a.balance)
                .unwrap_or_default())
        })
    }

    /// `eth_getTransactionCount`: with `pending`, the nonce after the sender's pooled
    /// transactions.
    pub(super) fn transaction_count(
        &self,
        address: Address,
        block: Option<BlockId>,
    ) -> RpcResult<U64> {
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let nonce = chain
                .state()
                .account(&address)
                .map(|a| a.nonce)
                .unwrap_or_default();
            let pending = block == Some(BlockId::Number(BlockNumberOrTag::Pending));
            Ok(U64::from(if pending {
                self.pool.pending_nonce(address, nonce)
            } else {
                nonce
            }))
        })
    }

    /// `eth_getCode`.
    pub(super) fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let Some(account) = chain.state().account(&address) else {
                return Ok(Bytes::new());
            };
            let Ok(code) = chain.state().code_by_hash_ref(account.code_hash);
            Ok(code.original_bytes())
        })
    }

    /// `eth_getStorageAt`.
    pub(super) fn storage_at(
        &self,
        address: Address,
        slot: U256,
        block: Option<BlockId>,
    ) -> RpcResult<B256> {
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            Ok(B256::from(chain.state().slot(&address, &slot)))
        })
    }
}
