//! Polling filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
//! `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`), for clients that poll
//! instead of subscribing: ethers' `contract.on`, web3.py's filters. Each filter remembers the
//! next block it has not reported; one nobody asked about for five minutes is dropped, as geth
//! does, and at most [`MAX_FILTERS`] are kept.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use serde::Serialize;

use super::{logs::MAX_LOG_RANGE, EthApi};
use crate::{api::RpcResult, RpcError};

/// A filter not polled for this long is uninstalled (geth's deadline).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Filters kept at most, over all clients.
pub const MAX_FILTERS: usize = 1_024;

/// What `eth_getFilterChanges` answers: logs for a log filter, hashes for the others.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum FilterChanges {
    /// New matching logs.
    Logs(Vec<Log>),
    /// New block or transaction hashes.
    Hashes(Vec<B256>),
}

#[derive(Debug)]
enum Kind {
    Logs { filter: Box<Filter>, next: u64 },
    Blocks { next: u64 },
    PendingTransactions { reported: HashSet<B256> },
}

#[derive(Debug)]
struct Installed {
    kind: Kind,
    polled: Instant,
    /// The chain's unwind count when it was last polled: blocks after an unwind since are
    /// new to it even at heights it reported before.
    unwinds: usize,
}

/// The installed filters.
#[derive(Debug, Default)]
pub(super) struct Filters {
    installed: Mutex<HashMap<U256, Installed>>,
}

impl Filters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<U256, Installed>> {
        self.installed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn install(&self, kind: Kind, unwinds: usize) -> RpcResult<U256> {
        let mut installed = self.lock();
        installed.retain(|_, f| f.polled.elapsed() < FILTER_TIMEOUT);
        if installed.len() >= MAX_FILTERS {
            return Err(RpcError::TooManyFilters(MAX_FILTERS));
        }
        let id = U256::from(rand::random::<u128>());
        installed.insert(
            id,
            Installed {
                kind,
                polled: Instant::now(),
                unwinds,
            },
        );
        Ok(id)
    }
}

impl EthApi {
    pub(super) fn new_filter(&self, filter: Filter) -> RpcResult<U256> {
        let unwinds = self.chain.unwind_count();
        let next = self.chain.head().number() + 1;
        self.filters.install(
            Kind::Logs {
                filter: Box::new(filter),
                next,
            },
            unwinds,
        )
    }

    pub(super) fn new_block_filter(&self) -> RpcResult<U256> {
        let unwinds = self.chain.unwind_count();
        let next = self.chain.head().number() + 1;
        self.filters.install(Kind::Blocks { next }, unwinds)
    }

    pub(super) fn new_pending_transaction_filter(&self) -> RpcResult<U256> {
        let reported = self.pool.hashes().into_iter().collect();
        self.filters.install(
            Kind::PendingTransactions { reported },
            self.chain.unwind_count(),
        )
    }

    pub(super) fn uninstall_filter(&self, id: U256) -> bool {
        self.filters.lock().remove(&id).is_some()
    }

    /// What the filter has not reported yet. The log scan runs without the filters' lock;
    /// the filter moves on only once it has succeeded, so an error loses nothing.
    pub(super) fn filter_changes(&self, id: U256) -> RpcResult<FilterChanges> {
        // The unwind count before the head: an unwind not counted yet has its head published
        // already, and is caught up with at the next poll.
        let unwinds = self.chain.unwind_count();
        let head = self.chain.head().number();
        let scan = {
            let mut installed = self.filters.lock();
            let f = installed.get_mut(&id).ok_or(RpcError::FilterNotFound)?;
            f.polled = Instant::now();
            // The chain went back since the last poll: what comes after the point it went back
            // to is new, even at heights reported before.
            if let Some(target) = self.chain.lowest_unwind_since(f.unwinds) {
                if let Kind::Blocks { next } | Kind::Logs { next, .. } = &mut f.kind {
                    *next = (*next).min(target + 1);
                }
            }
            f.unwinds = unwinds;
            match &mut f.kind {
                Kind::Blocks { next } => {
                    let store = self.chain.store();
                    let mut hashes = Vec::new();
                    for n in *next..=head {
                        if let Some(hash) = store.block_hash(n).map_err(RpcError::from)? {
                            hashes.push(hash);
                        }
                    }
                    *next = head + 1;
                    return Ok(FilterChanges::Hashes(hashes));
                }
                Kind::PendingTransactions { reported } => {
                    let pending = self.pool.hashes();
                    let new: Vec<B256> = pending
                        .iter()
                        .filter(|h| !reported.contains(*h))
                        .copied()
                        .collect();
                    *reported = pending.into_iter().collect();
                    return Ok(FilterChanges::Hashes(new));
                }
                Kind::Logs { filter, next } => {
                    let to = match filter.block_option {
                        FilterBlockOption::Range {
                            to_block: Some(BlockNumberOrTag::Number(to)),
                            ..
                        } => to.min(head),
                        _ => head,
                    };
                    let from = match filter.block_option {
                        FilterBlockOption::Range {
                            from_block: Some(BlockNumberOrTag::Number(from)),
                            ..
                        } => from.max(*next),
                        _ => *next,
                    };
                    // At most one `eth_getLogs` range per poll; the rest comes next time.
                    let to = to.min(from.saturating_add(MAX_LOG_RANGE - 1));
                    (filter.as_ref().clone(), from, to)
                }
            }
        };
        let (filter, from, to) = scan;
        if from > to {
            return Ok(FilterChanges::Logs(Vec::new()));
        }
        let window = filter.from_block(from).to_block(to);
        let logs = self.logs(&window)?;
        if let Some(Installed {
            kind: Kind::Logs { next, .. },
            ..
        }) = self.filters.lock().get_mut(&id)
        {
            *next = (*next).max(to + 1);
        }
        Ok(FilterChanges::Logs(logs))
    }

    /// Every log a log filter matches, over its whole range.
    pub(super) fn filter_logs(&self, id: U256) -> RpcResult<Vec<Log>> {
        let filter = {
            let mut installed = self.filters.lock();
            let f = installed.get_mut(&id).ok_or(RpcError::FilterNotFound)?;
            f.polled = Instant::now();
            match &f.kind {
                Kind::Logs { filter, .. } => filter.as_ref().clone(),
                _ => return Err(RpcError::FilterNotFound),
            }
        };
        self.logs(&filter)
    }
}
