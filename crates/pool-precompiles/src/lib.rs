//! The staking-pool system as native EVM precompiles: the official ABI at fixed addresses in the
//! reserved range, honestly priced, with the effects on BeaconDeposit and the EIP-7002 queue made
//! natively and byte-identical to calling them.
//!
//! The pieces, top-down:
//! - [`install`] registers the precompiles into alloy-evm's `PrecompilesMap`;
//!   [`BerapoolEvmFactory`] does it for every EVM it creates (the seam a reth node takes);
//! - `contracts` decodes each call and runs the `pool-state` operation on an [`EvmHost`];
//! - [`EvmHost`] is the pool system's host on the EVM journal, charging gas as the opcodes would;
//! - `system` holds the native BeaconDeposit, EIP-7002 and EIP-4788 effects; [`ssz`] the proofs
//!   (from `berapool-beacon`);
//! - [`block`] holds the pool system's per-block rules (`beginBlock`, `creditConsensusWithdrawals`)
//!   as [`BerapoolBlockExecutorFactory`], an alloy-evm block executor wrapping Ethereum's.
//!
//! A reth node that takes [`BerapoolEvmFactory`] and [`BerapoolBlockExecutorFactory`] runs the
//! whole staking-pool system (see `docs/reth.md`).

pub mod abi;
pub mod block;
mod contracts;
pub mod errors;
mod evm;
mod evm_host;
pub mod gas;
pub mod logs;
mod native;
pub mod pol;
pub mod system;

use std::sync::Arc;

use alloy_evm::{
    precompiles::{DynPrecompile, PrecompilesMap},
    revm::precompile::PrecompileId,
};
use alloy_primitives::{Address, Bytes, U256};
use berapool_pool_state::{
    addresses::{ACCOUNTING_ORACLE, BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
    MemoryHost, PoolError, PoolParams, PoolSystem,
};

/// The SSZ proofs the precompiles verify (BeaconKit's generalized indices).
pub use berapool_beacon::proof as ssz;
pub use berapool_pool_state as pool_state;
/// The fixed addresses of the pool system (factory, withdrawal vault, oracle, beacon deposit).
pub use berapool_pool_state::addresses;
pub use block::{
    distribute_for_call, distribute_pol, BerapoolBlockExecutionCtx, BerapoolBlockExecutor,
    BerapoolBlockExecutorFactory, PolOutcome, PoolRuleError,
};
pub use contracts::Target;
pub use contracts::SYSTEM_ADDRESS;
pub use evm::{BerapoolEvm, BerapoolEvmFactory};
pub use evm_host::EvmHost;
pub use native::MAX_NATIVE_NESTING;

/// How the pool system is installed on a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The chain's pool parameters.
    pub params: PoolParams,
    /// Block timestamp from which the precompiles exist (0: from genesis).
    pub activation_timestamp: u64,
    /// Run BeaconDeposit natively at `0x4242…42` (chains that do not deploy the contract).
    pub native_beacon_deposit: bool,
    /// Run Berachain's Proof-of-Liquidity contracts natively at their mainnet addresses
    /// (chains that do not deploy them; see [`pol`]).
    pub native_pol: bool,
}

impl PoolConfig {
    /// The pool system this configuration runs: with PoL Next's WBERA track where the chain
    /// has the native WBERA.
    pub fn system(&self) -> PoolSystem {
        if self.native_pol {
            PoolSystem::with_native_wbera(self.params.clone())
        } else {
            PoolSystem::new(self.params.clone())
        }
    }

    /// The pool system with `params`, active from genesis.
    pub fn new(params: PoolParams) -> Self {
        Self {
            params,
            activation_timestamp: 0,
            native_beacon_deposit: false,
            native_pol: false,
        }
    }

    /// Whether the precompiles exist in a block with `timestamp`.
    pub fn is_active_at(&self, timestamp: u64) -> bool {
        timestamp >= self.activation_timestamp
    }
}

fn precompile(sys: &Arc<PoolSystem>, target: Target, name: &'static str) -> DynPrecompile {
    let sys = Arc::clone(sys);
    DynPrecompile::new_stateful(PrecompileId::custom(name), move |input| {
        contracts::run(&sys, target, input)
    })
}

