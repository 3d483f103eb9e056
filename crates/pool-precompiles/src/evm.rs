//! [`BerapoolEvm`] and [`BerapoolEvmFactory`]: alloy-evm's Ethereum EVM with the staking-pool
//! precompiles installed, and with the pool contracts that make EVM calls of their own run as
//! native frames. This is the seam a reth node takes (`EthEvmConfig::new_with_evm_factory`), as
//! bera-reth plugs in its own EVM.
//!
//! A precompile only gets a journal handle. The IncentiveCollector and the vaults' token
//! recovery must call ERC-20 contracts, atomically and with `msg.sender` = themselves, so a CALL
//! to them is intercepted in [`EvmTr::frame_init`]: the native code runs right there with the
//! whole EVM, and each of its calls is a real frame on the same frame stack (see `native`).
//! Everything else is revm's stock Ethereum EVM, run by revm's own `MainnetHandler`.

use std::sync::Arc;

use alloy_evm::{
    eth::EthEvmContext,
    precompiles::PrecompilesMap,
    revm::{
        context::{
            result::{EVMError, HaltReason, ResultAndState},
            BlockEnv, CfgEnv, ContextSetters, ContextTr, Evm as RevmEvm, FrameStack, JournalTr,
            TxEnv,
        },
        context_interface::block::Block,
        handler::{
            evm::{ContextDbError, FrameInitResult},
            instructions::EthInstructions,
            system_call::SystemCallTx,
            EthFrame, EvmTr, FrameInitOrResult, FrameResult, Handler, ItemOrResult, MainnetHandler,
        },
        inspector::{
            handler::{frame_end, frame_start},
            InspectorEvmTr, InspectorHandler, NoOpInspector,
        },
        interpreter::{interpreter::EthInterpreter, interpreter_action::FrameInit, FrameInput},
        primitives::hardfork::SpecId,
        Inspector,
    },
    Database, EthEvmFactory, Evm, EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, Bytes};
use berapool_pool_state::{
    addresses::{
        reward_vault_index, BERA_CHEF, BLOCK_REWARD_CONTROLLER, POL_DISTRIBUTOR,
        REWARD_VAULT_FACTORY, WBERA,
    },
    PoolSystem,
};

use crate::{
    install,
    native::{self, Mode, NativeTarget},
    PoolConfig,
};

type Inner<DB, I> = RevmEvm<
    EthEvmContext<DB>,
    I,
    EthInstructions<EthInterpreter, EthEvmContext<DB>>,
    PrecompilesMap,
    EthFrame<EthInterpreter>,
>;

/// The error of a frame: the database's, or a custom message.
pub(crate) type FrameError<DB> = ContextDbError<EthEvmContext<DB>>;

/// The Ethereum EVM with the pool system: precompiles in its `PrecompilesMap`, and the native
/// frames of the contracts that call out.
pub struct BerapoolEvm<DB: Database, I> {
    pub(crate) inner: Inner<DB, I>,
    /// The pool system, from the activation timestamp on.
    natives: Option<Arc<PoolSystem>>,
    /// Whether Berachain's PoL contracts run natively (`PoolConfig::native_pol`).
    native_pol: bool,
    /// Native calls suspended on the Rust stack (each waits for a sub-call it made).
    pub(crate) nesting: u8,
    /// Whether the inspector runs (alloy-evm's runtime switch).
    inspect: bool,
}

impl<DB: Database, I> std::fmt::Debug for BerapoolEvm<DB, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BerapoolEvm")
            .field("natives", &self.natives.is_some())
            .field("inspect", &self.inspect)
            .finish_non_exhaustive()
    }
}

impl<DB: Database, I> BerapoolEvm<DB, I> {
    /// The EVM context.
    pub fn ctx(&self) -> &EthEvmContext<DB> {
        &self.inner.ctx
    }

    /// The EVM context, mutably.
    pub fn ctx_mut(&mut self) -> &mut EthEvmContext<DB> {
        &mut self.inner.ctx
    }

