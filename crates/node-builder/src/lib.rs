//! Starting a whole node, the crate that wires the others: storage and the chain (engine),
//! the transaction pool, JSON-RPC and the Engine API (rpc), metrics and, in dev mode, the
//! consensus layer (block driver, beacon chain, proof API) and the oracle feeder; and stopping
//! it cleanly. `berapool-node` is a command line over [`launch`].
//!
//! It is the only crate that depends on all the others; nothing depends on it but the binary.

pub mod metrics;

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

use berapool_beacon::ClSpec;
use berapool_chainspec::ChainSpec;
use berapool_dev_consensus::{
    BeaconChain, BeaconHandle, DevConsensus, DevDriver, DevHandle, Mining,
};
use berapool_engine::{Blockchain, ChainReader, EngineHandle};
use berapool_oracle::{incentives::IncentiveConfig, OracleConfig};
use berapool_rpc::{JwtSecret, RpcConfig};
use berapool_storage::{ChainStore, HistoryRetention, StorageError};
use berapool_txpool::{TxPool, TxPoolConfig};

use crate::metrics::Metrics;

/// What a node is started with.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The chain.
    pub spec: ChainSpec,
    /// Where the database lives.
    pub datadir: PathBuf,
    /// How much state history to keep.
    pub history: HistoryRetention,
    /// The JSON-RPC server.
    pub rpc: RpcConfig,
    /// Transaction pool limits.
    pub txpool: TxPoolConfig,
    /// Where to serve Prometheus metrics, if anywhere.
    pub metrics: Option<SocketAddr>,
    /// The authenticated Engine API server (how a consensus client drives the node).
    pub auth: Option<AuthConfig>,
    /// Dev mode: blocks are produced in process, as [`DevConfig::mining`] says.
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

/// The in-process consensus layer of dev mode.
#[derive(Clone, Debug)]
pub struct DevConfig {
    /// When blocks are produced (automine or interval, and the slot time).
    pub mining: Mining,
    /// Fee recipient of blocks without a proposer with its own (no active validator, or a
    /// validator that is neither a pool's nor in the genesis).
    pub fee_recipient: Address,
    /// Overrides the chain's `slotsPerEpoch`.
    pub slots_per_epoch: Option<u64>,
    /// Overrides the chain's `withdrawabilityDelayEpochs`.
    pub withdrawability_delay_epochs: Option<u64>,
    /// Where the beacon proof API listens.
    pub beacon_api: SocketAddr,
    /// The built-in oracle feeder, if on: its key and interval.
    pub oracle: Option<(B256, Duration)>,
    /// The built-in incentive bot, if on: its key and interval.
    pub incentives: Option<(B256, Duration)>,
}

impl DevConfig {
    /// The consensus parameters for `spec` with this config's overrides.
    pub fn cl_spec(&self, spec: &ChainSpec) -> ClSpec {
        let mut cl = spec
            .berapool
            .as_ref()
            .map(|b| b.dev_cl.spec.clone())
            .unwrap_or_default();
        if let Some(slots) = self.slots_per_epoch {
            cl.slots_per_epoch = slots;
        }
        if let Some(delay) = self.withdrawability_delay_epochs {
            cl.withdrawability_delay_epochs = delay;
        }
        cl
    }
}

