//! BeraChef at `0xdf96…426a`, as native code: validator commission on incentive tokens (queued,
//! then activated by anyone once `commissionChangeDelay` blocks have passed; 5 % until first
//! set, never above 20 %), reward allocations ([`super::allocation`]: queued by the validator's
//! allocator, activated by the Distributor on the validator's own block), the whitelist of
//! reward vaults, the validator's reward allocator, and the contract's owner.
//!
//! Only the validator's operator (BeaconDeposit's `getOperator`, for a pool its SmartOperator)
//! may queue a commission or set the allocator, as in the deployed contract.
//!
//! Storage: `owner` in slot 0, `commissionChangeDelay` in slot 1; per validator, keyed by
//! `h = keccak256(pubkey)`: the active commission `{uint32 activationBlock, uint96 rate}` at
//! `keccak256(h ‖ 2)`, the queued one `{uint32 blockNumberLast, uint96 rate}` at
//! `keccak256(h ‖ 3)`, the reward allocator at `keccak256(h ‖ 4)`. Each pair packs the block in
//! bits 96..128 and the rate in bits 0..96. Allocations: `rewardAllocationBlockDelay` in slot 5,
//! `rewardAllocationInactivityBlockSpan` in 6, `maxNumWeightsPerRewardAllocation` in 7,
//! `maxWeightPerVault` in 8, the vault whitelist at `keccak256(vault ‖ 9)`, a validator's active
//! allocation from `keccak256(h ‖ 10)` and its queued one from `keccak256(h ‖ 11)`, the default
//! allocation from slot 12.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{aliases::U96, keccak256, Address, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{BEACON_DEPOSIT, BERA_CHEF, POL_DISTRIBUTOR, REWARD_VAULT_FACTORY},
    Call, Host, HostError, PoolError, Storage,
};

use super::allocation::{self, Allocation, Limits};
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
const ALLOCATION_DELAY_SLOT: U256 = U256::from_limbs([5, 0, 0, 0]);
const INACTIVITY_SPAN_SLOT: U256 = U256::from_limbs([6, 0, 0, 0]);
const MAX_WEIGHTS_SLOT: U256 = U256::from_limbs([7, 0, 0, 0]);
const MAX_WEIGHT_PER_VAULT_SLOT: U256 = U256::from_limbs([8, 0, 0, 0]);
const WHITELIST: u64 = 9;
const ACTIVE_ALLOCATIONS: u64 = 10;
const QUEUED_ALLOCATIONS: u64 = 11;
const DEFAULT_ALLOCATION_SLOT: U256 = U256::from_limbs([12, 0, 0, 0]);

/// Berachain's `rewardAllocationBlockDelay` (lowered from 8,191 to 500).
pub const MAINNET_REWARD_ALLOCATION_DELAY: u64 = 500;
/// Berachain's `rewardAllocationInactivityBlockSpan` (about 7 days of blocks).
pub const MAINNET_REWARD_ALLOCATION_INACTIVITY_SPAN: u64 = 302_400;
/// `maxNumWeightsPerRewardAllocation` of the native BeraChef (mainnet's is not published).
pub const MAX_WEIGHTS_PER_ALLOCATION: u64 = 10;

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

fn whitelist_slot(host: &mut EvmHost<'_, '_>, vault: Address) -> Result<U256, HostError> {
    host.charge_mapping_key()?;
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(vault.into_word().as_slice());
    preimage[32..].copy_from_slice(&U256::from(WHITELIST).to_be_bytes::<32>());
    Ok(U256::from_be_bytes(keccak256(preimage).0))
}

fn is_whitelisted(host: &mut EvmHost<'_, '_>, vault: Address) -> Result<bool, HostError> {
    let slot = whitelist_slot(host, vault)?;
    Ok(!host.sload(BERA_CHEF, slot)?.is_zero())
}

fn allocation_base(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
    base: u64,
) -> Result<U256, HostError> {
    pubkey_slot(host, pubkey, base)
}