/// Registers the staking-pool precompiles: the three singletons at their fixed addresses (warm
/// from the start of every transaction, like the standard precompiles), and every per-pool
/// address through a lookup that reads no state (an address with no pool behind it reverts).
pub fn install(map: &mut PrecompilesMap, config: &PoolConfig) {
    let sys = Arc::new(config.system());
    for (address, target, name) in [
        (FACTORY, Target::Factory, "berapool-factory"),
        (WITHDRAWAL_VAULT, Target::Vault, "berapool-withdrawal-vault"),
        (
            ACCOUNTING_ORACLE,
            Target::Oracle,
            "berapool-accounting-oracle",
        ),
    ] {
        let p = precompile(&sys, target, name);
        map.apply_precompile(&address, move |_| Some(p));
    }
    if config.native_beacon_deposit {
        let p = DynPrecompile::new_stateful(
            PrecompileId::custom("berapool-beacon-deposit"),
            contracts::run_beacon_deposit,
        );
        map.apply_precompile(&BEACON_DEPOSIT, move |_| Some(p));
    }
    map.set_precompile_lookup(move |address: &Address| match Target::of(*address)? {
        target @ Target::Pool(_) => Some(precompile(&sys, target, "berapool-staking-pool")),
        target @ Target::Operator(_) => Some(precompile(&sys, target, "berapool-smart-operator")),
        target @ Target::RewardsVault(_) => {
            Some(precompile(&sys, target, "berapool-rewards-vault"))
        }
        target @ Target::IncentiveCollector(_) => {
            Some(precompile(&sys, target, "berapool-incentive-collector"))
        }
        Target::Factory | Target::Vault | Target::Oracle => None,
    });
}

/// An account the chain's genesis must hold for the pool system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisAccount {
    /// Address.
    pub address: Address,
    /// Nonce (1: EIP-161 must not wipe the account).
    pub nonce: u64,
    /// Code (`0xfe`: `extcodesize > 0` for Solidity callers; the precompile runs first).
    pub code: Bytes,
    /// Storage slots.
    pub storage: Vec<(U256, U256)>,
}

/// The singletons' genesis accounts, initialized with `governance` as the factory's owner and
/// the vault's and oracle's admin.
pub fn genesis_accounts(
    governance: Address,
    params: &PoolParams,
) -> Result<Vec<GenesisAccount>, PoolError> {
    genesis_accounts_with_feeders(governance, params, &[])
}

/// [`genesis_accounts`] with `FEEDER_ROLE` of the AccountingOracle already granted to
/// `feeders` (as if governance had granted it), so a devnet's oracle feeder runs from block 1.
pub fn genesis_accounts_with_feeders(
    governance: Address,
    params: &PoolParams,
    feeders: &[Address],
) -> Result<Vec<GenesisAccount>, PoolError> {
    let sys = PoolSystem::new(params.clone());
    let mut host = MemoryHost::new();
    sys.initialize(&mut host, governance)?;
    for feeder in feeders {
        berapool_pool_state::oracle::oracle_roles().grant_unchecked(
            &mut host,
            berapool_pool_state::access::FEEDER_ROLE,
            *feeder,
            governance,
        )?;
    }
    Ok([FACTORY, WITHDRAWAL_VAULT, ACCOUNTING_ORACLE]
        .into_iter()
        .map(|address| GenesisAccount {
            address,
            nonce: 1,
            code: Bytes::from_static(&[0xfe]),
            storage: host
                .storage
                .iter()
                .filter(|((a, _), _)| *a == address)
                .map(|((_, s), v)| (*s, *v))
                .collect(),
        })
        .collect())
}

/// The genesis account of the native BeaconDeposit (with [`PoolConfig::native_beacon_deposit`]):
/// code `0xfe`, nonce 1, deposit count `genesis_deposits` and the genesis deposits root.
pub fn beacon_deposit_genesis_account(
    genesis_deposits: u64,
    genesis_deposits_root: alloy_primitives::B256,
) -> GenesisAccount {
    use system::beacon_deposit::{DEPOSIT_COUNT_SLOT, GENESIS_ROOT_SLOT};
    let mut storage = Vec::new();
    if genesis_deposits != 0 {
        storage.push((DEPOSIT_COUNT_SLOT, U256::from(genesis_deposits)));
    }
    if !genesis_deposits_root.is_zero() {
        storage.push((
            GENESIS_ROOT_SLOT,
            U256::from_be_bytes(genesis_deposits_root.0),
        ));
    }
    GenesisAccount {
        address: BEACON_DEPOSIT,
        nonce: 1,
        code: Bytes::from_static(&[0xfe]),
        storage,
    }
}
