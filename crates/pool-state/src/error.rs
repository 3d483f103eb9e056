//! One error enum for the whole system. Every variant up to [`PoolError::UnknownPool`] is an
//! official custom error of the staking-pool contracts, with the same name and fields, so the EVM
//! layer ABI-encodes it as such. The few conditions the Solidity system reverts on without
//! data, and the rules that exist only here, follow as berapool errors (documented in
//! `docs/accounting.md`). A failure of the environment is [`PoolError::Host`].

use alloy_primitives::{Address, B256, U256};

use crate::host::HostError;

/// Why an operation was refused. An operation that returns an error has changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    // --- StBERA / StakingPool -------------------------------------------------------------
    /// Mint to or burn from the zero address.
    #[error("AddressZero()")]
    AddressZero,
    /// The contract is paused.
    #[error("EnforcedPause()")]
    EnforcedPause,
    /// The contract is not paused.
    #[error("ExpectedPause()")]
    ExpectedPause,
    /// A burn larger than the holder's shares, or one that would take the supply below the floor.
    #[error("InsufficientShares()")]
    InsufficientShares,
    /// A zero (or otherwise unusable) amount.
    #[error("InvalidAmount()")]
    InvalidAmount,
    /// `setMinEffectiveBalance` outside `[MIN_EFFECTIVE_BALANCE, MAX_EFFECTIVE_BALANCE]`.
    #[error("InvalidMinEffectiveBalance()")]
    InvalidMinEffectiveBalance,
    /// A function meant for a sibling contract was called by someone else.
    #[error("InvalidSender({sender}, {expected})")]
    InvalidSender {
        /// Who called.
        sender: Address,
        /// Who may call.
        expected: Address,
    },
    /// Ownable: the zero address as owner.
    #[error("OwnableInvalidOwner({owner})")]
    OwnableInvalidOwner {
        /// The refused owner.
        owner: Address,
    },
    /// Ownable: the caller is not the owner (or not the pending owner).
    #[error("OwnableUnauthorizedAccount({account})")]
    OwnableUnauthorizedAccount {
        /// The caller.
        account: Address,
    },
    /// The pool was activated already.
    #[error("StakingPoolAlreadyActivated()")]
    StakingPoolAlreadyActivated,
    /// The pool has fully exited.
    #[error("StakingPoolFullExited()")]
    StakingPoolFullExited,
    /// Withdrawals are not allowed now (buffer too small before the threshold, or cooldown).
    #[error("WithdrawalNotAllowed()")]
    WithdrawalNotAllowed,

    // --- AccessControl / SmartOperator -------------------------------------------------------
    /// `renounceRole` for an account other than the caller.
    #[error("AccessControlBadConfirmation()")]
    AccessControlBadConfirmation,
    /// The caller lacks a role.
    #[error("AccessControlUnauthorizedAccount({account}, {needed_role})")]
    AccessControlUnauthorizedAccount {
        /// The caller.
        account: Address,
        /// The role it needs.
        needed_role: B256,
    },
    /// A protocol fee above `MAX_PROTOCOL_FEE`.
    #[error("InvalidProtocolFeePercentage()")]
    InvalidProtocolFeePercentage,
    /// SmartOperator functions that stop at full exit.
    #[error("StakingPoolIsFullyExited()")]
    StakingPoolIsFullyExited,
    /// A zero address argument.
    #[error("ZeroAddress()")]
    ZeroAddress,

    // --- IncentiveCollector ------------------------------------------------------------------
    /// `claim` with a `msg.value` other than `payoutAmount`.
    #[error("IncorrectPayoutAmount()")]
    IncorrectPayoutAmount,
    /// `claim` or `queuePayoutAmountChange` at a payout of zero.
    #[error("PayoutAmountIsZero()")]
    PayoutAmountIsZero,
    /// `claim` after the pool's full exit.
    #[error("NodeIsFullyExited()")]
    NodeIsFullyExited,
    /// SafeERC20: a token's `transfer` returned false, or returned nothing from an account
    /// without code.
    #[error("SafeERC20FailedOperation({token})")]
    SafeErc20FailedOperation {
        /// The token.
        token: Address,
    },
    /// ReentrancyGuard: a guarded function entered again before it returned.
    #[error("ReentrancyGuardReentrantCall()")]
    ReentrancyGuardReentrantCall,

    // --- WithdrawalVault ---------------------------------------------------------------------
    /// The EIP-7002 request failed.
    #[error("ELWithdrawalTriggerFailed()")]
    ElWithdrawalTriggerFailed,
    /// The EIP-7002 predeploy did not quote a fee.
    #[error("FeeRequestFailed()")]
    FeeRequestFailed,
    /// `msg.value` below the current EIP-7002 fee.
    #[error("InsufficientFee()")]
    InsufficientFee,
    /// The argument-less `InvalidSender()` of the vaults.
    #[error("InvalidSender()")]
    InvalidSenderBare,
    /// Withdrawal-request tokens cannot move.
    #[error("NonTransferable()")]
    NonTransferable,
    /// The vault holds too little for this pool to pay the request.
    #[error("NotEnoughFunds()")]
    NotEnoughFunds,
    /// The current EIP-7002 fee is above the caller's `maxFeeToPay`.
    #[error("OverpaidFee()")]
    OverpaidFee,
    /// `retryFullExit` for a pool that has not exited (V2).
    #[error("NotFullyExited()")]
    NotFullyExited,
    /// `retryFullExit` while a partial withdrawal may still be pending on the CL (V2).
    #[error("PendingWithdrawalInFlight()")]
    PendingWithdrawalInFlight,
    /// `retryPartialWithdrawal` with no partial withdrawal past the flight window (berapool).
    #[error("NoOverdueWithdrawal()")]
    NoOverdueWithdrawal,
    /// The finalization delay has not passed.
    #[error("RequestNotReady()")]
    RequestNotReady,
    /// ERC-721: no such request.
    #[error("ERC721NonexistentToken({token_id})")]
    Erc721NonexistentToken {
        /// The request id.
        token_id: U256,
    },
    /// ERC-721: index past the end of an enumeration.
    #[error("ERC721OutOfBoundsIndex({owner}, {index})")]
    Erc721OutOfBoundsIndex {
        /// The owner enumerated (zero for the global enumeration).
        owner: Address,
        /// The index asked for.
        index: U256,
    },
    /// ERC-721: the zero address as owner.
    #[error("ERC721InvalidOwner({owner})")]
    Erc721InvalidOwner {
        /// The refused owner.
        owner: Address,
    },

    // --- StakingPoolContractsFactory --------------------------------------------------------
    /// A validator index at or above 2^40.
    #[error("IndexOutOfRange()")]
    IndexOutOfRange,
    /// A zero address argument.
    #[error("InvalidAddress()")]
    InvalidAddress,
    /// `deployStakingPoolContracts` without exactly the first-deposit amount.
    #[error("InvalidFirstDepositAmount()")]
    InvalidFirstDepositAmount,
    /// A proven initial deposit below `FIRST_DEPOSIT_AMOUNT_GWEI`.
    #[error("InvalidInitialDepositAmount()")]
    InvalidInitialDepositAmount,
    /// BeaconDeposit's operator for the pubkey is not the pool's SmartOperator.
    #[error("InvalidOperator()")]
    InvalidOperator,
    /// A proof timestamp in the future, or older than `MAX_TIMESTAMP_AGE`.
    #[error("InvalidTimestamp()")]
    InvalidTimestamp,
    /// A pubkey that is not 48 bytes.
    #[error("InvalidValidatorPubkeyLength()")]
    InvalidValidatorPubkeyLength,
    /// Withdrawal credentials other than `0x01 ‖ 0^11 ‖ WithdrawalVault`.
    #[error("InvalidWithdrawalCredentials()")]
    InvalidWithdrawalCredentials,
    /// The pubkey already has an operator in BeaconDeposit.
    #[error("OperatorAlreadySet()")]
    OperatorAlreadySet,
    /// Initializable: the system was initialized already.
    #[error("InvalidInitialization()")]
    InvalidInitialization,

    // --- berapool --------------------------------------------------------------------------
    /// No pool is registered for this pubkey or address. (Solidity reverts without data here.)
    #[error("UnknownPool()")]
    UnknownPool,
    /// The pubkey's pool id is taken by another pubkey's pool.
    #[error("PoolIdCollision()")]
    PoolIdCollision,
    /// The validator index already belongs to another pool.
    #[error("ValidatorIndexTaken({validator_index})")]
    ValidatorIndexTaken {
        /// The index.
        validator_index: u64,
    },
    /// An oracle report older than the last one applied, or whose beacon state is older than
    /// the in-flight history the pool keeps: retry with a fresh proof.
    #[error("StaleReport({timestamp}, {last_applied})")]
    StaleReport {
        /// The report's proof timestamp.
        timestamp: u64,
        /// The last applied report's proof timestamp.
        last_applied: u64,
    },
    /// A CL deposit of the pool may not be in the reported beacon state yet, and the report
    /// does not prove the state's `eth1_deposit_index`: report with
    /// `updateTotalDepositsWithDepositIndex`.
    #[error("DepositIndexNotProven()")]
    DepositIndexNotProven,
    /// No block of this chain carries that beacon-root timestamp.
    #[error("UnknownBeaconTimestamp({timestamp})")]
    UnknownBeaconTimestamp {
        /// The proof timestamp.
        timestamp: u64,
    },
    /// A native contract that makes EVM calls was entered more than
    /// `MAX_NATIVE_NESTING` times on one call stack.
    #[error("NativeCallDepthExceeded()")]
    NativeCallDepthExceeded,
    /// A function that makes EVM calls ran in an EVM that cannot run them (the precompiles
    /// installed without `BerapoolEvmFactory`).
    #[error("NativeFrameRequired()")]
    NativeFrameRequired,
    /// ERC-20 (stBERA): balance too small.
    #[error("ERC20InsufficientBalance({sender}, {balance}, {needed})")]
    Erc20InsufficientBalance {
        /// Who sends.
        sender: Address,
        /// Their shares.
        balance: U256,
        /// Shares asked for.
        needed: U256,
    },
    /// ERC-20 (stBERA): allowance too small.
    #[error("ERC20InsufficientAllowance({spender}, {allowance}, {needed})")]
    Erc20InsufficientAllowance {
        /// Who spends.
        spender: Address,
        /// Their allowance.
        allowance: U256,
        /// Shares asked for.
        needed: U256,
    },
    /// ERC-20 (stBERA): transfer to the zero address.
    #[error("ERC20InvalidReceiver({receiver})")]
    Erc20InvalidReceiver {
        /// The refused receiver.
        receiver: Address,
    },
    /// ERC-20 (stBERA): approval for the zero address.
    #[error("ERC20InvalidSpender({spender})")]
    Erc20InvalidSpender {
        /// The refused spender.
        spender: Address,
    },
    /// A value too large for the field that stores it (never reached with real BERA amounts).
    #[error("ValueOverflow()")]
    ValueOverflow,

    /// The environment failed: out of gas, database, or a system contract reverted.
    #[error(transparent)]
    Host(#[from] HostError),
}
