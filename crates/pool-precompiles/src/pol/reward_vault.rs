//! The RewardVaultFactory at `0x94Ad…52a8` and the reward vaults it creates, as native code.
//!
//! A vault receives its share of a block's emission from the Distributor (it pulls the WBERA
//! the Distributor approved) and pays the incentives that come with it: for each whitelisted
//! token, `emission × incentiveRate / 10¹⁸` (at most what is left of the token's incentive),
//! the validator's commission on it to the validator's operator (for a pool, its
//! SmartOperator) and the rest to the protocol's IncentivesCollector, each transfer with at most
//! 500,000 gas and a `…Failed` event instead of a revert when the token refuses. Incentive
//! managers fund a token with `addIncentive`; the factory's admin whitelists tokens.
//!
//! Not built: the staking side (stake, withdraw, earned, getReward, delegation): the WBERA a
//! vault receives stays in it, counted in `undistributedRewards`.
//!
//! Vault addresses are the native set's own ([`reward_vault_address`]), in creation order.
//! Factory storage: admin in slot 0, vault count in slot 1, `getVault[token]` at
//! `keccak256(token ‖ 2)`. Vault storage: stake token in slot 0, `undistributedRewards` in 1,
//! the whitelisted token count in 2 and the tokens from slot 3, and per token at
//! `t = keccak256(token ‖ 16)`: `minIncentiveRate` at `t`, `incentiveRate` at `t + 1`,
//! `amountRemaining` at `t + 2`, the manager at `t + 3`.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{
        reward_vault_address, BEACON_DEPOSIT, INCENTIVES_COLLECTOR, POL_DISTRIBUTOR,
        REWARD_VAULT_FACTORY, WBERA,
    },
    Call, HostError, PoolError, Storage,
};

use crate::{
    abi::{
        IRewardVault::{self, IRewardVaultCalls as V},
        IRewardVaultFactory::{self, IRewardVaultFactoryCalls as F},
        IERC20, IWBERA,
    },
    contracts::{empty_revert, sol_revert, view_guard, write_guard},
    evm_host::EvmHost,
    native::{CallKind, CallStatus, NativeFrame},
};

/// `MAX_INCENTIVE_RATE`.
pub const MAX_INCENTIVE_RATE: U256 =
    U256::from_limbs([0xb34b_9f10_0000_0000, 0x00c0_97ce_7bc9_0715, 0, 0]);
/// `maxIncentiveTokensCount` of every native vault (Berachain's docs: up to 2 per vault).
pub const MAX_INCENTIVE_TOKENS: u64 = 2;
/// `Utils.TRANSFER_GAS_LIMIT`: the gas an incentive transfer may use.
const TRANSFER_GAS_LIMIT: u64 = 500_000;
const PRECISION: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

const ADMIN_SLOT: U256 = U256::ZERO;
const VAULT_COUNT_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);
const VAULTS_BY_TOKEN: u64 = 2;

const STAKE_TOKEN_SLOT: U256 = U256::ZERO;
const UNDISTRIBUTED_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);
const TOKEN_COUNT_SLOT: U256 = U256::from_limbs([2, 0, 0, 0]);
const TOKENS_SLOT: u64 = 3;
const INCENTIVES: u64 = 16;

fn address_slot(key: Address, base: u64) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(key.into_word().as_slice());
    preimage[32..].copy_from_slice(&U256::from(base).to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(preimage).0)
}

fn word_address(word: U256) -> Address {
    Address::from_word(B256::from(word))
}

fn address_word(address: Address) -> U256 {
    U256::from_be_slice(address.as_slice())
}

fn admin_check(host: &mut EvmHost<'_, '_>, caller: Address) -> Result<(), PoolError> {
    let admin = word_address(host.sload(REWARD_VAULT_FACTORY, ADMIN_SLOT)?);
    if admin != caller {
        return Err(sol_revert(IRewardVault::AccessControlUnauthorizedAccount {
            account: caller,
            neededRole: B256::ZERO,
        }));
    }
    Ok(())
}

