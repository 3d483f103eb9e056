//! Block execution: alloy-evm's Ethereum block executor with the pool precompiles
//! (`BerapoolEvmFactory`), the standard system calls (EIP-2935, EIP-4788 before transactions;
//! EIP-7002, EIP-7251 requests after), EIP-4895 withdrawals, and the pool system's own chain
//! rules inside the same state transition: `beginBlock` after the pre-execution calls, and the
//! withdrawals credited to the withdrawal vault handed to its attribution hook after they are
//! credited.

use std::borrow::Cow;

use alloy_consensus::{
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
    transaction::Recovered,
    Header, ReceiptEnvelope, TxEnvelope, TxReceipt, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_evm::eth::receipt_builder::AlloyReceiptBuilder;
use alloy_evm::revm::context_interface::Block;
use alloy_evm::{
    block::{BlockExecutionError, BlockExecutor, BlockExecutorFactory},
    eth::{EthBlockExecutionCtx, EthBlockExecutorFactory},
    revm::{
        database::{BundleState, State},
        DatabaseCommit,
    },
    Evm, EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, Bloom, Bytes, B256};
use pool_precompiles::{
    begin_block_call, credit_withdrawals_call,
    pool_state::{addresses::WITHDRAWAL_VAULT, VaultWithdrawal},
    BerapoolEvmFactory, PoolConfig, SYSTEM_ADDRESS,
};

use crate::{
    chainspec::ChainSpec,
    state::{MemoryState, RETENTION},
};

/// The executor factory of a chain: Ethereum rules with the pool precompiles.
pub type ExecutorFactory =
    EthBlockExecutorFactory<AlloyReceiptBuilder, ChainSpec, BerapoolEvmFactory>;

/// Builds the executor factory of `spec` (without a pool system the precompiles never activate).
pub fn executor_factory(spec: &ChainSpec) -> ExecutorFactory {
    let pool = spec.pool_config().unwrap_or(PoolConfig {
        activation_timestamp: u64::MAX,
        ..PoolConfig::new(Default::default())
    });
    EthBlockExecutorFactory::new(
        AlloyReceiptBuilder::default(),
        spec.clone(),
        BerapoolEvmFactory::new(pool),
    )
}

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// The EVM refused the block (an invalid transaction, a failed system call, …).
    #[error("block execution: {0}")]
    Execution(#[from] BlockExecutionError),
    /// A pool-system chain rule failed: a chain-configuration error, never user input.
    #[error("pool system hook `{hook}` failed: {reason}")]
    PoolHook {
        /// Which hook.
        hook: &'static str,
        /// What it returned.
        reason: String,
    },
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
}

/// A block after execution: the header with every root, its body and receipts, and the state
/// changes to store.
#[derive(Debug)]
pub struct ExecutedBlock {
    /// The finished header.
    pub header: Header,
    /// Transactions.
    pub transactions: Vec<Recovered<TxEnvelope>>,
    /// Withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Receipts.
    pub receipts: Vec<ReceiptEnvelope>,
    /// EIP-7685 requests.
    pub requests: Requests,
    /// The state changes, already applied to the in-memory state, to persist.
    pub changes: BundleState,
    /// Transactions [`Mode::Build`] left out (they could not be executed on this block).
    pub left_out: Vec<B256>,
    /// Where the time went.
    pub timings: BlockTimings,
}

/// Time spent executing a block and computing its state root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockTimings {
    /// Transactions, system calls and applying the changes to the state.
    pub execution: std::time::Duration,
    /// The state root.
    pub state_root: std::time::Duration,
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

/// Runs a system call from SYSTEM_ADDRESS and commits what it changed (without touching the
/// system address or the fee recipient, as alloy-evm's own system calls do).
fn system_call<E>(evm: &mut E, data: Bytes, hook: &'static str) -> Result<(), ExecutionError>
where
    E: Evm<DB: DatabaseCommit>,
{
    let beneficiary = evm.block().beneficiary();
    let out = evm
        .transact_system_call(SYSTEM_ADDRESS, WITHDRAWAL_VAULT, data)
        .map_err(|e| ExecutionError::PoolHook {
            hook,
            reason: e.to_string(),
        })?;
    if !out.result.is_success() {
        return Err(ExecutionError::PoolHook {
            hook,
            reason: format!("{:?}", out.result),
        });
    }
    let mut state = out.state;
    state.remove(&SYSTEM_ADDRESS);
    state.remove(&beneficiary);
    evm.db_mut().commit(state);
    Ok(())
}

/// What to do with a transaction that cannot be included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Building a block: leave it out and go on.
    Build,
    /// Checking a received block: the whole block is invalid.
    Validate,
}

/// Executes the block `input` on `state` and applies its changes to it.
pub fn execute_block(
    spec: &ChainSpec,
    factory: &ExecutorFactory,
    state: &mut MemoryState,
    input: BlockInput,
) -> Result<ExecutedBlock, ExecutionError> {
    execute_block_with(spec, factory, state, input, Mode::Validate)
}

/// Executes the block `input` on `state` and applies its changes to it; in [`Mode::Build`]
/// transactions that cannot be included are left out of the block.
pub fn execute_block_with(
    spec: &ChainSpec,
    factory: &ExecutorFactory,
    state: &mut MemoryState,
    mut input: BlockInput,
    mode: Mode,
) -> Result<ExecutedBlock, ExecutionError> {
    let started = std::time::Instant::now();
    let mut header = input.partial_header(spec);
    let pool_active = spec
        .pool_config()
        .is_some_and(|p| p.is_active_at(input.timestamp));
    let env: EvmEnv = EvmEnv::for_eth_block(
        &header,
        spec,
        spec.chain_id(),
        spec.blob_params_at(input.timestamp),
    );
    let mut db = State::builder()
        .with_database_ref(&*state)
        .with_bundle_update()
        .build();
    let (receipts, requests, gas_used, left_out) = {
        let evm = factory.evm_factory().create_evm(&mut db, env);
        let ctx = EthBlockExecutionCtx {
            parent_hash: input.parent_hash,
            parent_beacon_block_root: Some(input.parent_beacon_block_root),
            ommers: &[],
            withdrawals: Some(Cow::Borrowed(&input.withdrawals)),
            extra_data: input.extra_data.clone(),
            tx_count_hint: Some(input.transactions.len()),
            slot_number: None,
        };
        let mut executor = factory.create_executor(evm, ctx);
        executor.apply_pre_execution_changes()?;
        if pool_active {
            system_call(executor.evm_mut(), begin_block_call(), "beginBlock")?;
        }
        let mut included = Vec::with_capacity(input.transactions.len());
        let mut left_out = Vec::new();
        for tx in std::mem::take(&mut input.transactions) {
            match executor.execute_transaction(&tx) {
                Ok(_) => included.push(tx),
                Err(error) if mode == Mode::Build => {
                    tracing::debug!(target: "berapool::build", tx = %tx.inner().tx_hash(), %error, "transaction left out");
                    left_out.push(*tx.inner().tx_hash());
                }
                Err(error) => return Err(error.into()),
            }
        }
        input.transactions = included;
        let (mut evm, result) = executor.finish()?;
        let to_vault: Vec<VaultWithdrawal> = input
            .withdrawals
            .iter()
            .filter(|w| w.address == WITHDRAWAL_VAULT)
            .map(|w| VaultWithdrawal {
                validator_index: w.validator_index,
                amount_gwei: w.amount,
            })
            .collect();
        if pool_active && !to_vault.is_empty() {
            system_call(
                &mut evm,
                credit_withdrawals_call(&to_vault),
                "creditConsensusWithdrawals",
            )?;
        }
        (result.receipts, result.requests, result.gas_used, left_out)
    };
    db.merge_transitions(RETENTION);
    let bundle = db.take_bundle();
    drop(db);
    state.apply(&bundle);

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
    header.state_root = state.state_root();
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
    state.set_block_hash(header.number, header.hash_slow());
    Ok(ExecutedBlock {
        header,
        transactions: input.transactions,
        withdrawals: input.withdrawals,
        receipts,
        requests,
        changes: bundle,
        left_out,
        timings,
    })
}
