//! [`TxPool`]: entry validation, per-sender nonce queues, replacement and eviction, and the
//! builder's candidates.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, HashMap},
    sync::{Condvar, Mutex, MutexGuard},
    time::{Duration, Instant},
};
use tokio::sync::broadcast;

use alloy_consensus::{
    transaction::{Recovered, SignerRecoverable},
    Transaction, TxEnvelope,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, U256};

use alloy_evm::revm::DatabaseRef;

use crate::{intrinsic_gas, CanonicalUpdate, TransactionSource, TxPoolError};

/// EIP-3860's limit on a creation's init code (twice the 24,576-byte code limit).
pub const MAX_INIT_CODE_SIZE: usize = 49_152;

/// The transaction pool's limits.
#[derive(Clone, Debug)]
pub struct TxPoolConfig {
    /// Transactions kept at most.
    pub max_transactions: usize,
    /// How far ahead of a sender's next nonce a transaction may be (so a sender holds at most
    /// this many plus one).
    pub max_nonce_gap: u64,
    /// Queued transactions (behind a nonce gap, not executable) kept at most, over all senders.
    pub max_queued: usize,
    /// Queued transactions one sender may hold.
    pub max_queued_per_sender: usize,
    /// How long a transaction may stay queued before it is dropped.
    pub queued_lifetime: Duration,
    /// Largest encoded transaction, in bytes.
    pub max_tx_bytes: usize,
    /// Fee increase a replacement needs, in percent.
    pub price_bump_percent: u128,
}

impl Default for TxPoolConfig {
    /// geth's queue limits: 1,024 queued in all, a lifetime of 3 hours; 16 per sender (reth's
    /// account slots).
    fn default() -> Self {
        Self {
            max_transactions: 10_000,
            max_nonce_gap: 64,
            max_queued: 1_024,
            max_queued_per_sender: 16,
            queued_lifetime: Duration::from_secs(3 * 60 * 60),
            max_tx_bytes: 128 * 1024,
            price_bump_percent: 10,
        }
    }
}

/// How many transactions the pool holds, by subpool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Executable now, in each sender's nonce order.
    pub pending: usize,
    /// Waiting behind a nonce gap.
    pub queued: usize,
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
    /// When it entered the pool (queued transactions expire).
    added: Instant,
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

/// One sender's transactions: a pending run from its next nonce, then queued ones past a gap.
#[derive(Debug, Default)]
struct SenderTxs {
    /// Pooled transactions by nonce (none below `next`).
    txs: BTreeMap<u64, Entry>,
    /// The sender's next nonce on the chain, as last seen.
    next: u64,
    /// How many of `txs` run from `next` without a gap: the pending ones.
    pending: usize,
}

impl SenderTxs {
    fn queued(&self) -> usize {
        self.txs.len() - self.pending
    }

    /// The first nonce after the pending run: the next transaction that could become pending.
    fn pending_end(&self) -> u64 {
        self.next + self.pending as u64
    }

    fn recount(&mut self) {
        self.pending = self
            .txs
            .range(self.next..)
            .zip(self.next..)
            .take_while(|((nonce, _), expected)| *nonce == expected)
            .count();
    }

    /// The pending run, in nonce order.
    fn pending_run(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.txs
            .range(self.next..self.pending_end())
            .map(|(_, e)| e)
    }
}

#[derive(Debug, Default)]
struct Inner {
    by_hash: HashMap<B256, (Address, u64)>,
    senders: HashMap<Address, SenderTxs>,
    /// Pooled transactions, and how many of them are queued.
    len: usize,
    queued: usize,
}

impl Inner {
    /// Changes `sender`'s transactions with `change`, then recounts its pending run and the
    /// pool's totals and forgets a sender left with nothing.
    fn update<R>(
        &mut self,
        sender: Address,
        change: impl FnOnce(&mut SenderTxs) -> R,
    ) -> Option<R> {
        let txs = self.senders.get_mut(&sender)?;
        let (len, queued) = (txs.txs.len(), txs.queued());
        let result = change(txs);
        txs.recount();
        self.len = self.len - len + txs.txs.len();
        self.queued = self.queued - queued + txs.queued();
        if txs.txs.is_empty() {
            self.senders.remove(&sender);
        }
        Some(result)
    }

