//! The node's storage: the embedded redb database under the datadir ([`ChainStore`]), the world
//! state as it was after any kept block ([`StateView`], what execution and JSON-RPC read), and
//! the state's Merkle-Patricia tries ([`StateTries`]), persistent so that a block's root is its
//! parent's tries plus the block's changes.
//!
//! Every block is stored in one write transaction together with its state changes, the history
//! of what they replaced, and the new head, so after a crash the node reopens at the last
//! committed block with state, history and blocks agreeing. Readers open snapshots (redb read
//! transactions) and never wait for the writer.
//!
//! It depends on the chain spec (to write the genesis) and the shared block types, never on
//! execution, the engine or the network.

mod error;
mod history;
mod state;
mod store;
mod tables;
mod trie;
mod view;

pub use error::StorageError;
pub use history::HistoryRetention;
pub use state::StateTries;
pub use store::{ChainStore, DumpedAccount, TxLocation, DB_FILE, SCHEMA_VERSION};
pub use tables::BlockChanges;
pub use trie::Trie;
pub use view::StateView;
