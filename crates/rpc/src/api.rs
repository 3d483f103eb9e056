//! The JSON-RPC interface, one trait per namespace, with typed parameters: what a client can
//! call, apart from how the node answers. Each trait's server half is implemented next to the
//! handler it reads (`eth`, `net`, `web3`, `dev`, `engine`).

use alloy_eips::{eip7685::Requests, BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256, U64};
use alloy_rpc_types_engine::{
    ExecutionPayloadEnvelopeV4, ExecutionPayloadV3, ForkchoiceState, ForkchoiceUpdated,
    PayloadAttributes, PayloadId, PayloadStatus,
};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, EIP1186AccountProofResponse, FeeHistory, Filter, Log, Transaction,
    TransactionReceipt, TransactionRequest,
};
use alloy_rpc_types_trace::{
    geth::{GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace, TraceResult},
    parity::LocalizedTransactionTrace,
};
use alloy_serde::storage::JsonStorageKey;
use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc};

use crate::RpcError;

/// What every method returns.
pub type RpcResult<T> = Result<T, RpcError>;

/// A number given as a JSON number or as a hex quantity, as anvil takes them.
#[derive(Clone, Copy, Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    /// `5`.
    Plain(u64),
    /// `"0x5"`.
    Hex(U64),
}

impl Quantity {
    /// The value.
    pub fn get(self) -> u64 {
        match self {
            Self::Plain(n) => n,
            Self::Hex(q) => q.to(),
        }
    }
}

/// The `eth_` namespace: chain, state, calls, transactions, blocks, logs, fees, subscriptions.
#[rpc(server, namespace = "eth")]
pub trait EthApi {
    /// The chain id (EIP-155).
    #[method(name = "chainId")]
    fn chain_id(&self) -> RpcResult<U64>;

    /// Always `false`: the node follows its consensus layer block by block.
    #[method(name = "syncing")]
    fn syncing(&self) -> RpcResult<bool>;

    /// Accounts the node signs for: none.
    #[method(name = "accounts")]
    fn accounts(&self) -> RpcResult<Vec<Address>>;

    /// The access list a transaction needs, and the gas it uses with it.
    #[method(name = "createAccessList", blocking)]
    fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<alloy_rpc_types_eth::AccessListResult>;

    /// The head block's number.
    #[method(name = "blockNumber")]
    fn block_number(&self) -> RpcResult<U64>;

    /// The next block's base fee plus the suggested tip.
    #[method(name = "gasPrice")]
    fn gas_price(&self) -> RpcResult<U256>;

    /// The suggested tip: the median of recent blocks' tips.
    #[method(name = "maxPriorityFeePerGas")]
    fn max_priority_fee_per_gas(&self) -> RpcResult<U256>;

    /// An account's balance (at the head, or any block whose history is kept, as every state
    /// method).
    #[method(name = "getBalance", blocking)]
    fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256>;

    /// An account's nonce (with `pending`, counting its pooled transactions).
    #[method(name = "getTransactionCount", blocking)]
    fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64>;

    /// An account's code.
    #[method(name = "getCode", blocking)]
    fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes>;

    /// One storage slot of an account.
    #[method(name = "getStorageAt", blocking)]
    fn storage_at(&self, address: Address, slot: U256, block: Option<BlockId>) -> RpcResult<B256>;

    /// Validates a signed transaction and adds it to the pool.
    #[method(name = "sendRawTransaction")]
    fn send_raw_transaction(&self, transaction: Bytes) -> RpcResult<B256>;

