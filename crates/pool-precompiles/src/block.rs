//! The pool system's block rules, as an alloy-evm block executor wrapping Ethereum's:
//!
//! 0. after the pre-execution system calls (EIP-2935, EIP-4788), Berachain's PoL distribution:
//!    `Distributor.distributeFor(parent proposer's pubkey)` from the system address with 30M
//!    gas, on blocks whose context carries the parent proposer (from Prague1, as BeaconKit
//!    supplies it). A revert or halt leaves the block valid (the distribution simply did not
//!    happen); only a database error fails the block;
//! 1. `beginBlock()` records the block's timestamp and number in the withdrawal vault (oracle
//!    reports are reconciled by it);
//! 2. after the post-execution changes (EIP-7002/7251 requests, EIP-4895 withdrawals credited),
//!    the withdrawals paid to the withdrawal vault go to `creditConsensusWithdrawals`, which
//!    attributes each one to the pool of its validator.
//!
//! Both are system calls from `SYSTEM_ADDRESS` inside the block's state transition: chain rules,
//! so every node computes the same state root. A node that executes with [`BerapoolEvmFactory`]
//! and [`BerapoolBlockExecutorFactory`] runs the whole pool system.

use core::fmt;
use std::borrow::Cow;

use alloy_consensus::{Transaction, TransactionEnvelope, TxReceipt};
use alloy_eips::{eip2718::Encodable2718, eip4895::Withdrawal};
use alloy_evm::{
    block::{
        BlockExecutionError, BlockExecutionResult, BlockExecutor, BlockExecutorFactory,
        ExecutableTx, GasOutput, StateDB,
    },
    eth::{
        receipt_builder::{AlloyReceiptBuilder, ReceiptBuilder},
        spec::{EthExecutorSpec, EthSpec},
        EthBlockExecutionCtx, EthBlockExecutor, EthBlockExecutorFactory, EthEvmContext,
        EthTxResult,
    },
    revm::{
        context::{result::HaltReason, TxEnv},
        context_interface::Block,
        DatabaseCommit, Inspector,
    },
    Evm, FromRecoveredTx, FromTxWithEncoded,
};
use alloy_primitives::{Bytes, Log};
use alloy_sol_types::SolCall;
use berapool_pool_state::{
    addresses::{Pubkey, WITHDRAWAL_VAULT},
    VaultWithdrawal,
};

use crate::{abi::IBerapool, BerapoolEvm, BerapoolEvmFactory, PoolConfig, SYSTEM_ADDRESS};

/// A pool-system chain rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolRule {
    /// `distributeFor(parent proposer)`, Berachain's PoL distribution.
    PolDistribution,
    /// `beginBlock()`, before the transactions.
    BeginBlock,
    /// `creditConsensusWithdrawals(...)`, after the withdrawals are credited.
    CreditConsensusWithdrawals,
}

impl fmt::Display for PoolRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PolDistribution => "distributeFor",
            Self::BeginBlock => "beginBlock",
            Self::CreditConsensusWithdrawals => "creditConsensusWithdrawals",
        })
    }
}

/// A pool-system chain rule failed: a chain-configuration or database error, never user input.
#[derive(Debug, thiserror::Error)]
pub enum PoolRuleError {
    /// The EVM could not run the system call (a database error).
    #[error("pool rule `{rule}`: {source}")]
    Evm {
        /// Which rule.
        rule: PoolRule,
        /// The EVM's error.
        source: Box<dyn core::error::Error + Send + Sync>,
    },
    /// The system call reverted.
    #[error("pool rule `{rule}` reverted with {output}")]
    Reverted {
        /// Which rule.
        rule: PoolRule,
        /// The revert data.
        output: Bytes,
    },
    /// The system call halted.
    #[error("pool rule `{rule}` halted: {reason:?}")]
    Halted {
        /// Which rule.
        rule: PoolRule,
        /// Why.
        reason: Box<dyn fmt::Debug + Send + Sync>,
    },
}

/// Calldata of `beginBlock()`.
pub fn begin_block_call() -> Bytes {
    IBerapool::beginBlockCall {}.abi_encode().into()
}

