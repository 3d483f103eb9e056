//! `berapool-node`: the command line of the berapool execution node.
//!
//! `berapool-node node --dev` starts a devnet in one command: the dev chain (chain id 80087,
//! ten funded accounts of the test mnemonic), JSON-RPC on 127.0.0.1:8545, a simulated
//! consensus layer producing a block as soon as a transaction arrives and at least every slot,
//! its proof API on 127.0.0.1:3500, and the oracle feeder that activates pools and proves their
//! validators' balances. `berapool-node oracle` runs the feeder against any berapool node.

mod pool_cli;

use std::{
    collections::HashSet,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use alloy_primitives::{utils::format_ether, Address, B256};
use berapool_chainspec::{
    dev_accounts, ChainSpec, DEV_FEEDER_ACCOUNT, DEV_INCENTIVES_ACCOUNT, DEV_MNEMONIC,
};
use berapool_dev_consensus::Mining;
use berapool_node_builder::{launch, AuthConfig, DevConfig, NodeConfig, RunningNode};
use berapool_oracle::{incentives::IncentiveConfig, OracleConfig};
use berapool_pool_precompiles::addresses;
use berapool_rpc::{JwtSecret, Namespace, RpcConfig};
use berapool_storage::HistoryRetention;
use berapool_txpool::TxPoolConfig;
use clap::{Parser, Subcommand};
use eyre::{bail, Context};

#[derive(Debug, Parser)]
#[command(name = "berapool-node", version, about)]
struct Cli {
    /// More logs: -v debug, -vv trace (RUST_LOG, when set, wins).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the node.
    Node(Box<NodeArgs>),
    /// Writes the genesis of a chain into a datadir and prints its hash.
    Init(InitArgs),
    /// Prints a chain's genesis JSON (the dev chain's by default): a starting point for a
    /// custom chain, `init --chain <file>` and `node --chain <file>` take it back.
    DumpGenesis(DumpGenesisArgs),
    /// Runs the oracle feeder against a node and a BeaconKit-compatible proof API.
    Oracle(OracleArgs),
    /// Runs the incentive bot against a node: moves each pool's commission tokens to its
    /// auction and activates queued commissions once their delay has passed.
    Incentives(IncentivesArgs),
    /// A pool's state and what can be done next, or the withdrawal requests an address holds.
    Pool(pool_cli::PoolArgs),
}

#[derive(Debug, clap::Args)]
struct OracleArgs {
    /// JSON-RPC URL of the execution node.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// URL of the proof API (`/bkit/v1/proof/…`).
    #[arg(long, default_value = "http://127.0.0.1:3500")]
    beacon: String,
    /// Private key (hex) of an account with the AccountingOracle's FEEDER_ROLE; or from the
    /// `BERAPOOL_ORACLE_KEY` environment variable, or `--key-file`, to keep it out of the
    /// process list.
    #[arg(
        long,
        value_name = "HEX",
        env = "BERAPOOL_ORACLE_KEY",
        hide_env_values = true,
        conflicts_with = "key_file",
        required_unless_present = "key_file"
    )]
    key: Option<B256>,
    /// A file holding the feeder's private key (hex, surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Time between rounds.
    #[arg(long, default_value = "12s", value_parser = parse_duration)]
    interval: Duration,
    /// How long a submission may stay unmined before it is replaced at a higher fee.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    resend_after: Duration,
}

impl OracleArgs {
    /// The key, from the flag, the environment or the file.
    fn key(&self) -> eyre::Result<B256> {
        read_key(
            self.key,
            self.key_file.as_deref(),
            "the feeder's key: --key, BERAPOOL_ORACLE_KEY or --key-file",
        )
    }
}

