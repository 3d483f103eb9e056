//! Black-box tests that start the real `berapool-node` binary and talk JSON-RPC to it.
//!
//! [`DevNode`] runs the binary in dev mode on a fresh datadir and a free port; [`Wallet`] signs
//! transactions the way a wallet does. The binary is the one `cargo test` builds next to the
//! test executables (`BERAPOOL_NODE_BIN` overrides it).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::{
    core::{client::ClientT, params::ArrayParams, ClientError},
    http_client::{HttpClient, HttpClientBuilder},
};
use serde_json::Value;

/// Why a test step failed.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Chain id of the dev chain.
pub const DEV_CHAIN_ID: u64 = 80087;

/// First funded dev account's key (test mnemonic, index 0).
pub const DEV_KEY_0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Second funded dev account's key (test mnemonic, index 1).
pub const DEV_KEY_1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The `berapool-node` executable under test.
pub fn node_binary() -> Result<PathBuf, Error> {
    if let Ok(path) = std::env::var("BERAPOOL_NODE_BIN") {
        return Ok(PathBuf::from(path));
    }
    // Test executables live in `<target>/<profile>/deps`; binaries one level up.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("test executable has no profile directory")?;
    let bin = profile_dir.join(format!("berapool-node{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build -p berapool-node` or set BERAPOOL_NODE_BIN",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

/// The directory of the pinned JavaScript clients' executables (`cast`), installed on first use
/// by `tests/e2e/tools/install.sh` into a cache outside the checkout; the clients' scripts
/// (`*.mjs`) are two levels up, beside `node_modules`.
pub fn tools_bin() -> Result<PathBuf, Error> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/install.sh");
    let out = Command::new("bash")
        .arg(script)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err("installing the e2e tools (tests/e2e/tools/install.sh) failed".into());
    }
    Ok(PathBuf::from(String::from_utf8(out.stdout)?.trim()))
}

/// What the node's start-up banner says.
#[derive(Debug, Default)]
struct Banner {
    url: Option<String>,
    ws_url: Option<String>,
    auth_url: Option<String>,
    jwt_secret: Option<PathBuf>,
    metrics_url: Option<String>,
    beacon_url: Option<String>,
}

/// A running dev node.
#[derive(Debug)]
pub struct DevNode {
    child: Child,
    /// Its JSON-RPC URL (HTTP, or WebSocket when only that is served).
    pub url: String,
    /// Its WebSocket URL, if WebSocket is served.
    pub ws_url: Option<String>,
    /// Its Engine API URL.
    pub auth_url: Option<String>,
    /// The file with its JWT secret.
    pub jwt_secret: Option<PathBuf>,
    /// Its Prometheus metrics URL, if served.
    pub metrics_url: Option<String>,
    /// The dev consensus layer's API (`http://host:port`), in dev mode.
    pub beacon_url: Option<String>,
    /// Its datadir (kept across restarts).
    pub datadir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    client: HttpClient,
}

impl DevNode {
    /// Starts a dev node on a fresh datadir with `extra` arguments. Unless `extra` says
    /// otherwise, blocks come only for transactions (no slot timer) and the oracle feeder is
    /// off, so tests count blocks and nonces exactly.
    pub fn start(extra: &[&str]) -> Result<Self, Error> {
        Self::start_fresh(&dev_args(extra))
    }

    /// Starts a node (dev mode only if `args` say `--dev`) on a fresh datadir.
    pub fn start_fresh(args: &[&str]) -> Result<Self, Error> {
        let temp = tempfile::tempdir()?;
        let datadir = temp.path().join("data");
        let mut node = Self::spawn(&datadir, args, true)?;
        node._temp = Some(temp);
        Ok(node)
    }

    /// Starts a dev node on a fresh datadir on the default ports (JSON-RPC 8545, Engine API
    /// 8551, proof API 3500), as the docs' commands expect.
    pub fn start_on_default_ports(extra: &[&str]) -> Result<Self, Error> {
        let temp = tempfile::tempdir()?;
        let datadir = temp.path().join("data");
        let mut node = Self::spawn(&datadir, &dev_args(extra), false)?;
        node._temp = Some(temp);
        Ok(node)
    }

    /// Starts a dev node on `datadir` (which may hold a chain already).
    pub fn start_in(datadir: &Path, extra: &[&str]) -> Result<Self, Error> {
        Self::spawn(datadir, &dev_args(extra), true)
    }

    /// Spawns the node; `free_ports` lets the system pick every port.
    fn spawn(datadir: &Path, args: &[&str], free_ports: bool) -> Result<Self, Error> {
        let datadir_arg = datadir.to_str().ok_or("datadir is not UTF-8")?;
        let ports: &[&str] = if free_ports {
            &[
                "--http.port",
                "0",
                "--authrpc.port",
                "0",
                "--dev.beacon-api",
                "127.0.0.1:0",
            ]
        } else {
            &[]
        };
        let mut child = Command::new(node_binary()?)
            .arg("node")
            .args(ports)
            .args(["--datadir", datadir_arg])
            .args(args)
            // `E2E_NODE_LOG` sets the node's log filter when debugging a test.
            .env(
                "RUST_LOG",
                std::env::var("E2E_NODE_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        // The banner names the JSON-RPC URL, the Engine API URL with the JWT secret file, the
        // metrics URL if any, how blocks are made, the dev consensus layer, then the pool
        // system.
        std::thread::spawn(move || {
            let mut banner = Banner::default();
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The node logs to stdout; what is not banner goes on to the test's stderr.
                if sent {
                    eprintln!("{line}");
                    continue;
                }
                let line = line.trim();
                let words: Vec<&str> = line.split_whitespace().collect();
                if line.starts_with("JSON-RPC") {
                    banner.url = words.get(1).map(|w| w.to_string());
                    banner.ws_url = words
                        .iter()
                        .find(|w| w.starts_with("ws://"))
                        .map(|w| w.to_string());
                } else if line.starts_with("Engine API") {
                    banner.auth_url = words.get(2).map(|w| w.to_string());
                    banner.jwt_secret =
                        words.last().map(|w| PathBuf::from(w.trim_end_matches(')')));
                } else if line.starts_with("metrics") {
                    banner.metrics_url = words.get(1).map(|w| w.to_string());
                } else if line.starts_with("proof API") {
                    banner.beacon_url = words
                        .get(2)
                        .map(|w| w.trim_end_matches("/bkit/v1/proof/").to_string());
                } else if line.starts_with("Pool system") && !sent {
                    sent = true;
                    let _ = tx.send(std::mem::take(&mut banner));
                }
            }
        });
        let banner = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(banner) if banner.url.is_some() => banner,
            _ => {
                let _ = child.kill();
                return Err("the node did not print its JSON-RPC address within 60 s".into());
            }
        };
        let url = banner.url.unwrap_or_default();
        let ws_url = banner.ws_url;
        let (auth_url, jwt_secret, metrics_url, beacon_url) = (
            banner.auth_url,
            banner.jwt_secret,
            banner.metrics_url,
            banner.beacon_url,
        );
        let client = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(30))
            .build(&url)?;
        Ok(Self {
            child,
            url,
            ws_url,
            auth_url,
            jwt_secret,
            metrics_url,
            beacon_url,
            datadir: datadir.to_path_buf(),
            _temp: None,
            client,
        })
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Calls `method` with `params`.
    pub async fn rpc(&self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        let mut array = ArrayParams::new();
        for p in params {
            array
                .insert(p)
                .map_err(|e| ClientError::Custom(e.to_string()))?;
        }
        self.client.request(method, array).await
    }

    /// Posts a raw HTTP body and returns the JSON-RPC response (for malformed requests).
    pub fn post_raw(&self, body: &str) -> Result<Value, Error> {
        let (_, json) = post(&self.url, body, None)?;
        Ok(serde_json::from_str(&json)?)
    }

    /// Sends a signed transaction and waits for its receipt.
    pub async fn send_and_wait(&self, raw: Bytes) -> Result<Value, Error> {
        let hash = self
            .rpc("eth_sendRawTransaction", vec![serde_json::to_value(&raw)?])
            .await?;
        self.receipt(serde_json::from_value(hash)?).await
    }

    /// The balance of `address` at the head.
    pub async fn balance(&self, address: Address) -> Result<U256, Error> {
        let balance = self
            .rpc(
                "eth_getBalance",
                vec![serde_json::to_value(address)?, "latest".into()],
            )
            .await?;
        quantity(&balance)
    }

    /// `eth_call` at the head: the returned bytes.
    pub async fn view(&self, to: Address, data: Vec<u8>) -> Result<Bytes, Error> {
        let request = serde_json::json!({"to": to, "data": Bytes::from(data)});
        let out = self.rpc("eth_call", vec![request, "latest".into()]).await?;
        Ok(serde_json::from_value(out)?)
    }

    /// `eth_call` at block `number`: the returned bytes.
    pub async fn view_at(&self, to: Address, data: Vec<u8>, number: u64) -> Result<Bytes, Error> {
        let request = serde_json::json!({"to": to, "data": Bytes::from(data)});
        let block = format!("{number:#x}");
        let out = self.rpc("eth_call", vec![request, block.into()]).await?;
        Ok(serde_json::from_value(out)?)
    }

    /// The balance of `address` at block `number`.
    pub async fn balance_at(&self, address: Address, number: u64) -> Result<U256, Error> {
        let block = format!("{number:#x}");
        let balance = self
            .rpc(
                "eth_getBalance",
                vec![serde_json::to_value(address)?, block.into()],
            )
            .await?;
        quantity(&balance)
    }

    /// The revert data of an `eth_call` from `from` to `to` with `value` and `data` (2M gas)
    /// at the head, as the node's `0x…` hex; empty if the call succeeds.
    pub fn revert_data(
        &self,
        from: Address,
        to: Address,
        value: U256,
        data: Vec<u8>,
    ) -> Result<String, Error> {
        let body = serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "eth_call",
            "params": [{"from": from, "to": to, "value": value, "data": Bytes::from(data),
                "gas": "0x1e8480"}, "latest"],
        });
        let out = self.post_raw(&body.to_string())?;
        Ok(match out.get("error") {
            Some(error) => error["data"].as_str().unwrap_or_default().to_string(),
            None => String::new(),
        })
    }

    /// geth's `callTracer` frame tree of transaction `hash` (a JSON hash), with each frame's
    /// logs.
    pub async fn call_trace(&self, hash: &Value) -> Result<Value, ClientError> {
        let tracer = serde_json::json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}});
        self.rpc("debug_traceTransaction", vec![hash.clone(), tracer])
            .await
    }

    /// `GET` on the dev consensus layer's API (`path` like `/eth/v1/beacon/…`), as JSON.
    pub fn beacon(&self, path: &str) -> Result<Value, Error> {
        let base = self
            .beacon_url
            .as_deref()
            .ok_or("the node serves no beacon API")?;
        Ok(serde_json::from_str(&get(&format!("{base}{path}"))?)?)
    }

    /// Waits for the receipt of `hash` (blocks are produced as transactions arrive).
    pub async fn receipt(&self, hash: B256) -> Result<Value, Error> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let receipt = self
                .rpc("eth_getTransactionReceipt", vec![hash.to_string().into()])
                .await?;
            if !receipt.is_null() {
                return Ok(receipt);
            }
            if Instant::now() > deadline {
                return Err(format!("no receipt for {hash} within 30 s").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the node with SIGTERM (as a service manager does) and waits for it to exit. The
    /// temporary directory holding a fresh node's datadir is handed back, so it can restart.
    pub fn stop(mut self) -> Result<(std::process::ExitStatus, Option<tempfile::TempDir>), Error> {
        let temp = self._temp.take();
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok((status, temp));
            }
            if Instant::now() > deadline {
                return Err("the node did not exit within 30 s of SIGTERM".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--dev` and `extra`, with the deterministic defaults of [`DevNode::start`] where `extra`
/// does not set them.
fn dev_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--dev"];
    let sets = |flag: &str| {
        extra
            .iter()
            .any(|a| *a == flag || a.starts_with(&format!("{flag}=")))
    };
    if !sets("--dev.slot-time") {
        args.extend(["--dev.slot-time", "off"]);
    }
    if !sets("--dev.oracle") {
        args.extend(["--dev.oracle", "false"]);
    }
    args.extend_from_slice(extra);
    args
}

/// A key that signs EIP-1559 transactions for the dev chain.
#[derive(Debug)]
pub struct Wallet {
    signer: PrivateKeySigner,
    /// Next nonce to use.
    pub nonce: u64,
}

impl Wallet {
    /// The wallet of hex `key`.
    pub fn new(key: &str) -> Result<Self, Error> {
        Ok(Self {
            signer: key.parse()?,
            nonce: 0,
        })
    }

    /// Its address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Its key, as hex.
    pub fn key_hex(&self) -> String {
        self.signer.to_bytes().to_string()
    }

    /// Signs a transaction with the next nonce; returns the raw bytes.
    pub fn sign(&mut self, tx: TxEip1559) -> Result<Bytes, Error> {
        let tx = TxEip1559 {
            nonce: self.nonce,
            ..tx
        };
        let signature = self.signer.sign_hash_sync(&tx.signature_hash())?;
        self.nonce += 1;
        Ok(TxEnvelope::Eip1559(tx.into_signed(signature))
            .encoded_2718()
            .into())
    }

    /// A call to `to` with `value` and `input`, priced at 10 gwei with a 1 gwei tip.
    pub fn call(
        &mut self,
        to: Address,
        value: U256,
        input: Vec<u8>,
        gas_limit: u64,
    ) -> Result<Bytes, Error> {
        self.sign(TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            nonce: 0,
            gas_limit,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value,
            input: input.into(),
            access_list: Default::default(),
        })
    }
}

/// Calldata of `deployStakingPoolContracts` for `pubkey` with the withdrawal vault's
/// credentials, `owner` as validator admin and shares recipient (the devnet checks no
/// signature).
pub fn pool_registration(pubkey: [u8; 48], owner: Address) -> Vec<u8> {
    use alloy_sol_types::SolCall;
    use berapool_pool_precompiles::{
        abi::IStakingPoolContractsFactory as F, pool_state::addresses::pool_withdrawal_credentials,
    };
    F::deployStakingPoolContractsCall {
        pubkey: Bytes::copy_from_slice(&pubkey),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0x22; 96]),
        validatorAdmin: owner,
        defaultSharesRecipient: owner,
    }
    .abi_encode()
}

/// What the pinned solc makes of `contract` in `source` (`tests/e2e/tools/compile-solidity.mjs`):
/// its runtime bytecode, or with `creation` its creation bytecode.
pub fn compile_solidity(source: &Path, contract: &str, creation: bool) -> Result<Bytes, Error> {
    let bin = tools_bin()?;
    let mut command = Command::new("node");
    command
        .arg(bin.join("../../compile-solidity.mjs"))
        .arg(source)
        .arg(contract);
    if creation {
        command.arg("--creation");
    }
    let out = command.output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

/// Deploys `contract` from `tests/e2e/contracts/<file>`, compiled by the pinned solc, from
/// `wallet` (3M gas at 10 gwei); its address once the deployment is mined and succeeded.
pub async fn deploy_solidity(
    node: &DevNode,
    wallet: &mut Wallet,
    file: &str,
    contract: &str,
) -> Result<Address, Error> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contracts")
        .join(file);
    let raw = wallet.sign(TxEip1559 {
        chain_id: DEV_CHAIN_ID,
        gas_limit: 3_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Create,
        input: compile_solidity(&source, contract, true)?,
        ..Default::default()
    })?;
    let receipt = node.send_and_wait(raw).await?;
    if receipt["status"] != "0x1" {
        return Err(format!("deploying {contract}: {receipt}").into());
    }
    Ok(serde_json::from_value(receipt["contractAddress"].clone())?)
}

/// The arguments of a devnet whose pools go live within seconds: 200 ms slots, 8-slot epochs,
/// the built-in feeder every second.
pub const FAST_POOLS: &[&str] = &[
    "--dev.slot-time",
    "200ms",
    "--dev.slots-per-epoch",
    "8",
    "--dev.oracle",
    "true",
    "--dev.oracle-interval",
    "1s",
];

/// [`FAST_POOLS`] with the built-in incentive bot off, for tests that do its chores by hand
/// or run it as a separate process.
pub fn fast_pools_without_bot() -> Vec<&'static str> {
    FAST_POOLS
        .iter()
        .copied()
        .chain(["--dev.incentives", "false"])
        .collect()
}

/// Registers a pool for `pubkey` with 10,000 BERA from `operator` (its validator admin) and
/// waits up to 90 s until the feeder has activated it; returns its StakingPool address.
pub async fn register_active_pool(
    node: &DevNode,
    operator: &mut Wallet,
    pubkey: [u8; 48],
) -> Result<Address, Error> {
    use alloy_sol_types::SolCall;
    use berapool_pool_precompiles::{
        abi::IStakingPool,
        pool_state::{addresses::FACTORY, PoolId},
    };
    let pool = PoolId::from_pubkey(&alloy_primitives::FixedBytes(pubkey))
        .addresses()
        .staking_pool;
    let raw = operator.call(
        FACTORY,
        U256::from(10_000u128 * 1_000_000_000_000_000_000),
        pool_registration(pubkey, operator.address()),
        1_000_000,
    )?;
    let receipt = node.send_and_wait(raw).await?;
    if receipt["status"] != "0x1" {
        return Err(format!("registration failed: {receipt}").into());
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let active = node
            .view(pool, IStakingPool::isActiveCall {}.abi_encode())
            .await?;
        if active.last() == Some(&1) {
            return Ok(pool);
        }
        if Instant::now() > deadline {
            return Err("the pool was not activated within 90 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A hex quantity of a JSON-RPC result as `U256`.
pub fn quantity(value: &Value) -> Result<U256, Error> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("{value} is not a string"))?;
    Ok(text.parse()?)
}

/// Posts `body` to `url` (with an `Authorization: Bearer` token if given); returns the HTTP
/// status and body.
pub fn post(url: &str, body: &str, bearer: Option<&str>) -> Result<(u16, String), Error> {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP body")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no HTTP status")?;
    // Bodies may come chunked: keep what lies between the chunk sizes.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).map_err(|_| "bad chunk size")?;
            if size == 0 || tail.len() < size {
                break;
            }
            out.push_str(&tail[..size]);
            rest = tail[size..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// `GET url` (plain HTTP); returns the body.
pub fn get(url: &str) -> Result<String, Error> {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = TcpStream::connect(host)?;
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (_, body) = response.split_once("\r\n\r\n").ok_or("no HTTP body")?;
    Ok(body.to_owned())
}
