//! Chain parameters of the pool system. BERA amounts are the same on every chain; only the
//! time parameters differ between mainnet and the dev preset.

use alloy_primitives::U256;

/// One BERA in wei.
pub const BERA: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// One gwei in wei.
pub const GWEI: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);
/// Basis-point denominator (`ONE_HUNDRED_PERCENT`).
pub const ONE_HUNDRED_PERCENT: u64 = 10_000;
/// Cap on the protocol fee in basis points (`MAX_PROTOCOL_FEE`, 20 %).
pub const MAX_PROTOCOL_FEE: u64 = 2_000;
/// The IncentiveCollector's `payoutAmount` until its first change: 100 BERA.
pub const INITIAL_PAYOUT_AMOUNT: U256 = bera(100);
/// Validator indices must be below this (`IndexOutOfRange`).
pub const MAX_VALIDATOR_INDEX: u64 = 1 << 40;

/// `n` BERA in wei.
pub const fn bera(n: u64) -> U256 {
    // 10^18 * n < 2^128 for every u64 n, so two limbs suffice.
    let wei = n as u128 * 1_000_000_000_000_000_000u128;
    U256::from_limbs([wei as u64, (wei >> 64) as u64, 0, 0])
}

/// Parameters of the pool system on one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// Smallest CL deposit (`MIN_CL_DEPOSIT_AMOUNT`), also BeaconDeposit's minimum.
    pub min_cl_deposit: U256,
    /// Default `minEffectiveBalance()` (`MIN_EFFECTIVE_BALANCE`): the activation threshold.
    pub min_effective_balance: U256,
    /// Cap on `totalDeposits` (`MAX_EFFECTIVE_BALANCE`).
    pub max_effective_balance: U256,
    /// Exact value of `deployStakingPoolContracts` (`FIRST_DEPOSIT_AMOUNT_WEI`).
    pub first_deposit: U256,
    /// Blocks after the threshold during which withdrawals are refused
    /// (`ENABLE_WITHDRAWAL_COOLDOWN_BLOCKS`).
    pub withdrawal_cooldown_blocks: u64,
    /// Blocks between a request and its finalization
    /// (`WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAY`).
    pub finalization_delay_blocks: u64,
    /// Oldest accepted proof timestamp, in seconds (`MAX_TIMESTAMP_AGE`).
    pub max_proof_age_secs: u64,
    /// Blocks after a partial request during which a full exit cannot be retried
    /// (`WITHDRAWAL_FLIGHT_BLOCK_DELAY`): the CL ignores full exits while a partial is pending.
    pub withdrawal_flight_blocks: u64,
}

impl PoolParams {
    /// Berachain mainnet: the V2 finalization delay (129,600 blocks ≈ 3 days, longer than the CL's
    /// 256-epoch withdrawability delay plus the sweep) and the 43,200-block cooldown.
    pub fn mainnet() -> Self {
        Self {
            min_cl_deposit: bera(10_000),
            min_effective_balance: bera(250_000),
            max_effective_balance: bera(10_000_000),
            first_deposit: bera(10_000),
            withdrawal_cooldown_blocks: 43_200,
            finalization_delay_blocks: 129_600,
            max_proof_age_secs: 600,
            withdrawal_flight_blocks: 49_153,
        }
    }

    /// The dev chain: mainnet amounts, short delays so a pool's whole life fits in minutes. The
    /// flight delay must cover the dev consensus layer's withdrawability delay.
    pub fn dev() -> Self {
        Self {
            withdrawal_cooldown_blocks: 16,
            finalization_delay_blocks: 256,
            withdrawal_flight_blocks: 192,
            ..Self::mainnet()
        }
    }

    /// `FIRST_DEPOSIT_AMOUNT_GWEI`: the smallest proven balance that activates a pool.
    pub fn first_deposit_gwei(&self) -> U256 {
        self.first_deposit / GWEI
    }
}

impl Default for PoolParams {
    fn default() -> Self {
        Self::mainnet()
    }
}