/// One call to the RewardVaultFactory.
pub(crate) fn factory<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = F::abi_decode(data).map_err(|_| empty_revert())?;
    let is_static = frame.is_static();
    frame.with_host(|host| {
        Ok(match decoded {
            F::DEFAULT_ADMIN_ROLE(_) => {
                view_guard(&call)?;
                IRewardVaultFactory::DEFAULT_ADMIN_ROLECall::abi_encode_returns(&B256::ZERO)
            }
            F::hasRole(c) => {
                view_guard(&call)?;
                let admin = word_address(host.sload(REWARD_VAULT_FACTORY, ADMIN_SLOT)?);
                let has = c.role.is_zero() && c.account == admin && !admin.is_zero();
                IRewardVaultFactory::hasRoleCall::abi_encode_returns(&has)
            }
            F::createRewardVault(c) => {
                write_guard(&call, is_static, false)?;
                let vault = create_vault(host, c.stakingToken)?;
                IRewardVaultFactory::createRewardVaultCall::abi_encode_returns(&vault)
            }
            F::getVault(c) => {
                view_guard(&call)?;
                host.charge_mapping_key()?;
                let slot = address_slot(c.stakingToken, VAULTS_BY_TOKEN);
                let vault = word_address(host.sload(REWARD_VAULT_FACTORY, slot)?);
                IRewardVaultFactory::getVaultCall::abi_encode_returns(&vault)
            }
            F::predictRewardVaultAddress(c) => {
                view_guard(&call)?;
                host.charge_mapping_key()?;
                let slot = address_slot(c.stakingToken, VAULTS_BY_TOKEN);
                let existing = word_address(host.sload(REWARD_VAULT_FACTORY, slot)?);
                let vault = if existing.is_zero() {
                    let count: u64 = host
                        .sload(REWARD_VAULT_FACTORY, VAULT_COUNT_SLOT)?
                        .saturating_to();
                    reward_vault_address(count + 1)
                } else {
                    existing
                };
                IRewardVaultFactory::predictRewardVaultAddressCall::abi_encode_returns(&vault)
            }
            F::allVaults(c) => {
                view_guard(&call)?;
                let count = host.sload(REWARD_VAULT_FACTORY, VAULT_COUNT_SLOT)?;
                if c.index >= count {
                    return Err(empty_revert());
                }
                let index: u64 = c.index.saturating_to();
                IRewardVaultFactory::allVaultsCall::abi_encode_returns(&reward_vault_address(
                    index + 1,
                ))
            }
            F::allVaultsLength(_) => {
                view_guard(&call)?;
                let count = host.sload(REWARD_VAULT_FACTORY, VAULT_COUNT_SLOT)?;
                IRewardVaultFactory::allVaultsLengthCall::abi_encode_returns(&count)
            }
            F::distributor(_) => {
                view_guard(&call)?;
                IRewardVaultFactory::distributorCall::abi_encode_returns(&POL_DISTRIBUTOR)
            }
            F::beaconDepositContract(_) => {
                view_guard(&call)?;
                IRewardVaultFactory::beaconDepositContractCall::abi_encode_returns(&BEACON_DEPOSIT)
            }
            F::incentiveTokensCollector(_) => {
                view_guard(&call)?;
                IRewardVaultFactory::incentiveTokensCollectorCall::abi_encode_returns(
                    &INCENTIVES_COLLECTOR,
                )
            }
        })
    })
}

