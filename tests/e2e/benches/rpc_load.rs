//! Load on the real binary over HTTP: transfers and pool registrations sent by several
//! concurrent senders. Prints transactions per second accepted and mined, send-to-receipt
//! latency percentiles, and the node's resident memory idle and under load. Asserts nothing.
//!
//! ```sh
//! cargo build --release -p berapool-node && cargo bench -p e2e --bench rpc_load
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
}
