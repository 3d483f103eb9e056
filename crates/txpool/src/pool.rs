//! [`TxPool`]: entry validation, per-sender nonce queues, replacement and eviction, and the
//! builder's candidates.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, HashMap},
    sync::{Condvar, Mutex, MutexGuard},
    time::Duration,
};

use alloy_consensus::{
    transaction::{Recovered, SignerRecoverable},
    Transaction, TxEnvelope,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, U256};

use alloy_evm::revm::DatabaseRef;

use crate::{intrinsic_gas, CanonicalUpdate, TransactionSource, TxPoolError};

/// The transaction pool's limits.
#[derive(Clone, Debug)]
pub struct TxPoolConfig {
    /// Transactions kept at most.
    pub max_transactions: usize,
    /// How far ahead of a sender's next nonce a transaction may be.
    pub max_nonce_gap: u64,
    /// Largest encoded transaction, in bytes.
    pub max_tx_bytes: usize,
    /// Fee increase a replacement needs, in percent.
    pub price_bump_percent: u128,
}

impl Default for TxPoolConfig {
    fn default() -> Self {
        Self {
            max_transactions: 10_000,
            max_nonce_gap: 64,
            max_tx_bytes: 128 * 1024,
            price_bump_percent: 10,
        }
    }
}

/// The part of the chain's state entry validation reads.
pub trait AccountReader {
    /// The next nonce and the balance of `address` (both zero for an account that does not exist).
    fn nonce_and_balance(&self, address: Address) -> Result<(u64, U256), TxPoolError>;
}

impl<DB: DatabaseRef> AccountReader for DB {
    fn nonce_and_balance(&self, address: Address) -> Result<(u64, U256), TxPoolError> {
        let account = self
            .basic_ref(address)
            .map_err(|e| TxPoolError::State(Box::new(e)))?;
        Ok(account.map_or((0, U256::ZERO), |a| (a.nonce, a.balance)))
    }
}

/// What entry validation reads from the chain.
#[derive(Clone, Copy, Debug)]
pub struct ChainView {
    /// Chain id.
    pub chain_id: u64,
    /// Base fee of the next block.
    pub base_fee: u64,
    /// Block gas limit.
    pub gas_limit: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    tx: Recovered<TxEnvelope>,
    hash: B256,
}

impl Entry {
    fn max_fee(&self) -> u128 {
        self.tx.inner().max_fee_per_gas()
    }
    fn tip(&self) -> u128 {
        self.tx
            .inner()
            .max_priority_fee_per_gas()
            .unwrap_or_else(|| self.tx.inner().max_fee_per_gas())
    }
}

#[derive(Debug, Default)]
struct Inner {
    by_hash: HashMap<B256, (Address, u64)>,
    by_sender: HashMap<Address, BTreeMap<u64, Entry>>,
    /// Each sender's next nonce on the chain, as last seen.
    nonces: HashMap<Address, u64>,
    len: usize,
}

impl Inner {
    /// Whether some sender's next nonce is waiting.
    fn has_executable(&self) -> bool {
        self.by_sender.iter().any(|(sender, queue)| {
            queue.contains_key(&self.nonces.get(sender).copied().unwrap_or(0))
        })
    }

    /// `sender`'s next nonce is at least `next`: what is below it leaves.
    fn advance(&mut self, sender: Address, next: u64) {
        let next = self
            .nonces
            .get(&sender)
            .map_or(next, |known| next.max(*known));
        self.nonces.insert(sender, next);
        let stale: Vec<u64> = self
            .by_sender
            .get(&sender)
            .map(|q| q.range(..next).map(|(n, _)| *n).collect())
            .unwrap_or_default();
        for nonce in stale {
            self.remove(sender, nonce);
        }
    }

    fn remove(&mut self, sender: Address, nonce: u64) -> Option<Entry> {
        let queue = self.by_sender.get_mut(&sender)?;
        let entry = queue.remove(&nonce)?;
        if queue.is_empty() {
            self.by_sender.remove(&sender);
        }
        self.by_hash.remove(&entry.hash);
        self.len -= 1;
        Some(entry)
    }

