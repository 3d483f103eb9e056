//! The anvil surface through the binary: state edits mined into blocks of their own (seen at
//! once, kept across a restart and re-executed from genesis to the same state root),
//! impersonation, snapshot/revert and reset unwinding blocks, the pool, the coinbase, the gas
//! limit and `anvil_nodeInfo`.

#![allow(clippy::unwrap_used)]

use alloy_consensus::transaction::Recovered;
use alloy_primitives::{Address, U256};
use berapool_chainspec::ChainSpec;
use berapool_e2e::{quantity, DevNode, Wallet, DEV_KEY_0};
use serde_json::{json, Value};

fn hex(n: impl Into<u128>) -> String {
    format!("{:#x}", n.into())
}

async fn head(node: &DevNode) -> u64 {
    quantity(&node.rpc("eth_blockNumber", vec![]).await.unwrap())
        .unwrap()
        .to()
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_are_blocks_that_survive_a_restart_and_a_replay() {
    let node = DevNode::start(&[]).unwrap();
    let who = Address::repeat_byte(0x51);
    let a = json!(who);

    node.rpc("anvil_setBalance", vec![a.clone(), hex(1_000u64).into()])
        .await
        .unwrap();
    assert_eq!(node.balance(who).await.unwrap(), U256::from(1_000));
    assert_eq!(head(&node).await, 1, "each edit is a block");
    node.rpc("anvil_addBalance", vec![a.clone(), hex(24u64).into()])
        .await
        .unwrap();
    node.rpc("hardhat_setBalance", vec![a.clone(), "0x0500".into()])
        .await
        .unwrap();
    node.rpc("anvil_addBalance", vec![a.clone(), hex(1u64).into()])
        .await
        .unwrap();
    assert_eq!(node.balance(who).await.unwrap(), U256::from(1_281));

    // A contract that returns slot 0: PUSH0 SLOAD PUSH0 MSTORE PUSH1 32 PUSH0 RETURN.
    let code = "0x5f545f5260205ff3";
    node.rpc("anvil_setCode", vec![a.clone(), code.into()])
        .await
        .unwrap();
    node.rpc(
        "anvil_setStorageAt",
        vec![a.clone(), "0x0".into(), hex(0xbeefu64).into()],
    )
    .await
    .unwrap();
    node.rpc("hardhat_setNonce", vec![a.clone(), "0x7".into()])
        .await
        .unwrap();
    assert_eq!(
        node.rpc("eth_getCode", vec![a.clone(), "latest".into()])
            .await
            .unwrap(),
        json!(code)
    );
    let word = node
        .rpc(
            "eth_call",
            vec![json!({"to": who, "data": "0x"}), "latest".into()],
        )
        .await
        .unwrap();
    assert_eq!(quantity(&word).unwrap(), U256::from(0xbeef));
    assert_eq!(
        node.rpc("eth_getTransactionCount", vec![a.clone(), "latest".into()])
            .await
            .unwrap(),
        json!("0x7")
    );
    // The state before an edit stays readable at its block.
    assert_eq!(
        node.rpc("eth_getBalance", vec![a.clone(), "0x1".into()])
            .await
            .unwrap(),
        json!(hex(1_000u64))
    );
    // Malformed code is refused with the reason, and no block is made.
    let before = head(&node).await;
    let bad = node
        .rpc("anvil_setCode", vec![a.clone(), "0xef0100".into()])
        .await
        .unwrap_err()
        .to_string();
    assert!(bad.contains("invalid params"), "{bad}");
    assert_eq!(head(&node).await, before);
    let edited_head = head(&node).await;

    // Restart: the edits are in the stored blocks' state.
    let datadir = node.datadir.clone();
    let (_, temp) = node.stop().unwrap();
    let node = DevNode::start_in(&datadir, &[]).unwrap();
    assert_eq!(head(&node).await, edited_head);
    assert_eq!(node.balance(who).await.unwrap(), U256::from(1_281));
    let (_, _) = node.stop().unwrap();

    // Re-executed from genesis with the edits each block records: the same blocks.
    let spec = ChainSpec::dev().unwrap();
    let store = berapool_storage::ChainStore::open(&datadir, &spec).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let mut replay = berapool_engine::Blockchain::open(fresh.path(), spec).unwrap();
    for n in 1..=edited_head {
        let block = store.block(n).unwrap().unwrap();
        assert!(!block.state_edits.is_empty(), "block {n} records its edit");
        let requests = store.requests(n).unwrap().unwrap_or_default();
        let transactions = block
            .transactions
            .iter()
            .zip(&block.senders)
            .map(|(tx, sender)| Recovered::new_unchecked(tx.clone(), *sender))
            .collect::<Vec<_>>();
        // Without its edits the block is not the same block.
        assert!(replay
            .validate(
                &block.header,
                transactions.clone(),
                block.withdrawals.clone(),
                &requests,
                Vec::new(),
                block.parent_proposer_pubkey,
            )
            .is_err());
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
        replay.commit(sealed).unwrap();
    }
    assert_eq!(
        replay.head().header.state_root,
        store.header(edited_head).unwrap().unwrap().state_root
    );
    drop(temp);
}

#[tokio::test(flavor = "multi_thread")]
async fn impersonated_accounts_send_without_a_key_until_stopped() {
    let node = DevNode::start(&[]).unwrap();
    let whale = Address::repeat_byte(0x77);
    let to = Address::repeat_byte(0x78);
    node.rpc(
        "anvil_setBalance",
        vec![json!(whale), hex(10u128.pow(21)).into()],
    )
    .await
    .unwrap();
    let send = || {
        node.rpc(
            "eth_sendTransaction",
            vec![json!({"from": whale, "to": to, "value": "0x2a"})],
        )
    };
    let refused = send().await.unwrap_err().to_string();
    assert!(refused.contains("unknown account"), "{refused}");

    node.rpc("anvil_impersonateAccount", vec![json!(whale)])
        .await
        .unwrap();
    let hash: alloy_primitives::B256 = serde_json::from_value(send().await.unwrap()).unwrap();
    let receipt = node.receipt(hash).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(receipt["from"], json!(whale));
    let tx = node
        .rpc("eth_getTransactionByHash", vec![json!(hash)])
        .await
        .unwrap();
    assert_eq!(tx["from"], json!(whale));
    assert_eq!(node.balance(to).await.unwrap(), U256::from(42));

    node.rpc("hardhat_stopImpersonatingAccount", vec![json!(whale)])
        .await
        .unwrap();
    assert!(send().await.is_err());
    node.rpc("anvil_autoImpersonateAccount", vec![json!(true)])
        .await
        .unwrap();
    let hash: alloy_primitives::B256 = serde_json::from_value(send().await.unwrap()).unwrap();
    assert_eq!(node.receipt(hash).await.unwrap()["status"], json!("0x1"));
    assert_eq!(node.balance(to).await.unwrap(), U256::from(84));

    // A contract sends too (a multisig in a hardhat test): the dev chain has EIP-3607 off.
    node.rpc("anvil_setCode", vec![json!(whale), "0x5f5ff3".into()])
        .await
        .unwrap();
    let hash: alloy_primitives::B256 = serde_json::from_value(send().await.unwrap()).unwrap();
    assert_eq!(node.receipt(hash).await.unwrap()["status"], json!("0x1"));
    assert_eq!(node.balance(to).await.unwrap(), U256::from(126));
}

#[tokio::test(flavor = "multi_thread")]
async fn revert_and_reset_unwind_blocks_and_the_chain_goes_on() {
    let node = DevNode::start(&[]).unwrap();
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let to = Address::repeat_byte(0x99);
    let send = |raw| node.send_and_wait(raw);

    send(wallet.call(to, U256::from(1), vec![], 21_000).unwrap())
        .await
        .unwrap();
    let id = node.rpc("evm_snapshot", vec![]).await.unwrap();
    let at_snapshot = head(&node).await;
    let kept = node
        .rpc(
            "eth_getBlockByNumber",
            vec![hex(at_snapshot).into(), false.into()],
        )
        .await
        .unwrap();
    let receipt = send(wallet.call(to, U256::from(2), vec![], 21_000).unwrap())
        .await
        .unwrap();
    let gone: alloy_primitives::B256 =
        serde_json::from_value(receipt["transactionHash"].clone()).unwrap();
    node.rpc("anvil_setBalance", vec![json!(to), "0x64".into()])
        .await
        .unwrap();
    assert_eq!(node.balance(to).await.unwrap(), U256::from(100));

    assert_eq!(
        node.rpc("evm_revert", vec![id.clone()]).await.unwrap(),
        json!(true)
    );
    assert_eq!(head(&node).await, at_snapshot);
    assert_eq!(node.balance(to).await.unwrap(), U256::from(1));
    assert!(node
        .rpc("eth_getTransactionReceipt", vec![json!(gone)])
        .await
        .unwrap()
        .is_null());
    assert_eq!(
        node.rpc(
            "eth_getBlockByNumber",
            vec![hex(at_snapshot).into(), false.into()]
        )
        .await
        .unwrap()["hash"],
        kept["hash"]
    );
    assert!(node
        .rpc(
            "eth_getBlockByNumber",
            vec![hex(at_snapshot + 1).into(), false.into()]
        )
        .await
        .unwrap()
        .is_null());
    // A snapshot is used up by its revert, as on anvil.
    assert_eq!(
        node.rpc("evm_revert", vec![id]).await.unwrap(),
        json!(false)
    );
    assert_eq!(
        node.rpc("evm_revert", vec!["0x99".into()]).await.unwrap(),
        json!(false)
    );

    // The chain goes on from the snapshot: the reverted nonce is free again.
    wallet.nonce -= 1;
    let receipt = send(wallet.call(to, U256::from(5), vec![], 21_000).unwrap())
        .await
        .unwrap();
    assert_eq!(receipt["blockNumber"], json!(hex(at_snapshot + 1)));
    assert_eq!(node.balance(to).await.unwrap(), U256::from(6));

    // Reset: back to the genesis, and forking is refused.
    let fork = node
        .rpc(
            "anvil_reset",
            vec![json!({"forking": {"jsonRpcUrl": "http://x"}})],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(fork.contains("forking is not supported"), "{fork}");
    node.rpc("anvil_reset", vec![]).await.unwrap();
    assert_eq!(head(&node).await, 0);
    assert_eq!(node.balance(to).await.unwrap(), U256::ZERO);
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let receipt = send(wallet.call(to, U256::from(7), vec![], 21_000).unwrap())
        .await
        .unwrap();
    assert_eq!(receipt["blockNumber"], json!("0x1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pool_coinbase_gas_limit_and_node_info() {
    let node = DevNode::start(&[]).unwrap();
    node.rpc("evm_setAutomine", vec![false.into()])
        .await
        .unwrap();
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let raw = wallet
        .call(Address::repeat_byte(1), U256::from(1), vec![], 21_000)
        .unwrap();
    let hash = node
        .rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    // An edit with automine off mines its own block and leaves the pool alone.
    node.rpc(
        "anvil_setBalance",
        vec![json!(Address::repeat_byte(2)), "0x1".into()],
    )
    .await
    .unwrap();
    let status = node.rpc("txpool_status", vec![]).await.unwrap();
    assert_eq!(status["pending"], json!("0x1"));
    assert_eq!(
        node.rpc("anvil_dropTransaction", vec![hash.clone()])
            .await
            .unwrap(),
        hash
    );
    assert_eq!(
        node.rpc("anvil_dropTransaction", vec![hash]).await.unwrap(),
        Value::Null
    );
    assert_eq!(
        node.rpc("txpool_status", vec![]).await.unwrap()["pending"],
        json!("0x0")
    );

    let coinbase = Address::repeat_byte(0xcb);
    node.rpc("anvil_setCoinbase", vec![json!(coinbase)])
        .await
        .unwrap();
    let gas_limit = |block: Value| quantity(&block["gasLimit"]).unwrap().to::<u64>();
    let before = node
        .rpc("eth_getBlockByNumber", vec!["latest".into(), false.into()])
        .await
        .unwrap();
    node.rpc(
        "evm_setBlockGasLimit",
        vec![hex(gas_limit(before.clone()) * 2).into()],
    )
    .await
    .unwrap();
    node.rpc("evm_mine", vec![]).await.unwrap();
    let after = node
        .rpc("eth_getBlockByNumber", vec!["latest".into(), false.into()])
        .await
        .unwrap();
    assert_eq!(after["miner"], json!(coinbase));
    let (old, new) = (gas_limit(before), gas_limit(after));
    assert_eq!(
        new,
        old + old / 1024 - 1,
        "one block's step toward the target"
    );

    let info = node.rpc("anvil_nodeInfo", vec![]).await.unwrap();
    assert_eq!(info["currentBlockNumber"], json!(head(&node).await));
    assert_eq!(info["environment"]["chainId"], json!(80087));
    assert_eq!(info["environment"]["gasLimit"], json!(new));
    assert_eq!(info["mining"]["automine"], json!(false));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_anvil_methods_exist_only_in_dev_mode() {
    let node = DevNode::start_fresh(&["--chain", "dev"]).unwrap();
    assert_eq!(
        node.rpc("web3_clientVersion", vec![]).await.unwrap(),
        json!(format!("berapool/v{}", env!("CARGO_PKG_VERSION")))
    );
    for method in [
        "anvil_setBalance",
        "evm_snapshot",
        "anvil_impersonateAccount",
    ] {
        let error = node.rpc(method, vec![]).await.unwrap_err().to_string();
        assert!(
            error.contains("does not exist/is not available"),
            "{method}: {error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_filters_report_what_comes_after_a_revert() {
    let node = DevNode::start(&[]).unwrap();
    // A contract that logs (LOG0 of nothing) whenever it is called.
    let logger = Address::repeat_byte(0x10);
    node.rpc("anvil_setCode", vec![json!(logger), "0x5f5fa0".into()])
        .await
        .unwrap();
    let logs = node
        .rpc("eth_newFilter", vec![json!({"address": logger})])
        .await
        .unwrap();
    let blocks = node.rpc("eth_newBlockFilter", vec![]).await.unwrap();
    let poll = |id: Value| node.rpc("eth_getFilterChanges", vec![id]);
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let id = node.rpc("evm_snapshot", vec![]).await.unwrap();
    let first = node
        .send_and_wait(wallet.call(logger, U256::ZERO, vec![], 50_000).unwrap())
        .await
        .unwrap();
    assert_eq!(
        poll(logs.clone()).await.unwrap().as_array().unwrap().len(),
        1
    );
    poll(blocks.clone()).await.unwrap();

    node.rpc("evm_revert", vec![id]).await.unwrap();
    wallet.nonce -= 1;
    let again = node
        .send_and_wait(wallet.call(logger, U256::ZERO, vec![], 50_000).unwrap())
        .await
        .unwrap();
    assert_eq!(
        again["blockNumber"], first["blockNumber"],
        "the same height again"
    );
    let after = poll(logs).await.unwrap();
    let after = after.as_array().unwrap();
    assert_eq!(
        after.len(),
        1,
        "the new block's log, at a height reported before"
    );
    assert_eq!(after[0]["blockHash"], again["blockHash"]);
    let hashes = poll(blocks).await.unwrap();
    assert!(
        hashes.as_array().unwrap().contains(&again["blockHash"]),
        "{hashes}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revert_is_no_new_block_to_subscribers_and_keeps_what_it_does_not_remove() {
    use jsonrpsee::{
        core::client::{ClientT, SubscriptionClientT},
        rpc_params,
        ws_client::WsClientBuilder,
    };
    let node = DevNode::start(&[]).unwrap();
    let logger = Address::repeat_byte(0x11);
    node.rpc("anvil_setCode", vec![json!(logger), "0x5f5fa0".into()])
        .await
        .unwrap();
    let ws = WsClientBuilder::default()
        .build(node.url.replace("http://", "ws://"))
        .await
        .unwrap();
    let mut logs = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["logs", json!({"address": logger})],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut wallet = Wallet::new(DEV_KEY_0).unwrap();
    let call = |w: &mut Wallet| w.call(logger, U256::ZERO, vec![], 50_000).unwrap();
    let first = node.send_and_wait(call(&mut wallet)).await.unwrap();
    let id = node.rpc("evm_snapshot", vec![]).await.unwrap();
    node.send_and_wait(call(&mut wallet)).await.unwrap();
    node.rpc("evm_revert", vec![id]).await.unwrap();
    wallet.nonce -= 1;
    let third = node.send_and_wait(call(&mut wallet)).await.unwrap();
    let wait = std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let log = tokio::time::timeout(wait, logs.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push(log["transactionHash"].clone());
    }
    // Going back to the first call's block did not send its log again.
    assert_eq!(seen[0], first["transactionHash"]);
    assert_eq!(seen[2], third["transactionHash"], "{seen:?}");
    assert_ne!(seen[1], first["transactionHash"]);

    // A revert to the head removes nothing, and keeps the pool.
    node.rpc("evm_setAutomine", vec![false.into()])
        .await
        .unwrap();
    let pending = call(&mut wallet);
    node.rpc("eth_sendRawTransaction", vec![json!(pending)])
        .await
        .unwrap();
    let id = node.rpc("evm_snapshot", vec![]).await.unwrap();
    assert_eq!(node.rpc("evm_revert", vec![id]).await.unwrap(), json!(true));
    assert_eq!(
        node.rpc("txpool_status", vec![]).await.unwrap()["pending"],
        json!("0x1")
    );
    let _ = ws.request::<Value, _>("eth_chainId", rpc_params![]).await;

    // A state edit leaves an `evm_setNextBlockTimestamp` to the next block of transactions.
    let head: Value = node
        .rpc("eth_getBlockByNumber", vec!["latest".into(), false.into()])
        .await
        .unwrap();
    let at = quantity(&head["timestamp"]).unwrap().to::<u64>() + 1_000;
    node.rpc("evm_setNextBlockTimestamp", vec![json!(at)])
        .await
        .unwrap();
    node.rpc(
        "anvil_setBalance",
        vec![json!(Address::repeat_byte(3)), "0x1".into()],
    )
    .await
    .unwrap();
    node.rpc("evm_mine", vec![]).await.unwrap();
    let mined: Value = node
        .rpc("eth_getBlockByNumber", vec!["latest".into(), false.into()])
        .await
        .unwrap();
    assert_eq!(quantity(&mined["timestamp"]).unwrap().to::<u64>(), at);
    assert_eq!(mined["transactions"].as_array().unwrap().len(), 1);
}