/// `createRewardVault(stakingToken)`: the token's vault, created on first request (anyone may
/// create one; only whitelisted vaults receive emissions).
fn create_vault(host: &mut EvmHost<'_, '_>, stake_token: Address) -> Result<Address, PoolError> {
    if stake_token.is_zero() {
        return Err(sol_revert(IRewardVaultFactory::ZeroAddress {}));
    }
    host.charge_mapping_key()?;
    let slot = address_slot(stake_token, VAULTS_BY_TOKEN);
    let existing = word_address(host.sload(REWARD_VAULT_FACTORY, slot)?);
    if !existing.is_zero() {
        return Ok(existing);
    }
    let count: u64 = host
        .sload(REWARD_VAULT_FACTORY, VAULT_COUNT_SLOT)?
        .saturating_to();
    let vault = reward_vault_address(count + 1);
    host.mark_contract(vault)?;
    host.sstore(vault, STAKE_TOKEN_SLOT, address_word(stake_token))?;
    host.sstore(
        REWARD_VAULT_FACTORY,
        VAULT_COUNT_SLOT,
        U256::from(count + 1),
    )?;
    host.sstore(REWARD_VAULT_FACTORY, slot, address_word(vault))?;
    host.log(Log {
        address: REWARD_VAULT_FACTORY,
        data: IRewardVaultFactory::VaultCreated {
            stakingToken: stake_token,
            vault,
        }
        .encode_log_data(),
    })?;
    Ok(vault)
}

/// A whitelisted token's incentive, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Incentive {
    min_rate: U256,
    rate: U256,
    remaining: U256,
    manager: Address,
}

fn incentive_base(host: &mut EvmHost<'_, '_>, token: Address) -> Result<U256, HostError> {
    host.charge_mapping_key()?;
    Ok(address_slot(token, INCENTIVES))
}

fn load_incentive(
    host: &mut EvmHost<'_, '_>,
    vault: Address,
    base: U256,
) -> Result<Incentive, HostError> {
    Ok(Incentive {
        min_rate: host.sload(vault, base)?,
        rate: host.sload(vault, base + U256::from(1))?,
        remaining: host.sload(vault, base + U256::from(2))?,
        manager: word_address(host.sload(vault, base + U256::from(3))?),
    })
}

fn tokens(host: &mut EvmHost<'_, '_>, vault: Address) -> Result<Vec<Address>, HostError> {
    let count: u64 = host.sload(vault, TOKEN_COUNT_SLOT)?.saturating_to();
    (0..count.min(MAX_INCENTIVE_TOKENS))
        .map(|i| {
            Ok(word_address(
                host.sload(vault, U256::from(TOKENS_SLOT + i))?,
            ))
        })
        .collect()
}

fn emit(host: &mut EvmHost<'_, '_>, vault: Address, event: impl SolEvent) -> Result<(), HostError> {
    host.log(Log {
        address: vault,
        data: event.encode_log_data(),
    })
}

/// Whether a token call succeeded the way SafeERC20 accepts: no revert, and either no return
/// data (from a contract) or an ABI `true`.
fn token_call_ok<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    token: Address,
    status: CallStatus,
) -> Result<bool, PoolError> {
    Ok(match status {
        CallStatus::Success(out) if out.is_empty() => frame.has_code(token)?,
        CallStatus::Success(out) => {
            out.len() >= 32 && U256::from_be_slice(&out[..32]) == U256::from(1)
        }
        CallStatus::Revert(_) | CallStatus::Halt => false,
    })
}