#[derive(Debug, clap::Args)]
struct IncentivesArgs {
    /// JSON-RPC URL of the execution node.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// Private key (hex) of the account that pays for the bot's transactions (no role is
    /// needed); or from `BERAPOOL_INCENTIVES_KEY`, or `--key-file`.
    #[arg(
        long,
        value_name = "HEX",
        env = "BERAPOOL_INCENTIVES_KEY",
        hide_env_values = true,
        conflicts_with = "key_file",
        required_unless_present = "key_file"
    )]
    key: Option<B256>,
    /// A file holding the bot's private key (hex, surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Time between rounds.
    #[arg(long, default_value = "12s", value_parser = parse_duration)]
    interval: Duration,
}

/// A key from its flag (or environment variable), else from `file`.
fn read_key(key: Option<B256>, file: Option<&std::path::Path>, what: &str) -> eyre::Result<B256> {
    if let Some(key) = key {
        return Ok(key);
    }
    let path = file.ok_or_else(|| eyre::eyre!("give {what}"))?;
    let text = std::fs::read_to_string(path)
        .wrap_err_with(|| format!("reading the key file {}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|_| eyre::eyre!("{} does not hold a 32-byte hex key", path.display()))
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// `dev`, or a genesis JSON file (with an optional `berapool` section).
    #[arg(long, value_name = "FILE|dev", default_value = "dev")]
    chain: String,
    /// Where the database lives [default: <data dir>/berapool/<chain id>].
    #[arg(long, value_name = "DIR")]
    datadir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct DumpGenesisArgs {
    /// `dev`, or a genesis JSON file (printed as this node reads it).
    #[arg(long, value_name = "FILE|dev", default_value = "dev")]
    chain: String,
}

/// The chain `--chain` names: `dev` or a genesis file.
fn load_chain(chain: Option<&str>) -> eyre::Result<ChainSpec> {
    match chain {
        None | Some("dev") => ChainSpec::dev().wrap_err("building the dev chain"),
        Some(path) => ChainSpec::from_file(std::path::Path::new(path))
            .wrap_err_with(|| format!("loading the chain from {path}")),
    }
}

/// `--datadir`, or the platform data directory (as reth does).
fn datadir_for(datadir: Option<PathBuf>, chain_id: u64) -> eyre::Result<PathBuf> {
    match datadir {
        Some(dir) => Ok(dir),
        None => Ok(dirs::data_dir()
            .ok_or_else(|| eyre::eyre!("no data directory on this system; pass --datadir"))?
            .join("berapool")
            .join(chain_id.to_string())),
    }
}

fn dump_genesis(args: &DumpGenesisArgs) -> eyre::Result<()> {
    let spec = load_chain(Some(&args.chain))?;
    let json = serde_json::to_string_pretty(&spec.genesis).wrap_err("encoding the genesis")?;
    println!("{json}");
    Ok(())
}

fn init(args: InitArgs) -> eyre::Result<()> {
    let spec = load_chain(Some(&args.chain))?;
    let datadir = datadir_for(args.datadir, spec.chain_id())?;
    let store = berapool_storage::ChainStore::open(&datadir, &spec)?;
    let head = store.head_number()?;
    println!(
        "chain {} (genesis {}) in {}, head #{head}",
        spec.chain_id(),
        spec.genesis_hash(),
        datadir.display()
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
struct NodeArgs {
    /// Runs a development chain: the embedded dev genesis (unless --chain is given) with blocks
    /// produced in process.
    #[arg(long)]
    dev: bool,
    /// `dev`, or a genesis JSON file (with an optional `berapool` section) [default with
    /// --dev: dev].
    #[arg(long, value_name = "FILE|dev")]
    chain: Option<String>,
    /// Where the database lives [default: <data dir>/berapool/<chain id>].
    #[arg(long, value_name = "DIR")]
    datadir: Option<PathBuf>,
    /// Starts the devnet afresh: deletes the datadir's chain database first (the JWT secret
    /// stays). A devnet otherwise keeps its chain across runs.
    #[arg(long = "dev.reset", requires = "dev")]
    dev_reset: bool,
    /// JSON-RPC (HTTP and WebSocket) listen address.
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// JSON-RPC (HTTP and WebSocket) port; 0 picks a free one.
    #[arg(long = "http.port", default_value_t = 8545)]
    http_port: u16,
    /// Origins browsers may call JSON-RPC from (CORS): `*` or a comma-separated list
    /// [default: `*` with --dev, none otherwise].
    #[arg(long = "http.corsdomain", value_name = "ORIGINS")]
    http_corsdomain: Option<String>,
    /// Namespaces served over HTTP, comma-separated: eth, net, web3, txpool, debug, trace, and
    /// with --dev personal and anvil (anvil_, evm_, hardhat_) [default: all].
    #[arg(long = "http.api", value_name = "LIST", value_parser = parse_api)]
    http_api: Option<HashSet<Namespace>>,
    /// Namespaces served over WebSocket, as `--http.api`; a port serving both serves the lists
    /// given, merged [default: all].
    #[arg(long = "ws.api", value_name = "LIST", value_parser = parse_api)]
    ws_api: Option<HashSet<Namespace>>,
    /// Serve JSON-RPC over HTTP. Without `--http` or `--ws` both are served on the HTTP port;
    /// naming one serves only the ones named.
    #[arg(long)]
    http: bool,
    /// Serve JSON-RPC over WebSocket (subscriptions); see `--http`.
    #[arg(long)]
    ws: bool,
    /// WebSocket listen address (with `--ws.port`).
    #[arg(long = "ws.addr", default_value = "127.0.0.1")]
    ws_addr: IpAddr,
    /// Serve WebSocket on its own port instead of the HTTP one; 0 picks a free one.
    #[arg(long = "ws.port")]
    ws_port: Option<u16>,
    /// Longest time between dev blocks (e.g. `2s`, `500ms`): a block comes as soon as a
    /// transaction arrives, and an empty one when none came for a slot; `off` produces blocks
    /// only for transactions (and `anvil_mine`).
    #[arg(long = "dev.slot-time", value_name = "DURATION|off", default_value = "2s", value_parser = parse_slot_time)]
    slot_time: SlotTime,
    /// Interval mining (anvil's `--block-time`): a block every DURATION with every pending
    /// transaction, instead of one as soon as a transaction arrives.
    #[arg(long = "dev.block-time", value_name = "DURATION", value_parser = parse_duration)]
    block_time: Option<Duration>,
    /// Slots per epoch of the dev consensus layer [default: the chain's, 32 on the dev chain].
    #[arg(long = "dev.slots-per-epoch", value_name = "SLOTS", value_parser = clap::value_parser!(u64).range(1..))]
    slots_per_epoch: Option<u64>,
    /// Epochs from an exit or a partial withdrawal request to its payment [default: the
    /// chain's, 4 on the dev chain; 256 on mainnet].
    #[arg(long = "dev.withdrawability-delay", value_name = "EPOCHS")]
    withdrawability_delay: Option<u64>,
    /// Fee recipient of dev blocks whose proposer has none of its own.
    #[arg(long = "dev.fee-recipient", default_value_t = Address::ZERO)]
    fee_recipient: Address,
    /// Listen address of the dev consensus layer's proof API (BeaconKit's `/bkit/v1/proof/…`).
    #[arg(
        long = "dev.beacon-api",
        value_name = "ADDR",
        default_value = "127.0.0.1:3500"
    )]
    beacon_api: SocketAddr,
    /// Run the built-in oracle feeder (activates pools, proves their balances).
    #[arg(long = "dev.oracle", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    oracle: bool,
    /// Time between the feeder's rounds.
    #[arg(long = "dev.oracle-interval", value_name = "DURATION", default_value = "12s", value_parser = parse_duration)]
    oracle_interval: Duration,
    /// The feeder's key [default: dev account 9, which holds FEEDER_ROLE in the dev genesis].
    #[arg(long = "dev.oracle-key", value_name = "HEX")]
    oracle_key: Option<B256>,
    /// Run the built-in incentive bot (moves commission tokens to each pool's auction,
    /// activates queued commissions).
    #[arg(long = "dev.incentives", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    incentives: bool,
    /// Time between the incentive bot's rounds.
    #[arg(long = "dev.incentives-interval", value_name = "DURATION", default_value = "6s", value_parser = parse_duration)]
    incentives_interval: Duration,
    /// The incentive bot's key [default: dev account 8].
    #[arg(long = "dev.incentives-key", value_name = "HEX")]
    incentives_key: Option<B256>,
    /// Engine API (JWT-authenticated) listen address.
    #[arg(long = "authrpc.addr", default_value = "127.0.0.1")]
    authrpc_addr: IpAddr,
    /// Engine API port; 0 picks a free one.
    #[arg(long = "authrpc.port", default_value_t = 8551)]
    authrpc_port: u16,
    /// File with the hex JWT secret shared with the consensus client [default:
    /// <datadir>/jwt.hex, generated if absent].
    #[arg(long = "authrpc.jwtsecret", value_name = "FILE")]
    jwt_secret: Option<PathBuf>,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9001).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Blocks whose state is kept for queries at older blocks (`eth_getBalance`, `eth_call`,
    /// `eth_getProof`, … with a block number): a count, or `all` for an archive [default:
    /// all with --dev, 172800 (4 days of 2 s blocks) otherwise].
    #[arg(long = "history.blocks", value_name = "N|all", value_parser = parse_history)]
    history_blocks: Option<HistoryRetention>,
    /// The most gas one `eth_call` or `eth_estimateGas` may use.
    #[arg(long = "rpc.gascap", value_name = "GAS", default_value_t = berapool_rpc::DEFAULT_GAS_CAP)]
    rpc_gas_cap: u64,
    /// Transactions the pool keeps at most.
    #[arg(long = "txpool.max-transactions", default_value_t = TxPoolConfig::default().max_transactions)]
    max_pool_transactions: usize,
    /// Of those, transactions behind a nonce gap (not executable yet) kept at most; they are
    /// evicted first and dropped after 3 hours.
    #[arg(long = "txpool.max-queued", default_value_t = TxPoolConfig::default().max_queued)]
    max_pool_queued: usize,
}

/// State history kept by default when not in dev mode: 4 days of 2-second blocks, longer than
/// mainnet's 3-day withdrawal finalization delay, so the state at any pending request's block
/// can still be read.
const DEFAULT_HISTORY_BLOCKS: u64 = 172_800;

fn parse_api(text: &str) -> Result<HashSet<Namespace>, String> {
    berapool_rpc::parse_namespaces(text).map_err(|e| e.to_string())
}

fn parse_history(text: &str) -> Result<HistoryRetention, String> {
    match text.trim() {
        "all" | "archive" => Ok(HistoryRetention::All),
        n => n
            .parse()
            .map(HistoryRetention::Blocks)
            .map_err(|_| format!("`{text}` is not a number of blocks or `all`")),
    }
}

/// A slot time, or none (`off`): blocks only on demand.
#[derive(Clone, Copy, Debug)]
struct SlotTime(Option<Duration>);

fn parse_slot_time(text: &str) -> Result<SlotTime, String> {
    match text.trim() {
        "off" | "none" => Ok(SlotTime(None)),
        other => parse_duration(other).map(|d| SlotTime(Some(d))),
    }
}

/// `2s`, `500ms`, `1m` or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 2s or 500ms"))?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(value),
        "ms" => Duration::from_millis(value),
        "m" => Duration::from_secs(value.saturating_mul(60)),
        _ => return Err(format!("unknown unit `{unit}` in `{text}`: use ms, s or m")),
    };
    if duration.is_zero() {
        return Err("the duration must be positive (a slot time of `off` mines on demand)".into());
    }
    Ok(duration)
}

fn main() -> eyre::Result<()> {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    // Colour only on a terminal: a file or a pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_ansi(ansi)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .init();
    let args = match cli.command {
        Command::Node(args) => *args,
        Command::Init(args) => return init(args),
        Command::DumpGenesis(args) => return dump_genesis(&args),
        Command::Oracle(args) => return runtime()?.block_on(oracle(args)),
        Command::Incentives(args) => return runtime()?.block_on(incentives(args)),
        Command::Pool(args) => return runtime()?.block_on(pool_cli::run(args)),
    };
    runtime()?.block_on(run(args))
}

fn runtime() -> eyre::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")
}