    /// The native contract a frame is for, if it is one.
    fn native_target(&self, init: &FrameInit) -> Option<(Arc<PoolSystem>, NativeTarget)> {
        let sys = self.natives.as_ref()?;
        let FrameInput::Call(inputs) = &init.frame_input else {
            return None;
        };
        let address = inputs.bytecode_address;
        let target = if self.native_pol {
            match address {
                WBERA => NativeTarget::Wbera,
                BERA_CHEF => NativeTarget::BeraChef,
                BLOCK_REWARD_CONTROLLER => NativeTarget::BlockRewardController,
                POL_DISTRIBUTOR => NativeTarget::Distributor,
                REWARD_VAULT_FACTORY => NativeTarget::RewardVaultFactory,
                _ if reward_vault_index(address).is_some() => NativeTarget::RewardVault(address),
                _ if crate::pol::is_dev_token(address) => NativeTarget::DevToken(address),
                _ => NativeTarget::of(inputs, &self.inner.ctx)?,
            }
        } else {
            NativeTarget::of(inputs, &self.inner.ctx)?
        };
        Some((Arc::clone(sys), target))
    }
}

impl<DB: Database, I: Inspector<EthEvmContext<DB>>> EvmTr for BerapoolEvm<DB, I> {
    type Context = EthEvmContext<DB>;
    type Instructions = EthInstructions<EthInterpreter, EthEvmContext<DB>>;
    type Precompiles = PrecompilesMap;
    type Frame = EthFrame<EthInterpreter>;

    fn all(
        &self,
    ) -> (
        &Self::Context,
        &Self::Instructions,
        &Self::Precompiles,
        &FrameStack<Self::Frame>,
    ) {
        self.inner.all()
    }

    fn all_mut(
        &mut self,
    ) -> (
        &mut Self::Context,
        &mut Self::Instructions,
        &mut Self::Precompiles,
        &mut FrameStack<Self::Frame>,
    ) {
        self.inner.all_mut()
    }

    fn frame_init(
        &mut self,
        init: FrameInit,
    ) -> Result<FrameInitResult<'_, Self::Frame>, FrameError<DB>> {
        match self.native_target(&init) {
            Some((sys, target)) => {
                native::enter(self, &sys, target, init, Mode::Plain).map(ItemOrResult::Result)
            }
            None => self.inner.frame_init(init),
        }
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, FrameError<DB>> {
        self.inner.frame_run()
    }

    fn frame_return_result(
        &mut self,
        result: FrameResult,
    ) -> Result<Option<FrameResult>, FrameError<DB>> {
        self.inner.frame_return_result(result)
    }
}

impl<DB: Database, I: Inspector<EthEvmContext<DB>>> InspectorEvmTr for BerapoolEvm<DB, I> {
    type Inspector = I;

    fn all_inspector(
        &self,
    ) -> (
        &Self::Context,
        &Self::Instructions,
        &Self::Precompiles,
        &FrameStack<Self::Frame>,
        &Self::Inspector,
    ) {
        self.inner.all_inspector()
    }

    fn all_mut_inspector(
        &mut self,
    ) -> (
        &mut Self::Context,
        &mut Self::Instructions,
        &mut Self::Precompiles,
        &mut FrameStack<Self::Frame>,
        &mut Self::Inspector,
    ) {
        self.inner.all_mut_inspector()
    }

    /// A native frame is reported as a call (`call` then `call_end`), its sub-calls as the
    /// frames they are, and its own logs as it emits them; the stock path would report every
    /// log journaled during the call again at its end.
    fn inspect_frame_init(
        &mut self,
        mut init: FrameInit,
    ) -> Result<FrameInitResult<'_, Self::Frame>, FrameError<DB>> {
        let Some((sys, target)) = self.native_target(&init) else {
            return self.inner.inspect_frame_init(init);
        };
        let (ctx, inspector) = self.inner.ctx_inspector();
        if let Some(mut output) = frame_start(ctx, inspector, &mut init.frame_input) {
            frame_end(ctx, inspector, &init.frame_input, &mut output);
            return Ok(ItemOrResult::Result(output));
        }
        let input = init.frame_input.clone();
        let mut output = native::enter(self, &sys, target, init, Mode::Inspect)?;
        let (ctx, inspector) = self.inner.ctx_inspector();
        frame_end(ctx, inspector, &input, &mut output);
        Ok(ItemOrResult::Result(output))
    }
}

impl<DB: Database, I: Inspector<EthEvmContext<DB>>> Evm for BerapoolEvm<DB, I> {
    type DB = DB;
    type Tx = TxEnv;
    type Error = EVMError<DB::Error>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;
    type Inspector = I;

