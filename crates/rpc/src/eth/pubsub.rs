//! `eth_subscribe`: `newHeads` and `logs`, one notification per new head or per matching log of
//! each new head, and `newPendingTransactions`, one per transaction the pool takes (its hash, or
//! with `true` the transaction), over WebSocket.

use alloy_rpc_types_eth::Filter;
use jsonrpsee::{core::SubscriptionResult, types::ErrorObjectOwned, PendingSubscriptionSink};
use serde_json::value::RawValue;
use tokio::sync::broadcast;

use super::{block::stored_block, convert, logs::block_logs, EthApi};
use crate::{api::RpcResult, RpcError};

/// What an `eth_subscribe` call asked for.
enum Subscription {
    NewHeads,
    Logs(Box<Filter>),
    PendingTransactions { full: bool },
}

impl Subscription {
    fn parse(kind: &str, filter: Option<serde_json::Value>) -> RpcResult<Self> {
        match kind {
            "newHeads" => Ok(Self::NewHeads),
            "logs" => {
                let filter = match filter {
                    None | Some(serde_json::Value::Null) => Filter::default(),
                    Some(value) => {
                        serde_json::from_value(value).map_err(RpcError::InvalidFilter)?
                    }
                };
                Ok(Self::Logs(Box::new(filter)))
            }
            "newPendingTransactions" => {
                let full = match filter {
                    None | Some(serde_json::Value::Null) => false,
                    Some(serde_json::Value::Bool(full)) => full,
                    Some(other) => {
                        return Err(RpcError::InvalidFilter(serde::de::Error::custom(format!(
                            "newPendingTransactions takes `true` or nothing, not {other}"
                        ))))
                    }
                };
                Ok(Self::PendingTransactions { full })
            }
            other => Err(RpcError::UnsupportedSubscription(other.to_string())),
        }
    }
}

fn raw<T: serde::Serialize>(value: &T) -> RpcResult<Box<RawValue>> {
    Ok(serde_json::value::to_raw_value(value)?)
}

impl EthApi {
    /// Accepts the subscription and sends its notifications until the client goes away.
    pub(super) async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: String,
        filter: Option<serde_json::Value>,
    ) -> SubscriptionResult {
        let subscription = match Subscription::parse(&kind, filter) {
            Ok(subscription) => subscription,
            Err(error) => {
                pending.reject(ErrorObjectOwned::from(error)).await;
                return Ok(());
            }
        };
        if let Subscription::PendingTransactions { full } = subscription {
            return self.pending_transactions(pending, full).await;
        }
        let mut heads = self.chain.subscribe_heads();
        let sink = pending.accept().await?;
        loop {
            let number = tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = heads.recv() => match next {
                    // Going back to an earlier block is no new head.
                    Ok(head) if head.unwound => continue,
                    Ok(head) => head.number,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::debug!(target: "berapool::rpc", missed, "subscriber fell behind");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            };
            for item in self.notifications(number, &subscription)? {
                sink.send(item).await?;
            }
        }
    }

    /// Sends each transaction the pool takes until the client goes away.
    async fn pending_transactions(
        &self,
        pending: PendingSubscriptionSink,
        full: bool,
    ) -> SubscriptionResult {
        let mut added = self.pool.subscribe_added();
        let sink = pending.accept().await?;
        loop {
            let hash = tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = added.recv() => match next {
                    Ok(hash) => hash,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::debug!(target: "berapool::rpc", missed, "subscriber fell behind");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            };
            let item = if full {
                // Already mined or replaced: nothing to show.
                let Some(tx) = self.pool.get(&hash) else {
                    continue;
                };
                raw(&convert::pending_transaction(tx))?
            } else {
                raw(&hash)?
            };
            sink.send(item).await?;
        }
    }

    /// The notifications block `number` gives a subscription.
    fn notifications(
        &self,
        number: u64,
        subscription: &Subscription,
    ) -> RpcResult<Vec<Box<RawValue>>> {
        let store = self.chain.store();
        let Some((block, hash)) = stored_block(store, number)? else {
            return Ok(Vec::new());
        };
        match subscription {
            Subscription::PendingTransactions { .. } => Ok(Vec::new()),
            Subscription::NewHeads => {
                let header = convert::rpc_block(&block, hash, false).header;
                Ok(vec![raw(&header)?])
            }
            Subscription::Logs(filter) => block_logs(store, &block, hash, filter)?
                .iter()
                .map(raw)
                .collect(),
        }
    }
}