    /// The cheapest transaction (lowest tip), preferring the highest nonce of its sender so that
    /// no gap is made below other transactions.
    fn cheapest(&self) -> Option<(Address, u64, u128)> {
        self.by_sender
            .iter()
            .filter_map(|(sender, queue)| {
                queue
                    .iter()
                    .next_back()
                    .map(|(n, e)| (*sender, *n, e.tip()))
            })
            .min_by_key(|(_, _, tip)| *tip)
    }
}

/// The transaction pool.
#[derive(Debug, Default)]
pub struct TxPool {
    config: TxPoolConfig,
    inner: Mutex<Inner>,
    /// Signalled when a transaction is added (wakes the dev block producer at once).
    arrived: Condvar,
}

impl TxPool {
    /// An empty pool with `config`.
    pub fn new(config: TxPoolConfig) -> Self {
        Self {
            config,
            inner: Mutex::default(),
            arrived: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Validates and adds an EIP-2718-encoded transaction; returns its hash and its sender.
    pub fn add_raw(
        &self,
        raw: &[u8],
        state: &impl AccountReader,
        chain: ChainView,
    ) -> Result<(B256, Address), TxPoolError> {
        if raw.len() > self.config.max_tx_bytes {
            return Err(TxPoolError::Oversized {
                size: raw.len(),
                max: self.config.max_tx_bytes,
            });
        }
        let tx = TxEnvelope::decode_2718(&mut &raw[..])?;
        self.insert(tx, state, chain)
    }

    /// Validates and adds a transaction; returns its hash.
    pub fn add(
        &self,
        tx: TxEnvelope,
        state: &impl AccountReader,
        chain: ChainView,
    ) -> Result<B256, TxPoolError> {
        self.insert(tx, state, chain).map(|(hash, _)| hash)
    }

    /// [`Self::add`], with the sender.
    fn insert(
        &self,
        tx: TxEnvelope,
        state: &impl AccountReader,
        chain: ChainView,
    ) -> Result<(B256, Address), TxPoolError> {
        if tx.is_eip4844() {
            return Err(TxPoolError::Unsupported);
        }
        if tx.chain_id() != Some(chain.chain_id) {
            return Err(TxPoolError::WrongChainId {
                expected: chain.chain_id,
                got: tx.chain_id(),
            });
        }
        let size = tx.encode_2718_len();
        if size > self.config.max_tx_bytes {
            return Err(TxPoolError::Oversized {
                size,
                max: self.config.max_tx_bytes,
            });
        }
        let sender = tx.recover_signer()?;
        if let Some(tip) = tx.max_priority_fee_per_gas() {
            if tip > tx.max_fee_per_gas() {
                return Err(TxPoolError::TipAboveFeeCap);
            }
        }
        if tx.max_fee_per_gas() < u128::from(chain.base_fee) {
            return Err(TxPoolError::FeeCapTooLow {
                max_fee: tx.max_fee_per_gas(),
                base_fee: chain.base_fee,
            });
        }
        if tx.gas_limit() > chain.gas_limit {
            return Err(TxPoolError::GasLimit {
                got: tx.gas_limit(),
                limit: chain.gas_limit,
            });
        }
        let needed = intrinsic_gas(&tx);
        if tx.gas_limit() < needed {
            return Err(TxPoolError::IntrinsicGas {
                needed,
                got: tx.gas_limit(),
            });
        }
        let (next, balance) = state.nonce_and_balance(sender)?;
        let nonce = tx.nonce();
        if nonce < next {
            return Err(TxPoolError::NonceTooLow { next, got: nonce });
        }
        if nonce - next > self.config.max_nonce_gap {
            return Err(TxPoolError::NonceGap {
                next,
                got: nonce,
                max_gap: self.config.max_nonce_gap,
            });
        }
        let cost = tx.value() + U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas());
        if cost > balance {
            return Err(TxPoolError::InsufficientFunds { balance, cost });
        }
        let hash = *tx.tx_hash();
        let entry = Entry {
            tx: Recovered::new_unchecked(tx, sender),
            hash,
        };

        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(TxPoolError::AlreadyKnown);
        }
        // `state` may be a block behind what the pool was told of since: nonces only grow, so
        // the larger one is the chain's.
        let next = inner
            .nonces
            .get(&sender)
            .map_or(next, |known| next.max(*known));
        if nonce < next {
            return Err(TxPoolError::NonceTooLow { next, got: nonce });
        }
        inner.nonces.insert(sender, next);
        let replacing = inner
            .by_sender
            .get(&sender)
            .and_then(|q| q.get(&nonce))
            .cloned();
        if let Some(old) = &replacing {
            let bump = |x: u128| x + x * self.config.price_bump_percent / 100;
            if entry.max_fee() < bump(old.max_fee()) || entry.tip() < bump(old.tip()) {
                return Err(TxPoolError::ReplacementUnderpriced {
                    bump: self.config.price_bump_percent,
                });
            }
            inner.remove(sender, nonce);
        } else if inner.len >= self.config.max_transactions {
            match inner.cheapest() {
                Some((s, n, tip)) if tip < entry.tip() => {
                    inner.remove(s, n);
                }
                _ => return Err(TxPoolError::PoolFull),
            }
        }
        inner.by_hash.insert(hash, (sender, nonce));
        inner
            .by_sender
            .entry(sender)
            .or_default()
            .insert(nonce, entry);
        inner.len += 1;
        self.arrived.notify_all();
        Ok((hash, sender))
    }

