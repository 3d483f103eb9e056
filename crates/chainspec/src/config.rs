//! The `config.berapool` section of a genesis file: who governs the pool system, when its
//! precompiles activate, the pool time parameters, and the dev consensus layer's parameters.

use alloy_primitives::Address;
use berapool_beacon::{ClSpec, GenesisValidator};
use berapool_pool_precompiles::{pol, pool_state::PoolParams, PoolConfig};
use serde::{Deserialize, Serialize};

/// The `config.berapool` section of a genesis file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BerapoolConfig {
    /// Owner of the factory, admin of the vault and the oracle, owner of every pool.
    pub governance: Address,
    /// Block timestamp from which the pool precompiles exist.
    #[serde(default)]
    pub precompiles_activation_time: u64,
    /// Run BeaconDeposit natively (chains whose genesis does not deploy it).
    #[serde(default)]
    pub native_beacon_deposit: bool,
    /// Run Berachain's Proof-of-Liquidity contracts natively at their mainnet addresses (chains
    /// whose genesis does not deploy them; today WBERA).
    #[serde(default)]
    pub native_pol: bool,
    /// EIP-3607 off: transactions from accounts with code are valid. Dev chains set it, so that
    /// an impersonated contract (a multisig in a hardhat test) can send, as on anvil.
    #[serde(default)]
    pub allow_contract_senders: bool,
    /// Pool time parameters (BERA amounts are the mainnet ones on every chain).
    #[serde(default)]
    pub pool: PoolTimes,
    /// Delays of the native PoL set (with `native_pol`).
    #[serde(default)]
    pub pol: PolTimes,
    /// Parameters of the built-in consensus-layer simulator (dev chains).
    #[serde(default)]
    pub dev_cl: DevClConfig,
}

/// The pool system's time parameters, in blocks and seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolTimes {
    /// `ENABLE_WITHDRAWAL_COOLDOWN_BLOCKS`.
    pub withdrawal_cooldown_blocks: u64,
    /// `WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAY`.
    pub finalization_delay_blocks: u64,
    /// `WITHDRAWAL_FLIGHT_BLOCK_DELAY`.
    pub withdrawal_flight_blocks: u64,
    /// `MAX_TIMESTAMP_AGE`, seconds.
    pub max_proof_age_secs: u64,
}

impl Default for PoolTimes {
    fn default() -> Self {
        let p = PoolParams::mainnet();
        Self {
            withdrawal_cooldown_blocks: p.withdrawal_cooldown_blocks,
            finalization_delay_blocks: p.finalization_delay_blocks,
            withdrawal_flight_blocks: p.withdrawal_flight_blocks,
            max_proof_age_secs: p.max_proof_age_secs,
        }
    }
}

impl PoolTimes {
    /// The dev chain's short delays.
    pub fn dev() -> Self {
        let p = PoolParams::dev();
        Self {
            withdrawal_cooldown_blocks: p.withdrawal_cooldown_blocks,
            finalization_delay_blocks: p.finalization_delay_blocks,
            withdrawal_flight_blocks: p.withdrawal_flight_blocks,
            max_proof_age_secs: p.max_proof_age_secs,
        }
    }

    /// The full parameter set: mainnet amounts with these times.
    pub fn params(&self) -> PoolParams {
        PoolParams {
            withdrawal_cooldown_blocks: self.withdrawal_cooldown_blocks,
            finalization_delay_blocks: self.finalization_delay_blocks,
            withdrawal_flight_blocks: self.withdrawal_flight_blocks,
            max_proof_age_secs: self.max_proof_age_secs,
            ..PoolParams::mainnet()
        }
    }
}

/// The native PoL set's delays, in blocks: Berachain's by default, short on the dev chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolTimes {
    /// BeraChef's `commissionChangeDelay` (1 to 16,382).
    pub commission_change_delay_blocks: u64,
    /// BeraChef's `rewardAllocationBlockDelay` (at most 1,315,000).
    #[serde(default = "mainnet_reward_allocation_delay")]
    pub reward_allocation_delay_blocks: u64,
}

fn mainnet_reward_allocation_delay() -> u64 {
    pol::MAINNET_REWARD_ALLOCATION_DELAY
}

impl Default for PolTimes {
    fn default() -> Self {
        Self {
            commission_change_delay_blocks: pol::MAINNET_COMMISSION_CHANGE_DELAY,
            reward_allocation_delay_blocks: pol::MAINNET_REWARD_ALLOCATION_DELAY,
        }
    }
}

impl PolTimes {
    /// The dev chain's delays: a commission change activates 16 blocks after it is queued, a
    /// reward allocation may start 8 blocks after it is queued.
    pub fn dev() -> Self {
        Self {
            commission_change_delay_blocks: 16,
            reward_allocation_delay_blocks: 8,
        }
    }

    /// The genesis parameters, with `owner` (the chain's governance) owning BeraChef, the vault
    /// factory and the dev tokens, and `token_holders` granted dev tokens.
    pub fn params(&self, owner: Address, token_holders: Vec<Address>) -> pol::PolParams {
        pol::PolParams {
            owner,
            commission_change_delay: self.commission_change_delay_blocks,
            reward_allocation_delay: self.reward_allocation_delay_blocks,
            token_holders,
        }
    }
}

/// Parameters of the dev consensus layer (used by the simulator; the chain rules ignore them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevClConfig {
    /// Slots, delays, the cap, balances and inflation.
    #[serde(flatten)]
    pub spec: ClSpec,
    /// Validators in the genesis beacon state (active from epoch 0 if they have the minimum).
    #[serde(default)]
    pub genesis_validators: Vec<GenesisValidator>,
}

impl BerapoolConfig {
    /// How the pool system is installed on the chain.
    pub fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            params: self.pool.params(),
            activation_timestamp: self.precompiles_activation_time,
            native_beacon_deposit: self.native_beacon_deposit,
            native_pol: self.native_pol,
        }
    }
}
