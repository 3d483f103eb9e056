//! IncentiveCollector: the pool's incentive auction, BERA side.
//!
//! Anyone may buy every incentive token the collector holds by paying exactly `payoutAmount`
//! BERA. The token transfers are EVM calls the precompile layer makes between
//! [`PoolSystem::begin_incentive_claim`] (the checks, and the fee synced from the SmartOperator)
//! and [`PoolSystem::settle_incentive_claim`] (the BERA into the rewards vault and the fee in
//! shares, in the audited order: net payout, fee shares, fee). The payout enters the NAV whole:
//! the protocol's part is charged here, as shares, and marked charged so the vault's own fee
//! accrual never charges it again.

use alloy_primitives::{Address, U256};

use crate::{
    access::{RoleHierarchy, Roles, DEFAULT_ADMIN_ROLE, INCENTIVE_COLLECTOR_MANAGER_ROLE},
    addresses::PoolId,
    error::PoolError,
    events::Event,
    host::{Host, Storage},
    layout::{self, field, field_u64, slot, with_field},
    operator::{operator_roles, FeeState},
    params::{INITIAL_PAYOUT_AMOUNT, ONE_HUNDRED_PERCENT},
    pool::Pricing,
    system::{Call, PoolSystem},
};

/// The collector's settings (`layout::incentive_collector`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncentiveState {
    /// `payoutAmount()`.
    pub payout_amount: U256,
    /// `feePercentage()`, bps: the SmartOperator's protocol fee as of the last claim.
    pub fee_percentage: u64,
    /// `queuedPayoutAmount()`, zero when nothing is queued.
    pub queued_payout_amount: U256,
}

impl IncentiveState {
    /// Reads pool `id`'s collector. A stored payout of zero is the initial payout: a payout
    /// can never be set to zero, so the factory need not write it.
    pub fn load<S: Storage>(host: &mut S, id: PoolId) -> Result<Self, PoolError> {
        let collector = id.addresses().incentive_collector;
        let word = host.sload(collector, slot(layout::incentive_collector::PAYOUT))?;
        let stored = field(word, 0, 128);
        let queued = host.sload(collector, slot(layout::incentive_collector::QUEUED))?;
        Ok(Self {
            payout_amount: if stored.is_zero() {
                INITIAL_PAYOUT_AMOUNT
            } else {
                stored
            },
            fee_percentage: field_u64(word, 128, 96),
            queued_payout_amount: field(queued, 0, 128),
        })
    }

    fn store_payout<S: Storage>(&self, host: &mut S, id: PoolId) -> Result<(), PoolError> {
        let word = with_field(U256::ZERO, 0, 128, self.payout_amount)?;
        let word = with_field(word, 128, 96, U256::from(self.fee_percentage))?;
        Ok(host.sstore(
            id.addresses().incentive_collector,
            slot(layout::incentive_collector::PAYOUT),
            word,
        )?)
    }

    fn store_queued<S: Storage>(&self, host: &mut S, id: PoolId) -> Result<(), PoolError> {
        let word = with_field(U256::ZERO, 0, 128, self.queued_payout_amount)?;
        Ok(host.sstore(
            id.addresses().incentive_collector,
            slot(layout::incentive_collector::QUEUED),
            word,
        )?)
    }
}

/// The roles of pool `id`'s IncentiveCollector (governance administers them).
pub fn incentive_collector_roles(id: PoolId) -> Roles {
    Roles {
        contract: id.addresses().incentive_collector,
        hierarchy: RoleHierarchy::Flat,
        base: layout::incentive_collector::ROLES,
    }
}

