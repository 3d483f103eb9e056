//! Clients that try to exhaust the node: idle sockets on every port, answers made of huge logs,
//! subscription floods. Each gets a bounded share and a clear error; blocks keep coming.

#![allow(clippy::unwrap_used)]

use std::{
    net::TcpStream,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, TxKind, U256};
use berapool_e2e::{get, quantity, DevNode, Wallet, DEV_CHAIN_ID, DEV_KEY_0};
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::{json, Value};

async fn block_number(node: &DevNode) -> u64 {
    let n = node.rpc("eth_blockNumber", vec![]).await.unwrap();
    quantity(&n).unwrap().to()
}

fn host(url: &str) -> String {
    let rest = url
        .trim_start_matches("http://")
        .trim_start_matches("ws://");
    rest.split('/').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_idle_sockets_lock_no_one_out_and_blocks_keep_their_slots() {
    let node = DevNode::start(&["--dev.slot-time", "500ms", "--metrics", "127.0.0.1:0"]).unwrap();
    let metrics = node.metrics_url.clone().unwrap();
    let beacon = node.beacon_url.clone().unwrap();
    let start_block = block_number(&node).await;
    // 400 sockets each on the metrics and proof API ports, 200 on JSON-RPC: none sends a byte.
    let mut idle = Vec::new();
    for (url, count) in [(&metrics, 400), (&beacon, 400), (&node.url, 200)] {
        for _ in 0..count {
            idle.push(TcpStream::connect(host(url)).unwrap());
        }
    }
    let opened = Instant::now();
    // JSON-RPC answers throughout; the side services once the idle heads have timed out (5 s).
    let mut rpc_answers = 0u32;
    while opened.elapsed() < Duration::from_secs(6) {
        block_number(&node).await;
        rpc_answers += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics_text = get(&format!("{metrics}/metrics")).unwrap();
    assert!(
        metrics_text.contains("berapool_head_block_number"),
        "{metrics_text}"
    );
    let genesis = get(&format!("{beacon}/eth/v1/beacon/genesis")).unwrap();
    assert!(genesis.contains("genesis_time"), "{genesis}");
    let blocks = block_number(&node).await - start_block;
    println!(
        "1,000 idle sockets: {rpc_answers} JSON-RPC answers in {:.1} s, {blocks} blocks of 500 ms slots",
        opened.elapsed().as_secs_f64()
    );
    assert!(blocks >= 8, "only {blocks} blocks in 6 s");
    // The side services closed every socket that sent no request head.
    let closed = |stream: &TcpStream| {
        use std::io::Read;
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 16];
        matches!((&*stream).read(&mut buf), Ok(0) | Err(_))
            && {
                // A read timeout is an error too: tell it apart from a closed socket.
                !matches!((&*stream).read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut)
            }
    };
    let side_closed = idle[..800].iter().filter(|s| closed(s)).count();
    let rpc_closed = idle[800..].iter().filter(|s| closed(s)).count();
    println!("closed by the node: {side_closed} of 800 side-service sockets, {rpc_closed} of 200 JSON-RPC sockets");
    assert_eq!(side_closed, 800);
    drop(idle);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_connection_holds_a_bounded_number_of_subscriptions() {
    let node = DevNode::start(&[]).unwrap();
    let client = WsClientBuilder::default()
        .max_concurrent_requests(1_000)
        .build(node.ws_url.as_deref().unwrap())
        .await
        .unwrap();
    let mut subscriptions = Vec::new();
    for _ in 0..64 {
        subscriptions.push(
            client
                .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
                .await
                .unwrap(),
        );
    }
    let refused = client
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await;
    assert!(refused.is_err(), "a 65th subscription was accepted");
    // The connection itself still answers, and other connections subscribe as usual.
    let chain_id: String = client.request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(chain_id, format!("{DEV_CHAIN_ID:#x}"));
    let other = WsClientBuilder::default()
        .build(node.ws_url.as_deref().unwrap())
        .await
        .unwrap();
    other
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn get_logs_refuses_answers_of_more_than_16_mib_of_log_data() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    // A contract that logs 1 MiB of zeros per call: `PUSH3 0x100000 PUSH1 0 LOG0 STOP`.
    let runtime = "621000006000a000";
    let init = format!("67{runtime}60005260086018f3");
    let init: Vec<u8> = (0..init.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&init[i..i + 2], 16).unwrap())
        .collect();
    let deploy = alice
        .sign(alloy_consensus::TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            gas_limit: 100_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Create,
            input: init.into(),
            ..Default::default()
        })
        .unwrap();
    let receipt = node.send_and_wait(deploy).await.unwrap();
    let logger: Address = serde_json::from_value(receipt["contractAddress"].clone()).unwrap();
    let mut last = Value::Null;
    for _ in 0..17 {
        let raw = alice
            .call(logger, U256::ZERO, Vec::new(), 11_000_000)
            .unwrap();
        last = node.send_and_wait(raw).await.unwrap();
        assert_eq!(last["status"], json!("0x1"), "{last}");
    }
    let filter = |to: Value| json!({"address": logger, "fromBlock": "0x0", "toBlock": to});
    let error = node
        .rpc("eth_getLogs", vec![filter(json!("latest"))])
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("more than 16777216 bytes of logs"),
        "{error}"
    );
    // One block's logs are answered.
    let logs = node
        .rpc(
            "eth_getLogs",
            vec![json!({"address": logger, "blockHash": last["blockHash"]})],
        )
        .await
        .unwrap();
    let count = logs.as_array().unwrap().len();
    assert!((1..4).contains(&count), "{count} logs");
}
