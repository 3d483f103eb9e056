//! Native frames: pool contracts that make EVM calls of their own.
//!
//! [`enter`] runs one call to such a contract in place of the frame revm would have made: the
//! same prologue as revm's `make_call_frame` (depth check, checkpoint, value transfer), the
//! contract's native code on a [`NativeFrame`], and the checkpoint committed or reverted by the
//! outcome. The native code reaches state through the same [`EvmHost`] as a precompile, and
//! calls out with [`NativeFrame::call`], which charges what the CALL opcode charges and runs the
//! callee as a real frame on the EVM's frame stack, so atomicity, the 63/64 rule, the stipend,
//! the depth limit, static context and tracing are revm's own.

use alloy_evm::{
    eth::EthEvmContext,
    revm::{
        context::{ContextTr, JournalTr},
        context_interface::{context::take_error, host::LoadError},
        handler::{
            evm::ContextDbError, precompile_output_to_interpreter_result, EvmTr, FrameResult,
            ItemOrResult,
        },
        inspector::InspectorEvmTr,
        interpreter::{
            instructions::contract::load_account_delegated, interpreter_action::FrameInit,
            CallInput, CallInputs, CallOutcome, CallScheme, CallValue, FrameInput, Gas,
            InstructionResult, InterpreterResult, SharedMemory,
        },
        precompile::PrecompileOutput,
        primitives::{CALL_STACK_LIMIT, KECCAK_EMPTY},
        Inspector,
    },
    Database, EvmInternals,
};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolError;
use berapool_pool_state::{Call, HostError, PoolError, PoolId, PoolSystem};

use crate::{
    abi::IBerapool,
    contracts::{self, Target},
    evm::{BerapoolEvm, FrameError},
    evm_host::EvmHost,
    gas::{decode_cost, GasMeter},
};

/// How many native calls may wait on one call stack for a sub-call to return. Each level holds
/// a Rust stack frame; legitimate paths nest two or three deep (a claim calling a token that
/// pays back into a vault), while a hostile token could bounce between collectors up to the
/// EVM's depth limit. A call beyond this reverts with `NativeCallDepthExceeded()`. A chain rule.
pub const MAX_NATIVE_NESTING: u8 = 8;

/// Whether the inspector runs for the frames a native call makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Plain,
    Inspect,
}

/// A call that runs as a native frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NativeTarget {
    /// Any call to a pool's IncentiveCollector.
    IncentiveCollector(PoolId),
    /// `recoverERC20` on the WithdrawalVault or a pool's StakingRewardsVault.
    RecoverErc20(Target),
    /// Any call to the native WBERA (chains with the native PoL set).
    Wbera,
    /// Any call to the native BeraChef (chains with the native PoL set).
    BeraChef,
    /// Any call to the native BlockRewardController.
    BlockRewardController,
    /// Any call to the native Distributor.
    Distributor,
    /// Any call to the native RewardVaultFactory.
    RewardVaultFactory,
    /// Any call to a native reward vault (its address).
    RewardVault(Address),
    /// Any call to a native dev token: HONEY or an incentive token (its address).
    DevToken(Address),
    /// A SmartOperator function that calls BeraChef.
    OperatorPol(PoolId),
}

impl NativeTarget {
    /// The native target of a call, if it has one.
    pub(crate) fn of<CTX: ContextTr>(inputs: &CallInputs, ctx: &CTX) -> Option<Self> {
        let target = Target::of(inputs.bytecode_address)?;
        match target {
            Target::IncentiveCollector(id) => Some(Self::IncentiveCollector(id)),
            Target::Vault | Target::RewardsVault(_) => (selector(inputs, ctx)?
                == contracts::RECOVER_ERC20_SELECTOR)
                .then_some(Self::RecoverErc20(target)),
            Target::Operator(id) => contracts::OPERATOR_POL_SELECTORS
                .contains(&selector(inputs, ctx)?)
                .then_some(Self::OperatorPol(id)),
            _ => None,
        }
    }
}

/// The first four bytes of a call's input.
fn selector<CTX: ContextTr>(inputs: &CallInputs, ctx: &CTX) -> Option<[u8; 4]> {
    let data = inputs.input.as_bytes_local(ctx.local());
    data.get(..4)?.try_into().ok()
}

