//! The official ABIs of the contracts the precompiles stand in for, written from the deployed
//! ABI JSON files: selector for selector, with their events and custom errors. Functions that
//! are not built (Proof-of-Liquidity forwarding, proxy machinery) are left out on purpose;
//! `docs/precompiles.md` lists them.

#![allow(missing_docs)]

use alloy_sol_types::sol;

sol! {
    /// StakingPool and its stBERA shares.
    #[derive(Debug, PartialEq, Eq)]
    interface IStakingPool {
        event ActiveThresholdReached();
        event DepositSubmitted(address indexed receiver, uint256 userDepositAmount, uint256 shares, uint256 rewardsCollected, uint256 bufferedAssets, uint256 totalDeposits);
        event FullExitTriggered();
        event MaxCapacityReached(bytes pubkey);
        event MinEffectiveBalanceUpdated(uint256 newMinEffectiveBalance);
        event StakingPoolActivated();
        event StakingRewardsReceived(uint256 amount);
        event TotalDepositsUpdated(uint256 newTotalDeposits);
        event SharesMinted(address indexed to, uint256 amount);
        event SharesBurned(address indexed from, uint256 amount);
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
        event Paused(address account);
        event Unpaused(address account);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        error AddressZero();
        error EnforcedPause();
        error ExpectedPause();
        error InsufficientShares();
        error InvalidAmount();
        error InvalidMinEffectiveBalance();
        error InvalidSender(address sender, address expected);
        error OwnableInvalidOwner(address owner);
        error OwnableUnauthorizedAccount(address account);
        error StakingPoolAlreadyActivated();
        error StakingPoolFullExited();
        error WithdrawalNotAllowed();
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
        error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
        error ERC20InvalidReceiver(address receiver);
        error ERC20InvalidSpender(address spender);

        function BEACON_DEPOSIT() external view returns (address);
        function ENABLE_WITHDRAWAL_COOLDOWN_BLOCKS() external view returns (uint64);
        function MAX_EFFECTIVE_BALANCE() external view returns (uint256);
        function MIN_CL_DEPOSIT_AMOUNT() external view returns (uint256);
        function MIN_EFFECTIVE_BALANCE() external view returns (uint256);
        function acceptOwnership() external;
        function activate(uint256 initialDepositAmount) external;
        function activeThresholdReached() external view returns (bool);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 value) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function bufferedAssets() external view returns (uint256);
        function convertToAssets(uint256 shares) external view returns (uint256);
        function convertToShares(uint256 assets) external view returns (uint256);
        function decimals() external pure returns (uint8);
        function getValidatorPubkey() external view returns (bytes);
        function isActive() external view returns (bool);
        function isFullyExited() external view returns (bool);
        function minEffectiveBalance() external view returns (uint256);
        function mintFeeShares(uint256 amount) external;
        function name() external pure returns (string);
        function notifyWithdrawalRequest(address user, uint256 assets) external returns (uint256, bool, bool);
        function owner() external view returns (address);
        function pause() external;
        function paused() external view returns (bool);
        function pendingOwner() external view returns (address);
        function previewDeposit(uint256 assets) external view returns (uint256);
        function previewMint(uint256 shares) external view returns (uint256);
        function previewRedeem(uint256 shares) external view returns (uint256);
        function previewWithdraw(uint256 assets) external view returns (uint256);
        function processRewards() external;
        function receiveRewards() external payable;
        function renounceOwnership() external;
        function setMinEffectiveBalance(uint256 newMinEffectiveBalance) external;
        function submit(address receiver) external payable returns (uint256);
        function symbol() external pure returns (string);
        function totalAssets() external view returns (uint256);
        function totalDeposits() external view returns (uint256);
        function totalSupply() external view returns (uint256);
        function transfer(address to, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function transferOwnership(address newOwner) external;
        function unpause() external;
        function updateTotalDeposits(uint256 newTotalDeposits) external;
        function validatorActivationBlock() external view returns (uint256);
    }

    /// The AccessControl surface shared by SmartOperator, the vaults and the oracle.
    #[derive(Debug, PartialEq, Eq)]
    interface IAccessControl {
        event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
        event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);

        error AccessControlBadConfirmation();
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);

        function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
        function getRoleAdmin(bytes32 role) external view returns (bytes32);
        function grantRole(bytes32 role, address account) external;
        function hasRole(bytes32 role, address account) external view returns (bool);
        function renounceRole(bytes32 role, address callerConfirmation) external;
        function revokeRole(bytes32 role, address account) external;
        function supportsInterface(bytes4 interfaceId) external view returns (bool);
    }

    /// SmartOperator: roles and the protocol fee.
    #[derive(Debug, PartialEq, Eq)]
    interface ISmartOperator {
        struct Weight {
            address receiver;
            uint96 percentageNumerator;
        }

        event ProtocolFeePercentageSet(uint96 protocolFeePercentage);
        event RewardAllocatorSet(address rewardAllocator);
        event WBERADepositedToPool(uint256 amount);
        event WBERASentToWithdrawalVault(uint256 amount);

        error InvalidProtocolFeePercentage();
        error StakingPoolIsFullyExited();
        error ZeroAddress();

        function BERA_CHEF() external view returns (address);
        function BGT() external view returns (address);
        function BGT_INCENTIVE_DISTRIBUTOR() external view returns (address);
        function BGT_STAKER() external view returns (address);
        function HONEY_TOKEN() external view returns (address);
        function BGT_MANAGER_ROLE() external view returns (bytes32);
        function COMMISSION_MANAGER_ROLE() external view returns (bytes32);
        function INCENTIVE_COLLECTOR_MANAGER_ROLE() external view returns (bytes32);
        function MAX_PROTOCOL_FEE() external view returns (uint96);
        function ONE_HUNDRED_PERCENT() external view returns (uint96);
        function PROTOCOL_FEE_MANAGER_ROLE() external view returns (bytes32);
        function REWARDS_ALLOCATION_MANAGER_ROLE() external view returns (bytes32);
        function VALIDATOR_ADMIN_ROLE() external view returns (bytes32);
        function protocolFeePercentage() external view returns (uint96);
        function accrueIncentivesFees(uint256 amount) external;
        function queueIncentiveCollectorPayoutAmountChange(uint256 newPayoutAmount) external;
        function setMinEffectiveBalance(uint256 minEffectiveBalance) external;
        function setProtocolFeePercentage(uint96 protocolFeePercentage_) external;
        function queueValCommission(uint96 commission) external;
        function queueRewardsAllocation(uint64 startBlock, Weight[] weights) external;
        function setRewardAllocator(address rewardAllocator) external;
        /// V2 (PoL Next; no ABI published, signature berapool's): every `tokens[i]` balance but
        /// WBERA's to the pool's IncentiveCollector.
        function moveERC20ToIncentiveCollector(address[] tokens) external;
        /// PoL Next's WBERA track (V2; no ABI published, signatures from Berachain's docs).
        function accrueEarnedWBERAFees() external;
        function rebaseableWberaAmount() external view returns (uint256);
        function availableWBERABalance() external view returns (uint256);
        function getEarnedWBERAFeeState() external view returns (uint256 currentBalance, uint256 wberaBalanceAlreadyCharged, uint256 chargeableBalance, uint96 protocolFeePercentage);
        function withdrawRewards(uint256 amount) external;
        function pullBeraToWithdrawalVault(uint256 amount) external;
    }

    /// BeraChef (`0xdf96…426a`): validator commission on incentive tokens and the reward
    /// allocator, run natively on chains that do not deploy it (`PoolConfig::native_pol`).
    #[derive(Debug, PartialEq, Eq)]
    interface IBeraChef {
        struct QueuedCommissionRateChange {
            uint32 blockNumberLast;
            uint96 commissionRate;
        }
        struct Weight {
            address receiver;
            uint96 percentageNumerator;
        }
        struct RewardAllocation {
            uint64 startBlock;
            Weight[] weights;
        }

        event QueueRewardAllocation(bytes indexed valPubkey, uint64 startBlock, Weight[] weights);
        event ActivateRewardAllocation(bytes indexed valPubkey, uint64 startBlock, Weight[] weights);
        event SetDefaultRewardAllocation(RewardAllocation rewardAllocation);
        event VaultWhitelistedStatusUpdated(address indexed receiver, bool indexed isWhitelisted, string metadata);
        event RewardAllocationBlockDelaySet(uint64 rewardAllocationBlockDelay);
        event MaxNumWeightsPerRewardAllocationSet(uint8 maxNumWeightsPerRewardAllocation);
        event MaxWeightPerVaultSet(uint96 maxWeightPerVault);
        event RewardAllocationInactivityBlockSpanSet(uint64 rewardAllocationInactivityBlockSpan);
        event WhitelistedVaultMetadataUpdated(address indexed receiver, string metadata);

        error NotRewardAllocator();
        error NotDistributor();
        error InvalidStartBlock();
        error RewardAllocationAlreadyQueued();
        error TooManyWeights();
        error InvalidWeight();
        error NotWhitelistedVault();
        error DuplicateReceiver(address receiver);
        error InvalidRewardAllocationWeights();
        error RewardAllocationBlockDelayTooLarge();
        error InvalidateDefaultRewardAllocation();
        error MaxNumWeightsPerRewardAllocationIsZero();
        error InvalidMaxWeightPerVault();
        error InvalidRewardAllocationInactivityBlockSpan();

        event QueuedValCommission(bytes indexed valPubkey, uint96 queuedCommissionRate);
        event ValCommissionSet(bytes indexed valPubkey, uint96 oldCommissionRate, uint96 newCommissionRate);
        event ValRewardAllocatorSet(bytes indexed valPubkey, address rewardAllocator);
        event CommissionChangeDelaySet(uint64 commissionChangeDelay);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        error NotOperator();
        error InvalidCommissionValue();
        error CommissionChangeAlreadyQueued();
        error CommissionNotQueuedOrDelayNotPassed();
        error InvalidCommissionChangeDelay();
        error ZeroAddress();
        error OwnableUnauthorizedAccount(address account);
        error OwnableInvalidOwner(address owner);

        function MAX_COMMISSION_RATE() external view returns (uint96);
        function MAX_REWARD_ALLOCATION_BLOCK_DELAY() external view returns (uint64);
        function MIN_REWARD_ALLOCATION_INACTIVITY_BLOCK_SPAN() external view returns (uint64);
        function beaconDepositContract() external view returns (address);
        function distributor() external view returns (address);
        function factory() external view returns (address);
        function owner() external view returns (address);
        function commissionChangeDelay() external view returns (uint64);
        function queueValCommission(bytes valPubkey, uint96 commissionRate) external;
        function activateQueuedValCommission(bytes valPubkey) external;
        function getValCommissionOnIncentiveTokens(bytes valPubkey) external view returns (uint96);
        function getValQueuedCommissionOnIncentiveTokens(bytes valPubkey) external view returns (QueuedCommissionRateChange);
        function getValidatorIncentiveTokenShare(bytes valPubkey, uint256 incentiveTokenAmount) external view returns (uint256);
        function setValRewardAllocator(bytes valPubkey, address rewardAllocator) external;
        function valRewardAllocator(bytes valPubkey) external view returns (address rewardAllocator);
        function setCommissionChangeDelay(uint64 _commissionChangeDelay) external;
        function transferOwnership(address newOwner) external;
        function renounceOwnership() external;

        function isReady() external view returns (bool);
        function isWhitelistedVault(address receiver) external view returns (bool);
        function setVaultWhitelistedStatus(address receiver, bool isWhitelisted, string metadata) external;
        function rewardAllocationBlockDelay() external view returns (uint64);
        function setRewardAllocationBlockDelay(uint64 _rewardAllocationBlockDelay) external;
        function rewardAllocationInactivityBlockSpan() external view returns (uint64);
        function maxNumWeightsPerRewardAllocation() external view returns (uint8);
        function maxWeightPerVault() external view returns (uint96);
        function getDefaultRewardAllocation() external view returns (RewardAllocation);
        function setDefaultRewardAllocation(RewardAllocation ra) external;
        function getActiveRewardAllocation(bytes valPubkey) external view returns (RewardAllocation);
        function getSetActiveRewardAllocation(bytes valPubkey) external view returns (RewardAllocation);
        function getQueuedRewardAllocation(bytes valPubkey) external view returns (RewardAllocation);
        function isQueuedRewardAllocationReady(bytes valPubkey, uint256 blockNumber) external view returns (bool);
        function queueNewRewardAllocation(bytes valPubkey, uint64 startBlock, Weight[] weights) external;
        function activateReadyQueuedRewardAllocation(bytes valPubkey) external;
        function setMaxNumWeightsPerRewardAllocation(uint8 _maxNumWeightsPerRewardAllocation) external;
        function setMaxWeightPerVault(uint96 _maxWeightPerVault) external;
        function setRewardAllocationInactivityBlockSpan(uint64 _rewardAllocationInactivityBlockSpan) external;
        function updateWhitelistedVaultMetadata(address vault, string metadata) external;
        function validateWeights(Weight[] weights) external;
        function rewardAllocatorFactory() external view returns (address);
    }

    /// BlockRewardController (`0x1AE7…CD8e`) in its PoL Next form: fixed WBERA emissions.
    #[derive(Debug, PartialEq, Eq)]
    interface IBlockRewardController {
        event BlockRewardProcessed(bytes indexed pubkey, uint64 nextTimestamp, uint256 baseRate, uint256 rewardRate);

        error NotDistributor();

        function baseRate() external view returns (uint256);
        function rewardRate() external view returns (uint256);
        function getMaxEmissionPerBlock() external view returns (uint256);
        function distributor() external view returns (address);
        function beaconDepositContract() external view returns (address);
        function bgt() external view returns (address);
        function processRewards(bytes pubkey, uint64 nextTimestamp, bool isReady) external returns (uint256);
        function burnExceedingBalance() external;
    }

    /// Distributor (`0xD2f1…0761`): the PoL transaction's target.
    #[derive(Debug, PartialEq, Eq)]
    interface IDistributor {
        event Distributed(bytes indexed valPubkey, uint64 indexed nextTimestamp, address indexed receiver, uint256 amount);

        error NotSystemAddress();

        function beraChef() external view returns (address);
        function blockRewardController() external view returns (address);
        function distributeFor(bytes pubkey) external;
    }

    /// A RewardVault: receives its share of the emission from the Distributor and pays the
    /// incentives that come with it (commission to the operator, the rest to the protocol).
    #[derive(Debug, PartialEq, Eq)]
    interface IRewardVault {
        event RewardAdded(uint256 reward);
        event IncentiveTokenWhitelisted(address indexed token, uint256 minIncentiveRate, address manager);
        event IncentiveAdded(address indexed token, address sender, uint256 amount, uint256 incentiveRate);
        event IncentivesProcessed(bytes indexed pubkey, address indexed token, uint256 bgtEmitted, uint256 amount);
        event IncentivesProcessFailed(bytes indexed pubkey, address indexed token, uint256 bgtEmitted, uint256 amount);
        event IncentivesCollected(bytes indexed pubkey, address indexed token, uint256 bgtEmitted, uint256 amount);
        event IncentivesCollectFailed(bytes indexed pubkey, address indexed token, uint256 bgtEmitted, uint256 amount);

        error NotDistributor();
        error NotFactoryVault();
        error ZeroAddress();
        error MinIncentiveRateIsZero();
        error IncentiveRateTooHigh();
        error InvalidIncentiveRate();
        error TokenAlreadyWhitelistedOrLimitReached();
        error TokenNotWhitelisted();
        error NotIncentiveManager();
        error AmountLessThanMinIncentiveRate();
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);

        function stakeToken() external view returns (address);
        function rewardToken() external view returns (address);
        function distributor() external view returns (address);
        function factory() external view returns (address);
        function beaconDepositContract() external view returns (address);
        function maxIncentiveTokensCount() external view returns (uint8);
        function undistributedRewards() external view returns (uint256);
        function getWhitelistedTokens() external view returns (address[]);
        function getWhitelistedTokensCount() external view returns (uint256);
        function whitelistedTokens(uint256 index) external view returns (address);
        function incentives(address token) external view returns (uint256 minIncentiveRate, uint256 incentiveRate, uint256 amountRemaining, address manager);
        function whitelistIncentiveToken(address token, uint256 minIncentiveRate, address manager) external;
        function addIncentive(address token, uint256 amount, uint256 incentiveRate) external;
        function notifyRewardAmount(bytes pubkey, uint256 reward) external;
    }

    /// RewardVaultFactory (`0x94Ad…52a8`).
    #[derive(Debug, PartialEq, Eq)]
    interface IRewardVaultFactory {
        event VaultCreated(address indexed stakingToken, address indexed vault);

        error ZeroAddress();

        function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
        function hasRole(bytes32 role, address account) external view returns (bool);
        function createRewardVault(address stakingToken) external returns (address);
        function getVault(address stakingToken) external view returns (address);
        function predictRewardVaultAddress(address stakingToken) external view returns (address);
        function allVaults(uint256 index) external view returns (address);
        function allVaultsLength() external view returns (uint256);
        function distributor() external view returns (address);
        function beaconDepositContract() external view returns (address);
        function incentiveTokensCollector() external view returns (address);
    }

    /// The dev chain's incentive tokens and HONEY: plain ERC-20s whose owner mints.
    #[derive(Debug, PartialEq, Eq)]
    interface IDevToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);

        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
        error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
        error ERC20InvalidReceiver(address receiver);
        error OwnableUnauthorizedAccount(address account);

        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function totalSupply() external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function owner() external view returns (address);
        function transfer(address to, uint256 value) external returns (bool);
        function approve(address spender, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function mint(address to, uint256 value) external;
    }

    /// StakingRewardsVault.
    #[derive(Debug, PartialEq, Eq)]
    interface IStakingRewardsVault {
        event RewardsReceived(uint256 amount);
        event RewardsWithdrawn(uint256 amount);

        error InvalidSender();

        function withdrawRewards(uint256 amount) external;
    }

    /// The vaults' token recovery (WithdrawalVault and StakingRewardsVault), made with EVM calls.
    #[derive(Debug, PartialEq, Eq)]
    interface IRecoverERC20 {
        event ERC20Recovered(address token, address to, uint256 amount);

        error SafeERC20FailedOperation(address token);

        function recoverERC20(address token, address to, uint256 amount) external;
    }

    /// IncentiveCollector: the incentive-token auction.
    #[derive(Debug, PartialEq, Eq)]
    interface IIncentiveCollector {
        event Donated(address indexed donor, uint256 amount);
        event FeePercentageSet(uint96 oldValue, uint96 newValue);
        event IncentiveTokenClaimed(address indexed from, address token, uint256 amount);
        event IncentiveTokensClaimed(address indexed from, uint256 payoutAmount, uint256 fee);
        event PayoutAmountSet(uint256 oldValue, uint256 newValue);
        event QueuedPayoutAmount(uint256 newPayoutAmount, uint256 oldPayoutAmount);

        error IncorrectPayoutAmount();
        error InvalidSender(address sender, address expected);
        error NodeIsFullyExited();
        error PayoutAmountIsZero();
        error SafeERC20FailedOperation(address token);

        function ONE_HUNDRED_PERCENT() external view returns (uint96);
        function claim(address[] tokens) external payable;
        function feePercentage() external view returns (uint96);
        function initialize(address governance, uint256 _payoutAmount, address factory, bytes pubkey) external;
        function payoutAmount() external view returns (uint256);
        function queuePayoutAmountChange(uint256 newPayoutAmount) external;
        function queuedPayoutAmount() external view returns (uint256);
        function recoverERC20(address[] tokens, address receiver) external;
    }

    /// The ERC-20 functions native code calls on tokens.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20 {
        function balanceOf(address account) external view returns (uint256);
        function transfer(address to, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
    }

    /// WBERA (`0x6969…6969`), Berachain's wrapped BERA: a Solady WETH, run natively on chains
    /// that do not deploy it (`PoolConfig::native_pol`).
    #[derive(Debug, PartialEq, Eq)]
    interface IWBERA {
        event Transfer(address indexed from, address indexed to, uint256 amount);
        event Approval(address indexed owner, address indexed spender, uint256 amount);

        error AllowanceOverflow();
        error AllowanceUnderflow();
        error ETHTransferFailed();
        error InsufficientAllowance();
        error InsufficientBalance();
        error InvalidPermit();
        error Permit2AllowanceIsFixedAtInfinity();
        error PermitExpired();
        error TotalSupplyOverflow();

        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
        function deposit() external payable;
        function name() external pure returns (string);
        function nonces(address owner) external view returns (uint256);
        function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
        function symbol() external pure returns (string);
        function totalSupply() external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function withdraw(uint256 amount) external;
    }

    /// WithdrawalVault: requests as non-transferable ERC-721 tokens.
    #[derive(Debug, PartialEq, Eq)]
    interface IWithdrawalVault {
        struct WithdrawalRequest {
            bytes pubkey;
            uint256 assetsRequested;
            uint256 sharesBurnt;
            address user;
            uint256 requestBlock;
        }

        event WithdrawalRequested(address indexed user, uint256 amountOfAsset, uint256 amountOfShares, uint256 requestId, bool isFullExitWithdraw);
        event WithdrawalRequestFinalized(uint256 requestId);
        event ELWithdrawalTriggered(bytes pubkey, uint64 amount, uint256 fee);
        event OverpaidFeeRefunded(address receiver, uint256 amount);
        event FullExitRequestRetried(bytes pubkey);
        event OverdueWithdrawalsSettled(bytes pubkey, uint256 amount);
        event PartialWithdrawalRetried(bytes pubkey, uint64 amount);
        event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
        event Paused(address account);
        event Unpaused(address account);

        error ELWithdrawalTriggerFailed();
        error FeeRequestFailed();
        error InsufficientFee();
        error InvalidAmount();
        error InvalidSender();
        error NonTransferable();
        error NotEnoughFunds();
        error OverpaidFee();
        error RequestNotReady();
        error NotFullyExited();
        error PendingWithdrawalInFlight();
        error NoOverdueWithdrawal();
        error ERC721NonexistentToken(uint256 tokenId);
        error ERC721OutOfBoundsIndex(address owner, uint256 index);
        error ERC721InvalidOwner(address owner);

        function EIP_7002() external view returns (address);
        function WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAY() external view returns (uint256);
        function allocatedWithdrawalsAmount(bytes pubkey) external view returns (uint256);
        function approve(address to, uint256 tokenId) external;
        function balanceOf(address owner) external view returns (uint256);
        function finalizeWithdrawalRequest(uint256 requestId) external;
        function finalizeWithdrawalRequests(uint256[] requestIds) external;
        function getApproved(uint256 tokenId) external view returns (address);
        function getWithdrawalRequest(uint256 requestId) external view returns (WithdrawalRequest);
        function getWithdrawalRequestFee() external view returns (uint256);
        function isApprovedForAll(address owner, address operator) external view returns (bool);
        function name() external view returns (string);
        function notifyFullExitFromCL(bytes pubkey) external;
        function ownerOf(uint256 tokenId) external view returns (address);
        function pause() external;
        function paused() external view returns (bool);
        function requestRedeem(bytes pubkey, uint256 shares, uint256 maxFeeToPay) external payable returns (uint256);
        function requestWithdrawal(bytes pubkey, uint64 assetsInGWei, uint256 maxFeeToPay) external payable returns (uint256);
        function retryFullExit(bytes pubkey, uint256 maxFeeToPay) external payable;
        function retryPartialWithdrawal(bytes pubkey, uint256 maxFeeToPay) external payable;
        function safeTransferFrom(address from, address to, uint256 tokenId) external;
        function safeTransferFrom(address from, address to, uint256 tokenId, bytes data) external;
        function setApprovalForAll(address operator, bool approved) external;
        function symbol() external view returns (string);
        function tokenByIndex(uint256 index) external view returns (uint256);
        function tokenOfOwnerByIndex(address owner, uint256 index) external view returns (uint256);
        function tokenURI(uint256 tokenId) external view returns (string);
        function totalSupply() external view returns (uint256);
        function transferFrom(address from, address to, uint256 tokenId) external pure;
        function unpause() external;
        function withdrawalRequests(uint256 requestId) external view returns (bytes, uint256, uint256, address, uint256);
    }

    /// AccountingOracle.
    #[derive(Debug, PartialEq, Eq)]
    interface IAccountingOracle {
        function FEEDER_ROLE() external view returns (bytes32);
        function updateTotalDeposits(bytes pubkey, bytes32[] pubkeyProof, uint64 balance, bytes32 balancesLeaf, bytes32[] balanceProof, uint64 validatorIndex, uint64 timestamp) external;
        /// berapool extension: the same report plus a proof of the beacon state's
        /// `eth1_deposit_index`, so deposits still in flight are reconciled exactly.
        function updateTotalDepositsWithDepositIndex(bytes pubkey, bytes32[] pubkeyProof, uint64 balance, bytes32 balancesLeaf, bytes32[] balanceProof, uint64 validatorIndex, uint64 timestamp, uint64 depositIndex, bytes32[] depositIndexProof) external;
    }

    /// StakingPoolContractsFactory.
    #[derive(Debug, PartialEq, Eq)]
    interface IStakingPoolContractsFactory {
        struct CoreContracts {
            address smartOperator;
            address stakingPool;
            address stakingRewardsVault;
            address incentiveCollector;
        }
        struct ValidatorData {
            bytes pubkey;
            bytes withdrawalCredentials;
            uint64 initialDepositAmount;
            uint64 validatorIndex;
        }
        struct ProofData {
            bytes32[] pubkeyProof;
            bytes32[] withdrawalCredentialsProof;
            bytes32[] initialDepositProof;
            bytes32 initialDepositProofLeaf;
        }

        event StakingPoolContractsDeployed(address smartOperator, address stakingPool, address stakingRewardsVault, address incentiveCollector);
        event StakingPoolActivated(address stakingPool);
        event ZeroValidatorPubkeyGIndexChanged(uint64 newZeroValidatorPubkeyGIndex);
        event ZeroValidatorWithdrawalCredentialsGIndexChanged(uint64 newZeroValidatorWithdrawalCredentialsGIndex);
        event ZeroValidatorBalanceGIndexChanged(uint64 newZeroValidatorBalanceGIndex);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        error IndexOutOfRange();
        error InvalidAddress();
        error InvalidBalance();
        error InvalidBeaconBlockRoot();
        error InvalidFirstDepositAmount();
        error InvalidInitialDepositAmount();
        error InvalidOperator();
        error InvalidProof();
        error InvalidTimestamp();
        error InvalidValidatorPubkeyLength();
        error InvalidWithdrawalCredentials();
        error OperatorAlreadySet();
        error InvalidInitialization();
        error RootNotFound();
        error BranchHasMissingItem();
        error BranchHasExtraItem();

        function BEACON_DEPOSIT() external view returns (address);
        function FIRST_DEPOSIT_AMOUNT_GWEI() external view returns (uint256);
        function FIRST_DEPOSIT_AMOUNT_WEI() external view returns (uint256);
        function INITIAL_PAYOUT_AMOUNT() external view returns (uint256);
        function MAX_TIMESTAMP_AGE() external view returns (uint64);
        function acceptOwnership() external;
        function accountingOracle() external view returns (address);
        function activateStakingPool(ValidatorData validatorData, ProofData proofData, uint64 timestamp) external;
        function deployStakingPoolContracts(bytes pubkey, bytes withdrawalCredentials, bytes signature, address validatorAdmin, address defaultSharesRecipient) external payable returns (address, address, address, address);
        function getCoreContracts(bytes pubkey) external view returns (CoreContracts);
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
        function predictStakingPoolContractsAddresses(bytes pubkey) external view returns (CoreContracts);
        function renounceOwnership() external;
        function setZeroValidatorBalanceGIndex(uint64 _zeroValidatorBalanceGIndex) external;
        function setZeroValidatorPubkeyGIndex(uint64 _zeroValidatorPubkeyGIndex) external;
        function setZeroValidatorWithdrawalCredentialsGIndex(uint64 _zeroValidatorWithdrawalCredentialsGIndex) external;
        function transferOwnership(address newOwner) external;
        function validateBalanceProof(uint64 balance, bytes32 balancesLeaf, bytes32[] balanceProof, uint64 validatorIndex, uint64 timestamp) external view;
        function validatePubkeyProof(bytes pubkey, bytes32[] pubkeyProof, uint64 validatorIndex, uint64 timestamp) external view;
        function withdrawalVault() external view returns (address);
        function zeroValidatorBalanceGIndex() external view returns (uint64);
        function zeroValidatorPubkeyGIndex() external view returns (uint64);
        function zeroValidatorWithdrawalCredentialsGIndex() external view returns (uint64);
    }

    /// Berachain's BeaconDeposit (0x4242…42).
    #[derive(Debug, PartialEq, Eq)]
    interface IBeaconDeposit {
        event Deposit(bytes pubkey, bytes credentials, uint64 amount, bytes signature, uint64 index);
        event OperatorUpdated(bytes indexed pubkey, address newOperator, address previousOperator);
        event OperatorChangeQueued(bytes indexed pubkey, address queuedOperator, address currentOperator, uint256 queuedTimestamp);
        event OperatorChangeCancelled(bytes indexed pubkey);

        error NotEnoughTime();
        error ZeroAddress();
        error NotOperator();
        error InsufficientDeposit();
        error DepositNotMultipleOfGwei();
        error DepositValueTooHigh();
        error InvalidPubKeyLength();
        error InvalidCredentialsLength();
        error InvalidSignatureLength();
        error ZeroOperatorOnFirstDeposit();
        error OperatorAlreadySet();
        error NotNewOperator();

        function acceptOperatorChange(bytes pubkey) external;
        function cancelOperatorChange(bytes pubkey) external;
        function deposit(bytes pubkey, bytes credentials, bytes signature, address operator) external payable;
        function depositCount() external view returns (uint64);
        function genesisDepositsRoot() external view returns (bytes32);
        function getOperator(bytes pubkey) external view returns (address);
        function queuedOperator(bytes pubkey) external view returns (uint96, address);
        function requestOperatorChange(bytes pubkey, address newOperator) external;
        function supportsInterface(bytes4 interfaceId) external pure returns (bool);
    }

    /// berapool's own surface: the errors of the precompile guards and of rules that exist only
    /// here, and the system calls block execution makes (from SYSTEM_ADDRESS only).
    #[derive(Debug, PartialEq, Eq)]
    interface IBerapool {
        struct VaultWithdrawal {
            uint64 validatorIndex;
            uint64 amount;
        }

        error UnknownPool();
        error PoolIdCollision();
        error ValidatorIndexTaken(uint64 validatorIndex);
        error StaleReport(uint64 timestamp, uint64 lastApplied);
        error UnknownBeaconTimestamp(uint64 timestamp);
        error DepositIndexNotProven();
        error ValueOverflow();
        error WriteInStaticCall();
        error DelegateCallNotAllowed();
        error NotPayable();
        error NativeCallDepthExceeded();
        error NativeFrameRequired();
        error ReentrancyGuardReentrantCall();

        function beginBlock() external;
        function creditConsensusWithdrawals(VaultWithdrawal[] withdrawals) external;
        function unattributedWithdrawals() external view returns (uint256);
    }
}
