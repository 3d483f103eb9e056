//! WithdrawalVault: withdrawal requests as non-transferable, enumerable ERC-721 records, every
//! withdrawal path, and finalization from per-pool funds.
//!
//! The vault is shared by all pools, but its money is not: a per-pool ledger tracks what the vault
//! received for each pool (short-circuit and exit transfers, and CL withdrawals attributed by
//! validator index) and what is still to pay, so one pool's requests are never paid with another
//! pool's money.

use alloy_primitives::{Address, U256};

use crate::{
    access::{RoleHierarchy, Roles, DEFAULT_ADMIN_ROLE},
    addresses::{PoolId, Pubkey, WITHDRAWAL_VAULT},
    error::PoolError,
    events::Event,
    host::{ClWithdrawalRequest, Host, Storage},
    layout::{
        self, address_key, field, field_address, field_u64, mapping_slot, slot, u64_key,
        with_address, with_field,
    },
    params::GWEI,
    pool::{PoolRecord, Pricing},
    system::{Call, PoolSystem},
};

/// The vault's roles (`DEFAULT_ADMIN_ROLE` = governance).
pub fn vault_roles() -> Roles {
    Roles {
        contract: WITHDRAWAL_VAULT,
        hierarchy: RoleHierarchy::Flat,
        base: layout::vault::ROLES,
    }
}

/// One pool's money in the vault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Received for the pool's requests and not yet paid out.
    pub claimable: U256,
    /// CL withdrawals beyond the pool's pending partials (donations above the cap, eviction),
    /// held until the next oracle report releases them to the pool.
    pub cl_surplus: U256,
    /// `allocatedWithdrawalsAmount`: requested and not yet finalized.
    pub allocated: U256,
    /// The pool has fully exited (the vault's `_isFullyExited[pubkey]`).
    pub exited: bool,
    /// Block of the pool's last CL partial request: a full exit cannot be retried while one
    /// may still be pending on the CL.
    pub last_partial_block: u64,
    /// Block of the oldest CL partial request not yet paid in full (0 when none is pending):
    /// once it is older than the flight window the CL has dropped or cut it short.
    pub oldest_partial_block: u64,
}

impl Ledger {
    fn slot(id: PoolId) -> U256 {
        mapping_slot(slot(layout::vault::LEDGER), u64_key(id.0))
    }

    /// Reads pool `id`'s ledger.
    pub fn load<S: Storage>(host: &mut S, id: PoolId) -> Result<Self, PoolError> {
        let base = Self::slot(id);
        let w0 = host.sload(WITHDRAWAL_VAULT, base)?;
        let w1 = host.sload(WITHDRAWAL_VAULT, base + U256::from(1u8))?;
        Ok(Self {
            claimable: field(w0, 128, 128),
            cl_surplus: field(w0, 0, 128),
            allocated: field(w1, 128, 128),
            exited: field_u64(w1, 0, 1) == 1,
            last_partial_block: field_u64(w1, 64, 64),
            oldest_partial_block: field_u64(w1, 1, 63),
        })
    }

    pub(crate) fn store<S: Storage>(&self, host: &mut S, id: PoolId) -> Result<(), PoolError> {
        let w0 = with_field(
            with_field(U256::ZERO, 128, 128, self.claimable)?,
            0,
            128,
            self.cl_surplus,
        )?;
        let w1 = with_field(U256::ZERO, 128, 128, self.allocated)?;
        let w1 = with_field(w1, 64, 64, U256::from(self.last_partial_block))?;
        let w1 = with_field(w1, 1, 63, U256::from(self.oldest_partial_block))?;
        let w1 = with_field(w1, 0, 1, U256::from(self.exited as u8))?;
        let base = Self::slot(id);
        host.sstore(WITHDRAWAL_VAULT, base, w0)?;
        host.sstore(WITHDRAWAL_VAULT, base + U256::from(1u8), w1)?;
        Ok(())
    }
}

/// The vault's header word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Header {
    last_request_id: u64,
    live_tokens: u64,
    paused: bool,
}

impl Header {
    fn load<S: Storage>(host: &mut S) -> Result<Self, PoolError> {
        let w = host.sload(WITHDRAWAL_VAULT, slot(layout::vault::HEADER))?;
        Ok(Self {
            last_request_id: field_u64(w, 0, 64),
            live_tokens: field_u64(w, 64, 64),
            paused: field_u64(w, 128, 1) == 1,
        })
    }