fn limits(host: &mut EvmHost<'_, '_>) -> Result<Limits, HostError> {
    Ok(Limits {
        max_weights: host.sload(BERA_CHEF, MAX_WEIGHTS_SLOT)?.saturating_to(),
        max_weight_per_vault: host
            .sload(BERA_CHEF, MAX_WEIGHT_PER_VAULT_SLOT)?
            .saturating_to(),
    })
}

fn validate_weights(host: &mut EvmHost<'_, '_>, allocation: &Allocation) -> Result<(), PoolError> {
    let limits = limits(host)?;
    allocation::validate(&allocation.weights, limits, |vault| {
        is_whitelisted(host, vault)
    })
}

/// A limit change must leave the default allocation valid (`InvalidateDefaultRewardAllocation`).
fn keep_default_valid(host: &mut EvmHost<'_, '_>) -> Result<(), PoolError> {
    let default = allocation::load(host, DEFAULT_ALLOCATION_SLOT)?;
    if !default.weights.is_empty() && !still_valid(host, &default)? {
        return Err(sol_revert(IBeraChef::InvalidateDefaultRewardAllocation {}));
    }
    Ok(())
}

/// Whether the weights still pass the rules (a vault may have left the whitelist since).
fn still_valid(host: &mut EvmHost<'_, '_>, allocation: &Allocation) -> Result<bool, PoolError> {
    match validate_weights(host, allocation) {
        Ok(()) => Ok(true),
        Err(PoolError::Host(HostError::Revert(_))) => Ok(false),
        Err(other) => Err(other),
    }
}

/// `getActiveRewardAllocation`: the validator's own allocation, or the default when it never
/// set one, when it is older than the inactivity span, or when its weights are no longer
/// valid. (Berachain falls back to the RewardAllocatorFactory's baseline for the first two;
/// the native set has no such factory, so the default stands in.)
pub(crate) fn active_allocation(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
) -> Result<Allocation, PoolError> {
    let base = allocation_base(host, pubkey, ACTIVE_ALLOCATIONS)?;
    let active = allocation::load(host, base)?;
    let span: u64 = host.sload(BERA_CHEF, INACTIVITY_SPAN_SLOT)?.saturating_to();
    let stale = host.block().number > active.start_block.saturating_add(span);
    if active.start_block == 0 || active.weights.is_empty() || stale || !still_valid(host, &active)?
    {
        return Ok(allocation::load(host, DEFAULT_ALLOCATION_SLOT)?);
    }
    Ok(active)
}

/// `activateReadyQueuedRewardAllocation`: the queued allocation becomes active from this block
/// if its start block has come (nothing happens otherwise).
pub(crate) fn activate_ready_allocation(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
) -> Result<(), PoolError> {
    let queued_base = allocation_base(host, pubkey, QUEUED_ALLOCATIONS)?;
    let mut queued = allocation::load(host, queued_base)?;
    let number = host.block().number;
    if queued.start_block == 0 || queued.start_block > number {
        return Ok(());
    }
    queued.start_block = number;
    let active_base = allocation_base(host, pubkey, ACTIVE_ALLOCATIONS)?;
    allocation::store(host, active_base, &queued)?;
    allocation::clear(host, queued_base)?;
    emit(
        host,
        IBeraChef::ActivateRewardAllocation {
            valPubkey: keccak256(pubkey),
            startBlock: number,
            weights: queued.to_abi().weights,
        },
    )?;
    Ok(())
}

/// `onlyRewardAllocator`: the validator's reward allocator, or its operator while none is set.
fn only_reward_allocator(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
    caller: Address,
) -> Result<(), PoolError> {
    let slot = pubkey_slot(host, pubkey, ALLOCATORS)?;
    let allocator = Address::from_word(B256::from(host.sload(BERA_CHEF, slot)?));
    let allowed = if allocator.is_zero() {
        beacon_deposit::operator_of_bytes(host, pubkey)?
    } else {
        allocator
    };
    if allowed.is_zero() || allowed != caller {
        return Err(sol_revert(IBeraChef::NotRewardAllocator {}));
    }
    Ok(())
}

