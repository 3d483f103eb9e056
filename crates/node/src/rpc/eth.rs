//! The `eth_`, `net_` and `web3_` namespaces over the engine's chain and the transaction pool.

use std::sync::Arc;

use alloy_consensus::{BlockHeader, Header, Transaction as _};
use alloy_eips::{eip1559::BaseFeeParams, BlockId, BlockNumberOrTag};
use alloy_evm::revm::context::result::ExecutionResult;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, FeeHistory, Filter, FilterBlockOption, Log, Transaction,
    TransactionReceipt, TransactionRequest,
};
use jsonrpsee::{
    core::SubscriptionResult,
    types::{ErrorObjectOwned, Params},
    PendingSubscriptionSink, RpcModule,
};
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;

use super::{convert, RpcError};
use crate::{
    blockchain::{Blockchain, CallOptions},
    engine::EngineHandle,
    storage::StoredBlock,
    txpool::{ChainView, TxPool},
};

/// Blocks one `eth_getLogs` call may span.
pub const MAX_LOG_RANGE: u64 = 10_000;
/// Logs one `eth_getLogs` call may return.
pub const MAX_LOGS: usize = 10_000;
/// Blocks one `eth_feeHistory` call may cover.
pub const MAX_FEE_HISTORY: u64 = 1024;
/// The coinbase of estimation runs: an address no transaction touches, so the warm coinbase
/// (EIP-3651) never makes an estimate lower than what the real block charges.
const ESTIMATE_COINBASE: Address =
    alloy_primitives::address!("00000000000000000000e57100000000000000fe");
/// The tip suggested when recent blocks carry no transactions (1 gwei).
pub const DEFAULT_TIP: u128 = 1_000_000_000;

/// The state of the node the methods read.
#[derive(Clone, Debug)]
pub struct EthApi {
    engine: EngineHandle,
    pool: Arc<TxPool>,
    client_version: String,
    /// The suggested tip and the head it was computed at.
    tip: Arc<std::sync::Mutex<Option<(B256, u128)>>>,
}

type RpcResult<T> = Result<T, RpcError>;

/// Positional parameters: required ones first, then optional trailing ones.
struct Args<'a>(jsonrpsee::types::params::ParamsSequence<'a>);

impl<'a> Args<'a> {
    fn new(params: &'a Params<'a>) -> Self {
        Self(params.sequence())
    }

    fn next<T: DeserializeOwned>(&mut self) -> RpcResult<T> {
        self.0
            .next()
            .map_err(|e: ErrorObjectOwned| RpcError::InvalidParams(invalid_params(&e)))
    }

    fn optional<T: DeserializeOwned>(&mut self) -> RpcResult<Option<T>> {
        self.0
            .optional_next()
            .map_err(|e: ErrorObjectOwned| RpcError::InvalidParams(invalid_params(&e)))
    }
}

fn invalid_params(error: &ErrorObjectOwned) -> String {
    // jsonrpsee puts the decoder's complaint into `data` as a JSON string.
    error
        .data()
        .and_then(|data| serde_json::from_str::<String>(data.get()).ok())
        .unwrap_or_else(|| error.message().to_owned())
}

/// The block number `tag` names, if that block exists.
fn resolve_tag(chain: &Blockchain, tag: BlockNumberOrTag) -> RpcResult<Option<u64>> {
    let head = chain.head().0.number;
    Ok(match tag {
        BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => Some(head),
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Number(n) => (n <= head).then_some(n),
        BlockNumberOrTag::Safe | BlockNumberOrTag::Finalized => {
            let (safe, finalized) = chain.store().safe_and_finalized()?;
            let hash = if tag == BlockNumberOrTag::Safe {
                safe
            } else {
                finalized
            };
            chain.store().block_number(hash)?
        }
    })
}

/// The block number `id` names, if that block exists.
fn resolve(chain: &Blockchain, id: BlockId) -> RpcResult<Option<u64>> {
    match id {
        BlockId::Number(tag) => resolve_tag(chain, tag),
        BlockId::Hash(hash) => Ok(chain.store().block_number(hash.block_hash)?),
    }
}

/// Refuses state queries anywhere but the head (the only state the node keeps).
fn require_head(chain: &Blockchain, id: Option<BlockId>) -> RpcResult<()> {
    let id = id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest));
    match resolve(chain, id)? {
        Some(n) if n == chain.head().0.number => Ok(()),
        Some(n) => Err(RpcError::server(format!(
            "historical state is not available: block {n} is not the head ({}); this node keeps the head state only",
            chain.head().0.number
        ))),
        None => Err(RpcError::server(format!("unknown block {id}"))),
    }
}

