//! The dev chain's tokens: HONEY at its mainnet address and two incentive tokens, as native
//! ERC-20s with OpenZeppelin 5's semantics and errors, whose owner (the chain's governance)
//! mints. They exist so that reward vaults have incentives to pay on a devnet; on Berachain
//! the real tokens live at these addresses or none at all.
//!
//! Storage (per token): `balanceOf[a]` at `keccak256(a ‖ 0)`, `allowance[o][s]` at
//! `keccak256(s ‖ keccak256(o ‖ 1))`, `totalSupply` in slot 2, the owner in slot 3.

use alloy_primitives::{keccak256, Address, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{DEV_INCENTIVE_TOKEN_A, DEV_INCENTIVE_TOKEN_B, HONEY},
    Call, HostError, PoolError, Storage,
};

use crate::{
    abi::IDevToken::{self, IDevTokenCalls as T},
    contracts::{empty_revert, sol_revert, view_guard},
    evm_host::EvmHost,
};

const SUPPLY_SLOT: U256 = U256::from_limbs([2, 0, 0, 0]);
const OWNER_SLOT: U256 = U256::from_limbs([3, 0, 0, 0]);

/// The native tokens: address, name, symbol.
pub const DEV_TOKENS: [(Address, &str, &str); 3] = [
    (HONEY, "Honey", "HONEY"),
    (DEV_INCENTIVE_TOKEN_A, "Incentive Token A", "INCA"),
    (DEV_INCENTIVE_TOKEN_B, "Incentive Token B", "INCB"),
];

/// Whether `address` is one of the native dev tokens.
pub fn is_dev_token(address: Address) -> bool {
    DEV_TOKENS.iter().any(|(a, _, _)| *a == address)
}

fn mapping_slot(key: B256, index: U256) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(&index.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// The slot of `owner`'s balance.
pub(crate) fn balance_slot(owner: Address) -> U256 {
    mapping_slot(owner.into_word(), U256::ZERO)
}

fn allowance_slot(owner: Address, spender: Address) -> U256 {
    mapping_slot(
        spender.into_word(),
        mapping_slot(owner.into_word(), U256::from(1)),
    )
}

struct Token<'h, 'a, 'b> {
    host: &'h mut EvmHost<'a, 'b>,
    address: Address,
}

impl Token<'_, '_, '_> {
    fn emit(&mut self, event: impl SolEvent) -> Result<(), HostError> {
        self.host.log(Log {
            address: self.address,
            data: event.encode_log_data(),
        })
    }

    fn balance(&mut self, owner: Address) -> Result<(U256, U256), HostError> {
        self.host.charge_mapping_key()?;
        let slot = balance_slot(owner);
        Ok((slot, self.host.sload(self.address, slot)?))
    }

    fn transfer(&mut self, from: Address, to: Address, value: U256) -> Result<(), PoolError> {
        if to.is_zero() {
            return Err(sol_revert(IDevToken::ERC20InvalidReceiver { receiver: to }));
        }
        let (from_slot, balance) = self.balance(from)?;
        if balance < value {
            return Err(sol_revert(IDevToken::ERC20InsufficientBalance {
                sender: from,
                balance,
                needed: value,
            }));
        }
        self.host.sstore(self.address, from_slot, balance - value)?;
        let (to_slot, to_balance) = self.balance(to)?;
        // Bounded by the total supply, itself checked when minted.
        self.host
            .sstore(self.address, to_slot, to_balance.saturating_add(value))?;
        Ok(self.emit(IDevToken::Transfer { from, to, value })?)
    }

    fn mint(&mut self, to: Address, value: U256) -> Result<(), PoolError> {
        if to.is_zero() {
            return Err(sol_revert(IDevToken::ERC20InvalidReceiver { receiver: to }));
        }
        let supply = self.host.sload(self.address, SUPPLY_SLOT)?;
        let supply = supply.checked_add(value).ok_or_else(empty_revert)?;
        self.host.sstore(self.address, SUPPLY_SLOT, supply)?;
        let (slot, balance) = self.balance(to)?;
        self.host.sstore(self.address, slot, balance + value)?;
        let from = Address::ZERO;
        Ok(self.emit(IDevToken::Transfer { from, to, value })?)
    }
}

