//! What a block builder takes from a pool ([`TransactionSource`]), what the pool is told when a
//! block becomes the head ([`CanonicalUpdate`]), and the simplest source, a FIFO queue.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use alloy_consensus::{transaction::Recovered, TxEnvelope};
use alloy_primitives::{Address, B256};

/// A block that became the head, as a transaction source needs to know it.
#[derive(Clone, Copy, Debug)]
pub struct CanonicalUpdate<'a> {
    /// Hashes of the transactions it includes.
    pub included: &'a [B256],
    /// Candidates the builder found invalid on it (not those that only did not fit).
    pub left_out: &'a [B256],
    /// The next nonce of every account it changed.
    pub nonces: &'a [(Address, u64)],
}

/// Where the payload builder takes transactions from.
pub trait TransactionSource: Send + Sync {
    /// Candidates for the next block, in the order to try them.
    fn candidates(&self) -> Vec<Recovered<TxEnvelope>>;
    /// A block became the head.
    fn on_canonical(&self, update: &CanonicalUpdate<'_>);
    /// The chain went back to an earlier block (a dev chain's `evm_revert`): what the source
    /// validated against the removed blocks' state no longer holds.
    fn on_unwind(&self) {}
    /// Whether transactions are waiting.
    fn has_pending(&self) -> bool;
    /// Waits up to `timeout` for transactions; returns whether some are waiting.
    fn wait_pending(&self, timeout: Duration) -> bool {
        if !self.has_pending() {
            std::thread::sleep(timeout);
        }
        self.has_pending()
    }
}

/// A first-in first-out queue of transactions, without validation: a source for tests of the
/// builder and the engine alone.
#[derive(Debug, Default)]
pub struct TxQueue {
    queue: Mutex<VecDeque<Recovered<TxEnvelope>>>,
}

impl TxQueue {
    /// Appends a transaction.
    pub fn push(&self, tx: Recovered<TxEnvelope>) {
        self.lock().push_back(tx);
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Recovered<TxEnvelope>>> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TransactionSource for TxQueue {
    fn candidates(&self) -> Vec<Recovered<TxEnvelope>> {
        self.lock().iter().cloned().collect()
    }

    fn on_canonical(&self, update: &CanonicalUpdate<'_>) {
        // Included transactions leave; so do the ones the builder could not execute (this queue
        // does not keep transactions for later, the transaction pool does).
        self.lock().retain(|tx| {
            let hash = tx.inner().tx_hash();
            !update.included.contains(hash) && !update.left_out.contains(hash)
        });
    }

    fn has_pending(&self) -> bool {
        !self.lock().is_empty()
    }
}