/// Why the node did not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The database could not be opened (or belongs to another chain).
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The JSON-RPC methods could not be registered (two with one name).
    #[error("JSON-RPC methods: {0}")]
    Methods(#[from] jsonrpsee::core::RegisterMethodError),
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
    pub txpool: Arc<TxPool>,
    /// Where JSON-RPC listens: over HTTP if it is served, else over WebSocket.
    pub rpc_addr: SocketAddr,
    /// Where JSON-RPC is served over HTTP.
    pub http_addr: Option<SocketAddr>,
    /// Where JSON-RPC is served over WebSocket.
    pub ws_addr: Option<SocketAddr>,
    /// Where the authenticated Engine API listens.
    pub auth_addr: Option<SocketAddr>,
    /// Where Prometheus metrics are served.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the dev consensus layer's proof API is served.
    pub beacon_api_addr: Option<SocketAddr>,
    /// The dev consensus layer's beacon chain.
    pub beacon: Option<BeaconHandle>,
    rpc: Vec<ServerHandle>,
    auth: Option<ServerHandle>,
    shutdown: Arc<AtomicBool>,
    driver: Option<JoinHandle<()>>,
    /// The built-in keepers (the oracle feeder, the incentive bot).
    keepers: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningNode {
    /// Hash and number of the head block.
    pub fn head(&self) -> (u64, B256) {
        let head = self.engine.reader().head();
        (head.number(), head.hash)
    }

    /// The chain as readers see it.
    pub fn chain(&self) -> &ChainReader {
        self.engine.reader()
    }

    /// Stops block production and JSON-RPC. Every committed block is already durable, so there
    /// is nothing to flush.
    pub async fn stop(mut self) {
        self.shutdown.store(true, Ordering::Relaxed);
        for keeper in std::mem::take(&mut self.keepers) {
            let _ = keeper.await;
        }
        if let Some(driver) = self.driver.take() {
            if driver.join().is_err() {
                tracing::error!(target: "berapool::node", "block driver panicked");
            }
        }
        for server in self.rpc.into_iter().chain(self.auth) {
            if server.stop().is_ok() {
                server.stopped().await;
            }
        }
    }
}

/// Opens the chain in `config.datadir` and starts the node's services.
pub async fn launch(config: NodeConfig) -> Result<RunningNode, LaunchError> {
    let store = ChainStore::open(&config.datadir, &config.spec)?.with_history(config.history);
    let chain = Blockchain::new(store, config.spec)?;
    let (head, head_hash) = (chain.head().number(), chain.head().hash);
    tracing::info!(target: "berapool::node", head, %head_hash, datadir = %config.datadir.display(), "chain opened");
    let pool = Arc::new(TxPool::new(config.txpool));
    let engine = EngineHandle::new(chain, pool.clone());
    let mut beacon = None;
    let dev = match &config.dev {
        Some(dev) => {
            let spec = engine.reader().spec().clone();
            let cl = dev.cl_spec(&spec);
            let validators = spec
                .berapool
                .as_ref()
                .map(|b| b.dev_cl.genesis_validators.clone())
                .unwrap_or_default();
            tracing::info!(target: "berapool::cl", slots_per_epoch = cl.slots_per_epoch, withdrawability_delay_epochs = cl.withdrawability_delay_epochs, validator_set_cap = cl.validator_set_cap, genesis_validators = validators.len(), "dev consensus layer");
            let chain = BeaconChain::new(
                cl,
                &validators,
                spec.genesis_header(),
                spec.genesis_hash(),
                dev.fee_recipient,
            );
            let handle = BeaconHandle::new(chain);
            let provider = DevConsensus::new(handle.clone(), engine.reader().clone())?;
            beacon = Some(handle);
            Some(DevHandle::new(DevDriver::new(
                engine.clone(),
                Box::new(provider),
                dev.mining,
            )))
        }
        None => None,
    };
    let module = berapool_rpc::public_module(&config.rpc, engine.reader(), &pool, dev.clone())?;
    let metrics = Arc::new(Metrics::default());
    let servers = berapool_rpc::serve(&config.rpc, module.clone(), metrics.clone())
        .await
        .map_err(|source| LaunchError::Rpc {
            addr: config.rpc.addr,
            source,
        })?;
    let (http_addr, ws_addr) = (servers.http_addr, servers.ws_addr);
    let rpc_addr = http_addr.or(ws_addr).unwrap_or(config.rpc.addr);
    tracing::info!(target: "berapool::rpc", http = ?http_addr, ws = ?ws_addr, "JSON-RPC listening");
    let mut rpc = servers.handles;
    let (auth, auth_addr) = match config.auth {
        Some(auth) => {
            let (handle, addr) = berapool_rpc::serve_auth(
                auth.addr,
                auth.secret,
                engine.clone(),
                config.rpc.eth_api(engine.reader(), &pool),
            )
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
            let local =
                crate::metrics::serve(addr, metrics.clone(), engine.reader().clone(), pool.clone())
                    .await
                    .map_err(|source| LaunchError::Rpc { addr, source })?;
            tracing::info!(target: "berapool::node", %local, "Prometheus metrics listening");
            Some(local)
        }
        None => None,
    };
    let beacon_api_addr = match (&config.dev, &beacon) {
        (Some(dev), Some(beacon)) => {
            let addr = berapool_dev_consensus::api::serve(
                dev.beacon_api,
                beacon.clone(),
                engine.reader().clone(),
            )
            .await
            .map_err(|source| LaunchError::Rpc {
                addr: dev.beacon_api,
                source,
            })?;
            tracing::info!(target: "berapool::cl", %addr, "beacon proof API listening");
            Some(addr)
        }
        _ => None,
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    let mut keepers = Vec::new();
    let oracle = config.dev.as_ref().and_then(|d| d.oracle);
    let incentives = config.dev.as_ref().and_then(|d| d.incentives);
    if oracle.is_some() || incentives.is_some() {
        // The keepers read and send through listeners of their own on loopback, so clients
        // that fill the public ports' connection limits cannot starve them.
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let private = RpcConfig {
            addr: loopback,
            http: true,
            ws: false,
            ws_addr: None,
            max_connections: 8,
            ..config.rpc.clone()
        };
        let servers = berapool_rpc::serve(&private, module, metrics.clone())
            .await
            .map_err(|source| LaunchError::Rpc {
                addr: loopback,
                source,
            })?;
        let rpc_url = format!("http://{}", servers.http_addr.unwrap_or(loopback));
        rpc.extend(servers.handles);
        if let (Some((key, interval)), Some(beacon)) = (oracle, &beacon) {
            let beacon_addr = berapool_dev_consensus::api::serve(
                loopback,
                beacon.clone(),
                engine.reader().clone(),
            )
            .await
            .map_err(|source| LaunchError::Rpc {
                addr: loopback,
                source,
            })?;
            let oracle = OracleConfig {
                rpc: rpc_url.clone(),
                beacon: format!("http://{beacon_addr}"),
                key,
                interval,
                resend_after: berapool_oracle::DEFAULT_RESEND_AFTER,
            };
            let stop = shutdown.clone();
            keepers.push(tokio::spawn(async move {
                if let Err(error) = berapool_oracle::run(oracle, stop).await {
                    tracing::error!(target: "berapool::oracle", %error, "oracle feeder stopped");
                }
            }));
        }
        if let Some((key, interval)) = incentives {
            let bot = IncentiveConfig {
                rpc: rpc_url,
                key,
                interval,
            };
            let stop = shutdown.clone();
            keepers.push(tokio::spawn(async move {
                if let Err(error) = berapool_oracle::incentives::run(bot, stop).await {
                    tracing::error!(target: "berapool::incentives", %error, "incentive bot stopped");
                }
            }));
        }
    }
    let driver = dev.map(|dev| {
        let stop = shutdown.clone();
        std::thread::spawn(move || dev.run(&stop))
    });
    Ok(RunningNode {
        engine,
        txpool: pool,
        rpc_addr,
        http_addr,
        ws_addr,
        auth_addr,
        metrics_addr,
        beacon_api_addr,
        beacon,
        rpc,
        auth,
        shutdown,
        driver,
        keepers,
    })
}
