//! The node's storage: the embedded redb database under the datadir ([`ChainStore`]), the
//! world state execution reads ([`MemoryState`]) and its incremental Merkle-Patricia root
//! ([`trie`]).
//!
//! Every block is stored in one write transaction together with its state changes and the new
//! head, so after a crash the node reopens at the last committed block, with state and blocks
//! agreeing. The node executes on an in-memory copy of the state loaded from here at start.
//!
//! It depends on the chain spec (to write the genesis) and the shared block types, never on
//! execution, the engine or the network.

mod error;
mod state;
mod store;
pub mod trie;

pub use error::StorageError;
pub use state::{MemoryState, RETENTION};
pub use store::{ChainStore, TxLocation, DB_FILE, SCHEMA_VERSION};
