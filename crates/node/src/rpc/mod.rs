//! JSON-RPC: the `eth_`, `net_` and `web3_` methods wallets and tools use, served over HTTP and
//! WebSocket (on one port by default, or WebSocket on its own).
//!
//! State is kept at the head only (the node holds one state in memory), so state queries take
//! `latest`, `pending`, `safe`, `finalized` or the head's number or hash; older blocks, their
//! transactions, receipts and logs are all served from storage.

pub mod auth;
mod convert;
mod dev_api;
mod engine_api;
mod error;
mod eth;

use std::net::SocketAddr;

use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};

pub use auth::{JwtAuthLayer, JwtSecret};
pub use dev_api::{dev_module, MAX_MINE};
pub use engine_api::{engine_module, CAPABILITIES};
pub use error::RpcError;
pub use eth::{EthApi, DEFAULT_TIP, MAX_FEE_HISTORY, MAX_LOGS, MAX_LOG_RANGE};

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

/// Starts the servers with `api`: one for HTTP and WebSocket, or (with `ws_addr`) one each.
pub async fn serve(
    config: &RpcConfig,
    api: EthApi,
    dev: Option<crate::dev::DevHandle>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) -> Result<RpcServers, std::io::Error> {
    let mut module = api.into_module().map_err(std::io::Error::other)?;
    if let Some(dev) = dev {
        module
            .merge(dev_module(dev).map_err(std::io::Error::other)?)
            .map_err(std::io::Error::other)?;
    }
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
    for (addr, transports) in plan {
        let mut limits = ServerConfig::builder()
            .max_request_body_size(config.max_request_bytes)
            .max_response_body_size(config.max_response_bytes)
            .max_connections(config.max_connections)
            .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch));
        limits = match transports {
            Transports::Both => limits,
            Transports::Http => limits.http_only(),
            Transports::Ws => limits.ws_only(),
        };
        let server = Server::builder()
            .set_config(limits.build())
            .set_http_middleware(
                tower::ServiceBuilder::new()
                    .layer(crate::metrics::RpcMetricsLayer(metrics.clone())),
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
        servers.handles.push(server.start(module.clone()));
    }
    Ok(servers)
}

/// Starts the authenticated Engine API server: the Engine API and the `eth_` methods a
/// consensus client reads, behind JWT authentication.
pub async fn serve_auth(
    addr: SocketAddr,
    secret: JwtSecret,
    engine: crate::engine::EngineHandle,
    api: EthApi,
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
    let mut module = engine_module(engine).map_err(std::io::Error::other)?;
    module
        .merge(api.into_module().map_err(std::io::Error::other)?)
        .map_err(std::io::Error::other)?;
    Ok((server.start(module), addr))
}
