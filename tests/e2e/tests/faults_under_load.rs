//! Faults under load: clients keep sending transfers while the node is fed a corpus of hostile
//! input (and, in the long ignored test, killed with SIGKILL twenty times). Every bad request
//! gets an error, blocks keep coming, and nothing that had a receipt is ever lost.
//!
//! The long run: `cargo test -p berapool-e2e --test faults_under_load -- --ignored --nocapture`.

#![allow(clippy::unwrap_used)]

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use alloy_consensus::{transaction::Recovered, TxEip1559};
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use berapool_chainspec::{dev_accounts, ChainSpec};
use berapool_e2e::{quantity, DevNode, Wallet, DEV_CHAIN_ID};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use serde_json::{json, Value};

/// Dev account `i`'s key, as hex.
fn dev_key(i: usize) -> String {
    dev_accounts()[i].1.to_string()
}

fn client(url: &str) -> HttpClient {
    HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(10))
        .build(url)
        .unwrap()
}

/// What a load client sends, again and again.
#[derive(Clone, Debug)]
struct Work {
    to: Address,
    value: U256,
    input: Vec<u8>,
    gas: u64,
}

impl Work {
    /// A transfer of 1 wei.
    fn transfer() -> Self {
        Self {
            to: Address::repeat_byte(0x77),
            value: U256::from(1),
            input: Vec::new(),
            gas: 21_000,
        }
    }
}

/// One load client: `work`, each transaction waited for, until `stop` or until the node stops
/// answering. Returns every (hash, receipt) it saw.
async fn client_loop(
    url: String,
    key: String,
    work: Work,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
) -> Vec<(B256, Value)> {
    let rpc = client(&url);
    let mut wallet = Wallet::new(&key).unwrap();
    let mut seen = Vec::new();
    let address = wallet.address();
    let Ok(nonce) = rpc
        .request::<Value, _>("eth_getTransactionCount", rpc_params![address, "pending"])
        .await
    else {
        return seen;
    };
    wallet.nonce = quantity(&nonce).unwrap().to();
    while !stop.load(Ordering::Relaxed) {
        let raw = wallet
            .call(work.to, work.value, work.input.clone(), work.gas)
            .unwrap();
        let Ok(hash) = rpc
            .request::<B256, _>("eth_sendRawTransaction", rpc_params![raw])
            .await
        else {
            return seen;
        };
        answered.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let Ok(receipt) = rpc
                .request::<Value, _>("eth_getTransactionReceipt", rpc_params![hash])
                .await
            else {
                return seen;
            };
            answered.fetch_add(1, Ordering::Relaxed);
            if !receipt.is_null() {
                seen.push((hash, receipt));
                break;
            }
            if Instant::now() > deadline || stop.load(Ordering::Relaxed) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    seen
}

/// Load clients plus a watcher of block arrivals.
struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
    clients: Vec<tokio::task::JoinHandle<Vec<(B256, Value)>>>,
    watcher: tokio::task::JoinHandle<Vec<(u64, Instant)>>,
    started: Instant,
}

impl Load {
    fn start(url: &str, clients: &[(String, Work)]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicU64::new(0));
        let clients = clients
            .iter()
            .map(|(key, work)| {
                tokio::spawn(client_loop(
                    url.to_owned(),
                    key.clone(),
                    work.clone(),
                    stop.clone(),
                    answered.clone(),
                ))
            })
            .collect();
        let (rpc, watch_stop) = (client(url), stop.clone());
        let watcher = tokio::spawn(async move {
            let mut heads = Vec::new();
            while !watch_stop.load(Ordering::Relaxed) {
                if let Ok(n) = rpc
                    .request::<Value, _>("eth_blockNumber", rpc_params![])
                    .await
                {
                    let n: u64 = quantity(&n).unwrap().to();
                    if heads.last().is_none_or(|(last, _)| n > *last) {
                        heads.push((n, Instant::now()));
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            heads
        });
        Self {
            stop,
            answered,
            clients,
            watcher,
            started: Instant::now(),
        }
    }

    /// Stops everything; the receipts seen, and a line of figures.
    async fn finish(self) -> (Vec<(B256, Value)>, String, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let mut receipts = Vec::new();
        for c in self.clients {
            receipts.extend(c.await.unwrap());
        }
        let heads = self.watcher.await.unwrap();
        let secs = self.started.elapsed().as_secs_f64();
        let gaps: Vec<f64> = heads
            .windows(2)
            .map(|w| (w[1].1 - w[0].1).as_secs_f64() * 1_000.0)
            .collect();
        let blocks = heads.last().map_or(0, |l| l.0) - heads.first().map_or(0, |f| f.0);
        let worst = gaps.iter().copied().fold(0.0, f64::max);
        let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
        let line = format!(
            "{} load requests answered in {secs:.1} s ({:.0}/s), {} transactions mined, {blocks} blocks, block gap mean {mean:.0} ms, worst {worst:.0} ms",
            self.answered.load(Ordering::Relaxed),
            self.answered.load(Ordering::Relaxed) as f64 / secs,
            receipts.len(),
        );
        (receipts, line, blocks)
    }
}

/// Writes `request` (raw bytes) to the node's JSON-RPC port; returns the status and body.
fn raw_post(url: &str, body: &[u8]) -> (u16, String) {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) and close before it read a huge body.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

/// Whether an HTTP answer is a refusal: a 4xx, or JSON-RPC error objects only.
fn is_refusal(status: u16, body: &str) -> bool {
    if (400..500).contains(&status) {
        return true;
    }
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        // Chunked answers: the JSON sits between chunk sizes.
        return body.contains("\"error\"");
    };
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(|i| i.get("error").is_some()),
        other => other.get("error").is_some(),
    }
}

