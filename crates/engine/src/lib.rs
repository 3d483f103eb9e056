//! The execution engine: a block through the pool system's block executor with every root
//! computed ([`execute`]), the canonical chain that builds, validates and commits blocks
//! ([`Blockchain`]), the Engine API handle a consensus layer drives it through
//! ([`EngineHandle`]: `forkchoiceUpdatedV3`, `getPayloadV4`, `newPayloadV4`), and the chain as
//! readers see it ([`ChainReader`]: the published head and state at any kept block, never
//! behind the engine's lock), with stored blocks re-executed under tracers ([`trace`]).
//!
//! It stands on the chain spec, storage, the pool precompiles' executor factory and the
//! transaction pool's [`TransactionSource`](berapool_txpool::TransactionSource); the JSON-RPC
//! servers and the dev consensus layer stand on it.

mod blockchain;
pub mod execute;
mod handle;
mod reader;
pub mod trace;

pub use blockchain::{
    gas_limit_in_bounds, next_gas_limit, Blockchain, BuildAttributes, CommitError, HeaderField,
    InvalidBlock, SealedBlock, MIN_GAS_LIMIT,
};
pub use execute::{
    execute_block, execute_block_with, executor_factory, BlockInput, ExecutionError,
    ExecutorFactory, Mode,
};
pub use handle::{AttributesError, EngineError, EngineHandle};
pub use reader::{CallError, CallOptions, ChainReader, Head, NewHead, TriesError, HEADS_CHANNEL};
pub use trace::{TraceError, TracedTransaction, MAX_STRUCT_LOGS};
