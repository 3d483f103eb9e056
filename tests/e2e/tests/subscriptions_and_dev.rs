//! WebSocket subscriptions deliver heads and logs; the anvil-style dev methods mine and move
//! time, and exist only in dev mode.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, U256};
use berapool_e2e::{pool_registration, DevNode, Wallet, DEV_KEY_0};
use berapool_pool_precompiles::addresses::{BEACON_DEPOSIT, FACTORY};
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::{json, Value};

const ONE_BERA: u128 = 1_000_000_000_000_000_000;

#[tokio::test(flavor = "multi_thread")]
async fn websocket_subscribers_get_each_new_head_and_the_logs_they_filter_for() {
    let node = DevNode::start(&[]).unwrap();
    let ws_url = node.url.replace("http://", "ws://");
    let ws = WsClientBuilder::default().build(&ws_url).await.unwrap();
    let mut heads = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    // Ids are `0x` hex strings, as geth and reth give them (viem tracks only strings).
    match heads.kind() {
        jsonrpsee::core::client::SubscriptionKind::Subscription(
            jsonrpsee::types::SubscriptionId::Str(id),
        ) => assert!(
            id.len() == 34
                && id.starts_with("0x")
                && id[2..].chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        ),
        other => panic!("subscription id {other:?}"),
    }
    let mut logs = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["logs", json!({"address": BEACON_DEPOSIT})],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let unknown = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["pendingBlobs"],
            "eth_unsubscribe",
        )
        .await;
    assert!(unknown.is_err());

    let mut operator = Wallet::new(DEV_KEY_0).unwrap();
    let data = pool_registration([0x21; 48], operator.address());
    let raw = operator
        .call(FACTORY, U256::from(10_000u128 * ONE_BERA), data, 2_000_000)
        .unwrap();
    let hash: Value = ws
        .request("eth_sendRawTransaction", rpc_params![raw])
        .await
        .unwrap();

    let wait = Duration::from_secs(30);
    let head = tokio::time::timeout(wait, heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(head["number"], json!("0x1"));
    // The deposit and the operator update, both from the beacon deposit contract.
    for _ in 0..2 {
        let log = tokio::time::timeout(wait, logs.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(log["transactionHash"], hash);
        assert_eq!(log["address"], json!(BEACON_DEPOSIT));
        assert_eq!(log["blockHash"], head["hash"]);
    }
}

/// The block number and transaction count of the head.
async fn head(node: &DevNode) -> (u64, usize) {
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    let number = u64::from_str_radix(
        block["number"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    (number, block["transactions"].as_array().unwrap().len())
}

#[tokio::test(flavor = "multi_thread")]
async fn mining_modes_switch_as_anvil_s_do() {
    // `--dev.block-time`: interval mining, every pending transaction in the next tick's block.
    let node = DevNode::start(&["--dev.block-time", "400ms"]).unwrap();
    assert_eq!(
        node.rpc("anvil_getAutomine", vec![]).await.unwrap(),
        json!(false)
    );
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let to = Address::repeat_byte(0x3a);
    let mut hashes = Vec::new();
    for _ in 0..4 {
        let raw = alice.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
        hashes.push(
            node.rpc("eth_sendRawTransaction", vec![json!(raw)])
                .await
                .unwrap(),
        );
    }
    let mut blocks: Vec<Value> = Vec::new();
    for hash in &hashes {
        let hash = serde_json::from_value(hash.clone()).unwrap();
        let r = node.receipt(hash).await.unwrap();
        blocks.push(r["blockNumber"].clone());
    }
    // Sent within a few milliseconds: one block, or two if a tick fell between them.
    let mut distinct = blocks.clone();
    distinct.dedup();
    assert!(distinct.len() <= 2, "batched by the interval: {blocks:?}");

    // Automine on: the next transaction has its own block at once.
    node.rpc("evm_setAutomine", vec![json!(true)])
        .await
        .unwrap();
    assert_eq!(
        node.rpc("hardhat_getAutomine", vec![]).await.unwrap(),
        json!(true)
    );
    let raw = alice.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    let block = node
        .rpc(
            "eth_getBlockByNumber",
            vec![receipt["blockNumber"].clone(), json!(false)],
        )
        .await
        .unwrap();
    assert_eq!(block["transactions"].as_array().unwrap().len(), 1);

    // Automine off and no interval: nothing is mined until asked.
    node.rpc("evm_setAutomine", vec![json!(false)])
        .await
        .unwrap();
    node.rpc("evm_setIntervalMining", vec![json!(0)])
        .await
        .unwrap();
    let before = head(&node).await.0;
    let raw = alice.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
    node.rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(head(&node).await.0, before, "manual mining");
    node.rpc("evm_mine", vec![]).await.unwrap();
    assert_eq!(head(&node).await, (before + 1, 1));

    // Interval mining set by the method (seconds, as anvil).
    node.rpc("evm_setIntervalMining", vec![json!(1)])
        .await
        .unwrap();
    let start = head(&node).await.0;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let mined = head(&node).await.0 - start;
    assert!((1..=3).contains(&mined), "{mined} blocks in 2.5 s at 1 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_methods_mine_blocks_and_move_the_clock() {
    let node = DevNode::start(&[]).unwrap();
    node.rpc("anvil_mine", vec![json!(3)]).await.unwrap();
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x3")
    );
    let total = node
        .rpc("evm_increaseTime", vec![json!(3600)])
        .await
        .unwrap();
    assert_eq!(total, json!(3600));
    node.rpc("evm_mine", vec![]).await.unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    let timestamp = u64::from_str_radix(
        block["timestamp"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(timestamp >= now + 3590, "{timestamp} vs {now}");

    let exact = timestamp + 1_000;
    node.rpc("evm_mine", vec![json!(exact)]).await.unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    assert_eq!(block["timestamp"], json!(format!("{exact:#x}")));
    assert_eq!(block["number"], json!("0x5"));
    // The past is refused.
    let past = node.rpc("evm_mine", vec![json!(1)]).await;
    assert!(past.is_err());
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x5")
    );

    // Clock requests past year 9999 are refused whole: a head at u64::MAX could have no next block.
    let max = json!("0xffffffffffffffff");
    for (method, params) in [
        ("evm_mine", vec![max.clone()]),
        ("evm_increaseTime", vec![max.clone()]),
        ("anvil_mine", vec![json!(3), json!("0x7fffffffffffffff")]),
    ] {
        match node.rpc(method, params).await {
            Err(jsonrpsee::core::ClientError::Call(e)) => {
                assert_eq!(e.code(), -32602, "{method}");
                assert!(e.message().contains("past the latest"), "{method}: {e:?}");
            }
            other => panic!("{method}: {other:?}"),
        }
    }
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x5")
    );
    // The latest allowed timestamp still leaves the chain room to go on.
    let last: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    node.rpc("evm_mine", vec![json!(last)]).await.unwrap();
    node.rpc("anvil_mine", vec![json!(2)]).await.unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    assert_eq!(block["number"], json!("0x8"));
    assert_eq!(block["timestamp"], json!(format!("{:#x}", last + 2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_methods_do_not_exist_without_dev_mode() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    std::fs::write(&genesis, serde_json::to_string(&spec.genesis).unwrap()).unwrap();
    let node = DevNode::start_fresh(&["--chain", genesis.to_str().unwrap()]).unwrap();
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x0")
    );
    for method in ["anvil_mine", "evm_mine", "evm_increaseTime"] {
        match node.rpc(method, vec![json!(1)]).await {
            Err(jsonrpsee::core::ClientError::Call(e)) => assert_eq!(e.code(), -32601, "{method}"),
            other => panic!("{method}: {other:?}"),
        }
    }
    // Without a consensus client nothing is produced, even with a transaction waiting.
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let raw = wallet
        .call(
            Address::repeat_byte(0x55),
            U256::from(1),
            Vec::new(),
            21_000,
        )
        .unwrap();
    node.rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_blocks_transactions_and_rpc_requests() {
    let node = DevNode::start(&["--metrics", "127.0.0.1:0"]).unwrap();
    let url = node.metrics_url.clone().unwrap();
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    for _ in 0..2 {
        let raw = wallet
            .call(
                Address::repeat_byte(0x56),
                U256::from(1),
                Vec::new(),
                21_000,
            )
            .unwrap();
        node.send_and_wait(raw).await.unwrap();
    }
    let head = node.rpc("eth_blockNumber", vec![]).await.unwrap();
    let head = u64::from_str_radix(head.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    // The counter follows the heads asynchronously: give it a moment.
    let mut text = String::new();
    for _ in 0..100 {
        text = berapool_e2e::get(&url).unwrap();
        if text.contains("berapool_transactions_total 2") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    assert_eq!(value("berapool_head_block_number"), head);
    assert_eq!(value("berapool_blocks_total"), head);
    assert_eq!(value("berapool_transactions_total"), 2);
    assert_eq!(value("berapool_txpool_transactions"), 0);
    assert!(value("berapool_rpc_request_duration_seconds_count") >= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_can_have_its_own_port_or_be_left_off() {
    // `--ws.port`: subscriptions on their own port, plain HTTP on the HTTP one.
    let node = DevNode::start(&["--http", "--ws", "--ws.port", "0"]).unwrap();
    let ws_url = node.ws_url.clone().unwrap();
    assert_ne!(ws_url.replace("ws://", "http://"), node.url);
    let ws = WsClientBuilder::default().build(&ws_url).await.unwrap();
    let mut heads = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    node.rpc("anvil_mine", vec![json!(1)]).await.unwrap();
    let head = tokio::time::timeout(Duration::from_secs(10), heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(head["number"], json!("0x1"));
    let http_as_ws = node.url.replace("http://", "ws://");
    assert!(WsClientBuilder::default().build(&http_as_ws).await.is_err());

    // `--http` alone: no WebSocket at all.
    let node = DevNode::start(&["--http"]).unwrap();
    assert!(node.ws_url.is_none());
    let http_as_ws = node.url.replace("http://", "ws://");
    assert!(WsClientBuilder::default().build(&http_as_ws).await.is_err());
    assert_eq!(
        node.rpc("eth_chainId", vec![]).await.unwrap(),
        json!("0x138d7")
    );
}

/// viem's `watchBlocks` over WebSocket (it follows only string subscription ids), run by
/// Node.js with the pinned viem of `tests/e2e/tools`.
#[tokio::test(flavor = "multi_thread")]
async fn viem_watches_blocks_over_websocket() {
    let node = DevNode::start(&["--dev.slot-time", "200ms"]).unwrap();
    let bin = berapool_e2e::tools_bin().unwrap();
    let script = bin.join("../../watch-blocks.mjs");
    let ws_url = node.url.replace("http://", "ws://");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args([ws_url.as_str(), "3"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let numbers: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let numbers: Vec<u64> = numbers.iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers.len(), 3);
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
}

/// Polling filters, as ethers' `contract.on` and web3.py use them.
#[tokio::test(flavor = "multi_thread")]
async fn polling_filters_report_new_blocks_logs_and_pending_transactions_once() {
    let node = DevNode::start(&[]).unwrap();
    let blocks = node.rpc("eth_newBlockFilter", vec![]).await.unwrap();
    let logs = node
        .rpc("eth_newFilter", vec![json!({"address": BEACON_DEPOSIT})])
        .await
        .unwrap();
    let all_logs = node
        .rpc(
            "eth_newFilter",
            vec![json!({"fromBlock": "0x0", "address": BEACON_DEPOSIT})],
        )
        .await
        .unwrap();
    assert!(blocks.as_str().unwrap().starts_with("0x"), "{blocks}");

    // A pool registration logs BeaconDeposit events in block 1; then an empty block 2.
    let mut operator = Wallet::new(DEV_KEY_0).unwrap();
    let raw = operator
        .call(
            FACTORY,
            U256::from(10_000u128 * ONE_BERA),
            pool_registration([0x44; 48], operator.address()),
            2_000_000,
        )
        .unwrap();
    node.send_and_wait(raw).await.unwrap();
    node.rpc("anvil_mine", vec![json!(1)]).await.unwrap();

    let changes = node
        .rpc("eth_getFilterChanges", vec![blocks.clone()])
        .await
        .unwrap();
    let hashes = changes.as_array().unwrap();
    assert_eq!(hashes.len(), 2, "{changes}");
    let block2 = node
        .rpc("eth_getBlockByNumber", vec![json!("0x2"), json!(false)])
        .await
        .unwrap();
    assert_eq!(hashes[1], block2["hash"]);
    let found = node
        .rpc("eth_getFilterChanges", vec![logs.clone()])
        .await
        .unwrap();
    let found = found.as_array().unwrap().clone();
    assert!(!found.is_empty());
    assert!(found.iter().all(|l| l["address"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case(&BEACON_DEPOSIT.to_string())));
    // Reported once.
    for id in [&blocks, &logs] {
        let again = node
            .rpc("eth_getFilterChanges", vec![id.clone()])
            .await
            .unwrap();
        assert_eq!(again, json!([]));
    }
    // The whole range of a filter.
    let every = node.rpc("eth_getFilterLogs", vec![all_logs]).await.unwrap();
    assert_eq!(every.as_array().unwrap().len(), found.len());

    // Pending transactions, with automine off.
    let pending = node
        .rpc("eth_newPendingTransactionFilter", vec![])
        .await
        .unwrap();
    node.rpc("evm_setAutomine", vec![json!(false)])
        .await
        .unwrap();
    let raw = operator
        .call(Address::repeat_byte(1), U256::from(1), Vec::new(), 21_000)
        .unwrap();
    let hash = node
        .rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    let changes = node
        .rpc("eth_getFilterChanges", vec![pending.clone()])
        .await
        .unwrap();
    assert_eq!(changes, json!([hash]));

    // Uninstalled: gone, and asking again says so.
    assert_eq!(
        node.rpc("eth_uninstallFilter", vec![pending.clone()])
            .await
            .unwrap(),
        json!(true)
    );
    assert_eq!(
        node.rpc("eth_uninstallFilter", vec![pending.clone()])
            .await
            .unwrap(),
        json!(false)
    );
    let gone = node
        .rpc("eth_getFilterChanges", vec![pending])
        .await
        .unwrap_err();
    assert!(gone.to_string().contains("filter not found"), "{gone}");
}

/// geth's `txpool_content` and `txpool_inspect` (what `cast txpool` reads).
#[tokio::test(flavor = "multi_thread")]
async fn txpool_content_and_inspect_show_pending_and_queued_by_sender_and_nonce() {
    let node = DevNode::start(&[]).unwrap();
    node.rpc("evm_setAutomine", vec![json!(false)])
        .await
        .unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let to = Address::repeat_byte(0x0f);
    let first = alice.call(to, U256::from(5), Vec::new(), 21_000).unwrap();
    alice.nonce = 2; // nonce 1 is missing: the next one waits queued
    let later = alice.call(to, U256::from(6), Vec::new(), 21_000).unwrap();
    for raw in [first, later] {
        node.rpc("eth_sendRawTransaction", vec![json!(raw)])
            .await
            .unwrap();
    }
    let me = alice.address().to_string();
    let content = node.rpc("txpool_content", vec![]).await.unwrap();
    let find = |side: &str| -> Value {
        content[side]
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&me))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(find("pending")["0"]["value"], json!("0x5"));
    assert_eq!(find("pending")["0"]["nonce"], json!("0x0"));
    assert_eq!(find("queued")["2"]["value"], json!("0x6"));
    let inspect = node.rpc("txpool_inspect", vec![]).await.unwrap();
    let line = inspect["pending"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["0"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        line,
        format!("{to}: 5 wei + 21000 gas × 10000000000 wei"),
        "{inspect}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_transaction_subscribers_get_each_transaction_the_pool_takes() {
    let node = DevNode::start(&[]).unwrap();
    node.rpc("evm_setAutomine", vec![false.into()])
        .await
        .unwrap();
    let ws_url = node.url.replace("http://", "ws://");
    let ws = WsClientBuilder::default().build(&ws_url).await.unwrap();
    let mut hashes = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["newPendingTransactions"],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut full = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["newPendingTransactions", true],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let bad = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["newPendingTransactions", "yes"],
            "eth_unsubscribe",
        )
        .await;
    assert!(bad.is_err());

    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let raw = wallet
        .call(Address::repeat_byte(0x42), U256::from(1), vec![], 21_000)
        .unwrap();
    let sent = node
        .rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    let wait = Duration::from_secs(10);
    let hash = tokio::time::timeout(wait, hashes.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(hash, sent);
    let tx = tokio::time::timeout(wait, full.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(tx["hash"], sent);
    assert_eq!(tx["from"], json!(wallet.address()));
    assert!(tx["blockNumber"].is_null());
}