/// One call to the reward vault at `vault`.
pub(crate) fn vault_call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    vault: Address,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = V::abi_decode(data).map_err(|_| empty_revert())?;
    let is_static = frame.is_static();
    let caller = call.caller;
    Ok(match decoded {
        V::stakeToken(_) => {
            view_guard(&call)?;
            let token =
                frame.with_host(|host| Ok(word_address(host.sload(vault, STAKE_TOKEN_SLOT)?)))?;
            IRewardVault::stakeTokenCall::abi_encode_returns(&token)
        }
        V::rewardToken(_) => {
            view_guard(&call)?;
            IRewardVault::rewardTokenCall::abi_encode_returns(&WBERA)
        }
        V::distributor(_) => {
            view_guard(&call)?;
            IRewardVault::distributorCall::abi_encode_returns(&POL_DISTRIBUTOR)
        }
        V::factory(_) => {
            view_guard(&call)?;
            IRewardVault::factoryCall::abi_encode_returns(&REWARD_VAULT_FACTORY)
        }
        V::beaconDepositContract(_) => {
            view_guard(&call)?;
            IRewardVault::beaconDepositContractCall::abi_encode_returns(&BEACON_DEPOSIT)
        }
        V::maxIncentiveTokensCount(_) => {
            view_guard(&call)?;
            IRewardVault::maxIncentiveTokensCountCall::abi_encode_returns(
                &(MAX_INCENTIVE_TOKENS as u8),
            )
        }
        V::undistributedRewards(_) => {
            view_guard(&call)?;
            let amount = frame.with_host(|host| Ok(host.sload(vault, UNDISTRIBUTED_SLOT)?))?;
            IRewardVault::undistributedRewardsCall::abi_encode_returns(&amount)
        }
        V::getWhitelistedTokens(_) => {
            view_guard(&call)?;
            let list = frame.with_host(|host| Ok(tokens(host, vault)?))?;
            IRewardVault::getWhitelistedTokensCall::abi_encode_returns(&list)
        }
        V::getWhitelistedTokensCount(_) => {
            view_guard(&call)?;
            let count = frame.with_host(|host| Ok(host.sload(vault, TOKEN_COUNT_SLOT)?))?;
            IRewardVault::getWhitelistedTokensCountCall::abi_encode_returns(&count)
        }
        V::whitelistedTokens(c) => {
            view_guard(&call)?;
            let list = frame.with_host(|host| Ok(tokens(host, vault)?))?;
            let index: usize = c.index.try_into().map_err(|_| empty_revert())?;
            let token = list.get(index).copied().ok_or_else(empty_revert)?;
            IRewardVault::whitelistedTokensCall::abi_encode_returns(&token)
        }
        V::incentives(c) => {
            view_guard(&call)?;
            let i = frame.with_host(|host| {
                let base = incentive_base(host, c.token)?;
                Ok(load_incentive(host, vault, base)?)
            })?;
            IRewardVault::incentivesCall::abi_encode_returns(&IRewardVault::incentivesReturn {
                minIncentiveRate: i.min_rate,
                incentiveRate: i.rate,
                amountRemaining: i.remaining,
                manager: i.manager,
            })
        }
        V::whitelistIncentiveToken(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| {
                admin_check(host, caller)?;
                whitelist(host, vault, c.token, c.minIncentiveRate, c.manager)
            })?;
            Vec::new()
        }
        V::addIncentive(c) => {
            write_guard(&call, is_static, false)?;
            add_incentive(frame, vault, caller, c.token, c.amount, c.incentiveRate)?;
            Vec::new()
        }
        V::notifyRewardAmount(c) => {
            write_guard(&call, is_static, false)?;
            if caller != POL_DISTRIBUTOR {
                return Err(sol_revert(IRewardVault::NotDistributor {}));
            }
            notify_reward_amount(frame, vault, &c.pubkey, c.reward)?;
            Vec::new()
        }
    })
}

fn whitelist(
    host: &mut EvmHost<'_, '_>,
    vault: Address,
    token: Address,
    min_rate: U256,
    manager: Address,
) -> Result<(), PoolError> {
    if min_rate.is_zero() {
        return Err(sol_revert(IRewardVault::MinIncentiveRateIsZero {}));
    }
    if min_rate > MAX_INCENTIVE_RATE {
        return Err(sol_revert(IRewardVault::IncentiveRateTooHigh {}));
    }
    if token.is_zero() || manager.is_zero() {
        return Err(sol_revert(IRewardVault::ZeroAddress {}));
    }
    let base = incentive_base(host, token)?;
    let existing = load_incentive(host, vault, base)?;
    let count: u64 = host.sload(vault, TOKEN_COUNT_SLOT)?.saturating_to();
    if !existing.min_rate.is_zero() || count >= MAX_INCENTIVE_TOKENS {
        return Err(sol_revert(
            IRewardVault::TokenAlreadyWhitelistedOrLimitReached {},
        ));
    }
    host.sstore(vault, base, min_rate)?;
    host.sstore(vault, base + U256::from(1), min_rate)?;
    host.sstore(vault, base + U256::from(3), address_word(manager))?;
    host.sstore(vault, U256::from(TOKENS_SLOT + count), address_word(token))?;
    host.sstore(vault, TOKEN_COUNT_SLOT, U256::from(count + 1))?;
    emit(
        host,
        vault,
        IRewardVault::IncentiveTokenWhitelisted {
            token,
            minIncentiveRate: min_rate,
            manager,
        },
    )?;
    Ok(())
}

