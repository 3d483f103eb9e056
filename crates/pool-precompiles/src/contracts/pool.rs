//! StakingPool and stBERA at `0x…b501‖id`.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{
    addresses::{ACCOUNTING_ORACLE, BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
    OwnershipStep, PoolError, PoolId, Pricing,
};

use super::{empty_revert, Dispatch};
use crate::abi::IStakingPool::{self, IStakingPoolCalls as C};

/// stBERA's ERC-20 name.
pub(crate) const NAME: &str = "Berapool Staked BERA";
/// stBERA's ERC-20 symbol.
pub(crate) const SYMBOL: &str = "stBERA";

pub(super) fn call(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: PoolId,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    // Plain value to the pool is `submit(msg.sender)`.
    if data.is_empty() {
        d.payable()?;
        d.sys.submit(d.host, &d.call, id, d.call.caller)?;
        return Ok(Vec::new());
    }
    let call = C::abi_decode(data).map_err(|_| empty_revert())?;
    if !matches!(call, C::submit(_) | C::receiveRewards(_)) {
        d.nonpayable()?;
    }
    let sys = d.sys;
    let params = &sys.params;
    let caller = d.call.caller;
    let plumbing = |expected: Address| PoolError::InvalidSender {
        sender: caller,
        expected,
    };
    let addrs = id.addresses();
    Ok(match call {
        // --- constants and views ---
        C::BEACON_DEPOSIT(_) => {
            IStakingPool::BEACON_DEPOSITCall::abi_encode_returns(&BEACON_DEPOSIT)
        }
        C::ENABLE_WITHDRAWAL_COOLDOWN_BLOCKS(_) => {
            IStakingPool::ENABLE_WITHDRAWAL_COOLDOWN_BLOCKSCall::abi_encode_returns(
                &params.withdrawal_cooldown_blocks,
            )
        }
        C::MAX_EFFECTIVE_BALANCE(_) => IStakingPool::MAX_EFFECTIVE_BALANCECall::abi_encode_returns(
            &params.max_effective_balance,
        ),
        C::MIN_CL_DEPOSIT_AMOUNT(_) => {
            IStakingPool::MIN_CL_DEPOSIT_AMOUNTCall::abi_encode_returns(&params.min_cl_deposit)
        }
        C::MIN_EFFECTIVE_BALANCE(_) => IStakingPool::MIN_EFFECTIVE_BALANCECall::abi_encode_returns(
            &params.min_effective_balance,
        ),
        C::decimals(_) => IStakingPool::decimalsCall::abi_encode_returns(&18u8),
        C::name(_) => IStakingPool::nameCall::abi_encode_returns(&NAME.to_string()),
        C::symbol(_) => IStakingPool::symbolCall::abi_encode_returns(&SYMBOL.to_string()),
        C::activeThresholdReached(_) => {
            IStakingPool::activeThresholdReachedCall::abi_encode_returns(
                &sys.pool(d.host, id)?.active_threshold_reached(),
            )
        }
        C::isActive(_) => {
            IStakingPool::isActiveCall::abi_encode_returns(&sys.pool(d.host, id)?.is_active())
        }
        C::isFullyExited(_) => IStakingPool::isFullyExitedCall::abi_encode_returns(
            &sys.pool(d.host, id)?.is_fully_exited(),
        ),
        C::paused(_) => {
            IStakingPool::pausedCall::abi_encode_returns(&sys.pool(d.host, id)?.paused(params))
        }
        C::bufferedAssets(_) => IStakingPool::bufferedAssetsCall::abi_encode_returns(
            &sys.pool(d.host, id)?.buffered_assets,
        ),
        C::totalDeposits(_) => IStakingPool::totalDepositsCall::abi_encode_returns(
            &sys.pool(d.host, id)?.total_deposits,
        ),
        C::totalSupply(_) => {
            IStakingPool::totalSupplyCall::abi_encode_returns(&sys.pool(d.host, id)?.total_supply)
        }
        C::minEffectiveBalance(_) => IStakingPool::minEffectiveBalanceCall::abi_encode_returns(
            &sys.pool(d.host, id)?.min_effective_balance(params),
        ),
        C::validatorActivationBlock(_) => {
            IStakingPool::validatorActivationBlockCall::abi_encode_returns(&U256::from(
                sys.pool(d.host, id)?.validator_activation_block,
            ))
        }
        C::getValidatorPubkey(_) => IStakingPool::getValidatorPubkeyCall::abi_encode_returns(
            &Bytes::copy_from_slice(sys.pool(d.host, id)?.pubkey.as_slice()),
        ),
        C::owner(_) => {
            IStakingPool::ownerCall::abi_encode_returns(&sys.pool(d.host, id)?.ownership.owner)
        }
        C::pendingOwner(_) => IStakingPool::pendingOwnerCall::abi_encode_returns(
            &sys.pool(d.host, id)?.ownership.pending_owner,
        ),
        C::totalAssets(_) => {
            IStakingPool::totalAssetsCall::abi_encode_returns(&sys.total_assets(d.host, id)?)
        }
        // The share token's views read only what they return (registration comes from the
        // called contract's code), as an ERC-20's do.
        C::balanceOf(c) => IStakingPool::balanceOfCall::abi_encode_returns(&{
            sys.require_registered(d.host, id)?;
            berapool_pool_state::token::balance_of(d.host, id, c.account)?
        }),
        C::allowance(c) => IStakingPool::allowanceCall::abi_encode_returns(&{
            sys.require_registered(d.host, id)?;
            sys.allowance(d.host, id, c.owner, c.spender)?
        }),
        C::convertToShares(c) => IStakingPool::convertToSharesCall::abi_encode_returns(
            &price(d, id)?.convert_to_shares(c.assets)?,
        ),
        C::convertToAssets(c) => IStakingPool::convertToAssetsCall::abi_encode_returns(
            &price(d, id)?.convert_to_assets(c.shares)?,
        ),
        C::previewDeposit(c) => IStakingPool::previewDepositCall::abi_encode_returns(
            &price(d, id)?.preview_deposit(c.assets)?,
        ),
        C::previewMint(c) => IStakingPool::previewMintCall::abi_encode_returns(
            &price(d, id)?.preview_mint(c.shares)?,
        ),
        C::previewWithdraw(c) => IStakingPool::previewWithdrawCall::abi_encode_returns(
            &price(d, id)?.preview_withdraw(c.assets)?,
        ),
        C::previewRedeem(c) => IStakingPool::previewRedeemCall::abi_encode_returns(
            &price(d, id)?.preview_redeem(c.shares)?,
        ),

        // --- stakers ---
        C::submit(c) => {
            d.payable()?;
            IStakingPool::submitCall::abi_encode_returns(
                &sys.submit(d.host, &d.call, id, c.receiver)?,
            )
        }
        C::processRewards(_) => {
            d.write()?;
            sys.process_rewards(d.host, id)?;
            Vec::new()
        }
        C::transfer(c) => {
            d.write()?;
            sys.transfer_shares(d.host, &d.call, id, c.to, c.value)?;
            IStakingPool::transferCall::abi_encode_returns(&true)
        }
        C::approve(c) => {
            d.write()?;
            sys.approve_shares(d.host, &d.call, id, c.spender, c.value)?;
            IStakingPool::approveCall::abi_encode_returns(&true)
        }
        C::transferFrom(c) => {
            d.write()?;
            sys.transfer_shares_from(d.host, &d.call, id, c.from, c.to, c.value)?;
            IStakingPool::transferFromCall::abi_encode_returns(&true)
        }

        // --- owner ---
        C::pause(_) => {
            d.write()?;
            sys.pause(d.host, &d.call, id)?;
            Vec::new()
        }
        C::unpause(_) => {
            d.write()?;
            sys.unpause(d.host, &d.call, id)?;
            Vec::new()
        }
        C::transferOwnership(c) => ownership(d, id, OwnershipStep::Transfer(c.newOwner))?,
        C::acceptOwnership(_) => ownership(d, id, OwnershipStep::Accept)?,
        C::renounceOwnership(_) => ownership(d, id, OwnershipStep::Renounce)?,

        // --- sibling-contract plumbing: internal Rust calls here ---
        C::activate(_) => return Err(plumbing(FACTORY)),
        C::mintFeeShares(_) | C::setMinEffectiveBalance(_) => {
            return Err(plumbing(addrs.smart_operator))
        }
        C::notifyWithdrawalRequest(_) => return Err(plumbing(WITHDRAWAL_VAULT)),
        C::receiveRewards(_) => return Err(plumbing(addrs.staking_rewards_vault)),
        C::updateTotalDeposits(_) => return Err(plumbing(ACCOUNTING_ORACLE)),
    })
}

fn price(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: PoolId,
) -> Result<berapool_pool_state::SharePrice, PoolError> {
    let pool = d.sys.pool(d.host, id)?;
    Pricing::load(d.host, &pool, d.sys.native_wbera)?.price(&pool)
}

fn ownership(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: PoolId,
    step: OwnershipStep,
) -> Result<Vec<u8>, PoolError> {
    d.write()?;
    d.sys.pool_ownership(d.host, &d.call, id, step)?;
    Ok(Vec::new())
}
