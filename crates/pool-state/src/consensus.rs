//! Consensus-layer bookkeeping that native code can do and Solidity cannot.
//!
//! The node calls [`PoolSystem::begin_block`] at the start of every block and
//! [`PoolSystem::credit_consensus_withdrawals`] with the EIP-4895 withdrawals paid to the
//! withdrawal vault, inside the block's state transition. From these the pool system knows:
//! - which pool each CL withdrawal belongs to (by validator index, learned at activation), so a
//!   pool's received funds and pending partial withdrawals are exact;
//! - which block carries each beacon-root timestamp, and per pool the cumulative CL deposits and
//!   CL withdrawals by block, so an oracle report can be reconciled with what was in flight when
//!   its proof was taken (see `oracle`);
//! - per pool, the BeaconDeposit index of each CL deposit: the consensus layer processes
//!   deposits in that order, so a proven `eth1_deposit_index` says exactly which are in a state.

use alloy_primitives::U256;

use crate::{
    addresses::{PoolId, WITHDRAWAL_VAULT},
    error::PoolError,
    host::{Host, Storage},
    layout::{
        self, array_base, field, field_u64, mapping_slot, slot, u64_key, with_field, BLOCK_RING,
        CHECKPOINT_RING, DEPOSIT_RING,
    },
    params::GWEI,
    pool::PoolRecord,
    system::PoolSystem,
    vault::Ledger,
};

/// A CL withdrawal credited to the withdrawal vault by the block (EIP-4895).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultWithdrawal {
    /// The validator it comes from.
    pub validator_index: u64,
    /// Amount in gwei.
    pub amount_gwei: u64,
}

/// Cumulative amounts of one pool up to the end of a block, in gwei.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Block number.
    pub block: u64,
    /// CL deposits made by the pool since activation.
    pub deposited_gwei: U256,
    /// CL withdrawals received for the pool since activation.
    pub received_gwei: U256,
}

impl Checkpoint {
    fn decode(word: U256) -> Self {
        Self {
            block: field_u64(word, 192, 64),
            deposited_gwei: field(word, 96, 96),
            received_gwei: field(word, 0, 96),
        }
    }

    fn encode(&self) -> Result<U256, PoolError> {
        let w = with_field(U256::ZERO, 192, 64, U256::from(self.block))?;
        let w = with_field(w, 96, 96, self.deposited_gwei)?;
        with_field(w, 0, 96, self.received_gwei)
    }
}

fn checkpoint_slot(position: u64) -> U256 {
    array_base(slot(layout::pool::CHECKPOINTS)) + U256::from(position)
}

fn validator_slot(validator_index: u64) -> U256 {
    mapping_slot(
        slot(layout::vault::VALIDATOR_POOL),
        u64_key(validator_index),
    )
}

fn block_ring_slot(timestamp: u64) -> U256 {
    array_base(slot(layout::vault::BLOCK_RING)) + U256::from(timestamp % BLOCK_RING)
}

/// The pool a validator index belongs to, if any.
pub fn pool_of_validator<S: Storage>(
    host: &mut S,
    validator_index: u64,
) -> Result<Option<PoolId>, PoolError> {
    let v = host.sload(WITHDRAWAL_VAULT, validator_slot(validator_index))?;
    Ok(if v.is_zero() {
        None
    } else {
        Some(PoolId((v - U256::from(1u8)).saturating_to::<u64>()))
    })
}

pub(crate) fn assign_validator<S: Storage>(
    host: &mut S,
    validator_index: u64,
    id: PoolId,
) -> Result<(), PoolError> {
    // Stored as id + 1 so that zero means "none"; ids are u64, the word holds the sum.
    Ok(host.sstore(
        WITHDRAWAL_VAULT,
        validator_slot(validator_index),
        U256::from(id.0) + U256::from(1u8),
    )?)
}

/// The newest checkpoint of `pool` (zeros before the first).
pub fn latest_checkpoint<S: Storage>(
    host: &mut S,
    pool: &PoolRecord,
) -> Result<Checkpoint, PoolError> {
    if pool.checkpoint_len == 0 {
        return Ok(Checkpoint::default());
    }
    let account = pool.addresses().staking_pool;
    Ok(Checkpoint::decode(
        host.sload(account, checkpoint_slot(pool.checkpoint_head))?,
    ))
}