/// `berapool-node oracle`: the feeder until Ctrl-C.
async fn oracle(args: OracleArgs) -> eyre::Result<()> {
    let config = OracleConfig {
        key: args.key()?,
        rpc: args.rpc,
        beacon: args.beacon,
        interval: args.interval,
        resend_after: args.resend_after,
    };
    let signal = Shutdown::listen()?;
    let shutdown = Arc::new(AtomicBool::new(false));
    let mut task = tokio::spawn(berapool_oracle::run(config, shutdown.clone()));
    tokio::select! {
        result = signal.wait() => {
            result?;
            shutdown.store(true, Ordering::Relaxed);
            (&mut task).await.wrap_err("oracle task")??;
        }
        result = &mut task => {
            result.wrap_err("oracle task")??;
        }
    }
    Ok(())
}

/// `berapool-node incentives`: the incentive bot until Ctrl-C.
async fn incentives(args: IncentivesArgs) -> eyre::Result<()> {
    let config = IncentiveConfig {
        key: read_key(
            args.key,
            args.key_file.as_deref(),
            "the bot's key: --key, BERAPOOL_INCENTIVES_KEY or --key-file",
        )?,
        rpc: args.rpc,
        interval: args.interval,
    };
    let signal = Shutdown::listen()?;
    let shutdown = Arc::new(AtomicBool::new(false));
    let mut task = tokio::spawn(berapool_oracle::incentives::run(config, shutdown.clone()));
    tokio::select! {
        result = signal.wait() => {
            result?;
            shutdown.store(true, Ordering::Relaxed);
            (&mut task).await.wrap_err("incentive bot task")??;
        }
        result = &mut task => {
            result.wrap_err("incentive bot task")??;
        }
    }
    Ok(())
}

