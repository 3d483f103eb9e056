//! The chain specification: a geth-style genesis (alloy-genesis) whose `config` may carry a
//! `berapool` section, the hardforks it schedules, and the genesis header and hash.
//!
//! The built-in `dev` spec is a one-machine devnet: chain id 80087, Prague rules from genesis,
//! the system predeploys with their canonical code, the native BeaconDeposit, the pool system
//! from genesis, and the ten accounts of the standard test mnemonic funded with 100,000,000
//! BERA each (governance is the first).

use std::path::Path;

use alloy_consensus::{
    constants::{EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH},
    Header,
};
use alloy_eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH};
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{address, Address, Bytes, B256, U256};
use pool_precompiles::{pool_state::PoolParams, PoolConfig};

use crate::dev::{
    beacon::BlsPubkey,
    rules::{ClSpec, BERA_GWEI},
};
use serde::{Deserialize, Serialize};

/// Chain id of the built-in dev chain.
pub const DEV_CHAIN_ID: u64 = 80087;
/// The mnemonic anvil and hardhat use: the dev chain's funded accounts.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// How many dev accounts are funded.
pub const DEV_ACCOUNTS: u32 = 10;
/// BeaconDeposit's address on every Berachain network.
pub const BEACON_DEPOSIT: Address = address!("4242424242424242424242424242424242424242");

/// Why a chain spec could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The genesis file could not be read.
    #[error("cannot read genesis file {path}: {source}")]
    Read {
        /// The file.
        path: String,
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
    PoolGenesis(String),
}

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
    /// Pool time parameters (BERA amounts are the mainnet ones on every chain).
    #[serde(default)]
    pub pool: PoolTimes,
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

/// A validator of the genesis beacon state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenesisValidator {
    /// BLS public key.
    pub pubkey: BlsPubkey,
    /// Withdrawal credentials.
    pub withdrawal_credentials: B256,
    /// Balance in gwei.
    pub amount: u64,
    /// Fee recipient of the blocks it proposes [default: the node's `--dev.fee-recipient`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_recipient: Option<Address>,
}

/// The dev chain's genesis validator: 250,000 BERA, withdrawable to the governance account,
/// proposing for the node's fee recipient.
pub fn dev_genesis_validator(governance: Address) -> GenesisValidator {
    let mut credentials = [0u8; 32];
    credentials[0] = 0x01;
    credentials[12..].copy_from_slice(governance.as_slice());
    GenesisValidator {
        pubkey: BlsPubkey::repeat_byte(0xde),
        withdrawal_credentials: B256::from(credentials),
        amount: 250_000 * BERA_GWEI,
        fee_recipient: None,
    }
}

