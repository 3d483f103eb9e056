//! Blocks as the node passes them between execution and storage.

use alloy_consensus::{transaction::Recovered, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_evm::revm::database::BundleState;
use alloy_primitives::{Address, FixedBytes, B256};

use crate::StateEdit;

/// A block after execution: the header with every root, its body and receipts, and the state
/// changes to store. Storage writes it in one transaction; the engine keeps it until it becomes
/// the head.
#[derive(Debug)]
pub struct ExecutedBlock {
    /// The finished header.
    pub header: Header,
    /// Transactions, with their senders.
    pub transactions: Vec<Recovered<TxEnvelope>>,
    /// Withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Receipts.
    pub receipts: Vec<ReceiptEnvelope>,
    /// EIP-7685 requests.
    pub requests: Requests,
    /// The state changes, already applied to the in-memory state, to persist.
    pub changes: BundleState,
    /// Candidate transactions a block builder left out as invalid on it (the pool drops them);
    /// those that only did not fit in the gas left, and their senders' later ones, are not here.
    pub left_out: Vec<B256>,
    /// Where the time went.
    pub timings: BlockTimings,
    /// Dev-chain state edits applied at its start (empty on any real chain).
    pub state_edits: Vec<StateEdit>,
    /// The parent block's proposer, whose PoL rewards this block distributed (from Prague1).
    pub parent_proposer_pubkey: Option<FixedBytes<48>>,
}

/// Time spent executing a block and computing its state root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockTimings {
    /// Transactions, system calls and applying the changes to the state.
    pub execution: std::time::Duration,
    /// The state root.
    pub state_root: std::time::Duration,
}

/// A stored block: header, transactions with their senders, withdrawals.
#[derive(Clone, Debug)]
pub struct StoredBlock {
    /// Header.
    pub header: Header,
    /// Transactions.
    pub transactions: Vec<TxEnvelope>,
    /// Their senders.
    pub senders: Vec<Address>,
    /// Withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Dev-chain state edits applied at its start (empty on any real chain).
    pub state_edits: Vec<StateEdit>,
    /// The parent block's proposer, whose PoL rewards this block distributed (from Prague1).
    pub parent_proposer_pubkey: Option<FixedBytes<48>>,
}