/// `getValidatorIncentiveTokenShare(pubkey, amount)`: the validator's commission on `amount`.
pub(crate) fn incentive_share(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
    amount: U256,
) -> Result<U256, PoolError> {
    let rate = commission(host, pubkey)?;
    Ok(amount
        .checked_mul(U256::from(rate))
        .ok_or_else(empty_revert)?
        / U256::from(10_000))
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
                // The amount is a token balance: far below 2²⁵⁶ / 10⁴ for any real token; a
                // product that overflows reverts, as Solidity's checked arithmetic does.
                let share = incentive_share(host, &c.valPubkey, c.incentiveTokenAmount)?;
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
            B::isReady(_) => {
                view_guard(&call)?;
                let ready = !allocation::load(host, DEFAULT_ALLOCATION_SLOT)?
                    .weights
                    .is_empty();
                IBeraChef::isReadyCall::abi_encode_returns(&ready)
            }
            B::isWhitelistedVault(c) => {
                view_guard(&call)?;
                let listed = is_whitelisted(host, c.receiver)?;
                IBeraChef::isWhitelistedVaultCall::abi_encode_returns(&listed)
            }
            B::setVaultWhitelistedStatus(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                if !c.isWhitelisted {
                    let default = allocation::load(host, DEFAULT_ALLOCATION_SLOT)?;
                    if default.weights.iter().any(|w| w.receiver == c.receiver) {
                        return Err(sol_revert(IBeraChef::InvalidateDefaultRewardAllocation {}));
                    }
                }
                let slot = whitelist_slot(host, c.receiver)?;
                host.sstore(BERA_CHEF, slot, U256::from(c.isWhitelisted))?;
                emit(
                    host,
                    IBeraChef::VaultWhitelistedStatusUpdated {
                        receiver: c.receiver,
                        isWhitelisted: c.isWhitelisted,
                        metadata: c.metadata,
                    },
                )?;
                Vec::new()
            }
            B::rewardAllocationBlockDelay(_) => {
                view_guard(&call)?;
                let delay: u64 = host
                    .sload(BERA_CHEF, ALLOCATION_DELAY_SLOT)?
                    .saturating_to();
                IBeraChef::rewardAllocationBlockDelayCall::abi_encode_returns(&delay)
            }
            B::setRewardAllocationBlockDelay(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                if c._rewardAllocationBlockDelay > MAX_REWARD_ALLOCATION_BLOCK_DELAY {
                    return Err(sol_revert(IBeraChef::RewardAllocationBlockDelayTooLarge {}));
                }
                let delay = U256::from(c._rewardAllocationBlockDelay);
                host.sstore(BERA_CHEF, ALLOCATION_DELAY_SLOT, delay)?;
                emit(
                    host,
                    IBeraChef::RewardAllocationBlockDelaySet {
                        rewardAllocationBlockDelay: c._rewardAllocationBlockDelay,
                    },
                )?;
                Vec::new()
            }
            B::rewardAllocationInactivityBlockSpan(_) => {
                view_guard(&call)?;
                let span: u64 = host.sload(BERA_CHEF, INACTIVITY_SPAN_SLOT)?.saturating_to();
                IBeraChef::rewardAllocationInactivityBlockSpanCall::abi_encode_returns(&span)
            }
            B::maxNumWeightsPerRewardAllocation(_) => {
                view_guard(&call)?;
                let max: u8 = host.sload(BERA_CHEF, MAX_WEIGHTS_SLOT)?.saturating_to();
                IBeraChef::maxNumWeightsPerRewardAllocationCall::abi_encode_returns(&max)
            }
            B::maxWeightPerVault(_) => {
                view_guard(&call)?;
                let max: u64 = host
                    .sload(BERA_CHEF, MAX_WEIGHT_PER_VAULT_SLOT)?
                    .saturating_to();
                IBeraChef::maxWeightPerVaultCall::abi_encode_returns(&u96(max))
            }
            B::getDefaultRewardAllocation(_) => {
                view_guard(&call)?;
                let default = allocation::load(host, DEFAULT_ALLOCATION_SLOT)?;
                IBeraChef::getDefaultRewardAllocationCall::abi_encode_returns(&default.to_abi())
            }
            B::setDefaultRewardAllocation(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                let default = Allocation::from_abi(c.ra.startBlock, &c.ra.weights);
                validate_weights(host, &default)?;
                allocation::store(host, DEFAULT_ALLOCATION_SLOT, &default)?;
                emit(
                    host,
                    IBeraChef::SetDefaultRewardAllocation {
                        rewardAllocation: default.to_abi(),
                    },
                )?;
                Vec::new()
            }
            B::getActiveRewardAllocation(c) => {
                view_guard(&call)?;
                let active = active_allocation(host, &c.valPubkey)?;
                IBeraChef::getActiveRewardAllocationCall::abi_encode_returns(&active.to_abi())
            }
            B::getSetActiveRewardAllocation(c) => {
                view_guard(&call)?;
                let base = allocation_base(host, &c.valPubkey, ACTIVE_ALLOCATIONS)?;
                let set = allocation::load(host, base)?;
                IBeraChef::getSetActiveRewardAllocationCall::abi_encode_returns(&set.to_abi())
            }
            B::getQueuedRewardAllocation(c) => {
                view_guard(&call)?;
                let base = allocation_base(host, &c.valPubkey, QUEUED_ALLOCATIONS)?;
                let queued = allocation::load(host, base)?;
                IBeraChef::getQueuedRewardAllocationCall::abi_encode_returns(&queued.to_abi())
            }
            B::isQueuedRewardAllocationReady(c) => {
                view_guard(&call)?;
                let base = allocation_base(host, &c.valPubkey, QUEUED_ALLOCATIONS)?;
                let queued = allocation::load(host, base)?;
                let ready =
                    queued.start_block != 0 && U256::from(queued.start_block) <= c.blockNumber;
                IBeraChef::isQueuedRewardAllocationReadyCall::abi_encode_returns(&ready)
            }
            B::queueNewRewardAllocation(c) => {
                write_guard(&call, is_static, false)?;
                only_reward_allocator(host, &c.valPubkey, caller)?;
                let delay: u64 = host
                    .sload(BERA_CHEF, ALLOCATION_DELAY_SLOT)?
                    .saturating_to();
                if c.startBlock < host.block().number.saturating_add(delay) {
                    return Err(sol_revert(IBeraChef::InvalidStartBlock {}));
                }
                let base = allocation_base(host, &c.valPubkey, QUEUED_ALLOCATIONS)?;
                if allocation::load(host, base)?.start_block != 0 {
                    return Err(sol_revert(IBeraChef::RewardAllocationAlreadyQueued {}));
                }
                let queued = Allocation::from_abi(c.startBlock, &c.weights);
                validate_weights(host, &queued)?;
                allocation::store(host, base, &queued)?;
                emit(
                    host,
                    IBeraChef::QueueRewardAllocation {
                        valPubkey: keccak256(&c.valPubkey),
                        startBlock: c.startBlock,
                        weights: c.weights,
                    },
                )?;
                Vec::new()
            }
            B::activateReadyQueuedRewardAllocation(c) => {
                write_guard(&call, is_static, false)?;
                if caller != POL_DISTRIBUTOR {
                    return Err(sol_revert(IBeraChef::NotDistributor {}));
                }
                activate_ready_allocation(host, &c.valPubkey)?;
                Vec::new()
            }
            B::setMaxNumWeightsPerRewardAllocation(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                let max = c._maxNumWeightsPerRewardAllocation;
                if max == 0 {
                    return Err(sol_revert(
                        IBeraChef::MaxNumWeightsPerRewardAllocationIsZero {},
                    ));
                }
                host.sstore(BERA_CHEF, MAX_WEIGHTS_SLOT, U256::from(max))?;
                keep_default_valid(host)?;
                emit(
                    host,
                    IBeraChef::MaxNumWeightsPerRewardAllocationSet {
                        maxNumWeightsPerRewardAllocation: max,
                    },
                )?;
                Vec::new()
            }
            B::setMaxWeightPerVault(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                let max: u64 = c._maxWeightPerVault.saturating_to();
                if max == 0 || max > allocation::ONE_HUNDRED_PERCENT {
                    return Err(sol_revert(IBeraChef::InvalidMaxWeightPerVault {}));
                }
                host.sstore(BERA_CHEF, MAX_WEIGHT_PER_VAULT_SLOT, U256::from(max))?;
                keep_default_valid(host)?;
                emit(
                    host,
                    IBeraChef::MaxWeightPerVaultSet {
                        maxWeightPerVault: c._maxWeightPerVault,
                    },
                )?;
                Vec::new()
            }
            B::setRewardAllocationInactivityBlockSpan(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                let span = c._rewardAllocationInactivityBlockSpan;
                if span < MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPAN {
                    return Err(sol_revert(
                        IBeraChef::InvalidRewardAllocationInactivityBlockSpan {},
                    ));
                }
                host.sstore(BERA_CHEF, INACTIVITY_SPAN_SLOT, U256::from(span))?;
                emit(
                    host,
                    IBeraChef::RewardAllocationInactivityBlockSpanSet {
                        rewardAllocationInactivityBlockSpan: span,
                    },
                )?;
                Vec::new()
            }
            B::updateWhitelistedVaultMetadata(c) => {
                write_guard(&call, is_static, false)?;
                only_owner(host, caller)?;
                if !is_whitelisted(host, c.vault)? {
                    return Err(sol_revert(IBeraChef::NotWhitelistedVault {}));
                }
                emit(
                    host,
                    IBeraChef::WhitelistedVaultMetadataUpdated {
                        receiver: c.vault,
                        metadata: c.metadata,
                    },
                )?;
                Vec::new()
            }
            B::validateWeights(c) => {
                view_guard(&call)?;
                validate_weights(host, &Allocation::from_abi(0, &c.weights))?;
                Vec::new()
            }
            B::rewardAllocatorFactory(_) => {
                view_guard(&call)?;
                // The native set has none: the default allocation is the fallback.
                IBeraChef::rewardAllocatorFactoryCall::abi_encode_returns(&Address::ZERO)
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

/// BeraChef's genesis parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Genesis {
    pub(crate) owner: Address,
    pub(crate) commission_change_delay: u64,
    pub(crate) reward_allocation_delay: u64,
    pub(crate) reward_allocation_inactivity_span: u64,
    /// Whitelisted and, in equal parts (the last taking the remainder), the default allocation.
    pub(crate) default_vaults: Vec<Address>,
}

/// BeraChef's genesis storage: owner, delays, limits, the whitelist and the default allocation
/// (so that `isReady()` holds from block 1).
pub(crate) fn genesis_storage(genesis: &Genesis) -> Vec<(U256, U256)> {
    let mut storage = vec![
        (OWNER_SLOT, U256::from_be_slice(genesis.owner.as_slice())),
        (DELAY_SLOT, U256::from(genesis.commission_change_delay)),
        (
            ALLOCATION_DELAY_SLOT,
            U256::from(genesis.reward_allocation_delay),
        ),
        (
            INACTIVITY_SPAN_SLOT,
            U256::from(genesis.reward_allocation_inactivity_span),
        ),
        (MAX_WEIGHTS_SLOT, U256::from(MAX_WEIGHTS_PER_ALLOCATION)),
        (
            MAX_WEIGHT_PER_VAULT_SLOT,
            U256::from(allocation::ONE_HUNDRED_PERCENT),
        ),
    ];
    let count = genesis.default_vaults.len() as u64;
    if count == 0 {
        return storage;
    }
    let each = allocation::ONE_HUNDRED_PERCENT / count;
    for (i, vault) in genesis.default_vaults.iter().enumerate() {
        let mut preimage = [0u8; 64];
        preimage[..32].copy_from_slice(vault.into_word().as_slice());
        preimage[32..].copy_from_slice(&U256::from(WHITELIST).to_be_bytes::<32>());
        storage.push((U256::from_be_bytes(keccak256(preimage).0), U256::from(1)));
        let percentage = if i as u64 + 1 == count {
            allocation::ONE_HUNDRED_PERCENT - each * (count - 1)
        } else {
            each
        };
        let word = U256::from_be_slice(vault.as_slice()) | (U256::from(percentage) << 160);
        storage.push((DEFAULT_ALLOCATION_SLOT + U256::from(1 + i), word));
    }
    storage.push((DEFAULT_ALLOCATION_SLOT, U256::from(count) << 64));
    storage
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
