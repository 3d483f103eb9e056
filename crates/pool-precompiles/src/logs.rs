//! Events as logs: each pool-system [`Event`] encoded as the official event of the contract
//! that emits it.

use alloy_primitives::{Address, Bytes, Log, LogData};
use alloy_sol_types::SolEvent;
use berapool_pool_state::Event;

use crate::abi::{
    IAccessControl, IIncentiveCollector, IRecoverERC20, ISmartOperator, IStakingPool,
    IStakingPoolContractsFactory, IStakingRewardsVault, IWithdrawalVault,
};

fn bytes(b: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(b.as_ref())
}

/// The log of `event` emitted by `emitter`.
pub fn event_log(emitter: Address, event: &Event) -> Log {
    use Event as E;
    let data: LogData = match event.clone() {
        E::ActiveThresholdReached => IStakingPool::ActiveThresholdReached {}.encode_log_data(),
        E::DepositSubmitted {
            receiver,
            user_deposit_amount,
            shares,
            rewards_collected,
            buffered_assets,
            total_deposits,
        } => IStakingPool::DepositSubmitted {
            receiver,
            userDepositAmount: user_deposit_amount,
            shares,
            rewardsCollected: rewards_collected,
            bufferedAssets: buffered_assets,
            totalDeposits: total_deposits,
        }
        .encode_log_data(),
        E::FullExitTriggered => IStakingPool::FullExitTriggered {}.encode_log_data(),
        E::MaxCapacityReached { pubkey } => IStakingPool::MaxCapacityReached {
            pubkey: bytes(pubkey),
        }
        .encode_log_data(),
        E::MinEffectiveBalanceUpdated {
            new_min_effective_balance,
        } => IStakingPool::MinEffectiveBalanceUpdated {
            newMinEffectiveBalance: new_min_effective_balance,
        }
        .encode_log_data(),
        E::StakingPoolActivated => IStakingPool::StakingPoolActivated {}.encode_log_data(),
        E::WberaDepositedToPool { amount } => {
            ISmartOperator::WBERADepositedToPool { amount }.encode_log_data()
        }
        E::WberaSentToWithdrawalVault { amount } => {
            ISmartOperator::WBERASentToWithdrawalVault { amount }.encode_log_data()
        }
        E::WberaBurnt { owner, amount } => crate::abi::IWBERA::Transfer {
            from: owner,
            to: Address::ZERO,
            amount,
        }
        .encode_log_data(),
        E::StakingRewardsReceived { amount } => {
            IStakingPool::StakingRewardsReceived { amount }.encode_log_data()
        }
        E::TotalDepositsUpdated { new_total_deposits } => IStakingPool::TotalDepositsUpdated {
            newTotalDeposits: new_total_deposits,
        }
        .encode_log_data(),
        E::SharesMinted { to, amount } => {
            IStakingPool::SharesMinted { to, amount }.encode_log_data()
        }
        E::SharesBurned { from, amount } => {
            IStakingPool::SharesBurned { from, amount }.encode_log_data()
        }
        E::SharesTransfer { from, to, value } => {
            IStakingPool::Transfer { from, to, value }.encode_log_data()
        }
        E::SharesApproval {
            owner,
            spender,
            value,
        } => IStakingPool::Approval {
            owner,
            spender,
            value,
        }
        .encode_log_data(),
        E::Paused { account } => IStakingPool::Paused { account }.encode_log_data(),
        E::Unpaused { account } => IStakingPool::Unpaused { account }.encode_log_data(),
        E::OwnershipTransferStarted {
            previous_owner,
            new_owner,
        } => IStakingPool::OwnershipTransferStarted {
            previousOwner: previous_owner,
            newOwner: new_owner,
        }
        .encode_log_data(),
        E::OwnershipTransferred {
            previous_owner,
            new_owner,
        } => IStakingPool::OwnershipTransferred {
            previousOwner: previous_owner,
            newOwner: new_owner,
        }
        .encode_log_data(),
        E::RoleGranted {
            role,
            account,
            sender,
        } => IAccessControl::RoleGranted {
            role,
            account,
            sender,
        }
        .encode_log_data(),
        E::RoleRevoked {
            role,
            account,
            sender,
        } => IAccessControl::RoleRevoked {
            role,
            account,
            sender,
        }
        .encode_log_data(),
        E::ProtocolFeePercentageSet {
            protocol_fee_percentage,
        } => ISmartOperator::ProtocolFeePercentageSet {
            protocolFeePercentage: alloy_primitives::Uint::<96, 2>::from(protocol_fee_percentage),
        }
        .encode_log_data(),
        E::FeePercentageSet {
            old_value,
            new_value,
        } => IIncentiveCollector::FeePercentageSet {
            oldValue: alloy_primitives::Uint::<96, 2>::from(old_value),
            newValue: alloy_primitives::Uint::<96, 2>::from(new_value),
        }
        .encode_log_data(),
        E::IncentiveTokenClaimed {
            from,
            token,
            amount,
        } => IIncentiveCollector::IncentiveTokenClaimed {
            from,
            token,
            amount,
        }
        .encode_log_data(),
        E::IncentiveTokensClaimed {
            from,
            payout_amount,
            fee,
        } => IIncentiveCollector::IncentiveTokensClaimed {
            from,
            payoutAmount: payout_amount,
            fee,
        }
        .encode_log_data(),
        E::PayoutAmountSet {
            old_value,
            new_value,
        } => IIncentiveCollector::PayoutAmountSet {
            oldValue: old_value,
            newValue: new_value,
        }
        .encode_log_data(),
        E::QueuedPayoutAmount {
            new_payout_amount,
            old_payout_amount,
        } => IIncentiveCollector::QueuedPayoutAmount {
            newPayoutAmount: new_payout_amount,
            oldPayoutAmount: old_payout_amount,
        }
        .encode_log_data(),
        E::Donated { donor, amount } => {
            IIncentiveCollector::Donated { donor, amount }.encode_log_data()
        }
        E::Erc20Recovered { token, to, amount } => {
            IRecoverERC20::ERC20Recovered { token, to, amount }.encode_log_data()
        }
        E::RewardsReceived { amount } => {
            IStakingRewardsVault::RewardsReceived { amount }.encode_log_data()
        }
        E::RewardsWithdrawn { amount } => {
            IStakingRewardsVault::RewardsWithdrawn { amount }.encode_log_data()
        }
        E::WithdrawalRequested {
            user,
            amount_of_asset,
            amount_of_shares,
            request_id,
            is_full_exit_withdraw,
        } => IWithdrawalVault::WithdrawalRequested {
            user,
            amountOfAsset: amount_of_asset,
            amountOfShares: amount_of_shares,
            requestId: request_id,
            isFullExitWithdraw: is_full_exit_withdraw,
        }
        .encode_log_data(),
        E::WithdrawalRequestFinalized { request_id } => {
            IWithdrawalVault::WithdrawalRequestFinalized {
                requestId: request_id,
            }
            .encode_log_data()
        }
        E::ElWithdrawalTriggered {
            pubkey,
            amount,
            fee,
        } => IWithdrawalVault::ELWithdrawalTriggered {
            pubkey: bytes(pubkey),
            amount,
            fee,
        }
        .encode_log_data(),
        E::OverpaidFeeRefunded { receiver, amount } => {
            IWithdrawalVault::OverpaidFeeRefunded { receiver, amount }.encode_log_data()
        }
        E::OverdueWithdrawalsSettled { pubkey, amount } => {
            IWithdrawalVault::OverdueWithdrawalsSettled {
                pubkey: bytes(pubkey),
                amount,
            }
            .encode_log_data()
        }
        E::PartialWithdrawalRetried { pubkey, amount } => {
            IWithdrawalVault::PartialWithdrawalRetried {
                pubkey: bytes(pubkey),
                amount,
            }
            .encode_log_data()
        }
        E::FullExitRequestRetried { pubkey } => IWithdrawalVault::FullExitRequestRetried {
            pubkey: bytes(pubkey),
        }
        .encode_log_data(),
        E::RequestTransfer { from, to, token_id } => IWithdrawalVault::Transfer {
            from,
            to,
            tokenId: token_id,
        }
        .encode_log_data(),
        E::StakingPoolContractsDeployed {
            smart_operator,
            staking_pool,
            staking_rewards_vault,
            incentive_collector,
        } => IStakingPoolContractsFactory::StakingPoolContractsDeployed {
            smartOperator: smart_operator,
            stakingPool: staking_pool,
            stakingRewardsVault: staking_rewards_vault,
            incentiveCollector: incentive_collector,
        }
        .encode_log_data(),
        E::FactoryStakingPoolActivated { staking_pool } => {
            IStakingPoolContractsFactory::StakingPoolActivated {
                stakingPool: staking_pool,
            }
            .encode_log_data()
        }
    };
    Log {
        address: emitter,
        data,
    }
}