/// Runs a call to a native contract: revm's call prologue, the native code, and the result.
pub(crate) fn enter<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    evm: &mut BerapoolEvm<DB, I>,
    sys: &PoolSystem,
    target: NativeTarget,
    init: FrameInit,
    mode: Mode,
) -> Result<FrameResult, FrameError<DB>> {
    let FrameInit {
        depth,
        memory,
        frame_input,
    } = init;
    let FrameInput::Call(inputs) = frame_input else {
        return Err(ContextDbError::<EthEvmContext<DB>>::Custom(
            "native frame for a create".into(),
        ));
    };
    let outcome = |result: InterpreterResult| {
        FrameResult::Call(CallOutcome {
            result,
            memory_offset: inputs.return_memory_offset.clone(),
            was_precompile_called: false,
            precompile_call_logs: Vec::new(),
            charged_new_account_state_gas: inputs.charged_new_account_state_gas,
        })
    };
    let early = |result: InstructionResult| InterpreterResult {
        result,
        gas: Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir),
        output: Bytes::new(),
    };
    if depth > CALL_STACK_LIMIT as usize {
        return Ok(outcome(early(InstructionResult::CallTooDeep)));
    }
    let logs_before = evm.inner.ctx.journal().logs().len();
    let checkpoint = evm.inner.ctx.journal_mut().checkpoint();
    if let CallValue::Transfer(value) = inputs.value {
        if let Some(error) =
            evm.inner
                .ctx
                .journal_mut()
                .transfer_loaded(inputs.caller, inputs.target_address, value)
        {
            evm.inner.ctx.journal_mut().checkpoint_revert(checkpoint);
            return Ok(outcome(early(error.into())));
        }
    }
    if mode == Mode::Inspect {
        report_logs(evm, logs_before);
    }
    let data = inputs.input.bytes(&evm.inner.ctx);
    let call = Call {
        caller: inputs.caller,
        value: inputs.call_value(),
    };
    let output = if evm.nesting >= MAX_NATIVE_NESTING {
        let data = IBerapool::NativeCallDepthExceeded {}.abi_encode();
        PrecompileOutput::revert(0, data.into(), inputs.reservoir)
    } else {
        evm.nesting += 1;
        let mut frame = NativeFrame {
            evm: &mut *evm,
            mode,
            memory,
            depth,
            address: inputs.bytecode_address,
            is_static: inputs.is_static,
            meter: GasMeter::new(inputs.gas_limit),
            touched: vec![inputs.bytecode_address],
            fatal: None,
        };
        let direct = inputs.target_address == inputs.bytecode_address;
        let output = contracts::run_native(
            &mut frame,
            sys,
            target,
            call,
            &data,
            direct,
            inputs.reservoir,
        );
        let fatal = frame.fatal.take();
        evm.nesting -= 1;
        if let Some(error) = fatal {
            return Err(error);
        }
        match output {
            Ok(output) => output,
            Err(message) => return Err(ContextDbError::<EthEvmContext<DB>>::Custom(message)),
        }
    };
    let result = precompile_output_to_interpreter_result(output, inputs.gas_limit);
    if result.result.is_ok() {
        evm.inner.ctx.journal_mut().checkpoint_commit();
    } else {
        evm.inner.ctx.journal_mut().checkpoint_revert(checkpoint);
    }
    Ok(outcome(result))
}

/// Reports the logs journaled since `from` to the inspector.
fn report_logs<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    evm: &mut BerapoolEvm<DB, I>,
    from: usize,
) {
    let (ctx, inspector) = evm.inner.ctx_inspector();
    let logs = ctx
        .journal()
        .logs()
        .get(from..)
        .unwrap_or_default()
        .to_vec();
    for log in logs {
        inspector.log(ctx, log);
    }
}

/// CALL or STATICCALL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    Call,
    StaticCall,
}

/// How a sub-call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CallStatus {
    /// Returned: its return data.
    Success(Bytes),
    /// Reverted: its revert data.
    Revert(Bytes),
    /// Halted (out of gas, invalid opcode, a write in static context, …).
    Halt,
}

impl CallStatus {
    /// What Solidity does with a high-level call's outcome: the return data of a success, the
    /// callee's revert data bubbled up, an empty revert for a halt.
    pub(crate) fn bubble(self) -> Result<Bytes, PoolError> {
        match self {
            Self::Success(out) => Ok(out),
            Self::Revert(out) => Err(PoolError::Host(HostError::Revert(out.to_vec()))),
            Self::Halt => Err(PoolError::Host(HostError::Revert(Vec::new()))),
        }
    }
}

/// The host of one native call: its gas, the accounts it has touched, and the EVM it runs in.
pub(crate) struct NativeFrame<'e, DB: Database, I> {
    evm: &'e mut BerapoolEvm<DB, I>,
    mode: Mode,
    /// The call's memory context; each sub-call takes a child of it and frees it.
    memory: SharedMemory,
    depth: usize,
    address: Address,
    is_static: bool,
    meter: GasMeter,
    touched: Vec<Address>,
    /// A database failure seen during a sub-call: the transaction fails with it.
    fatal: Option<FrameError<DB>>,
}

