//! StakingPool: the pool record, its lifecycle flags and NAV, and the deposit side
//! (`activate`, `submit`, `processRewards`, the CL deposit decision, pause and ownership).
//!
//! Every operation first reads and checks, then makes its effects: an operation that returns an
//! error has written nothing.

use alloy_primitives::{Address, FixedBytes, U256};

use crate::{
    access::Ownership,
    addresses::{pool_withdrawal_credentials, PoolAddresses, PoolId, Pubkey, FACTORY},
    error::PoolError,
    events::Event,
    host::{ClDeposit, Host, HostError, Storage},
    layout::{self, field, field_address, field_u64, slot, with_address, with_field},
    operator::FeeState,
    params::{PoolParams, GWEI, ONE_HUNDRED_PERCENT},
    shares::SharePrice,
    system::{Call, PoolSystem},
};

/// Lifecycle flags, packed in the low bits of word 1.
mod flag {
    pub(super) const REGISTERED: u64 = 1 << 0;
    pub(super) const ACTIVE: u64 = 1 << 1;
    pub(super) const THRESHOLD_REACHED: u64 = 1 << 2;
    pub(super) const FULLY_EXITED: u64 = 1 << 3;
    pub(super) const OWNER_PAUSED: u64 = 1 << 4;
}

const WORDS: usize = 9;

/// One pool's StakingPool state, as stored (see `layout::pool`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolRecord {
    /// The pool's id.
    pub id: PoolId,
    /// Its validator.
    pub pubkey: Pubkey,
    /// Its CL validator index, learned from the activation proof.
    pub validator_index: u64,
    flags: u64,
    /// BERA the pool counts as on the consensus layer.
    pub total_deposits: U256,
    /// BERA held by the pool and not yet deposited.
    pub buffered_assets: U256,
    /// stBERA supply.
    pub total_supply: U256,
    /// NAV frozen at full exit, reduced by each later withdrawal.
    pub frozen_total_assets: U256,
    /// Supply the pool never burns below before full exit (the activation shares).
    pub supply_floor: U256,
    /// Owner (governance) and pending owner.
    pub ownership: Ownership,
    /// Block in which the threshold was reached.
    pub validator_activation_block: u64,
    /// `minEffectiveBalance` set by the SmartOperator (zero: the chain default).
    pub min_effective_balance_override: U256,
    /// Receiver of the activation shares and of fee shares.
    pub default_shares_recipient: Address,
    /// Proof timestamp of the last applied oracle report (or of the activation proof).
    pub last_report_timestamp: u64,
    /// Partial withdrawals requested from the CL and not yet paid to the vault.
    pub pending_partial_withdrawals: U256,
    pub(crate) checkpoint_head: u64,
    pub(crate) checkpoint_len: u64,
    loaded: [U256; WORDS],
}

/// The pubkey packed in the record's first two words.
fn pubkey_of(lo: U256, hi: U256) -> Pubkey {
    let mut pubkey = [0u8; 48];
    pubkey[..32].copy_from_slice(&lo.to_be_bytes::<32>());
    pubkey[32..].copy_from_slice(&hi.to_be_bytes::<32>()[..16]);
    FixedBytes(pubkey)
}

impl PoolRecord {
    fn empty(id: PoolId) -> Self {
        Self::decode(id, [U256::ZERO; WORDS])
    }

    fn decode(id: PoolId, w: [U256; WORDS]) -> Self {
        Self {
            id,
            pubkey: pubkey_of(w[0], w[1]),
            validator_index: field_u64(w[1], 64, 64),
            flags: field_u64(w[1], 0, 64),
            total_deposits: field(w[2], 128, 128),
            buffered_assets: field(w[2], 0, 128),
            total_supply: w[3],
            frozen_total_assets: field(w[4], 128, 128),
            supply_floor: field(w[4], 0, 128),
            ownership: Ownership {
                owner: field_address(w[5]),
                pending_owner: field_address(w[6]),
            },
            validator_activation_block: field_u64(w[5], 160, 64),
            min_effective_balance_override: field(w[6], 160, 96),
            default_shares_recipient: field_address(w[7]),
            last_report_timestamp: field_u64(w[7], 160, 64),
            pending_partial_withdrawals: field(w[8], 128, 128),
            checkpoint_head: field_u64(w[8], 64, 64),
            checkpoint_len: field_u64(w[8], 0, 64),
            loaded: w,
        }
    }