    /// Tells the pool `sender`'s next nonce on the chain, read after a transaction of it was
    /// added (the head may have moved between the read that validated the transaction and its
    /// entry): pooled transactions below it leave.
    pub fn observe_nonce(&self, sender: Address, next: u64) {
        let mut inner = self.lock();
        if !inner.by_sender.contains_key(&sender) {
            return;
        }
        inner.advance(sender, next);
    }

    /// The transaction with `hash`, if pooled.
    pub fn get(&self, hash: &B256) -> Option<Recovered<TxEnvelope>> {
        let inner = self.lock();
        let (sender, nonce) = inner.by_hash.get(hash)?;
        inner
            .by_sender
            .get(sender)?
            .get(nonce)
            .map(|e| e.tx.clone())
    }

    /// The next nonce of `sender` counting its consecutive pooled transactions.
    pub fn pending_nonce(&self, sender: Address, chain_nonce: u64) -> u64 {
        let inner = self.lock();
        let mut next = chain_nonce;
        if let Some(queue) = inner.by_sender.get(&sender) {
            while queue.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Number of pooled transactions.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TransactionSource for TxPool {
    /// Executable runs of each sender (from its next nonce on), merged by tip, best first, each
    /// sender's order kept.
    fn candidates(&self) -> Vec<Recovered<TxEnvelope>> {
        let inner = self.lock();
        let mut runs: Vec<Vec<&Entry>> = inner
            .by_sender
            .iter()
            .map(|(sender, queue)| {
                let mut next = inner.nonces.get(sender).copied().unwrap_or(0);
                let mut run = Vec::new();
                while let Some(e) = queue.get(&next) {
                    run.push(e);
                    next += 1;
                }
                run.reverse();
                run
            })
            .filter(|r| !r.is_empty())
            .collect();
        let mut heap: BinaryHeap<(u128, Reverse<usize>)> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.last().map(|e| (e.tip(), Reverse(i))))
            .collect();
        let mut out = Vec::new();
        while let Some((_, Reverse(i))) = heap.pop() {
            if let Some(e) = runs[i].pop() {
                out.push(e.tx.clone());
            }
            if let Some(e) = runs[i].last() {
                heap.push((e.tip(), Reverse(i)));
            }
        }
        out
    }

    fn on_canonical(&self, update: &CanonicalUpdate<'_>) {
        let mut inner = self.lock();
        for &(sender, next) in update.nonces {
            if !inner.by_sender.contains_key(&sender) {
                continue;
            }
            inner.advance(sender, next);
        }
        // What was invalid on the block it was offered to is dropped: offering it again would
        // only produce empty blocks. (What did not fit is not reported, and stays.)
        for hash in update.included.iter().chain(update.left_out) {
            if let Some((sender, nonce)) = inner.by_hash.get(hash).copied() {
                inner.remove(sender, nonce);
            }
        }
        let Inner {
            nonces, by_sender, ..
        } = &mut *inner;
        nonces.retain(|sender, _| by_sender.contains_key(sender));
    }

    fn has_pending(&self) -> bool {
        self.lock().has_executable()
    }

    fn wait_pending(&self, timeout: Duration) -> bool {
        let (inner, _) = self
            .arrived
            .wait_timeout_while(self.lock(), timeout, |inner| !inner.has_executable())
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.has_executable()
    }
}
