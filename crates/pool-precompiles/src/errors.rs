//! Errors as revert data: each [`PoolError`] encoded as the official custom error of the same
//! name and fields.

use alloy_sol_types::SolError;
use berapool_pool_state::PoolError;

use crate::abi::{
    IAccessControl, IBerapool, IIncentiveCollector, ISmartOperator, IStakingPool,
    IStakingPoolContractsFactory, IWithdrawalVault,
};

/// The ABI-encoded custom error for `error`; empty for environment failures that carry none.
pub fn revert_data(error: &PoolError) -> Vec<u8> {
    use PoolError as P;
    match error.clone() {
        P::AddressZero => IStakingPool::AddressZero {}.abi_encode(),
        P::EnforcedPause => IStakingPool::EnforcedPause {}.abi_encode(),
        P::ExpectedPause => IStakingPool::ExpectedPause {}.abi_encode(),
        P::InsufficientShares => IStakingPool::InsufficientShares {}.abi_encode(),
        P::InvalidAmount => IStakingPool::InvalidAmount {}.abi_encode(),
        P::InvalidMinEffectiveBalance => IStakingPool::InvalidMinEffectiveBalance {}.abi_encode(),
        P::InvalidSender { sender, expected } => {
            IStakingPool::InvalidSender { sender, expected }.abi_encode()
        }
        P::OwnableInvalidOwner { owner } => {
            IStakingPool::OwnableInvalidOwner { owner }.abi_encode()
        }
        P::OwnableUnauthorizedAccount { account } => {
            IStakingPool::OwnableUnauthorizedAccount { account }.abi_encode()
        }
        P::StakingPoolAlreadyActivated => IStakingPool::StakingPoolAlreadyActivated {}.abi_encode(),
        P::StakingPoolFullExited => IStakingPool::StakingPoolFullExited {}.abi_encode(),
        P::WithdrawalNotAllowed => IStakingPool::WithdrawalNotAllowed {}.abi_encode(),
        P::AccessControlBadConfirmation => {
            IAccessControl::AccessControlBadConfirmation {}.abi_encode()
        }
        P::AccessControlUnauthorizedAccount {
            account,
            needed_role,
        } => IAccessControl::AccessControlUnauthorizedAccount {
            account,
            neededRole: needed_role,
        }
        .abi_encode(),
        P::InvalidProtocolFeePercentage => {
            ISmartOperator::InvalidProtocolFeePercentage {}.abi_encode()
        }
        P::StakingPoolIsFullyExited => ISmartOperator::StakingPoolIsFullyExited {}.abi_encode(),
        P::ZeroAddress => ISmartOperator::ZeroAddress {}.abi_encode(),
        P::ElWithdrawalTriggerFailed => IWithdrawalVault::ELWithdrawalTriggerFailed {}.abi_encode(),
        P::FeeRequestFailed => IWithdrawalVault::FeeRequestFailed {}.abi_encode(),
        P::InsufficientFee => IWithdrawalVault::InsufficientFee {}.abi_encode(),
        P::InvalidSenderBare => IWithdrawalVault::InvalidSender {}.abi_encode(),
        P::NonTransferable => IWithdrawalVault::NonTransferable {}.abi_encode(),
        P::NotEnoughFunds => IWithdrawalVault::NotEnoughFunds {}.abi_encode(),
        P::OverpaidFee => IWithdrawalVault::OverpaidFee {}.abi_encode(),
        P::NotFullyExited => IWithdrawalVault::NotFullyExited {}.abi_encode(),
        P::PendingWithdrawalInFlight => IWithdrawalVault::PendingWithdrawalInFlight {}.abi_encode(),
        P::NoOverdueWithdrawal => IWithdrawalVault::NoOverdueWithdrawal {}.abi_encode(),
        P::RequestNotReady => IWithdrawalVault::RequestNotReady {}.abi_encode(),
        P::Erc721NonexistentToken { token_id } => {
            IWithdrawalVault::ERC721NonexistentToken { tokenId: token_id }.abi_encode()
        }
        P::Erc721OutOfBoundsIndex { owner, index } => {
            IWithdrawalVault::ERC721OutOfBoundsIndex { owner, index }.abi_encode()
        }
        P::Erc721InvalidOwner { owner } => {
            IWithdrawalVault::ERC721InvalidOwner { owner }.abi_encode()
        }
        P::IndexOutOfRange => IStakingPoolContractsFactory::IndexOutOfRange {}.abi_encode(),
        P::InvalidAddress => IStakingPoolContractsFactory::InvalidAddress {}.abi_encode(),
        P::InvalidFirstDepositAmount => {
            IStakingPoolContractsFactory::InvalidFirstDepositAmount {}.abi_encode()
        }
        P::InvalidInitialDepositAmount => {
            IStakingPoolContractsFactory::InvalidInitialDepositAmount {}.abi_encode()
        }
        P::InvalidOperator => IStakingPoolContractsFactory::InvalidOperator {}.abi_encode(),
        P::InvalidTimestamp => IStakingPoolContractsFactory::InvalidTimestamp {}.abi_encode(),
        P::InvalidValidatorPubkeyLength => {
            IStakingPoolContractsFactory::InvalidValidatorPubkeyLength {}.abi_encode()
        }
        P::InvalidWithdrawalCredentials => {
            IStakingPoolContractsFactory::InvalidWithdrawalCredentials {}.abi_encode()
        }
        P::OperatorAlreadySet => IStakingPoolContractsFactory::OperatorAlreadySet {}.abi_encode(),
        P::InvalidInitialization => {
            IStakingPoolContractsFactory::InvalidInitialization {}.abi_encode()
        }
        P::UnknownPool => IBerapool::UnknownPool {}.abi_encode(),
        P::PoolIdCollision => IBerapool::PoolIdCollision {}.abi_encode(),
        P::ValidatorIndexTaken { validator_index } => IBerapool::ValidatorIndexTaken {
            validatorIndex: validator_index,
        }
        .abi_encode(),
        P::StaleReport {
            timestamp,
            last_applied,
        } => IBerapool::StaleReport {
            timestamp,
            lastApplied: last_applied,
        }
        .abi_encode(),
        P::DepositIndexNotProven => IBerapool::DepositIndexNotProven {}.abi_encode(),
        P::UnknownBeaconTimestamp { timestamp } => {
            IBerapool::UnknownBeaconTimestamp { timestamp }.abi_encode()
        }
        P::Erc20InsufficientBalance {
            sender,
            balance,
            needed,
        } => IStakingPool::ERC20InsufficientBalance {
            sender,
            balance,
            needed,
        }
        .abi_encode(),
        P::Erc20InsufficientAllowance {
            spender,
            allowance,
            needed,
        } => IStakingPool::ERC20InsufficientAllowance {
            spender,
            allowance,
            needed,
        }
        .abi_encode(),
        P::Erc20InvalidReceiver { receiver } => {
            IStakingPool::ERC20InvalidReceiver { receiver }.abi_encode()
        }
        P::Erc20InvalidSpender { spender } => {
            IStakingPool::ERC20InvalidSpender { spender }.abi_encode()
        }
        P::ValueOverflow => IBerapool::ValueOverflow {}.abi_encode(),
        P::IncorrectPayoutAmount => IIncentiveCollector::IncorrectPayoutAmount {}.abi_encode(),
        P::PayoutAmountIsZero => IIncentiveCollector::PayoutAmountIsZero {}.abi_encode(),
        P::NodeIsFullyExited => IIncentiveCollector::NodeIsFullyExited {}.abi_encode(),
        P::SafeErc20FailedOperation { token } => {
            IIncentiveCollector::SafeERC20FailedOperation { token }.abi_encode()
        }
        P::ReentrancyGuardReentrantCall => IBerapool::ReentrancyGuardReentrantCall {}.abi_encode(),
        P::NativeCallDepthExceeded => IBerapool::NativeCallDepthExceeded {}.abi_encode(),
        P::NativeFrameRequired => IBerapool::NativeFrameRequired {}.abi_encode(),
        P::Host(berapool_pool_state::HostError::Revert(data)) => data,
        P::Host(_) => Vec::new(),
    }
}