    fn status(&self) -> PoolStatus {
        PoolStatus {
            pending: self.len - self.queued,
            queued: self.queued,
        }
    }

    /// Whether some sender's next nonce is waiting.
    fn has_executable(&self) -> bool {
        self.queued < self.len
    }

    /// `sender`'s next nonce is at least `next`: what is below it leaves, and what was queued
    /// behind the gap it closes becomes pending.
    fn advance(&mut self, sender: Address, next: u64) {
        let stale = self
            .update(sender, |txs| {
                txs.next = txs.next.max(next);
                let kept = txs.txs.split_off(&txs.next);
                std::mem::replace(&mut txs.txs, kept)
            })
            .unwrap_or_default();
        for entry in stale.values() {
            self.by_hash.remove(&entry.hash);
        }
    }

    /// Pools `entry` at `sender`'s `nonce`; `next` is the sender's next nonce on the chain.
    fn insert(&mut self, sender: Address, next: u64, nonce: u64, entry: Entry) {
        self.by_hash.insert(entry.hash, (sender, nonce));
        self.senders.entry(sender).or_insert_with(|| SenderTxs {
            next,
            ..SenderTxs::default()
        });
        self.update(sender, |txs| txs.txs.insert(nonce, entry));
    }

    fn remove(&mut self, sender: Address, nonce: u64) -> Option<Entry> {
        let entry = self.update(sender, |txs| txs.txs.remove(&nonce))??;
        self.by_hash.remove(&entry.hash);
        Some(entry)
    }

    /// The cheapest queued transaction (lowest tip), its sender's highest nonce.
    fn cheapest_queued(&self) -> Option<(Address, u64, u128)> {
        self.senders
            .iter()
            .filter(|(_, txs)| txs.queued() > 0)
            .filter_map(|(sender, txs)| {
                let (nonce, entry) = txs.txs.iter().next_back()?;
                Some((*sender, *nonce, entry.tip()))
            })
            .min_by_key(|(_, _, tip)| *tip)
    }

    /// The cheapest pending transaction of a sender other than `except`, the last of its run
    /// so that no gap is made below the others.
    fn cheapest_pending(&self, except: Address) -> Option<(Address, u64, u128)> {
        self.senders
            .iter()
            .filter(|(sender, _)| **sender != except)
            .filter_map(|(sender, txs)| {
                let entry = txs.pending_run().next_back()?;
                Some((*sender, txs.pending_end() - 1, entry.tip()))
            })
            .min_by_key(|(_, _, tip)| *tip)
    }

    /// Drops queued transactions older than `lifetime`, a sender's queued ones past
    /// `per_sender` (highest nonces first) and the cheapest queued past `max` in all: a
    /// transaction removed below others turns them queued, so the limits are kept here too.
    fn trim_queued(&mut self, config: &TxPoolConfig, now: Instant) {
        let over: Vec<(Address, u64)> = self
            .senders
            .iter()
            .filter(|(_, txs)| txs.queued() > 0)
            .flat_map(|(sender, txs)| {
                let queued = txs.txs.range(txs.pending_end()..);
                let excess = txs.queued().saturating_sub(config.max_queued_per_sender);
                queued
                    .rev()
                    .enumerate()
                    .filter(move |(i, (_, e))| {
                        *i < excess || now.duration_since(e.added) >= config.queued_lifetime
                    })
                    .map(|(_, (nonce, _))| (*sender, *nonce))
            })
            .collect();
        for (sender, nonce) in over {
            self.remove(sender, nonce);
        }
        while self.queued > config.max_queued {
            let Some((sender, nonce, _)) = self.cheapest_queued() else {
                break;
            };
            self.remove(sender, nonce);
        }
    }
}

/// Hashes of added transactions kept for slow subscribers.
pub const ADDED_CHANNEL: usize = 4096;