    fn encode(&self) -> Result<[U256; WORDS], PoolError> {
        let pk = self.pubkey.as_slice();
        let mut hi = [0u8; 32];
        hi[..16].copy_from_slice(&pk[32..]);
        let w1 = with_field(
            U256::from_be_bytes(hi),
            64,
            64,
            U256::from(self.validator_index),
        )?;
        let w1 = with_field(w1, 0, 64, U256::from(self.flags))?;
        let w2 = with_field(U256::ZERO, 128, 128, self.total_deposits)?;
        let w2 = with_field(w2, 0, 128, self.buffered_assets)?;
        let w4 = with_field(U256::ZERO, 128, 128, self.frozen_total_assets)?;
        let w4 = with_field(w4, 0, 128, self.supply_floor)?;
        let w5 = with_field(
            U256::ZERO,
            160,
            64,
            U256::from(self.validator_activation_block),
        )?;
        let w5 = with_address(w5, self.ownership.owner);
        let w6 = with_field(U256::ZERO, 160, 96, self.min_effective_balance_override)?;
        let w6 = with_address(w6, self.ownership.pending_owner);
        let w7 = with_field(U256::ZERO, 160, 64, U256::from(self.last_report_timestamp))?;
        let w7 = with_address(w7, self.default_shares_recipient);
        let w8 = with_field(U256::ZERO, 128, 128, self.pending_partial_withdrawals)?;
        let w8 = with_field(w8, 64, 64, U256::from(self.checkpoint_head))?;
        let w8 = with_field(w8, 0, 64, U256::from(self.checkpoint_len))?;
        Ok([
            U256::from_be_slice(&pk[..32]),
            w1,
            w2,
            self.total_supply,
            w4,
            w5,
            w6,
            w7,
            w8,
        ])
    }

    /// Reads the record of pool `id`; `None` if no pool was registered there.
    pub fn load<S: Storage>(host: &mut S, id: PoolId) -> Result<Option<Self>, PoolError> {
        let account = id.addresses().staking_pool;
        let mut words = [U256::ZERO; WORDS];
        // The flags word first: an unregistered pool costs one read.
        words[1] = host.sload(account, slot(layout::pool::PUBKEY_HI_INDEX_FLAGS))?;
        if field_u64(words[1], 0, 64) & flag::REGISTERED == 0 {
            return Ok(None);
        }
        for (i, word) in words.iter_mut().enumerate() {
            if i != 1 {
                *word = host.sload(account, slot(i as u64))?;
            }
        }
        Ok(Some(Self::decode(id, words)))
    }

    /// Whether pool `id` is registered (the share token's `transfer`, `approve` and
    /// `transferFrom` need nothing else of the record): known from the pool contract's code
    /// when the host has it loaded (as a Solidity token's existence is its code), else from its
    /// flags word, one read.
    pub fn is_registered<S: Storage>(host: &mut S, id: PoolId) -> Result<bool, PoolError> {
        let account = id.addresses().staking_pool;
        if let Some(deployed) = host.is_deployed(account)? {
            return Ok(deployed);
        }
        let flags = host.sload(account, slot(layout::pool::PUBKEY_HI_INDEX_FLAGS))?;
        Ok(field_u64(flags, 0, 64) & flag::REGISTERED != 0)
    }

    /// The validator pubkey of pool `id`, reading only the two words that hold it; `None` for
    /// a pool that is not registered.
    pub fn load_pubkey<S: Storage>(host: &mut S, id: PoolId) -> Result<Option<Pubkey>, PoolError> {
        let account = id.addresses().staking_pool;
        let hi = host.sload(account, slot(layout::pool::PUBKEY_HI_INDEX_FLAGS))?;
        if field_u64(hi, 0, 64) & flag::REGISTERED == 0 {
            return Ok(None);
        }
        let lo = host.sload(account, slot(layout::pool::PUBKEY_LO))?;
        Ok(Some(pubkey_of(lo, hi)))
    }

    /// Writes the words that changed since loading. Checks every field fits before writing any.
    pub(crate) fn store<S: Storage>(&mut self, host: &mut S) -> Result<(), PoolError> {
        let words = self.encode()?;
        let account = self.addresses().staking_pool;
        for (i, (new, old)) in words.iter().zip(self.loaded.iter()).enumerate() {
            if new != old {
                host.sstore(account, slot(i as u64), *new)?;
            }
        }
        self.loaded = words;
        Ok(())
    }

    /// The pool's contract addresses.
    pub const fn addresses(&self) -> PoolAddresses {
        self.id.addresses()
    }

    fn has(&self, f: u64) -> bool {
        self.flags & f != 0
    }

