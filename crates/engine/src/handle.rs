//! The Engine API handle: the path by which a consensus client drives the node. The dev
//! consensus layer calls it in process; the authenticated RPC server exposes the same handle.
//!
//! - `newPayloadV4` validates a block fully (parent, timestamp, gas, base fee, every root, the
//!   block hash, the execution requests) and keeps it, valid, until a forkchoice update makes
//!   it the head;
//! - `forkchoiceUpdatedV3` makes a kept block the head, records the safe and finalized blocks,
//!   and with payload attributes starts building the next block;
//! - `getPayloadV4` returns a built payload with its execution requests.
//!
//! Only a linear chain is followed: a payload must build on the head, and a forkchoice update
//! to an older canonical block is a no-op, as the Engine API allows.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{keccak256, B256, U256};
use alloy_rpc_types_engine::{
    BlobsBundleV1, ExecutionPayloadEnvelopeV3, ExecutionPayloadEnvelopeV4, ExecutionPayloadV3,
    ForkchoiceState, ForkchoiceUpdated, PayloadAttributes, PayloadId, PayloadStatus,
    PayloadStatusEnum,
};

use alloy_primitives::Address;
use berapool_pool_precompiles::pool_state::addresses::Pubkey;
use berapool_primitives::StateEdit;
use berapool_storage::StorageError;
use berapool_txpool::{CanonicalUpdate, TransactionSource};

use crate::{
    blockchain::{Blockchain, BuildAttributes, CommitError, SealedBlock},
    execute::ExecutionError,
    reader::{ChainReader, NewHead},
};