/// Mints the shares `fee_assets` buys at today's price to the pool's default shares recipient
/// (the SmartOperator's `accrueIncentivesFees` → StakingPool's `mintFeeShares`).
fn mint_fee_shares<H: Host>(
    host: &mut H,
    pool: &mut crate::PoolRecord,
    fee_assets: U256,
    wbera: bool,
) -> Result<(), PoolError> {
    if fee_assets.is_zero() {
        return Ok(());
    }
    let pricing = Pricing::load(host, pool, wbera)?;
    let shares = pricing.price(pool)?.preview_deposit(fee_assets)?;
    let recipient = pool.default_shares_recipient;
    crate::token::mint(host, pool, recipient, shares)?;
    pool.store(host)
}

/// What a claim pays, fixed when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncentiveClaim {
    /// `payoutAmount` (= `msg.value`).
    pub payout_amount: U256,
    /// The protocol's part: `payoutAmount * feePercentage / 10_000`.
    pub fee: U256,
}

impl PoolSystem {
    /// `payoutAmount()`, `feePercentage()` and `queuedPayoutAmount()` of pool `id`.
    pub fn incentive_state<S: Storage>(
        &self,
        host: &mut S,
        id: PoolId,
    ) -> Result<IncentiveState, PoolError> {
        self.require_registered(host, id)?;
        IncentiveState::load(host, id)
    }

