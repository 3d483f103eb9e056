//! The canonical chain and the three things done to it: building a block on the head,
//! validating a block received from outside, and committing a block as the new head (one
//! storage transaction, then the new head published to readers). Blocks execute on a view of
//! the head's stored state, and their state root comes from the head's tries with the block's
//! changes applied: nothing is copied.

use std::path::Path;

use alloy_consensus::{transaction::Recovered, Header, TxEnvelope};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawal, eip7685::Requests};
use alloy_primitives::{Address, Bloom, Bytes, B256};
use berapool_chainspec::ChainSpec;
use berapool_pool_precompiles::pool_state::addresses::Pubkey;
use berapool_primitives::{ExecutedBlock, GotExpected, StateEdit};
use berapool_storage::{ChainStore, StateTries, StorageError};

use crate::{
    execute::{execute_block_with, executor_factory, BlockInput, ExecutionError, Mode},
    reader::{ChainReader, Head},
};

/// A block ready to become the head: executed, with the state tries after it.
#[derive(Debug)]
pub struct SealedBlock {
    /// The block.
    pub block: ExecutedBlock,
    /// Its hash.
    pub hash: B256,
    /// The state tries after it.
    pub tries: StateTries,
}

/// What a block builder is asked for.
#[derive(Clone, Debug)]
pub struct BuildAttributes {
    /// Timestamp.
    pub timestamp: u64,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// EIP-4895 withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// EIP-4788 parent beacon block root.
    pub parent_beacon_block_root: B256,
    /// Dev-chain state edits to apply at the block's start; a block with edits carries no
    /// transactions, so an edit never lands in a block beside pool transactions.
    pub state_edits: Vec<StateEdit>,
    /// The gas limit to move toward (as far as one block may); the parent's when `None`.
    pub target_gas_limit: Option<u64>,
    /// The parent's proposer (BeaconKit's `parentProposerPubKey`), whose PoL rewards the
    /// block distributes; required on chains with PoL, refused on others.
    pub parent_proposer_pubkey: Option<Pubkey>,
}

/// The gas limit of a block after one with `parent`'s, as close to `target` as a block may
/// move it (geth's rule: strictly less than 1/1024 of the parent's per block).
pub fn next_gas_limit(parent: u64, target: Option<u64>) -> u64 {
    let Some(target) = target else {
        return parent;
    };
    let step = (parent / 1024).saturating_sub(1);
    if target > parent {
        parent.saturating_add(step).min(target)
    } else {
        parent.saturating_sub(step).max(target).max(MIN_GAS_LIMIT)
    }
}

/// The lowest gas limit a block may have.
pub const MIN_GAS_LIMIT: u64 = 5000;