/// Engine API errors (with their JSON-RPC codes).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// -38001: no payload with this id.
    #[error("unknown payload")]
    UnknownPayload,
    /// -38003: the payload attributes cannot be built on the head.
    #[error("invalid payload attributes: {0}")]
    InvalidPayloadAttributes(#[from] AttributesError),
    /// -38002: the safe or finalized block is not canonical.
    #[error("invalid forkchoice state: safe or finalized block is not canonical")]
    InvalidForkchoiceState,
    /// -32000: storage failed.
    #[error("internal error: {0}")]
    Storage(#[from] StorageError),
    /// -32000: our own payload could not be built.
    #[error("internal error: {0}")]
    Build(#[from] ExecutionError),
    /// -32000: a validated block could not become the head.
    #[error("internal error: {0}")]
    Commit(#[from] CommitError),
}

/// Why payload attributes cannot be built on the head.
#[derive(Debug, thiserror::Error)]
pub enum AttributesError {
    /// The timestamp is not after the head's.
    #[error("timestamp {timestamp} is not after the head's {head}")]
    Timestamp {
        /// The attributes' timestamp.
        timestamp: u64,
        /// The head's.
        head: u64,
    },
    /// No parent beacon block root (required from Cancun on).
    #[error("missing parent beacon block root")]
    MissingParentBeaconBlockRoot,
    /// `parentProposerPubKey` missing on a chain with PoL (use `engine_forkchoiceUpdatedV3P11`),
    /// or given on one without.
    #[error("{}", if *required { "missing parentProposerPubKey: this chain runs PoL (engine_forkchoiceUpdatedV3P11)" } else { "parentProposerPubKey given, but this chain has no PoL at that timestamp" })]
    ParentProposer {
        /// Whether the chain needs it.
        required: bool,
    },
}

impl EngineError {
    /// The JSON-RPC error code.
    pub const fn code(&self) -> i32 {
        match self {
            Self::UnknownPayload => -38001,
            Self::InvalidForkchoiceState => -38002,
            Self::InvalidPayloadAttributes(_) => -38003,
            Self::Storage(_) | Self::Build(_) | Self::Commit(_) => -32000,
        }
    }
}

struct Inner {
    chain: Blockchain,
    /// Built by us, by id.
    built: HashMap<PayloadId, (SealedBlock, U256)>,
    /// Validated and waiting for a forkchoice update, by hash.
    valid: HashMap<B256, SealedBlock>,
}

/// The Engine API of one node.
#[derive(Clone)]
pub struct EngineHandle {
    inner: Arc<Mutex<Inner>>,
    source: Arc<dyn TransactionSource>,
    /// The chain for readers, outside the lock.
    reader: ChainReader,
}

impl std::fmt::Debug for EngineHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineHandle").finish_non_exhaustive()
    }
}

fn payload_id(
    parent: B256,
    attributes: &PayloadAttributes,
    parent_proposer: Option<Pubkey>,
    edits: &[StateEdit],
) -> PayloadId {
    let mut buf = parent.to_vec();
    buf.extend_from_slice(&berapool_primitives::encode_state_edits(edits));
    if let Some(pubkey) = parent_proposer {
        buf.extend_from_slice(pubkey.as_slice());
    }
    buf.extend_from_slice(&attributes.timestamp.to_be_bytes());
    buf.extend_from_slice(attributes.prev_randao.as_slice());
    buf.extend_from_slice(attributes.suggested_fee_recipient.as_slice());
    buf.extend_from_slice(
        attributes
            .parent_beacon_block_root
            .unwrap_or_default()
            .as_slice(),
    );
    for w in attributes.withdrawals.iter().flatten() {
        buf.extend_from_slice(&w.index.to_be_bytes());
    }
    let hash = keccak256(buf);
    let mut id = [0u8; 8];
    id.copy_from_slice(&hash[..8]);
    PayloadId::new(id)
}

fn invalid(reason: impl ToString, latest_valid: Option<B256>) -> PayloadStatus {
    PayloadStatus::new(
        PayloadStatusEnum::Invalid {
            validation_error: reason.to_string(),
        },
        latest_valid,
    )
}

impl EngineHandle {
    /// The handle over `chain`, building from `source`.
    pub fn new(chain: Blockchain, source: Arc<dyn TransactionSource>) -> Self {
        Self {
            reader: chain.reader().clone(),
            inner: Arc::new(Mutex::new(Inner {
                chain,
                built: HashMap::new(),
                valid: HashMap::new(),
            })),
            source,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The chain as readers see it (without this handle's lock).
    pub fn reader(&self) -> &ChainReader {
        &self.reader
    }

    /// Blocks as they become the head (see [`ChainReader::subscribe_heads`]).
    pub fn subscribe_heads(&self) -> tokio::sync::broadcast::Receiver<NewHead> {
        self.reader.subscribe_heads()
    }

    /// Runs `f` on the chain under the engine's lock (tests; readers use [`Self::reader`]).
    pub fn with_chain<T>(&self, f: impl FnOnce(&Blockchain) -> T) -> T {
        f(&self.lock().chain)
    }

    /// Whether the transaction source has something waiting.
    pub fn has_pending_transactions(&self) -> bool {
        self.source.has_pending()
    }

    /// Waits up to `timeout` for transactions; returns whether some are waiting.
    pub fn wait_for_transactions(&self, timeout: std::time::Duration) -> bool {
        self.source.wait_pending(timeout)
    }

    /// `engine_forkchoiceUpdatedV3`.
    pub fn fork_choice_updated_v3(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> Result<ForkchoiceUpdated, EngineError> {
        self.fork_choice_updated_with_edits(state, attributes, None, Vec::new())
    }

    /// `engine_forkchoiceUpdatedV3P11` (BeaconKit from Electra1): the payload attributes carry
    /// the parent's proposer, whose PoL rewards the block distributes.
    pub fn fork_choice_updated_p11(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
        parent_proposer_pubkey: Option<Pubkey>,
    ) -> Result<ForkchoiceUpdated, EngineError> {
        self.fork_choice_updated_with_edits(state, attributes, parent_proposer_pubkey, Vec::new())
    }

    /// `engine_forkchoiceUpdatedV3` for the dev block driver: the payload it starts applies
    /// `state_edits` at its start and carries no transactions (none with no edits).
    pub fn fork_choice_updated_with_edits(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
        parent_proposer_pubkey: Option<Pubkey>,
        state_edits: Vec<StateEdit>,
    ) -> Result<ForkchoiceUpdated, EngineError> {
        let mut inner = self.lock();
        let head_hash = inner.chain.head().hash;
        if state.head_block_hash != head_hash {
            if let Some(sealed) = inner.valid.remove(&state.head_block_hash) {
                let left_out = sealed.block.left_out.clone();
                let included: Vec<B256> = sealed
                    .block
                    .transactions
                    .iter()
                    .map(|t| *t.inner().tx_hash())
                    .collect();
                if sealed.block.header.parent_hash != head_hash {
                    return Ok(ForkchoiceUpdated::from_status(PayloadStatusEnum::Syncing));
                }
                // The next nonce of every account the block changed, for the pool.
                let nonces: Vec<(Address, u64)> = sealed
                    .block
                    .changes
                    .state
                    .iter()
                    .map(|(address, account)| {
                        (*address, account.info.as_ref().map_or(0, |info| info.nonce))
                    })
                    .collect();
                inner.chain.commit(sealed)?;
                inner.built.clear();
                inner.valid.clear();
                self.source.on_canonical(&CanonicalUpdate {
                    included: &included,
                    left_out: &left_out,
                    nonces: &nonces,
                });
            } else if inner
                .chain
                .store()
                .block_number(state.head_block_hash)?
                .is_some()
            {
                // An older canonical block: nothing to do, and no build on it.
                return Ok(ForkchoiceUpdated::new(PayloadStatus::new(
                    PayloadStatusEnum::Valid,
                    Some(state.head_block_hash),
                )));
            } else {
                return Ok(ForkchoiceUpdated::from_status(PayloadStatusEnum::Syncing));
            }
        }
        let head_hash = inner.chain.head().hash;
        let store = inner.chain.store();
        let known =
            |h: B256| h.is_zero() || store.block_number(h).map(|n| n.is_some()).unwrap_or(false);
        if !known(state.safe_block_hash) || !known(state.finalized_block_hash) {
            return Err(EngineError::InvalidForkchoiceState);
        }
        let (safe, finalized) = (state.safe_block_hash, state.finalized_block_hash);
        if !safe.is_zero() || !finalized.is_zero() {
            store.set_safe_and_finalized(safe, finalized)?;
        }
        let valid = PayloadStatus::new(PayloadStatusEnum::Valid, Some(head_hash));
        let Some(attributes) = attributes else {
            return Ok(ForkchoiceUpdated::new(valid));
        };
        let head = inner.chain.head();
        let head = &head.header;
        if attributes.timestamp <= head.timestamp {
            return Err(AttributesError::Timestamp {
                timestamp: attributes.timestamp,
                head: head.timestamp,
            }
            .into());
        }
        let Some(parent_beacon_block_root) = attributes.parent_beacon_block_root else {
            return Err(AttributesError::MissingParentBeaconBlockRoot.into());
        };
        let needs = inner.chain.spec().has_pol_at(attributes.timestamp);
        if needs != parent_proposer_pubkey.is_some() {
            return Err(AttributesError::ParentProposer { required: needs }.into());
        }
        let id = payload_id(head_hash, &attributes, parent_proposer_pubkey, &state_edits);
        let build = BuildAttributes {
            timestamp: attributes.timestamp,
            prev_randao: attributes.prev_randao,
            fee_recipient: attributes.suggested_fee_recipient,
            withdrawals: attributes.withdrawals.clone().unwrap_or_default(),
            parent_beacon_block_root,
            state_edits,
            target_gas_limit: attributes.target_gas_limit,
            parent_proposer_pubkey,
        };
        let sealed = inner.chain.build(&build, self.source.candidates())?;
        let base_fee = U256::from(sealed.block.header.base_fee_per_gas.unwrap_or_default());
        let fees = sealed
            .block
            .receipts
            .iter()
            .zip(&sealed.block.transactions)
            .scan(0u64, |previous, (receipt, tx)| {
                let used = receipt.cumulative_gas_used() - *previous;
                *previous = receipt.cumulative_gas_used();
                let tip =
                    alloy_consensus::Transaction::effective_tip_per_gas(tx.inner(), base_fee.to())
                        .unwrap_or_default();
                Some(U256::from(used) * U256::from(tip))
            })
            .fold(U256::ZERO, |a, b| a + b);
        inner.built.insert(id, (sealed, fees));
        Ok(ForkchoiceUpdated::new(valid).with_payload_id(id))
    }

    /// Removes every block after `target` (a dev chain's `evm_revert` and `anvil_reset`);
    /// payloads built or validated on the removed blocks are forgotten and the transaction
    /// source is told.
    pub fn unwind_to(&self, target: u64) -> Result<(), EngineError> {
        let mut inner = self.lock();
        if inner.chain.head().number() == target {
            return Ok(());
        }
        inner.chain.unwind_to(target)?;
        inner.built.clear();
        inner.valid.clear();
        self.source.on_unwind();
        Ok(())
    }

    /// `engine_getPayloadV4`.
    pub fn get_payload_v4(&self, id: PayloadId) -> Result<ExecutionPayloadEnvelopeV4, EngineError> {
        let inner = self.lock();
        let (sealed, value) = inner.built.get(&id).ok_or(EngineError::UnknownPayload)?;
        let block = &sealed.block;
        let body = Block {
            header: block.header.clone(),
            body: alloy_consensus::BlockBody {
                transactions: block
                    .transactions
                    .iter()
                    .map(|t| t.inner().clone())
                    .collect::<Vec<TxEnvelope>>(),
                ommers: Vec::new(),
                withdrawals: Some(block.withdrawals.clone().into()),
            },
        };
        Ok(ExecutionPayloadEnvelopeV4 {
            envelope_inner: ExecutionPayloadEnvelopeV3 {
                execution_payload: ExecutionPayloadV3::from_block_unchecked(sealed.hash, &body),
                block_value: *value,
                blobs_bundle: BlobsBundleV1::new(Vec::new()),
                should_override_builder: false,
            },
            execution_requests: block.requests.clone(),
        })
    }

    /// `engine_newPayloadV4`.
    pub fn new_payload_v4(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
    ) -> Result<PayloadStatus, EngineError> {
        self.new_payload_v4_p11(
            payload,
            versioned_hashes,
            parent_beacon_block_root,
            execution_requests,
            None,
        )
    }

    /// `engine_newPayloadV4P11` (BeaconKit from Electra1): with the parent's proposer, whose
    /// PoL rewards the block distributes. A block of a chain with PoL is invalid without it.
    pub fn new_payload_v4_p11(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
        parent_proposer_pubkey: Option<Pubkey>,
    ) -> Result<PayloadStatus, EngineError> {
        let mut inner = self.lock();
        let head_hash = inner.chain.head().hash;
        let timestamp = payload.payload_inner.payload_inner.timestamp;
        let needs = inner.chain.spec().has_pol_at(timestamp);
        if needs != parent_proposer_pubkey.is_some() {
            let why = if needs {
                "this chain runs PoL: the payload needs its parent proposer's pubkey (engine_newPayloadV4P11)"
            } else {
                "this chain has no PoL at the payload's timestamp: a parent proposer pubkey is not allowed"
            };
            return Ok(invalid(why, Some(head_hash)));
        }
        let claimed = payload.payload_inner.payload_inner.block_hash;
        let mut block = match payload.try_into_block::<TxEnvelope>() {
            Ok(block) => block,
            Err(e) => return Ok(invalid(format!("malformed payload: {e}"), Some(head_hash))),
        };
        block.header.parent_beacon_block_root = Some(parent_beacon_block_root);
        block.header.requests_hash = Some(execution_requests.requests_hash());
        let hash = block.header.hash_slow();
        if hash != claimed {
            return Ok(invalid(
                format!("block hash mismatch: payload says {claimed}, its header hashes to {hash}"),
                Some(head_hash),
            ));
        }
        if !versioned_hashes.is_empty() {
            return Ok(invalid(
                "blob transactions are not supported",
                Some(head_hash),
            ));
        }
        if inner.valid.contains_key(&hash) || inner.chain.store().block_number(hash)?.is_some() {
            return Ok(PayloadStatus::new(PayloadStatusEnum::Valid, Some(hash)));
        }
        if block.header.parent_hash != head_hash {
            // Not on our head: either unknown ancestry or a side chain we do not follow.
            return Ok(PayloadStatus::from_status(PayloadStatusEnum::Syncing));
        }
        // Our own payload comes back: already executed.
        if let Some(id) = inner
            .built
            .iter()
            .find(|(_, (s, _))| s.hash == hash)
            .map(|(id, _)| *id)
        {
            if let Some((sealed, _)) = inner.built.remove(&id) {
                inner.valid.insert(hash, sealed);
                return Ok(PayloadStatus::new(PayloadStatusEnum::Valid, Some(hash)));
            }
        }
        let transactions = match berapool_primitives::recover_senders(block.body.transactions) {
            Ok(transactions) => transactions,
            Err(e) => return Ok(invalid(e.to_string(), Some(head_hash))),
        };
        let withdrawals = block
            .body
            .withdrawals
            .map(|w| w.into_inner())
            .unwrap_or_default();
        match inner.chain.validate(
            &block.header,
            transactions,
            withdrawals,
            &execution_requests,
            Vec::new(),
            parent_proposer_pubkey,
        ) {
            Ok(sealed) => {
                inner.valid.insert(hash, sealed);
                Ok(PayloadStatus::new(PayloadStatusEnum::Valid, Some(hash)))
            }
            Err(reason) => Ok(invalid(reason, Some(head_hash))),
        }
    }
}