    /// The first half of `claim(tokens)`: `msg.value` must be the payout, the pool must not
    /// have exited, and the fee follows the SmartOperator's protocol fee.
    pub fn begin_incentive_claim<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
    ) -> Result<IncentiveClaim, PoolError> {
        let pool = self.pool(host, id)?;
        let mut state = IncentiveState::load(host, id)?;
        if call.value != state.payout_amount {
            return Err(PoolError::IncorrectPayoutAmount);
        }
        if state.payout_amount.is_zero() {
            return Err(PoolError::PayoutAmountIsZero);
        }
        if pool.is_fully_exited() {
            return Err(PoolError::NodeIsFullyExited);
        }
        let protocol_fee = FeeState::load(host, id)?.protocol_fee_bps;
        if state.fee_percentage != protocol_fee {
            host.emit(
                id.addresses().incentive_collector,
                Event::FeePercentageSet {
                    old_value: state.fee_percentage,
                    new_value: protocol_fee,
                },
            )?;
            state.fee_percentage = protocol_fee;
            state.store_payout(host, id)?;
        }
        let fee = state.payout_amount * U256::from(state.fee_percentage)
            / U256::from(ONE_HUNDRED_PERCENT);
        Ok(IncentiveClaim {
            payout_amount: state.payout_amount,
            fee,
        })
    }

    /// The second half of `claim`, once every token has moved: the net payout to the rewards
    /// vault, the fee's shares to the default shares recipient (priced with the net payout in
    /// the NAV), then the fee itself; then a queued payout takes effect. The state is read
    /// again: the token calls may have re-entered the pool system.
    pub fn settle_incentive_claim<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        claim: &IncentiveClaim,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        if pool.is_fully_exited() {
            return Err(PoolError::NodeIsFullyExited);
        }
        let addrs = id.addresses();
        let net = claim.payout_amount - claim.fee;
        self.pay_rewards_vault(host, id, addrs.incentive_collector, net)?;
        if !claim.fee.is_zero() {
            mint_fee_shares(host, &mut pool, claim.fee, self.native_wbera)?;
            self.pay_rewards_vault(host, id, addrs.incentive_collector, claim.fee)?;
        }
        host.emit(
            addrs.incentive_collector,
            Event::IncentiveTokensClaimed {
                from: call.caller,
                payout_amount: claim.payout_amount,
                fee: claim.fee,
            },
        )?;
        let mut state = IncentiveState::load(host, id)?;
        if !state.queued_payout_amount.is_zero() {
            host.emit(
                addrs.incentive_collector,
                Event::PayoutAmountSet {
                    old_value: state.payout_amount,
                    new_value: state.queued_payout_amount,
                },
            )?;
            state.payout_amount = state.queued_payout_amount;
            state.queued_payout_amount = U256::ZERO;
            state.store_payout(host, id)?;
            state.store_queued(host, id)?;
        }
        Ok(())
    }

    /// Sends `amount` from `from` into pool `id`'s rewards vault as already-charged rewards
    /// (the vault's `receive` runs: `RewardsReceived`).
    fn pay_rewards_vault<H: Host>(
        &self,
        host: &mut H,
        id: PoolId,
        from: Address,
        amount: U256,
    ) -> Result<(), PoolError> {
        if amount.is_zero() {
            return Ok(());
        }
        let vault = id.addresses().staking_rewards_vault;
        host.transfer(from, vault, amount)?;
        host.emit(vault, Event::RewardsReceived { amount })?;
        let mut fees = FeeState::load(host, id)?;
        fees.already_charged = fees
            .already_charged
            .checked_add(amount)
            .ok_or(PoolError::ValueOverflow)?;
        fees.store(host, id)
    }

    /// The collector's `receive()`: a donation, forwarded to the rewards vault, where it is
    /// a reward like any other (the protocol fee applies to it there).
    pub fn donate_to_incentive_collector<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        let addrs = id.addresses();
        if !call.value.is_zero() {
            host.transfer(
                addrs.incentive_collector,
                addrs.staking_rewards_vault,
                call.value,
            )?;
            host.emit(
                addrs.staking_rewards_vault,
                Event::RewardsReceived { amount: call.value },
            )?;
        }
        host.emit(
            addrs.incentive_collector,
            Event::Donated {
                donor: call.caller,
                amount: call.value,
            },
        )?;
        Ok(())
    }

    /// SmartOperator's `queueIncentiveCollectorPayoutAmountChange(amount)` by an
    /// INCENTIVE_COLLECTOR_MANAGER: the collector's `queuePayoutAmountChange`, called by the
    /// SmartOperator; the new payout applies after the next claim.
    pub fn queue_incentive_payout_change<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        amount: U256,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        operator_roles(id).check_role(host, INCENTIVE_COLLECTOR_MANAGER_ROLE, call.caller)?;
        let operator = Call {
            caller: id.addresses().smart_operator,
            value: U256::ZERO,
        };
        self.queue_payout_amount_change(host, &operator, id, amount)
    }

    /// The collector's `queuePayoutAmountChange(amount)`: only its SmartOperator.
    pub fn queue_payout_amount_change<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        amount: U256,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        let addrs = id.addresses();
        if call.caller != addrs.smart_operator {
            return Err(PoolError::InvalidSender {
                sender: call.caller,
                expected: addrs.smart_operator,
            });
        }
        if amount.is_zero() {
            return Err(PoolError::PayoutAmountIsZero);
        }
        let mut state = IncentiveState::load(host, id)?;
        host.emit(
            addrs.incentive_collector,
            Event::QueuedPayoutAmount {
                new_payout_amount: amount,
                old_payout_amount: state.payout_amount,
            },
        )?;
        state.queued_payout_amount = amount;
        state.store_queued(host, id)
    }

    /// SmartOperator's `accrueIncentivesFees(amount)`: only the IncentiveCollector (whose
    /// `claim` charges its fee natively, so through the EVM every caller is refused in
    /// practice): mints `previewDeposit(amount)` shares to the default shares recipient.
    pub fn accrue_incentives_fees<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        amount: U256,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        let expected = id.addresses().incentive_collector;
        if call.caller != expected {
            return Err(PoolError::InvalidSender {
                sender: call.caller,
                expected,
            });
        }
        if pool.is_fully_exited() {
            return Ok(());
        }
        mint_fee_shares(host, &mut pool, amount, self.native_wbera)
    }

    /// Checks that `caller` may recover tokens from `contract` (its DEFAULT_ADMIN_ROLE, held by
    /// governance), for `recoverERC20` on the vaults and the collector.
    pub fn check_token_recovery<H: Host>(
        &self,
        host: &mut H,
        roles: Roles,
        caller: Address,
    ) -> Result<(), PoolError> {
        roles.check_role(host, DEFAULT_ADMIN_ROLE, caller)
    }
}
