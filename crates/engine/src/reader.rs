//! [`ChainReader`]: the canonical chain as every reader sees it (JSON-RPC, the proof API,
//! metrics, the transaction pool): the last committed head, published as an immutable snapshot,
//! and storage read through its own snapshots. Nothing here takes the engine's lock, so no
//! reader can hold up block production.

use std::{
    sync::{Arc, RwLock},
    time::Instant,
};

use alloy_consensus::Header;
use alloy_evm::{
    block::BlockExecutorFactory,
    revm::{
        context::result::{EVMError, ExecutionResult},
        database::State,
        database_interface::bal::EvmDatabaseError,
    },
    rpc::TryIntoTxEnv,
    Evm, EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::{state::StateOverride, TransactionRequest};
use berapool_chainspec::ChainSpec;
use berapool_storage::{ChainStore, StateTries, StateView, StorageError};
use tokio::sync::broadcast;

use crate::execute::ExecutorFactory;

/// New heads kept for slow subscribers.
pub const HEADS_CHANNEL: usize = 1024;

/// A block that became the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewHead {
    /// Its number.
    pub number: u64,
    /// How many transactions it carries.
    pub transactions: usize,
    /// The chain went back to this block (a dev chain's `evm_revert`): it is not new, and
    /// subscribers that report new blocks skip it.
    pub unwound: bool,
}

/// The head as published: its header, hash and state tries (shared with the engine's, so
/// publishing costs nothing).
#[derive(Clone, Debug)]
pub struct Head {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The state tries after it.
    pub tries: StateTries,
}

impl Head {
    /// The head's number.
    pub fn number(&self) -> u64 {
        self.header.number
    }
}

/// How [`ChainReader::call`] runs a transaction.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// Gas limit instead of the request's.
    pub gas_limit: Option<u64>,
    /// Coinbase instead of the block's. The coinbase is warm (EIP-3651), so an estimate run with
    /// a coinbase the transaction touches would come out low.
    pub beneficiary: Option<Address>,
    /// Accounts replaced for this call only (`eth_call`'s third parameter).
    pub overrides: Option<StateOverride>,
}

/// A read of the call's state failed.
pub(crate) type CallStateError = EvmDatabaseError<StorageError>;

/// Why [`ChainReader::call`] could not run a transaction.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The request does not make a transaction (fees, gas, fields).
    #[error("{0}")]
    Request(#[from] alloy_evm::rpc::EthTxEnvError),
    /// A state override could not be applied.
    #[error("state override: {0}")]
    Override(#[from] alloy_evm::overrides::StateOverrideError<CallStateError>),
    /// The EVM refused the transaction before running it (funds, fees, nonce, gas floor), or the
    /// state could not be read.
    #[error("{0}")]
    Evm(#[from] EVMError<CallStateError>),
}

/// The environment and transaction of a call on `header`'s block: no nonce check, and no base
/// fee when the request names no fee, as other clients run calls.
pub(crate) fn call_env(
    spec: &ChainSpec,
    header: &Header,
    request: TransactionRequest,
    options: &CallOptions,
) -> Result<(EvmEnv, alloy_evm::revm::context::TxEnv), CallError> {
    let mut env = crate::execute::evm_env(spec, header);
    let priced = request.gas_price.is_some()
        || request.max_fee_per_gas.is_some()
        || request.max_priority_fee_per_gas.is_some();
    if !priced {
        env.block_env.basefee = 0;
    }
    env.cfg_env.disable_nonce_check = true;
    if let Some(beneficiary) = options.beneficiary {
        env.block_env.beneficiary = beneficiary;
    }
    let mut tx = request.try_into_tx_env(&env)?;
    if let Some(gas) = options.gas_limit {
        tx.gas_limit = gas;
    }
    Ok((env, tx))
}

/// Why the state tries of an older block could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum TriesError {
    /// The block is outside the kept history (or after the head).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Rolling back took longer than the request may.
    #[error("rebuilding the state tries of block {block} took longer than allowed")]
    Deadline {
        /// The block asked for.
        block: u64,
    },
}

struct Shared {
    spec: ChainSpec,
    factory: ExecutorFactory,
    store: ChainStore,
    head: RwLock<Arc<Head>>,
    heads: broadcast::Sender<NewHead>,
    /// The block each unwind went back to, in order (dev chains' `evm_revert`): readers that
    /// remember how far they reported (polling filters) start again after the lowest one since.
    unwinds: RwLock<Vec<u64>>,
}

/// The chain for readers. Cloning shares it.
#[derive(Clone)]
pub struct ChainReader {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ChainReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainReader")
            .field("head", &self.head().number())
            .finish_non_exhaustive()
    }
}

