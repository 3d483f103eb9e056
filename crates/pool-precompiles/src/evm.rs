//! [`BerapoolEvmFactory`]: alloy-evm's Ethereum EVM with the staking-pool precompiles installed,
//! the exact seam a reth node takes (`EthEvmConfig::new_with_evm_factory`).

use std::sync::Arc;

use alloy_evm::{
    eth::EthEvmContext,
    precompiles::PrecompilesMap,
    revm::{
        context::{
            result::{EVMError, HaltReason},
            BlockEnv, TxEnv,
        },
        context_interface::block::Block,
        inspector::NoOpInspector,
        primitives::hardfork::SpecId,
        Inspector,
    },
    Database, EthEvm, EthEvmFactory, Evm, EvmEnv, EvmFactory,
};

use crate::{install, PoolConfig};

/// Creates Ethereum EVMs with the pool precompiles, from the configured activation timestamp on.
#[derive(Clone, Debug)]
pub struct BerapoolEvmFactory {
    config: Arc<PoolConfig>,
}

impl BerapoolEvmFactory {
    /// A factory installing the pool system configured by `config`.
    pub fn new(config: PoolConfig) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    fn install_into(&self, map: &mut PrecompilesMap, timestamp: u64) {
        if self.config.is_active_at(timestamp) {
            install(map, &self.config);
        }
    }
}

impl EvmFactory for BerapoolEvmFactory {
    type Evm<DB: Database, I: Inspector<EthEvmContext<DB>>> = EthEvm<DB, I, PrecompilesMap>;
    type Context<DB: Database> = EthEvmContext<DB>;
    type Tx = TxEnv;
    type Error<DBError: alloy_evm::revm::context::DBErrorMarker> = EVMError<DBError>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;

    fn create_evm<DB: Database>(&self, db: DB, input: EvmEnv) -> Self::Evm<DB, NoOpInspector> {
        let timestamp = input.block_env.timestamp().saturating_to();
        let mut evm = EthEvmFactory::default().create_evm(db, input);
        self.install_into(evm.precompiles_mut(), timestamp);
        evm
    }

    fn create_evm_with_inspector<DB: Database, I: Inspector<Self::Context<DB>>>(
        &self,
        db: DB,
        input: EvmEnv,
        inspector: I,
    ) -> Self::Evm<DB, I> {
        let timestamp = input.block_env.timestamp().saturating_to();
        let mut evm = EthEvmFactory::default().create_evm_with_inspector(db, input, inspector);
        self.install_into(evm.precompiles_mut(), timestamp);
        evm
    }
}
