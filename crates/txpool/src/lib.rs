//! The transaction pool: entry validation with clear errors, per-sender nonce order, pending and
//! queued (behind a nonce gap) subpools with per-sender and total queue limits, fee priority,
//! replacement only at a ≥ 10 % higher fee, and a bounded size that evicts queued transactions
//! first, then the cheapest. The payload builder takes the pending ones, best tip first, through
//! [`TransactionSource`], which this crate defines so that the builder depends on the pool's
//! interface and not the other way round.
//!
//! It reads chain state only through revm's `DatabaseRef` ([`AccountReader`]), so it depends on
//! no other crate of the node.

mod error;
mod intrinsic;
mod pool;
mod source;

pub use error::TxPoolError;
pub use intrinsic::intrinsic_gas;
pub use pool::{
    AccountReader, ChainView, PoolStatus, TxPool, TxPoolConfig, ADDED_CHANNEL, MAX_INIT_CODE_SIZE,
};
pub use source::{CanonicalUpdate, TransactionSource, TxQueue};