fn stored_block(chain: &Blockchain, number: u64) -> RpcResult<Option<(StoredBlock, B256)>> {
    let Some(block) = chain.store().block(number)? else {
        return Ok(None);
    };
    let hash = chain
        .store()
        .block_hash(number)?
        .ok_or_else(|| RpcError::internal(format!("block {number} has no hash")))?;
    Ok(Some((block, hash)))
}

fn receipts_of(
    chain: &Blockchain,
    block: &StoredBlock,
    hash: B256,
) -> RpcResult<Vec<TransactionReceipt>> {
    let receipts = chain
        .store()
        .receipts(block.header.number)?
        .ok_or_else(|| {
            RpcError::internal(format!("block {} has no receipts", block.header.number))
        })?;
    Ok(convert::rpc_receipts(block, hash, receipts))
}

/// Blocks in `from..=to` that may hold logs `filter` matches: from the address index when the
/// filter names addresses, else from the topic index for its first named topic position, else
/// every block.
fn candidate_blocks(
    chain: &Blockchain,
    filter: &Filter,
    from: u64,
    to: u64,
) -> RpcResult<Vec<u64>> {
    let store = chain.store();
    let mut blocks = std::collections::BTreeSet::new();
    if !filter.address.is_empty() {
        for address in filter.address.iter() {
            blocks.extend(store.blocks_with_log_address(*address, from, to)?);
        }
    } else if let Some(topics) = filter.topics.iter().find(|t| !t.is_empty()) {
        for topic in topics.iter() {
            blocks.extend(store.blocks_with_log_topic(*topic, from, to)?);
        }
    } else {
        return Ok((from..=to).collect());
    }
    Ok(blocks.into_iter().collect())
}

/// The logs of a block that `filter`'s addresses and topics match (its block range aside).
fn block_logs(
    chain: &Blockchain,
    block: &StoredBlock,
    hash: B256,
    filter: &Filter,
) -> RpcResult<Vec<Log>> {
    if !filter.matches_bloom(block.header.logs_bloom) {
        return Ok(Vec::new());
    }
    let mut logs = Vec::new();
    for receipt in receipts_of(chain, block, hash)? {
        logs.extend(
            receipt
                .inner
                .logs()
                .iter()
                .filter(|log| {
                    filter.matches_address(log.address()) && filter.matches_topics(log.topics())
                })
                .cloned(),
        );
    }
    Ok(logs)
}

fn next_base_fee(head: &Header) -> u64 {
    head.next_block_base_fee(BaseFeeParams::ethereum())
        .unwrap_or_default()
}

impl EthApi {
    /// The methods over `engine`'s chain, sending transactions into `pool`.
    pub fn new(engine: EngineHandle, pool: Arc<TxPool>) -> Self {
        Self {
            engine,
            pool,
            client_version: format!("berapool/v{}", env!("CARGO_PKG_VERSION")),
            tip: Arc::default(),
        }
    }