    fn store<S: Storage>(&self, host: &mut S) -> Result<(), PoolError> {
        let w = with_field(U256::ZERO, 0, 64, U256::from(self.last_request_id))?;
        let w = with_field(w, 64, 64, U256::from(self.live_tokens))?;
        let w = with_field(w, 128, 1, U256::from(self.paused as u8))?;
        Ok(host.sstore(WITHDRAWAL_VAULT, slot(layout::vault::HEADER), w)?)
    }
}

/// A withdrawal request (the official `WithdrawalRequest` struct, plus where it is enumerated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawalRequest {
    /// The pool the request is against.
    pub pool: PoolId,
    /// Requester, paid on finalization.
    pub user: Address,
    /// Wei requested (a whole number of gwei).
    pub assets_requested: U256,
    /// Shares burnt for it.
    pub shares_burnt: U256,
    /// Block of the request.
    pub request_block: u64,
    owned_index: u64,
    all_index: u64,
}

fn request_slot(id: u64) -> U256 {
    mapping_slot(slot(layout::vault::REQUESTS), u64_key(id))
}

fn owned_slot(owner: Address, index: u64) -> U256 {
    mapping_slot(
        mapping_slot(slot(layout::vault::OWNED), address_key(owner)),
        u64_key(index),
    )
}

fn token_balance_slot(owner: Address) -> U256 {
    mapping_slot(slot(layout::vault::TOKEN_BALANCES), address_key(owner))
}

fn all_tokens_slot(index: u64) -> U256 {
    mapping_slot(slot(layout::vault::ALL_TOKENS), u64_key(index))
}

impl WithdrawalRequest {
    fn load<S: Storage>(host: &mut S, id: u64) -> Result<Option<Self>, PoolError> {
        let base = request_slot(id);
        let w0 = host.sload(WITHDRAWAL_VAULT, base)?;
        let user = field_address(w0);
        if user.is_zero() {
            return Ok(None);
        }
        let w1 = host.sload(WITHDRAWAL_VAULT, base + U256::from(1u8))?;
        let w2 = host.sload(WITHDRAWAL_VAULT, base + U256::from(2u8))?;
        Ok(Some(Self {
            pool: PoolId(field_u64(w0, 160, 64)),
            user,
            owned_index: field_u64(w0, 224, 32),
            assets_requested: field(w1, 128, 128),
            request_block: field_u64(w1, 64, 64),
            all_index: field_u64(w1, 0, 64),
            shares_burnt: w2,
        }))
    }

    fn store<S: Storage>(&self, host: &mut S, id: u64) -> Result<(), PoolError> {
        let w0 = with_field(
            with_address(U256::ZERO, self.user),
            160,
            64,
            U256::from(self.pool.0),
        )?;
        let w0 = with_field(w0, 224, 32, U256::from(self.owned_index))?;
        let w1 = with_field(U256::ZERO, 128, 128, self.assets_requested)?;
        let w1 = with_field(w1, 64, 64, U256::from(self.request_block))?;
        let w1 = with_field(w1, 0, 64, U256::from(self.all_index))?;
        let base = request_slot(id);
        host.sstore(WITHDRAWAL_VAULT, base, w0)?;
        host.sstore(WITHDRAWAL_VAULT, base + U256::from(1u8), w1)?;
        host.sstore(WITHDRAWAL_VAULT, base + U256::from(2u8), self.shares_burnt)?;
        Ok(())
    }

    fn delete<S: Storage>(host: &mut S, id: u64) -> Result<(), PoolError> {
        let base = request_slot(id);
        for i in 0..3u8 {
            host.sstore(WITHDRAWAL_VAULT, base + U256::from(i), U256::ZERO)?;
        }
        Ok(())
    }
}

/// A pool and the wei of overdue partial withdrawals its buffer pays.
type BufferSettlement = (PoolRecord, U256);

/// How a request is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithdrawalPath {
    /// Before the threshold: paid from the buffer, moved to the vault now; no CL request.
    ShortCircuit,
    /// After the cooldown: an EIP-7002 partial request; `totalDeposits` drops now.
    Partial,
    /// The CL part would leave less than the minimum effective balance: full exit.
    FullExit,
    /// The pool exited already: redeemed against the frozen NAV; no CL request.
    AfterExit,
}

