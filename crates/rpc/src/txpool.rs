//! The `txpool_` namespace: the pool's pending and queued counts.

use std::sync::Arc;

use alloy_primitives::U64;
use berapool_txpool::TxPool;

use crate::api::{RpcResult, TxPoolApiServer, TxPoolStatus};

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
}