    /// The JSON-RPC module with every method.
    pub fn into_module(self) -> Result<RpcModule<Self>, jsonrpsee::core::RegisterMethodError> {
        let mut m = RpcModule::new(self);
        m.register_method("web3_clientVersion", |_, api, _| {
            Ok::<_, RpcError>(api.client_version.clone())
        })?;
        m.register_method("web3_sha3", |p, _, _| {
            Args::new(&p).next::<Bytes>().map(keccak256)
        })?;
        m.register_method("net_version", |_, api, _| {
            Ok::<_, RpcError>(api.chain_id().to_string())
        })?;
        m.register_method("net_listening", |_, _, _| Ok::<_, RpcError>(true))?;
        m.register_method("net_peerCount", |_, _, _| Ok::<_, RpcError>(U64::ZERO))?;
        m.register_method("eth_chainId", |_, api, _| {
            Ok::<_, RpcError>(U64::from(api.chain_id()))
        })?;
        m.register_method("eth_syncing", |_, _, _| Ok::<_, RpcError>(false))?;
        m.register_method("eth_accounts", |_, _, _| {
            Ok::<_, RpcError>(Vec::<Address>::new())
        })?;
        m.register_method("eth_blockNumber", |_, api, _| {
            Ok::<_, RpcError>(U64::from(api.engine.with_chain(|c| c.head().0.number)))
        })?;
        m.register_method("eth_gasPrice", |_, api, _| api.gas_price())?;
        m.register_method("eth_maxPriorityFeePerGas", |_, api, _| {
            api.suggested_tip().map(U256::from)
        })?;
        m.register_method("eth_getBalance", |p, api, _| api.get_balance(p))?;
        m.register_method("eth_getTransactionCount", |p, api, _| {
            api.get_transaction_count(p)
        })?;
        m.register_method("eth_getCode", |p, api, _| api.get_code(p))?;
        m.register_method("eth_getStorageAt", |p, api, _| api.get_storage_at(p))?;
        m.register_method("eth_sendRawTransaction", |p, api, _| {
            api.send_raw_transaction(p)
        })?;
        m.register_method("eth_getBlockByNumber", |p, api, _| {
            api.get_block_by_number(p)
        })?;
        m.register_method("eth_getBlockByHash", |p, api, _| api.get_block_by_hash(p))?;
        m.register_method("eth_getTransactionByHash", |p, api, _| {
            api.get_transaction_by_hash(p)
        })?;
        m.register_method("eth_getTransactionReceipt", |p, api, _| {
            api.get_transaction_receipt(p)
        })?;
        m.register_method("eth_getBlockReceipts", |p, api, _| {
            api.get_block_receipts(p)
        })?;
        m.register_blocking_method("eth_call", |p, api, _| api.call(p))?;
        m.register_blocking_method("eth_estimateGas", |p, api, _| api.estimate_gas(p))?;
        m.register_blocking_method("eth_getLogs", |p, api, _| api.get_logs(p))?;
        m.register_method("eth_feeHistory", |p, api, _| api.fee_history(p))?;
        m.register_subscription(
            "eth_subscribe",
            "eth_subscription",
            "eth_unsubscribe",
            |params, pending, api, _| async move { api.subscribe(params, pending).await },
        )?;
        Ok(m)
    }

    fn chain_id(&self) -> u64 {
        self.engine.with_chain(|c| c.spec().chain_id())
    }

    /// The median tip of the last 20 blocks' transactions, or [`DEFAULT_TIP`] without any.
    /// Wallets ask before every transaction, so the answer is kept until the head moves.
    fn suggested_tip(&self) -> RpcResult<u128> {
        self.engine.with_chain(|chain| {
            let head_hash = chain.head().1;
            let mut cached = self
                .tip
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((hash, tip)) = *cached {
                if hash == head_hash {
                    return Ok(tip);
                }
            }
            let head = chain.head().0.number;
            let mut tips = Vec::new();
            for number in head.saturating_sub(19)..=head {
                let Some(block) = chain.store().block(number)? else {
                    continue;
                };
                let base_fee = block.header.base_fee_per_gas();
                tips.extend(
                    block
                        .transactions
                        .iter()
                        .filter_map(|tx| tx.effective_tip_per_gas(base_fee.unwrap_or_default())),
                );
            }
            tips.sort_unstable();
            let tip = tips.get(tips.len() / 2).copied().unwrap_or(DEFAULT_TIP);
            *cached = Some((head_hash, tip));
            Ok(tip)
        })
    }

    fn gas_price(&self) -> RpcResult<U256> {
        let tip = self.suggested_tip()?;
        let base_fee = self.engine.with_chain(|c| next_base_fee(c.head().0));
        Ok(U256::from(u128::from(base_fee) + tip))
    }

