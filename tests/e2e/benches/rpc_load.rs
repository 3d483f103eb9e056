//! Load on the real binary over HTTP: transfers and pool registrations sent by several
//! concurrent senders. Prints transactions per second accepted and mined, send-to-receipt
//! latency percentiles, the node's resident memory idle and under load, and how mining holds up
//! with chain length: transfers per second mined and the time of an empty block on a fresh
//! chain and after 8,000 blocks, with instant mining and with 200 ms interval mining. Asserts
//! nothing.
//!
//! ```sh
//! cargo build --release -p berapool-node && cargo bench -p berapool-e2e --bench rpc_load
//! ```

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, Bytes, B256, U256};
use berapool_e2e::{pool_registration, DevNode, Wallet};
use berapool_pool_precompiles::addresses::FACTORY;
use serde_json::json;

/// Keys of the dev accounts 2..=9 (the test mnemonic), one per concurrent sender.
const SENDER_KEYS: [&str; 8] = [
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];
/// Transactions each sender keeps in flight in a burst (below the pool's nonce-gap limit).
const BURST: usize = 50;
const BURST_ROUNDS: usize = 4;
const LATENCY_TXS: usize = 40;
const REGISTRATIONS: usize = 10;

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn send(node: &DevNode, raw: Bytes) -> B256 {
    serde_json::from_value(
        node.rpc("eth_sendRawTransaction", vec![json!(raw)])
            .await
            .unwrap(),
    )
    .unwrap()
}

async fn wait_receipt(node: &DevNode, hash: B256) {
    loop {
        let receipt = node
            .rpc("eth_getTransactionReceipt", vec![json!(hash)])
            .await
            .unwrap();
        if !receipt.is_null() {
            assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn transfer(wallet: &mut Wallet) -> Bytes {
    wallet
        .call(
            Address::repeat_byte(0x77),
            U256::from(1),
            Vec::new(),
            21_000,
        )
        .unwrap()
}

fn registration(wallet: &mut Wallet, sender: usize, i: usize) -> Bytes {
    let mut pubkey = [0x40u8; 48];
    pubkey[0] = sender as u8;
    pubkey[1] = i as u8;
    let me = wallet.address();
    let data = pool_registration(pubkey, me);
    let stake = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64));
    wallet.call(FACTORY, stake, data, 1_000_000).unwrap()
}

/// Every sender sends `per_sender` transactions at once, then all wait for their receipts.
async fn burst(
    node: &Arc<DevNode>,
    wallets: &mut [Wallet],
    per_sender: usize,
    make: fn(&mut Wallet, usize, usize) -> Bytes,
) -> (usize, Duration, Duration) {
    let batches: Vec<Vec<Bytes>> = wallets
        .iter_mut()
        .enumerate()
        .map(|(s, w)| (0..per_sender).map(|i| make(w, s, i)).collect())
        .collect();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for batch in batches {
        let node = node.clone();
        tasks.push(tokio::spawn(async move {
            let mut hashes = Vec::new();
            for raw in batch {
                hashes.push(send(&node, raw).await);
            }
            hashes
        }));
    }
    let mut hashes = Vec::new();
    for task in tasks {
        hashes.extend(task.await.unwrap());
    }
    let accepted = start.elapsed();
    for hash in &hashes {
        wait_receipt(node, *hash).await;
    }
    (hashes.len(), accepted, start.elapsed())
}

/// Senders of the streaming runs: 32 × 60 in flight keeps a 200 ms block full at 9,600 tx/s.
const STREAM_SENDERS: usize = 32;
const STREAM_IN_FLIGHT: u64 = 60;
const STREAM_PER_SENDER: u64 = 480;
/// Blocks mined between the two measurements.
const CHAIN_LENGTH: u64 = 8_000;

fn quantity(value: &serde_json::Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

async fn nonce(node: &DevNode, who: Address) -> u64 {
    quantity(
        &node
            .rpc("eth_getTransactionCount", vec![json!(who), json!("latest")])
            .await
            .unwrap(),
    )
}

/// `count` fresh wallets funded with 1,000 BERA each by dev account 0.
async fn funded_wallets(node: &DevNode, count: usize) -> Vec<Wallet> {
    let mut funder = Wallet::new(berapool_e2e::DEV_KEY_0).unwrap();
    funder.nonce = nonce(node, funder.address()).await;
    let wallets: Vec<Wallet> = (0..count)
        .map(|i| {
            let key = alloy_primitives::keccak256(format!("rpc_load sender {i}"));
            Wallet::new(&key.to_string()).unwrap()
        })
        .collect();
    let thousand = U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64));
    let mut last = B256::ZERO;
    for wallet in &wallets {
        let raw = funder
            .call(wallet.address(), thousand, Vec::new(), 21_000)
            .unwrap();
        last = send(node, raw).await;
    }
    wait_receipt(node, last).await;
    wallets
}