    fn set(&mut self, f: u64, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    /// `isActive()`: activated with a proven initial deposit.
    pub fn is_active(&self) -> bool {
        self.has(flag::ACTIVE)
    }

    /// `activeThresholdReached()`: `totalDeposits` reached the minimum effective balance.
    pub fn active_threshold_reached(&self) -> bool {
        self.has(flag::THRESHOLD_REACHED)
    }

    /// `isFullyExited()`.
    pub fn is_fully_exited(&self) -> bool {
        self.has(flag::FULLY_EXITED)
    }

    /// Paused by its owner.
    pub fn owner_paused(&self) -> bool {
        self.has(flag::OWNER_PAUSED)
    }

    /// `totalDeposits` is at the cap: deposits are paused until a withdrawal frees room.
    pub fn at_max_capacity(&self, params: &PoolParams) -> bool {
        self.total_deposits >= params.max_effective_balance
    }

    /// `paused()`: before activation, by the owner, at the cap, and for ever after full exit.
    pub fn paused(&self, params: &PoolParams) -> bool {
        !self.is_active()
            || self.owner_paused()
            || self.is_fully_exited()
            || self.at_max_capacity(params)
    }

    /// `minEffectiveBalance()`.
    pub fn min_effective_balance(&self, params: &PoolParams) -> U256 {
        if self.min_effective_balance_override.is_zero() {
            params.min_effective_balance
        } else {
            self.min_effective_balance_override
        }
    }

    /// Sets `totalDeposits`, emitting the cap events when it reaches or leaves the cap.
    pub(crate) fn set_total_deposits<H: Host>(
        &mut self,
        host: &mut H,
        params: &PoolParams,
        value: U256,
    ) -> Result<(), PoolError> {
        let (was_paused, was_full) = (self.paused(params), self.at_max_capacity(params));
        self.total_deposits = value;
        let pool = self.addresses().staking_pool;
        if !was_full && self.at_max_capacity(params) {
            host.emit(
                pool,
                Event::MaxCapacityReached {
                    pubkey: self.pubkey,
                },
            )?;
        }
        match (was_paused, self.paused(params)) {
            (false, true) => host.emit(pool, Event::Paused { account: pool })?,
            (true, false) => host.emit(pool, Event::Unpaused { account: pool })?,
            _ => {}
        }
        Ok(())
    }
}

/// What the NAV needs beyond the pool record: the fee state, the rewards vault's balance and
/// the SmartOperator's WBERA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pricing {
    /// The SmartOperator's fee settings.
    pub fees: FeeState,
    /// The StakingRewardsVault's native balance.
    pub rewards_balance: U256,
    /// PoL Next's WBERA track.
    pub wbera: WberaTrack,
}

/// PoL Next's WBERA track: the base rate the pool's validator earns arrives as WBERA on the
/// SmartOperator, counts in the NAV net of the protocol fee not yet charged on it, and moves
/// into the pool when rewards are collected. Off (all zero) on chains without the native WBERA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WberaTrack {
    /// Whether the chain has it.
    pub enabled: bool,
    /// WBERA the SmartOperator holds.
    pub balance: U256,
    /// The part of it the protocol fee has been charged on.
    pub already_charged: U256,
}

impl WberaTrack {
    /// Reads pool `id`'s WBERA track (nothing is read when `enabled` is false).
    pub fn load<H: Host>(host: &mut H, id: PoolId, enabled: bool) -> Result<Self, PoolError> {
        if !enabled {
            return Ok(Self::default());
        }
        let operator = id.addresses().smart_operator;
        Ok(Self {
            enabled,
            balance: host.wbera_balance(operator)?,
            already_charged: host.sload(operator, slot(layout::operator::WBERA_CHARGED))?,
        })
    }

    fn store<H: Host>(&self, host: &mut H, id: PoolId) -> Result<(), PoolError> {
        let operator = id.addresses().smart_operator;
        Ok(host.sstore(
            operator,
            slot(layout::operator::WBERA_CHARGED),
            self.already_charged,
        )?)
    }

    /// The protocol fee owed on the WBERA not yet charged (floor).
    pub fn pending_fee(&self, fees: &FeeState) -> U256 {
        let chargeable = self.balance.saturating_sub(self.already_charged);
        chargeable * U256::from(fees.protocol_fee_bps) / U256::from(ONE_HUNDRED_PERCENT)
    }

    /// `rebaseableWberaAmount()`: the WBERA that belongs to shareholders.
    pub fn rebaseable(&self, fees: &FeeState) -> U256 {
        self.balance - self.pending_fee(fees)
    }
}

/// WBERA's `withdraw` and the payment onward, natively, on WBERA's storage: `owner`'s balance
/// falls by `amount` and the BERA leaves WBERA's account for `to`.
pub fn unwrap_native_wbera<H: Host>(
    host: &mut H,
    owner: Address,
    amount: U256,
    to: Address,
) -> Result<(), HostError> {
    let wbera = crate::addresses::WBERA;
    let slot = layout::wbera_balance_slot(owner);
    let balance = host.sload(wbera, slot)?;
    let left = balance
        .checked_sub(amount)
        .ok_or(HostError::InsufficientBalance {
            account: owner,
            balance,
            needed: amount,
        })?;
    host.sstore(wbera, slot, left)?;
    host.transfer(wbera, to, amount)?;
    host.emit(wbera, Event::WberaBurnt { owner, amount })
}