    fn get_balance(&self, params: Params<'_>) -> RpcResult<U256> {
        let mut args = Args::new(&params);
        let (address, block) = (args.next::<Address>()?, args.optional()?);
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            Ok(chain
                .state()
                .account(&address)
                .map(|a| a.balance)
                .unwrap_or_default())
        })
    }

    fn get_transaction_count(&self, params: Params<'_>) -> RpcResult<U64> {
        let mut args = Args::new(&params);
        let (address, block) = (args.next::<Address>()?, args.optional::<BlockId>()?);
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let nonce = chain
                .state()
                .account(&address)
                .map(|a| a.nonce)
                .unwrap_or_default();
            let pending = block == Some(BlockId::Number(BlockNumberOrTag::Pending));
            Ok(U64::from(if pending {
                self.pool.pending_nonce(address, nonce)
            } else {
                nonce
            }))
        })
    }

    fn get_code(&self, params: Params<'_>) -> RpcResult<Bytes> {
        use alloy_evm::revm::DatabaseRef;
        let mut args = Args::new(&params);
        let (address, block) = (args.next::<Address>()?, args.optional()?);
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let Some(account) = chain.state().account(&address) else {
                return Ok(Bytes::new());
            };
            let code = chain
                .state()
                .code_by_hash_ref(account.code_hash)
                .map_err(RpcError::internal)?;
            Ok(code.original_bytes())
        })
    }

    fn get_storage_at(&self, params: Params<'_>) -> RpcResult<B256> {
        let mut args = Args::new(&params);
        let (address, slot, block) = (
            args.next::<Address>()?,
            args.next::<U256>()?,
            args.optional()?,
        );
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            Ok(B256::from(chain.state().slot(&address, &slot)))
        })
    }

    fn send_raw_transaction(&self, params: Params<'_>) -> RpcResult<B256> {
        let raw = Args::new(&params).next::<Bytes>()?;
        let hash = self.engine.with_chain(|chain| {
            let head = chain.head().0;
            let view = ChainView {
                chain_id: chain.spec().chain_id(),
                base_fee: next_base_fee(head),
                gas_limit: head.gas_limit,
            };
            self.pool.add_raw(&raw, chain.state(), view)
        })?;
        tracing::debug!(target: "berapool::rpc", %hash, "transaction accepted");
        Ok(hash)
    }

    fn block_at(&self, number: Option<u64>, full: bool) -> RpcResult<Option<Block>> {
        let Some(number) = number else {
            return Ok(None);
        };
        self.engine.with_chain(|chain| {
            Ok(stored_block(chain, number)?.map(|(b, hash)| convert::rpc_block(&b, hash, full)))
        })
    }

    fn get_block_by_number(&self, params: Params<'_>) -> RpcResult<Option<Block>> {
        let mut args = Args::new(&params);
        let (tag, full) = (
            args.next::<BlockNumberOrTag>()?,
            args.optional()?.unwrap_or(false),
        );
        let number = self.engine.with_chain(|c| resolve_tag(c, tag))?;
        self.block_at(number, full)
    }

    fn get_block_by_hash(&self, params: Params<'_>) -> RpcResult<Option<Block>> {
        let mut args = Args::new(&params);
        let (hash, full) = (args.next::<B256>()?, args.optional()?.unwrap_or(false));
        let number = self.engine.with_chain(|c| c.store().block_number(hash))?;
        self.block_at(number, full)
    }

    fn get_transaction_by_hash(&self, params: Params<'_>) -> RpcResult<Option<Transaction>> {
        let hash = Args::new(&params).next::<B256>()?;
        let mined = self.engine.with_chain(|chain| -> RpcResult<_> {
            let Some(at) = chain.store().transaction_location(hash)? else {
                return Ok(None);
            };
            let Some((block, block_hash)) = stored_block(chain, at.block)? else {
                return Ok(None);
            };
            Ok(convert::rpc_transaction(
                &block,
                block_hash,
                at.index as usize,
            ))
        })?;
        Ok(mined.or_else(|| self.pool.get(&hash).map(convert::pending_transaction)))
    }

    fn get_transaction_receipt(&self, params: Params<'_>) -> RpcResult<Option<TransactionReceipt>> {
        let hash = Args::new(&params).next::<B256>()?;
        self.engine.with_chain(|chain| {
            let Some(at) = chain.store().transaction_location(hash)? else {
                return Ok(None);
            };
            let Some((block, block_hash)) = stored_block(chain, at.block)? else {
                return Ok(None);
            };
            Ok(receipts_of(chain, &block, block_hash)?
                .into_iter()
                .nth(at.index as usize))
        })
    }

    fn get_block_receipts(&self, params: Params<'_>) -> RpcResult<Option<Vec<TransactionReceipt>>> {
        let id = Args::new(&params).next::<BlockId>()?;
        self.engine.with_chain(|chain| {
            let Some(number) = resolve(chain, id)? else {
                return Ok(None);
            };
            let Some((block, hash)) = stored_block(chain, number)? else {
                return Ok(None);
            };
            receipts_of(chain, &block, hash).map(Some)
        })
    }

    /// Runs `request` on the head state.
    fn execute(
        &self,
        params: &Params<'_>,
        beneficiary: Option<Address>,
    ) -> RpcResult<(ExecutionResult, u64, TransactionRequest, CallOptions)> {
        let mut args = Args::new(params);
        let request = args.next::<TransactionRequest>()?;
        let block = args.optional::<BlockId>()?;
        let options = CallOptions {
            gas_limit: None,
            beneficiary,
            overrides: args.optional::<StateOverride>()?,
        };
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let cap = chain.head().0.gas_limit;
            let result = chain
                .call(request.clone(), &options)
                .map_err(RpcError::server)?;
            Ok((result, cap, request, options))
        })
    }

    fn call(&self, params: Params<'_>) -> RpcResult<Bytes> {
        match self.execute(&params, None)?.0 {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(RpcError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                Err(RpcError::server(format!("execution halted: {reason:?}")))
            }
        }
    }

    /// The least gas limit with which the call succeeds (binary search between what it used
    /// and the cap).
    fn estimate_gas(&self, params: Params<'_>) -> RpcResult<U64> {
        let coinbase = Some(ESTIMATE_COINBASE);
        let (first, cap, request, options) = self.execute(&params, coinbase)?;
        let mut hi = request.gas.unwrap_or(cap);
        let used = first.gas().total_gas_spent();
        match first {
            ExecutionResult::Success { .. } => {}
            ExecutionResult::Revert { output, .. } => return Err(RpcError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                return Err(RpcError::server(format!(
                    "gas required exceeds allowance ({hi}): {reason:?}"
                )))
            }
        }
        // A limit the transaction cannot even be validated with (below its intrinsic gas or its
        // EIP-7623 calldata floor) is a limit that is too low: the call at the cap already
        // showed everything else is in order.
        let succeeds = |gas: u64| -> RpcResult<bool> {
            let result = self.engine.with_chain(|chain| {
                let options = CallOptions {
                    gas_limit: Some(gas),
                    ..options.clone()
                };
                chain.call(request.clone(), &options)
            });
            Ok(result.is_ok_and(|r| r.is_success()))
        };
        // Most calls need what they used plus the 1/64 held back from inner calls.
        let guess = used.saturating_add(used / 63).saturating_add(2_300).min(hi);
        if succeeds(guess)? {
            hi = guess;
        }
        let mut lo = used.saturating_sub(1);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(U64::from(hi))
    }

    fn get_logs(&self, params: Params<'_>) -> RpcResult<Vec<Log>> {
        let filter = Args::new(&params).next::<Filter>()?;
        self.engine.with_chain(|chain| {
            let (from, to) = match filter.block_option {
                FilterBlockOption::AtBlockHash(hash) => {
                    let n = chain
                        .store()
                        .block_number(hash)?
                        .ok_or_else(|| RpcError::server(format!("unknown block {hash}")))?;
                    (n, n)
                }
                FilterBlockOption::Range {
                    from_block,
                    to_block,
                } => {
                    let head = chain.head().0.number;
                    let bound = |tag: Option<BlockNumberOrTag>| -> RpcResult<u64> {
                        match tag {
                            None => Ok(head),
                            Some(BlockNumberOrTag::Number(n)) => Ok(n.min(head)),
                            Some(tag) => Ok(resolve_tag(chain, tag)?.unwrap_or(head)),
                        }
                    };
                    (bound(from_block)?, bound(to_block)?)
                }
            };
            if from > to {
                return Ok(Vec::new());
            }
            if to - from >= MAX_LOG_RANGE {
                return Err(RpcError::server(format!(
                    "block range {from}..={to} is larger than {MAX_LOG_RANGE} blocks"
                )));
            }
            let mut logs = Vec::new();
            for number in candidate_blocks(chain, &filter, from, to)? {
                let Some((block, hash)) = stored_block(chain, number)? else {
                    continue;
                };
                logs.extend(block_logs(chain, &block, hash, &filter)?);
                if logs.len() > MAX_LOGS {
                    return Err(RpcError::server(format!(
                        "query returns more than {MAX_LOGS} logs; narrow the block range"
                    )));
                }
            }
            Ok(logs)
        })
    }

    fn fee_history(&self, params: Params<'_>) -> RpcResult<FeeHistory> {
        let mut args = Args::new(&params);
        let count = args.next::<U64>()?.to::<u64>().min(MAX_FEE_HISTORY);
        let newest = args.next::<BlockNumberOrTag>()?;
        let percentiles = args.optional::<Vec<f64>>()?;
        if let Some(p) = &percentiles {
            let ordered = p.windows(2).all(|w| w[0] <= w[1]);
            if !ordered || p.iter().any(|x| !(0.0..=100.0).contains(x)) {
                return Err(RpcError::InvalidParams(
                    "reward percentiles must ascend within 0..=100".into(),
                ));
            }
        }
        self.engine.with_chain(|chain| {
            let newest =
                resolve_tag(chain, newest)?.ok_or_else(|| RpcError::server("unknown block"))?;
            let oldest = (newest + 1).saturating_sub(count);
            let mut history = FeeHistory {
                oldest_block: oldest,
                reward: percentiles.as_ref().map(|_| Vec::new()),
                ..Default::default()
            };
            if count == 0 {
                return Ok(history);
            }
            for number in oldest..=newest {
                let Some((block, hash)) = stored_block(chain, number)? else {
                    return Err(RpcError::internal(format!("block {number} is missing")));
                };
                let header = &block.header;
                history
                    .base_fee_per_gas
                    .push(u128::from(header.base_fee_per_gas.unwrap_or_default()));
                history
                    .gas_used_ratio
                    .push(header.gas_used as f64 / header.gas_limit.max(1) as f64);
                history.base_fee_per_blob_gas.push(0);
                history.blob_gas_used_ratio.push(0.0);
                if let (Some(percentiles), Some(rewards)) = (&percentiles, &mut history.reward) {
                    let receipts = receipts_of(chain, &block, hash)?;
                    rewards.push(block_rewards(&block, &receipts, percentiles));
                }
                if number == newest {
                    history
                        .base_fee_per_gas
                        .push(u128::from(next_base_fee(header)));
                    history.base_fee_per_blob_gas.push(0);
                }
            }
            Ok(history)
        })
    }
}

