//! Block execution: one block through the pool system's block executor
//! ([`BerapoolBlockExecutorFactory`]: alloy-evm's Ethereum executor with the pool precompiles, the
//! standard system calls, EIP-4895 withdrawals and the pool system's block rules), then the
//! header completed with every root and total.

use std::{borrow::Cow, collections::HashSet};

use alloy_consensus::{
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
    transaction::Recovered,
    Header, TxEnvelope, TxReceipt, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_evm::{
    block::{BlockExecutionError, BlockExecutor, BlockExecutorFactory, BlockValidationError},
    eth::{receipt_builder::AlloyReceiptBuilder, EthBlockExecutionCtx},
    revm::{
        database::{states::bundle_state::BundleRetention, State},
        database_interface::DBErrorMarker,
        DatabaseRef,
    },
    EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, Bloom, Bytes, B256};
use alloy_rpc_types_eth::state::StateOverride;
use berapool_chainspec::ChainSpec;
use berapool_pool_precompiles::{
    pool_state::addresses::Pubkey, BerapoolBlockExecutionCtx, BerapoolBlockExecutorFactory,
    BerapoolEvmFactory, PoolConfig,
};
use berapool_primitives::{BlockTimings, ExecutedBlock, StateEdit};
use berapool_storage::{StateTries, StorageError};

/// The executor factory of a chain: Ethereum rules with the pool system.
pub type ExecutorFactory = BerapoolBlockExecutorFactory<AlloyReceiptBuilder, ChainSpec>;

/// Builds the executor factory of `spec` (without a pool system the precompiles and the block
/// rules never activate).
pub fn executor_factory(spec: &ChainSpec) -> ExecutorFactory {
    let pool = spec.pool_config().unwrap_or(PoolConfig {
        activation_timestamp: u64::MAX,
        ..PoolConfig::new(Default::default())
    });
    BerapoolBlockExecutorFactory::new(
        AlloyReceiptBuilder::default(),
        spec.clone(),
        BerapoolEvmFactory::new(pool),
    )
}

/// The EVM environment of the block with `header` on `spec`'s chain (with EIP-3607 off where
/// the chain says so), the same for building, validating, replaying and calls.
pub fn evm_env(spec: &ChainSpec, header: &Header) -> EvmEnv {
    let mut env: EvmEnv = EvmEnv::for_eth_block(
        header,
        spec,
        spec.chain_id(),
        spec.blob_params_at(header.timestamp),
    );
    env.cfg_env.disable_eip3607 = spec.allows_contract_senders();
    env
}

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// The EVM refused the block (an invalid transaction, a failed system call or pool rule).
    #[error("block execution: {0}")]
    Block(#[from] BlockExecutionError),
    /// The parent's state could not be opened.
    #[error("block execution: {0}")]
    Storage(#[source] StorageError),
}

/// Everything about a block that is an input, not a result of executing it.
#[derive(Clone, Debug)]
pub struct BlockInput {
    /// The parent's header.
    pub parent: Header,
    /// The parent's hash.
    pub parent_hash: B256,
    /// Timestamp.
    pub timestamp: u64,
    /// Fee recipient.
    pub beneficiary: Address,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Parent beacon block root (EIP-4788).
    pub parent_beacon_block_root: B256,
    /// EIP-4895 withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Extra data.
    pub extra_data: Bytes,
    /// Transactions, with their recovered senders.
    pub transactions: Vec<Recovered<TxEnvelope>>,
    /// Dev-chain state edits, applied before the system calls and transactions.
    pub state_edits: Vec<StateEdit>,
    /// The parent's proposer, whose PoL rewards the block distributes (chains with PoL).
    pub parent_proposer_pubkey: Option<Pubkey>,
}

impl BlockInput {
    /// The header fields known before execution.
    fn partial_header(&self, spec: &ChainSpec) -> Header {
        use alloy_hardforks::{EthereumHardfork, EthereumHardforks};
        let base_fee = self
            .parent
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or(alloy_eips::eip1559::INITIAL_BASE_FEE);
        let prague =
            spec.is_ethereum_fork_active_at_timestamp(EthereumHardfork::Prague, self.timestamp);
        Header {
            parent_hash: self.parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: self.beneficiary,
            number: self.parent.number + 1,
            gas_limit: self.gas_limit,
            timestamp: self.timestamp,
            extra_data: self.extra_data.clone(),
            mix_hash: self.prev_randao,
            base_fee_per_gas: Some(base_fee),
            withdrawals_root: Some(calculate_withdrawals_root(&self.withdrawals)),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(self.parent_beacon_block_root),
            requests_hash: prague.then(|| Requests::default().requests_hash()),
            ..Default::default()
        }
    }
}

/// `edits` as one state override per account (a later edit of the same field wins), which
/// alloy-evm commits to the block's state like any other change.
pub(crate) fn as_overrides(edits: &[StateEdit]) -> StateOverride {
    let mut overrides = StateOverride::default();
    for edit in edits {
        let account = overrides.entry(edit.address()).or_default();
        match edit {
            StateEdit::Balance { balance, .. } => account.balance = Some(*balance),
            StateEdit::Nonce { nonce, .. } => account.nonce = Some(*nonce),
            StateEdit::Code { code, .. } => account.code = Some(code.clone()),
            StateEdit::Storage { slot, value, .. } => {
                account
                    .state_diff
                    .get_or_insert_with(Default::default)
                    .insert(B256::from(*slot), B256::from(*value));
            }
        }
    }
    overrides
}

/// What to do with a transaction that cannot be included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Building a block: leave it out and go on.
    Build,
    /// Checking a received block: the whole block is invalid.
    Validate,
}

/// Executes the block `input` on the parent's `state`, whose tries are `tries`; returns the
/// block and the tries after it.
pub fn execute_block<S>(
    spec: &ChainSpec,
    factory: &ExecutorFactory,
    state: &S,
    tries: &StateTries,
    input: BlockInput,
) -> Result<(ExecutedBlock, StateTries), ExecutionError>
where
    S: DatabaseRef<Error: DBErrorMarker> + std::fmt::Debug,
{
    execute_block_with(spec, factory, state, tries, input, Mode::Validate)
}

/// [`execute_block`]; in [`Mode::Build`] transactions that cannot be included are left out of
/// the block.
pub fn execute_block_with<S>(
    spec: &ChainSpec,
    factory: &ExecutorFactory,
    state: &S,
    tries: &StateTries,
    mut input: BlockInput,
    mode: Mode,
) -> Result<(ExecutedBlock, StateTries), ExecutionError>
where
    S: DatabaseRef<Error: DBErrorMarker> + std::fmt::Debug,
{
    let started = std::time::Instant::now();
    let mut header = input.partial_header(spec);
    let env = evm_env(spec, &header);
    let mut db = State::builder()
        .with_database_ref(state)
        .with_bundle_update()
        .build();
    if !input.state_edits.is_empty() {
        alloy_evm::overrides::apply_state_overrides(as_overrides(&input.state_edits), &mut db)
            .map_err(BlockExecutionError::other)?;
    }
    let (receipts, requests, gas_used, left_out) = {
        let evm = factory.evm_factory().create_evm(&mut db, env);
        let ctx = BerapoolBlockExecutionCtx {
            eth: EthBlockExecutionCtx {
                parent_hash: input.parent_hash,
                parent_beacon_block_root: Some(input.parent_beacon_block_root),
                ommers: &[],
                withdrawals: Some(Cow::Borrowed(&input.withdrawals)),
                extra_data: input.extra_data.clone(),
                tx_count_hint: Some(input.transactions.len()),
                slot_number: None,
            },
            parent_proposer_pubkey: input.parent_proposer_pubkey,
        };
        let mut executor = factory.create_executor(evm, ctx);
        executor.apply_pre_execution_changes()?;
        let mut included = Vec::with_capacity(input.transactions.len());
        let mut left_out = Vec::new();
        // Senders with a transaction not in this block: their later nonces cannot run in it
        // either, and wait for the next block instead of being tried and dropped.
        let mut deferred: HashSet<Address> = HashSet::new();
        for tx in std::mem::take(&mut input.transactions) {
            if mode == Mode::Build && deferred.contains(&tx.signer()) {
                continue;
            }
            match executor.execute_transaction(&tx) {
                Ok(_) => included.push(tx),
                Err(BlockExecutionError::Validation(
                    BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { .. },
                )) if mode == Mode::Build => {
                    // Valid, only not in the gas this block has left: kept for the next one.
                    deferred.insert(tx.signer());
                }
                Err(error) if mode == Mode::Build => {
                    tracing::debug!(target: "berapool::build", tx = %tx.inner().tx_hash(), %error, "transaction left out");
                    left_out.push(*tx.inner().tx_hash());
                    deferred.insert(tx.signer());
                }
                Err(error) => return Err(error.into()),
            }
        }
        input.transactions = included;
        let result = executor.apply_post_execution_changes()?;
        (result.receipts, result.requests, result.gas_used, left_out)
    };
    // Blocks are final once stored, so only the plain changes are kept (no reverts).
    db.merge_transitions(BundleRetention::PlainState);
    let bundle = db.take_bundle();
    drop(db);

    let mut bloom = Bloom::ZERO;
    for receipt in &receipts {
        bloom.accrue_bloom(&receipt.bloom());
    }
    let envelopes: Vec<TxEnvelope> = input
        .transactions
        .iter()
        .map(|t| t.inner().clone())
        .collect();
    let execution = started.elapsed();
    let root_started = std::time::Instant::now();
    let mut tries = tries.clone();
    tries.apply(&bundle);
    header.state_root = tries.root();
    let timings = BlockTimings {
        execution,
        state_root: root_started.elapsed(),
    };
    header.transactions_root = calculate_transaction_root(&envelopes);
    header.receipts_root = calculate_receipt_root(&receipts);
    header.logs_bloom = bloom;
    header.gas_used = gas_used;
    if header.requests_hash.is_some() {
        header.requests_hash = Some(requests.requests_hash());
    }
    let block = ExecutedBlock {
        header,
        transactions: input.transactions,
        withdrawals: input.withdrawals,
        receipts,
        requests,
        changes: bundle,
        left_out,
        timings,
        state_edits: input.state_edits,
        parent_proposer_pubkey: input.parent_proposer_pubkey,
    };
    Ok((block, tries))
}
