//! SmartOperator: the pool's roles and its protocol fee.
//!
//! The fee (0..=2,000 bps) is charged on the BERA that reaches the StakingRewardsVault. Until it
//! is charged, the vault counts in NAV net of it; charging mints `previewDeposit(fee)` shares to
//! the default shares recipient and marks the vault's whole balance as charged, so each wei of
//! reward is charged exactly once.

use alloy_primitives::U256;

use crate::{
    access::{RoleHierarchy, Roles, PROTOCOL_FEE_MANAGER_ROLE},
    addresses::PoolId,
    error::PoolError,
    events::Event,
    host::{Host, Storage},
    layout::{self, field, field_u64, slot, with_field},
    params::{MAX_PROTOCOL_FEE, ONE_HUNDRED_PERCENT},
    pool::Pricing,
    system::{Call, PoolSystem},
};

/// The SmartOperator's fee settings (one word, `layout::operator::FEES`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeState {
    /// `protocolFeePercentage()`, basis points.
    pub protocol_fee_bps: u64,
    /// Rewards-vault balance already charged.
    pub already_charged: U256,
}

impl FeeState {
    /// Reads pool `id`'s fee state.
    pub fn load<S: Storage>(host: &mut S, id: PoolId) -> Result<Self, PoolError> {
        let word = host.sload(id.addresses().smart_operator, slot(layout::operator::FEES))?;
        Ok(Self {
            protocol_fee_bps: field_u64(word, 0, 96),
            already_charged: field(word, 96, 128),
        })
    }

    pub(crate) fn store<S: Storage>(&self, host: &mut S, id: PoolId) -> Result<(), PoolError> {
        let word = with_field(U256::ZERO, 0, 96, U256::from(self.protocol_fee_bps))?;
        let word = with_field(word, 96, 128, self.already_charged)?;
        Ok(host.sstore(
            id.addresses().smart_operator,
            slot(layout::operator::FEES),
            word,
        )?)
    }

    /// Fee owed on a rewards balance of `balance` (floor).
    pub fn pending_fee(&self, balance: U256) -> U256 {
        let chargeable = balance.saturating_sub(self.already_charged);
        chargeable * U256::from(self.protocol_fee_bps) / U256::from(ONE_HUNDRED_PERCENT)
    }

    /// The part of a rewards balance of `balance` that belongs to shareholders.
    pub fn rebaseable(&self, balance: U256) -> U256 {
        balance - self.pending_fee(balance)
    }
}

/// The SmartOperator's WBERA track, as its views report it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WberaFeeState {
    /// WBERA held.
    pub balance: U256,
    /// The part already charged.
    pub already_charged: U256,
    /// The part the fee is still owed on.
    pub chargeable: U256,
    /// The protocol fee, basis points.
    pub protocol_fee_bps: u64,
    /// What belongs to shareholders (`rebaseableWberaAmount`).
    pub rebaseable: U256,
}

/// The roles of pool `id`'s SmartOperator.
pub fn operator_roles(id: PoolId) -> Roles {
    Roles {
        contract: id.addresses().smart_operator,
        hierarchy: RoleHierarchy::SmartOperator,
        base: layout::operator::ROLES,
    }
}

/// The roles of pool `id`'s StakingRewardsVault.
pub fn rewards_vault_roles(id: PoolId) -> Roles {
    Roles {
        contract: id.addresses().staking_rewards_vault,
        hierarchy: RoleHierarchy::Flat,
        base: layout::rewards_vault::ROLES,
    }
}

impl PoolSystem {
    /// `setProtocolFeePercentage(bps)` by a PROTOCOL_FEE_MANAGER: charges what is due at the old
    /// rate first, so a change never reaches back.
    pub fn set_protocol_fee_percentage<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        bps: u64,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        operator_roles(id).check_role(host, PROTOCOL_FEE_MANAGER_ROLE, call.caller)?;
        if pool.is_fully_exited() {
            return Err(PoolError::StakingPoolIsFullyExited);
        }
        if bps > MAX_PROTOCOL_FEE {
            return Err(PoolError::InvalidProtocolFeePercentage);
        }
        let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let accrual = pricing.accrual(&pool)?;

        pricing.apply_accrual(host, &mut pool, &accrual)?;
        pricing.fees.protocol_fee_bps = bps;
        pricing.fees.store(host, id)?;
        host.emit(
            id.addresses().smart_operator,
            Event::ProtocolFeePercentageSet {
                protocol_fee_percentage: bps,
            },
        )?;
        pool.store(host)
    }

    /// The WBERA track's state (`getEarnedWBERAFeeState`, `rebaseableWberaAmount`,
    /// `availableWBERABalance`): all zero on a chain without the native WBERA.
    pub fn wbera_fee_state<H: Host>(
        &self,
        host: &mut H,
        id: PoolId,
    ) -> Result<WberaFeeState, PoolError> {
        let pool = self.pool(host, id)?;
        let pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let track = pricing.wbera;
        Ok(WberaFeeState {
            balance: track.balance,
            already_charged: track.already_charged,
            chargeable: track.balance.saturating_sub(track.already_charged),
            protocol_fee_bps: pricing.fees.protocol_fee_bps,
            rebaseable: track.rebaseable(&pricing.fees),
        })
    }

    /// `accrueEarnedWBERAFees()` by a PROTOCOL_FEE_MANAGER: charges the fee due now (on the
    /// WBERA and, in the same accrual, on the rewards vault), minting its shares. Refused after
    /// the full exit.
    pub fn accrue_earned_wbera_fees<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        operator_roles(id).check_role(host, PROTOCOL_FEE_MANAGER_ROLE, call.caller)?;
        if pool.is_fully_exited() {
            return Err(PoolError::StakingPoolIsFullyExited);
        }
        let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let accrual = pricing.accrual(&pool)?;
        pricing.apply_accrual(host, &mut pool, &accrual)?;
        pool.store(host)
    }

    /// `protocolFeePercentage()`.
    pub fn protocol_fee_percentage<S: Storage>(
        &self,
        host: &mut S,
        id: PoolId,
    ) -> Result<u64, PoolError> {
        Ok(FeeState::load(host, id)?.protocol_fee_bps)
    }

    /// The rewards vault's `receive()`: BERA from anyone (EL fees and tips, donations).
    pub fn receive_rewards<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        host.emit(
            id.addresses().staking_rewards_vault,
            crate::events::Event::RewardsReceived { amount: call.value },
        )?;
        Ok(())
    }
}
