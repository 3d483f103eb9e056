//! The authenticated Engine API of the binary: tokens are checked (missing, forged and stale
//! ones are refused with 401), and a consensus client can drive a block through it with
//! BeaconKit's methods, which carry the parent proposer the block's PoL distribution pays.

#![allow(clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use berapool_e2e::{post, DevNode};
use berapool_rpc::JwtSecret;
use serde_json::{json, Value};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn call(url: &str, token: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let (status, body) = post(url, &body, Some(token)).unwrap();
    assert_eq!(status, 200, "{body}");
    let response: Value = serde_json::from_str(&body).unwrap();
    assert!(response.get("error").is_none(), "{method}: {response}");
    response["result"].clone()
}

#[test]
fn tokens_are_checked_and_a_block_can_be_driven_through_the_engine_api() {
    let node = DevNode::start(&[]).unwrap();
    let url = node.auth_url.clone().unwrap();
    let hex = std::fs::read_to_string(node.jwt_secret.clone().unwrap()).unwrap();
    let secret = JwtSecret::from_hex(hex.trim()).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"engine_exchangeCapabilities","params":[[]]}"#;

    let (status, reason) = post(&url, body, None).unwrap();
    assert_eq!((status, reason.as_str()), (401, "missing bearer token"));
    let forged = JwtSecret::new([9; 32]).encode(now());
    assert_eq!(post(&url, body, Some(&forged)).unwrap().0, 401);
    let stale = secret.encode(now() - 120);
    let (status, reason) = post(&url, body, Some(&stale)).unwrap();
    assert_eq!(status, 401);
    assert!(reason.contains("more than 60 s"), "{reason}");

    let token = secret.encode(now());
    let capabilities = call(&url, &token, "engine_exchangeCapabilities", json!([[]]));
    for method in [
        "engine_newPayloadV4",
        "engine_forkchoiceUpdatedV3P11",
        "engine_getPayloadV4P11",
        "engine_newPayloadV4P11",
    ] {
        assert!(
            capabilities.as_array().unwrap().contains(&json!(method)),
            "{method}"
        );
    }
    assert_eq!(
        call(&url, &token, "eth_chainId", json!([])),
        json!("0x138d7")
    );

    // One block, the way a consensus client makes it.
    let genesis = call(
        &url,
        &token,
        "eth_getBlockByNumber",
        json!(["latest", false]),
    );
    let head = genesis["hash"].clone();
    let state = json!({"headBlockHash": head, "safeBlockHash": head, "finalizedBlockHash": head});
    let beacon_root = format!("0x{}", "ab".repeat(32));
    let attributes = json!({
        "timestamp": "0x10",
        "prevRandao": format!("0x{}", "01".repeat(32)),
        "suggestedFeeRecipient": "0x00000000000000000000000000000000000fee01",
        "withdrawals": [],
        "parentBeaconBlockRoot": beacon_root,
    });
    // The dev chain runs PoL: attributes without the parent proposer are refused.
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "engine_forkchoiceUpdatedV3",
        "params": [state, attributes]})
    .to_string();
    let (_, refused) = post(&url, &body, Some(&token)).unwrap();
    let refused: Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(refused["error"]["code"], json!(-38003), "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("parentProposerPubKey"));
    let proposer = format!("0x{}", "de".repeat(48));
    let mut attributes = attributes;
    attributes["parentProposerPubKey"] = json!(proposer);
    let updated = call(
        &url,
        &token,
        "engine_forkchoiceUpdatedV3P11",
        json!([state, attributes]),
    );
    assert_eq!(updated["payloadStatus"]["status"], json!("VALID"));
    let id = updated["payloadId"].clone();
    let envelope = call(&url, &token, "engine_getPayloadV4P11", json!([id]));
    let payload = envelope["executionPayload"].clone();
    assert_eq!(payload["blockNumber"], json!("0x1"));
    assert_eq!(payload["parentHash"], head);
    let status = call(
        &url,
        &token,
        "engine_newPayloadV4",
        json!([payload, [], beacon_root, envelope["executionRequests"]]),
    );
    assert_eq!(status["status"], json!("INVALID"), "{status}");
    assert!(status["validationError"]
        .as_str()
        .unwrap()
        .contains("parent proposer"));
    let status = call(
        &url,
        &token,
        "engine_newPayloadV4P11",
        json!([
            payload,
            [],
            beacon_root,
            envelope["executionRequests"],
            proposer
        ]),
    );
    assert_eq!(status["status"], json!("VALID"), "{status}");
    let new_head = payload["blockHash"].clone();
    let state = json!({"headBlockHash": new_head, "safeBlockHash": new_head, "finalizedBlockHash": new_head});
    let updated = call(&url, &token, "engine_forkchoiceUpdatedV3", json!([state]));
    assert_eq!(updated["payloadStatus"]["status"], json!("VALID"));

    // The public port sees the new head.
    let (_, body) = post(
        &node.url,
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}"#,
        None,
    )
    .unwrap();
    let latest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(latest["result"]["hash"], new_head);
    assert_eq!(latest["result"]["timestamp"], json!("0x10"));
    assert_eq!(
        latest["result"]["parentBeaconBlockRoot"],
        json!(beacon_root)
    );
}