/// One call to the dev token at `address`.
pub(crate) fn call(
    host: &mut EvmHost<'_, '_>,
    address: Address,
    call: Call,
    is_static: bool,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = T::abi_decode(data).map_err(|_| empty_revert())?;
    let (name, symbol) = DEV_TOKENS
        .iter()
        .find(|(a, _, _)| *a == address)
        .map(|(_, n, s)| (*n, *s))
        .ok_or_else(empty_revert)?;
    let caller = call.caller;
    let write = |call: &Call| crate::contracts::write_guard(call, is_static, false);
    let mut token = Token { host, address };
    Ok(match decoded {
        T::name(_) => {
            view_guard(&call)?;
            IDevToken::nameCall::abi_encode_returns(&name.to_string())
        }
        T::symbol(_) => {
            view_guard(&call)?;
            IDevToken::symbolCall::abi_encode_returns(&symbol.to_string())
        }
        T::decimals(_) => {
            view_guard(&call)?;
            IDevToken::decimalsCall::abi_encode_returns(&18)
        }
        T::totalSupply(_) => {
            view_guard(&call)?;
            let supply = token.host.sload(address, SUPPLY_SLOT)?;
            IDevToken::totalSupplyCall::abi_encode_returns(&supply)
        }
        T::owner(_) => {
            view_guard(&call)?;
            let owner = Address::from_word(B256::from(token.host.sload(address, OWNER_SLOT)?));
            IDevToken::ownerCall::abi_encode_returns(&owner)
        }
        T::balanceOf(c) => {
            view_guard(&call)?;
            let (_, balance) = token.balance(c.account)?;
            IDevToken::balanceOfCall::abi_encode_returns(&balance)
        }
        T::allowance(c) => {
            view_guard(&call)?;
            token.host.charge_mapping_key()?;
            token.host.charge_mapping_key()?;
            let allowance = token
                .host
                .sload(address, allowance_slot(c.owner, c.spender))?;
            IDevToken::allowanceCall::abi_encode_returns(&allowance)
        }
        T::transfer(c) => {
            write(&call)?;
            token.transfer(caller, c.to, c.value)?;
            IDevToken::transferCall::abi_encode_returns(&true)
        }
        T::approve(c) => {
            write(&call)?;
            token.host.charge_mapping_key()?;
            token.host.charge_mapping_key()?;
            token
                .host
                .sstore(address, allowance_slot(caller, c.spender), c.value)?;
            token.emit(IDevToken::Approval {
                owner: caller,
                spender: c.spender,
                value: c.value,
            })?;
            IDevToken::approveCall::abi_encode_returns(&true)
        }
        T::transferFrom(c) => {
            write(&call)?;
            token.host.charge_mapping_key()?;
            token.host.charge_mapping_key()?;
            let slot = allowance_slot(c.from, caller);
            let allowance = token.host.sload(address, slot)?;
            if allowance != U256::MAX {
                if allowance < c.value {
                    return Err(sol_revert(IDevToken::ERC20InsufficientAllowance {
                        spender: caller,
                        allowance,
                        needed: c.value,
                    }));
                }
                token.host.sstore(address, slot, allowance - c.value)?;
            }
            token.transfer(c.from, c.to, c.value)?;
            IDevToken::transferFromCall::abi_encode_returns(&true)
        }
        T::mint(c) => {
            write(&call)?;
            let owner = Address::from_word(B256::from(token.host.sload(address, OWNER_SLOT)?));
            if owner != caller {
                return Err(sol_revert(IDevToken::OwnableUnauthorizedAccount {
                    account: caller,
                }));
            }
            token.mint(c.to, c.value)?;
            Vec::new()
        }
    })
}

/// A dev token's genesis storage: its owner, and `balances` already minted.
pub(crate) fn genesis_storage(owner: Address, balances: &[(Address, U256)]) -> Vec<(U256, U256)> {
    let supply = balances.iter().fold(U256::ZERO, |total, (_, amount)| {
        total.saturating_add(*amount)
    });
    let mut storage = vec![
        (OWNER_SLOT, U256::from_be_slice(owner.as_slice())),
        (SUPPLY_SLOT, supply),
    ];
    storage.extend(
        balances
            .iter()
            .map(|(a, amount)| (balance_slot(*a), *amount)),
    );
    storage
}