impl<DB: Database, I: Inspector<EthEvmContext<DB>>> NativeFrame<'_, DB, I> {
    /// The native contract's own address (`msg.sender` of its sub-calls).
    pub(crate) fn address(&self) -> Address {
        self.address
    }

    /// Whether the call is static.
    pub(crate) fn is_static(&self) -> bool {
        self.is_static
    }

    /// The gas meter.
    pub(crate) fn meter(&mut self) -> &mut GasMeter {
        &mut self.meter
    }

    /// The chain id (CHAINID).
    pub(crate) fn chain_id(&self) -> u64 {
        self.evm.inner.ctx.cfg.chain_id
    }

    /// Runs pool-system work on the journal, charged as a precompile's; its logs reach the
    /// inspector as they are made.
    pub(crate) fn with_host<R>(
        &mut self,
        work: impl FnOnce(&mut EvmHost<'_, '_>) -> Result<R, PoolError>,
    ) -> Result<R, PoolError> {
        let logs_before = self.evm.inner.ctx.journal().logs().len();
        let result = {
            let mut internals = EvmInternals::from_context(&mut self.evm.inner.ctx);
            let touched = std::mem::take(&mut self.touched);
            let mut host =
                EvmHost::resume(&mut internals, &mut self.meter, touched, self.is_static);
            let result = work(&mut host);
            self.touched = host.into_touched();
            result
        };
        if self.mode == Mode::Inspect {
            report_logs(self.evm, logs_before);
        }
        result
    }

    /// Reads transient slot `key` of the contract (TLOAD).
    pub(crate) fn tload(&mut self, key: U256) -> Result<U256, PoolError> {
        self.charge(self.meter.params().warm_storage_read_cost())?;
        let mut internals = EvmInternals::from_context(&mut self.evm.inner.ctx);
        Ok(internals.tload(self.address, key))
    }

    /// Writes transient slot `key` of the contract (TSTORE), undone with the call on revert.
    pub(crate) fn tstore(&mut self, key: U256, value: U256) -> Result<(), PoolError> {
        self.charge(self.meter.params().warm_storage_read_cost())?;
        let mut internals = EvmInternals::from_context(&mut self.evm.inner.ctx);
        internals.tstore(self.address, key, value);
        Ok(())
    }

    /// Whether `account` has code (EXTCODESIZE > 0 on an account a call just warmed).
    pub(crate) fn has_code(&mut self, account: Address) -> Result<bool, PoolError> {
        self.charge(self.meter.params().warm_storage_read_cost())?;
        let mut internals = EvmInternals::from_context(&mut self.evm.inner.ctx);
        let loaded = internals
            .load_account(account)
            .map_err(|e| PoolError::Host(HostError::Database(e.to_string())))?;
        let hash = loaded.data.info.code_hash;
        Ok(hash != KECCAK_EMPTY && !hash.is_zero())
    }

    fn charge(&mut self, amount: u64) -> Result<(), PoolError> {
        self.meter
            .charge(amount)
            .map_err(|_| PoolError::Host(HostError::OutOfGas))
    }

    fn fail(&mut self, error: FrameError<DB>) -> PoolError {
        let message = format!("{error:?}");
        self.fatal = Some(error);
        PoolError::Host(HostError::Database(message))
    }

    /// Calls `to` with `data` (and `value`, for CALL) from this contract, forwarding all gas
    /// the 63/64 rule allows, charged as the CALL or STATICCALL opcode: the warm access, a copy
    /// per calldata word, the value transfer and new-account costs, the cold access and
    /// EIP-7702 delegation through revm's own account loading, then the child's gas (plus the
    /// stipend with value); unused gas comes back, refunds only from a success.
    pub(crate) fn call(
        &mut self,
        kind: CallKind,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Result<CallStatus, PoolError> {
        self.call_with_gas_cap(kind, to, value, data, u64::MAX)
    }

    /// [`Self::call`] forwarding at most `cap` gas (Solidity's `call{gas: cap}`), so that a
    /// callee cannot spend what the caller needs for the rest of its work.
    pub(crate) fn call_with_gas_cap(
        &mut self,
        kind: CallKind,
        to: Address,
        value: U256,
        data: Bytes,
        cap: u64,
    ) -> Result<CallStatus, PoolError> {
        let transfers_value = !value.is_zero();
        if transfers_value && (self.is_static || kind == CallKind::StaticCall) {
            return Err(PoolError::Host(HostError::Revert(
                IBerapool::WriteInStaticCall {}.abi_encode(),
            )));
        }
        let params = self.meter.params();
        let (warm, value_cost, stipend) = (
            params.warm_storage_read_cost(),
            params.transfer_value_cost(),
            params.call_stipend(),
        );
        self.charge(warm + decode_cost(data.len()))?;
        if transfers_value {
            self.charge(value_cost)?;
        }
        let spec = self.evm.inner.ctx.cfg.spec;
        let loaded = load_account_delegated(
            &mut self.evm.inner.ctx,
            spec,
            self.meter.remaining(),
            to,
            transfers_value,
            kind == CallKind::Call,
        );
        let (cost, state_cost, bytecode, code_hash) = match loaded {
            Ok(loaded) => loaded,
            Err(LoadError::ColdLoadSkipped) => return Err(PoolError::Host(HostError::OutOfGas)),
            Err(LoadError::DBError) => {
                let error = match take_error::<FrameError<DB>, _>(self.evm.inner.ctx.error()) {
                    Err(error) => error,
                    Ok(()) => {
                        ContextDbError::<EthEvmContext<DB>>::Custom("account load failed".into())
                    }
                };
                return Err(self.fail(error));
            }
        };
        self.charge(cost)?;
        if state_cost != 0 {
            // EIP-8037 state gas (Amsterdam) is not modelled; Berachain runs Prague.
            return Err(PoolError::Host(HostError::Revert(Vec::new())));
        }
        let limit = self
            .meter
            .params()
            .call_stipend_reduction(self.meter.remaining())
            .min(cap);
        self.charge(limit)?;
        let child_gas = if transfers_value {
            limit.saturating_add(stipend)
        } else {
            limit
        };
        let inputs = CallInputs {
            input: CallInput::Bytes(data),
            return_memory_offset: 0..0,
            gas_limit: child_gas,
            reservoir: 0,
            bytecode_address: to,
            known_bytecode: (code_hash, bytecode),
            target_address: to,
            caller: self.address,
            value: CallValue::Transfer(value),
            scheme: match kind {
                CallKind::Call => CallScheme::Call,
                CallKind::StaticCall => CallScheme::StaticCall,
            },
            is_static: self.is_static || kind == CallKind::StaticCall,
            charged_new_account_state_gas: false,
        };
        let init = FrameInit {
            depth: self.depth + 1,
            memory: self.memory.new_child_context(),
            frame_input: FrameInput::Call(Box::new(inputs)),
        };
        let result = self.run_nested(init);
        self.memory.free_child_context();
        let outcome = match result {
            Ok(FrameResult::Call(outcome)) => outcome,
            Ok(FrameResult::Create(_)) => {
                let error = ContextDbError::<EthEvmContext<DB>>::Custom(
                    "a call returned a create result".into(),
                );
                return Err(self.fail(error));
            }
            Err(error) => return Err(self.fail(error)),
        };
        let InterpreterResult {
            result,
            output,
            gas,
        } = outcome.result;
        if result.is_ok_or_revert() {
            self.meter.reimburse(gas.remaining());
        }
        Ok(if result.is_ok() {
            self.meter.refund(gas.refunded());
            CallStatus::Success(output)
        } else if result.is_revert() {
            CallStatus::Revert(output)
        } else {
            CallStatus::Halt
        })
    }

    /// Runs a sub-call to completion on the EVM's frame stack: the exec loop of revm's handler,
    /// stopping when the sub-call's own frame returns (the frames below it belong to callers
    /// that are still waiting).
    fn run_nested(&mut self, init: FrameInit) -> Result<FrameResult, FrameError<DB>> {
        let evm = &mut *self.evm;
        let inspect = self.mode == Mode::Inspect;
        let first = if inspect {
            evm.inspect_frame_init(init)?
        } else {
            evm.frame_init(init)?
        };
        if let ItemOrResult::Result(result) = first {
            return Ok(result);
        }
        let base = evm.inner.frame_stack.index();
        loop {
            let step = if inspect {
                evm.inspect_frame_run()?
            } else {
                evm.frame_run()?
            };
            let result = match step {
                ItemOrResult::Item(child) => {
                    let started = if inspect {
                        evm.inspect_frame_init(child)?
                    } else {
                        evm.frame_init(child)?
                    };
                    match started {
                        ItemOrResult::Item(_) => continue,
                        ItemOrResult::Result(result) => result,
                    }
                }
                ItemOrResult::Result(result) if evm.inner.frame_stack.index() == base => {
                    // The sub-call's own frame: popped here, never handed to the caller's.
                    evm.inner.frame_stack.pop();
                    take_error::<FrameError<DB>, _>(evm.inner.ctx.error())?;
                    return Ok(result);
                }
                ItemOrResult::Result(result) => result,
            };
            // Feeds a finished frame's result to the frame below it, still above `base`.
            if let Some(result) = evm.frame_return_result(result)? {
                return Ok(result);
            }
        }
    }
}

/// The result of native code as a precompile's output, or a message for a fatal failure.
pub(crate) type NativeOutput = Result<PrecompileOutput, String>;