/// Why a received block is invalid.
#[derive(Debug, thiserror::Error)]
pub enum InvalidBlock {
    /// It does not extend the head.
    #[error("parent {parent} is not the head {head}")]
    NotOnHead {
        /// Its parent.
        parent: B256,
        /// The head.
        head: B256,
    },
    /// Its number does not follow the parent's.
    #[error("number {number} after parent {parent}")]
    Number {
        /// Its number.
        number: u64,
        /// The parent's.
        parent: u64,
    },
    /// Its timestamp is not after the parent's.
    #[error("timestamp {timestamp} not after parent's {parent}")]
    Timestamp {
        /// Its timestamp.
        timestamp: u64,
        /// The parent's.
        parent: u64,
    },
    /// It uses more gas than its limit.
    #[error("gas used {used} above the limit {limit}")]
    GasAboveLimit {
        /// Gas used.
        used: u64,
        /// Gas limit.
        limit: u64,
    },
    /// Its gas limit moved more than 1/1024 from the parent's.
    #[error("gas limit {limit} too far from the parent's {parent}")]
    GasLimit {
        /// Its limit.
        limit: u64,
        /// The parent's.
        parent: u64,
    },
    /// Its base fee is not the one EIP-1559 gives.
    #[error("base fee {0}")]
    BaseFee(GotExpected<Option<u64>>),
    /// A root or hash in its header is not what execution produced.
    #[error("{field} mismatch: header has {}, execution gives {}", .diff.got, .diff.expected)]
    Root {
        /// Which field.
        field: HeaderField,
        /// Header (got) and execution (expected).
        diff: GotExpected<B256>,
    },
    /// An optional root (withdrawals, requests) is not what execution produced.
    #[error("{field} mismatch: header has {:?}, execution gives {:?}", .diff.got, .diff.expected)]
    OptionalRoot {
        /// Which field.
        field: HeaderField,
        /// Header (got) and execution (expected).
        diff: GotExpected<Option<B256>>,
    },
    /// The logs bloom is not what execution produced.
    #[error("logs bloom mismatch")]
    LogsBloom(Box<GotExpected<Bloom>>),
    /// The gas used is not what execution produced.
    #[error("gas used mismatch: header has {}, execution gives {}", .0.got, .0.expected)]
    GasUsed(GotExpected<u64>),
    /// The execution requests sent with the payload are not what execution produced.
    #[error("execution requests mismatch: payload has {}, execution gives {}", .0.got.len(), .0.expected.len())]
    Requests(Box<GotExpected<Requests>>),
    /// Execution refused the block (an invalid transaction, a failed system call).
    #[error("execution failed: {0}")]
    Execution(#[from] ExecutionError),
}

/// A header field that execution computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderField {
    /// `stateRoot`.
    StateRoot,
    /// `receiptsRoot`.
    ReceiptsRoot,
    /// `transactionsRoot`.
    TransactionsRoot,
    /// `withdrawalsRoot`.
    WithdrawalsRoot,
    /// `requestsHash`.
    RequestsHash,
    /// The block hash.
    BlockHash,
}

impl std::fmt::Display for HeaderField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::StateRoot => "state root",
            Self::ReceiptsRoot => "receipts root",
            Self::TransactionsRoot => "transactions root",
            Self::WithdrawalsRoot => "withdrawals root",
            Self::RequestsHash => "requests hash",
            Self::BlockHash => "block hash",
        })
    }
}

