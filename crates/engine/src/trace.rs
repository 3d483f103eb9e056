//! Tracing: a stored block re-executed on its parent's state, exactly as it first ran (its
//! state edits, the system calls and the pool rules, every transaction before the traced one),
//! with revm-inspectors' tracers watching the transactions asked for; and a call traced on any
//! kept block's state. The pool precompiles are call frames like any contract, so a trace shows
//! a call into them with its input, output and gas.

use std::borrow::Cow;

use alloy_consensus::transaction::Recovered;
use alloy_eips::eip2930::AccessList;
use alloy_evm::revm::context::result::ExecutionResult;
use alloy_evm::{
    block::{BlockExecutionError, BlockExecutor, BlockExecutorFactory, TxResult},
    eth::EthBlockExecutionCtx,
    revm::{
        context::{result::ResultAndState, BlockEnv, TxEnv},
        database::State,
        database_interface::WrapDatabaseRef,
        Inspector,
    },
    Evm, EvmFactory, FromRecoveredTx,
};
use alloy_primitives::B256;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::{
    geth::{GethDebugTracingOptions, GethTrace},
    parity::LocalizedTransactionTrace,
};
use berapool_storage::{StateView, StorageError};
use revm_inspectors::access_list::AccessListInspector;
use revm_inspectors::tracing::{
    DebugInspector, DebugInspectorError, TraceLimits, TracingInspector, TracingInspectorConfig,
    TransactionContext,
};

use crate::{reader::call_env, CallError, CallOptions, ChainReader};

/// The most struct-log steps one transaction's default trace records (geth's `limit`; a lower
/// one asked for is kept). A long loop would otherwise hold gigabytes of stack snapshots.
pub const MAX_STRUCT_LOGS: u64 = 200_000;

/// Runs `eth_createAccessList` makes at most before the list must have settled (each run
/// can only add what the previous list's accesses led to).
pub const MAX_ACCESS_LIST_RUNS: usize = 10;

/// The most bytes of call inputs and memory one transaction's trace copies.
pub const MAX_TRACE_BYTES: usize = 256 * 1024 * 1024;

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The block, or its parent's state, is not kept.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Re-executing the block failed (it executed when it was made: a corrupted datadir).
    #[error("re-executing the block: {0}")]
    Execution(#[from] BlockExecutionError),
    /// The call could not run.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The tracer options name a tracer this node does not run (JavaScript tracers) or do not
    /// parse for their tracer.
    #[error("tracer: {0}")]
    Tracer(String),
}

impl<E: std::fmt::Display> From<DebugInspectorError<E>> for TraceError {
    fn from(error: DebugInspectorError<E>) -> Self {
        Self::Tracer(error.to_string())
    }
}

/// One traced transaction of a block.
#[derive(Debug)]
pub struct TracedTransaction<T> {
    /// Its hash.
    pub hash: B256,
    /// Its trace.
    pub trace: T,
}

/// The geth-style tracer `opts` ask for, with the node's limits.
fn debug_inspector(opts: &GethDebugTracingOptions) -> Result<DebugInspector, TraceError> {
    let mut opts = opts.clone();
    let limit = opts
        .config
        .limit
        .filter(|l| *l > 0)
        .map_or(MAX_STRUCT_LOGS, |l| l.min(MAX_STRUCT_LOGS));
    opts.config.limit = Some(limit);
    let mut inspector = DebugInspector::new(opts)?;
    let limits = TraceLimits::default().set_max_recorded_bytes(Some(MAX_TRACE_BYTES));
    match &mut inspector {
        DebugInspector::CallTracer(t, _)
        | DebugInspector::PreStateTracer(t, _)
        | DebugInspector::FlatCallTracer(t)
        | DebugInspector::Erc7562Tracer(t, _)
        | DebugInspector::Default(t, _) => *t = std::mem::take(t).with_limits(limits),
        _ => {}
    }
    Ok(inspector)
}

impl ChainReader {
    /// Re-executes block `number` and traces, with the tracer `opts` name, every transaction
    /// (or only the one at `only`).
    pub fn debug_trace_block(
        &self,
        number: u64,
        opts: &GethDebugTracingOptions,
        only: Option<usize>,
    ) -> Result<Vec<TracedTransaction<GethTrace>>, TraceError> {
        let inspector = debug_inspector(opts)?;
        let fuse = |inspector: &mut DebugInspector| Ok(inspector.fuse()?);
        let state = self.parent_state(number)?;
        let mut db = replay_db(&state);
        self.replay_block(&mut db, number, inspector, only, fuse, |traced| {
            let mut db: &ReplayDb<'_> = traced.db;
            let trace = traced.inspector.get_result(
                Some(TransactionContext {
                    block_hash: Some(traced.block_hash),
                    tx_index: Some(traced.index),
                    tx_hash: Some(traced.hash),
                }),
                &traced.tx_env,
                &traced.block_env,
                traced.result,
                &mut db,
            )?;
            Ok(trace)
        })
    }

