//! BeraChef at `0xdf96…426a`, as native code: validator commission on incentive tokens (queued,
//! then activated by anyone once `commissionChangeDelay` blocks have passed; 5 % until first
//! set, never above 20 %), the validator's reward allocator, and the contract's owner. Reward
//! allocations are not built yet: their functions revert with no data.
//!
//! Only the validator's operator (BeaconDeposit's `getOperator`, for a pool its SmartOperator)
//! may queue a commission or set the allocator, as in the deployed contract.
//!
//! Storage: `owner` in slot 0, `commissionChangeDelay` in slot 1; per validator, keyed by
//! `h = keccak256(pubkey)`: the active commission `{uint32 activationBlock, uint96 rate}` at
//! `keccak256(h ‖ 2)`, the queued one `{uint32 blockNumberLast, uint96 rate}` at
//! `keccak256(h ‖ 3)`, the reward allocator at `keccak256(h ‖ 4)`. Each pair packs the block in
//! bits 96..128 and the rate in bits 0..96.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{aliases::U96, keccak256, Address, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{BEACON_DEPOSIT, BERA_CHEF, POL_DISTRIBUTOR, REWARD_VAULT_FACTORY},
    Call, Host, HostError, PoolError, Storage,
};

use crate::{
    abi::IBeraChef::{self, IBeraChefCalls as B},
    contracts::{empty_revert, sol_revert, view_guard, write_guard},
    evm_host::EvmHost,
    native::NativeFrame,
    system::beacon_deposit,
};

/// `MAX_COMMISSION_RATE`: 20 %.
pub const MAX_COMMISSION_RATE: u64 = 2_000;
/// `DEFAULT_COMMISSION_RATE`: 5 %, until a validator's first activation.
pub const DEFAULT_COMMISSION_RATE: u64 = 500;
/// `MAX_COMMISSION_CHANGE_DELAY`: two EIP-2935 windows.
pub const MAX_COMMISSION_CHANGE_DELAY: u64 = 2 * 8_191;
/// Berachain's `commissionChangeDelay`.
pub const MAINNET_COMMISSION_CHANGE_DELAY: u64 = MAX_COMMISSION_CHANGE_DELAY;
const MAX_REWARD_ALLOCATION_BLOCK_DELAY: u64 = 1_315_000;
const MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPAN: u64 = 43_200;

pub(crate) const OWNER_SLOT: U256 = U256::ZERO;
pub(crate) const DELAY_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);
const COMMISSIONS: u64 = 2;
const QUEUED_COMMISSIONS: u64 = 3;
const ALLOCATORS: u64 = 4;

/// A `{block, rate}` pair as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Commission {
    block: u32,
    rate: u64,
}

impl Commission {
    fn load(word: U256) -> Self {
        let rate_mask: U256 = (U256::from(1) << 96usize) - U256::from(1);
        Self {
            block: (word >> 96usize).saturating_to::<u32>(),
            rate: (word & rate_mask).saturating_to::<u64>(),
        }
    }

    fn store(self) -> U256 {
        (U256::from(self.block) << 96) | U256::from(self.rate)
    }
}

/// The slot of `pubkey`'s entry in the mapping at `base`: the keccak of the pubkey, then the
/// mapping's, both charged.
fn pubkey_slot(host: &mut EvmHost<'_, '_>, pubkey: &[u8], base: u64) -> Result<U256, HostError> {
    host.charge(30 + 6 * (pubkey.len() as u64).div_ceil(32))?;
    host.charge_mapping_key()?;
    let hash = keccak256(pubkey);
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(hash.as_slice());
    preimage[32..].copy_from_slice(&U256::from(base).to_be_bytes::<32>());
    Ok(U256::from_be_bytes(keccak256(preimage).0))
}

fn load(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
    base: u64,
) -> Result<(U256, Commission), PoolError> {
    let slot = pubkey_slot(host, pubkey, base)?;
    Ok((slot, Commission::load(host.sload(BERA_CHEF, slot)?)))
}

fn emit(host: &mut EvmHost<'_, '_>, event: impl SolEvent) -> Result<(), HostError> {
    host.log(Log {
        address: BERA_CHEF,
        data: event.encode_log_data(),
    })
}

/// `onlyOperator`: the caller must be BeaconDeposit's operator of `pubkey`.
fn only_operator(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
    caller: Address,
) -> Result<(), PoolError> {
    let operator = beacon_deposit::operator_of_bytes(host, pubkey)?;
    if operator.is_zero() || operator != caller {
        return Err(sol_revert(IBeraChef::NotOperator {}));
    }
    Ok(())
}

fn only_owner(host: &mut EvmHost<'_, '_>, caller: Address) -> Result<(), PoolError> {
    let owner = Address::from_word(B256::from(host.sload(BERA_CHEF, OWNER_SLOT)?));
    if owner != caller {
        return Err(sol_revert(IBeraChef::OwnableUnauthorizedAccount {
            account: caller,
        }));
    }
    Ok(())
}