impl ChainReader {
    pub(crate) fn new(
        spec: ChainSpec,
        factory: ExecutorFactory,
        store: ChainStore,
        head: Head,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                spec,
                factory,
                store,
                head: RwLock::new(Arc::new(head)),
                heads: broadcast::channel(HEADS_CHANNEL).0,
                unwinds: RwLock::default(),
            }),
        }
    }

    /// The last committed head. A reader keeps the snapshot it took for the whole request, so
    /// the block, its header and its state agree even while newer blocks are committed.
    pub fn head(&self) -> Arc<Head> {
        self.shared
            .head
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Makes `head` the published head and tells subscribers.
    pub(crate) fn publish(&self, head: Head, transactions: usize) {
        self.publish_head(head, transactions, false);
    }

    /// Makes `head`, an earlier block the chain went back to, the published head, then records
    /// the unwind (in that order: a filter that sees the unwind also sees the head it left).
    pub(crate) fn publish_unwound(&self, head: Head) {
        let target = head.number();
        self.publish_head(head, 0, true);
        self.shared
            .unwinds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(target);
    }

    fn publish_head(&self, head: Head, transactions: usize, unwound: bool) {
        let number = head.number();
        *self
            .shared
            .head
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(head);
        // Nobody listening is fine.
        let _ = self.shared.heads.send(NewHead {
            number,
            transactions,
            unwound,
        });
    }

    /// How many unwinds there have been; pass it to [`Self::lowest_unwind_since`] later.
    pub fn unwind_count(&self) -> usize {
        self.shared
            .unwinds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// The lowest block an unwind went back to after the first `seen` unwinds, if any.
    pub fn lowest_unwind_since(&self, seen: usize) -> Option<u64> {
        let unwinds = self
            .shared
            .unwinds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        unwinds
            .get(seen..)
            .and_then(|later| later.iter().min().copied())
    }

    /// Blocks as they become the head. A receiver that falls more than [`HEADS_CHANNEL`] blocks
    /// behind is told how many it missed.
    pub fn subscribe_heads(&self) -> broadcast::Receiver<NewHead> {
        self.shared.heads.subscribe()
    }

    /// The chain's spec.
    pub fn spec(&self) -> &ChainSpec {
        &self.shared.spec
    }

    /// The store.
    pub fn store(&self) -> &ChainStore {
        &self.shared.store
    }

    /// The executor factory (and through it the EVM factory) of the chain.
    pub fn factory(&self) -> &ExecutorFactory {
        &self.shared.factory
    }

    /// The state after block `number`, if its history is kept.
    pub fn state_at(&self, number: u64) -> Result<StateView, StorageError> {
        self.shared.store.state_at(number)
    }

    /// Runs `request` on `state` in the environment of `header`, without committing anything
    /// (`eth_call`, `eth_estimateGas`): no nonce check, and no base fee when the request names
    /// no fee.
    pub fn call(
        &self,
        header: &Header,
        state: &StateView,
        request: TransactionRequest,
        options: &CallOptions,
    ) -> Result<ExecutionResult, CallError> {
        let (env, tx) = call_env(self.spec(), header, request, options)?;
        let mut db = State::builder().with_database_ref(state).build();
        if let Some(overrides) = &options.overrides {
            alloy_evm::overrides::apply_state_overrides(overrides.clone(), &mut db)?;
        }
        let mut evm = self.factory().evm_factory().create_evm(&mut db, env);
        Ok(evm.transact(tx)?.result)
    }

    /// The state tries after block `number`: `head`'s rolled back through the recorded changes
    /// of every later block (only their paths are copied). Gives up at `deadline`.
    pub fn tries_at(
        &self,
        head: &Head,
        number: u64,
        deadline: Instant,
    ) -> Result<StateTries, TriesError> {
        let store = self.store();
        let oldest = store.history_start()?;
        if number < oldest || number > head.number() {
            return Err(StorageError::StateUnavailable {
                block: number,
                oldest,
                head: head.number(),
            }
            .into());
        }
        let mut tries = head.tries.clone();
        for block in (number + 1..=head.number()).rev() {
            if Instant::now() > deadline {
                return Err(TriesError::Deadline { block: number });
            }
            let changes = store
                .block_changes(block)?
                .ok_or(StorageError::MissingBlock(block))?;
            tries.revert(&changes);
        }
        Ok(tries)
    }
}