/// The cumulative amounts of `pool` at the end of block `block`; `None` if the ring no longer
/// reaches back that far.
pub fn checkpoint_at<S: Storage>(
    host: &mut S,
    pool: &PoolRecord,
    block: u64,
) -> Result<Option<Checkpoint>, PoolError> {
    let account = pool.addresses().staking_pool;
    for back in 0..pool.checkpoint_len {
        let position = (pool.checkpoint_head + CHECKPOINT_RING - back) % CHECKPOINT_RING;
        let entry = Checkpoint::decode(host.sload(account, checkpoint_slot(position))?);
        if entry.block <= block {
            return Ok(Some(entry));
        }
    }
    // Nothing at or before `block`: fine if the ring never wrapped (nothing happened yet).
    Ok((pool.checkpoint_len < CHECKPOINT_RING).then(Checkpoint::default))
}

/// Adds to the pool's cumulative amounts for the current block. The caller stores `pool`.
pub(crate) fn record_checkpoint<H: Host>(
    host: &mut H,
    pool: &mut PoolRecord,
    deposited_gwei: u64,
    received_gwei: u64,
) -> Result<(), PoolError> {
    let block = host.block().number;
    let mut entry = latest_checkpoint(host, pool)?;
    if pool.checkpoint_len == 0 || entry.block != block {
        pool.checkpoint_head = if pool.checkpoint_len == 0 {
            0
        } else {
            (pool.checkpoint_head + 1) % CHECKPOINT_RING
        };
        pool.checkpoint_len = (pool.checkpoint_len + 1).min(CHECKPOINT_RING);
        entry.block = block;
    }
    entry.deposited_gwei += U256::from(deposited_gwei);
    entry.received_gwei += U256::from(received_gwei);
    let word = entry.encode()?;
    host.sstore(
        pool.addresses().staking_pool,
        checkpoint_slot(pool.checkpoint_head),
        word,
    )?;
    Ok(())
}

/// A pool's CL deposits as the consensus layer will order them, and what reports proved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DepositLog {
    /// CL deposits the pool made since activation.
    pub count: u64,
    /// The highest `eth1_deposit_index` an applied report proved (0 = none).
    pub proven_index: u64,
}

/// One CL deposit of a pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolDeposit {
    /// Its BeaconDeposit index.
    pub index: u64,
    /// The pool's cumulative CL deposits before it, gwei.
    pub deposited_before_gwei: U256,
}

impl DepositLog {
    fn header_slot() -> U256 {
        slot(layout::pool::DEPOSIT_LOG)
    }

    fn entry_slot(n: u64) -> U256 {
        array_base(slot(layout::pool::DEPOSITS)) + U256::from(n % DEPOSIT_RING)
    }

    /// Reads `pool`'s log.
    pub fn load<S: Storage>(host: &mut S, pool: &PoolRecord) -> Result<Self, PoolError> {
        let word = host.sload(pool.addresses().staking_pool, Self::header_slot())?;
        Ok(Self {
            count: field_u64(word, 0, 64),
            proven_index: field_u64(word, 64, 64),
        })
    }

    fn store<S: Storage>(&self, host: &mut S, pool: &PoolRecord) -> Result<(), PoolError> {
        let word = with_field(
            U256::from(self.count),
            64,
            64,
            U256::from(self.proven_index),
        )?;
        Ok(host.sstore(pool.addresses().staking_pool, Self::header_slot(), word)?)
    }

    /// The `n`-th deposit, if the ring still holds it.
    fn entry<S: Storage>(
        &self,
        host: &mut S,
        pool: &PoolRecord,
        n: u64,
    ) -> Result<Option<PoolDeposit>, PoolError> {
        if n >= self.count || self.count - n > DEPOSIT_RING {
            return Ok(None);
        }
        let word = host.sload(pool.addresses().staking_pool, Self::entry_slot(n))?;
        Ok(Some(PoolDeposit {
            index: field_u64(word, 192, 64),
            deposited_before_gwei: field(word, 96, 96),
        }))
    }

    /// Whether every CL deposit of the pool is below the proven index, so in every beacon state
    /// a later report can prove.
    pub fn all_proven<S: Storage>(
        &self,
        host: &mut S,
        pool: &PoolRecord,
    ) -> Result<bool, PoolError> {
        if self.count == 0 {
            return Ok(true);
        }
        Ok(self
            .entry(host, pool, self.count - 1)?
            .is_some_and(|newest| newest.index < self.proven_index))
    }

    /// The pool's cumulative CL deposits in a beacon state that processed deposits up to
    /// `deposit_index` (exclusive); `deposited_now` if all of them. `None` if the ring no
    /// longer reaches back to the first deposit the state has not seen.
    pub fn deposited_seen_at<S: Storage>(
        &self,
        host: &mut S,
        pool: &PoolRecord,
        deposit_index: u64,
        deposited_now: U256,
    ) -> Result<Option<U256>, PoolError> {
        let mut seen = deposited_now;
        for n in (0..self.count).rev() {
            let Some(entry) = self.entry(host, pool, n)? else {
                // Older deposits fell out of the ring while all kept ones are unseen.
                return Ok(None);
            };
            if entry.index < deposit_index {
                break;
            }
            seen = entry.deposited_before_gwei;
        }
        Ok(Some(seen))
    }
}