/// The transaction pool.
#[derive(Debug)]
pub struct TxPool {
    config: TxPoolConfig,
    inner: Mutex<Inner>,
    /// Signalled when a transaction is added (wakes the dev block producer at once).
    arrived: Condvar,
    /// The hash of each transaction added (`newPendingTransactions` subscriptions).
    added: broadcast::Sender<B256>,
}

impl Default for TxPool {
    fn default() -> Self {
        Self::new(TxPoolConfig::default())
    }
}

impl TxPool {
    /// An empty pool with `config`.
    pub fn new(config: TxPoolConfig) -> Self {
        Self {
            config,
            inner: Mutex::default(),
            arrived: Condvar::new(),
            added: broadcast::channel(ADDED_CHANNEL).0,
        }
    }

    /// The hash of each transaction added from now on. A receiver that falls more than
    /// [`ADDED_CHANNEL`] behind is told how many it missed.
    pub fn subscribe_added(&self) -> broadcast::Receiver<B256> {
        self.added.subscribe()
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
        self.insert(tx, None, state, chain)
    }

    /// Validates and adds a transaction; returns its hash.
    pub fn add(
        &self,
        tx: TxEnvelope,
        state: &impl AccountReader,
        chain: ChainView,
    ) -> Result<B256, TxPoolError> {
        self.insert(tx, None, state, chain).map(|(hash, _)| hash)
    }

    /// Validates and adds a transaction sent as `sender` without its signature (a dev chain's
    /// impersonated account): every check but the signature's.
    pub fn add_impersonated(
        &self,
        tx: TxEnvelope,
        sender: Address,
        state: &impl AccountReader,
        chain: ChainView,
    ) -> Result<B256, TxPoolError> {
        self.insert(tx, Some(sender), state, chain)
            .map(|(hash, _)| hash)
    }

