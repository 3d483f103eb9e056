//! The node's JSON-RPC servers: the `eth_`, `net_` and `web3_` methods wallets and tools use and,
//! in dev mode, anvil's `anvil_`/`evm_` methods, over HTTP and WebSocket (on one port by default,
//! or WebSocket on its own); and the Engine API with the `eth_` methods behind JWT
//! authentication for a consensus client.
//!
//! The interface is one jsonrpsee trait per namespace ([`api`]); the handlers read the engine's
//! chain (through its reader: never the engine's lock) and the transaction pool, and the dev
//! methods drive the dev block producer. State queries take any block tag, number or hash whose
//! history the node keeps.

pub mod api;
pub mod auth;
mod dev;
mod engine;
mod error;
mod eth;
mod limit;
mod methods;
mod net;
pub mod revert;
mod timing;
mod txpool;

use std::{net::SocketAddr, sync::Arc};

use berapool_dev_consensus::DevHandle;
use berapool_engine::{ChainReader, EngineHandle};
use berapool_txpool::TxPool;
use jsonrpsee::{
    core::RegisterMethodError,
    server::{BatchRequestConfig, Server, ServerConfig, ServerHandle},
    RpcModule,
};

use crate::api::{
    DevApiServer, EngineApiServer, EthApiServer, NetApiServer, TxPoolApiServer, Web3ApiServer,
};

pub use auth::{JwtAuthLayer, JwtSecret, JwtSecretError};
pub use dev::{DevApi, MAX_MINE};
pub use engine::{EngineApi, CAPABILITIES};
pub use error::RpcError;
pub use eth::{
    DevAccounts, EthApi, FilterChanges, DEFAULT_TIP, ESTIMATE_COINBASE, FILTER_TIMEOUT,
    MAX_FEE_HISTORY, MAX_FILTERS, MAX_LOGS, MAX_LOG_BYTES, MAX_LOG_RANGE, MAX_PROOF_SLOTS,
    MAX_REWARD_PERCENTILES, REQUEST_DEADLINE,
};
pub use methods::{parse_namespaces, Namespace, UnknownNamespace};
pub use net::{client_version, dev_client_version, NetApi, Web3Api};
pub use timing::{RequestObserver, TimingLayer};
pub use txpool::TxPoolApi;

/// The public methods: `eth_`, `net_`, `web3_`, `txpool_`, and with a dev driver the dev methods.
pub fn public_module(
    config: &RpcConfig,
    chain: &ChainReader,
    pool: &Arc<TxPool>,
    dev: Option<DevHandle>,
) -> Result<RpcModule<()>, RegisterMethodError> {
    let chain_id = chain.spec().chain_id();
    let mut module = RpcModule::new(());
    let mut eth = config.eth_api(chain, pool);
    let is_dev = dev.is_some();
    if let Some(dev) = dev {
        // A devnet holds the test mnemonic's keys: eth_accounts lists them, and the signing
        // methods exist.
        let keys: Vec<alloy_primitives::B256> = berapool_chainspec::dev_accounts()
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        let accounts = DevAccounts::new(eth.clone(), &keys);
        module.merge(DevApi::new(dev, eth.clone(), accounts.clone()).into_rpc())?;
        eth = eth.with_accounts(
            berapool_chainspec::dev_accounts()
                .into_iter()
                .map(|(address, _)| address)
                .collect(),
        );
        module.merge(api::DevAccountsApiServer::into_rpc(accounts.clone()))?;
        module.merge(api::PersonalApiServer::into_rpc(accounts))?;
    }
    module.merge(api::DebugApiServer::into_rpc(eth.clone()))?;
    module.merge(api::TraceApiServer::into_rpc(eth.clone()))?;
    module.merge(EthApiServer::into_rpc(eth))?;
    module.merge(NetApi::new(chain_id).into_rpc())?;
    let web3 = if is_dev {
        Web3Api::dev()
    } else {
        Web3Api::default()
    };
    module.merge(web3.into_rpc())?;
    module.merge(TxPoolApi::new(Arc::clone(pool)).into_rpc())?;
    Ok(module)
}