/// Fee shares a fee accrual would mint, priced before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Accrual {
    pub(crate) fee_assets: U256,
    pub(crate) fee_shares: U256,
}

impl Pricing {
    /// Reads the fee state, the rewards balance and (with `wbera`) the WBERA track of `pool`.
    pub fn load<H: Host>(host: &mut H, pool: &PoolRecord, wbera: bool) -> Result<Self, PoolError> {
        let fees = FeeState::load(host, pool.id)?;
        let rewards_balance = host.balance(pool.addresses().staking_rewards_vault)?;
        Ok(Self {
            fees,
            rewards_balance,
            wbera: WberaTrack::load(host, pool.id, wbera)?,
        })
    }

    /// `totalAssets()`: frozen after exit, else CL + buffer + rewards + the SmartOperator's
    /// WBERA, both net of the uncharged fee.
    pub fn total_assets(&self, pool: &PoolRecord) -> Result<U256, PoolError> {
        if pool.is_fully_exited() {
            return Ok(pool.frozen_total_assets);
        }
        let rewards = self.fees.rebaseable(self.rewards_balance);
        let wbera = self.wbera.rebaseable(&self.fees);
        pool.total_deposits
            .checked_add(pool.buffered_assets)
            .and_then(|v| v.checked_add(rewards))
            .and_then(|v| v.checked_add(wbera))
            .ok_or(PoolError::ValueOverflow)
    }

    /// Everything rewards collection can move into the pool: the rewards vault, then WBERA.
    pub(crate) fn collectable(&self) -> U256 {
        self.rewards_balance.saturating_add(self.wbera.balance)
    }

    /// Supply and assets now.
    pub fn price(&self, pool: &PoolRecord) -> Result<SharePrice, PoolError> {
        Ok(SharePrice {
            supply: pool.total_supply,
            assets: self.total_assets(pool)?,
        })
    }

    /// The fee accrual due now (none after full exit or at a zero fee).
    pub(crate) fn accrual(&self, pool: &PoolRecord) -> Result<Accrual, PoolError> {
        if pool.is_fully_exited() {
            return Ok(Accrual::default());
        }
        let fee_assets = self
            .fees
            .pending_fee(self.rewards_balance)
            .checked_add(self.wbera.pending_fee(&self.fees))
            .ok_or(PoolError::ValueOverflow)?;
        if fee_assets.is_zero() {
            return Ok(Accrual::default());
        }
        let fee_shares = self.price(pool)?.preview_deposit(fee_assets)?;
        Ok(Accrual {
            fee_assets,
            fee_shares,
        })
    }

    /// Supply and assets once the due fee is charged: the fee moves from "owed" into the NAV
    /// and its shares into the supply.
    pub(crate) fn price_after(
        &self,
        pool: &PoolRecord,
        accrual: &Accrual,
    ) -> Result<SharePrice, PoolError> {
        let price = self.price(pool)?;
        if pool.is_fully_exited() {
            return Ok(price);
        }
        Ok(SharePrice {
            supply: price
                .supply
                .checked_add(accrual.fee_shares)
                .ok_or(PoolError::ValueOverflow)?,
            assets: price
                .assets
                .checked_add(accrual.fee_assets)
                .ok_or(PoolError::ValueOverflow)?,
        })
    }

    /// Charges the due fee: mints its shares to the default recipient and marks the whole
    /// rewards balance and the whole WBERA as charged, so no wei is charged twice.
    pub(crate) fn apply_accrual<H: Host>(
        &mut self,
        host: &mut H,
        pool: &mut PoolRecord,
        accrual: &Accrual,
    ) -> Result<(), PoolError> {
        if pool.is_fully_exited() {
            return Ok(());
        }
        if !accrual.fee_shares.is_zero() {
            let recipient = pool.default_shares_recipient;
            crate::token::mint(host, pool, recipient, accrual.fee_shares)?;
        }
        if self.fees.already_charged != self.rewards_balance {
            self.fees.already_charged = self.rewards_balance;
            self.fees.store(host, pool.id)?;
        }
        if self.wbera.enabled && self.wbera.already_charged != self.wbera.balance {
            self.wbera.already_charged = self.wbera.balance;
            self.wbera.store(host, pool.id)?;
        }
        Ok(())
    }

    /// Unwraps `amount` of the SmartOperator's WBERA to `to`, keeping the charged mark in step
    /// (it falls with the balance, so what was charged is never charged again and the
    /// difference never underflows).
    pub(crate) fn unwrap_wbera<H: Host>(
        &mut self,
        host: &mut H,
        pool: &PoolRecord,
        to: Address,
        amount: U256,
    ) -> Result<(), PoolError> {
        if amount.is_zero() {
            return Ok(());
        }
        let operator = pool.addresses().smart_operator;
        host.unwrap_wbera(operator, amount, to)?;
        self.wbera.balance -= amount;
        self.wbera.already_charged = self.wbera.already_charged.saturating_sub(amount);
        self.wbera.store(host, pool.id)?;
        Ok(())
    }