/// `addIncentive`: the manager funds `amount` of `token` at `rate` tokens per 10¹⁸ WBERA of
/// emission. The rate may rise at any time and fall only once the previous incentive ran out.
fn add_incentive<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    vault: Address,
    caller: Address,
    token: Address,
    amount: U256,
    rate: U256,
) -> Result<(), PoolError> {
    let (base, incentive) = frame.with_host(|host| {
        let base = incentive_base(host, token)?;
        Ok((base, load_incentive(host, vault, base)?))
    })?;
    if incentive.min_rate.is_zero() {
        return Err(sol_revert(IRewardVault::TokenNotWhitelisted {}));
    }
    if incentive.manager != caller {
        return Err(sol_revert(IRewardVault::NotIncentiveManager {}));
    }
    if rate > MAX_INCENTIVE_RATE {
        return Err(sol_revert(IRewardVault::IncentiveRateTooHigh {}));
    }
    if amount < incentive.min_rate {
        return Err(sol_revert(IRewardVault::AmountLessThanMinIncentiveRate {}));
    }
    if rate < incentive.min_rate || (rate < incentive.rate && !incentive.remaining.is_zero()) {
        return Err(sol_revert(IRewardVault::InvalidIncentiveRate {}));
    }
    let pull = IERC20::transferFromCall {
        from: caller,
        to: vault,
        value: amount,
    }
    .abi_encode();
    let status = frame.call(CallKind::Call, token, U256::ZERO, pull.into())?;
    if let CallStatus::Revert(data) = &status {
        return Err(PoolError::Host(HostError::Revert(data.to_vec())));
    }
    if !token_call_ok(frame, token, status)? {
        return Err(empty_revert());
    }
    frame.with_host(|host| {
        let remaining = incentive
            .remaining
            .checked_add(amount)
            .ok_or_else(empty_revert)?;
        host.sstore(vault, base + U256::from(1), rate)?;
        host.sstore(vault, base + U256::from(2), remaining)?;
        emit(
            host,
            vault,
            IRewardVault::IncentiveAdded {
                token,
                sender: caller,
                amount,
                incentiveRate: rate,
            },
        )?;
        Ok(())
    })
}

/// `notifyRewardAmount`: the vault pulls its share of the emission, then pays the incentives.
fn notify_reward_amount<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    vault: Address,
    pubkey: &Bytes,
    reward: U256,
) -> Result<(), PoolError> {
    let pull = IWBERA::transferFromCall {
        from: POL_DISTRIBUTOR,
        to: vault,
        amount: reward,
    }
    .abi_encode();
    frame
        .call(CallKind::Call, WBERA, U256::ZERO, pull.into())?
        .bubble()?;
    let (operator, list) = frame.with_host(|host| {
        let undistributed = host.sload(vault, UNDISTRIBUTED_SLOT)?;
        let raised = undistributed.checked_add(reward).ok_or_else(empty_revert)?;
        host.sstore(vault, UNDISTRIBUTED_SLOT, raised)?;
        emit(host, vault, IRewardVault::RewardAdded { reward })?;
        let operator = crate::system::beacon_deposit::operator_of_bytes(host, pubkey)?;
        Ok((operator, tokens(host, vault)?))
    })?;
    for token in list {
        process_incentive(frame, vault, pubkey, reward, operator, token)?;
    }
    Ok(())
}