/// Index among the dev accounts of the oracle feeder (granted `FEEDER_ROLE` at genesis).
pub const DEV_FEEDER_ACCOUNT: usize = 9;

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
    /// Builds the spec of `genesis`.
    pub fn from_genesis(genesis: Genesis) -> Result<Self, ChainSpecError> {
        let hardforks = hardforks_of(&genesis);
        let berapool = match genesis.config.extra_fields.get("berapool") {
            Some(value) => {
                Some(serde_json::from_value(value.clone()).map_err(ChainSpecError::Berapool)?)
            }
            None => None,
        };
        let genesis_header = genesis_header(&genesis, &hardforks);
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
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&json)
    }

    /// The built-in dev chain.
    pub fn dev() -> Result<Self, ChainSpecError> {
        Self::from_genesis(dev_genesis()?)
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
        self.berapool.as_ref().map(|b| PoolConfig {
            params: b.pool.params(),
            activation_timestamp: b.precompiles_activation_time,
            native_beacon_deposit: b.native_beacon_deposit,
        })
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

/// The hardforks a genesis config schedules.
fn hardforks_of(genesis: &Genesis) -> EthereumChainHardforks {
    use EthereumHardfork as H;
    let c = &genesis.config;
    let block = |b: Option<u64>| b.map(ForkCondition::Block);
    let time = |t: Option<u64>| t.map(ForkCondition::Timestamp);
    let mut forks: Vec<(H, ForkCondition)> = [
        (H::Frontier, Some(ForkCondition::Block(0))),
        (H::Homestead, block(c.homestead_block)),
        (H::Dao, block(c.dao_fork_block)),
        (H::Tangerine, block(c.eip150_block)),
        (H::SpuriousDragon, block(c.eip158_block)),
        (H::Byzantium, block(c.byzantium_block)),
        (H::Constantinople, block(c.constantinople_block)),
        (H::Petersburg, block(c.petersburg_block)),
        (H::Istanbul, block(c.istanbul_block)),
        (H::MuirGlacier, block(c.muir_glacier_block)),
        (H::Berlin, block(c.berlin_block)),
        (H::London, block(c.london_block)),
        (H::ArrowGlacier, block(c.arrow_glacier_block)),
        (H::GrayGlacier, block(c.gray_glacier_block)),
        (H::Shanghai, time(c.shanghai_time)),
        (H::Cancun, time(c.cancun_time)),
        (H::Prague, time(c.prague_time)),
        (H::Osaka, time(c.osaka_time)),
    ]
    .into_iter()
    .filter_map(|(fork, condition)| condition.map(|c| (fork, c)))
    .collect();
    if let Some(ttd) = c.terminal_total_difficulty {
        forks.push((
            H::Paris,
            ForkCondition::TTD {
                activation_block_number: c.merge_netsplit_block.unwrap_or(0),
                fork_block: c.merge_netsplit_block,
                total_difficulty: ttd,
            },
        ));
    }
    EthereumChainHardforks::new(forks)
}

/// The genesis header: the state root of the alloc and every field its active forks require.
fn genesis_header(genesis: &Genesis, forks: &EthereumChainHardforks) -> Header {
    let state_root = alloy_trie::root::state_root_ref_unhashed(&genesis.alloc);
    let at_genesis = |fork| {
        forks
            .ethereum_fork_activation(fork)
            .active_at_timestamp_or_number(genesis.timestamp, 0)
    };
    let london = at_genesis(EthereumHardfork::London);
    let shanghai = at_genesis(EthereumHardfork::Shanghai);
    let cancun = at_genesis(EthereumHardfork::Cancun);
    let prague = at_genesis(EthereumHardfork::Prague);
    Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: genesis.coinbase,
        state_root,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
        difficulty: genesis.difficulty,
        number: 0,
        gas_limit: genesis.gas_limit,
        gas_used: 0,
        timestamp: genesis.timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: genesis.nonce.into(),
        base_fee_per_gas: london.then(|| {
            genesis
                .base_fee_per_gas
                .map(|f| f as u64)
                .unwrap_or(INITIAL_BASE_FEE)
        }),
        withdrawals_root: shanghai.then_some(EMPTY_ROOT_HASH),
        blob_gas_used: cancun.then(|| genesis.blob_gas_used.unwrap_or(0)),
        excess_blob_gas: cancun.then(|| genesis.excess_blob_gas.unwrap_or(0)),
        parent_beacon_block_root: cancun.then_some(B256::ZERO),
        requests_hash: prague.then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}

/// The dev chain's funded accounts: `(address, private key)` of the test mnemonic's first ten.
pub fn dev_accounts() -> Vec<(Address, B256)> {
    use alloy_signer_local::{coins_bip39::English, MnemonicBuilder};
    (0..DEV_ACCOUNTS)
        .filter_map(|index| {
            let signer = MnemonicBuilder::<English>::default()
                .phrase(DEV_MNEMONIC)
                .index(index)
                .ok()?
                .build()
                .ok()?;
            Some((
                signer.address(),
                B256::from_slice(&signer.credential().to_bytes()),
            ))
        })
        .collect()
}

fn predeploy(code: Bytes, storage: &[(B256, B256)]) -> GenesisAccount {
    GenesisAccount {
        nonce: Some(1),
        code: Some(code),
        storage: (!storage.is_empty()).then(|| storage.iter().copied().collect()),
        ..Default::default()
    }
}

/// The dev genesis.
fn dev_genesis() -> Result<Genesis, ChainSpecError> {
    use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
    let accounts = dev_accounts();
    let governance = accounts.first().map(|(a, _)| *a).unwrap_or_default();
    let mut genesis = Genesis::default();
    let c = &mut genesis.config;
    c.chain_id = DEV_CHAIN_ID;
    for b in [
        &mut c.homestead_block,
        &mut c.eip150_block,
        &mut c.eip155_block,
        &mut c.eip158_block,
        &mut c.byzantium_block,
        &mut c.constantinople_block,
        &mut c.petersburg_block,
        &mut c.istanbul_block,
        &mut c.berlin_block,
        &mut c.london_block,
    ] {
        *b = Some(0);
    }
    c.merge_netsplit_block = Some(0);
    c.terminal_total_difficulty = Some(U256::ZERO);
    c.terminal_total_difficulty_passed = true;
    c.shanghai_time = Some(0);
    c.cancun_time = Some(0);
    c.prague_time = Some(0);
    c.deposit_contract_address = Some(BEACON_DEPOSIT);
    let berapool = BerapoolConfig {
        governance,
        precompiles_activation_time: 0,
        native_beacon_deposit: true,
        pool: PoolTimes::dev(),
        dev_cl: DevClConfig {
            spec: ClSpec::default(),
            genesis_validators: vec![dev_genesis_validator(governance)],
        },
    };
    c.extra_fields
        .insert("berapool".to_string(), serde_json::to_value(&berapool)?);

    genesis.gas_limit = 30_000_000;
    genesis.base_fee_per_gas = Some(u128::from(INITIAL_BASE_FEE));
    genesis.extra_data = Bytes::from_static(b"berapool dev");
    let funded = U256::from(100_000_000u64) * U256::from(10u64).pow(U256::from(18u64));
    for (address, _) in &accounts {
        genesis.alloc.insert(
            *address,
            GenesisAccount {
                balance: funded,
                ..Default::default()
            },
        );
    }
    let inhibitor = [(B256::ZERO, B256::from(U256::MAX))];
    genesis.alloc.insert(
        eip4788::BEACON_ROOTS_ADDRESS,
        predeploy(eip4788::BEACON_ROOTS_CODE.clone(), &[]),
    );
    genesis.alloc.insert(
        eip2935::HISTORY_STORAGE_ADDRESS,
        predeploy(eip2935::HISTORY_STORAGE_CODE.clone(), &[]),
    );
    genesis.alloc.insert(
        eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        predeploy(
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
            &inhibitor,
        ),
    );
    genesis.alloc.insert(
        eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        predeploy(
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone(),
            &inhibitor,
        ),
    );
    let feeders: Vec<Address> = accounts
        .get(DEV_FEEDER_ACCOUNT)
        .map(|(a, _)| *a)
        .into_iter()
        .collect();
    let mut system = pool_precompiles::genesis_accounts_with_feeders(
        governance,
        &berapool.pool.params(),
        &feeders,
    )
    .map_err(|e| ChainSpecError::PoolGenesis(e.to_string()))?;
    // The genesis validators are BeaconDeposit's first deposits, so later deposit indices
    // continue after them.
    let genesis_deposits = crate::dev::genesis_deposits(&berapool.dev_cl.genesis_validators);
    system.push(pool_precompiles::beacon_deposit_genesis_account(
        genesis_deposits.len() as u64,
        crate::dev::body::deposits_root(&genesis_deposits),
    ));
    for account in system {
        let storage: Vec<(B256, B256)> = account
            .storage
            .iter()
            .map(|(k, v)| (B256::from(*k), B256::from(*v)))
            .collect();
        genesis
            .alloc
            .insert(account.address, predeploy(account.code, &storage));
    }
    Ok(genesis)
}
