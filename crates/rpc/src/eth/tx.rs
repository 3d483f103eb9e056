//! Sending transactions into the pool and finding mined or pooled ones.

use alloy_primitives::B256;
use alloy_rpc_types_eth::{Transaction, TransactionReceipt};
use berapool_txpool::ChainView;

use super::{
    block::{receipts_of, stored_block},
    convert,
    fees::next_base_fee,
    EthApi,
};
use crate::api::RpcResult;

impl EthApi {
    /// `eth_sendRawTransaction`: validated against the head and added to the pool.
    pub(super) fn send_raw_transaction(&self, raw: &[u8]) -> RpcResult<B256> {
        let hash = self.engine.with_chain(|chain| {
            let head = chain.head().0;
            let view = ChainView {
                chain_id: chain.spec().chain_id(),
                base_fee: next_base_fee(head),
                gas_limit: head.gas_limit,
            };
            self.pool.add_raw(raw, chain.state(), view)
        })?;
        tracing::debug!(target: "berapool::rpc", %hash, "transaction accepted");
        Ok(hash)
    }

    /// `eth_getTransactionByHash`: mined, else pooled.
    pub(super) fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        let mined = self.engine.with_chain(|chain| -> RpcResult<_> {
            let Some(at) = chain.store().transaction_location(hash)? else {
                return Ok(None);
            };
            let Some((block, block_hash)) = stored_block(chain, at.block)? else {
                return Ok(None);
            };
            Ok(convert::rpc_transaction(
                &block,
                block_hash,
                at.index as usize,
            ))
        })?;
        Ok(mined.or_else(|| self.pool.get(&hash).map(convert::pending_transaction)))
    }

    /// `eth_getTransactionReceipt`.
    pub(super) fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        self.engine.with_chain(|chain| {
            let Some(at) = chain.store().transaction_location(hash)? else {
                return Ok(None);
            };
            let Some((block, block_hash)) = stored_block(chain, at.block)? else {
                return Ok(None);
            };
            Ok(receipts_of(chain, &block, block_hash)?
                .into_iter()
                .nth(at.index as usize))
        })
    }
}