/// Why [`Blockchain::commit`] refused a block.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// It was built or validated on another head.
    #[error("block {block} does not extend the head {head}")]
    NotOnHead {
        /// Its hash.
        block: B256,
        /// The head.
        head: B256,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The canonical chain; its head is what its [`ChainReader`] publishes.
#[derive(Debug)]
pub struct Blockchain {
    reader: ChainReader,
}

/// The gas limit a block may have after `parent` (EIP-1559: at most 1/1024 change).
pub fn gas_limit_in_bounds(parent: u64, limit: u64) -> bool {
    let delta = parent / 1024;
    limit >= MIN_GAS_LIMIT && limit < parent + delta && limit > parent.saturating_sub(delta)
}

impl Blockchain {
    /// Opens the chain stored in `datadir` (writing the genesis on first use), keeping all
    /// state history.
    pub fn open(datadir: &Path, spec: ChainSpec) -> Result<Self, StorageError> {
        let store = ChainStore::open(datadir, &spec)?;
        Self::new(store, spec)
    }

    /// The chain in `store`: its head, and the head's state tries built from the stored state.
    pub fn new(store: ChainStore, spec: ChainSpec) -> Result<Self, StorageError> {
        let number = store.head_number()?;
        let header = store
            .header(number)?
            .ok_or(StorageError::MissingBlock(number))?;
        let hash = header.hash_slow();
        let tries = store.load_tries()?;
        let factory = executor_factory(&spec);
        let head = Head {
            header,
            hash,
            tries,
        };
        Ok(Self {
            reader: ChainReader::new(spec, factory, store, head),
        })
    }

    /// The chain as readers see it.
    pub fn reader(&self) -> &ChainReader {
        &self.reader
    }

    /// The chain's spec.
    pub fn spec(&self) -> &ChainSpec {
        self.reader.spec()
    }

    /// The store.
    pub fn store(&self) -> &ChainStore {
        self.reader.store()
    }

    /// The head.
    pub fn head(&self) -> std::sync::Arc<Head> {
        self.reader.head()
    }

    /// Builds a block on the head from `candidates` (those that cannot be included are left out).
    pub fn build(
        &self,
        attributes: &BuildAttributes,
        candidates: Vec<Recovered<TxEnvelope>>,
    ) -> Result<SealedBlock, ExecutionError> {
        let head = self.head();
        let input = BlockInput {
            parent: head.header.clone(),
            parent_hash: head.hash,
            timestamp: attributes.timestamp,
            beneficiary: attributes.fee_recipient,
            prev_randao: attributes.prev_randao,
            gas_limit: next_gas_limit(head.header.gas_limit, attributes.target_gas_limit),
            parent_beacon_block_root: attributes.parent_beacon_block_root,
            withdrawals: attributes.withdrawals.clone(),
            extra_data: Bytes::from_static(b"berapool"),
            transactions: if attributes.state_edits.is_empty() {
                candidates
            } else {
                Vec::new()
            },
            state_edits: attributes.state_edits.clone(),
            parent_proposer_pubkey: attributes.parent_proposer_pubkey,
        };
        self.execute(&head, input, Mode::Build)
    }

    /// Executes `input` on the head's state.
    fn execute(
        &self,
        head: &Head,
        input: BlockInput,
        mode: Mode,
    ) -> Result<SealedBlock, ExecutionError> {
        let state = self.store().latest().map_err(ExecutionError::Storage)?;
        let (block, tries) = execute_block_with(
            self.spec(),
            self.reader.factory(),
            &state,
            &head.tries,
            input,
            mode,
        )?;
        let hash = block.header.hash_slow();
        Ok(SealedBlock { block, hash, tries })
    }

    /// Validates a block received from outside against its parent (the head) and by executing
    /// it: every root and total in its header must be what execution produces. `state_edits`
    /// are the dev-chain edits the block was built with (empty for a block from a consensus
    /// client; a stored block lists its own).
    pub fn validate(
        &self,
        header: &Header,
        transactions: Vec<Recovered<TxEnvelope>>,
        withdrawals: Vec<Withdrawal>,
        requests: &Requests,
        state_edits: Vec<StateEdit>,
        parent_proposer_pubkey: Option<Pubkey>,
    ) -> Result<SealedBlock, InvalidBlock> {
        let head = self.head();
        let parent = &head.header;
        if header.parent_hash != head.hash {
            return Err(InvalidBlock::NotOnHead {
                parent: header.parent_hash,
                head: head.hash,
            });
        }
        if header.number != parent.number + 1 {
            return Err(InvalidBlock::Number {
                number: header.number,
                parent: parent.number,
            });
        }
        if header.timestamp <= parent.timestamp {
            return Err(InvalidBlock::Timestamp {
                timestamp: header.timestamp,
                parent: parent.timestamp,
            });
        }
        if header.gas_used > header.gas_limit {
            return Err(InvalidBlock::GasAboveLimit {
                used: header.gas_used,
                limit: header.gas_limit,
            });
        }
        if !gas_limit_in_bounds(parent.gas_limit, header.gas_limit) {
            return Err(InvalidBlock::GasLimit {
                limit: header.gas_limit,
                parent: parent.gas_limit,
            });
        }
        let base_fee = parent.next_block_base_fee(BaseFeeParams::ethereum());
        if header.base_fee_per_gas != base_fee {
            return Err(InvalidBlock::BaseFee(GotExpected::new(
                header.base_fee_per_gas,
                base_fee,
            )));
        }
        let input = BlockInput {
            parent: parent.clone(),
            parent_hash: head.hash,
            timestamp: header.timestamp,
            beneficiary: header.beneficiary,
            prev_randao: header.mix_hash,
            gas_limit: header.gas_limit,
            parent_beacon_block_root: header.parent_beacon_block_root.unwrap_or_default(),
            withdrawals,
            extra_data: header.extra_data.clone(),
            transactions,
            state_edits,
            parent_proposer_pubkey,
        };
        let SealedBlock { block, tries, .. } = self.execute(&head, input, Mode::Validate)?;
        let computed = &block.header;
        let root = |field, got: B256, expected: B256| {
            if got == expected {
                Ok(())
            } else {
                Err(InvalidBlock::Root {
                    field,
                    diff: GotExpected::new(got, expected),
                })
            }
        };
        let optional_root = |field, got: Option<B256>, expected: Option<B256>| {
            if got == expected {
                Ok(())
            } else {
                Err(InvalidBlock::OptionalRoot {
                    field,
                    diff: GotExpected::new(got, expected),
                })
            }
        };
        root(
            HeaderField::StateRoot,
            header.state_root,
            computed.state_root,
        )?;
        root(
            HeaderField::ReceiptsRoot,
            header.receipts_root,
            computed.receipts_root,
        )?;
        root(
            HeaderField::TransactionsRoot,
            header.transactions_root,
            computed.transactions_root,
        )?;
        optional_root(
            HeaderField::WithdrawalsRoot,
            header.withdrawals_root,
            computed.withdrawals_root,
        )?;
        if header.logs_bloom != computed.logs_bloom {
            return Err(InvalidBlock::LogsBloom(Box::new(GotExpected::new(
                header.logs_bloom,
                computed.logs_bloom,
            ))));
        }
        if header.gas_used != computed.gas_used {
            return Err(InvalidBlock::GasUsed(GotExpected::new(
                header.gas_used,
                computed.gas_used,
            )));
        }
        optional_root(
            HeaderField::RequestsHash,
            header.requests_hash,
            computed.requests_hash,
        )?;
        if block.requests != *requests {
            return Err(InvalidBlock::Requests(Box::new(GotExpected::new(
                requests.clone(),
                block.requests.clone(),
            ))));
        }
        let hash = header.hash_slow();
        root(HeaderField::BlockHash, hash, computed.hash_slow())?;
        Ok(SealedBlock { block, hash, tries })
    }

    /// Removes every block after `target` (dev chains: `evm_revert`, `anvil_reset`): the store
    /// unwinds them in one transaction, the head's tries are rolled back through what they
    /// changed, and `target` is published as the head. Refused, changing nothing, when
    /// `target` is after the head or outside the kept history.
    pub fn unwind_to(&mut self, target: u64) -> Result<(), StorageError> {
        let head = self.head();
        if target == head.number() {
            return Ok(());
        }
        let undone = self.store().unwind_to(target)?;
        let mut tries = head.tries.clone();
        for changes in &undone {
            tries.revert(changes);
        }
        let header = self
            .store()
            .header(target)?
            .ok_or(StorageError::MissingBlock(target))?;
        if tries.root() != header.state_root {
            // Never expected; the stored state is the truth, so rebuild from it.
            tracing::warn!(target: "berapool::chain", block = target, "rolled-back tries disagree with the stored root; rebuilding them");
            tries = self.store().load_tries()?;
        }
        let hash = header.hash_slow();
        tracing::info!(target: "berapool::chain", from = head.number(), to = target, "chain unwound");
        self.reader.publish_unwound(Head {
            header,
            hash,
            tries,
        });
        Ok(())
    }

    /// Makes `sealed` (built or validated on the current head) the new head: stored, then
    /// published to readers.
    pub fn commit(&mut self, sealed: SealedBlock) -> Result<(), CommitError> {
        let head = self.head();
        if sealed.block.header.parent_hash != head.hash {
            return Err(CommitError::NotOnHead {
                block: sealed.hash,
                head: head.hash,
            });
        }
        self.store().commit_block(&sealed.block)?;
        let transactions = sealed.block.transactions.len();
        self.reader.publish(
            Head {
                header: sealed.block.header,
                hash: sealed.hash,
                tries: sealed.tries,
            },
            transactions,
        );
        Ok(())
    }
}