fn raw<T: serde::Serialize>(value: &T) -> Result<Box<serde_json::value::RawValue>, RpcError> {
    serde_json::value::to_raw_value(value).map_err(RpcError::internal)
}

/// What an `eth_subscribe` call asked for.
enum Subscription {
    NewHeads,
    Logs(Box<Filter>),
}

impl EthApi {
    /// `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)`: one notification per
    /// new head, or one per matching log of each new head.
    async fn subscribe(
        &self,
        params: Params<'static>,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        let mut args = params.sequence();
        let kind = match args.next::<String>() {
            Ok(kind) => kind,
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        let subscription = match kind.as_str() {
            "newHeads" => Subscription::NewHeads,
            "logs" => match args.optional_next::<Filter>() {
                Ok(filter) => Subscription::Logs(Box::new(filter.unwrap_or_default())),
                Err(e) => {
                    pending.reject(e).await;
                    return Ok(());
                }
            },
            other => {
                let error = RpcError::InvalidParams(format!(
                    "unsupported subscription `{other}`: newHeads and logs are served"
                ));
                pending.reject(ErrorObjectOwned::from(error)).await;
                return Ok(());
            }
        };
        let mut heads = self.engine.subscribe_heads();
        let sink = pending.accept().await?;
        loop {
            let number = tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = heads.recv() => match next {
                    Ok(head) => head.number,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::debug!(target: "berapool::rpc", missed, "subscriber fell behind");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            };
            for item in self.notifications(number, &subscription)? {
                sink.send(item).await?;
            }
        }
    }

    /// The notifications block `number` gives a subscription.
    fn notifications(
        &self,
        number: u64,
        subscription: &Subscription,
    ) -> Result<Vec<Box<serde_json::value::RawValue>>, RpcError> {
        self.engine.with_chain(|chain| {
            let Some((block, hash)) = stored_block(chain, number)? else {
                return Ok(Vec::new());
            };
            match subscription {
                Subscription::NewHeads => {
                    let header = convert::rpc_block(&block, hash, false).header;
                    Ok(vec![raw(&header)?])
                }
                Subscription::Logs(filter) => block_logs(chain, &block, hash, filter)?
                    .iter()
                    .map(raw)
                    .collect(),
            }
        })
    }
}

/// The tips at `percentiles` of a block's gas (each transaction weighted by the gas it used).
fn block_rewards(
    block: &StoredBlock,
    receipts: &[TransactionReceipt],
    percentiles: &[f64],
) -> Vec<u128> {
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let mut tips: Vec<(u128, u64)> = block
        .transactions
        .iter()
        .zip(receipts)
        .map(|(tx, r)| (tx.effective_tip_per_gas(base_fee).unwrap_or(0), r.gas_used))
        .collect();
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    tips.sort_unstable_by_key(|(tip, _)| *tip);
    let total: u64 = tips.iter().map(|(_, gas)| gas).sum();
    percentiles
        .iter()
        .map(|p| {
            let threshold = (total as f64 * p / 100.0) as u64;
            let mut cumulative = 0u64;
            for (tip, gas) in &tips {
                cumulative += gas;
                if cumulative >= threshold {
                    return *tip;
                }
            }
            tips.last().map(|(tip, _)| *tip).unwrap_or(0)
        })
        .collect()
}