    fn block(&self) -> &BlockEnv {
        &self.inner.ctx.block
    }

    fn cfg_env(&self) -> &CfgEnv<SpecId> {
        &self.inner.ctx.cfg
    }

    fn chain_id(&self) -> u64 {
        self.inner.ctx.cfg.chain_id
    }

    fn transact_raw(&mut self, tx: TxEnv) -> Result<ResultAndState<HaltReason>, Self::Error> {
        self.inner.ctx.set_tx(tx);
        let mut handler = MainnetHandler::<Self, Self::Error, EthFrame<EthInterpreter>>::default();
        let result = if self.inspect {
            handler.inspect_run(self)
        } else {
            handler.run(self)
        };
        // The journal is finalized either way, so nothing leaks into the next transaction.
        let state = self.inner.ctx.journal_mut().finalize();
        result.map(|result| ResultAndState { result, state })
    }

    fn transact_system_call(
        &mut self,
        caller: Address,
        contract: Address,
        data: Bytes,
    ) -> Result<ResultAndState<HaltReason>, Self::Error> {
        self.inner
            .ctx
            .set_tx(TxEnv::new_system_tx_with_caller(caller, contract, data));
        let result = MainnetHandler::<Self, Self::Error, EthFrame<EthInterpreter>>::default()
            .run_system_call(self);
        let state = self.inner.ctx.journal_mut().finalize();
        result.map(|result| ResultAndState { result, state })
    }

    fn finish(self) -> (DB, EvmEnv<SpecId>) {
        let ctx = self.inner.ctx;
        (
            ctx.journaled_state.database,
            EvmEnv {
                block_env: ctx.block,
                cfg_env: ctx.cfg,
            },
        )
    }

    fn set_inspector_enabled(&mut self, enabled: bool) {
        self.inspect = enabled;
    }

    fn components(&self) -> (&DB, &I, &PrecompilesMap) {
        (
            &self.inner.ctx.journaled_state.database,
            &self.inner.inspector,
            &self.inner.precompiles,
        )
    }

    fn components_mut(&mut self) -> (&mut DB, &mut I, &mut PrecompilesMap) {
        (
            &mut self.inner.ctx.journaled_state.database,
            &mut self.inner.inspector,
            &mut self.inner.precompiles,
        )
    }
}

/// Creates [`BerapoolEvm`]s: the pool system from the configured activation timestamp on.
#[derive(Clone, Debug)]
pub struct BerapoolEvmFactory {
    config: Arc<PoolConfig>,
    sys: Arc<PoolSystem>,
}

impl BerapoolEvmFactory {
    /// A factory installing the pool system configured by `config`.
    pub fn new(config: PoolConfig) -> Self {
        let sys = Arc::new(config.system());
        Self {
            config: Arc::new(config),
            sys,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    fn wrap<DB: Database, I>(&self, mut inner: Inner<DB, I>, inspect: bool) -> BerapoolEvm<DB, I> {
        let timestamp = inner.ctx.block.timestamp().saturating_to();
        let active = self.config.is_active_at(timestamp);
        if active {
            install(&mut inner.precompiles, &self.config);
        }
        BerapoolEvm {
            inner,
            natives: active.then(|| Arc::clone(&self.sys)),
            native_pol: active && self.config.native_pol,
            nesting: 0,
            inspect,
        }
    }
}

impl EvmFactory for BerapoolEvmFactory {
    type Evm<DB: Database, I: Inspector<EthEvmContext<DB>>> = BerapoolEvm<DB, I>;
    type Context<DB: Database> = EthEvmContext<DB>;
    type Tx = TxEnv;
    type Error<DBError: alloy_evm::revm::context::DBErrorMarker> = EVMError<DBError>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;

    fn create_evm<DB: Database>(&self, db: DB, input: EvmEnv) -> Self::Evm<DB, NoOpInspector> {
        let inner = EthEvmFactory::default().create_evm(db, input).into_inner();
        self.wrap(inner, false)
    }

    fn create_evm_with_inspector<DB: Database, I: Inspector<Self::Context<DB>>>(
        &self,
        db: DB,
        input: EvmEnv,
        inspector: I,
    ) -> Self::Evm<DB, I> {
        let inner = EthEvmFactory::default()
            .create_evm_with_inspector(db, input, inspector)
            .into_inner();
        self.wrap(inner, true)
    }
}