    /// A block by number or tag.
    #[method(name = "getBlockByNumber")]
    fn block_by_number(
        &self,
        number: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>>;

    /// A block by hash.
    #[method(name = "getBlockByHash")]
    fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>>;

    /// A mined or pooled transaction.
    #[method(name = "getTransactionByHash")]
    fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>>;

    /// A mined transaction's receipt.
    #[method(name = "getTransactionReceipt")]
    fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>>;

    /// Every receipt of a block.
    #[method(name = "getBlockReceipts")]
    fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>>;

    /// Runs a call on a block's state (the head by default) and returns its output; nothing is
    /// kept.
    #[method(name = "call", blocking)]
    fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes>;

    /// The least gas limit with which the call succeeds.
    #[method(name = "estimateGas", blocking)]
    fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64>;

    /// The Merkle proofs of an account and some of its slots (EIP-1186).
    #[method(name = "getProof", blocking)]
    fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse>;

    /// The blob base fee of the next block (the chain takes no blob transactions, so its
    /// excess blob gas stays 0 and this is the minimum).
    #[method(name = "blobBaseFee")]
    fn blob_base_fee(&self) -> RpcResult<U256>;

    /// The logs a filter matches.
    #[method(name = "getLogs", blocking)]
    fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>>;

    /// Installs a log filter; `eth_getFilterChanges` returns what new blocks log.
    #[method(name = "newFilter")]
    fn new_filter(&self, filter: Filter) -> RpcResult<U256>;

    /// Installs a filter of new block hashes.
    #[method(name = "newBlockFilter")]
    fn new_block_filter(&self) -> RpcResult<U256>;

    /// Installs a filter of hashes of transactions entering the pool.
    #[method(name = "newPendingTransactionFilter")]
    fn new_pending_transaction_filter(&self) -> RpcResult<U256>;

    /// What a filter has seen since it was last asked (logs or hashes).
    #[method(name = "getFilterChanges", blocking)]
    fn filter_changes(&self, id: U256) -> RpcResult<crate::eth::FilterChanges>;

    /// Every log a log filter matches.
    #[method(name = "getFilterLogs", blocking)]
    fn filter_logs(&self, id: U256) -> RpcResult<Vec<Log>>;

    /// Removes a filter; whether it existed.
    #[method(name = "uninstallFilter")]
    fn uninstall_filter(&self, id: U256) -> RpcResult<bool>;

    /// Base fees, gas ratios and tip percentiles of recent blocks.
    #[method(name = "feeHistory")]
    fn fee_history(
        &self,
        block_count: U64,
        newest_block: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory>;

    /// `newHeads`, or `logs` with an optional filter: one notification per new head, or per
    /// matching log of each new head.
    #[subscription(
        name = "subscribe" => "subscription",
        unsubscribe = "unsubscribe",
        item = serde_json::Value
    )]
    async fn subscribe(
        &self,
        kind: String,
        filter: Option<serde_json::Value>,
    ) -> SubscriptionResult;
}

/// The `net_` namespace.
#[rpc(server, namespace = "net")]
pub trait NetApi {
    /// The chain id, in decimal.
    #[method(name = "version")]
    fn version(&self) -> RpcResult<String>;

    /// Always `true`.
    #[method(name = "listening")]
    fn listening(&self) -> RpcResult<bool>;

    /// Always 0: the node has no peers.
    #[method(name = "peerCount")]
    fn peer_count(&self) -> RpcResult<U64>;
}

/// The `web3_` namespace.
#[rpc(server, namespace = "web3")]
pub trait Web3Api {
    /// `berapool/v<version>`.
    #[method(name = "clientVersion")]
    fn client_version(&self) -> RpcResult<String>;

    /// keccak-256 of the data.
    #[method(name = "sha3")]
    fn sha3(&self, data: Bytes) -> RpcResult<B256>;
}

/// The `txpool_` namespace (geth's): what the transaction pool holds.
#[rpc(server, namespace = "txpool")]
pub trait TxPoolApi {
    /// How many transactions are pending (executable now) and queued (behind a nonce gap).
    #[method(name = "status")]
    fn status(&self) -> RpcResult<TxPoolStatus>;

    /// Every pooled transaction, pending and queued, by sender and nonce.
    #[method(name = "content")]
    fn content(&self) -> RpcResult<TxPoolContent<Transaction>>;