/// Every method the public port serves, and whether it takes parameters (`anvil_mine` and
/// `evm_mine` take only optional ones, so by-name parameters they do not know mean none).
const METHODS: &[(&str, bool)] = &[
    ("eth_chainId", false),
    ("eth_syncing", false),
    ("eth_accounts", false),
    ("eth_blockNumber", false),
    ("eth_gasPrice", false),
    ("eth_maxPriorityFeePerGas", false),
    ("eth_getBalance", true),
    ("eth_getTransactionCount", true),
    ("eth_getCode", true),
    ("eth_getStorageAt", true),
    ("eth_sendRawTransaction", true),
    ("eth_getBlockByNumber", true),
    ("eth_getBlockByHash", true),
    ("eth_getTransactionByHash", true),
    ("eth_getTransactionReceipt", true),
    ("eth_getBlockReceipts", true),
    ("eth_call", true),
    ("eth_estimateGas", true),
    ("eth_getProof", true),
    ("eth_getLogs", true),
    ("eth_feeHistory", true),
    ("eth_createAccessList", true),
    ("debug_traceTransaction", true),
    ("debug_traceBlockByNumber", true),
    ("debug_traceBlockByHash", true),
    ("debug_traceCall", true),
    ("trace_transaction", true),
    ("trace_block", true),
    ("eth_blobBaseFee", false),
    ("eth_newFilter", true),
    ("eth_newBlockFilter", false),
    ("eth_newPendingTransactionFilter", false),
    ("eth_getFilterChanges", true),
    ("eth_getFilterLogs", true),
    ("eth_uninstallFilter", true),
    ("eth_sendTransaction", true),
    ("eth_signTransaction", true),
    ("eth_sign", true),
    ("eth_signTypedData_v4", true),
    ("personal_sign", true),
    ("net_version", false),
    ("net_listening", false),
    ("net_peerCount", false),
    ("web3_clientVersion", false),
    ("web3_sha3", true),
    ("txpool_status", false),
    ("txpool_content", false),
    ("txpool_inspect", false),
    ("anvil_mine", true),
    ("evm_mine", true),
    ("evm_increaseTime", true),
    ("evm_setAutomine", true),
    ("anvil_getAutomine", false),
    ("hardhat_getAutomine", false),
    ("evm_setIntervalMining", true),
    ("anvil_setBalance", true),
    ("hardhat_setBalance", true),
    ("anvil_addBalance", true),
    ("anvil_setCode", true),
    ("anvil_setNonce", true),
    ("anvil_setStorageAt", true),
    ("anvil_impersonateAccount", true),
    ("anvil_stopImpersonatingAccount", true),
    ("anvil_autoImpersonateAccount", true),
    ("evm_snapshot", false),
    ("evm_revert", true),
    ("anvil_dropTransaction", true),
    ("evm_setNextBlockTimestamp", true),
    ("evm_setBlockGasLimit", true),
    ("anvil_setCoinbase", true),
    ("anvil_nodeInfo", false),
    // Not here: `anvil_reset` and `anvil_dropAllTransactions`, which do what they are asked
    // with no parameters and would undo the load running alongside.
];