/// Calldata of `creditConsensusWithdrawals(withdrawals)`.
pub fn credit_withdrawals_call(withdrawals: &[VaultWithdrawal]) -> Bytes {
    let withdrawals = withdrawals
        .iter()
        .map(|w| IBerapool::VaultWithdrawal {
            validatorIndex: w.validator_index,
            amount: w.amount_gwei,
        })
        .collect();
    IBerapool::creditConsensusWithdrawalsCall { withdrawals }
        .abi_encode()
        .into()
}

/// The withdrawals of a block paid to the withdrawal vault, as the vault attributes them.
pub fn vault_withdrawals(withdrawals: &[Withdrawal]) -> Vec<VaultWithdrawal> {
    withdrawals
        .iter()
        .filter(|w| w.address == WITHDRAWAL_VAULT)
        .map(|w| VaultWithdrawal {
            validator_index: w.validator_index,
            amount_gwei: w.amount,
        })
        .collect()
}

/// Runs a system call from `SYSTEM_ADDRESS` to the withdrawal vault and commits everything it
/// changed, as alloy-evm's own system calls do. (A system call pays no fee, so the fee recipient
/// changes only if the call writes to it: dropping it would erase those writes when a proposer's
/// fee recipient is the vault.)
fn system_call<E>(evm: &mut E, rule: PoolRule, data: Bytes) -> Result<(), PoolRuleError>
where
    E: Evm<DB: DatabaseCommit>,
{
    let out = evm
        .transact_system_call(SYSTEM_ADDRESS, WITHDRAWAL_VAULT, data)
        .map_err(|e| PoolRuleError::Evm {
            rule,
            source: Box::new(e),
        })?;
    match out.result {
        alloy_evm::revm::context::result::ExecutionResult::Success { .. } => {}
        alloy_evm::revm::context::result::ExecutionResult::Revert { output, .. } => {
            return Err(PoolRuleError::Reverted { rule, output })
        }
        alloy_evm::revm::context::result::ExecutionResult::Halt { reason, .. } => {
            return Err(PoolRuleError::Halted {
                rule,
                reason: Box::new(reason),
            })
        }
    }
    evm.db_mut().commit(out.state);
    Ok(())
}

/// Rule 1: `beginBlock()`, committed.
pub fn begin_block<E: Evm<DB: DatabaseCommit>>(evm: &mut E) -> Result<(), PoolRuleError> {
    system_call(evm, PoolRule::BeginBlock, begin_block_call())
}

/// Rule 2: the block's withdrawals to the withdrawal vault handed to
/// `creditConsensusWithdrawals`, committed (nothing when none went to the vault).
pub fn credit_consensus_withdrawals<E: Evm<DB: DatabaseCommit>>(
    evm: &mut E,
    withdrawals: &[Withdrawal],
) -> Result<(), PoolRuleError> {
    let to_vault = vault_withdrawals(withdrawals);
    if to_vault.is_empty() {
        return Ok(());
    }
    system_call(
        evm,
        PoolRule::CreditConsensusWithdrawals,
        credit_withdrawals_call(&to_vault),
    )
}

/// The execution context of a Berachain block: Ethereum's, and the parent block's proposer
/// (BeaconKit's `parentProposerPubKey`), whose PoL rewards the block distributes.
#[derive(Clone, Debug)]
pub struct BerapoolBlockExecutionCtx<'a> {
    /// Ethereum's context.
    pub eth: EthBlockExecutionCtx<'a>,
    /// The parent's proposer; `None` before Prague1 or on chains without PoL.
    pub parent_proposer_pubkey: Option<Pubkey>,
}

/// Calldata of `distributeFor(pubkey)`: 132 bytes, the pubkey ABI-encoded as `bytes`.
pub fn distribute_for_call(pubkey: &Pubkey) -> Bytes {
    crate::abi::IDistributor::distributeForCall {
        pubkey: Bytes::copy_from_slice(pubkey.as_slice()),
    }
    .abi_encode()
    .into()
}

/// How a block's PoL distribution ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolOutcome {
    /// `distributeFor` returned, using this much gas.
    Distributed {
        /// Gas the call used.
        gas_used: u64,
    },
    /// It reverted or halted: the block stays valid.
    Failed {
        /// Revert data, empty for a halt.
        output: Bytes,
    },
}

