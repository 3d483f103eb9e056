//! The chain specification, the bottom of the node: a geth-style genesis (alloy-genesis) whose
//! `config` may carry a `berapool` section ([`config`]), the hardforks it schedules and the
//! genesis header ([`genesis`]), and the built-in dev chain ([`dev`]).
//!
//! It depends on the pool precompiles (their configuration and genesis accounts) and on the
//! beacon crate (genesis validators and deposits), never on storage, execution or the network.

pub mod config;
pub mod dev;
mod genesis;

use std::path::{Path, PathBuf};

use alloy_consensus::Header;
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_genesis::Genesis;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, B256};
use berapool_pool_precompiles::{pool_state::PoolError, PoolConfig};

pub use config::{BerapoolConfig, DevClConfig, PolTimes, PoolTimes};
pub use dev::{
    create2_deployer_code, dev_accounts, dev_genesis_validator, multicall3_code, CREATE2_DEPLOYER,
    DEV_ACCOUNTS, DEV_CHAIN_ID, DEV_FEEDER_ACCOUNT, DEV_INCENTIVES_ACCOUNT, DEV_MNEMONIC,
    MULTICALL3,
};

/// Why a chain spec could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The genesis file could not be read.
    #[error("cannot read genesis file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The genesis JSON is malformed.
    #[error("invalid genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The `berapool` section is malformed.
    #[error("invalid `config.berapool` section: {0}")]
    Berapool(serde_json::Error),
    /// The pool system's genesis accounts could not be built.
    #[error("pool system genesis: {0}")]
    PoolGenesis(#[from] PoolError),
}

/// A chain: its genesis, hardforks, pool configuration and genesis header.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    /// The genesis as loaded.
    pub genesis: Genesis,
    /// Hardfork schedule.
    pub hardforks: EthereumChainHardforks,
    /// The pool system, if the chain has one.
    pub berapool: Option<BerapoolConfig>,
    genesis_header: Header,
}

impl ChainSpec {
    /// Whether transactions from accounts with code are valid (EIP-3607 off: dev chains).
    pub fn allows_contract_senders(&self) -> bool {
        self.berapool
            .as_ref()
            .is_some_and(|b| b.allow_contract_senders)
    }

    /// Whether blocks at `timestamp` carry Berachain's PoL distribution (the parent proposer
    /// in the Engine API and the `distributeFor` call): on chains with the native PoL set, from
    /// the pool system's activation on. (A chain that deploys the PoL contracts itself would
    /// set its Prague1 time here; syncing Berachain is not supported yet.)
    pub fn has_pol_at(&self, timestamp: u64) -> bool {
        self.berapool
            .as_ref()
            .is_some_and(|b| b.native_pol && b.pool_config().is_active_at(timestamp))
    }

    /// Builds the spec of `genesis`.
    pub fn from_genesis(genesis: Genesis) -> Result<Self, ChainSpecError> {
        let hardforks = genesis::hardforks_of(&genesis);
        let berapool = match genesis.config.extra_fields.get("berapool") {
            Some(value) => {
                Some(serde_json::from_value(value.clone()).map_err(ChainSpecError::Berapool)?)
            }
            None => None,
        };
        let genesis_header = genesis::genesis_header(&genesis, &hardforks);
        Ok(Self {
            genesis,
            hardforks,
            berapool,
            genesis_header,
        })
    }

    /// Parses a genesis JSON document.
    pub fn from_json(json: &str) -> Result<Self, ChainSpecError> {
        Self::from_genesis(serde_json::from_str(json)?)
    }

    /// Reads a genesis JSON file.
    pub fn from_file(path: &Path) -> Result<Self, ChainSpecError> {
        let json = std::fs::read_to_string(path).map_err(|source| ChainSpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&json)
    }

    /// The built-in dev chain.
    pub fn dev() -> Result<Self, ChainSpecError> {
        Self::from_genesis(dev::dev_genesis()?)
    }

    /// Chain id.
    pub fn chain_id(&self) -> u64 {
        self.genesis.config.chain_id
    }

    /// The genesis block header.
    pub fn genesis_header(&self) -> &Header {
        &self.genesis_header
    }

    /// The genesis block hash.
    pub fn genesis_hash(&self) -> B256 {
        self.genesis_header.hash_slow()
    }

    /// The blob parameters in force at `timestamp` (none before Cancun).
    pub fn blob_params_at(&self, timestamp: u64) -> Option<alloy_eips::eip7840::BlobParams> {
        use alloy_eips::eip7840::BlobParams;
        let active = |fork| {
            self.hardforks
                .is_ethereum_fork_active_at_timestamp(fork, timestamp)
        };
        if active(EthereumHardfork::Osaka) {
            Some(BlobParams::osaka())
        } else if active(EthereumHardfork::Prague) {
            Some(BlobParams::prague())
        } else if active(EthereumHardfork::Cancun) {
            Some(BlobParams::cancun())
        } else {
            None
        }
    }

    /// How the pool system is installed, if the chain has one.
    pub fn pool_config(&self) -> Option<PoolConfig> {
        self.berapool.as_ref().map(BerapoolConfig::pool_config)
    }
}

impl EthereumHardforks for ChainSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.hardforks.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for ChainSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        self.genesis.config.deposit_contract_address
    }
}