    /// The same, each transaction summed up in a line of text.
    #[method(name = "inspect")]
    fn inspect(&self) -> RpcResult<TxPoolContent<String>>;
}

/// `txpool_content`'s and `txpool_inspect`'s shape, as geth gives it: sender → nonce (decimal
/// string) → transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TxPoolContent<T> {
    /// Executable now.
    pub pending: std::collections::BTreeMap<Address, std::collections::BTreeMap<String, T>>,
    /// Waiting behind a nonce gap.
    pub queued: std::collections::BTreeMap<Address, std::collections::BTreeMap<String, T>>,
}

/// `txpool_status`'s answer, as geth gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TxPoolStatus {
    /// Executable now.
    pub pending: U64,
    /// Waiting behind a nonce gap.
    pub queued: U64,
}

/// The dev-mode methods with anvil's names, for scripts and test suites written against anvil.
#[rpc(server)]
pub trait DevApi {
    /// Produces `count` blocks (default 1), `interval` seconds apart.
    #[method(name = "anvil_mine", aliases = ["hardhat_mine"], blocking)]
    fn anvil_mine(&self, count: Option<Quantity>, interval: Option<Quantity>) -> RpcResult<()>;

    /// Produces one block, at `timestamp` if given.
    #[method(name = "evm_mine", blocking)]
    fn evm_mine(&self, timestamp: Option<Quantity>) -> RpcResult<String>;

    /// Moves the clock of later blocks ahead; returns the total shift in seconds.
    #[method(name = "evm_increaseTime", blocking)]
    fn evm_increase_time(&self, seconds: Quantity) -> RpcResult<u64>;

    /// Turns automine (a block as soon as a transaction arrives) on or off; on, it ends
    /// interval mining.
    #[method(name = "evm_setAutomine", blocking)]
    fn evm_set_automine(&self, on: bool) -> RpcResult<()>;

    /// Whether automine is on.
    #[method(name = "anvil_getAutomine", aliases = ["hardhat_getAutomine"], blocking)]
    fn get_automine(&self) -> RpcResult<bool>;

    /// Mines a block every `seconds` with every pending transaction (0 stops it), instead of
    /// automine.
    #[method(name = "evm_setIntervalMining", blocking)]
    fn evm_set_interval_mining(&self, seconds: Quantity) -> RpcResult<()>;

    /// Sets an account's balance, in a block of its own.
    #[method(name = "anvil_setBalance", aliases = ["hardhat_setBalance"], blocking)]
    fn set_balance(&self, address: Address, balance: U256) -> RpcResult<()>;

    /// Adds to an account's balance, in a block of its own.
    #[method(name = "anvil_addBalance", blocking)]
    fn add_balance(&self, address: Address, amount: U256) -> RpcResult<()>;

    /// Sets an account's code (empty: none), in a block of its own.
    #[method(name = "anvil_setCode", aliases = ["hardhat_setCode"], blocking)]
    fn set_code(&self, address: Address, code: Bytes) -> RpcResult<()>;

    /// Sets an account's nonce, in a block of its own.
    #[method(name = "anvil_setNonce", aliases = ["hardhat_setNonce"], blocking)]
    fn set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()>;

    /// Sets one storage slot, in a block of its own; returns `true`.
    #[method(name = "anvil_setStorageAt", aliases = ["hardhat_setStorageAt"], blocking)]
    fn set_storage_at(&self, address: Address, slot: U256, value: U256) -> RpcResult<bool>;

    /// Lets `eth_sendTransaction` send from `address` without its key.
    #[method(name = "anvil_impersonateAccount", aliases = ["hardhat_impersonateAccount"])]
    fn impersonate_account(&self, address: Address) -> RpcResult<()>;