/// `_processIncentives` for one token.
fn process_incentive<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    vault: Address,
    pubkey: &Bytes,
    emitted: U256,
    operator: Address,
    token: Address,
) -> Result<(), PoolError> {
    let (base, incentive, share, amount) = frame.with_host(|host| {
        let base = incentive_base(host, token)?;
        let incentive = load_incentive(host, vault, base)?;
        let owed = emitted
            .checked_mul(incentive.rate)
            .ok_or_else(empty_revert)?
            / PRECISION;
        let amount = owed.min(incentive.remaining);
        let share = if amount.is_zero() {
            U256::ZERO
        } else {
            super::berachef::incentive_share(host, pubkey, amount)?
        };
        Ok((base, incentive, share, amount))
    })?;
    if amount.is_zero() {
        return Ok(());
    }
    let mut remaining = incentive.remaining;
    let topic = keccak256(pubkey);
    let parts = [
        (operator, share, true),
        (INCENTIVES_COLLECTOR, amount - share, false),
    ];
    for (to, part, commission) in parts {
        if part.is_zero() {
            continue;
        }
        let transfer = IERC20::transferCall { to, value: part }.abi_encode();
        let status = frame.call_with_gas_cap(
            CallKind::Call,
            token,
            U256::ZERO,
            transfer.into(),
            TRANSFER_GAS_LIMIT,
        )?;
        let ok = token_call_ok(frame, token, status)?;
        if ok {
            remaining -= part;
        }
        frame.with_host(|host| {
            let (pubkey, amount) = (topic, part);
            match (commission, ok) {
                (true, true) => emit(
                    host,
                    vault,
                    IRewardVault::IncentivesProcessed {
                        pubkey,
                        token,
                        bgtEmitted: emitted,
                        amount,
                    },
                )?,
                (true, false) => emit(
                    host,
                    vault,
                    IRewardVault::IncentivesProcessFailed {
                        pubkey,
                        token,
                        bgtEmitted: emitted,
                        amount,
                    },
                )?,
                (false, true) => emit(
                    host,
                    vault,
                    IRewardVault::IncentivesCollected {
                        pubkey,
                        token,
                        bgtEmitted: emitted,
                        amount,
                    },
                )?,
                (false, false) => emit(
                    host,
                    vault,
                    IRewardVault::IncentivesCollectFailed {
                        pubkey,
                        token,
                        bgtEmitted: emitted,
                        amount,
                    },
                )?,
            }
            Ok(())
        })?;
    }
    frame.with_host(|host| Ok(host.sstore(vault, base + U256::from(2), remaining)?))
}

/// Genesis storage of one account: slot and value pairs.
pub(crate) type SlotValues = Vec<(U256, U256)>;

/// The factory's and the first vault's genesis storage: `admin` administers the factory, and
/// vault 1 exists for `stake_token` (the dev chain's default allocation points at it).
pub(crate) fn genesis_storage(admin: Address, stake_token: Address) -> (SlotValues, SlotValues) {
    let factory = vec![
        (ADMIN_SLOT, address_word(admin)),
        (VAULT_COUNT_SLOT, U256::from(1)),
        (
            address_slot(stake_token, VAULTS_BY_TOKEN),
            address_word(reward_vault_address(1)),
        ),
    ];
    let vault = vec![(STAKE_TOKEN_SLOT, address_word(stake_token))];
    (factory, vault)
}

/// A vault's genesis storage for `tokens` whitelisted, each at the lowest rate (1 token per
/// WBERA) with `manager` managing it and nothing funded yet.
pub(crate) fn genesis_incentives(manager: Address, tokens: &[Address]) -> Vec<(U256, U256)> {
    let count = tokens.len().min(MAX_INCENTIVE_TOKENS as usize);
    let mut storage = vec![(TOKEN_COUNT_SLOT, U256::from(count))];
    for (i, token) in tokens.iter().take(count).enumerate() {
        let base = address_slot(*token, INCENTIVES);
        storage.push((U256::from(TOKENS_SLOT + i as u64), address_word(*token)));
        storage.push((base, PRECISION));
        storage.push((base + U256::from(1), PRECISION));
        storage.push((base + U256::from(3), address_word(manager)));
    }
    storage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_incentive_rate_cap_is_ten_to_the_thirty_six() {
        assert_eq!(MAX_INCENTIVE_RATE, U256::from(10).pow(U256::from(36)));
    }
}
