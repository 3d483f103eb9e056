//! The dev genesis' Multicall3: the committed bytecode is what its source compiles to with the
//! pinned solc, it is at the canonical address, and viem's `multicall` batches through it.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use alloy_primitives::Address;
use berapool_chainspec::{multicall3_code, MULTICALL3};
use berapool_e2e::{compile_solidity, tools_bin, DevNode};
use berapool_pool_precompiles::addresses::FACTORY;
use serde_json::{json, Value};

#[test]
fn the_multicall3_bytecode_is_built_from_its_source() {
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/chainspec/contracts");
    let compiled =
        compile_solidity(&contracts.join("Multicall3.sol"), "Multicall3", false).unwrap();
    assert_eq!(
        compiled,
        multicall3_code(),
        "crates/chainspec/contracts/build.sh rebuilds Multicall3.runtime.hex"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn viem_batches_reads_through_multicall3() {
    let node = DevNode::start(&[]).unwrap();
    let code = node
        .rpc("eth_getCode", vec![json!(MULTICALL3), "latest".into()])
        .await
        .unwrap();
    assert_eq!(code, json!(multicall3_code()));

    let holder = Address::repeat_byte(0x61);
    node.rpc("anvil_setBalance", vec![json!(holder), "0x3e8".into()])
        .await
        .unwrap();
    let script = tools_bin().unwrap().join("../../multicall.mjs");
    let url = node.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args([url, holder.to_string(), FACTORY.to_string()])
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
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        results,
        json!([
            {"status": "success", "result": "80087"},
            {"status": "success", "result": "1000"},
            {"status": "failure", "result": null},
        ])
    );
}