/// Signed transactions, each with one field no node may accept.
fn bad_transactions(wallet: &mut Wallet) -> Vec<(&'static str, Bytes)> {
    let base = TxEip1559 {
        chain_id: DEV_CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x55)),
        value: U256::from(1),
        input: Bytes::new(),
        access_list: Default::default(),
    };
    let mut signed = |label, tx: TxEip1559, nonce: u64| {
        wallet.nonce = nonce;
        (label, wallet.sign(tx).unwrap())
    };
    let mut out = vec![
        (
            "another chain",
            TxEip1559 {
                chain_id: 1,
                ..base.clone()
            },
            1,
        ),
        ("a used nonce", base.clone(), 0),
        ("a nonce 1,000 ahead", base.clone(), 1_000),
        (
            "gas below the intrinsic cost",
            TxEip1559 {
                gas_limit: 20_999,
                ..base.clone()
            },
            1,
        ),
        (
            "gas above the block gas limit",
            TxEip1559 {
                gas_limit: 40_000_000,
                ..base.clone()
            },
            1,
        ),
        (
            "a fee cap below the base fee",
            TxEip1559 {
                max_fee_per_gas: 1,
                max_priority_fee_per_gas: 0,
                ..base.clone()
            },
            1,
        ),
        (
            "a tip above the fee cap",
            TxEip1559 {
                max_fee_per_gas: 2_000_000_000,
                max_priority_fee_per_gas: 3_000_000_000,
                ..base.clone()
            },
            1,
        ),
        (
            "more value than the balance",
            TxEip1559 {
                value: U256::from(10u128.pow(30)),
                ..base.clone()
            },
            1,
        ),
        (
            "a 200 KB input",
            TxEip1559 {
                gas_limit: 29_000_000,
                input: vec![1u8; 200 * 1024].into(),
                ..base.clone()
            },
            1,
        ),
        (
            "init code over 49,152 bytes",
            TxEip1559 {
                gas_limit: 29_000_000,
                to: TxKind::Create,
                input: vec![0u8; 50_000].into(),
                ..base.clone()
            },
            1,
        ),
    ]
    .into_iter()
    .map(|(label, tx, nonce)| signed(label, tx, nonce))
    .collect::<Vec<_>>();
    let good = {
        wallet.nonce = 1;
        wallet.sign(base.clone()).unwrap()
    };
    let mut zero_signature = good.to_vec();
    let len = zero_signature.len();
    // The last 64 bytes are r and s: zeroed, no key signed it.
    zero_signature[len - 64..].fill(0);
    let mut truncated = good.to_vec();
    truncated.truncate(len / 2);
    let mut unknown_type = good.to_vec();
    unknown_type[0] = 0x7f;
    let mut blob_type = good.to_vec();
    blob_type[0] = 0x03;
    out.extend([
        ("a zero signature", Bytes::from(zero_signature)),
        ("truncated RLP", Bytes::from(truncated)),
        ("an unknown type byte", Bytes::from(unknown_type)),
        ("a blob-type prefix on a 1559 body", Bytes::from(blob_type)),
        ("no bytes at all", Bytes::new()),
    ]);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_input_corpus_under_load_gets_errors_and_blocks_keep_coming() {
    let node = DevNode::start(&["--dev.slot-time", "200ms"]).unwrap();
    let clients: Vec<(String, Work)> = (2..6).map(|i| (dev_key(i), Work::transfer())).collect();
    let load = Load::start(&node.url, &clients);
    let url = node.url.clone();
    let corpus_started = Instant::now();
    let mut refused = 0usize;

    // Slow clients: twenty connections trickling a request head, one byte every 100 ms.
    let trickle_stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let (host, stop) = (
            url.trim_start_matches("http://").to_owned(),
            trickle_stop.clone(),
        );
        std::thread::spawn(move || {
            let mut streams: Vec<TcpStream> = (0..20)
                .filter_map(|_| TcpStream::connect(&host).ok())
                .collect();
            let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n{";
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                for s in &mut streams {
                    let _ = s.write_all(&head[i % head.len()..i % head.len() + 1]);
                }
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    // Malformed bodies, deep nesting, invalid UTF-8, oversized bodies and batches.
    let deep_array = "[".repeat(100_000);
    let deep_params = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{}1{}]}}"#,
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x{}"]}}"#,
        "ab".repeat(3 * 1024 * 1024)
    );
    let big_batch = format!(
        "[{}]",
        vec![r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#; 101].join(",")
    );
    let mut bodies: Vec<(&str, Vec<u8>)> = vec![
        ("an empty body", Vec::new()),
        (
            "half an object",
            br#"{"jsonrpc":"2.0","id":1,"method":"#.to_vec(),
        ),
        ("not JSON", b"hello there".to_vec()),
        ("a number", b"42".to_vec()),
        ("an empty batch", b"[]".to_vec()),
        ("no method", br#"{"jsonrpc":"2.0","id":1}"#.to_vec()),
        (
            "a numeric method",
            br#"{"jsonrpc":"2.0","id":1,"method":7}"#.to_vec(),
        ),
        ("100,000 nested arrays", deep_array.into_bytes()),
        ("10,000 nested objects in params", deep_params.into_bytes()),
        ("a 6 MiB body", huge.into_bytes()),
        ("a batch of 101", big_batch.into_bytes()),
    ];
    let mut invalid_utf8 = br#"{"jsonrpc":"2.0","id":1,"method":"eth_"#.to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    invalid_utf8.extend_from_slice(br#"","params":[]}"#);
    bodies.push(("invalid UTF-8", invalid_utf8));
    // Ten rounds of everything, so the load runs alongside for a while.
    for _ in 0..10 {
        for (label, body) in &bodies {
            let (status, answer) = {
                let (url, body) = (url.clone(), body.clone());
                tokio::task::spawn_blocking(move || raw_post(&url, &body))
                    .await
                    .unwrap()
            };
            assert!(
                is_refusal(status, &answer),
                "{label}: {status} {}",
                &answer[..answer.len().min(300)]
            );
            refused += 1;
        }
        // The largest batch allowed is answered in full.
        let batch = format!(
            "[{}]",
            vec![r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#; 100].join(",")
        );
        let (status, answer) = raw_post(&url, batch.as_bytes());
        assert_eq!(status, 200);
        let answers: Vec<Value> = serde_json::from_str(&answer).unwrap();
        assert!(answers.iter().all(|a| a.get("result").is_some()));

        // Wrong types for every method's parameters.
        // Objects with known fields of the wrong type (unknown fields are ignored, as geth does).
        let shapes = [
            json!([{"to": 5, "from": "zz", "fromBlock": true, "address": 7, "blockHash": 1}]),
            json!(["zz"]),
            json!([-1]),
            json!([[[]]]),
            json!([1.5]),
            json!({"named": 1}),
            json!(["0xzz", "0xzz", "0xzz", "0xzz"]),
        ];
        let mut wrong_types = 0;
        for (method, takes_params) in METHODS {
            for params in &shapes {
                let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
                let (status, answer) = raw_post(&url, body.to_string().as_bytes());
                let answer: Value = serde_json::from_str(&answer)
                    .unwrap_or_else(|_| panic!("{method} {params}: {status} {answer}"));
                let error = answer.get("error");
                assert_ne!(
                    answer["error"]["code"],
                    json!(-32601),
                    "{method} is not served"
                );
                assert_ne!(
                    answer["error"]["code"],
                    json!(-32603),
                    "{method} {params}: an internal error"
                );
                let optional_only =
                    ["anvil_mine", "evm_mine"].contains(method) && params.is_object();
                if *takes_params && !optional_only {
                    assert!(error.is_some(), "{method} {params} was accepted: {answer}");
                    wrong_types += 1;
                }
            }
        }
        refused += wrong_types;
    }

    // Signed transactions with one bad field each; none is kept or mined.
    let mut sender = Wallet::new(&dev_key(7)).unwrap();
    let first = sender
        .call(
            Address::repeat_byte(0x55),
            U256::from(1),
            Vec::new(),
            21_000,
        )
        .unwrap();
    node.send_and_wait(first).await.unwrap();
    for (label, raw) in bad_transactions(&mut sender) {
        let answer = node.rpc("eth_sendRawTransaction", vec![json!(raw)]).await;
        assert!(answer.is_err(), "{label} was accepted: {answer:?}");
        refused += 1;
    }
    let corpus_secs = corpus_started.elapsed().as_secs_f64();
    trickle_stop.store(true, Ordering::Relaxed);
    trickle.join().unwrap();
    // Let the load run a little past the corpus, then stop it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (receipts, line, blocks) = load.finish().await;
    println!(
        "hostile corpus: {refused} bad requests refused in {corpus_secs:.1} s ({:.0}/s), 20 slow clients; load meanwhile: {line}",
        refused as f64 / corpus_secs
    );
    let status = node
        .rpc(
            "eth_getTransactionCount",
            vec![json!(sender.address()), json!("pending")],
        )
        .await
        .unwrap();
    assert_eq!(status, json!("0x1"), "only the good transaction counts");
    assert!(!receipts.is_empty(), "the load clients got nothing mined");
    assert!(
        blocks as f64 >= corpus_secs / 0.2 / 4.0,
        "only {blocks} blocks of 200 ms slots in {corpus_secs:.1} s"
    );
}

/// SIGKILL twenty times while eight clients send transfers and deposits into a live pool
/// (the built-in feeder reporting all along): after each restart every receipt a client saw is
/// there unchanged, the clients carry on, and at the end a fresh chain that re-executes every
/// stored block from genesis reaches the same head and state root.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "long: twenty crashes under load"]
async fn twenty_kills_under_load_lose_nothing() {
    use alloy_sol_types::SolCall;
    use berapool_pool_precompiles::{
        abi::IStakingPool,
        pool_state::{addresses::FACTORY, PoolId},
    };
    let temp = tempfile::tempdir().unwrap();
    let datadir = temp.path().join("data");
    let flags = [
        "--dev.slot-time",
        "300ms",
        "--dev.slots-per-epoch",
        "4",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "500ms",
    ];
    let bera = |n: u64| U256::from(n) * U256::from(10u64).pow(U256::from(18u64));
    // A pool to deposit into, registered and activated before the first crash.
    let pubkey = [0x5au8; 48];
    let pool = PoolId::from_pubkey(&pubkey.into()).addresses().staking_pool;
    {
        let node = DevNode::start_in(&datadir, &flags).unwrap();
        let mut operator = Wallet::new(&dev_key(1)).unwrap();
        let registration = berapool_e2e::pool_registration(pubkey, operator.address());
        let raw = operator
            .call(FACTORY, bera(10_000), registration, 1_000_000)
            .unwrap();
        let receipt = node.send_and_wait(raw).await.unwrap();
        assert_eq!(receipt["status"], json!("0x1"));
        let deadline = Instant::now() + Duration::from_secs(120);
        while node
            .view(pool, IStakingPool::isActiveCall {}.abi_encode())
            .await
            .unwrap()
            .last()
            != Some(&1)
        {
            assert!(Instant::now() < deadline, "the pool was not activated");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let clients: Vec<(String, Work)> = (2..10)
        .map(|i| {
            let work = if i % 2 == 0 {
                Work::transfer()
            } else {
                let receiver = dev_accounts()[i].0;
                Work {
                    to: pool,
                    value: bera(1),
                    input: IStakingPool::submitCall { receiver }.abi_encode(),
                    gas: 300_000,
                }
            };
            (dev_key(i), work)
        })
        .collect();
    let mut all: Vec<(B256, Value)> = Vec::new();
    for round in 0..20u64 {
        let node = DevNode::start_in(&datadir, &flags).unwrap();
        // Every receipt seen before a crash is there, the same.
        for (hash, receipt) in &all {
            let now = node
                .rpc("eth_getTransactionReceipt", vec![json!(hash)])
                .await
                .unwrap();
            assert_eq!(&now, receipt, "round {round}: receipt of {hash}");
        }
        let load = Load::start(&node.url, &clients);
        tokio::time::sleep(Duration::from_millis(1_000 + 173 * round)).await;
        // SIGKILL: no shutdown path runs.
        drop(node);
        let (receipts, line, _) = load.finish().await;
        println!("round {round}: {line}");
        all.extend(receipts);
    }
    assert!(
        all.len() > 100,
        "only {} transactions in 20 rounds",
        all.len()
    );
    let deposits = all.iter().filter(|(_, r)| r["to"] == json!(pool)).count();
    assert!(deposits > 0, "no deposit was mined");
    assert!(
        all.iter().all(|(_, r)| r["status"] == json!("0x1")),
        "a load transaction failed"
    );

    // Re-execute everything the datadir holds from genesis, as newPayload would.
    let spec = ChainSpec::dev().unwrap();
    let store = berapool_storage::ChainStore::open(&datadir, &spec).unwrap();
    let head = store.head_number().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let mut replay = berapool_engine::Blockchain::open(fresh.path(), spec).unwrap();
    for n in 1..=head {
        let block = store.block(n).unwrap().unwrap();
        let requests = store.requests(n).unwrap().unwrap_or_default();
        let transactions = block
            .transactions
            .iter()
            .zip(&block.senders)
            .map(|(tx, sender)| Recovered::new_unchecked(tx.clone(), *sender))
            .collect();
        let sealed = replay
            .validate(
                &block.header,
                transactions,
                block.withdrawals.clone(),
                &requests,
                block.state_edits.clone(),
                block.parent_proposer_pubkey,
            )
            .unwrap_or_else(|e| panic!("block {n} does not re-execute: {e}"));
        assert_eq!(Some(sealed.hash), store.block_hash(n).unwrap());
        replay.commit(sealed).unwrap();
    }
    let stored_root = store.header(head).unwrap().unwrap().state_root;
    assert_eq!(replay.head().header.state_root, stored_root);
    println!(
        "20 kills: {} receipts kept ({deposits} pool deposits), head {head} re-executed from genesis to state root {stored_root}",
        all.len()
    );
}
