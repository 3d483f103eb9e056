//! [`TxPoolError`]: why the pool refused a transaction, in the words Ethereum clients use.

use alloy_consensus::crypto::RecoveryError;
use alloy_eips::eip2718::Eip2718Error;
use alloy_primitives::U256;

/// Why a transaction was refused (the message is what JSON-RPC clients see).
#[derive(Debug, thiserror::Error)]
pub enum TxPoolError {
    /// Not a valid EIP-2718 transaction.
    #[error("invalid transaction encoding: {0}")]
    Decode(#[from] Eip2718Error),
    /// Larger than the pool takes.
    #[error("oversized data: transaction of {size} bytes, at most {max}")]
    Oversized {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A contract creation whose init code is over EIP-3860's limit: execution refuses it.
    #[error("max initcode size exceeded: code size {size}, limit {max}")]
    InitCodeTooLarge {
        /// Its init code's length.
        size: usize,
        /// EIP-3860's limit.
        max: usize,
    },
    /// An EIP-7702 transaction without authorizations: execution refuses it.
    #[error("invalid transaction: EIP-7702 authorization list is empty")]
    EmptyAuthorizationList,
    /// Signed for another chain (or without replay protection).
    #[error("invalid chain id: expected {expected}, got {got:?}")]
    WrongChainId {
        /// This chain.
        expected: u64,
        /// The transaction's.
        got: Option<u64>,
    },
    /// The signature does not recover.
    #[error("invalid signature: {0}")]
    BadSignature(#[from] RecoveryError),
    /// Blob transactions are not taken.
    #[error("transaction type not supported: blob transactions")]
    Unsupported,
    /// Nonce already used.
    #[error("nonce too low: next nonce {next}, tx nonce {got}")]
    NonceTooLow {
        /// The account's next nonce.
        next: u64,
        /// The transaction's.
        got: u64,
    },
    /// Nonce too far ahead.
    #[error("nonce too high: next nonce {next}, tx nonce {got}, at most {max_gap} ahead")]
    NonceGap {
        /// The account's next nonce.
        next: u64,
        /// The transaction's.
        got: u64,
        /// The allowed gap.
        max_gap: u64,
    },
    /// Cannot pay value plus gas.
    #[error("insufficient funds for gas * price + value: balance {balance}, tx cost {cost}")]
    InsufficientFunds {
        /// Sender's balance.
        balance: U256,
        /// value + gas_limit · max_fee.
        cost: U256,
    },
    /// Gas limit below what the transaction costs before execution.
    #[error("intrinsic gas too low: have {got}, want {needed}")]
    IntrinsicGas {
        /// Needed.
        needed: u64,
        /// Given.
        got: u64,
    },
    /// Gas limit above the block's.
    #[error("exceeds block gas limit: {got} > {limit}")]
    GasLimit {
        /// Given.
        got: u64,
        /// Block gas limit.
        limit: u64,
    },
    /// Fee cap below the current base fee.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas {max_fee}, baseFee {base_fee}"
    )]
    FeeCapTooLow {
        /// The transaction's max fee.
        max_fee: u128,
        /// Base fee of the next block.
        base_fee: u64,
    },
    /// Tip above the fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// Same sender and nonce, not enough more fee.
    #[error("replacement transaction underpriced: needs {bump}% more fee")]
    ReplacementUnderpriced {
        /// The needed bump.
        bump: u128,
    },
    /// Already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// The pool is full of better-paying transactions.
    #[error("txpool is full")]
    PoolFull,
    /// The queue (transactions behind a nonce gap) is full of better-paying ones.
    #[error("txpool is full: no room for another queued transaction (nonce gap)")]
    QueueFull,
    /// The sender already has as many queued transactions as it may.
    #[error("too many queued transactions from this sender: at most {max} behind a nonce gap")]
    SenderQueueFull {
        /// The limit.
        max: usize,
    },
    /// The sender's account could not be read.
    #[error("cannot read the sender's account: {0}")]
    State(Box<dyn core::error::Error + Send + Sync>),
}
