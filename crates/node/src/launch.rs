//! Starting a whole node: storage, chain, transaction pool, JSON-RPC and (in dev mode) the block
//! driver, and stopping it cleanly.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::Duration,
};

use alloy_primitives::{Address, B256};
use jsonrpsee::server::ServerHandle;

use crate::{
    blockchain::Blockchain,
    dev::{DevDriver, DevHandle, SimpleProvider},
    engine::EngineHandle,
    metrics::Metrics,
    rpc::{self, EthApi, JwtSecret, RpcConfig},
    txpool::{self, TxPool},
    ChainSpec, StorageError,
};

/// What a node is started with.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The chain.
    pub spec: ChainSpec,
    /// Where the database lives.
    pub datadir: PathBuf,
    /// The JSON-RPC server.
    pub rpc: RpcConfig,
    /// Transaction pool limits.
    pub pool: txpool::PoolConfig,
    /// Where to serve Prometheus metrics, if anywhere.
    pub metrics: Option<SocketAddr>,
    /// The authenticated Engine API server (how a consensus client drives the node).
    pub auth: Option<AuthConfig>,
    /// Dev mode: blocks are produced in process, every `block_time` or (with `None`) as soon as
    /// a transaction waits.
    pub dev: Option<DevConfig>,
}

/// The authenticated Engine API server.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The secret shared with the consensus client.
    pub secret: JwtSecret,
}

/// The in-process block producer of dev mode.
#[derive(Clone, Debug)]
pub struct DevConfig {
    /// Time between blocks; `None` produces a block as soon as a transaction waits.
    pub block_time: Option<Duration>,
    /// Fee recipient of produced blocks.
    pub fee_recipient: Address,
}

/// Why the node did not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The database could not be opened (or belongs to another chain).
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// A server (JSON-RPC, Engine API, metrics) could not listen.
    #[error("server on {addr}: {source}")]
    Rpc {
        /// Where it tried to listen.
        addr: SocketAddr,
        /// Why it could not.
        source: std::io::Error,
    },
}

/// A running node.
#[derive(Debug)]
pub struct RunningNode {
    /// The Engine API of the node (reads and block production).
    pub engine: EngineHandle,
    /// The transaction pool.
    pub pool: Arc<TxPool>,
    /// Where JSON-RPC listens.
    pub rpc_addr: SocketAddr,
    /// Where the authenticated Engine API listens.
    pub auth_addr: Option<SocketAddr>,
    /// Where Prometheus metrics are served.
    pub metrics_addr: Option<SocketAddr>,
    rpc: ServerHandle,
    auth: Option<ServerHandle>,
    shutdown: Arc<AtomicBool>,
    driver: Option<JoinHandle<()>>,
}

impl RunningNode {
    /// Hash and number of the head block.
    pub fn head(&self) -> (u64, B256) {
        self.engine.with_chain(|c| (c.head().0.number, c.head().1))
    }

    /// Stops block production and JSON-RPC. Every committed block is already durable, so there
    /// is nothing to flush.
    pub async fn stop(mut self) {
        self.shutdown.store(true, Ordering::Relaxed);
        if let Some(driver) = self.driver.take() {
            if driver.join().is_err() {
                tracing::error!(target: "berapool::node", "block driver panicked");
            }
        }
        for server in std::iter::once(self.rpc).chain(self.auth) {
            if server.stop().is_ok() {
                server.stopped().await;
            }
        }
    }
}

/// Opens the chain in `config.datadir` and starts the node's services.
pub async fn launch(config: NodeConfig) -> Result<RunningNode, LaunchError> {
    let chain = Blockchain::open(&config.datadir, config.spec)?;
    let (head, head_hash) = (chain.head().0.number, chain.head().1);
    tracing::info!(target: "berapool::node", head, %head_hash, datadir = %config.datadir.display(), "chain opened");
    let pool = Arc::new(TxPool::new(config.pool));
    let engine = EngineHandle::new(chain, pool.clone());
    let dev = config.dev.map(|dev| {
        DevHandle::new(DevDriver::new(
            engine.clone(),
            Box::new(SimpleProvider {
                fee_recipient: dev.fee_recipient,
            }),
            dev.block_time,
        ))
    });
    let api = EthApi::new(engine.clone(), pool.clone());
    let metrics = Arc::new(Metrics::default());
    let (rpc, rpc_addr) = rpc::serve(&config.rpc, api, dev.clone(), metrics.clone())
        .await
        .map_err(|source| LaunchError::Rpc {
            addr: config.rpc.addr,
            source,
        })?;
    tracing::info!(target: "berapool::rpc", %rpc_addr, "JSON-RPC listening (HTTP and WebSocket)");
    let (auth, auth_addr) = match config.auth {
        Some(auth) => {
            let api = EthApi::new(engine.clone(), pool.clone());
            let (handle, addr) = rpc::serve_auth(auth.addr, auth.secret, engine.clone(), api)
                .await
                .map_err(|source| LaunchError::Rpc {
                    addr: auth.addr,
                    source,
                })?;
            tracing::info!(target: "berapool::rpc", %addr, "Engine API listening (JWT)");
            (Some(handle), Some(addr))
        }
        None => (None, None),
    };
    let metrics_addr = match config.metrics {
        Some(addr) => {
            let local = crate::metrics::serve(addr, metrics, engine.clone(), pool.clone())
                .await
                .map_err(|source| LaunchError::Rpc { addr, source })?;
            tracing::info!(target: "berapool::node", %local, "Prometheus metrics listening");
            Some(local)
        }
        None => None,
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    let driver = dev.map(|dev| {
        let stop = shutdown.clone();
        std::thread::spawn(move || dev.run(&stop))
    });
    Ok(RunningNode {
        engine,
        pool,
        rpc_addr,
        auth_addr,
        metrics_addr,
        rpc,
        auth,
        shutdown,
        driver,
    })
}