async fn run(args: NodeArgs) -> eyre::Result<()> {
    let shutdown = Shutdown::listen()?;
    if !args.dev && args.chain.is_none() {
        bail!(
            "pass --chain <genesis.json|dev> to follow a consensus client, or --dev for a devnet"
        );
    }
    let spec = load_chain(args.chain.as_deref())?;
    let chain_id = spec.chain_id();
    let datadir = datadir_for(args.datadir.clone(), chain_id)?;
    if args.dev_reset {
        let db = datadir.join(berapool_storage::DB_FILE);
        match std::fs::remove_file(&db) {
            Ok(()) => {
                tracing::info!(target: "berapool::node", path = %db.display(), "removed the devnet's chain (--dev.reset)")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).wrap_err_with(|| format!("removing {}", db.display())),
        }
    }
    let uses_dev_genesis = matches!(args.chain.as_deref(), None | Some("dev"));
    let jwt_path = args
        .jwt_secret
        .clone()
        .unwrap_or_else(|| datadir.join("jwt.hex"));
    let secret = JwtSecret::load_or_generate(&jwt_path)?;
    let history = args.history_blocks.unwrap_or(if args.dev {
        HistoryRetention::All
    } else {
        HistoryRetention::Blocks(DEFAULT_HISTORY_BLOCKS)
    });
    let config = NodeConfig {
        spec,
        datadir,
        history,
        rpc: RpcConfig {
            addr: SocketAddr::new(args.http_addr, args.http_port),
            http: args.http || !args.ws,
            ws: args.ws || !args.http,
            ws_addr: args.ws_port.map(|port| SocketAddr::new(args.ws_addr, port)),
            gas_cap: args.rpc_gas_cap,
            cors: args
                .http_corsdomain
                .clone()
                .or_else(|| args.dev.then(|| "*".to_owned())),
            http_api: args.http_api.clone(),
            ws_api: args.ws_api.clone(),
            ..RpcConfig::default()
        },
        txpool: TxPoolConfig {
            max_transactions: args.max_pool_transactions,
            max_queued: args.max_pool_queued,
            ..TxPoolConfig::default()
        },
        metrics: args.metrics,
        auth: Some(AuthConfig {
            addr: SocketAddr::new(args.authrpc_addr, args.authrpc_port),
            secret,
        }),
        dev: args.dev.then_some(DevConfig {
            mining: Mining {
                automine: args.block_time.is_none(),
                interval: args.block_time,
                slot_time: args.slot_time.0,
            },
            fee_recipient: args.fee_recipient,
            slots_per_epoch: args.slots_per_epoch,
            withdrawability_delay_epochs: args.withdrawability_delay,
            beacon_api: args.beacon_api,
            oracle: args.oracle.then(|| {
                let key = args
                    .oracle_key
                    .or_else(|| dev_accounts().get(DEV_FEEDER_ACCOUNT).map(|(_, k)| *k))
                    .unwrap_or_default();
                (key, args.oracle_interval)
            }),
            incentives: args.incentives.then(|| {
                let key = args
                    .incentives_key
                    .or_else(|| dev_accounts().get(DEV_INCENTIVES_ACCOUNT).map(|(_, k)| *k))
                    .unwrap_or_default();
                (key, args.incentives_interval)
            }),
        }),
    };
    let dev = config.dev.clone();
    let datadir = config.datadir.clone();
    let node = launch(config).await?;
    print_banner(&node, chain_id, &datadir, &jwt_path, dev.as_ref());
    if args.dev && uses_dev_genesis {
        print_accounts(&node);
    }
    shutdown.wait().await?;
    tracing::info!(target: "berapool::node", "shutting down");
    node.stop().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager, listened for from its creation on: a signal that
/// comes while the node is still starting stops it cleanly too.
struct Shutdown {
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 2],
}

