//! The `eth_` namespace over the chain's reader and the transaction pool, split by concern:
//! [`block`] (blocks, receipts and the tags that name them), [`state`] (accounts at any kept
//! block), [`call`] (`eth_call`, `eth_estimateGas`), [`proof`] (`eth_getProof`), [`tx`]
//! (sending and finding transactions), [`logs`], [`fees`], and [`pubsub`] (WebSocket
//! subscriptions). No method takes the engine's lock: each reads the published head and a
//! storage snapshot, and the heavy ones (calls, logs, proofs) run a few at a time, with a gas
//! cap and a deadline.

mod accounts;
mod block;
mod call;
pub(crate) mod convert;
mod fees;
mod filters;
mod logs;
mod proof;
mod pubsub;
mod state;
mod trace;
mod tx;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, EIP1186AccountProofResponse, FeeHistory, Filter, Log, Transaction,
    TransactionReceipt, TransactionRequest,
};
use alloy_serde::storage::JsonStorageKey;
use berapool_engine::ChainReader;
use berapool_txpool::TxPool;
use jsonrpsee::{core::SubscriptionResult, PendingSubscriptionSink};

use crate::{
    api::{EthApiServer, RpcResult},
    limit::Limiter,
};

pub use accounts::DevAccounts;
pub use call::ESTIMATE_COINBASE;
pub use fees::{DEFAULT_TIP, MAX_FEE_HISTORY, MAX_REWARD_PERCENTILES};
pub use filters::{FilterChanges, FILTER_TIMEOUT, MAX_FILTERS};
pub use logs::{MAX_LOGS, MAX_LOG_BYTES, MAX_LOG_RANGE};
pub use proof::MAX_PROOF_SLOTS;

/// The longest an `eth_estimateGas`, `eth_getLogs` or `eth_getProof` may run.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// What the `eth_` methods read: the chain's reader and the transaction pool.
#[derive(Clone, Debug)]
pub struct EthApi {
    chain: ChainReader,
    pool: Arc<TxPool>,
    /// The most gas one `eth_call` or `eth_estimateGas` may use (`--rpc.gascap`).
    gas_cap: u64,
    /// How many calls, log scans and proofs run at once; the rest wait their turn.
    heavy: Limiter,
    /// The suggested tip and the head it was computed at.
    tip: Arc<Mutex<Option<(B256, u128)>>>,
    /// What `eth_accounts` lists: the dev accounts on a devnet, none otherwise.
    accounts: Arc<Vec<Address>>,
    /// Installed polling filters.
    filters: Arc<filters::Filters>,
}

impl EthApi {
    /// The methods over `chain`, sending transactions into `pool`; calls get at most `gas_cap`
    /// gas, and at most `heavy` calls, log scans and proofs run at once.
    pub fn new(chain: ChainReader, pool: Arc<TxPool>, gas_cap: u64, heavy: usize) -> Self {
        Self {
            chain,
            pool,
            gas_cap,
            heavy: Limiter::new(heavy),
            tip: Arc::default(),
            accounts: Arc::default(),
            filters: Arc::default(),
        }
    }

    /// The same methods, with `eth_accounts` listing `accounts`.
    pub fn with_accounts(mut self, accounts: Vec<Address>) -> Self {
        self.accounts = Arc::new(accounts);
        self
    }

    fn chain_id(&self) -> u64 {
        self.chain.spec().chain_id()
    }

    /// The chain these methods read.
    pub(crate) fn chain(&self) -> &ChainReader {
        &self.chain
    }

    /// The pool they send into.
    pub(crate) fn pool(&self) -> &Arc<TxPool> {
        &self.pool
    }

    /// `eth_gasPrice` as a number.
    pub(crate) fn current_gas_price(&self) -> RpcResult<U256> {
        self.gas_price()
    }
}

impl crate::api::DebugApiServer for EthApi {
    fn trace_transaction(
        &self,
        hash: B256,
        opts: Option<alloy_rpc_types_trace::geth::GethDebugTracingOptions>,
    ) -> RpcResult<alloy_rpc_types_trace::geth::GethTrace> {
        self.debug_trace_transaction(hash, opts.unwrap_or_default())
    }

    fn trace_block_by_number(
        &self,
        number: BlockNumberOrTag,
        opts: Option<alloy_rpc_types_trace::geth::GethDebugTracingOptions>,
    ) -> RpcResult<Vec<alloy_rpc_types_trace::geth::TraceResult>> {
        self.debug_trace_block(BlockId::Number(number), opts.unwrap_or_default())
    }

    fn trace_block_by_hash(
        &self,
        hash: B256,
        opts: Option<alloy_rpc_types_trace::geth::GethDebugTracingOptions>,
    ) -> RpcResult<Vec<alloy_rpc_types_trace::geth::TraceResult>> {
        self.debug_trace_block(BlockId::from(hash), opts.unwrap_or_default())
    }

    fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        opts: Option<alloy_rpc_types_trace::geth::GethDebugTracingCallOptions>,
    ) -> RpcResult<alloy_rpc_types_trace::geth::GethTrace> {
        self.debug_trace_call(request, block, opts.unwrap_or_default())
    }
}

impl crate::api::TraceApiServer for EthApi {
    fn transaction(
        &self,
        hash: B256,
    ) -> RpcResult<Option<Vec<alloy_rpc_types_trace::parity::LocalizedTransactionTrace>>> {
        self.trace_transaction(hash)
    }

    fn block(
        &self,
        number: BlockNumberOrTag,
    ) -> RpcResult<Option<Vec<alloy_rpc_types_trace::parity::LocalizedTransactionTrace>>> {
        self.trace_block(number)
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
        Ok(self.accounts.as_ref().clone())
    }

    fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<alloy_rpc_types_eth::AccessListResult> {
        EthApi::create_access_list(self, request, block)
    }

    fn block_number(&self) -> RpcResult<U64> {
        Ok(U64::from(self.chain.head().number()))
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
        self.block_by_number(number, full.unwrap_or(false))
    }

    fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>> {
        self.block_by_hash(hash, full.unwrap_or(false))
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

    fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse> {
        self.proof(address, keys, block)
    }

    fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.logs(&filter)
    }

    fn blob_base_fee(&self) -> RpcResult<U256> {
        let head = self.chain.head();
        let header = &head.header;
        let params = self.chain.spec().blob_params_at(header.timestamp);
        let excess = header.excess_blob_gas.unwrap_or_default();
        Ok(U256::from(params.map_or(1, |p| p.calc_blob_fee(excess))))
    }

    fn new_filter(&self, filter: Filter) -> RpcResult<U256> {
        self.new_filter(filter)
    }

    fn new_block_filter(&self) -> RpcResult<U256> {
        self.new_block_filter()
    }

    fn new_pending_transaction_filter(&self) -> RpcResult<U256> {
        self.new_pending_transaction_filter()
    }

    fn filter_changes(&self, id: U256) -> RpcResult<FilterChanges> {
        self.filter_changes(id)
    }

    fn filter_logs(&self, id: U256) -> RpcResult<Vec<Log>> {
        self.filter_logs(id)
    }

    fn uninstall_filter(&self, id: U256) -> RpcResult<bool> {
        Ok(self.uninstall_filter(id))
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
