//! The `txpool_` namespace (geth's): the pool's pending and queued counts and transactions.

use std::sync::Arc;

use alloy_consensus::Transaction as _;
use alloy_primitives::U64;
use alloy_rpc_types_eth::Transaction;
use berapool_txpool::TxPool;

use crate::{
    api::{RpcResult, TxPoolApiServer, TxPoolContent, TxPoolStatus},
    eth::convert::pending_transaction,
};

/// `txpool_` over the node's pool.
#[derive(Clone, Debug)]
pub struct TxPoolApi {
    pool: Arc<TxPool>,
}

impl TxPoolApi {
    /// The methods over `pool`.
    pub fn new(pool: Arc<TxPool>) -> Self {
        Self { pool }
    }
}

impl TxPoolApiServer for TxPoolApi {
    fn status(&self) -> RpcResult<TxPoolStatus> {
        let status = self.pool.status();
        Ok(TxPoolStatus {
            pending: U64::from(status.pending),
            queued: U64::from(status.queued),
        })
    }

    fn content(&self) -> RpcResult<TxPoolContent<Transaction>> {
        Ok(self.grouped(pending_transaction))
    }

    fn inspect(&self) -> RpcResult<TxPoolContent<String>> {
        // geth's line: `to: value wei + gas gas × price wei`.
        Ok(self.grouped(|tx| {
            let to = tx
                .to()
                .map_or_else(|| "contract creation".to_owned(), |to| to.to_string());
            format!(
                "{to}: {} wei + {} gas × {} wei",
                tx.value(),
                tx.gas_limit(),
                tx.max_fee_per_gas()
            )
        }))
    }
}

impl TxPoolApi {
    /// The pool's transactions as `f` shows them, by subpool, sender and nonce.
    fn grouped<T>(
        &self,
        f: impl Fn(alloy_consensus::transaction::Recovered<alloy_consensus::TxEnvelope>) -> T,
    ) -> TxPoolContent<T> {
        let mut content = TxPoolContent {
            pending: Default::default(),
            queued: Default::default(),
        };
        for (sender, nonce, tx, pending) in self.pool.content() {
            let side = if pending {
                &mut content.pending
            } else {
                &mut content.queued
            };
            side.entry(sender)
                .or_default()
                .insert(nonce.to_string(), f(tx));
        }
        content
    }
}
