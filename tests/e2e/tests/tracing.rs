//! Tracing through the binary: `debug_traceTransaction`, `debug_traceBlockByNumber`/`ByHash`
//! and `debug_traceCall` with geth's tracers, and `trace_transaction`/`trace_block` in parity's
//! format, on a block that deploys a staking pool (a call into the pool precompiles) and one
//! that runs EVM code calling a precompile.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, U256};
use berapool_e2e::{pool_registration, DevNode, Wallet, DEV_KEY_0};
use berapool_pool_precompiles::addresses::FACTORY;
use serde_json::{json, Value};

const ONE_BERA: u128 = 1_000_000_000_000_000_000;

/// Runtime code that STATICCALLs the identity precompile (0x04) with 32 bytes and returns
/// what it answered: `mstore8(0, 0xff); staticcall(gas, 4, 0, 32, 0, 32); return(0, 32)`.
const ECHO: &str = "0x60ff5f5360205f60205f60045afa5060205ff3";

#[tokio::test(flavor = "multi_thread")]
async fn every_tracer_sees_the_pool_precompiles_and_evm_code() {
    let node = DevNode::start(&[]).unwrap();
    let mut operator = Wallet::new(DEV_KEY_0).unwrap();
    let deploy = operator
        .call(
            FACTORY,
            U256::from(10_000u128 * ONE_BERA),
            pool_registration([0x31; 48], operator.address()),
            2_000_000,
        )
        .unwrap();
    let receipt = node.send_and_wait(deploy).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    let hash = receipt["transactionHash"].clone();

    // callTracer: the top call is into the factory precompile, with its input, output and gas.
    let calls = node
        .rpc(
            "debug_traceTransaction",
            vec![hash.clone(), json!({"tracer": "callTracer"})],
        )
        .await
        .unwrap();
    assert_eq!(calls["type"], json!("CALL"));
    assert_eq!(calls["to"], json!(FACTORY));
    assert_eq!(calls["from"], json!(operator.address()));
    assert!(calls["input"].as_str().unwrap().len() > 10);
    assert_eq!(calls["gasUsed"], receipt["gasUsed"]);
    assert!(calls.get("error").is_none(), "{calls}");

    // The struct logger: a precompile runs no opcodes; the receipt's gas and success.
    let default = node
        .rpc("debug_traceTransaction", vec![hash.clone()])
        .await
        .unwrap();
    assert_eq!(default["failed"], json!(false));
    assert_eq!(default["gas"], json!(quantity(&receipt["gasUsed"])));

    // prestateTracer: the sender and the factory are in the state before.
    let prestate = node
        .rpc(
            "debug_traceTransaction",
            vec![hash.clone(), json!({"tracer": "prestateTracer"})],
        )
        .await
        .unwrap();
    let sender = format!("{:#x}", operator.address());
    assert!(prestate.get(&sender).is_some(), "{prestate}");

    // Parity format.
    let parity = node
        .rpc("trace_transaction", vec![hash.clone()])
        .await
        .unwrap();
    let first = &parity.as_array().unwrap()[0];
    assert_eq!(first["action"]["to"], json!(FACTORY));
    assert_eq!(first["transactionHash"], hash);

    // EVM code calling a precompile: a nested STATICCALL in the call trace, and opcodes in the
    // struct logs.
    let echo = Address::repeat_byte(0xec);
    node.rpc("anvil_setCode", vec![json!(echo), ECHO.into()])
        .await
        .unwrap();
    let raw = operator.call(echo, U256::ZERO, vec![], 100_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    let block = receipt["blockNumber"].clone();
    let traces = node
        .rpc(
            "debug_traceBlockByNumber",
            vec![block.clone(), json!({"tracer": "callTracer"})],
        )
        .await
        .unwrap();
    let traces = traces.as_array().unwrap();
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0]["txHash"], receipt["transactionHash"]);
    let top = &traces[0]["result"];
    assert_eq!(top["to"], json!(echo));
    let inner = &top["calls"][0];
    assert_eq!(inner["type"], json!("STATICCALL"));
    assert_eq!(inner["to"], json!(Address::with_last_byte(4)));
    let by_hash = node
        .rpc(
            "debug_traceBlockByHash",
            vec![
                receipt["blockHash"].clone(),
                json!({"tracer": "callTracer"}),
            ],
        )
        .await
        .unwrap();
    assert_eq!(by_hash[0]["result"], *top);
    let logs = node
        .rpc(
            "debug_traceTransaction",
            vec![receipt["transactionHash"].clone()],
        )
        .await
        .unwrap();
    let ops: Vec<&str> = logs["structLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["op"].as_str().unwrap())
        .collect();
    assert!(
        ops.contains(&"STATICCALL") && ops.ends_with(&["RETURN"]),
        "{ops:?}"
    );
    let limited = node
        .rpc(
            "debug_traceTransaction",
            vec![receipt["transactionHash"].clone(), json!({"limit": 3})],
        )
        .await
        .unwrap();
    assert_eq!(limited["structLogs"].as_array().unwrap().len(), 3);
    let block_traces = node.rpc("trace_block", vec![block]).await.unwrap();
    assert_eq!(
        block_traces.as_array().unwrap().len(),
        2,
        "the call and its STATICCALL"
    );

    // debug_traceCall on the head's state, and a tracer the node does not run.
    let call = node
        .rpc(
            "debug_traceCall",
            vec![
                json!({"to": echo, "data": "0x"}),
                "latest".into(),
                json!({"tracer": "callTracer"}),
            ],
        )
        .await
        .unwrap();
    assert_eq!(call["output"], json!(format!("0xff{}", "00".repeat(31))));
    let js = node
        .rpc(
            "debug_traceCall",
            vec![
                json!({"to": echo}),
                "latest".into(),
                json!({"tracer": "{step: function() {}}"}),
            ],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(js.contains("tracer"), "{js}");

    // eth_createAccessList: a contract that reads another's slot 0 (its own accesses are warm
    // anyway, so they are not listed, as geth does).
    let reader = Address::repeat_byte(0x52);
    node.rpc(
        "anvil_setCode",
        vec![json!(reader), "0x5f545f5260205ff3".into()],
    )
    .await
    .unwrap();
    let caller = Address::repeat_byte(0x53);
    let code = format!("0x60205f5f5f73{}5afa5060205ff3", hex_of(reader));
    node.rpc("anvil_setCode", vec![json!(caller), code.into()])
        .await
        .unwrap();
    let list = node
        .rpc(
            "eth_createAccessList",
            vec![
                json!({"from": operator.address(), "to": caller}),
                "latest".into(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        list["accessList"],
        json!([{"address": reader, "storageKeys": [format!("{:#066x}", 0)]}])
    );
    assert!(quantity(&list["gasUsed"]) > 21_000);
    assert!(list.get("error").is_none_or(Value::is_null), "{list}");

    // Unknown transactions and blocks.
    let zero = format!("{:#066x}", 0);
    assert!(node
        .rpc("debug_traceTransaction", vec![zero.clone().into()])
        .await
        .unwrap_err()
        .to_string()
        .contains("not found"));
    assert_eq!(
        node.rpc("trace_transaction", vec![zero.into()])
            .await
            .unwrap(),
        Value::Null
    );
    assert_eq!(
        node.rpc("trace_block", vec!["0x0".into()]).await.unwrap(),
        json!([])
    );
}

fn hex_of(address: Address) -> String {
    address
        .as_slice()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn quantity(v: &Value) -> u64 {
    berapool_e2e::quantity(v).unwrap().to()
}