/// Every wallet streams `per_sender` transfers, keeping at most [`STREAM_IN_FLIGHT`] unmined;
/// returns the transfers mined per second, from the first send to the last one mined.
async fn stream(node: &Arc<DevNode>, wallets: &mut [Wallet], per_sender: u64) -> f64 {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for wallet in wallets.iter() {
        let (node, address, mut wallet) = (
            node.clone(),
            wallet.address(),
            Wallet::new(&wallet.key_hex()).unwrap(),
        );
        tasks.push(tokio::spawn(async move {
            wallet.nonce = nonce(&node, address).await;
            let (base, end) = (wallet.nonce, wallet.nonce + per_sender);
            let mut mined = base;
            while wallet.nonce < end {
                while wallet.nonce - mined >= STREAM_IN_FLIGHT {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    mined = nonce(&node, address).await;
                }
                send(&node, transfer(&mut wallet)).await;
            }
            while mined < end {
                tokio::time::sleep(Duration::from_millis(5)).await;
                mined = nonce(&node, address).await;
            }
            wallet.nonce
        }));
    }
    for (wallet, task) in wallets.iter_mut().zip(tasks) {
        wallet.nonce = task.await.unwrap();
    }
    (per_sender * wallets.len() as u64) as f64 / start.elapsed().as_secs_f64()
}

/// The time of an empty block: `blocks` of them through `anvil_mine`.
async fn empty_block(node: &DevNode, blocks: u64) -> Duration {
    let start = Instant::now();
    node.rpc("anvil_mine", vec![json!(blocks)]).await.unwrap();
    start.elapsed() / blocks as u32
}

/// Mined transfers per second and empty-block time on a fresh chain and after
/// [`CHAIN_LENGTH`] blocks, with the node started with `args`.
async fn chain_length(label: &str, args: &[&str]) {
    let node = Arc::new(DevNode::start(args).unwrap());
    let mut wallets = funded_wallets(&node, STREAM_SENDERS).await;
    let fresh = stream(&node, &mut wallets, STREAM_PER_SENDER).await;
    let fresh_empty = empty_block(&node, 200).await;
    let started = Instant::now();
    node.rpc("anvil_mine", vec![json!(CHAIN_LENGTH)])
        .await
        .unwrap();
    let mining = started.elapsed();
    let long_empty = empty_block(&node, 200).await;
    let long = stream(&node, &mut wallets, STREAM_PER_SENDER).await;
    let head = quantity(&node.rpc("eth_blockNumber", vec![]).await.unwrap());
    println!(
        "{label}: transfers mined {fresh:.0} tx/s on a fresh chain, {long:.0} tx/s at block {head} ({:+.1} %); empty block {:.2} ms fresh, {:.2} ms after; {CHAIN_LENGTH} empty blocks in {:.1} s; RSS {} KiB",
        (long / fresh - 1.0) * 100.0,
        fresh_empty.as_secs_f64() * 1e3,
        long_empty.as_secs_f64() * 1e3,
        mining.as_secs_f64(),
        rss_kib(node.pid(), "VmRSS:")
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let node = Arc::new(DevNode::start(&[]).unwrap());
    let pid = node.pid();
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("node idle: RSS {} KiB", rss_kib(pid, "VmRSS:"));
    let mut wallets: Vec<Wallet> = SENDER_KEYS
        .iter()
        .map(|k| Wallet::new(k).unwrap())
        .collect();

    let transfer_of = |w: &mut Wallet, _: usize, _: usize| transfer(w);
    let (mut total, mut accepted, mut mined) = (0, Duration::ZERO, Duration::ZERO);
    for _ in 0..BURST_ROUNDS {
        let (n, a, m) = burst(&node, &mut wallets, BURST, transfer_of).await;
        total += n;
        accepted += a;
        mined += m;
    }
    println!(
        "transfers, {} senders × {BURST} in flight, {BURST_ROUNDS} rounds: {total} txs, accepted {:.0} tx/s, mined {:.0} tx/s",
        wallets.len(),
        total as f64 / accepted.as_secs_f64(),
        total as f64 / mined.as_secs_f64()
    );

    // Closed loop: each sender waits for its receipt before the next transaction.
    let mut tasks = Vec::new();
    for mut wallet in wallets.drain(..) {
        let node = node.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for _ in 0..LATENCY_TXS {
                let raw = transfer(&mut wallet);
                let start = Instant::now();
                let hash = send(&node, raw).await;
                wait_receipt(&node, hash).await;
                latencies.push(start.elapsed());
            }
            (wallet, latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        let (wallet, l) = task.await.unwrap();
        wallets.push(wallet);
        latencies.extend(l);
    }
    latencies.sort();
    println!(
        "send → receipt, {} senders one at a time: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} txs)",
        wallets.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len()
    );

    let (n, a, m) = burst(&node, &mut wallets, REGISTRATIONS, registration).await;
    println!(
        "pool registrations (factory precompile, 10,000 BERA deposit each): {n} txs, accepted {:.0} tx/s, mined {:.0} tx/s",
        n as f64 / a.as_secs_f64(),
        n as f64 / m.as_secs_f64()
    );
    let head = node.rpc("eth_blockNumber", vec![]).await.unwrap();
    println!(
        "node after load: RSS {} KiB, peak {} KiB, head {head}",
        rss_kib(pid, "VmRSS:"),
        rss_kib(pid, "VmHWM:")
    );
    drop(node);

    println!(
        "streaming: {STREAM_SENDERS} senders × {STREAM_PER_SENDER} transfers, at most {STREAM_IN_FLIGHT} in flight each"
    );
    chain_length("instant mining", &[]).await;
    chain_length("200 ms interval mining", &["--dev.block-time", "200ms"]).await;
}