/// Where and how JSON-RPC is served, and its limits.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Serve HTTP.
    pub http: bool,
    /// Serve WebSocket (subscriptions).
    pub ws: bool,
    /// Serve WebSocket on this address instead of `addr`.
    pub ws_addr: Option<SocketAddr>,
    /// Largest request body, in bytes.
    pub max_request_bytes: u32,
    /// Largest response body, in bytes.
    pub max_response_bytes: u32,
    /// Open connections at most.
    pub max_connections: u32,
    /// Calls in one batch at most.
    pub max_batch: u32,
    /// Subscriptions one WebSocket connection may hold.
    pub max_subscriptions_per_connection: u32,
    /// The most gas one `eth_call` or `eth_estimateGas` may use.
    pub gas_cap: u64,
    /// Heavy requests (calls, log scans, proofs) that run at once; the rest queue.
    pub max_heavy: usize,
    /// Origins a browser may call from (CORS): `*`, or a comma-separated list; `None` sends no
    /// CORS headers, so browsers refuse cross-origin calls.
    pub cors: Option<String>,
    /// The namespaces served over HTTP (`--http.api`); every one when `None`.
    pub http_api: Option<std::collections::HashSet<Namespace>>,
    /// The namespaces served over WebSocket (`--ws.api`); every one when `None`. A port that
    /// serves both serves the lists given, merged.
    pub ws_api: Option<std::collections::HashSet<Namespace>>,
}

impl RpcConfig {
    /// The `eth_` methods with this configuration's limits.
    pub fn eth_api(&self, chain: &ChainReader, pool: &Arc<TxPool>) -> EthApi {
        EthApi::new(chain.clone(), pool.clone(), self.gas_cap, self.max_heavy)
    }
}

/// The default `gas_cap` (as reth's `--rpc.gascap`).
pub const DEFAULT_GAS_CAP: u64 = 50_000_000;

/// Heavy requests that run at once by default: every core but one, which stays for the
/// block producer.
pub fn default_max_heavy() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            http: true,
            ws: true,
            ws_addr: None,
            max_request_bytes: 5 * 1024 * 1024,
            max_response_bytes: 50 * 1024 * 1024,
            max_connections: 256,
            max_batch: 100,
            max_subscriptions_per_connection: 64,
            gas_cap: DEFAULT_GAS_CAP,
            max_heavy: default_max_heavy(),
            cors: None,
            http_api: None,
            ws_api: None,
        }
    }
}

/// The running JSON-RPC servers.
#[derive(Debug)]
pub struct RpcServers {
    /// One handle per listening server.
    pub handles: Vec<ServerHandle>,
    /// Where HTTP is served, if it is.
    pub http_addr: Option<SocketAddr>,
    /// Where WebSocket is served, if it is.
    pub ws_addr: Option<SocketAddr>,
}

/// Which transports one server speaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transports {
    Both,
    Http,
    Ws,
}

