//! The `eth_` namespace over the engine's chain and the transaction pool, split by concern:
//! [`block`] (blocks, receipts and the tags that name them), [`state`] (accounts at the head),
//! [`call`] (`eth_call`, `eth_estimateGas`), [`tx`] (sending and finding transactions),
//! [`logs`], [`fees`], and [`pubsub`] (WebSocket subscriptions).

mod block;
mod call;
mod convert;
mod fees;
mod logs;
mod pubsub;
mod state;
mod tx;

use std::sync::{Arc, Mutex};

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, FeeHistory, Filter, Log, Transaction, TransactionReceipt,
    TransactionRequest,
};
use berapool_engine::EngineHandle;
use berapool_txpool::TxPool;
use jsonrpsee::{core::SubscriptionResult, PendingSubscriptionSink};

use crate::api::{EthApiServer, RpcResult};

pub use call::ESTIMATE_COINBASE;
pub use fees::{DEFAULT_TIP, MAX_FEE_HISTORY};
pub use logs::{MAX_LOGS, MAX_LOG_RANGE};

/// What the `eth_` methods read: the engine's chain and the transaction pool.
#[derive(Clone, Debug)]
pub struct EthApi {
    engine: EngineHandle,
    pool: Arc<TxPool>,
    /// The suggested tip and the head it was computed at.
    tip: Arc<Mutex<Option<(B256, u128)>>>,
}

impl EthApi {
    /// The methods over `engine`'s chain, sending transactions into `pool`.
    pub fn new(engine: EngineHandle, pool: Arc<TxPool>) -> Self {
        Self {
            engine,
            pool,
            tip: Arc::default(),
        }
    }

    fn chain_id(&self) -> u64 {
        self.engine.with_chain(|c| c.spec().chain_id())
    }
}

#[jsonrpsee::core::async_trait]
impl EthApiServer for EthApi {
    fn chain_id(&self) -> RpcResult<U64> {
        Ok(U64::from(EthApi::chain_id(self)))
    }

    fn syncing(&self) -> RpcResult<bool> {
        Ok(false)
    }

    fn accounts(&self) -> RpcResult<Vec<Address>> {
        Ok(Vec::new())
    }

    fn block_number(&self) -> RpcResult<U64> {
        Ok(U64::from(self.engine.with_chain(|c| c.head().0.number)))
    }

    fn gas_price(&self) -> RpcResult<U256> {
        self.gas_price()
    }

    fn max_priority_fee_per_gas(&self) -> RpcResult<U256> {
        self.suggested_tip().map(U256::from)
    }

    fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        self.balance(address, block)
    }

    fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64> {
        self.transaction_count(address, block)
    }

    fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.code(address, block)
    }

    fn storage_at(&self, address: Address, slot: U256, block: Option<BlockId>) -> RpcResult<B256> {
        self.storage_at(address, slot, block)
    }

    fn send_raw_transaction(&self, transaction: Bytes) -> RpcResult<B256> {
        self.send_raw_transaction(&transaction)
    }

    fn block_by_number(
        &self,
        number: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>> {
        let number = self.engine.with_chain(|c| block::resolve_tag(c, number))?;
        self.block_at(number, full.unwrap_or(false))
    }

    fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>> {
        let number = self.engine.with_chain(|c| c.store().block_number(hash))?;
        self.block_at(number, full.unwrap_or(false))
    }

    fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        self.transaction_by_hash(hash)
    }

    fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        self.transaction_receipt(hash)
    }

    fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>> {
        self.block_receipts(block)
    }

    fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes> {
        self.call(request, block, overrides)
    }

    fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64> {
        self.estimate_gas(request, block, overrides)
    }

    fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.logs(&filter)
    }

    fn fee_history(
        &self,
        block_count: U64,
        newest_block: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        self.fee_history(block_count.to(), newest_block, reward_percentiles)
    }

    async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: String,
        filter: Option<serde_json::Value>,
    ) -> SubscriptionResult {
        self.subscribe(pending, kind, filter).await
    }
}
