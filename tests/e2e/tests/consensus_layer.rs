//! The dev consensus layer through the binary: it is rebuilt from the stored blocks after a
//! restart, and `berapool-node oracle` activates pools against a running node.
#![allow(clippy::unwrap_used)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy_primitives::{Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use berapool_e2e::{node_binary, pool_registration, DevNode, Wallet, DEV_KEY_1};
use berapool_pool_precompiles::{
    abi::IStakingPool,
    pool_state::{addresses::FACTORY, PoolId},
};
use serde_json::json;

/// Dev account 9, which holds FEEDER_ROLE in the dev genesis.
const FEEDER_KEY: &str = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
const PUBKEY: [u8; 48] = [0x33; 48];

/// Registers a pool for [`PUBKEY`] with its first 10,000 BERA.
async fn deploy_pool(node: &DevNode, operator: &mut Wallet) {
    let value = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64));
    let raw = operator
        .call(
            FACTORY,
            value,
            pool_registration(PUBKEY, operator.address()),
            1_000_000,
        )
        .unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_beacon_chain_is_rebuilt_from_the_blocks_after_a_restart() {
    let node = DevNode::start(&[]).unwrap();
    let mut operator = Wallet::new(DEV_KEY_1).unwrap();
    deploy_pool(&node, &mut operator).await;
    node.rpc("anvil_mine", vec![json!(3)]).await.unwrap();
    let root = node.beacon("/eth/v1/beacon/states/head/root").unwrap();
    let validators = node
        .beacon("/eth/v1/beacon/states/head/validators")
        .unwrap();
    assert_eq!(validators["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        validators["data"][1]["balance"],
        json!("10000000000000"),
        "the pool's first deposit"
    );

    let (_, temp) = node.stop().unwrap();
    let temp = temp.unwrap();
    let node = DevNode::start_in(&temp.path().join("data"), &[]).unwrap();
    assert_eq!(
        node.beacon("/eth/v1/beacon/states/head/root").unwrap(),
        root
    );
    assert_eq!(
        node.beacon("/eth/v1/beacon/states/head/validators")
            .unwrap(),
        validators
    );
    // Blocks built after the restart carry on from the replayed state.
    node.rpc("anvil_mine", vec![json!(1)]).await.unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    // The slot that was the head before the restart is still there, unchanged.
    assert_eq!(node.beacon("/eth/v1/beacon/states/4/root").unwrap(), root);
    let proof = node
        .beacon(&format!(
            "/bkit/v1/proof/block_proposer/t{}",
            u64::from_str_radix(
                block["timestamp"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
                16
            )
            .unwrap()
        ))
        .unwrap();
    assert_eq!(proof["beacon_block_root"], block["parentBeaconBlockRoot"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oracle_command_activates_a_pool_against_a_running_node() {
    // A bad key is refused before anything runs.
    let out = Command::new(node_binary().unwrap())
        .args(["oracle", "--key", "0x00", "--rpc", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let node = DevNode::start(&[]).unwrap();
    let mut operator = Wallet::new(DEV_KEY_1).unwrap();
    deploy_pool(&node, &mut operator).await;
    // One block processes the deposit, one more makes it provable "as of" the head.
    node.rpc("anvil_mine", vec![json!(2)]).await.unwrap();
    // The key from a file.
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), format!("{FEEDER_KEY}\n")).unwrap();
    let mut feeder = Command::new(node_binary().unwrap())
        .args([
            "oracle",
            "--rpc",
            &node.url,
            "--beacon",
            node.beacon_url.as_deref().unwrap(),
            "--key-file",
            key_file.path().to_str().unwrap(),
            "--interval",
            "500ms",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pool = PoolId::from_pubkey(&FixedBytes(PUBKEY)).addresses();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let active = node
            .rpc(
                "eth_call",
                vec![
                    json!({"to": pool.staking_pool, "data": Bytes::from(IStakingPool::isActiveCall {}.abi_encode())}),
                    json!("latest"),
                ],
            )
            .await
            .unwrap();
        if active.as_str().is_some_and(|s| s.ends_with('1')) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the feeder did not activate the pool"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = feeder.kill();
    let _ = feeder.wait();
    // The feeder account paid for it; nobody else did.
    let nonce = node
        .rpc(
            "eth_getTransactionCount",
            vec![
                json!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"),
                json!("latest"),
            ],
        )
        .await
        .unwrap();
    assert_ne!(nonce, json!("0x0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oracle_replaces_a_submission_left_unmined_at_a_higher_fee() {
    let node = DevNode::start(&[]).unwrap();
    let mut operator = Wallet::new(DEV_KEY_1).unwrap();
    deploy_pool(&node, &mut operator).await;
    node.rpc("anvil_mine", vec![json!(2)]).await.unwrap();
    // From here on blocks come only when asked for: the feeder's activation waits in the pool.
    node.rpc("evm_setAutomine", vec![json!(false)])
        .await
        .unwrap();
    let mut feeder = Command::new(node_binary().unwrap())
        .args([
            "oracle",
            "--rpc",
            &node.url,
            "--beacon",
            node.beacon_url.as_deref().unwrap(),
            "--interval",
            "200ms",
            "--resend-after",
            "1s",
        ])
        // The key from the environment, not the command line.
        .env("BERAPOOL_ORACLE_KEY", FEEDER_KEY)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while node.rpc("txpool_status", vec![]).await.unwrap()["pending"] != json!("0x1") {
        assert!(Instant::now() < deadline, "the feeder sent nothing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Past the resend time the submission is replaced at the same nonce, not queued behind.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let _ = feeder.kill();
    let _ = feeder.wait();
    assert_eq!(
        node.rpc("txpool_status", vec![]).await.unwrap(),
        json!({"pending": "0x1", "queued": "0x0"})
    );
    node.rpc("evm_mine", vec![]).await.unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(true)])
        .await
        .unwrap();
    let tx = &block["transactions"][0];
    assert_eq!(
        tx["from"].as_str().unwrap().to_lowercase(),
        "0xa0ee7a142d267c1f36714e4a8f75612f20a79720"
    );
    assert_eq!(tx["nonce"], json!("0x0"));
    let tip = u128::from_str_radix(
        tx["maxPriorityFeePerGas"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert!(tip > 1_250_000_000, "tip {tip}: the first price was 1 gwei");
    let pool = PoolId::from_pubkey(&FixedBytes(PUBKEY)).addresses();
    let active = node
        .rpc(
            "eth_call",
            vec![
                json!({"to": pool.staking_pool, "data": Bytes::from(IStakingPool::isActiveCall {}.abi_encode())}),
                json!("latest"),
            ],
        )
        .await
        .unwrap();
    assert!(active.as_str().unwrap().ends_with('1'), "{active}");
}
