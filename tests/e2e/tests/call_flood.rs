//! Block production under a flood of heavy reads: 8 clients send `eth_call`s that burn the whole
//! gas cap while the dev chain keeps its 500 ms slots. Readers never take the engine's lock and
//! heavy calls queue behind a limiter, so blocks keep coming; the gaps are printed.

#![allow(clippy::unwrap_used)]

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use alloy_primitives::Address;
use berapool_e2e::DevNode;
use serde_json::json;

/// JUMPDEST, PUSH0, JUMP: a loop that runs until the gas is gone.
const BURN: &str = "0x5b5f56";

#[tokio::test(flavor = "multi_thread")]
async fn blocks_keep_coming_under_a_flood_of_heavy_calls() {
    let slot = Duration::from_millis(500);
    let node = Arc::new(DevNode::start(&["--dev.slot-time", "500ms"]).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let burner = Address::repeat_byte(0xbb);
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (node, stop, calls) = (node.clone(), stop.clone(), calls.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let call = json!({"to": burner});
                let overrides = json!({ burner.to_string(): {"code": BURN} });
                // Out of gas: an error answer, after burning the block gas limit (30M).
                let _ = node
                    .rpc("eth_call", vec![call, json!("latest"), overrides])
                    .await;
                calls.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    let started = Instant::now();
    let mut last_number = 0u64;
    let mut last_at = Instant::now();
    let mut gaps = Vec::new();
    while started.elapsed() < Duration::from_secs(8) {
        let number = node.rpc("eth_blockNumber", vec![]).await.unwrap();
        let number =
            u64::from_str_radix(number.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        if number > last_number {
            if last_number > 0 {
                gaps.push(last_at.elapsed());
            }
            last_number = number;
            last_at = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let worst = gaps.iter().max().copied().unwrap_or_default();
    let mean = gaps.iter().sum::<Duration>() / gaps.len().max(1) as u32;
    println!(
        "{} blocks in 8 s under {} heavy eth_calls: mean gap {mean:?}, worst {worst:?} (slot {slot:?})",
        gaps.len() + 1,
        calls.load(Ordering::Relaxed)
    );
    assert!(
        gaps.len() >= 8,
        "only {} blocks in 8 s of 500 ms slots",
        gaps.len() + 1
    );
    assert!(
        worst < 2 * slot,
        "a block came {worst:?} after the last: more than a slot late"
    );
}