/// Appends a CL deposit with BeaconDeposit index `index` to `pool`'s log, before it is added
/// to the pool's checkpoint.
pub(crate) fn record_deposit<H: Host>(
    host: &mut H,
    pool: &PoolRecord,
    index: u64,
) -> Result<(), PoolError> {
    let mut log = DepositLog::load(host, pool)?;
    let before = latest_checkpoint(host, pool)?.deposited_gwei;
    let word = with_field(U256::ZERO, 192, 64, U256::from(index))?;
    let word = with_field(word, 96, 96, before)?;
    host.sstore(
        pool.addresses().staking_pool,
        DepositLog::entry_slot(log.count),
        word,
    )?;
    log.count += 1;
    log.store(host, pool)
}

/// Remembers that a report proved `deposit_index` for `pool`.
pub(crate) fn note_proven_deposit_index<H: Host>(
    host: &mut H,
    pool: &PoolRecord,
    deposit_index: u64,
) -> Result<(), PoolError> {
    let mut log = DepositLog::load(host, pool)?;
    if deposit_index > log.proven_index {
        log.proven_index = deposit_index;
        log.store(host, pool)?;
    }
    Ok(())
}

impl PoolSystem {
    /// Start of every block: remembers which block carries this timestamp, so an oracle proof
    /// (which names a beacon-root timestamp) can be placed in the chain.
    pub fn begin_block<H: Host>(&self, host: &mut H) -> Result<(), PoolError> {
        let block = host.block();
        let word = with_field(
            U256::from(block.number),
            64,
            64,
            U256::from(block.timestamp),
        )?;
        host.sstore(WITHDRAWAL_VAULT, block_ring_slot(block.timestamp), word)?;
        Ok(())
    }

    /// The block whose EIP-4788 parent beacon root is stored under `timestamp`.
    pub fn block_at_timestamp<S: Storage>(
        &self,
        host: &mut S,
        timestamp: u64,
    ) -> Result<Option<u64>, PoolError> {
        let word = host.sload(WITHDRAWAL_VAULT, block_ring_slot(timestamp))?;
        Ok((!word.is_zero() && field_u64(word, 64, 64) == timestamp)
            .then(|| field_u64(word, 0, 64)))
    }

    /// Attributes the EIP-4895 withdrawals the block paid to the withdrawal vault (the node has
    /// already credited the vault's balance). Per pool: first its pending partial withdrawals
    /// are settled (the money becomes claimable by their requests), the rest is CL surplus held
    /// for the next oracle report; after full exit everything is claimable. Withdrawals of
    /// validators that belong to no pool are counted as unattributed.
    pub fn credit_consensus_withdrawals<H: Host>(
        &self,
        host: &mut H,
        withdrawals: &[VaultWithdrawal],
    ) -> Result<(), PoolError> {
        for w in withdrawals {
            let amount = U256::from(w.amount_gwei) * GWEI;
            let Some(id) = pool_of_validator(host, w.validator_index)? else {
                let slot = slot(layout::vault::UNATTRIBUTED);
                let total = host.sload(WITHDRAWAL_VAULT, slot)?.saturating_add(amount);
                host.sstore(WITHDRAWAL_VAULT, slot, total)?;
                continue;
            };
            let mut pool = self.pool(host, id)?;
            let mut ledger = Ledger::load(host, id)?;
            if ledger.exited || pool.is_fully_exited() {
                ledger.claimable = ledger
                    .claimable
                    .checked_add(amount)
                    .ok_or(PoolError::ValueOverflow)?;
            } else {
                let settled = amount.min(pool.pending_partial_withdrawals);
                pool.pending_partial_withdrawals -= settled;
                if pool.pending_partial_withdrawals.is_zero() {
                    ledger.oldest_partial_block = 0;
                }
                ledger.claimable = ledger
                    .claimable
                    .checked_add(settled)
                    .ok_or(PoolError::ValueOverflow)?;
                ledger.cl_surplus = ledger
                    .cl_surplus
                    .checked_add(amount - settled)
                    .ok_or(PoolError::ValueOverflow)?;
            }
            record_checkpoint(host, &mut pool, 0, w.amount_gwei)?;
            ledger.store(host, id)?;
            pool.store(host)?;
        }
        Ok(())
    }

    /// CL withdrawals to the vault that belong to no pool, in wei.
    pub fn unattributed_withdrawals<S: Storage>(&self, host: &mut S) -> Result<U256, PoolError> {
        Ok(host.sload(WITHDRAWAL_VAULT, slot(layout::vault::UNATTRIBUTED))?)
    }
}