    /// [`Self::add`], with the sender (recovered from the signature unless given).
    fn insert(
        &self,
        tx: TxEnvelope,
        sender: Option<Address>,
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
        if tx.kind().is_create() && tx.input().len() > MAX_INIT_CODE_SIZE {
            return Err(TxPoolError::InitCodeTooLarge {
                size: tx.input().len(),
                max: MAX_INIT_CODE_SIZE,
            });
        }
        if let TxEnvelope::Eip7702(signed) = &tx {
            if signed.tx().authorization_list.is_empty() {
                return Err(TxPoolError::EmptyAuthorizationList);
            }
        }
        let sender = match sender {
            Some(sender) => sender,
            None => tx.recover_signer()?,
        };
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
            added: Instant::now(),
        };

        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(TxPoolError::AlreadyKnown);
        }
        // `state` may be a block behind what the pool was told of since: nonces only grow, so
        // the larger one is the chain's.
        let next = inner
            .senders
            .get(&sender)
            .map_or(next, |txs| txs.next.max(next));
        inner.advance(sender, next);
        self.make_room(&mut inner, sender, next, nonce, &entry)?;
        inner.insert(sender, next, nonce, entry);
        drop(inner);
        self.arrived.notify_all();
        // Nobody listening is fine.
        let _ = self.added.send(hash);
        Ok((hash, sender))
    }

    /// Makes room for `entry` at `sender`'s `nonce`: the transaction it replaces, or, when the
    /// pool or the queue is full, a worse one. Queued transactions go first, and a queued
    /// newcomer never takes a pending one's place.
    fn make_room(
        &self,
        inner: &mut Inner,
        sender: Address,
        next: u64,
        nonce: u64,
        entry: &Entry,
    ) -> Result<(), TxPoolError> {
        if nonce < next {
            return Err(TxPoolError::NonceTooLow { next, got: nonce });
        }
        let txs = inner.senders.get(&sender);
        if let Some(old) = txs.and_then(|txs| txs.txs.get(&nonce)) {
            let bump = |x: u128| x + x * self.config.price_bump_percent / 100;
            if entry.max_fee() < bump(old.max_fee()) || entry.tip() < bump(old.tip()) {
                return Err(TxPoolError::ReplacementUnderpriced {
                    bump: self.config.price_bump_percent,
                });
            }
            inner.remove(sender, nonce);
            return Ok(());
        }
        let queued = nonce != txs.map_or(next, SenderTxs::pending_end);
        if queued {
            if txs.map_or(0, SenderTxs::queued) >= self.config.max_queued_per_sender {
                return Err(TxPoolError::SenderQueueFull {
                    max: self.config.max_queued_per_sender,
                });
            }
            if inner.queued >= self.config.max_queued || inner.len >= self.config.max_transactions {
                match inner.cheapest_queued() {
                    Some((s, n, tip)) if tip < entry.tip() => {
                        inner.remove(s, n);
                    }
                    _ => return Err(TxPoolError::QueueFull),
                }
            }
        } else if inner.len >= self.config.max_transactions {
            let victim = inner
                .cheapest_queued()
                .or_else(|| inner.cheapest_pending(sender).filter(|v| v.2 < entry.tip()));
            let Some((s, n, _)) = victim else {
                return Err(TxPoolError::PoolFull);
            };
            inner.remove(s, n);
        }
        Ok(())
    }

    /// Tells the pool `sender`'s next nonce on the chain, read after a transaction of it was
    /// added (the head may have moved between the read that validated the transaction and its
    /// entry): pooled transactions below it leave.
    pub fn observe_nonce(&self, sender: Address, next: u64) {
        self.lock().advance(sender, next);
    }

    /// Removes the transaction with `hash` (`anvil_dropTransaction`); its sender's later ones
    /// wait behind the gap it leaves. Returns whether it was pooled.
    pub fn remove(&self, hash: &B256) -> bool {
        let mut inner = self.lock();
        let Some((sender, nonce)) = inner.by_hash.get(hash).copied() else {
            return false;
        };
        inner.remove(sender, nonce);
        true
    }

    /// Removes every transaction.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// The transaction with `hash`, if pooled.
    pub fn get(&self, hash: &B256) -> Option<Recovered<TxEnvelope>> {
        let inner = self.lock();
        let (sender, nonce) = inner.by_hash.get(hash)?;
        inner
            .senders
            .get(sender)?
            .txs
            .get(nonce)
            .map(|e| e.tx.clone())
    }

    /// The next nonce of `sender` counting its consecutive pooled transactions.
    pub fn pending_nonce(&self, sender: Address, chain_nonce: u64) -> u64 {
        let inner = self.lock();
        let mut next = chain_nonce;
        if let Some(txs) = inner.senders.get(&sender) {
            while txs.txs.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Every pooled transaction by sender and nonce, and whether it is pending (executable
    /// now) or queued (behind a nonce gap): geth's `txpool_content`.
    pub fn content(&self) -> Vec<(Address, u64, Recovered<TxEnvelope>, bool)> {
        let inner = self.lock();
        let mut out = Vec::with_capacity(inner.len);
        for (sender, txs) in &inner.senders {
            for (i, (nonce, entry)) in txs.txs.iter().enumerate() {
                out.push((*sender, *nonce, entry.tx.clone(), i < txs.pending));
            }
        }
        out
    }

    /// The hashes of every pooled transaction (for pending-transaction filters).
    pub fn hashes(&self) -> Vec<B256> {
        self.lock().by_hash.keys().copied().collect()
    }

    /// Number of pooled transactions.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Pooled transactions by subpool.
    pub fn status(&self) -> PoolStatus {
        self.lock().status()
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
            .senders
            .values()
            .map(|txs| txs.pending_run().rev().collect::<Vec<_>>())
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
            inner.advance(sender, next);
        }
        // What was invalid on the block it was offered to is dropped: offering it again would
        // only produce empty blocks. (What did not fit is not reported, and stays.)
        for hash in update.included.iter().chain(update.left_out) {
            if let Some((sender, nonce)) = inner.by_hash.get(hash).copied() {
                inner.remove(sender, nonce);
            }
        }
        inner.trim_queued(&self.config, Instant::now());
    }

    fn on_unwind(&self) {
        // Validated against nonces and balances of blocks that are gone.
        self.clear();
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
