//! Sending transactions into the pool and finding mined or pooled ones.

use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::{Transaction, TransactionReceipt};
use berapool_storage::StateView;
use berapool_txpool::ChainView;

use super::{
    block::{receipts_of, stored_block},
    convert,
    fees::next_base_fee,
    EthApi,
};
use crate::api::RpcResult;

impl EthApi {
    /// `eth_sendRawTransaction`: validated against the head and added to the pool. Decoding
    /// and signature recovery happen before the pool's lock, and no chain lock is taken.
    pub(super) fn send_raw_transaction(&self, raw: &[u8]) -> RpcResult<B256> {
        self.admit(|state, view| Ok(self.pool.add_raw(raw, state, view)?))
    }

    /// Sends `tx` as `sender` without checking its signature (a dev chain's impersonated
    /// account: the signature is a placeholder).
    pub(super) fn send_impersonated(&self, tx: TxEnvelope, sender: Address) -> RpcResult<B256> {
        self.admit(|state, view| {
            let hash = self.pool.add_impersonated(tx, sender, state, view)?;
            Ok((hash, sender))
        })
    }

    /// Validates a transaction against the head with `add` and, if a block was committed
    /// meanwhile (it may have moved the sender's nonce, and told the pool before this
    /// transaction was in it), tells the pool the sender's nonce again.
    fn admit(
        &self,
        add: impl FnOnce(&StateView, ChainView) -> RpcResult<(B256, Address)>,
    ) -> RpcResult<B256> {
        let head = self.chain.head();
        let view = ChainView {
            chain_id: self.chain.spec().chain_id(),
            base_fee: next_base_fee(&head.header),
            gas_limit: head.header.gas_limit,
        };
        let state = self.chain.state_at(head.number())?;
        let (hash, sender) = add(&state, view)?;
        let now = self.chain.head();
        if now.hash != head.hash {
            let state = self.chain.state_at(now.number())?;
            let next = state.account(&sender)?.map_or(0, |a| a.nonce);
            self.pool.observe_nonce(sender, next);
        }
        tracing::debug!(target: "berapool::rpc", %hash, %sender, "transaction accepted");
        Ok(hash)
    }

    /// `eth_getTransactionByHash`: mined, else pooled.
    pub(super) fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        let store = self.chain.store();
        if let Some(at) = store.transaction_location(hash)? {
            if let Some((block, block_hash)) = stored_block(store, at.block)? {
                return Ok(convert::rpc_transaction(
                    &block,
                    block_hash,
                    at.index as usize,
                ));
            }
        }
        Ok(self.pool.get(&hash).map(convert::pending_transaction))
    }

    /// `eth_getTransactionReceipt`.
    pub(super) fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        let store = self.chain.store();
        let Some(at) = store.transaction_location(hash)? else {
            return Ok(None);
        };
        let Some((block, block_hash)) = stored_block(store, at.block)? else {
            return Ok(None);
        };
        Ok(receipts_of(store, &block, block_hash)?
            .into_iter()
            .nth(at.index as usize))
    }
}