impl Shutdown {
    fn listen() -> eyre::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind| signal(kind).wrap_err("listening for signals");
            Ok(Self {
                signals: [
                    listen(SignalKind::interrupt())?,
                    listen(SignalKind::terminate())?,
                ],
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(self) -> eyre::Result<()> {
        #[cfg(unix)]
        {
            let [mut int, mut term] = self.signals;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            Ok(())
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.wrap_err("waiting for Ctrl-C")
    }
}

/// What the node serves and where.
fn print_banner(
    node: &RunningNode,
    chain_id: u64,
    datadir: &std::path::Path,
    jwt_path: &std::path::Path,
    dev: Option<&DevConfig>,
) {
    let (head, hash) = node.head();
    println!();
    println!("berapool node");
    println!("  chain id      {chain_id}");
    println!("  head          #{head} {hash}");
    if dev.is_some() {
        println!(
            "  datadir       {}  (kept across runs; --dev.reset starts afresh)",
            datadir.display()
        );
    } else {
        println!("  datadir       {}", datadir.display());
    }
    match (node.http_addr, node.ws_addr) {
        (Some(http), Some(ws)) => println!("  JSON-RPC      http://{http}  ws://{ws}"),
        (Some(http), None) => println!("  JSON-RPC      http://{http}"),
        (None, Some(ws)) => println!("  JSON-RPC      ws://{ws}"),
        (None, None) => println!("  JSON-RPC      off"),
    }
    if let Some(auth) = node.auth_addr {
        println!(
            "  Engine API    http://{auth}  (JWT secret {})",
            jwt_path.display()
        );
    }
    if let Some(metrics) = node.metrics_addr {
        println!("  metrics       http://{metrics}/metrics");
    }
    match dev {
        Some(dev) => {
            // What the running consensus layer uses (the chain's values with the flags').
            let (cl, validators) = node
                .beacon
                .as_ref()
                .map(|b| b.read(|b| (b.spec().clone(), b.head().validators.len())))
                .unwrap_or_default();
            match (dev.mining.interval, dev.mining.slot_time) {
                (Some(every), _) => {
                    println!(
                        "  blocks        every {every:?}, with every pending transaction (dev)"
                    )
                }
                (None, Some(slot)) => println!(
                    "  blocks        as transactions arrive, at least every {slot:?} (dev)"
                ),
                (None, None) => println!("  blocks        as soon as a transaction arrives (dev)"),
            }
            println!();
            println!("Dev consensus layer");
            if let Some(api) = node.beacon_api_addr {
                println!("  proof API          http://{api}/bkit/v1/proof/");
            }
            println!("  slots per epoch    {}", cl.slots_per_epoch);
            println!(
                "  withdrawal delay   {} epochs ({} slots)",
                cl.withdrawability_delay_epochs,
                cl.withdrawability_delay_epochs * cl.slots_per_epoch
            );
            println!("  validator set cap  {}", cl.validator_set_cap);
            println!("  validators         {validators}");
            match dev.oracle {
                Some((key, interval)) => {
                    let feeder = alloy_signer_local::PrivateKeySigner::from_bytes(&key)
                        .map(|s| s.address().to_string())
                        .unwrap_or_else(|_| "invalid key".into());
                    println!("  oracle feeder      {feeder} every {interval:?}");
                }
                None => println!("  oracle feeder      off"),
            }
            match dev.incentives {
                Some((key, interval)) => {
                    let bot = alloy_signer_local::PrivateKeySigner::from_bytes(&key)
                        .map(|s| s.address().to_string())
                        .unwrap_or_else(|_| "invalid key".into());
                    println!("  incentive bot      {bot} every {interval:?}");
                }
                None => println!("  incentive bot      off"),
            }
        }
        None => println!("  blocks        from the consensus client over the Engine API"),
    }
    println!();
    println!("Pool system");
    println!("  factory            {}", addresses::FACTORY);
    println!("  withdrawal vault   {}", addresses::WITHDRAWAL_VAULT);
    println!("  accounting oracle  {}", addresses::ACCOUNTING_ORACLE);
    println!("  beacon deposit     {}", addresses::BEACON_DEPOSIT);
    println!();
}

/// The dev chain's funded accounts with their keys, as anvil prints them.
fn print_accounts(node: &RunningNode) {
    println!("Funded accounts (mnemonic \"{DEV_MNEMONIC}\")");
    let chain = node.chain();
    let state = chain.state_at(chain.head().number()).ok();
    for (i, (address, key)) in dev_accounts().into_iter().enumerate() {
        let balance = state
            .as_ref()
            .and_then(|s| s.account(&address).ok().flatten())
            .map(|a| a.balance)
            .unwrap_or_default();
        println!(
            "  ({i}) {address} {} BERA  key {key}",
            format_ether(balance)
        );
    }
    println!();
    println!("Dev chain contracts");
    println!(
        "  CREATE2 deployer   {}  (forge's new C{{salt: s}}())",
        berapool_chainspec::CREATE2_DEPLOYER
    );
    println!(
        "  Multicall3         {}  (viem's multicall, readContracts)",
        berapool_chainspec::MULTICALL3
    );
    println!();
    println!("Roles on the dev chain");
    println!("  governance   (0)  owns the factory and every pool; admin of the vault, the oracle and each pool's roles");
    println!("  incentives   (8)  the built-in incentive bot's key (no role)");
    println!(
        "  feeder       (9)  FEEDER_ROLE on the accounting oracle (the built-in feeder's key)"
    );
    println!("  validator admin   whoever a registration names (deployStakingPoolContracts' validatorAdmin)");
    println!();
}