fn set_owner(host: &mut EvmHost<'_, '_>, new_owner: Address) -> Result<(), PoolError> {
    let previous = Address::from_word(B256::from(host.sload(BERA_CHEF, OWNER_SLOT)?));
    host.sstore(
        BERA_CHEF,
        OWNER_SLOT,
        U256::from_be_slice(new_owner.as_slice()),
    )?;
    emit(
        host,
        IBeraChef::OwnershipTransferred {
            previousOwner: previous,
            newOwner: new_owner,
        },
    )?;
    Ok(())
}

/// `getValCommissionOnIncentiveTokens` of the stored commission: the default until first
/// activated, capped at 20 %.
fn effective_rate(active: Commission) -> u64 {
    if active.block == 0 {
        DEFAULT_COMMISSION_RATE
    } else {
        active.rate.min(MAX_COMMISSION_RATE)
    }
}

fn commission(host: &mut EvmHost<'_, '_>, pubkey: &[u8]) -> Result<u64, PoolError> {
    let (_, active) = load(host, pubkey, COMMISSIONS)?;
    Ok(effective_rate(active))
}

/// One call to BeraChef.
pub(crate) fn call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = B::abi_decode(data).map_err(|_| empty_revert())?;
    let is_static = frame.is_static();
    let caller = call.caller;
    let u96 = |v: u64| U96::from(v);
    frame.with_host(|host| {
        Ok(match decoded {
            B::MAX_COMMISSION_RATE(_) => {
                view_guard(&call)?;
                IBeraChef::MAX_COMMISSION_RATECall::abi_encode_returns(&u96(MAX_COMMISSION_RATE))
            }
            B::MAX_REWARD_ALLOCATION_BLOCK_DELAY(_) => {
                view_guard(&call)?;
                IBeraChef::MAX_REWARD_ALLOCATION_BLOCK_DELAYCall::abi_encode_returns(
                    &MAX_REWARD_ALLOCATION_BLOCK_DELAY,
                )
            }
            B::MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPAN(_) => {
                view_guard(&call)?;
                IBeraChef::MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPANCall::abi_encode_returns(
                    &MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPAN,
                )
            }
            B::beaconDepositContract(_) => {
                view_guard(&call)?;
                IBeraChef::beaconDepositContractCall::abi_encode_returns(&BEACON_DEPOSIT)
            }
            B::distributor(_) => {
                view_guard(&call)?;
                IBeraChef::distributorCall::abi_encode_returns(&POL_DISTRIBUTOR)
            }
            B::factory(_) => {
                view_guard(&call)?;
                IBeraChef::factoryCall::abi_encode_returns(&REWARD_VAULT_FACTORY)
            }
            B::owner(_) => {
                view_guard(&call)?;
                let word = host.sload(BERA_CHEF, OWNER_SLOT)?;
                IBeraChef::ownerCall::abi_encode_returns(&Address::from_word(B256::from(word)))
            }
            B::commissionChangeDelay(_) => {
                view_guard(&call)?;
                let delay: u64 = host.sload(BERA_CHEF, DELAY_SLOT)?.saturating_to();
                IBeraChef::commissionChangeDelayCall::abi_encode_returns(&delay)
            }
            B::getValCommissionOnIncentiveTokens(c) => {
                view_guard(&call)?;
                let rate = commission(host, &c.valPubkey)?;
                IBeraChef::getValCommissionOnIncentiveTokensCall::abi_encode_returns(&u96(rate))
            }
            B::getValQueuedCommissionOnIncentiveTokens(c) => {
                view_guard(&call)?;
                let (_, queued) = load(host, &c.valPubkey, QUEUED_COMMISSIONS)?;
                IBeraChef::getValQueuedCommissionOnIncentiveTokensCall::abi_encode_returns(
                    &IBeraChef::QueuedCommissionRateChange {
                        blockNumberLast: queued.block,
                        commissionRate: u96(queued.rate),
                    },
                )
            }
            B::getValidatorIncentiveTokenShare(c) => {
                view_guard(&call)?;
                let rate = commission(host, &c.valPubkey)?;
                // The amount is a token balance: far below 2²⁵⁶ / 10⁴ for any real token; a
                // product that overflows reverts, as Solidity's checked arithmetic does.
                let share = c
                    .incentiveTokenAmount
                    .checked_mul(U256::from(rate))
                    .ok_or_else(empty_revert)?
                    / U256::from(10_000);
                IBeraChef::getValidatorIncentiveTokenShareCall::abi_encode_returns(&share)
            }
            B::valRewardAllocator(c) => {
                view_guard(&call)?;
                let slot = pubkey_slot(host, &c.valPubkey, ALLOCATORS)?;
                let word = host.sload(BERA_CHEF, slot)?;
                IBeraChef::valRewardAllocatorCall::abi_encode_returns(&Address::from_word(
                    B256::from(word),
                ))
            }
            B::queueValCommission(c) => {
                write_guard(&call, is_static, false)?;
                only_operator(host, &c.valPubkey, caller)?;
                let rate: u64 = c.commissionRate.saturating_to();
                if rate > MAX_COMMISSION_RATE {
                    return Err(sol_revert(IBeraChef::InvalidCommissionValue {}));
                }
                let (slot, queued) = load(host, &c.valPubkey, QUEUED_COMMISSIONS)?;
                if queued.block != 0 {
                    return Err(sol_revert(IBeraChef::CommissionChangeAlreadyQueued {}));
                }
                let block = u32::try_from(host.block().number).unwrap_or(u32::MAX);
                host.sstore(BERA_CHEF, slot, Commission { block, rate }.store())?;
                emit(
                    host,
                    IBeraChef::QueuedValCommission {
                        valPubkey: keccak256(&c.valPubkey),
                        queuedCommissionRate: c.commissionRate,
                    },
                )?;
                Vec::new()
            }
            B::activateQueuedValCommission(c) => {
                write_guard(&call, is_static, false)?;
                let (queued_slot, queued) = load(host, &c.valPubkey, QUEUED_COMMISSIONS)?;
                let delay: u64 = host.sload(BERA_CHEF, DELAY_SLOT)?.saturating_to();
                let number = host.block().number;
                if queued.block == 0 || number < u64::from(queued.block).saturating_add(delay) {
                    return Err(sol_revert(
                        IBeraChef::CommissionNotQueuedOrDelayNotPassed {},
                    ));
                }
                let (active_slot, current) = load(host, &c.valPubkey, COMMISSIONS)?;
                let old = effective_rate(current);
                let block = u32::try_from(number).unwrap_or(u32::MAX);
                let active = Commission {
                    block,
                    rate: queued.rate,
                };
                host.sstore(BERA_CHEF, active_slot, active.store())?;
                host.sstore(BERA_CHEF, queued_slot, U256::ZERO)?;
                emit(
                    host,
                    IBeraChef::ValCommissionSet {
                        valPubkey: keccak256(&c.valPubkey),
                        oldCommissionRate: u96(old),
                        newCommissionRate: u96(queued.rate),
                    },
                )?;
                Vec::new()
            }
            B::setValRewardAllocator(c) => {
                write_guard(&call, is_static, false)?;
                only_operator(host, &c.valPubkey, caller)?;
                if c.rewardAllocator.is_zero() {
                    return Err(sol_revert(IBeraChef::ZeroAddress {}));
                }
                let slot = pubkey_slot(host, &c.valPubkey, ALLOCATORS)?;
                let word = U256::from_be_slice(c.rewardAllocator.as_slice());
                host.sstore(BERA_CHEF, slot, word)?;
                emit(
                    host,
                    IBeraChef::ValRewardAllocatorSet {
                        valPubkey: keccak256(&c.valPubkey),
                        rewardAllocator: c.rewardAllocator,
                    },
                )?;
                Vec::new()
            }
            B::setCommissionChangeDelay(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                if c._commissionChangeDelay == 0
                    || c._commissionChangeDelay > MAX_COMMISSION_CHANGE_DELAY
                {
                    return Err(sol_revert(IBeraChef::InvalidCommissionChangeDelay {}));
                }
                host.sstore(BERA_CHEF, DELAY_SLOT, U256::from(c._commissionChangeDelay))?;
                emit(
                    host,
                    IBeraChef::CommissionChangeDelaySet {
                        commissionChangeDelay: c._commissionChangeDelay,
                    },
                )?;
                Vec::new()
            }
            B::transferOwnership(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                if c.newOwner.is_zero() {
                    return Err(sol_revert(IBeraChef::OwnableInvalidOwner {
                        owner: Address::ZERO,
                    }));
                }
                set_owner(host, c.newOwner)?;
                Vec::new()
            }
            B::renounceOwnership(_) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                set_owner(host, Address::ZERO)?;
                Vec::new()
            }
        })
    })
}

/// BeraChef's genesis storage: `owner` and the commission delay.
pub(crate) fn genesis_storage(owner: Address, commission_change_delay: u64) -> Vec<(U256, U256)> {
    vec![
        (OWNER_SLOT, U256::from_be_slice(owner.as_slice())),
        (DELAY_SLOT, U256::from(commission_change_delay)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commission_pair_round_trips_through_its_word() {
        let pair = Commission {
            block: 4_000_000,
            rate: 2_000,
        };
        assert_eq!(Commission::load(pair.store()), pair);
        assert_eq!(Commission::load(U256::ZERO), Commission::default());
    }
}
