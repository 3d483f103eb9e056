//! The execution host of berapool: the chain specification and genesis ([`chainspec`]), the world
//! state ([`state`], [`trie`]), block execution with the pool system's chain rules
//! ([`execution`]), embedded storage ([`storage`]), the canonical chain ([`blockchain`]), the
//! Engine API handle ([`engine`]), the transaction pool ([`txpool`]), JSON-RPC and the
//! authenticated Engine API server ([`rpc`]), metrics ([`metrics`]), the dev block producer and
//! consensus-layer simulator with its proof API ([`dev`]), the oracle feeder ([`oracle`]), and
//! [`launch`], which starts them together.

pub mod blockchain;
pub mod chainspec;
pub mod dev;
pub mod engine;
pub mod execution;
pub mod http;
pub mod launch;
pub mod metrics;
pub mod oracle;
pub mod rpc;
pub mod state;
pub mod storage;
pub mod trie;
pub mod txpool;

pub use chainspec::{BerapoolConfig, ChainSpec, ChainSpecError};
pub use execution::{
    execute_block, execute_block_with, executor_factory, BlockInput, ExecutedBlock, ExecutionError,
    Mode,
};
pub use state::MemoryState;
pub use storage::{ChainStore, StorageError};

/// Seconds since the Unix epoch by the wall clock (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