    /// Ends [`Self::impersonate_account`] for `address`.
    #[method(
        name = "anvil_stopImpersonatingAccount",
        aliases = ["hardhat_stopImpersonatingAccount"]
    )]
    fn stop_impersonating_account(&self, address: Address) -> RpcResult<()>;

    /// With `true`, `eth_sendTransaction` sends from any address.
    #[method(name = "anvil_autoImpersonateAccount")]
    fn auto_impersonate_account(&self, on: bool) -> RpcResult<()>;

    /// Records the chain as it is now; returns an id for `evm_revert`.
    #[method(name = "evm_snapshot", blocking)]
    fn snapshot(&self) -> RpcResult<U256>;

    /// Goes back to snapshot `id` (removing every later block); `false` for an unknown id.
    #[method(name = "evm_revert", blocking)]
    fn revert(&self, id: U256) -> RpcResult<bool>;

    /// Goes back to the genesis. Forking is not supported: options that ask for it are refused.
    #[method(name = "anvil_reset", aliases = ["hardhat_reset"], blocking)]
    fn reset(&self, options: Option<serde_json::Value>) -> RpcResult<()>;

    /// Removes a pooled transaction; returns its hash if it was pooled.
    #[method(name = "anvil_dropTransaction", aliases = ["hardhat_dropTransaction"])]
    fn drop_transaction(&self, hash: B256) -> RpcResult<Option<B256>>;

    /// Removes every pooled transaction.
    #[method(name = "anvil_dropAllTransactions")]
    fn drop_all_transactions(&self) -> RpcResult<()>;

    /// Gives the next block exactly `timestamp`.
    #[method(
        name = "evm_setNextBlockTimestamp",
        aliases = ["anvil_setNextBlockTimestamp"],
        blocking
    )]
    fn set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()>;

    /// Moves the gas limit of later blocks toward `limit` (as far as each block may: 1/1024 of
    /// its parent's); returns `true`.
    #[method(name = "evm_setBlockGasLimit", blocking)]
    fn set_block_gas_limit(&self, limit: Quantity) -> RpcResult<bool>;

    /// Gives later blocks `address` as their fee recipient.
    #[method(name = "anvil_setCoinbase", aliases = ["hardhat_setCoinbase"], blocking)]
    fn set_coinbase(&self, address: Address) -> RpcResult<()>;

    /// Has the validator with `pubkey` propose every later block while it is active (so that
    /// a pool's validator earns the PoL base rate on the next block); `null` lets the dev
    /// consensus layer pick by stake again.
    #[method(name = "berapool_setProposer", blocking)]
    fn set_proposer(&self, pubkey: Option<FixedBytes<48>>) -> RpcResult<()>;

    /// The head, the chain's environment and the mining mode, in anvil's shape.
    #[method(name = "anvil_nodeInfo", blocking)]
    fn node_info(&self) -> RpcResult<serde_json::Value>;
}

