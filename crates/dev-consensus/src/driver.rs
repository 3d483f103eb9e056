//! The dev block driver: produces blocks in process through the same Engine API path a consensus
//! client uses (forkchoiceUpdated with attributes → getPayload → newPayload → forkchoiceUpdated),
//! as soon as transactions are waiting and, with a slot time, at least once per slot.
//!
//! What the consensus layer contributes to each block (timestamp, randomness, fee recipient,
//! withdrawals, parent beacon block root) comes from a [`ConsensusProvider`]. The dev consensus
//! layer ([`DevConsensus`](crate::DevConsensus), over the [`BeaconChain`](crate::BeaconChain))
//! is the one the node runs; [`SimpleProvider`], without validators, serves tests of the driver
//! alone.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use alloy_consensus::Header;
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{keccak256, Address, B256};
use alloy_rpc_types_engine::{ForkchoiceState, PayloadAttributes, PayloadStatusEnum};

use alloy_rpc_types_engine::PayloadStatus;
use berapool_beacon::BlsPubkey;
use berapool_engine::{EngineError, EngineHandle};
use berapool_primitives::unix_now;
use berapool_primitives::StateEdit;

/// What the consensus layer puts into the next block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextBlock {
    /// Timestamp.
    pub timestamp: u64,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// The proposer's fee recipient.
    pub fee_recipient: Address,
    /// EIP-4895 withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Root of the parent beacon block.
    pub parent_beacon_block_root: B256,
    /// The parent's proposer (BeaconKit's `parentProposerPubKey`), whose PoL rewards the
    /// block distributes on chains with PoL.
    pub parent_proposer_pubkey: Option<BlsPubkey>,
}

/// The consensus side of block production.
pub trait ConsensusProvider: Send {
    /// The attributes of the block to build on `parent`.
    fn next_block(&mut self, parent: &Header, parent_hash: B256) -> NextBlock;
    /// `header` (with hash `hash`) became the head.
    fn on_head(&mut self, _header: &Header, _hash: B256) {}
    /// Has `pubkey` propose the later blocks (`None`: the rules pick), if the provider has
    /// validators to choose from.
    fn set_proposer(&mut self, _pubkey: Option<BlsPubkey>) -> Result<(), String> {
        Err("this consensus side has no validators to choose from".to_string())
    }
}

/// A consensus side without validators: wall-clock timestamps (strictly increasing), a fixed
/// fee recipient, no withdrawals, and roots derived from the parent hash.
#[derive(Clone, Debug)]
pub struct SimpleProvider {
    /// Fee recipient of every block.
    pub fee_recipient: Address,
}

impl ConsensusProvider for SimpleProvider {
    fn next_block(&mut self, parent: &Header, parent_hash: B256) -> NextBlock {
        let now = unix_now();
        NextBlock {
            timestamp: now.max(parent.timestamp.saturating_add(1)),
            prev_randao: keccak256([parent_hash.as_slice(), b"randao"].concat()),
            fee_recipient: self.fee_recipient,
            withdrawals: Vec::new(),
            parent_beacon_block_root: keccak256([parent_hash.as_slice(), b"beacon"].concat()),
            // No validators: the PoL distribution names nobody (the base rate goes nowhere).
            parent_proposer_pubkey: Some(BlsPubkey::ZERO),
        }
    }
}

/// Why a block could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The Engine API refused.
    #[error("engine: {0}")]
    Engine(#[from] EngineError),
    /// A forkchoice update built no payload.
    #[error("no payload was started")]
    NoPayload,
    /// Our own payload was not accepted.
    #[error("own payload not valid: {}", .0.status)]
    Rejected(PayloadStatus),
}

/// The latest timestamp the dev driver sets on request (9999-12-31T23:59:59Z): far enough for
/// any test of time-bound rules, and with room for blocks after it (a head at `u64::MAX` could
/// have no successor, since each block's timestamp must be after its parent's).
pub const MAX_DEV_TIMESTAMP: u64 = 253_402_300_799;

/// Why a requested clock change was refused; the clock is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// A next-block timestamp at or before the head's.
    #[error("timestamp {timestamp} is not after the head's {head}")]
    NotAfterHead {
        /// The requested timestamp.
        timestamp: u64,
        /// The head's.
        head: u64,
    },
    /// A timestamp, or a clock shift, that would pass [`MAX_DEV_TIMESTAMP`].
    #[error("timestamp {timestamp} is past the latest the dev chain sets, {max}", max = MAX_DEV_TIMESTAMP)]
    TooLate {
        /// The timestamp the request would reach (saturated at `u64::MAX`).
        timestamp: u64,
    },
}