/// Runs the PoL distribution for `pubkey` as a system call and commits what it changed (also
/// after a revert, as bera-reth does: a reverted call changes nothing but the touched
/// accounts). Only an EVM or database error is an error.
pub fn distribute_pol<E>(evm: &mut E, pubkey: &Pubkey) -> Result<PolOutcome, PoolRuleError>
where
    E: Evm<DB: DatabaseCommit>,
{
    use alloy_evm::revm::context::result::ExecutionResult;
    let out = evm
        .transact_system_call(
            SYSTEM_ADDRESS,
            berapool_pool_state::addresses::POL_DISTRIBUTOR,
            distribute_for_call(pubkey),
        )
        .map_err(|e| PoolRuleError::Evm {
            rule: PoolRule::PolDistribution,
            source: Box::new(e),
        })?;
    let outcome = match out.result {
        ExecutionResult::Success { gas, .. } => PolOutcome::Distributed {
            gas_used: gas.tx_gas_used(),
        },
        ExecutionResult::Revert { output, .. } => PolOutcome::Failed { output },
        ExecutionResult::Halt { .. } => PolOutcome::Failed {
            output: Bytes::new(),
        },
    };
    if let PolOutcome::Failed { output } = &outcome {
        tracing::warn!(target: "berapool::pol", %pubkey, %output, "PoL distribution reverted; the block stays valid");
    }
    evm.db_mut().commit(out.state);
    Ok(outcome)
}

/// Creates [`BerapoolBlockExecutor`]s: Ethereum's block execution with the pool precompiles
/// and the pool system's block rules, from the configured activation timestamp on.
#[derive(Clone, Debug)]
pub struct BerapoolBlockExecutorFactory<R = AlloyReceiptBuilder, Spec = EthSpec> {
    inner: EthBlockExecutorFactory<R, Spec, BerapoolEvmFactory>,
}

impl<R, Spec> BerapoolBlockExecutorFactory<R, Spec> {
    /// A factory for `spec`, building receipts with `receipt_builder` and EVMs with
    /// `evm_factory` (whose pool configuration also decides when the block rules apply).
    pub const fn new(receipt_builder: R, spec: Spec, evm_factory: BerapoolEvmFactory) -> Self {
        Self {
            inner: EthBlockExecutorFactory::new(receipt_builder, spec, evm_factory),
        }
    }

    /// The chain specification.
    pub const fn spec(&self) -> &Spec {
        self.inner.spec()
    }

    /// The pool system's configuration.
    pub fn pool_config(&self) -> &PoolConfig {
        self.inner.evm_factory().config()
    }
}

impl<R, Spec> BlockExecutorFactory for BerapoolBlockExecutorFactory<R, Spec>
where
    R: ReceiptBuilder<Transaction: Transaction + Encodable2718, Receipt: TxReceipt<Log = Log>>,
    <R::Transaction as TransactionEnvelope>::TxType: Send + 'static,
    TxEnv: FromRecoveredTx<R::Transaction> + FromTxWithEncoded<R::Transaction>,
    Spec: EthExecutorSpec,
    Self: 'static,
{
    type EvmFactory = BerapoolEvmFactory;
    type ExecutionCtx<'a> = BerapoolBlockExecutionCtx<'a>;
    type Transaction = R::Transaction;
    type Receipt = R::Receipt;
    type TxExecutionResult =
        EthTxResult<HaltReason, <R::Transaction as TransactionEnvelope>::TxType>;
    type Executor<'a, DB: StateDB, I: Inspector<EthEvmContext<DB>>> =
        BerapoolBlockExecutor<'a, BerapoolEvm<DB, I>, &'a Spec, &'a R>;

    fn evm_factory(&self) -> &Self::EvmFactory {
        self.inner.evm_factory()
    }

    fn create_executor<'a, DB, I>(
        &'a self,
        evm: BerapoolEvm<DB, I>,
        ctx: Self::ExecutionCtx<'a>,
    ) -> Self::Executor<'a, DB, I>
    where
        DB: StateDB,
        I: Inspector<EthEvmContext<DB>>,
    {
        let timestamp = evm.block().timestamp().saturating_to();
        BerapoolBlockExecutor {
            pool_active: self.pool_config().is_active_at(timestamp),
            withdrawals: ctx.eth.withdrawals.clone(),
            parent_proposer_pubkey: ctx.parent_proposer_pubkey,
            pol_outcome: None,
            inner: EthBlockExecutor::new(
                evm,
                ctx.eth,
                self.inner.spec(),
                self.inner.receipt_builder(),
            ),
        }
    }
}