    /// Re-executes block `number` and traces every transaction (or only the one at `only`) in
    /// the parity (`trace_`) format.
    pub fn parity_trace_block(
        &self,
        number: u64,
        only: Option<usize>,
    ) -> Result<Vec<TracedTransaction<Vec<LocalizedTransactionTrace>>>, TraceError> {
        // Calls into precompiles are kept: the pool system's contracts are precompiles, and a
        // trace that left out a call into a pool would hide where the BERA went.
        let config = TracingInspectorConfig::default_parity().set_exclude_precompile_calls(false);
        let inspector = TracingInspector::new(config);
        let fuse = |inspector: &mut TracingInspector| {
            inspector.fuse();
            Ok(())
        };
        let state = self.parent_state(number)?;
        let mut db = replay_db(&state);
        self.replay_block(&mut db, number, inspector, only, fuse, |traced| {
            let info = alloy_rpc_types_eth::TransactionInfo {
                hash: Some(traced.hash),
                index: Some(traced.index as u64),
                block_hash: Some(traced.block_hash),
                block_number: Some(number),
                base_fee: Some(traced.block_env.basefee),
                block_timestamp: Some(traced.block_env.timestamp.saturating_to()),
            };
            let gas_used = traced.result.result.tx_gas_used();
            Ok(traced
                .inspector
                .clone()
                .with_transaction_gas_used(gas_used)
                .into_parity_builder()
                .into_localized_transaction_traces(info))
        })
    }

    /// Traces `request` on the state after `header`'s block (`debug_traceCall`).
    pub fn debug_trace_call(
        &self,
        header: &alloy_consensus::Header,
        state: &StateView,
        request: TransactionRequest,
        options: &CallOptions,
        opts: &GethDebugTracingOptions,
    ) -> Result<GethTrace, TraceError> {
        let mut inspector = debug_inspector(opts)?;
        let (env, tx) = call_env(self.spec(), header, request, options)?;
        let mut db = State::builder().with_database_ref(state).build();
        if let Some(overrides) = &options.overrides {
            alloy_evm::overrides::apply_state_overrides(overrides.clone(), &mut db)
                .map_err(CallError::from)?;
        }
        let block_env = env.block_env.clone();
        let result = {
            let mut evm = self.factory().evm_factory().create_evm_with_inspector(
                &mut db,
                env,
                &mut inspector,
            );
            evm.transact(tx.clone()).map_err(CallError::from)?
        };
        let mut view: &ReplayDb<'_> = &db;
        Ok(inspector.get_result(None, &tx, &block_env, &result, &mut view)?)
    }

    /// The access list `request` needs on the state after `header`'s block
    /// (`eth_createAccessList`), as geth finds it: run with the list found so far until a run
    /// touches nothing new. Returns the list, the gas the last run used, and its revert or
    /// halt reason if it failed.
    pub fn create_access_list(
        &self,
        header: &alloy_consensus::Header,
        state: &StateView,
        mut request: TransactionRequest,
        options: &CallOptions,
    ) -> Result<(AccessList, u64, Option<String>), TraceError> {
        let mut list = request.access_list.clone().unwrap_or_default();
        for _ in 0..MAX_ACCESS_LIST_RUNS {
            request.access_list = Some(list.clone());
            let (env, tx) = call_env(self.spec(), header, request.clone(), options)?;
            let mut inspector = AccessListInspector::new(list.clone());
            let mut db = State::builder().with_database_ref(state).build();
            if let Some(overrides) = &options.overrides {
                alloy_evm::overrides::apply_state_overrides(overrides.clone(), &mut db)
                    .map_err(CallError::from)?;
            }
            let result = {
                let mut evm = self.factory().evm_factory().create_evm_with_inspector(
                    &mut db,
                    env,
                    &mut inspector,
                );
                evm.transact(tx).map_err(CallError::from)?.result
            };
            let found = inspector.into_access_list();
            if found == list {
                let error = match &result {
                    ExecutionResult::Success { .. } => None,
                    ExecutionResult::Revert { output, .. } => {
                        Some(format!("execution reverted: {output}"))
                    }
                    ExecutionResult::Halt { reason, .. } => Some(format!("{reason:?}")),
                };
                return Ok((found, result.tx_gas_used(), error));
            }
            list = found;
        }
        Err(TraceError::Tracer(format!(
            "the access list did not settle within {MAX_ACCESS_LIST_RUNS} runs"
        )))
    }