    /// Moves `amount` from the rewards vault to `to`, keeping the charged mark in step.
    pub(crate) fn withdraw_rewards<H: Host>(
        &mut self,
        host: &mut H,
        pool: &PoolRecord,
        to: Address,
        amount: U256,
    ) -> Result<(), PoolError> {
        if amount.is_zero() {
            return Ok(());
        }
        let vault = pool.addresses().staking_rewards_vault;
        host.transfer(vault, to, amount)?;
        self.rewards_balance -= amount;
        self.fees.already_charged = self.fees.already_charged.saturating_sub(amount);
        self.fees.store(host, pool.id)?;
        host.emit(vault, Event::RewardsWithdrawn { amount })?;
        Ok(())
    }
}

/// How a deposit's value splits: kept for the user, refunded, and rewards to collect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DepositSplit {
    user_deposit: U256,
    refund: U256,
    rewards_to_collect: U256,
    new_buffered: U256,
}

impl PoolSystem {
    /// Loads pool `id`, refusing unknown pools.
    pub fn pool<H: Storage>(&self, host: &mut H, id: PoolId) -> Result<PoolRecord, PoolError> {
        PoolRecord::load(host, id)?.ok_or(PoolError::UnknownPool)
    }

    /// The validator pubkey of pool `id`, refusing unknown pools (two reads, not the record's
    /// nine).
    pub fn pool_pubkey<H: Storage>(&self, host: &mut H, id: PoolId) -> Result<Pubkey, PoolError> {
        PoolRecord::load_pubkey(host, id)?.ok_or(PoolError::UnknownPool)
    }

    /// Fails unless pool `id` is registered, reading only its flags word.
    pub fn require_registered<H: Storage>(
        &self,
        host: &mut H,
        id: PoolId,
    ) -> Result<(), PoolError> {
        if PoolRecord::is_registered(host, id)? {
            Ok(())
        } else {
            Err(PoolError::UnknownPool)
        }
    }

    /// Loads the pool registered for `pubkey`.
    pub fn pool_by_pubkey<H: Storage>(
        &self,
        host: &mut H,
        pubkey: &Pubkey,
    ) -> Result<PoolRecord, PoolError> {
        let pool = self.pool(host, PoolId::from_pubkey(pubkey))?;
        if pool.pubkey != *pubkey {
            return Err(PoolError::UnknownPool);
        }
        Ok(pool)
    }

    /// `totalAssets()` of pool `id`.
    pub fn total_assets<H: Host>(&self, host: &mut H, id: PoolId) -> Result<U256, PoolError> {
        let pool = self.pool(host, id)?;
        Pricing::load(host, &pool, self.native_wbera)?.total_assets(&pool)
    }

    /// Supply and assets of pool `id`, for the conversion and preview views.
    pub fn share_price<H: Host>(&self, host: &mut H, id: PoolId) -> Result<SharePrice, PoolError> {
        let pool = self.pool(host, id)?;
        Pricing::load(host, &pool, self.native_wbera)?.price(&pool)
    }

    /// The split of a deposit of `user_value` (zero for `processRewards`) against the cap: the
    /// user's deposit has priority over rewards; what does not fit is refunded.
    fn split_deposit(&self, pool: &PoolRecord, user_value: U256, rewards: U256) -> DepositSplit {
        let total_buffered = user_value + rewards + pool.buffered_assets;
        let capacity = self
            .params
            .max_effective_balance
            .saturating_sub(pool.total_deposits);
        // A buffer above the capacity (the oracle raised totalDeposits) stays as it is.
        let new_buffered = capacity.min(total_buffered).max(pool.buffered_assets);
        let room = new_buffered - pool.buffered_assets;
        let user_deposit = user_value.min(room);
        DepositSplit {
            user_deposit,
            refund: user_value - user_deposit,
            rewards_to_collect: room - user_deposit,
            new_buffered,
        }
    }

    /// The CL deposit the buffer allows now, in wei (whole gwei), if any.
    ///
    /// Before the threshold nothing leaves the buffer until `totalDeposits + buffer` reaches the
    /// minimum effective balance; after it, a deposit must be at least `MIN_CL_DEPOSIT_AMOUNT` and
    /// leave a remaining capacity of zero or at least `MIN_CL_DEPOSIT_AMOUNT`.
    pub fn cl_deposit_amount(&self, pool: &PoolRecord) -> Option<U256> {
        let params = &self.params;
        if pool.buffered_assets < params.min_cl_deposit {
            return None;
        }
        // Whole gwei, and never past the cap (an oracle report may have raised totalDeposits
        // while the buffer waited). The cap and totalDeposits are whole gwei.
        let capacity = params
            .max_effective_balance
            .saturating_sub(pool.total_deposits);
        let amount = (pool.buffered_assets - pool.buffered_assets % GWEI).min(capacity);
        if amount < params.min_cl_deposit {
            return None;
        }
        if pool.active_threshold_reached() {
            let remaining = params
                .max_effective_balance
                .saturating_sub(pool.total_deposits + amount);
            if !remaining.is_zero() && remaining < params.min_cl_deposit {
                return None;
            }
        } else if pool.total_deposits + pool.buffered_assets < pool.min_effective_balance(params) {
            return None;
        }
        Some(amount)
    }