/// Starts the servers with `module`: one for HTTP and WebSocket, or (with `ws_addr`) one each,
/// each request timed into `observer`.
pub async fn serve(
    config: &RpcConfig,
    module: RpcModule<()>,
    observer: Arc<dyn RequestObserver>,
) -> Result<RpcServers, std::io::Error> {
    let separate_ws = config.ws.then_some(config.ws_addr).flatten();
    let plan: Vec<(SocketAddr, Transports)> = match (config.http, config.ws, separate_ws) {
        (true, true, None) => vec![(config.addr, Transports::Both)],
        (true, _, Some(ws)) => vec![(config.addr, Transports::Http), (ws, Transports::Ws)],
        (true, false, None) => vec![(config.addr, Transports::Http)],
        (false, true, ws) => vec![(ws.unwrap_or(config.addr), Transports::Ws)],
        (false, false, _) => Vec::new(),
    };
    let mut servers = RpcServers {
        handles: Vec::new(),
        http_addr: None,
        ws_addr: None,
    };
    let cors = config.cors.as_deref().map(cors_layer).transpose()?;
    for (addr, transports) in plan {
        let mut limits = ServerConfig::builder()
            .max_request_body_size(config.max_request_bytes)
            .max_response_body_size(config.max_response_bytes)
            .max_connections(config.max_connections)
            .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
            .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch))
            .set_id_provider(HexIdProvider);
        limits = match transports {
            Transports::Both => limits,
            Transports::Http => limits.http_only(),
            Transports::Ws => limits.ws_only(),
        };
        let apis = match transports {
            Transports::Http => config.http_api.clone(),
            Transports::Ws => config.ws_api.clone(),
            // One port for both: the lists given, merged.
            Transports::Both => match (&config.http_api, &config.ws_api) {
                (Some(http), Some(ws)) => Some(http.union(ws).copied().collect()),
                (Some(one), None) | (None, Some(one)) => Some(one.clone()),
                (None, None) => None,
            },
        };
        let served = methods::select(&module, apis.as_ref());
        let names: Arc<std::collections::HashSet<&'static str>> =
            Arc::new(served.method_names().collect());
        let server = Server::builder()
            .set_config(limits.build())
            .set_http_middleware(
                tower::ServiceBuilder::new()
                    .option_layer(cors.clone())
                    .layer(TimingLayer::new(observer.clone())),
            )
            .set_rpc_middleware(
                jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new()
                    .layer_fn(move |service| methods::MethodNotFound::new(service, names.clone())),
            )
            .build(addr)
            .await?;
        let local = server.local_addr()?;
        if transports != Transports::Ws {
            servers.http_addr = Some(local);
        }
        if transports != Transports::Http {
            servers.ws_addr = Some(local);
        }
        servers.handles.push(server.start(served));
    }
    Ok(servers)
}

/// The CORS layer for `origins` (`*` or a comma-separated list), as reth's `--http.corsdomain`:
/// POST and GET from those origins with any request headers.
fn cors_layer(origins: &str) -> Result<tower_http::cors::CorsLayer, std::io::Error> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([http::Method::POST, http::Method::GET, http::Method::OPTIONS])
        .allow_headers(Any);
    if origins.trim() == "*" {
        return Ok(layer.allow_origin(Any));
    }
    let list = origins
        .split(',')
        .map(|o| http::HeaderValue::from_str(o.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("--http.corsdomain: {e}"),
            )
        })?;
    Ok(layer.allow_origin(AllowOrigin::list(list)))
}

/// Subscription ids as geth and reth give them, `0x` and 32 random hex digits: viem tracks only
/// string ids, and some clients expect the `0x`.
#[derive(Clone, Copy, Debug)]
struct HexIdProvider;

impl jsonrpsee::core::traits::IdProvider for HexIdProvider {
    fn next_id(&self) -> jsonrpsee::types::SubscriptionId<'static> {
        let id: u128 = rand::random();
        jsonrpsee::types::SubscriptionId::Str(format!("{id:#034x}").into())
    }
}

/// Starts the authenticated Engine API server: the Engine API and the `eth_` methods a
/// consensus client reads, behind JWT authentication.
pub async fn serve_auth(
    addr: SocketAddr,
    secret: JwtSecret,
    engine: EngineHandle,
    eth: EthApi,
) -> Result<(ServerHandle, SocketAddr), std::io::Error> {
    let limits = ServerConfig::builder()
        // Payloads of full blocks are large.
        .max_request_body_size(50 * 1024 * 1024)
        .max_response_body_size(50 * 1024 * 1024)
        .build();
    let server = Server::builder()
        .set_config(limits)
        .set_http_middleware(tower::ServiceBuilder::new().layer(JwtAuthLayer::new(secret)))
        .build(addr)
        .await?;
    let addr = server.local_addr()?;
    let mut module = EngineApi::new(engine).into_rpc();
    module
        .merge(eth.into_rpc())
        .map_err(std::io::Error::other)?;
    Ok((server.start(module), addr))
}
