//! [`RpcError`]: every way a method fails, typed, turned into the JSON-RPC error codes and
//! messages Ethereum clients expect only here, at the edge.

use alloy_eips::BlockId;
use alloy_evm::revm::context::result::HaltReason;
use alloy_primitives::Bytes;
use berapool_dev_consensus::{DriverError, TimeError};
use berapool_engine::{CallError, EngineError, TriesError};
use berapool_storage::StorageError;
use berapool_txpool::TxPoolError;
use jsonrpsee::types::ErrorObjectOwned;

/// An error a method returns.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// `eth_feeHistory` percentiles out of order or range.
    #[error("invalid params: reward percentiles must ascend within 0..=100")]
    InvalidPercentiles,
    /// `eth_feeHistory` asked for more percentiles than it answers.
    #[error("invalid params: at most {max} reward percentiles, got {got}")]
    TooManyPercentiles {
        /// The limit.
        max: usize,
        /// How many the request held.
        got: usize,
    },
    /// `anvil_mine` asked for too many blocks.
    #[error("invalid params: at most {max} blocks per call")]
    TooManyBlocks {
        /// The limit.
        max: u64,
    },
    /// A dev state edit that cannot be applied (code that is not valid bytecode).
    #[error("invalid params: {0}")]
    InvalidEdit(String),
    /// `berapool_setProposer` for a pubkey that cannot propose.
    #[error("invalid params: {0}")]
    InvalidProposer(String),
    /// `anvil_reset` asked to fork another chain.
    #[error("invalid params: forking is not supported; anvil_reset without options resets to the genesis")]
    ForkingUnsupported,
    /// A dev clock change out of range (`evm_mine`, `evm_increaseTime`, `anvil_mine`).
    #[error("invalid params: {0}")]
    Time(#[from] TimeError),
    /// `eth_subscribe` for something the node does not publish.
    #[error("invalid params: unsupported subscription `{0}`: newHeads, logs and newPendingTransactions are served")]
    UnsupportedSubscription(String),
    /// `eth_subscribe("logs", …)` with a filter that does not parse.
    #[error("invalid params: {0}")]
    InvalidFilter(serde_json::Error),
    /// A filter id that was never installed, was uninstalled, or expired.
    #[error("filter not found")]
    FilterNotFound,
    /// More filters are installed than the node keeps.
    #[error("too many filters installed: at most {0}")]
    TooManyFilters(usize),
    /// A signing method named an account the node holds no key for.
    #[error("unknown account {0}")]
    UnknownAccount(alloy_primitives::Address),
    /// A transaction to sign lacks what cannot be filled in (`from`).
    #[error("invalid params: {0}")]
    IncompleteTransaction(&'static str),
    /// Typed data that is not EIP-712.
    #[error("invalid params: typed data: {0}")]
    TypedData(String),
    /// The call reverted (code 3, with the revert data).
    #[error("execution reverted")]
    Reverted(Bytes),
    /// The call halted (out of gas, invalid opcode, …).
    #[error("execution halted: {0:?}")]
    Halted(HaltReason),
    /// No gas limit up to the allowance lets the call succeed.
    #[error("gas required exceeds allowance ({allowance}): {reason:?}")]
    GasRequired {
        /// The highest limit tried.
        allowance: u64,
        /// How the call ended there.
        reason: HaltReason,
    },
    /// The call could not run (fees, funds, nonce, a malformed request or override).
    #[error("{0}")]
    Call(#[from] CallError),
    /// State is asked for at a block whose history is not kept.
    #[error("state of block {block} is not available: this node keeps the state of blocks {oldest}..={head} (see --history.blocks)")]
    StateUnavailable {
        /// The block asked for.
        block: u64,
        /// The oldest block whose state is kept.
        oldest: u64,
        /// The head.
        head: u64,
    },
    /// The request ran longer than allowed.
    #[error("request took longer than {limit:?}; narrow it")]
    Deadline {
        /// The limit.
        limit: std::time::Duration,
    },
    /// `eth_getProof` for too many slots.
    #[error("invalid params: at most {max} storage keys per proof")]
    TooManySlots {
        /// The limit.
        max: usize,
    },
    /// A transaction the chain does not hold.
    #[error("transaction {0} not found")]
    UnknownTransaction(alloy_primitives::B256),
    /// A trace could not be made (a tracer this node does not run, bad tracer options).
    #[error("{0}")]
    Trace(String),
    /// The block named does not exist.
    #[error("unknown block {0}")]
    UnknownBlock(BlockId),
    /// `eth_getLogs` over too many blocks.
    #[error("block range {from}..={to} is larger than {max} blocks")]
    LogRange {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// The limit.
        max: u64,
    },
    /// `eth_getLogs` matching too many logs.
    #[error("query returns more than {max} logs; narrow the block range")]
    TooManyLogs {
        /// The limit.
        max: usize,
    },
    /// `eth_getLogs` would answer with more log bytes than it returns.
    #[error("query returned more than {max} bytes of logs; narrow the block range or the filter")]
    TooManyLogBytes {
        /// The limit.
        max: usize,
    },
    /// The pool refused the transaction.
    #[error(transparent)]
    TxPool(#[from] TxPoolError),
    /// The Engine API refused.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A dev block could not be produced.
    #[error("internal error: {0}")]
    Driver(#[from] DriverError),
    /// Storage failed.
    #[error("internal error: {0}")]
    Storage(StorageError),
    /// A notification could not be serialized.
    #[error("internal error: {0}")]
    Serialize(#[from] serde_json::Error),
}

impl RpcError {
    /// The JSON-RPC error code.
    pub fn code(&self) -> i32 {
        match self {
            Self::InvalidPercentiles
            | Self::TooManyPercentiles { .. }
            | Self::TooManyBlocks { .. }
            | Self::InvalidEdit(_)
            | Self::InvalidProposer(_)
            | Self::ForkingUnsupported
            | Self::Time(_)
            | Self::UnsupportedSubscription(_)
            | Self::InvalidFilter(_)
            | Self::IncompleteTransaction(_)
            | Self::TypedData(_)
            | Self::TooManySlots { .. } => -32602,
            Self::UnknownAccount(_) | Self::FilterNotFound | Self::TooManyFilters(_) => -32000,
            Self::Reverted(_) => 3,
            Self::Halted(_)
            | Self::GasRequired { .. }
            | Self::Call(_)
            | Self::StateUnavailable { .. }
            | Self::Deadline { .. }
            | Self::UnknownBlock(_)
            | Self::UnknownTransaction(_)
            | Self::Trace(_)
            | Self::LogRange { .. }
            | Self::TooManyLogs { .. }
            | Self::TooManyLogBytes { .. }
            | Self::TxPool(_) => -32000,
            Self::Engine(e) => e.code(),
            Self::Driver(_) | Self::Storage(_) | Self::Serialize(_) => -32603,
        }
    }
}

impl From<StorageError> for RpcError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::StateUnavailable {
                block,
                oldest,
                head,
            } => Self::StateUnavailable {
                block,
                oldest,
                head,
            },
            other => Self::Storage(other),
        }
    }
}

impl From<berapool_engine::TraceError> for RpcError {
    fn from(error: berapool_engine::TraceError) -> Self {
        use berapool_engine::TraceError;
        match error {
            TraceError::Storage(e) => e.into(),
            TraceError::Call(e) => Self::Call(e),
            other => Self::Trace(other.to_string()),
        }
    }
}

impl From<TriesError> for RpcError {
    fn from(error: TriesError) -> Self {
        match error {
            TriesError::Storage(e) => e.into(),
            TriesError::Deadline { .. } => Self::Deadline {
                limit: crate::eth::REQUEST_DEADLINE,
            },
        }
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(error: RpcError) -> Self {
        let code = error.code();
        let message = error.to_string();
        match error {
            // Named when the data is an error we know (`execution reverted: OperatorAlreadySet()`),
            // as geth names `Error(string)` reasons; the data is unchanged.
            RpcError::Reverted(data) => {
                let message = match crate::revert::describe(&data) {
                    Some(reason) => format!("{message}: {reason}"),
                    None => message,
                };
                Self::owned(code, message, Some(data))
            }
            _ => Self::owned(code, message, None::<()>),
        }
    }
}