/// Ethereum's block executor with the pool system's block rules around it.
pub struct BerapoolBlockExecutor<'a, Evm, Spec, R: ReceiptBuilder> {
    inner: EthBlockExecutor<'a, Evm, Spec, R>,
    /// Whether the pool system exists at this block's timestamp.
    pool_active: bool,
    /// The block's EIP-4895 withdrawals.
    withdrawals: Option<Cow<'a, [Withdrawal]>>,
    /// The parent's proposer, whose PoL rewards this block distributes.
    parent_proposer_pubkey: Option<Pubkey>,
    /// How the distribution went, once it ran.
    pol_outcome: Option<PolOutcome>,
}

impl<E, Spec, R: ReceiptBuilder> fmt::Debug for BerapoolBlockExecutor<'_, E, Spec, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BerapoolBlockExecutor")
            .field("pool_active", &self.pool_active)
            .field("withdrawals", &self.withdrawals)
            .field("parent_proposer_pubkey", &self.parent_proposer_pubkey)
            .finish_non_exhaustive()
    }
}

impl<'a, E, Spec, R> BerapoolBlockExecutor<'a, E, Spec, R>
where
    R: ReceiptBuilder,
{
    /// The wrapped Ethereum executor.
    pub const fn inner(&self) -> &EthBlockExecutor<'a, E, Spec, R> {
        &self.inner
    }

    /// How the block's PoL distribution went (`None` before the pre-execution changes, or on
    /// a block without a parent proposer).
    pub const fn pol_outcome(&self) -> Option<&PolOutcome> {
        self.pol_outcome.as_ref()
    }
}

fn rule_error(error: PoolRuleError) -> BlockExecutionError {
    BlockExecutionError::other(error)
}

impl<'a, E, Spec, R> BlockExecutor for BerapoolBlockExecutor<'a, E, Spec, R>
where
    R: ReceiptBuilder,
    E: Evm<
        DB: DatabaseCommit,
        Tx: FromRecoveredTx<R::Transaction> + FromTxWithEncoded<R::Transaction>,
    >,
    EthBlockExecutor<'a, E, Spec, R>:
        BlockExecutor<Evm = E, Transaction = R::Transaction, Receipt = R::Receipt>,
{
    type Transaction = R::Transaction;
    type Receipt = R::Receipt;
    type Evm = E;
    type Result = <EthBlockExecutor<'a, E, Spec, R> as BlockExecutor>::Result;

    fn apply_pre_execution_changes(&mut self) -> Result<(), BlockExecutionError> {
        self.inner.apply_pre_execution_changes()?;
        if let Some(pubkey) = self.parent_proposer_pubkey {
            let outcome = distribute_pol(self.inner.evm_mut(), &pubkey).map_err(rule_error)?;
            self.pol_outcome = Some(outcome);
        }
        if self.pool_active {
            begin_block(self.inner.evm_mut()).map_err(rule_error)?;
        }
        Ok(())
    }

    fn execute_transaction_without_commit(
        &mut self,
        tx: impl ExecutableTx<Self>,
    ) -> Result<Self::Result, BlockExecutionError> {
        self.inner.execute_transaction_without_commit(tx)
    }

    fn commit_transaction(&mut self, output: Self::Result) -> GasOutput {
        self.inner.commit_transaction(output)
    }

    fn finish(self) -> Result<(E, BlockExecutionResult<Self::Receipt>), BlockExecutionError> {
        let (mut evm, result) = self.inner.finish()?;
        if self.pool_active {
            let withdrawals = self.withdrawals.as_deref().unwrap_or_default();
            credit_consensus_withdrawals(&mut evm, withdrawals).map_err(rule_error)?;
        }
        Ok((evm, result))
    }

    fn evm_mut(&mut self) -> &mut E {
        self.inner.evm_mut()
    }

    fn evm(&self) -> &E {
        self.inner.evm()
    }

    fn receipts(&self) -> &[Self::Receipt] {
        self.inner.receipts()
    }
}
