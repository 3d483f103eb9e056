//! The events of the staking-pool contracts, as typed values. The EVM layer ABI-encodes each
//! into the official log of the contract that emits it; names and fields follow the ABIs.

use alloy_primitives::{Address, B256, U256};

use crate::addresses::Pubkey;

/// An event, emitted through [`Host::emit`](crate::Host::emit) with the emitting contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    // --- StakingPool / stBERA ---------------------------------------------------------------
    /// `ActiveThresholdReached()`
    ActiveThresholdReached,
    /// `DepositSubmitted(address indexed receiver, uint256 userDepositAmount, uint256 shares,
    /// uint256 rewardsCollected, uint256 bufferedAssets, uint256 totalDeposits)`
    DepositSubmitted {
        /// Who got the shares.
        receiver: Address,
        /// The part of `msg.value` kept (the rest was refunded).
        user_deposit_amount: U256,
        /// Shares minted to `receiver`.
        shares: U256,
        /// Rewards moved from the rewards vault into the buffer.
        rewards_collected: U256,
        /// Buffer after the call.
        buffered_assets: U256,
        /// `totalDeposits` after the call.
        total_deposits: U256,
    },
    /// `FullExitTriggered()`
    FullExitTriggered,
    /// `MaxCapacityReached(bytes pubkey)`
    MaxCapacityReached {
        /// The pool's validator.
        pubkey: Pubkey,
    },
    /// `MinEffectiveBalanceUpdated(uint256)`
    MinEffectiveBalanceUpdated {
        /// The new minimum.
        new_min_effective_balance: U256,
    },
    /// StakingPool's `StakingPoolActivated()`
    StakingPoolActivated,
    /// SmartOperator's `WBERADepositedToPool(uint256 amount)`: WBERA rewards unwrapped into
    /// the pool.
    WberaDepositedToPool {
        /// Wei of WBERA unwrapped.
        amount: U256,
    },
    /// SmartOperator's `WBERASentToWithdrawalVault(uint256 amount)`: WBERA unwrapped to the
    /// withdrawal vault (at the full exit's sweep).
    WberaSentToWithdrawalVault {
        /// Wei of WBERA unwrapped.
        amount: U256,
    },
    /// WBERA's `Transfer(owner, 0, amount)`: WBERA burnt by an unwrap.
    WberaBurnt {
        /// Whose WBERA.
        owner: Address,
        /// How much.
        amount: U256,
    },
    /// `StakingRewardsReceived(uint256 amount)`
    StakingRewardsReceived {
        /// Wei moved from the rewards vault to the pool.
        amount: U256,
    },
    /// `TotalDepositsUpdated(uint256 newTotalDeposits)`
    TotalDepositsUpdated {
        /// The new `totalDeposits`.
        new_total_deposits: U256,
    },
    /// `SharesMinted(address indexed to, uint256 amount)`
    SharesMinted {
        /// Receiver.
        to: Address,
        /// Shares.
        amount: U256,
    },
    /// `SharesBurned(address indexed from, uint256 amount)`
    SharesBurned {
        /// Holder.
        from: Address,
        /// Shares.
        amount: U256,
    },
    /// ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` of stBERA.
    SharesTransfer {
        /// Sender (zero on mint).
        from: Address,
        /// Receiver (zero on burn).
        to: Address,
        /// Shares.
        value: U256,
    },
    /// ERC-20 `Approval(address indexed owner, address indexed spender, uint256 value)`.
    SharesApproval {
        /// Holder.
        owner: Address,
        /// Spender.
        spender: Address,
        /// Allowance.
        value: U256,
    },

    // --- shared: Pausable, Ownable2Step, AccessControl ------------------------------------------
    /// `Paused(address account)`
    Paused {
        /// Who paused (the contract itself for automatic pauses).
        account: Address,
    },
    /// `Unpaused(address account)`
    Unpaused {
        /// Who unpaused (the contract itself for automatic unpauses).
        account: Address,
    },
    /// `OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)`
    OwnershipTransferStarted {
        /// Current owner.
        previous_owner: Address,
        /// Pending owner.
        new_owner: Address,
    },
    /// `OwnershipTransferred(address indexed previousOwner, address indexed newOwner)`
    OwnershipTransferred {
        /// Old owner.
        previous_owner: Address,
        /// New owner.
        new_owner: Address,
    },
    /// `RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)`
    RoleGranted {
        /// Role id.
        role: B256,
        /// Grantee.
        account: Address,
        /// Granter.
        sender: Address,
    },
    /// `RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)`
    RoleRevoked {
        /// Role id.
        role: B256,
        /// Account losing the role.
        account: Address,
        /// Revoker.
        sender: Address,
    },

    // --- SmartOperator ------------------------------------------------------------------------
    /// `ProtocolFeePercentageSet(uint96 protocolFeePercentage)`
    ProtocolFeePercentageSet {
        /// New fee in basis points.
        protocol_fee_percentage: u64,
    },

    // --- StakingRewardsVault ------------------------------------------------------------------
    /// `RewardsReceived(uint256 amount)`
    RewardsReceived {
        /// Wei received.
        amount: U256,
    },
    /// `RewardsWithdrawn(uint256 amount)`
    RewardsWithdrawn {
        /// Wei sent to the pool.
        amount: U256,
    },

    // --- IncentiveCollector -------------------------------------------------------------------
    /// `FeePercentageSet(uint96 oldValue, uint96 newValue)`: synced from the SmartOperator.
    FeePercentageSet {
        /// Previous fee, bps.
        old_value: u64,
        /// New fee, bps.
        new_value: u64,
    },
    /// `IncentiveTokenClaimed(address indexed from, address token, uint256 amount)`
    IncentiveTokenClaimed {
        /// The claimer.
        from: Address,
        /// The token sent to it.
        token: Address,
        /// Its whole balance, sent.
        amount: U256,
    },
    /// `IncentiveTokensClaimed(address indexed from, uint256 payoutAmount, uint256 fee)`
    IncentiveTokensClaimed {
        /// The claimer.
        from: Address,
        /// BERA it paid.
        payout_amount: U256,
        /// The protocol fee's part of it, taken as shares.
        fee: U256,
    },
    /// `PayoutAmountSet(uint256 oldValue, uint256 newValue)`
    PayoutAmountSet {
        /// Previous payout.
        old_value: U256,
        /// New payout.
        new_value: U256,
    },
    /// `QueuedPayoutAmount(uint256 newPayoutAmount, uint256 oldPayoutAmount)`
    QueuedPayoutAmount {
        /// The payout from the next claim on.
        new_payout_amount: U256,
        /// The payout until then.
        old_payout_amount: U256,
    },
    /// `Donated(address indexed donor, uint256 amount)`
    Donated {
        /// Who sent BERA to the collector.
        donor: Address,
        /// Wei forwarded to the rewards vault.
        amount: U256,
    },
    /// The vaults' `ERC20Recovered(address token, address to, uint256 amount)`
    Erc20Recovered {
        /// The token.
        token: Address,
        /// Receiver.
        to: Address,
        /// Amount sent.
        amount: U256,
    },

    // --- WithdrawalVault ----------------------------------------------------------------------
    /// `WithdrawalRequested(address indexed user, uint256 amountOfAsset, uint256 amountOfShares,
    /// uint256 requestId, bool isFullExitWithdraw)`
    WithdrawalRequested {
        /// Requester.
        user: Address,
        /// Wei requested.
        amount_of_asset: U256,
        /// Shares burnt.
        amount_of_shares: U256,
        /// Request (and token) id.
        request_id: U256,
        /// This request triggered the pool's full exit.
        is_full_exit_withdraw: bool,
    },
    /// `WithdrawalRequestFinalized(uint256 requestId)`
    WithdrawalRequestFinalized {
        /// Request id.
        request_id: U256,
    },
    /// `ELWithdrawalTriggered(bytes pubkey, uint64 amount, uint256 fee)`
    ElWithdrawalTriggered {
        /// Validator.
        pubkey: Pubkey,
        /// Gwei (0 = full exit).
        amount: u64,
        /// EIP-7002 fee paid.
        fee: U256,
    },
    /// `OverpaidFeeRefunded(address receiver, uint256 amount)`
    OverpaidFeeRefunded {
        /// Who gets the refund.
        receiver: Address,
        /// Wei refunded.
        amount: U256,
    },
    /// `OverdueWithdrawalsSettled(bytes pubkey, uint256 amount)` (berapool): partial
    /// withdrawals the CL did not pay within the flight window, paid from the pool's buffer.
    OverdueWithdrawalsSettled {
        /// Validator.
        pubkey: Pubkey,
        /// Wei paid from the buffer.
        amount: U256,
    },
    /// `PartialWithdrawalRetried(bytes pubkey, uint64 amount)` (berapool): an EIP-7002 request
    /// sent again for overdue partial withdrawals the buffer could not pay.
    PartialWithdrawalRetried {
        /// Validator.
        pubkey: Pubkey,
        /// Gwei requested.
        amount: u64,
    },
    /// `FullExitRequestRetried(bytes pubkey)` (V2).
    FullExitRequestRetried {
        /// Validator.
        pubkey: Pubkey,
    },
    /// ERC-721 `Transfer(address indexed from, address indexed to, uint256 indexed tokenId)` of a
    /// withdrawal request (mint and burn only).
    RequestTransfer {
        /// Zero on mint.
        from: Address,
        /// Zero on burn.
        to: Address,
        /// Request id.
        token_id: U256,
    },

    // --- StakingPoolContractsFactory -----------------------------------------------------------
    /// `StakingPoolContractsDeployed(address smartOperator, address stakingPool,
    /// address stakingRewardsVault, address incentiveCollector)`
    StakingPoolContractsDeployed {
        /// SmartOperator.
        smart_operator: Address,
        /// StakingPool.
        staking_pool: Address,
        /// StakingRewardsVault.
        staking_rewards_vault: Address,
        /// IncentiveCollector.
        incentive_collector: Address,
    },
    /// The factory's `StakingPoolActivated(address stakingPool)`.
    FactoryStakingPoolActivated {
        /// The activated pool.
        staking_pool: Address,
    },
}