/// When the dev driver produces blocks, as anvil's mining modes: automine (a block as soon as
/// transactions wait), interval mining (a block every interval with everything pending), or
/// neither (blocks on demand); and the slot time, after which an empty block comes when nothing
/// else made one (so the consensus layer's epochs move on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mining {
    /// A block as soon as transactions wait.
    pub automine: bool,
    /// A block every interval, with everything pending; replaces automine while set.
    pub interval: Option<Duration>,
    /// With automine or on demand: the longest time between blocks.
    pub slot_time: Option<Duration>,
}

impl Mining {
    /// Automine with an empty block every `slot_time`.
    pub const fn instant(slot_time: Option<Duration>) -> Self {
        Self {
            automine: true,
            interval: None,
            slot_time,
        }
    }
}

/// Produces blocks through an [`EngineHandle`].
pub struct DevDriver {
    engine: EngineHandle,
    provider: Box<dyn ConsensusProvider>,
    mining: Mining,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    time_offset: u64,
    /// The exact timestamp of the next block (`evm_mine` with a timestamp).
    next_timestamp: Option<u64>,
    /// The fee recipient of later blocks instead of the proposer's (`anvil_setCoinbase`).
    coinbase: Option<Address>,
    /// The gas limit later blocks move to, within the 1/1024 step a block may take
    /// (`evm_setBlockGasLimit`).
    target_gas_limit: Option<u64>,
    /// `evm_snapshot`s by id: the head then, and the clock shift then.
    snapshots: BTreeMap<u64, Snapshot>,
    next_snapshot: u64,
}

/// What `evm_revert` goes back to.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    number: u64,
    hash: B256,
    time_offset: u64,
}

impl std::fmt::Debug for DevDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevDriver")
            .field("mining", &self.mining)
            .finish_non_exhaustive()
    }
}

impl DevDriver {
    /// A driver over `engine`, mining as `mining` says.
    pub fn new(engine: EngineHandle, provider: Box<dyn ConsensusProvider>, mining: Mining) -> Self {
        Self {
            engine,
            provider,
            mining,
            time_offset: 0,
            next_timestamp: None,
            coinbase: None,
            target_gas_limit: None,
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
        }
    }

    /// How blocks are produced now.
    pub fn mining(&self) -> Mining {
        self.mining
    }

    /// Turns automine on or off (`evm_setAutomine`); on, it ends interval mining.
    pub fn set_automine(&mut self, on: bool) {
        self.mining.automine = on;
        if on {
            self.mining.interval = None;
        }
    }

    /// Mines every `interval` (`evm_setIntervalMining`; `None` stops it), instead of automine.
    pub fn set_interval(&mut self, interval: Option<Duration>) {
        self.mining.interval = interval;
        if interval.is_some() {
            self.mining.automine = false;
        }
    }

    /// Moves the clock of later blocks `seconds` ahead; returns the total shift. Refused when
    /// the shifted clock would pass [`MAX_DEV_TIMESTAMP`].
    pub fn increase_time(&mut self, seconds: u64) -> Result<u64, TimeError> {
        self.time_offset = self.check_time_shift(seconds)?;
        Ok(self.time_offset)
    }

    /// The total shift after moving the clock `seconds` more, if that stays within
    /// [`MAX_DEV_TIMESTAMP`]; changes nothing.
    pub fn check_time_shift(&self, seconds: u64) -> Result<u64, TimeError> {
        let offset = self.time_offset.saturating_add(seconds);
        let reaches = unix_now().max(self.head_timestamp()).saturating_add(offset);
        if reaches > MAX_DEV_TIMESTAMP {
            return Err(TimeError::TooLate { timestamp: reaches });
        }
        Ok(offset)
    }

    /// The head's timestamp.
    pub fn head_timestamp(&self) -> u64 {
        self.engine.reader().head().header.timestamp
    }

    /// Gives the next block exactly `timestamp`, which must be after the head's and at most
    /// [`MAX_DEV_TIMESTAMP`].
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<(), TimeError> {
        let head = self.head_timestamp();
        if timestamp <= head {
            return Err(TimeError::NotAfterHead { timestamp, head });
        }
        if timestamp > MAX_DEV_TIMESTAMP {
            return Err(TimeError::TooLate { timestamp });
        }
        self.next_timestamp = Some(timestamp);
        Ok(())
    }