/// The current EIP-7002 fee, if the caller accepts it (`maxFeeToPay`) and sent it (`msg.value`).
fn quote_fee<H: Host>(host: &mut H, call: &Call, max_fee: U256) -> Result<U256, PoolError> {
    let fee = host
        .withdrawal_request_fee()?
        .ok_or(PoolError::FeeRequestFailed)?;
    if fee > max_fee {
        return Err(PoolError::OverpaidFee);
    }
    if call.value < fee {
        return Err(PoolError::InsufficientFee);
    }
    Ok(fee)
}

/// What a withdrawal is checked against: the pool, its pricing and its vault ledger.
#[derive(Clone, Copy, Debug)]
struct PoolView<'a> {
    pool: &'a PoolRecord,
    pricing: &'a Pricing,
    ledger: &'a Ledger,
}

/// A checked withdrawal, ready to apply.
#[derive(Debug)]
struct WithdrawalPlan {
    path: WithdrawalPath,
    shares: U256,
    fee: Option<U256>,
}

impl PoolSystem {
    /// `requestWithdrawal(pubkey, assetsInGWei, maxFeeToPay)`: returns the request id.
    pub fn request_withdrawal<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        pubkey: &Pubkey,
        assets_gwei: u64,
        max_fee: U256,
    ) -> Result<U256, PoolError> {
        if Header::load(host)?.paused {
            return Err(PoolError::EnforcedPause);
        }
        if assets_gwei == 0 {
            return Err(PoolError::InvalidAmount);
        }
        let pool = self.pool_by_pubkey(host, pubkey)?;
        self.withdraw(host, call, pool, U256::from(assets_gwei) * GWEI, max_fee)
    }

    /// `requestRedeem(pubkey, shares, maxFeeToPay)`: redeems `shares` floored to whole gwei of
    /// assets; the shares burnt are those the gwei amount costs, at most `shares`.
    pub fn request_redeem<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        pubkey: &Pubkey,
        shares: U256,
        max_fee: U256,
    ) -> Result<U256, PoolError> {
        if Header::load(host)?.paused {
            return Err(PoolError::EnforcedPause);
        }
        if shares.is_zero() {
            return Err(PoolError::InvalidAmount);
        }
        let pool = self.pool_by_pubkey(host, pubkey)?;
        let pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let price = pricing.price_after(&pool, &pricing.accrual(&pool)?)?;
        let assets = price.preview_redeem(shares)?;
        let assets = assets - assets % GWEI;
        if assets.is_zero() {
            return Err(PoolError::InvalidAmount);
        }
        self.withdraw(host, call, pool, assets, max_fee)
    }

    /// Checks a withdrawal of `assets` wei by the caller: shares, supply floor, path, fee.
    fn plan_withdrawal<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        state: PoolView<'_>,
        assets: U256,
        max_fee: U256,
    ) -> Result<WithdrawalPlan, PoolError> {
        let PoolView {
            pool,
            pricing,
            ledger,
        } = state;
        let accrual = pricing.accrual(pool)?;
        let shares = pricing
            .price_after(pool, &accrual)?
            .preview_withdraw(assets)?;
        let fee_to_caller = if call.caller == pool.default_shares_recipient {
            accrual.fee_shares
        } else {
            U256::ZERO
        };
        crate::token::check_burn(
            host,
            pool,
            call.caller,
            shares,
            fee_to_caller,
            accrual.fee_shares,
        )?;
        let path = if pool.is_fully_exited() {
            WithdrawalPath::AfterExit
        } else if !pool.active_threshold_reached() {
            if pool.buffered_assets < assets {
                return Err(PoolError::WithdrawalNotAllowed);
            }
            WithdrawalPath::ShortCircuit
        } else if host.block().number
            < pool
                .validator_activation_block
                .saturating_add(self.params.withdrawal_cooldown_blocks)
        {
            return Err(PoolError::WithdrawalNotAllowed);
        } else if assets > pool.total_deposits
            || pool.total_deposits - assets < pool.min_effective_balance(&self.params)
        {
            WithdrawalPath::FullExit
        } else {
            WithdrawalPath::Partial
        };
        if path == WithdrawalPath::AfterExit && pool.frozen_total_assets < assets {
            return Err(PoolError::InsufficientShares);
        }
        // CL money the vault holds beyond the pool's requests means the book is behind the CL
        // (a sweep, an eviction): CL withdrawals wait for the oracle to reconcile it.
        let via_cl = matches!(path, WithdrawalPath::Partial | WithdrawalPath::FullExit);
        if via_cl && !ledger.cl_surplus.is_zero() {
            return Err(PoolError::WithdrawalNotAllowed);
        }
        let fee = match path {
            WithdrawalPath::Partial | WithdrawalPath::FullExit => {
                Some(quote_fee(host, call, max_fee)?)
            }
            WithdrawalPath::ShortCircuit | WithdrawalPath::AfterExit => None,
        };
        Ok(WithdrawalPlan { path, shares, fee })
    }

    fn withdraw<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        mut pool: PoolRecord,
        assets: U256,
        max_fee: U256,
    ) -> Result<U256, PoolError> {
        let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let ledger = Ledger::load(host, pool.id)?;
        let view = PoolView {
            pool: &pool,
            pricing: &pricing,
            ledger: &ledger,
        };
        let plan = self.plan_withdrawal(host, call, view, assets, max_fee)?;
        let mut header = Header::load(host)?;
        let request_id = header
            .last_request_id
            .checked_add(1)
            .ok_or(PoolError::ValueOverflow)?;
        let assets_gwei: u64 = (assets / GWEI)
            .try_into()
            .map_err(|_| PoolError::ValueOverflow)?;

        // Effects. Fees are charged before the burn, so they are priced on the full supply.
        let accrual = pricing.accrual(&pool)?;
        pricing.apply_accrual(host, &mut pool, &accrual)?;
        crate::token::burn(host, &mut pool, call.caller, plan.shares)?;
        let mut ledger = ledger;
        match plan.path {
            WithdrawalPath::ShortCircuit => {
                pool.buffered_assets -= assets;
                host.transfer(pool.addresses().staking_pool, WITHDRAWAL_VAULT, assets)?;
                ledger.claimable += assets;
            }
            WithdrawalPath::Partial => {
                let remaining = pool.total_deposits - assets;
                pool.set_total_deposits(host, &self.params, remaining)?;
                if pool.pending_partial_withdrawals.is_zero() {
                    ledger.oldest_partial_block = host.block().number;
                }
                pool.pending_partial_withdrawals += assets;
                ledger.last_partial_block = host.block().number;
            }
            WithdrawalPath::FullExit => {
                self.trigger_full_exit(host, &mut pool, &mut pricing)?;
                pool.frozen_total_assets -= assets;
                pool.set_total_deposits(host, &self.params, U256::ZERO)?;
                // trigger_full_exit moved the buffer and rewards into the ledger.
                ledger = Ledger::load(host, pool.id)?;
            }
            WithdrawalPath::AfterExit => {
                pool.frozen_total_assets -= assets;
            }
        }
        ledger.allocated = ledger
            .allocated
            .checked_add(assets)
            .ok_or(PoolError::ValueOverflow)?;
        ledger.store(host, pool.id)?;

        match plan.fee {
            Some(fee) => {
                let amount_gwei = if plan.path == WithdrawalPath::FullExit {
                    0
                } else {
                    assets_gwei
                };
                let request = ClWithdrawalRequest {
                    pubkey: pool.pubkey,
                    amount_gwei,
                };
                host.request_consensus_withdrawal(WITHDRAWAL_VAULT, &request, fee)?;
                host.emit(
                    WITHDRAWAL_VAULT,
                    Event::ElWithdrawalTriggered {
                        pubkey: pool.pubkey,
                        amount: amount_gwei,
                        fee,
                    },
                )?;
                self.refund(host, call.caller, call.value - fee)?;
            }
            None => self.refund(host, call.caller, call.value)?,
        }

        let owned_index = self.token_balance(host, call.caller)?;
        let request = WithdrawalRequest {
            pool: pool.id,
            user: call.caller,
            assets_requested: assets,
            shares_burnt: plan.shares,
            request_block: host.block().number,
            owned_index,
            all_index: header.live_tokens,
        };
        request.store(host, request_id)?;
        host.sstore(
            WITHDRAWAL_VAULT,
            owned_slot(call.caller, owned_index),
            U256::from(request_id),
        )?;
        host.sstore(
            WITHDRAWAL_VAULT,
            token_balance_slot(call.caller),
            U256::from(owned_index + 1),
        )?;
        host.sstore(
            WITHDRAWAL_VAULT,
            all_tokens_slot(header.live_tokens),
            U256::from(request_id),
        )?;
        header.last_request_id = request_id;
        header.live_tokens += 1;
        header.store(host)?;
        pool.store(host)?;

        let request_id = U256::from(request_id);
        host.emit(
            WITHDRAWAL_VAULT,
            Event::RequestTransfer {
                from: Address::ZERO,
                to: call.caller,
                token_id: request_id,
            },
        )?;
        host.emit(
            WITHDRAWAL_VAULT,
            Event::WithdrawalRequested {
                user: call.caller,
                amount_of_asset: assets,
                amount_of_shares: plan.shares,
                request_id,
                is_full_exit_withdraw: plan.path == WithdrawalPath::FullExit,
            },
        )?;
        Ok(request_id)
    }

    /// `retryFullExit(pubkey, maxFeeToPay)` (V2): BeaconKit ignores a full-exit request while
    /// the validator has a partial withdrawal pending, so anyone may send the amount-0 request
    /// again once no partial can still be in flight.
    pub fn retry_full_exit<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        pubkey: &Pubkey,
        max_fee: U256,
    ) -> Result<(), PoolError> {
        if Header::load(host)?.paused {
            return Err(PoolError::EnforcedPause);
        }
        let pool = self.pool_by_pubkey(host, pubkey)?;
        let ledger = Ledger::load(host, pool.id)?;
        if !ledger.exited {
            return Err(PoolError::NotFullyExited);
        }
        let flight_over = ledger
            .last_partial_block
            .saturating_add(self.params.withdrawal_flight_blocks);
        if ledger.last_partial_block != 0 && host.block().number < flight_over {
            return Err(PoolError::PendingWithdrawalInFlight);
        }
        let fee = quote_fee(host, call, max_fee)?;

        let request = ClWithdrawalRequest {
            pubkey: pool.pubkey,
            amount_gwei: 0,
        };
        host.request_consensus_withdrawal(WITHDRAWAL_VAULT, &request, fee)?;
        host.emit(
            WITHDRAWAL_VAULT,
            Event::ElWithdrawalTriggered {
                pubkey: pool.pubkey,
                amount: 0,
                fee,
            },
        )?;
        host.emit(
            WITHDRAWAL_VAULT,
            Event::FullExitRequestRetried {
                pubkey: pool.pubkey,
            },
        )?;
        self.refund(host, call.caller, call.value - fee)
    }

    /// How much of the pool's pending partial withdrawals its buffer settles now: none until
    /// the oldest is older than `withdrawal_flight_blocks`. A partial the CL has not paid by
    /// then was dropped or cut short by it (the validator not active yet or outside the active
    /// set, exiting, pending partials at their cap), so its stake is still on the CL. The buffer
    /// pays it instead, in whole gwei as far as it goes, and that stake counts in
    /// `totalDeposits` again: the pool's assets do not move, and the requester is paid. A CL
    /// payment that still comes later is surplus, which the next oracle report returns to the
    /// buffer.
    fn overdue_settlement(&self, now: u64, pool: &PoolRecord, ledger: &Ledger) -> U256 {
        let overdue = ledger.oldest_partial_block != 0
            && now
                >= ledger
                    .oldest_partial_block
                    .saturating_add(self.params.withdrawal_flight_blocks);
        if !overdue || ledger.exited || pool.is_fully_exited() {
            return U256::ZERO;
        }
        let amount = pool.pending_partial_withdrawals.min(pool.buffered_assets);
        amount - amount % GWEI
    }

    /// Pays `amount` of the pool's overdue partial withdrawals from its buffer into the vault
    /// (the caller has added it to `ledger.claimable`); the stake they were to take stays in
    /// `totalDeposits`.
    fn settle_from_buffer<H: Host>(
        &self,
        host: &mut H,
        pool: &mut PoolRecord,
        ledger: &mut Ledger,
        amount: U256,
    ) -> Result<(), PoolError> {
        pool.buffered_assets -= amount;
        pool.pending_partial_withdrawals -= amount;
        if pool.pending_partial_withdrawals.is_zero() {
            ledger.oldest_partial_block = 0;
        }
        host.transfer(pool.addresses().staking_pool, WITHDRAWAL_VAULT, amount)?;
        let total_deposits = pool
            .total_deposits
            .checked_add(amount)
            .ok_or(PoolError::ValueOverflow)?;
        pool.set_total_deposits(host, &self.params, total_deposits)?;
        host.emit(
            WITHDRAWAL_VAULT,
            Event::OverdueWithdrawalsSettled {
                pubkey: pool.pubkey,
                amount,
            },
        )
        .map_err(Into::into)
    }

    /// `retryPartialWithdrawal(pubkey, maxFeeToPay)` (berapool): once the pool's oldest unpaid
    /// partial withdrawal is past the flight window, anyone may settle it: the buffer pays what
    /// it can (as finalization would), and an EIP-7002 request goes out again for the rest,
    /// with the same fee guards and refund as a request. No partial is left owed for ever.
    pub fn retry_partial_withdrawal<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        pubkey: &Pubkey,
        max_fee: U256,
    ) -> Result<(), PoolError> {
        if Header::load(host)?.paused {
            return Err(PoolError::EnforcedPause);
        }
        let mut pool = self.pool_by_pubkey(host, pubkey)?;
        let mut ledger = Ledger::load(host, pool.id)?;
        let now = host.block().number;
        let overdue = !pool.pending_partial_withdrawals.is_zero()
            && ledger.oldest_partial_block != 0
            && now
                >= ledger
                    .oldest_partial_block
                    .saturating_add(self.params.withdrawal_flight_blocks);
        if !overdue || ledger.exited || pool.is_fully_exited() {
            return Err(PoolError::NoOverdueWithdrawal);
        }
        let settlement = self.overdue_settlement(now, &pool, &ledger);
        let rest = pool.pending_partial_withdrawals - settlement;
        let rest_gwei: u64 = (rest / GWEI)
            .try_into()
            .map_err(|_| PoolError::ValueOverflow)?;
        let fee = if rest_gwei == 0 {
            None
        } else {
            Some(quote_fee(host, call, max_fee)?)
        };

        // Effects.
        if !settlement.is_zero() {
            ledger.claimable = ledger
                .claimable
                .checked_add(settlement)
                .ok_or(PoolError::ValueOverflow)?;
            self.settle_from_buffer(host, &mut pool, &mut ledger, settlement)?;
        }
        let mut paid_fee = U256::ZERO;
        if let Some(fee) = fee {
            let request = ClWithdrawalRequest {
                pubkey: pool.pubkey,
                amount_gwei: rest_gwei,
            };
            host.request_consensus_withdrawal(WITHDRAWAL_VAULT, &request, fee)?;
            ledger.last_partial_block = now;
            ledger.oldest_partial_block = now;
            host.emit(
                WITHDRAWAL_VAULT,
                Event::ElWithdrawalTriggered {
                    pubkey: pool.pubkey,
                    amount: rest_gwei,
                    fee,
                },
            )?;
            host.emit(
                WITHDRAWAL_VAULT,
                Event::PartialWithdrawalRetried {
                    pubkey: pool.pubkey,
                    amount: rest_gwei,
                },
            )?;
            paid_fee = fee;
        }
        ledger.store(host, pool.id)?;
        pool.store(host)?;
        self.refund(host, call.caller, call.value - paid_fee)
    }

    fn refund<H: Host>(&self, host: &mut H, to: Address, amount: U256) -> Result<(), PoolError> {
        if amount.is_zero() {
            return Ok(());
        }
        host.transfer(WITHDRAWAL_VAULT, to, amount)?;
        host.emit(
            WITHDRAWAL_VAULT,
            Event::OverpaidFeeRefunded {
                receiver: to,
                amount,
            },
        )?;
        Ok(())
    }

    /// `finalizeWithdrawalRequest(id)`.
    pub fn finalize_withdrawal_request<H: Host>(
        &self,
        host: &mut H,
        id: U256,
    ) -> Result<(), PoolError> {
        self.finalize_withdrawal_requests(host, &[id])
    }

    /// `finalizeWithdrawalRequests(ids)`: by anyone, each after the delay, paid to its requester
    /// from its own pool's funds. All or nothing: every request is checked before any is paid.
    pub fn finalize_withdrawal_requests<H: Host>(
        &self,
        host: &mut H,
        ids: &[U256],
    ) -> Result<(), PoolError> {
        let mut header = Header::load(host)?;
        if header.paused {
            return Err(PoolError::EnforcedPause);
        }
        let now = host.block().number;
        let mut batch: Vec<(u64, WithdrawalRequest)> = Vec::with_capacity(ids.len());
        // Each pool's ledger as the batch leaves it, and the overdue partials the buffer settles
        // first (see `overdue_settlement`).
        let mut ledgers: Vec<(PoolId, Ledger, Option<BufferSettlement>)> = Vec::new();
        for id in ids {
            let nonexistent = PoolError::Erc721NonexistentToken { token_id: *id };
            let Ok(n) = u64::try_from(*id) else {
                return Err(nonexistent);
            };
            if batch.iter().any(|(seen, _)| *seen == n) {
                return Err(nonexistent);
            }
            let request = WithdrawalRequest::load(host, n)?.ok_or(nonexistent)?;
            if now
                < request
                    .request_block
                    .saturating_add(self.params.finalization_delay_blocks)
            {
                return Err(PoolError::RequestNotReady);
            }
            let k = match ledgers.iter().position(|(pool, ..)| *pool == request.pool) {
                Some(k) => k,
                None => {
                    let mut ledger = Ledger::load(host, request.pool)?;
                    let pool = self.pool(host, request.pool)?;
                    let settlement = self.overdue_settlement(now, &pool, &ledger);
                    let settled = if settlement.is_zero() {
                        None
                    } else {
                        ledger.claimable = ledger
                            .claimable
                            .checked_add(settlement)
                            .ok_or(PoolError::ValueOverflow)?;
                        Some((pool, settlement))
                    };
                    ledgers.push((request.pool, ledger, settled));
                    ledgers.len() - 1
                }
            };
            let ledger = &mut ledgers[k].1;
            if ledger.claimable < request.assets_requested {
                return Err(PoolError::NotEnoughFunds);
            }
            ledger.claimable -= request.assets_requested;
            ledger.allocated = ledger.allocated.saturating_sub(request.assets_requested);
            batch.push((n, request));
        }

        // Effects.
        for (id, ledger, settled) in ledgers {
            let mut ledger = ledger;
            if let Some((mut pool, amount)) = settled {
                self.settle_from_buffer(host, &mut pool, &mut ledger, amount)?;
                pool.store(host)?;
            }
            ledger.store(host, id)?;
        }
        for (n, request) in batch {
            host.transfer(WITHDRAWAL_VAULT, request.user, request.assets_requested)?;
            self.remove_token(host, &mut header, n)?;
            let token_id = U256::from(n);
            host.emit(
                WITHDRAWAL_VAULT,
                Event::RequestTransfer {
                    from: request.user,
                    to: Address::ZERO,
                    token_id,
                },
            )?;
            host.emit(
                WITHDRAWAL_VAULT,
                Event::WithdrawalRequestFinalized {
                    request_id: token_id,
                },
            )?;
        }
        header.store(host)
    }

    /// Burns token `n`: removes it from its owner's list and the global list (swap and pop).
    fn remove_token<S: Storage>(
        &self,
        host: &mut S,
        header: &mut Header,
        n: u64,
    ) -> Result<(), PoolError> {
        let request =
            WithdrawalRequest::load(host, n)?.ok_or(PoolError::Erc721NonexistentToken {
                token_id: U256::from(n),
            })?;
        let owner = request.user;
        let last_owned = self.token_balance(host, owner)? - 1;
        if request.owned_index != last_owned {
            let moved = host
                .sload(WITHDRAWAL_VAULT, owned_slot(owner, last_owned))?
                .to::<u64>();
            host.sstore(
                WITHDRAWAL_VAULT,
                owned_slot(owner, request.owned_index),
                U256::from(moved),
            )?;
            if let Some(mut m) = WithdrawalRequest::load(host, moved)? {
                m.owned_index = request.owned_index;
                m.store(host, moved)?;
            }
        }
        host.sstore(WITHDRAWAL_VAULT, owned_slot(owner, last_owned), U256::ZERO)?;
        host.sstore(
            WITHDRAWAL_VAULT,
            token_balance_slot(owner),
            U256::from(last_owned),
        )?;

        let last_all = header.live_tokens - 1;
        if request.all_index != last_all {
            let moved = host
                .sload(WITHDRAWAL_VAULT, all_tokens_slot(last_all))?
                .to::<u64>();
            host.sstore(
                WITHDRAWAL_VAULT,
                all_tokens_slot(request.all_index),
                U256::from(moved),
            )?;
            if let Some(mut m) = WithdrawalRequest::load(host, moved)? {
                m.all_index = request.all_index;
                m.store(host, moved)?;
            }
        }
        host.sstore(WITHDRAWAL_VAULT, all_tokens_slot(last_all), U256::ZERO)?;
        header.live_tokens = last_all;
        WithdrawalRequest::delete(host, n)
    }

    fn token_balance<S: Storage>(&self, host: &mut S, owner: Address) -> Result<u64, PoolError> {
        Ok(host
            .sload(WITHDRAWAL_VAULT, token_balance_slot(owner))?
            .saturating_to::<u64>())
    }

    /// `getWithdrawalRequest(id)` / `withdrawalRequests(id)`: `None` for unknown or finalized ids.
    pub fn withdrawal_request<S: Storage>(
        &self,
        host: &mut S,
        id: U256,
    ) -> Result<Option<WithdrawalRequest>, PoolError> {
        match u64::try_from(id) {
            Ok(n) => WithdrawalRequest::load(host, n),
            Err(_) => Ok(None),
        }
    }

    /// `allocatedWithdrawalsAmount(pubkey)`.
    pub fn allocated_withdrawals_amount<S: Storage>(
        &self,
        host: &mut S,
        pubkey: &Pubkey,
    ) -> Result<U256, PoolError> {
        Ok(Ledger::load(host, PoolId::from_pubkey(pubkey))?.allocated)
    }

    /// ERC-721 `balanceOf(owner)`.
    pub fn request_balance_of<S: Storage>(
        &self,
        host: &mut S,
        owner: Address,
    ) -> Result<U256, PoolError> {
        if owner.is_zero() {
            return Err(PoolError::Erc721InvalidOwner { owner });
        }
        Ok(U256::from(self.token_balance(host, owner)?))
    }

    /// ERC-721 `ownerOf(id)`.
    pub fn request_owner_of<S: Storage>(
        &self,
        host: &mut S,
        id: U256,
    ) -> Result<Address, PoolError> {
        self.withdrawal_request(host, id)?
            .map(|r| r.user)
            .ok_or(PoolError::Erc721NonexistentToken { token_id: id })
    }

    /// ERC-721 Enumerable `totalSupply()`: live (unfinalized) requests.
    pub fn request_total_supply<S: Storage>(&self, host: &mut S) -> Result<U256, PoolError> {
        Ok(U256::from(Header::load(host)?.live_tokens))
    }

    /// ERC-721 Enumerable `tokenOfOwnerByIndex(owner, index)`.
    pub fn request_of_owner_by_index<S: Storage>(
        &self,
        host: &mut S,
        owner: Address,
        index: U256,
    ) -> Result<U256, PoolError> {
        let count = self.token_balance(host, owner)?;
        match u64::try_from(index) {
            Ok(i) if i < count => Ok(host.sload(WITHDRAWAL_VAULT, owned_slot(owner, i))?),
            _ => Err(PoolError::Erc721OutOfBoundsIndex { owner, index }),
        }
    }

    /// ERC-721 Enumerable `tokenByIndex(index)`.
    pub fn request_by_index<S: Storage>(
        &self,
        host: &mut S,
        index: U256,
    ) -> Result<U256, PoolError> {
        let count = Header::load(host)?.live_tokens;
        match u64::try_from(index) {
            Ok(i) if i < count => Ok(host.sload(WITHDRAWAL_VAULT, all_tokens_slot(i))?),
            _ => Err(PoolError::Erc721OutOfBoundsIndex {
                owner: Address::ZERO,
                index,
            }),
        }
    }

    /// The vault's `paused()`.
    pub fn vault_paused<S: Storage>(&self, host: &mut S) -> Result<bool, PoolError> {
        Ok(Header::load(host)?.paused)
    }

    /// The vault's `pause()` / `unpause()` by its DEFAULT_ADMIN.
    pub fn set_vault_paused<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        paused: bool,
    ) -> Result<(), PoolError> {
        vault_roles().check_role(host, DEFAULT_ADMIN_ROLE, call.caller)?;
        let mut header = Header::load(host)?;
        match (header.paused, paused) {
            (true, true) => return Err(PoolError::EnforcedPause),
            (false, false) => return Err(PoolError::ExpectedPause),
            _ => {}
        }
        header.paused = paused;
        header.store(host)?;
        let event = if paused {
            Event::Paused {
                account: call.caller,
            }
        } else {
            Event::Unpaused {
                account: call.caller,
            }
        };
        host.emit(WITHDRAWAL_VAULT, event)?;
        Ok(())
    }

    /// Pool `id`'s vault ledger.
    pub fn ledger<S: Storage>(&self, host: &mut S, id: PoolId) -> Result<Ledger, PoolError> {
        Ledger::load(host, id)
    }
}
