//! `eth_getLogs` over the log indexes, and the matcher subscriptions share.

use std::{collections::BTreeSet, time::Instant};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use berapool_primitives::StoredBlock;
use berapool_storage::ChainStore;

use super::{
    block::{receipts_of, resolve_tag, stored_block},
    EthApi, REQUEST_DEADLINE,
};
use crate::{api::RpcResult, RpcError};

/// Blocks one `eth_getLogs` call may span.
pub const MAX_LOG_RANGE: u64 = 10_000;
/// Logs one `eth_getLogs` call may return.
pub const MAX_LOGS: usize = 10_000;
/// Bytes of logs (data, topics and a fixed share per log for its other fields) one
/// `eth_getLogs` call may return: a few large logs weigh more than many small ones, and this
/// keeps the answer, hex-encoded, under the 50 MiB response limit.
pub const MAX_LOG_BYTES: usize = 16 * 1024 * 1024;
/// What a log's address, block, transaction and index fields weigh in [`MAX_LOG_BYTES`].
const LOG_FIXED_BYTES: usize = 200;

/// A log's weight in [`MAX_LOG_BYTES`].
fn log_bytes(log: &Log) -> usize {
    LOG_FIXED_BYTES + log.data().data.len() + 32 * log.topics().len()
}

/// Blocks in `from..=to` that may hold logs `filter` matches: from the address index when the
/// filter names addresses, else from the topic index for its first named topic position, else
/// every block.
fn candidate_blocks(
    store: &ChainStore,
    filter: &Filter,
    from: u64,
    to: u64,
) -> RpcResult<Vec<u64>> {
    let mut blocks = BTreeSet::new();
    if !filter.address.is_empty() {
        for address in filter.address.iter() {
            blocks.extend(store.blocks_with_log_address(*address, from, to)?);
        }
    } else if let Some(topics) = filter.topics.iter().find(|t| !t.is_empty()) {
        for topic in topics.iter() {
            blocks.extend(store.blocks_with_log_topic(*topic, from, to)?);
        }
    } else {
        return Ok((from..=to).collect());
    }
    Ok(blocks.into_iter().collect())
}

/// The logs of a block that `filter`'s addresses and topics match (its block range aside).
pub(super) fn block_logs(
    store: &ChainStore,
    block: &StoredBlock,
    hash: B256,
    filter: &Filter,
) -> RpcResult<Vec<Log>> {
    if !filter.matches_bloom(block.header.logs_bloom) {
        return Ok(Vec::new());
    }
    let mut logs = Vec::new();
    for receipt in receipts_of(store, block, hash)? {
        logs.extend(
            receipt
                .inner
                .logs()
                .iter()
                .filter(|log| {
                    filter.matches_address(log.address()) && filter.matches_topics(log.topics())
                })
                .cloned(),
        );
    }
    Ok(logs)
}

impl EthApi {
    /// `eth_getLogs`: at most [`MAX_LOG_RANGE`] blocks and [`MAX_LOGS`] logs, within the
    /// request deadline.
    pub(super) fn logs(&self, filter: &Filter) -> RpcResult<Vec<Log>> {
        let _permit = self.heavy.acquire();
        let deadline = Instant::now() + REQUEST_DEADLINE;
        let head = self.chain.head();
        let store = self.chain.store();
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                let n = store
                    .block_number(hash)?
                    .ok_or(RpcError::UnknownBlock(hash.into()))?;
                (n, n)
            }
            FilterBlockOption::Range {
                from_block,
                to_block,
            } => {
                let bound = |tag: Option<BlockNumberOrTag>| -> RpcResult<u64> {
                    match tag {
                        None => Ok(head.number()),
                        Some(BlockNumberOrTag::Number(n)) => Ok(n.min(head.number())),
                        Some(tag) => Ok(resolve_tag(store, &head, tag)?.unwrap_or(head.number())),
                    }
                };
                (bound(from_block)?, bound(to_block)?)
            }
        };
        if from > to {
            return Ok(Vec::new());
        }
        if to - from >= MAX_LOG_RANGE {
            return Err(RpcError::LogRange {
                from,
                to,
                max: MAX_LOG_RANGE,
            });
        }
        let mut logs = Vec::new();
        let mut bytes = 0;
        for number in candidate_blocks(store, filter, from, to)? {
            if Instant::now() > deadline {
                return Err(RpcError::Deadline {
                    limit: REQUEST_DEADLINE,
                });
            }
            // The header's bloom first: most blocks of a range are passed over without
            // decoding their transactions and receipts.
            let Some(header) = store.header(number)? else {
                continue;
            };
            if !filter.matches_bloom(header.logs_bloom) {
                continue;
            }
            let Some((block, hash)) = stored_block(store, number)? else {
                continue;
            };
            for log in block_logs(store, &block, hash, filter)? {
                bytes += log_bytes(&log);
                logs.push(log);
            }
            if logs.len() > MAX_LOGS {
                return Err(RpcError::TooManyLogs { max: MAX_LOGS });
            }
            if bytes > MAX_LOG_BYTES {
                return Err(RpcError::TooManyLogBytes { max: MAX_LOG_BYTES });
            }
        }
        Ok(logs)
    }
}