    /// Has `pubkey` propose every later block while it is active (`None`: the rules pick).
    pub fn set_proposer(&mut self, pubkey: Option<BlsPubkey>) -> Result<(), String> {
        self.provider.set_proposer(pubkey)
    }

    /// Gives later blocks `coinbase` as their fee recipient instead of the proposer's.
    pub fn set_coinbase(&mut self, coinbase: Address) {
        self.coinbase = Some(coinbase);
    }

    /// Moves the gas limit of later blocks toward `limit`, as far as each block may move it
    /// (1/1024 of its parent's), until it is reached.
    pub fn set_target_gas_limit(&mut self, limit: u64) {
        self.target_gas_limit = Some(limit);
    }

    /// Records the head (and the clock shift) to come back to; returns the snapshot's id.
    pub fn snapshot(&mut self) -> u64 {
        let head = self.engine.reader().head();
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        self.snapshots.insert(
            id,
            Snapshot {
                number: head.number(),
                hash: head.hash,
                time_offset: self.time_offset,
            },
        );
        id
    }

    /// Goes back to snapshot `id`: every later block removed, the clock shift restored, and
    /// that snapshot and every later one forgotten (as anvil and hardhat do). Returns whether
    /// the snapshot existed.
    pub fn revert(&mut self, id: u64) -> Result<bool, DriverError> {
        let Some(snapshot) = self.snapshots.get(&id).copied() else {
            return Ok(false);
        };
        let canonical = self
            .engine
            .reader()
            .store()
            .block_hash(snapshot.number)
            .map_err(EngineError::from)?;
        if canonical != Some(snapshot.hash) {
            // Not expected (unwinding below a snapshot forgets it), but never unwind to a
            // block that is not the one the snapshot saw.
            self.snapshots.split_off(&id);
            return Ok(false);
        }
        self.unwind_to(snapshot.number)?;
        self.time_offset = snapshot.time_offset;
        self.next_timestamp = None;
        self.snapshots.split_off(&id);
        Ok(true)
    }

    /// Goes back to the genesis (`anvil_reset`): every block removed, and the clock, the
    /// coinbase, the gas-limit target and every snapshot forgotten.
    pub fn reset(&mut self) -> Result<(), DriverError> {
        self.unwind_to(0)?;
        self.time_offset = 0;
        self.next_timestamp = None;
        self.coinbase = None;
        self.target_gas_limit = None;
        self.snapshots.clear();
        Ok(())
    }

    /// Removes the blocks after `number`; snapshots of removed blocks are forgotten, and the
    /// consensus layer follows the shorter chain.
    fn unwind_to(&mut self, number: u64) -> Result<(), DriverError> {
        self.engine.unwind_to(number)?;
        self.snapshots.retain(|_, s| s.number <= number);
        let head = self.engine.reader().head();
        self.provider.on_head(&head.header, head.hash);
        Ok(())
    }

    /// Produces one block on the head and makes it the head. Returns its hash.
    pub fn produce_block(&mut self) -> Result<B256, DriverError> {
        self.produce_block_with(Vec::new())
    }

    /// Produces one block that applies `edits` at its start and carries no transactions (so
    /// that automine being off, or transactions waiting, never change what an edit does), and
    /// makes it the head. Returns its hash.
    pub fn produce_block_with_edits(&mut self, edits: Vec<StateEdit>) -> Result<B256, DriverError> {
        self.produce_block_with(edits)
    }

