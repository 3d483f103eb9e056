//! The execution host of berapool. Built so far: the chain specification and genesis
//! ([`chainspec`]), the world state ([`state`]) and block execution with the pool system's chain
//! rules ([`execution`]), and embedded storage ([`storage`]). The Engine API and the dev consensus
//! layer follow (see the issue tracker).

pub mod blockchain;
pub mod chainspec;
pub mod dev;
pub mod engine;
pub mod execution;
pub mod launch;
pub mod metrics;
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