/// Geth's tracing methods: stored transactions and blocks re-executed under a tracer.
#[rpc(server, namespace = "debug")]
pub trait DebugApi {
    /// The trace of a mined transaction.
    #[method(name = "traceTransaction", blocking)]
    fn trace_transaction(
        &self,
        hash: B256,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<GethTrace>;

    /// The traces of every transaction of a block.
    #[method(name = "traceBlockByNumber", blocking)]
    fn trace_block_by_number(
        &self,
        number: BlockNumberOrTag,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TraceResult>>;

    /// The traces of every transaction of a block.
    #[method(name = "traceBlockByHash", blocking)]
    fn trace_block_by_hash(
        &self,
        hash: B256,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TraceResult>>;

    /// The trace of a call on a block's state.
    #[method(name = "traceCall", blocking)]
    fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        opts: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace>;
}

/// Parity's (OpenEthereum's) call traces.
#[rpc(server, namespace = "trace")]
pub trait TraceApi {
    /// The call traces of a mined transaction.
    #[method(name = "transaction", blocking)]
    fn transaction(&self, hash: B256) -> RpcResult<Option<Vec<LocalizedTransactionTrace>>>;

    /// The call traces of every transaction of a block.
    #[method(name = "block", blocking)]
    fn block(&self, number: BlockNumberOrTag) -> RpcResult<Option<Vec<LocalizedTransactionTrace>>>;
}

/// Payload attributes as BeaconKit sends them from Electra1: Ethereum's, and the parent block's
/// proposer, whose PoL rewards the new block distributes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BerachainPayloadAttributes {
    /// Ethereum's attributes.
    #[serde(flatten)]
    pub inner: PayloadAttributes,
    /// `parentProposerPubKey` (capital K, as BeaconKit spells it).
    #[serde(
        rename = "parentProposerPubKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_proposer_pub_key: Option<FixedBytes<48>>,
}

/// The Engine API a consensus client drives the node with (on the JWT-authenticated port).
#[rpc(server, namespace = "engine")]
pub trait EngineApi {
    /// The Engine API methods this node serves.
    #[method(name = "exchangeCapabilities")]
    fn exchange_capabilities(&self, capabilities: Vec<String>) -> RpcResult<Vec<String>>;

    /// This client's name and version.
    #[method(name = "getClientVersionV1")]
    fn client_version_v1(
        &self,
        client: Option<serde_json::Value>,
    ) -> RpcResult<Vec<serde_json::Value>>;

    /// Makes a block the head; with attributes, starts building the next one.
    #[method(name = "forkchoiceUpdatedV3", blocking)]
    fn fork_choice_updated_v3(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated>;

    /// A payload this node built.
    #[method(name = "getPayloadV4")]
    fn payload_v4(&self, id: PayloadId) -> RpcResult<ExecutionPayloadEnvelopeV4>;

    /// `forkchoiceUpdatedV3` with BeaconKit's `parentProposerPubKey` in the attributes.
    #[method(name = "forkchoiceUpdatedV3P11", blocking)]
    fn fork_choice_updated_v3_p11(
        &self,
        state: ForkchoiceState,
        attributes: Option<BerachainPayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated>;

    /// `getPayloadV4`, as BeaconKit asks for it from Electra1.
    #[method(name = "getPayloadV4P11")]
    fn payload_v4_p11(&self, id: PayloadId) -> RpcResult<ExecutionPayloadEnvelopeV4>;

    /// `newPayloadV4` with the parent proposer's pubkey as a fifth parameter.
    #[method(name = "newPayloadV4P11", blocking)]
    fn new_payload_v4_p11(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
        parent_proposer_pubkey: FixedBytes<48>,
    ) -> RpcResult<PayloadStatus>;

    /// Validates a block by executing it.
    #[method(name = "newPayloadV4", blocking)]
    fn new_payload_v4(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
    ) -> RpcResult<PayloadStatus>;
}

/// The `eth_` methods that sign with the dev accounts' keys, as anvil and hardhat have them
/// (registered only in `--dev`).
#[rpc(server, namespace = "eth")]
pub trait DevAccountsApi {
    /// Fills in nonce, gas, fees and chain id, signs with `from`'s key and sends.
    #[method(name = "sendTransaction", blocking)]
    fn send_transaction(&self, request: TransactionRequest) -> RpcResult<B256>;

    /// As `eth_sendTransaction`, but returns the signed transaction instead of sending it.
    #[method(name = "signTransaction", blocking)]
    fn sign_transaction(&self, request: TransactionRequest) -> RpcResult<Bytes>;

    /// EIP-191 signature of `message` by `address`.
    #[method(name = "sign")]
    fn sign(&self, address: Address, message: Bytes) -> RpcResult<Bytes>;

    /// EIP-712 signature of `data` (an object, or its JSON as a string) by `address`.
    #[method(name = "signTypedData_v4")]
    fn sign_typed_data_v4(&self, address: Address, data: serde_json::Value) -> RpcResult<Bytes>;
}

/// `personal_sign` (the parameters of `eth_sign` the other way round), in `--dev`.
#[rpc(server, namespace = "personal")]
pub trait PersonalApi {
    /// EIP-191 signature of `message` by `address`.
    #[method(name = "sign")]
    fn sign(&self, message: Bytes, address: Address) -> RpcResult<Bytes>;
}