    /// Deposits what the buffer allows to the CL: `totalDeposits` grows now, the threshold and
    /// the cap are checked.
    fn process_deposit<H: Host>(
        &self,
        host: &mut H,
        pool: &mut PoolRecord,
    ) -> Result<(), PoolError> {
        let Some(amount) = self.cl_deposit_amount(pool) else {
            return Ok(());
        };
        let amount_gwei: u64 = (amount / GWEI)
            .try_into()
            .map_err(|_| PoolError::ValueOverflow)?;
        let addrs = pool.addresses();
        let index = host.deposit_to_consensus_layer(
            addrs.staking_pool,
            &ClDeposit {
                pubkey: pool.pubkey,
                credentials: pool_withdrawal_credentials(),
                amount_gwei,
                signature: FixedBytes::ZERO,
                operator: Address::ZERO,
            },
        )?;
        pool.buffered_assets -= amount;
        let total = pool.total_deposits + amount;
        pool.set_total_deposits(host, &self.params, total)?;
        crate::consensus::record_deposit(host, pool, index)?;
        crate::consensus::record_checkpoint(host, pool, amount_gwei, 0)?;
        host.emit(
            addrs.staking_pool,
            Event::TotalDepositsUpdated {
                new_total_deposits: total,
            },
        )?;
        if !pool.active_threshold_reached() && total >= pool.min_effective_balance(&self.params) {
            pool.set(flag::THRESHOLD_REACHED, true);
            pool.validator_activation_block = host.block().number;
            host.emit(addrs.staking_pool, Event::ActiveThresholdReached)?;
        }
        Ok(())
    }

    /// Moves `amount` of rewards into the pool's buffer accounting (the caller adds it to the
    /// buffer), charging the due fee first.
    fn collect_rewards<H: Host>(
        &self,
        host: &mut H,
        pool: &mut PoolRecord,
        pricing: &mut Pricing,
        accrual: &Accrual,
        amount: U256,
    ) -> Result<(), PoolError> {
        pricing.apply_accrual(host, pool, accrual)?;
        if amount.is_zero() {
            return Ok(());
        }
        let addrs = pool.addresses();
        let to = addrs.staking_pool;
        let from_vault = amount.min(pricing.rewards_balance);
        pricing.withdraw_rewards(host, pool, to, from_vault)?;
        let from_wbera = amount - from_vault;
        if !from_wbera.is_zero() {
            pricing.unwrap_wbera(host, pool, to, from_wbera)?;
            host.emit(
                addrs.smart_operator,
                Event::WberaDepositedToPool { amount: from_wbera },
            )?;
        }
        host.emit(to, Event::StakingRewardsReceived { amount })?;
        Ok(())
    }

