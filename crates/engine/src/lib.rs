//! The execution engine: a block through the pool system's block executor with every root
//! computed ([`execute`]), the canonical chain that builds, validates and commits blocks
//! ([`Blockchain`]), and the Engine API handle a consensus layer drives it through
//! ([`EngineHandle`]: `forkchoiceUpdatedV3`, `getPayloadV4`, `newPayloadV4`).
//!
//! It stands on the chain spec, storage, the pool precompiles' executor factory and the
//! transaction pool's [`TransactionSource`](berapool_txpool::TransactionSource); the JSON-RPC
//! servers and the dev consensus layer stand on it.

mod blockchain;
pub mod execute;
mod handle;

pub use blockchain::{
    gas_limit_in_bounds, Blockchain, BuildAttributes, CallError, CallOptions, CommitError,
    HeaderField, InvalidBlock, SealedBlock,
};
pub use execute::{
    execute_block, execute_block_with, executor_factory, BlockInput, ExecutionError,
    ExecutorFactory, Mode,
};
pub use handle::{AttributesError, EngineError, EngineHandle, NewHead, HEADS_CHANNEL};