    /// The state block `number` executed on.
    fn parent_state(&self, number: u64) -> Result<StateView, TraceError> {
        let parent = number
            .checked_sub(1)
            .ok_or(StorageError::MissingBlock(number))?;
        Ok(self.state_at(parent)?)
    }

    /// Re-executes block `number` on its parent's state with `inspector` watching the
    /// transactions `only` selects (all when `None`): `before` readies it for each, `after`
    /// reads the trace out, before the transaction's changes are committed.
    fn replay_block<'a, 's, I, T>(
        &self,
        db: &'a mut ReplayDb<'s>,
        number: u64,
        inspector: I,
        only: Option<usize>,
        mut before: impl FnMut(&mut I) -> Result<(), TraceError>,
        mut after: impl FnMut(Traced<'_, '_, I>) -> Result<T, TraceError>,
    ) -> Result<Vec<TracedTransaction<T>>, TraceError>
    where
        I: Inspector<alloy_evm::eth::EthEvmContext<&'a mut ReplayDb<'s>>>,
    {
        let store = self.store();
        let missing = || TraceError::Storage(StorageError::MissingBlock(number));
        let block = store.block(number)?.ok_or_else(missing)?;
        let block_hash = store.block_hash(number)?.ok_or_else(missing)?;
        let spec = self.spec();
        let header = &block.header;
        let env = crate::execute::evm_env(spec, header);
        let block_env: BlockEnv = env.block_env.clone();
        if !block.state_edits.is_empty() {
            alloy_evm::overrides::apply_state_overrides(
                crate::execute::as_overrides(&block.state_edits),
                &mut *db,
            )
            .map_err(BlockExecutionError::other)?;
        }
        let factory = self.factory();
        let evm = factory
            .evm_factory()
            .create_evm_with_inspector(db, env, inspector);
        let ctx = berapool_pool_precompiles::BerapoolBlockExecutionCtx {
            eth: EthBlockExecutionCtx {
                parent_hash: header.parent_hash,
                parent_beacon_block_root: header.parent_beacon_block_root,
                ommers: &[],
                withdrawals: Some(Cow::Borrowed(&block.withdrawals)),
                extra_data: header.extra_data.clone(),
                tx_count_hint: Some(block.transactions.len()),
                slot_number: None,
            },
            parent_proposer_pubkey: block.parent_proposer_pubkey,
        };
        let mut executor = factory.create_executor(evm, ctx);
        executor.evm_mut().disable_inspector();
        executor.apply_pre_execution_changes()?;
        let last = only.unwrap_or(block.transactions.len().saturating_sub(1));
        let mut out = Vec::new();
        for (index, (tx, sender)) in block.transactions.iter().zip(&block.senders).enumerate() {
            if index > last {
                break;
            }
            let tx = Recovered::new_unchecked(tx.clone(), *sender);
            if only.is_some_and(|i| i != index) {
                executor.execute_transaction(&tx)?;
                continue;
            }
            executor.evm_mut().enable_inspector();
            let hash = *tx.inner().tx_hash();
            let tx_env = TxEnv::from_recovered_tx(tx.inner(), tx.signer());
            before(executor.evm_mut().inspector_mut())?;
            let output = executor.execute_transaction_without_commit(&tx)?;
            let trace = {
                let (db, inspector, _) = executor.evm_mut().components_mut();
                after(Traced {
                    index,
                    hash,
                    block_hash,
                    tx_env: &tx_env,
                    block_env: &block_env,
                    result: output.result(),
                    db,
                    inspector,
                })?
            };
            executor.commit_transaction(output);
            executor.evm_mut().disable_inspector();
            out.push(TracedTransaction { hash, trace });
        }
        Ok(out)
    }
}

/// The state a replay or a traced call runs on: a kept block's state under revm's cache.
type ReplayDb<'a> = State<WrapDatabaseRef<&'a StateView>>;

/// The state a block is replayed on: its parent's, with the changes tracked as execution does.
fn replay_db(state: &StateView) -> ReplayDb<'_> {
    State::builder()
        .with_database_ref(state)
        .with_bundle_update()
        .build()
}

/// What a tracer sees of one transaction.
pub(crate) struct Traced<'t, 'd, I> {
    pub(crate) index: usize,
    pub(crate) hash: B256,
    pub(crate) block_hash: B256,
    pub(crate) tx_env: &'t TxEnv,
    pub(crate) block_env: &'t BlockEnv,
    /// The transaction's result (only once it ran).
    pub(crate) result: &'t ResultAndState,
    /// The state before the transaction.
    pub(crate) db: &'t ReplayDb<'d>,
    pub(crate) inspector: &'t mut I,
}