    /// `submit(receiver)` and plain value sent to the pool: mints shares for the part of
    /// `msg.value` that fits under the cap (priced before rewards are collected), refunds the
    /// rest to the sender, compounds rewards and deposits to the CL when the rules allow.
    /// Returns the shares minted.
    pub fn submit<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        receiver: Address,
    ) -> Result<U256, PoolError> {
        let mut pool = self.pool(host, id)?;
        if pool.paused(&self.params) {
            return Err(PoolError::EnforcedPause);
        }
        if call.value.is_zero() {
            return Err(PoolError::InvalidAmount);
        }
        if receiver.is_zero() {
            return Err(PoolError::AddressZero);
        }
        let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
        // Rewards are collected after the due fee is charged, so the whole balance compounds.
        let split = self.split_deposit(&pool, call.value, pricing.collectable());
        let shares = pricing.price(&pool)?.preview_deposit(split.user_deposit)?;
        if shares.is_zero() && !split.user_deposit.is_zero() {
            // Too small to buy a share: refuse rather than keep the sender's wei for nothing.
            return Err(PoolError::InvalidAmount);
        }
        // The due fee is charged on every deposit, collected or not: the charged mark moves to
        // the vault's whole balance, so what is owed must be minted now.
        let accrual = pricing.accrual(&pool)?;

        // Effects.
        self.collect_rewards(
            host,
            &mut pool,
            &mut pricing,
            &accrual,
            split.rewards_to_collect,
        )?;
        crate::token::mint(host, &mut pool, receiver, shares)?;
        pool.buffered_assets = split.new_buffered;
        self.process_deposit(host, &mut pool)?;
        let addrs = pool.addresses();
        if !split.refund.is_zero() {
            host.transfer(addrs.staking_pool, call.caller, split.refund)?;
        }
        host.emit(
            addrs.staking_pool,
            Event::DepositSubmitted {
                receiver,
                user_deposit_amount: split.user_deposit,
                shares,
                rewards_collected: split.rewards_to_collect,
                buffered_assets: pool.buffered_assets,
                total_deposits: pool.total_deposits,
            },
        )?;
        pool.store(host)?;
        Ok(shares)
    }

    /// `processRewards()`: compounds the rewards vault into the buffer (as far as the cap allows)
    /// and deposits to the CL when the rules allow. Mints no user shares.
    pub fn process_rewards<H: Host>(&self, host: &mut H, id: PoolId) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        if pool.paused(&self.params) {
            return Err(PoolError::EnforcedPause);
        }
        let mut pricing = Pricing::load(host, &pool, self.native_wbera)?;
        let split = self.split_deposit(&pool, U256::ZERO, pricing.collectable());
        let accrual = pricing.accrual(&pool)?;
        self.collect_rewards(
            host,
            &mut pool,
            &mut pricing,
            &accrual,
            split.rewards_to_collect,
        )?;
        pool.buffered_assets = split.new_buffered;
        self.process_deposit(host, &mut pool)?;
        pool.store(host)
    }

    /// `activate(initialDepositAmount)` for the factory, once the validator is proven on the CL
    /// with `initial_deposit` wei at `validator_index`: mints the same number of shares to the
    /// default recipient, which become the supply floor, and opens the pool.
    pub(crate) fn activate_pool<H: Host>(
        &self,
        host: &mut H,
        pool: &mut PoolRecord,
        initial_deposit: U256,
        validator_index: u64,
        proof_timestamp: u64,
    ) -> Result<(), PoolError> {
        if pool.is_active() || !pool.total_deposits.is_zero() || !pool.total_supply.is_zero() {
            return Err(PoolError::StakingPoolAlreadyActivated);
        }
        if initial_deposit < self.params.first_deposit {
            return Err(PoolError::InvalidInitialDepositAmount);
        }
        if validator_index >= crate::params::MAX_VALIDATOR_INDEX {
            return Err(PoolError::IndexOutOfRange);
        }
        if let Some(owner) = crate::consensus::pool_of_validator(host, validator_index)? {
            if owner != pool.id {
                return Err(PoolError::ValidatorIndexTaken { validator_index });
            }
        }
        let price = SharePrice {
            supply: U256::ZERO,
            assets: U256::ZERO,
        };
        let shares = price.preview_deposit(initial_deposit)?;

        // Effects.
        crate::consensus::assign_validator(host, validator_index, pool.id)?;
        pool.validator_index = validator_index;
        pool.last_report_timestamp = proof_timestamp;
        pool.supply_floor = shares;
        pool.set(flag::ACTIVE, true);
        let recipient = pool.default_shares_recipient;
        crate::token::mint(host, pool, recipient, shares)?;
        pool.set_total_deposits(host, &self.params, initial_deposit)?;
        let staking_pool = pool.addresses().staking_pool;
        host.emit(staking_pool, Event::Unpaused { account: FACTORY })?;
        host.emit(staking_pool, Event::StakingPoolActivated)?;
        pool.store(host)
    }

    /// Full exit: the NAV is frozen (including CL money the vault holds for the pool beyond its
    /// requests), buffer and rewards move to the withdrawal vault, the pool pauses for ever.
    /// Returns the frozen NAV.
    pub(crate) fn trigger_full_exit<H: Host>(
        &self,
        host: &mut H,
        pool: &mut PoolRecord,
        pricing: &mut Pricing,
    ) -> Result<U256, PoolError> {
        let accrual = pricing.accrual(pool)?;
        pricing.apply_accrual(host, pool, &accrual)?;
        let mut ledger = crate::vault::Ledger::load(host, pool.id)?;
        // Surplus first pays partial withdrawals still owed (their shares are already burnt);
        // only the rest belongs to the remaining holders.
        let settled = ledger.cl_surplus.min(pool.pending_partial_withdrawals);
        ledger.cl_surplus -= settled;
        ledger.claimable = ledger
            .claimable
            .checked_add(settled)
            .ok_or(PoolError::ValueOverflow)?;
        let frozen = pricing
            .total_assets(pool)?
            .checked_add(ledger.cl_surplus)
            .ok_or(PoolError::ValueOverflow)?;
        let addrs = pool.addresses();
        let vault = crate::addresses::WITHDRAWAL_VAULT;
        let buffered = pool.buffered_assets;
        if !buffered.is_zero() {
            host.transfer(addrs.staking_pool, vault, buffered)?;
        }
        let rewards = pricing.rewards_balance;
        pricing.withdraw_rewards(host, pool, vault, rewards)?;
        // The sweep: the SmartOperator's WBERA is in the frozen NAV, so it goes with the rest.
        let wbera = pricing.wbera.balance;
        if !wbera.is_zero() {
            pricing.unwrap_wbera(host, pool, vault, wbera)?;
            host.emit(
                addrs.smart_operator,
                Event::WberaSentToWithdrawalVault { amount: wbera },
            )?;
        }
        ledger.claimable = ledger
            .claimable
            .checked_add(buffered + rewards + wbera + ledger.cl_surplus)
            .ok_or(PoolError::ValueOverflow)?;
        ledger.cl_surplus = U256::ZERO;
        ledger.exited = true;
        ledger.store(host, pool.id)?;

        let was_paused = pool.paused(&self.params);
        pool.buffered_assets = U256::ZERO;
        pool.pending_partial_withdrawals = U256::ZERO;
        pool.frozen_total_assets = frozen;
        pool.set(flag::FULLY_EXITED, true);
        if !was_paused {
            host.emit(
                addrs.staking_pool,
                Event::Paused {
                    account: addrs.staking_pool,
                },
            )?;
        }
        host.emit(addrs.staking_pool, Event::FullExitTriggered)?;
        Ok(frozen)
    }

    /// `pause()` by the owner.
    pub fn pause<H: Host>(&self, host: &mut H, call: &Call, id: PoolId) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        pool.ownership.check_owner(call.caller)?;
        if pool.owner_paused() || pool.is_fully_exited() {
            return Err(PoolError::EnforcedPause);
        }
        pool.set(flag::OWNER_PAUSED, true);
        host.emit(
            pool.addresses().staking_pool,
            Event::Paused {
                account: call.caller,
            },
        )?;
        pool.store(host)
    }

    /// `unpause()` by the owner; refused for ever after full exit.
    pub fn unpause<H: Host>(&self, host: &mut H, call: &Call, id: PoolId) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        pool.ownership.check_owner(call.caller)?;
        if pool.is_fully_exited() {
            return Err(PoolError::StakingPoolFullExited);
        }
        if !pool.owner_paused() {
            return Err(PoolError::ExpectedPause);
        }
        pool.set(flag::OWNER_PAUSED, false);
        host.emit(
            pool.addresses().staking_pool,
            Event::Unpaused {
                account: call.caller,
            },
        )?;
        pool.store(host)
    }

    /// `transferOwnership`, `acceptOwnership` and `renounceOwnership` of a pool.
    pub fn pool_ownership<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        step: OwnershipStep,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        let event = step.apply(&mut pool.ownership, call.caller)?;
        host.emit(pool.addresses().staking_pool, event)?;
        pool.store(host)
    }

    /// `setMinEffectiveBalance` through the SmartOperator (its validator admin): bounded by
    /// `[MIN_EFFECTIVE_BALANCE, MAX_EFFECTIVE_BALANCE]`.
    pub fn set_min_effective_balance<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        value: U256,
    ) -> Result<(), PoolError> {
        let mut pool = self.pool(host, id)?;
        crate::operator::operator_roles(id).check_role(
            host,
            crate::access::VALIDATOR_ADMIN_ROLE,
            call.caller,
        )?;
        let whole_gwei = (value % GWEI).is_zero();
        if !whole_gwei
            || value < self.params.min_effective_balance
            || value > self.params.max_effective_balance
        {
            return Err(PoolError::InvalidMinEffectiveBalance);
        }
        pool.min_effective_balance_override = value;
        host.emit(
            pool.addresses().staking_pool,
            Event::MinEffectiveBalanceUpdated {
                new_min_effective_balance: value,
            },
        )?;
        pool.store(host)
    }

    /// Marks a freshly registered pool (factory use).
    pub(crate) fn new_pool_record(
        id: PoolId,
        pubkey: Pubkey,
        owner: Address,
        recipient: Address,
    ) -> PoolRecord {
        let mut pool = PoolRecord::empty(id);
        pool.pubkey = pubkey;
        pool.set(flag::REGISTERED, true);
        pool.ownership.owner = owner;
        pool.default_shares_recipient = recipient;
        pool
    }
}

/// One step of Ownable2Step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnershipStep {
    /// `transferOwnership(newOwner)`.
    Transfer(Address),
    /// `acceptOwnership()`.
    Accept,
    /// `renounceOwnership()`.
    Renounce,
}

impl OwnershipStep {
    pub(crate) fn apply(
        self,
        ownership: &mut Ownership,
        caller: Address,
    ) -> Result<Event, PoolError> {
        match self {
            Self::Transfer(new_owner) => ownership.transfer(caller, new_owner),
            Self::Accept => ownership.accept(caller),
            Self::Renounce => ownership.renounce(caller),
        }
    }
}
