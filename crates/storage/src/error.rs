//! [`StorageError`]: why the store failed, with the datadir, table or block it concerns.

use std::path::PathBuf;

use alloy_eips::eip2718::Eip2718Error;
use alloy_primitives::B256;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The datadir holds another chain.
    #[error("the datadir {} holds chain {found_chain} (genesis {found_genesis}), not chain {expected_chain} (genesis {expected_genesis}); use another --datadir (or, for a devnet, --dev.reset)", datadir.display())]
    ChainMismatch {
        /// Datadir.
        datadir: PathBuf,
        /// Chain id found.
        found_chain: u64,
        /// Genesis found.
        found_genesis: B256,
        /// Chain id expected.
        expected_chain: u64,
        /// Genesis expected.
        expected_genesis: B256,
    },
    /// The datadir was written with another schema.
    #[error("the datadir {} has storage schema {found}, this node reads schema {expected}", datadir.display())]
    SchemaMismatch {
        /// Datadir.
        datadir: PathBuf,
        /// Schema found.
        found: u32,
        /// Schema expected.
        expected: u32,
    },
    /// The datadir could not be created.
    #[error("datadir {}: {source}", datadir.display())]
    Io {
        /// Datadir.
        datadir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// redb failed (opening, a transaction, a table, the disk, a commit).
    #[error("database: {0}")]
    Database(#[from] redb::Error),
    /// A record has the wrong size (a corrupted datadir).
    #[error("corrupted datadir: a record of table `{table}` has {len} bytes")]
    RecordLength {
        /// The table.
        table: &'static str,
        /// Its size.
        len: usize,
    },
    /// A record does not decode as RLP (a corrupted datadir).
    #[error("corrupted datadir: a record of table `{table}` does not decode: {source}")]
    Rlp {
        /// The table.
        table: &'static str,
        /// The decoder's complaint.
        source: alloy_rlp::Error,
    },
    /// A stored transaction or receipt does not decode (a corrupted datadir).
    #[error(
        "corrupted datadir: an EIP-2718 envelope in table `{table}` does not decode: {source}"
    )]
    Eip2718 {
        /// The table.
        table: &'static str,
        /// The decoder's complaint.
        source: Eip2718Error,
    },
    /// No head is recorded (a corrupted datadir).
    #[error("corrupted datadir: no head block is recorded")]
    MissingHead,
    /// State is asked for at a block outside the kept history.
    #[error("state of block {block} is not available: this node keeps the state of blocks {oldest}..={head}")]
    StateUnavailable {
        /// The block asked for.
        block: u64,
        /// The oldest block whose state is kept.
        oldest: u64,
        /// The head.
        head: u64,
    },
    /// A canonical block below the head is missing (a corrupted datadir).
    #[error("corrupted datadir: canonical block {0} is missing")]
    MissingBlock(u64),
}

macro_rules! from_redb {
    ($($error:ty),*) => {$(
        impl From<$error> for StorageError {
            fn from(error: $error) -> Self {
                Self::Database(error.into())
            }
        }
    )*};
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub(crate) fn rlp_error(table: &'static str) -> impl Fn(alloy_rlp::Error) -> StorageError {
    move |source| StorageError::Rlp { table, source }
}

pub(crate) fn eip2718_error(table: &'static str) -> impl Fn(Eip2718Error) -> StorageError {
    move |source| StorageError::Eip2718 { table, source }
}
