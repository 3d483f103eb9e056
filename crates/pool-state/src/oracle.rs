//! AccountingOracle: proven CL balances become `totalDeposits`, reconciled with what was in
//! flight when the proof was taken.
//!
//! A proof names a beacon-root timestamp `T`; the block `B` that stored that root under `T`
//! (EIP-4788) has the beacon block `B-1` as parent, which has paid the withdrawals of payloads
//! up to `B-1`. Deposits are not placed by block: BeaconKit processes them in BeaconDeposit
//! index order, sixteen per block and one block late before Fulu, in the same block from Fulu,
//! so anyone who floods the deposit contract delays a pool's deposit. The state's proven
//! `eth1_deposit_index` `D` says exactly which are in it. So, with the pool's checkpoints and
//! deposit log:
//!
//! ```text
//! totalDeposits = proven
//!               + the pool's CL deposits with index ≥ D   (not yet in the proven balance)
//!               − CL withdrawals received after block B-1  (left the CL since the proof)
//!               − pending partial withdrawals              (requested, shares burnt, not yet paid)
//! ```
//!
//! A report without `D` (the official `updateTotalDeposits`) is applied only when every CL
//! deposit of the pool is below a `D` an earlier report proved, so certainly in the state.
//!
//! With nothing in flight this is the proven balance; money in flight moves it by exactly what
//! the pool's book already says, so the share price does not move. CL surplus held by the vault
//! (withdrawals beyond pending partials) returns to the pool's buffer at the report, when the
//! proven balance no longer counts it, without a protocol fee. A zero balance, or a reconciled
//! book of zero (everything was swept since the proof), means the validator is gone: the pool
//! exits in full.

use alloy_primitives::U256;

use crate::{
    access::{RoleHierarchy, Roles, FEEDER_ROLE},
    addresses::{Pubkey, ACCOUNTING_ORACLE, WITHDRAWAL_VAULT},
    consensus::{checkpoint_at, latest_checkpoint, note_proven_deposit_index, DepositLog},
    error::PoolError,
    events::Event,
    host::Host,
    layout,
    params::GWEI,
    pool::Pricing,
    system::{Call, PoolSystem},
    vault::Ledger,
};

/// The oracle's roles (`DEFAULT_ADMIN_ROLE` = governance, which grants `FEEDER_ROLE`).
pub fn oracle_roles() -> Roles {
    Roles {
        contract: ACCOUNTING_ORACLE,
        hierarchy: RoleHierarchy::Flat,
        base: layout::oracle::ROLES,
    }
}

/// A report's numbers after reconciliation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconciliation {
    /// The proven balance in wei.
    pub proven: U256,
    /// CL deposits the proof had not seen.
    pub deposits_after: U256,
    /// CL withdrawals received since the proof.
    pub withdrawals_after: U256,
    /// Pending partial withdrawals.
    pub pending_partials: U256,
    /// The new `totalDeposits`.
    pub total_deposits: U256,
}

impl PoolSystem {
    /// `updateTotalDeposits` of the AccountingOracle, after the caller verified the proofs: a
    /// FEEDER reports that `pubkey` had `balance_gwei` in the beacon state whose root is stored
    /// under `proof_timestamp`, and, if proven, that state's `eth1_deposit_index`. Returns the
    /// reconciliation applied.
    pub fn update_total_deposits<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        pubkey: &Pubkey,
        balance_gwei: u64,
        proof_timestamp: u64,
        deposit_index: Option<u64>,
    ) -> Result<Reconciliation, PoolError> {
        oracle_roles().check_role(host, FEEDER_ROLE, call.caller)?;
        let mut pool = self.pool_by_pubkey(host, pubkey)?;
        if !pool.is_active() || pool.owner_paused() || pool.is_fully_exited() {
            return Err(PoolError::EnforcedPause);
        }
        let stale = PoolError::StaleReport {
            timestamp: proof_timestamp,
            last_applied: pool.last_report_timestamp,
        };
        if proof_timestamp < pool.last_report_timestamp {
            return Err(stale);
        }
        let block = self.block_at_timestamp(host, proof_timestamp)?.ok_or(
            PoolError::UnknownBeaconTimestamp {
                timestamp: proof_timestamp,
            },
        )?;
        let now = latest_checkpoint(host, &pool)?;
        let log = DepositLog::load(host, &pool)?;
        let deposited_seen = match deposit_index {
            Some(index) => log
                .deposited_seen_at(host, &pool, index, now.deposited_gwei)?
                .ok_or(stale.clone())?,
            None if log.all_proven(host, &pool)? => now.deposited_gwei,
            None => return Err(PoolError::DepositIndexNotProven),
        };
        let withdrawals_seen = checkpoint_at(host, &pool, block.saturating_sub(1))?.ok_or(stale)?;
        let deposits_after = now.deposited_gwei.saturating_sub(deposited_seen) * GWEI;
        let withdrawals_after = (now.received_gwei - withdrawals_seen.received_gwei) * GWEI;
        let proven = U256::from(balance_gwei) * GWEI;
        let total_deposits = (proven + deposits_after)
            .saturating_sub(withdrawals_after)
            .saturating_sub(pool.pending_partial_withdrawals);
        let reconciliation = Reconciliation {
            proven,
            deposits_after,
            withdrawals_after,
            pending_partials: pool.pending_partial_withdrawals,
            total_deposits,
        };

        // Effects.
        pool.last_report_timestamp = proof_timestamp;
        if let Some(index) = deposit_index {
            note_proven_deposit_index(host, &pool, index)?;
        }
        let addrs = pool.addresses();
        if balance_gwei == 0 || total_deposits.is_zero() {
            // The validator is gone (a zero balance, or everything it had has been swept since
            // the proof): the pool exits with the book reconciled.
            pool.set_total_deposits(host, &self.params, total_deposits)?;
            let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
            self.trigger_full_exit(host, &mut pool, &mut pricing)?;
        } else {
            // CL surplus is stake or a donation that left the CL: it returns to the buffer, not
            // through the rewards vault, so no protocol fee is taken on it.
            let mut ledger = Ledger::load(host, pool.id)?;
            if !ledger.cl_surplus.is_zero() {
                let surplus = ledger.cl_surplus;
                host.transfer(WITHDRAWAL_VAULT, addrs.staking_pool, surplus)?;
                pool.buffered_assets = pool
                    .buffered_assets
                    .checked_add(surplus)
                    .ok_or(PoolError::ValueOverflow)?;
                ledger.cl_surplus = U256::ZERO;
                ledger.store(host, pool.id)?;
            }
            pool.set_total_deposits(host, &self.params, total_deposits)?;
        }
        host.emit(
            addrs.staking_pool,
            Event::TotalDepositsUpdated {
                new_total_deposits: pool.total_deposits,
            },
        )?;
        pool.store(host)?;
        Ok(reconciliation)
    }
}