    fn produce_block_with(&mut self, edits: Vec<StateEdit>) -> Result<B256, DriverError> {
        let head = self.engine.reader().head();
        let (parent, parent_hash) = (head.header.clone(), head.hash);
        let mut next = self.provider.next_block(&parent, parent_hash);
        if self.time_offset > 0 {
            next.timestamp = next
                .timestamp
                .max(unix_now().saturating_add(self.time_offset));
        }
        // An edit's block leaves an `evm_setNextBlockTimestamp` to the next block of
        // transactions, as on anvil, where edits make no block.
        let requested = if edits.is_empty() {
            self.next_timestamp.take()
        } else {
            None
        };
        if let Some(timestamp) = requested {
            next.timestamp = timestamp.max(parent.timestamp.saturating_add(1));
        }
        let attributes = PayloadAttributes {
            timestamp: next.timestamp,
            prev_randao: next.prev_randao,
            suggested_fee_recipient: self.coinbase.unwrap_or(next.fee_recipient),
            withdrawals: Some(next.withdrawals),
            parent_beacon_block_root: Some(next.parent_beacon_block_root),
            slot_number: None,
            target_gas_limit: self.target_gas_limit,
        };
        let state = ForkchoiceState {
            head_block_hash: parent_hash,
            safe_block_hash: B256::ZERO,
            finalized_block_hash: B256::ZERO,
        };
        let parent_proposer = if self.engine.reader().spec().has_pol_at(next.timestamp) {
            Some(next.parent_proposer_pubkey.unwrap_or_default())
        } else {
            None
        };
        let id = self
            .engine
            .fork_choice_updated_with_edits(state, Some(attributes), parent_proposer, edits)?
            .payload_id
            .ok_or(DriverError::NoPayload)?;
        let envelope = self.engine.get_payload_v4(id)?;
        let payload = envelope.envelope_inner.execution_payload;
        let hash = payload.payload_inner.payload_inner.block_hash;
        let status = self.engine.new_payload_v4_p11(
            payload,
            Vec::new(),
            next.parent_beacon_block_root,
            envelope.execution_requests,
            parent_proposer,
        )?;
        if status.status != PayloadStatusEnum::Valid {
            return Err(DriverError::Rejected(status));
        }
        // The dev chain finalizes at once: a single proposer, no forks.
        let state = ForkchoiceState {
            head_block_hash: hash,
            safe_block_hash: hash,
            finalized_block_hash: hash,
        };
        self.engine.fork_choice_updated_v3(state, None)?;
        let header = self.engine.reader().head().header.clone();
        self.provider.on_head(&header, hash);
        tracing::info!(target: "berapool::dev", number = header.number, %hash, gas_used = header.gas_used, "block produced");
        Ok(hash)
    }

    /// Produces blocks until `shutdown` is set; a failed block is logged and retried.
    pub fn run(self, shutdown: Arc<AtomicBool>) {
        DevHandle::new(self).run(&shutdown);
    }
}

/// A driver shared between its timer loop and the dev JSON-RPC methods (`anvil_mine`,
/// `evm_increaseTime`), so a block is produced by one of them at a time.
#[derive(Clone, Debug)]
pub struct DevHandle(Arc<Mutex<DevDriver>>);

impl DevHandle {
    /// Shares `driver`.
    pub fn new(driver: DevDriver) -> Self {
        Self(Arc::new(Mutex::new(driver)))
    }

    /// Runs `f` with the driver (no other block is produced meanwhile).
    pub fn with<T>(&self, f: impl FnOnce(&mut DevDriver) -> T) -> T {
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Produces blocks until `shutdown` is set, as the driver's [`Mining`] says (read again
    /// every poll, so the dev methods change it at once). A failed block is logged and retried.
    pub fn run(&self, shutdown: &AtomicBool) {
        let poll = Duration::from_millis(25);
        let engine = self.with(|d| d.engine.clone());
        let mut last = Instant::now();
        while !shutdown.load(Ordering::Relaxed) {
            let mining = self.with(|d| d.mining);
            let due = match mining.interval {
                Some(every) => {
                    let left = every.saturating_sub(last.elapsed());
                    std::thread::sleep(left.min(poll));
                    left <= poll
                }
                None => {
                    // Woken as soon as a transaction arrives, without holding the driver; with
                    // a slot time, an empty block is due when nothing came for a whole slot.
                    let wait = mining
                        .slot_time
                        .map_or(poll, |s| poll.min(s.saturating_sub(last.elapsed())));
                    let slot_over =
                        |last: Instant| mining.slot_time.is_some_and(|s| last.elapsed() >= s);
                    if mining.automine {
                        engine.wait_for_transactions(wait) || slot_over(last)
                    } else {
                        std::thread::sleep(wait);
                        slot_over(last)
                    }
                }
            };
            if due {
                last = Instant::now();
                // Only if the mode is still the one that made the block due: a dev method may
                // have switched automine off while this loop waited.
                let produced = self.with(|d| (d.mining == mining).then(|| d.produce_block()));
                if let Some(Err(error)) = produced {
                    tracing::warn!(target: "berapool::dev", %error, "block production failed");
                }
            }
        }
    }
}
