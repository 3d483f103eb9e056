//! stBERA: the pool's shares as a real ERC-20 (`transfer`, `approve`, `transferFrom`,
//! `allowance`), on top of the official mint (`SharesMinted`) and burn (`SharesBurned`).

use alloy_primitives::{Address, U256};

use crate::{
    addresses::PoolId,
    error::PoolError,
    events::Event,
    host::{Host, Storage},
    layout::{self, address_key, mapping_slot, slot},
    pool::PoolRecord,
    system::{Call, PoolSystem},
};

fn balance_slot(holder: Address) -> U256 {
    mapping_slot(slot(layout::pool::BALANCES), address_key(holder))
}

fn allowance_slot(owner: Address, spender: Address) -> U256 {
    mapping_slot(
        mapping_slot(slot(layout::pool::ALLOWANCES), address_key(owner)),
        address_key(spender),
    )
}

/// Shares of `holder` in pool `id`.
pub fn balance_of<S: Storage>(
    host: &mut S,
    id: PoolId,
    holder: Address,
) -> Result<U256, PoolError> {
    Ok(host.sload(id.addresses().staking_pool, balance_slot(holder))?)
}

fn set_balance<S: Storage>(
    host: &mut S,
    id: PoolId,
    holder: Address,
    value: U256,
) -> Result<(), PoolError> {
    Ok(host.sstore(id.addresses().staking_pool, balance_slot(holder), value)?)
}

/// Mints `shares` to `to`: `SharesMinted` and `Transfer(0, to)`. The caller stores `pool`.
pub(crate) fn mint<H: Host>(
    host: &mut H,
    pool: &mut PoolRecord,
    to: Address,
    shares: U256,
) -> Result<(), PoolError> {
    if to.is_zero() {
        return Err(PoolError::AddressZero);
    }
    if shares.is_zero() {
        return Ok(());
    }
    let supply = pool
        .total_supply
        .checked_add(shares)
        .ok_or(PoolError::ValueOverflow)?;
    let balance = balance_of(host, pool.id, to)? + shares; // ≤ supply, cannot overflow
    set_balance(host, pool.id, to, balance)?;
    pool.total_supply = supply;
    let emitter = pool.addresses().staking_pool;
    host.emit(emitter, Event::SharesMinted { to, amount: shares })?;
    host.emit(
        emitter,
        Event::SharesTransfer {
            from: Address::ZERO,
            to,
            value: shares,
        },
    )?;
    Ok(())
}

/// Checks that `from` can burn `shares`: enough balance, and (before full exit) the supply stays
/// at or above the activation floor, so nobody can shrink the supply to inflate the share price.
pub(crate) fn check_burn<S: Storage>(
    host: &mut S,
    pool: &PoolRecord,
    from: Address,
    shares: U256,
    extra_balance: U256,
    extra_supply: U256,
) -> Result<(), PoolError> {
    let balance = balance_of(host, pool.id, from)? + extra_balance;
    if balance < shares {
        return Err(PoolError::InsufficientShares);
    }
    let supply = pool.total_supply + extra_supply;
    if !pool.is_fully_exited() && supply - shares < pool.supply_floor {
        return Err(PoolError::InsufficientShares);
    }
    Ok(())
}

/// Burns `shares` of `from` (checked with [`check_burn`] first). The caller stores `pool`.
pub(crate) fn burn<H: Host>(
    host: &mut H,
    pool: &mut PoolRecord,
    from: Address,
    shares: U256,
) -> Result<(), PoolError> {
    check_burn(host, pool, from, shares, U256::ZERO, U256::ZERO)?;
    let balance = balance_of(host, pool.id, from)?;
    set_balance(host, pool.id, from, balance - shares)?;
    pool.total_supply -= shares;
    let emitter = pool.addresses().staking_pool;
    host.emit(
        emitter,
        Event::SharesBurned {
            from,
            amount: shares,
        },
    )?;
    host.emit(
        emitter,
        Event::SharesTransfer {
            from,
            to: Address::ZERO,
            value: shares,
        },
    )?;
    Ok(())
}

impl PoolSystem {
    /// `allowance(owner, spender)` of pool `id`'s shares.
    pub fn allowance<S: Storage>(
        &self,
        host: &mut S,
        id: PoolId,
        owner: Address,
        spender: Address,
    ) -> Result<U256, PoolError> {
        Ok(host.sload(id.addresses().staking_pool, allowance_slot(owner, spender))?)
    }

    /// `transfer(to, value)` of shares.
    pub fn transfer_shares<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        to: Address,
        value: U256,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        self.move_shares(host, id, call.caller, to, value)
    }

    /// `approve(spender, value)`.
    pub fn approve_shares<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        spender: Address,
        value: U256,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        if spender.is_zero() {
            return Err(PoolError::Erc20InvalidSpender { spender });
        }
        host.sstore(
            id.addresses().staking_pool,
            allowance_slot(call.caller, spender),
            value,
        )?;
        host.emit(
            id.addresses().staking_pool,
            Event::SharesApproval {
                owner: call.caller,
                spender,
                value,
            },
        )?;
        Ok(())
    }

    /// `transferFrom(from, to, value)`: spends the caller's allowance (an unlimited allowance,
    /// `type(uint256).max`, is never decreased).
    pub fn transfer_shares_from<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        id: PoolId,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<(), PoolError> {
        self.require_registered(host, id)?;
        let allowance = self.allowance(host, id, from, call.caller)?;
        if allowance < value {
            return Err(PoolError::Erc20InsufficientAllowance {
                spender: call.caller,
                allowance,
                needed: value,
            });
        }
        self.check_move(host, id, from, to, value)?;
        if allowance != U256::MAX {
            host.sstore(
                id.addresses().staking_pool,
                allowance_slot(from, call.caller),
                allowance - value,
            )?;
        }
        self.move_shares(host, id, from, to, value)
    }

    fn check_move<S: Storage>(
        &self,
        host: &mut S,
        id: PoolId,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<U256, PoolError> {
        if to.is_zero() {
            return Err(PoolError::Erc20InvalidReceiver { receiver: to });
        }
        let balance = balance_of(host, id, from)?;
        if balance < value {
            return Err(PoolError::Erc20InsufficientBalance {
                sender: from,
                balance,
                needed: value,
            });
        }
        Ok(balance)
    }

    fn move_shares<H: Host>(
        &self,
        host: &mut H,
        id: PoolId,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<(), PoolError> {
        let balance = self.check_move(host, id, from, to, value)?;
        if from != to {
            set_balance(host, id, from, balance - value)?;
            let to_balance = balance_of(host, id, to)? + value; // ≤ supply
            set_balance(host, id, to, to_balance)?;
        }
        host.emit(
            id.addresses().staking_pool,
            Event::SharesTransfer { from, to, value },
        )?;
        Ok(())
    }
}
