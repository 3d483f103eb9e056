//! The devnet as a wallet and a developer see it: one binary, JSON-RPC, blocks as transactions
//! arrive, the pool system at its addresses, clear errors, and a chain that survives a restart.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{address, Address, Bytes, U256};
use alloy_sol_types::SolEvent;
use berapool_e2e::{
    pool_registration, quantity, DevNode, Wallet, DEV_CHAIN_ID, DEV_KEY_0, DEV_KEY_1,
};
use berapool_pool_precompiles::{
    abi::IBeaconDeposit,
    addresses::{BEACON_DEPOSIT, FACTORY},
    pool_state::PoolId,
};
use jsonrpsee::core::ClientError;
use serde_json::{json, Value};

const ONE_BERA: u128 = 1_000_000_000_000_000_000;

fn call_error(result: Result<Value, ClientError>) -> (i32, String) {
    match result {
        Err(ClientError::Call(e)) => (e.code(), e.message().to_owned()),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_is_mined_at_once_and_visible_everywhere() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let bob = address!("00000000000000000000000000000000000b0b01");
    assert_eq!(
        node.rpc("eth_chainId", vec![]).await.unwrap(),
        json!(format!("{DEV_CHAIN_ID:#x}"))
    );
    let before = node.balance(alice.address()).await.unwrap();
    assert_eq!(before, U256::from(100_000_000u128 * ONE_BERA));
    let pending_nonce = node
        .rpc(
            "eth_getTransactionCount",
            vec![json!(alice.address()), json!("pending")],
        )
        .await
        .unwrap();
    assert_eq!(pending_nonce, json!("0x0"));

    let raw = alice
        .call(bob, U256::from(ONE_BERA), Vec::new(), 21_000)
        .unwrap();
    let hash: alloy_primitives::B256 = serde_json::from_value(
        node.rpc("eth_sendRawTransaction", vec![json!(raw)])
            .await
            .unwrap(),
    )
    .unwrap();
    let receipt = node.receipt(hash).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(receipt["gasUsed"], json!("0x5208"));
    assert_eq!(receipt["blockNumber"], json!("0x1"));
    assert_eq!(receipt["from"], json!(alice.address()));
    // Block 1's base fee is 7/8 of genesis' 1 gwei (an empty parent), plus the 1 gwei tip.
    assert_eq!(
        receipt["effectiveGasPrice"],
        json!(format!("{:#x}", 1_875_000_000u64))
    );

    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x1")
    );
    let bob_balance = node.balance(bob).await.unwrap();
    assert_eq!(bob_balance, U256::from(ONE_BERA));
    let after = node.balance(alice.address()).await.unwrap();
    assert_eq!(
        before - after,
        U256::from(ONE_BERA + 21_000 * 1_875_000_000u128)
    );
    let tx = node
        .rpc("eth_getTransactionByHash", vec![json!(hash)])
        .await
        .unwrap();
    assert_eq!(tx["blockNumber"], json!("0x1"));
    assert_eq!(tx["to"], json!(bob));
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("0x1"), json!(false)])
        .await
        .unwrap();
    assert_eq!(block["transactions"], json!([hash]));
    assert_eq!(block["hash"], receipt["blockHash"]);
    let by_hash = node
        .rpc(
            "eth_getBlockByHash",
            vec![receipt["blockHash"].clone(), json!(true)],
        )
        .await
        .unwrap();
    assert_eq!(by_hash["transactions"][0]["hash"], json!(hash));
    let receipts = node
        .rpc("eth_getBlockReceipts", vec![json!("latest")])
        .await
        .unwrap();
    assert_eq!(receipts.as_array().unwrap().len(), 1);
    // eth_estimateGas of a plain transfer is exactly the intrinsic cost.
    let estimate = node
        .rpc(
            "eth_estimateGas",
            vec![json!({"from": alice.address(), "to": bob, "value": "0x1"})],
        )
        .await
        .unwrap();
    assert_eq!(estimate, json!("0x5208"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_1).unwrap();

    let (code, message) = call_error(
        node.rpc("eth_sendRawTransaction", vec![json!("0xdeadbeef")])
            .await,
    );
    assert_eq!(code, -32000);
    assert!(
        message.contains("invalid transaction encoding"),
        "{message}"
    );

    // Underpaid: a max fee below the next block's base fee.
    let underpaid = alice
        .sign(alloy_consensus::TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            gas_limit: 21_000,
            max_fee_per_gas: 1,
            to: alloy_primitives::TxKind::Call(Address::repeat_byte(1)),
            ..Default::default()
        })
        .unwrap();
    let (code, message) = call_error(
        node.rpc("eth_sendRawTransaction", vec![json!(underpaid)])
            .await,
    );
    assert_eq!(code, -32000);
    assert!(message.contains("fee"), "{message}");

    // Parameters that do not parse: -32602 with the decoder's reason in `data` (as reth).
    match node.rpc("eth_getBalance", vec![json!("0x1234")]).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), -32602);
            let reason = e.data().map(|d| d.get().to_owned()).unwrap_or_default();
            assert!(reason.contains("invalid"), "{reason}");
        }
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
    // geth's wording, which ethers and web3.py match on; in a batch too.
    let (code, message) = call_error(node.rpc("eth_noSuchMethod", vec![]).await);
    assert_eq!(code, -32601);
    assert_eq!(
        message,
        "the method eth_noSuchMethod does not exist/is not available"
    );
    let batch = node
        .post_raw(r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"foo_bar"}]"#)
        .unwrap();
    assert_eq!(batch[0]["result"], json!("0x138d7"), "{batch}");
    assert_eq!(batch[1]["error"]["code"], json!(-32601), "{batch}");
    assert_eq!(
        batch[1]["error"]["message"],
        json!("the method foo_bar does not exist/is not available")
    );

    let malformed = node
        .post_raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":")
        .unwrap();
    assert_eq!(malformed["error"]["code"], json!(-32700));

    // A call that reverts reports code 3 with the revert data.
    let (code, message) = call_error(
        node.rpc(
            "eth_call",
            vec![json!({"to": FACTORY, "data": "0xdeadbeef"})],
        )
        .await,
    );
    assert_eq!((code, message.as_str()), (3, "execution reverted"));
    // A pool system error is named with its arguments: here 31-byte withdrawal credentials.
    let bad = berapool_pool_precompiles::abi::IStakingPoolContractsFactory::deployStakingPoolContractsCall {
        pubkey: vec![0x31; 48].into(),
        withdrawalCredentials: vec![1u8; 31].into(),
        signature: vec![0x22; 96].into(),
        validatorAdmin: alice.address(),
        defaultSharesRecipient: alice.address(),
    };
    let deploy = alloy_sol_types::SolCall::abi_encode(&bad);
    let answer = node
        .rpc(
            "eth_call",
            vec![
                json!({"from": alice.address(), "to": FACTORY, "value": "0x21e19e0c9bab2400000",
                "data": Bytes::from(deploy)}),
            ],
        )
        .await;
    let (code, message) = call_error(answer);
    assert_eq!(
        (code, message.as_str()),
        (3, "execution reverted: InvalidWithdrawalCredentials()")
    );

    // Nothing was mined and nothing moved.
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x0")
    );
    let balance = node.balance(alice.address()).await.unwrap();
    assert_eq!(balance, U256::from(100_000_000u128 * ONE_BERA));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_is_registered_through_the_factory_and_its_deposit_is_logged() {
    let fee_recipient = address!("00000000000000000000000000000000000fee01");
    let node = DevNode::start(&["--dev.fee-recipient", &fee_recipient.to_string()]).unwrap();
    let mut operator = Wallet::new(DEV_KEY_0).unwrap();
    let pubkey = [0x11u8; 48];
    let data = pool_registration(pubkey, operator.address());
    let stake = U256::from(10_000u128 * ONE_BERA);
    let estimate = node
        .rpc(
            "eth_estimateGas",
            vec![json!({"from": operator.address(), "to": FACTORY, "value": stake, "data": Bytes::from(data.clone())})],
        )
        .await
        .unwrap();
    let gas = quantity(&estimate).unwrap().to::<u64>();
    assert!(gas > 21_000, "{gas}");
    // The estimate is enough: the transaction sent with exactly that limit succeeds.
    let raw = operator.call(FACTORY, stake, data, gas).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");

    let logs = node
        .rpc(
            "eth_getLogs",
            vec![json!({"fromBlock": "0x0", "toBlock": "latest", "address": BEACON_DEPOSIT, "topics": [IBeaconDeposit::Deposit::SIGNATURE_HASH]})],
        )
        .await
        .unwrap();
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), 1);
    let data: Bytes = serde_json::from_value(logs[0]["data"].clone()).unwrap();
    let deposit = IBeaconDeposit::Deposit::abi_decode_data(&data).unwrap();
    assert_eq!(deposit.2, 10_000 * 1_000_000_000u64, "amount in gwei");
    assert_eq!(logs[0]["transactionHash"], receipt["transactionHash"]);
    // By topic alone (the topic index) the same log is found.
    let by_topic = node
        .rpc(
            "eth_getLogs",
            vec![json!({"fromBlock": "0x0", "topics": [IBeaconDeposit::Deposit::SIGNATURE_HASH]})],
        )
        .await
        .unwrap();
    assert_eq!(by_topic, json!(logs));

    // The staking pool's address now has the marker code Solidity callers see as a contract.
    let pool = PoolId::from_pubkey(&alloy_primitives::FixedBytes(pubkey)).addresses();
    let code = node
        .rpc(
            "eth_getCode",
            vec![json!(pool.staking_pool), json!("latest")],
        )
        .await
        .unwrap();
    assert_eq!(code, json!("0xfe"));
    // The deposit is burnt.
    let burnt = node.balance(Address::ZERO).await.unwrap();
    assert_eq!(burnt, stake);
    // The proposer got the 1 gwei tip on every unit of gas.
    let fees = node.balance(fee_recipient).await.unwrap();
    let gas_used = quantity(&receipt["gasUsed"]).unwrap();
    assert_eq!(fees, gas_used * U256::from(1_000_000_000u64));
}

/// The state after each block of `mined_in`, each of which paid `to` 7 wei from `from`; and
/// nothing before the first.
async fn check_history(node: &DevNode, to: Address, from: Address, mined_in: &[Value]) {
    for (i, block) in mined_in.iter().enumerate() {
        let balance = node
            .rpc("eth_getBalance", vec![json!(to), block.clone()])
            .await
            .unwrap();
        assert_eq!(balance, json!(format!("{:#x}", 7 * (i + 1))), "at {block}");
        let nonce = node
            .rpc("eth_getTransactionCount", vec![json!(from), block.clone()])
            .await
            .unwrap();
        assert_eq!(nonce, json!(format!("{:#x}", i + 1)), "at {block}");
    }
    let before = node
        .rpc("eth_getBalance", vec![json!(to), json!("earliest")])
        .await
        .unwrap();
    assert_eq!(before, json!("0x0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_survives_a_restart_with_the_state_of_every_block() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let to = Address::repeat_byte(0x43);
    let mut last = Value::Null;
    let mut mined_in = Vec::new();
    for _ in 0..3 {
        let raw = alice.call(to, U256::from(7), Vec::new(), 21_000).unwrap();
        last = node.send_and_wait(raw).await.unwrap();
        mined_in.push(last["blockNumber"].clone());
    }
    let head = node.rpc("eth_blockNumber", vec![]).await.unwrap();
    check_history(&node, to, alice.address(), &mined_in).await;
    let (code, message) = call_error(
        node.rpc("eth_getBalance", vec![json!(to), json!("0xffff")])
            .await,
    );
    assert_eq!(code, -32000);
    assert!(message.contains("unknown block"), "{message}");

    let datadir = node.datadir.clone();
    let (status, _keep) = node.stop().unwrap();
    assert!(status.success(), "{status:?}");

    let node = DevNode::start_in(&datadir, &[]).unwrap();
    assert_eq!(node.rpc("eth_blockNumber", vec![]).await.unwrap(), head);
    let balance = node.balance(to).await.unwrap();
    assert_eq!(balance, U256::from(21));
    let receipt = node
        .rpc(
            "eth_getTransactionReceipt",
            vec![last["transactionHash"].clone()],
        )
        .await
        .unwrap();
    assert_eq!(receipt, last);
    check_history(&node, to, alice.address(), &mined_in).await;
    let datadir = node.datadir.clone();
    let (status, _keep) = node.stop().unwrap();
    assert!(status.success(), "{status:?}");

    // Restarted keeping 1 block of history, the node prunes as it goes and says what it keeps.
    let node = DevNode::start_in(&datadir, &["--history.blocks", "1"]).unwrap();
    node.rpc("anvil_mine", vec![json!(2)]).await.unwrap();
    let (code, message) = call_error(
        node.rpc("eth_getBalance", vec![json!(to), json!("earliest")])
            .await,
    );
    assert_eq!(code, -32000);
    assert!(message.contains("keeps the state of blocks"), "{message}");
    let (status, _kept) = node.stop().unwrap();
    assert!(status.success(), "{status:?}");

    // `--dev.reset` starts the devnet afresh on the same datadir.
    let node = DevNode::start_in(&datadir, &["--dev.reset"]).unwrap();
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x0")
    );
    assert_eq!(node.balance(to).await.unwrap(), U256::ZERO);
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_access_list_and_set_code_transactions_are_mined() {
    use alloy_consensus::{SignableTransaction, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
    use alloy_eips::{eip2718::Encodable2718, eip7702::Authorization};
    use alloy_primitives::TxKind;
    use alloy_signer::SignerSync;
    use alloy_signer_local::PrivateKeySigner;

    let node = DevNode::start(&[]).unwrap();
    let sender: PrivateKeySigner = berapool_e2e::DEV_KEY_0.parse().unwrap();
    let authority: PrivateKeySigner = DEV_KEY_1.parse().unwrap();
    let to = Address::repeat_byte(0x61);
    let delegate = address!("00000000000000000000000000000000de1e9a7e");
    let gwei = 1_000_000_000u128;

    let legacy = TxLegacy {
        chain_id: Some(DEV_CHAIN_ID),
        nonce: 0,
        gas_price: 10 * gwei,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(1),
        input: Bytes::new(),
    };
    let sig = sender.sign_hash_sync(&legacy.signature_hash()).unwrap();
    let legacy = TxEnvelope::Legacy(legacy.into_signed(sig));
    let access_list = TxEip2930 {
        chain_id: DEV_CHAIN_ID,
        nonce: 1,
        gas_price: 10 * gwei,
        gas_limit: 30_000,
        to: TxKind::Call(to),
        value: U256::from(2),
        input: Bytes::new(),
        access_list: Default::default(),
    };
    let sig = sender
        .sign_hash_sync(&access_list.signature_hash())
        .unwrap();
    let access_list = TxEnvelope::Eip2930(access_list.into_signed(sig));
    let authorization = Authorization {
        chain_id: U256::from(DEV_CHAIN_ID),
        address: delegate,
        nonce: 0,
    };
    let sig = authority
        .sign_hash_sync(&authorization.signature_hash())
        .unwrap();
    let set_code = TxEip7702 {
        chain_id: DEV_CHAIN_ID,
        nonce: 2,
        gas_limit: 100_000,
        max_fee_per_gas: 10 * gwei,
        max_priority_fee_per_gas: gwei,
        to,
        value: U256::ZERO,
        input: Bytes::new(),
        access_list: Default::default(),
        authorization_list: vec![authorization.into_signed(sig)],
    };
    let sig = sender.sign_hash_sync(&set_code.signature_hash()).unwrap();
    let set_code = TxEnvelope::Eip7702(set_code.into_signed(sig));

    let mut receipts = Vec::new();
    for (tx, kind) in [(legacy, "0x0"), (access_list, "0x1"), (set_code, "0x4")] {
        let raw = Bytes::from(tx.encoded_2718());
        let receipt = node.send_and_wait(raw).await.unwrap();
        assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
        assert_eq!(receipt["type"], json!(kind));
        receipts.push(receipt);
    }
    let balance = node.balance(to).await.unwrap();
    assert_eq!(balance, U256::from(3));
    // The authority now delegates to `delegate` (EIP-7702 designator) and its nonce moved.
    let code = node
        .rpc(
            "eth_getCode",
            vec![json!(authority.address()), json!("latest")],
        )
        .await
        .unwrap();
    assert_eq!(
        code,
        json!(format!(
            "0xef0100{}",
            alloy_primitives::hex::encode(delegate)
        ))
    );
    assert_eq!(
        node.rpc(
            "eth_getTransactionCount",
            vec![json!(authority.address()), json!("latest")]
        )
        .await
        .unwrap(),
        json!("0x1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn node_info_fees_storage_and_batches_answer_with_the_dev_chain_values() {
    let node = DevNode::start(&[]).unwrap();
    assert_eq!(
        node.rpc("web3_clientVersion", vec![]).await.unwrap(),
        json!(format!("anvil/berapool-v{}", env!("CARGO_PKG_VERSION"))),
        "a devnet names itself anvil-compatible, so test frameworks use its dev methods"
    );
    assert_eq!(
        node.rpc("net_version", vec![]).await.unwrap(),
        json!("80087")
    );
    // Genesis base fee 1 gwei; the next block's is 7/8 of it, plus the default 1 gwei tip.
    assert_eq!(
        node.rpc("eth_gasPrice", vec![]).await.unwrap(),
        json!(format!("{:#x}", 875_000_000u64 + 1_000_000_000))
    );
    assert_eq!(
        node.rpc("eth_maxPriorityFeePerGas", vec![]).await.unwrap(),
        json!("0x3b9aca00")
    );
    // The EIP-7002 queue's excess slot holds the inhibitor until the first block.
    let inhibitor = node
        .rpc(
            "eth_getStorageAt",
            vec![
                json!("0x00000961Ef480Eb55e80D19ad83579A64c007002"),
                json!("0x0"),
                json!("latest"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(inhibitor, json!(format!("0x{}", "f".repeat(64))));
    let history = node
        .rpc(
            "eth_feeHistory",
            vec![json!("0x1"), json!("latest"), json!([25, 75])],
        )
        .await
        .unwrap();
    assert_eq!(history["oldestBlock"], json!("0x0"));
    assert_eq!(
        history["baseFeePerGas"],
        json!(["0x3b9aca00", "0x342770c0"])
    );
    assert_eq!(history["gasUsedRatio"], json!([0.0]));
    assert_eq!(history["reward"], json!([["0x0", "0x0"]]));
    let (code, _) = call_error(
        node.rpc(
            "eth_feeHistory",
            vec![json!("0x1"), json!("latest"), json!([75, 25])],
        )
        .await,
    );
    assert_eq!(code, -32602);
    // More percentiles than geth answers are refused, not computed.
    let many: Vec<f64> = (0..101).map(|i| i as f64 * 0.5).collect();
    let (code, message) = call_error(
        node.rpc(
            "eth_feeHistory",
            vec![json!("0x1"), json!("latest"), json!(many)],
        )
        .await,
    );
    assert_eq!(code, -32602);
    assert!(message.contains("at most 100"), "{message}");

    // A batch is answered call by call; one over the limit is refused whole.
    let call =
        |id: usize| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId", "params": []});
    let two = node
        .post_raw(&json!([call(1), call(2)]).to_string())
        .unwrap();
    assert_eq!(two.as_array().unwrap().len(), 2);
    assert_eq!(two[0]["result"], json!("0x138d7"));
    let too_many: Vec<Value> = (0..101).map(call).collect();
    let refused = node.post_raw(&json!(too_many).to_string()).unwrap();
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("atch"),
        "{refused}"
    );
    // And the server keeps serving.
    assert_eq!(
        node.rpc("eth_chainId", vec![]).await.unwrap(),
        json!("0x138d7")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eth_call_takes_state_overrides_for_that_call_only() {
    let node = DevNode::start(&[]).unwrap();
    let contract = Address::repeat_byte(0x2a);
    // PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
    let code = "0x602a60005260206000f3";
    let answer = node
        .rpc(
            "eth_call",
            vec![
                json!({"to": contract}),
                json!("latest"),
                json!({ contract.to_string(): {"code": code} }),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answer, json!(format!("0x{:064x}", 42)));
    // Nothing stays behind.
    assert_eq!(
        node.rpc("eth_getCode", vec![json!(contract), json!("latest")])
            .await
            .unwrap(),
        json!("0x")
    );

    // A sender without funds cannot move value, unless its balance is overridden.
    let poor = Address::repeat_byte(0xd0);
    let transfer = json!({"from": poor, "to": contract, "value": format!("{ONE_BERA:#x}")});
    let refused = node.rpc("eth_call", vec![transfer.clone()]).await;
    assert_eq!(call_error(refused).0, -32000);
    let funded = node
        .rpc(
            "eth_call",
            vec![
                json!({"from": poor, "to": Address::repeat_byte(0x2b), "value": format!("{ONE_BERA:#x}")}),
                json!("latest"),
                json!({ poor.to_string(): {"balance": format!("{:#x}", 2 * ONE_BERA)} }),
            ],
        )
        .await
        .unwrap();
    assert_eq!(funded, json!("0x"));
    let (code, _) = call_error(
        node.rpc(
            "eth_call",
            vec![
                json!({"to": contract}),
                json!("latest"),
                json!("not an override"),
            ],
        )
        .await,
    );
    assert_eq!(code, -32602);
}

/// A calldata-heavy transaction pays the EIP-7623 floor, not its execution gas: the estimate is
/// exactly the floor, and a limit below it is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_gas_estimate_covers_the_calldata_floor() {
    let node = DevNode::start(&[]).unwrap();
    let alice = Wallet::new(DEV_KEY_0).unwrap();
    // 1,000 non-zero bytes: 4,000 tokens. Execution: 21,000 + 16 × 1,000 = 37,000;
    // floor: 21,000 + 10 × 4,000 = 61,000.
    let data = Bytes::from(vec![0xab; 1_000]);
    let request = json!({"from": alice.address(), "to": Address::repeat_byte(0x44), "data": data});
    let estimate = node
        .rpc("eth_estimateGas", vec![request.clone()])
        .await
        .unwrap();
    assert_eq!(estimate, json!("0xee48"), "61,000");
    let mut low = request;
    low["gas"] = json!("0xee47");
    let (_, message) = call_error(node.rpc("eth_estimateGas", vec![low]).await);
    assert!(message.contains("floor"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_that_do_not_fit_a_block_wait_for_the_next() {
    let node = DevNode::start(&["--dev.slot-time", "off"]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    // A contract that loops until its gas runs out: `JUMPDEST PUSH1 0 JUMP`.
    let init = hex_bytes("635b6000566000526004601cf3");
    let deploy = alice
        .sign(alloy_consensus::TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            gas_limit: 100_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: alloy_primitives::TxKind::Create,
            input: init.into(),
            ..Default::default()
        })
        .unwrap();
    let receipt = node.send_and_wait(deploy).await.unwrap();
    let looper: Address = serde_json::from_value(receipt["contractAddress"].clone()).unwrap();

    node.rpc("evm_setAutomine", vec![json!(false)])
        .await
        .unwrap();
    let mut transfers = Vec::new();
    for _ in 0..3 {
        let raw = bob
            .call(
                Address::repeat_byte(0x77),
                U256::from(1),
                Vec::new(),
                21_000,
            )
            .unwrap();
        transfers.push(
            node.rpc("eth_sendRawTransaction", vec![json!(raw)])
                .await
                .unwrap(),
        );
    }
    // The best-paying transaction asks for the whole block's gas and burns it.
    let burner = alice
        .sign(alloy_consensus::TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            gas_limit: 30_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 5_000_000_000,
            to: alloy_primitives::TxKind::Call(looper),
            ..Default::default()
        })
        .unwrap();
    let burner = node
        .rpc("eth_sendRawTransaction", vec![json!(burner)])
        .await
        .unwrap();

    node.rpc("evm_mine", vec![]).await.unwrap();
    let first = node
        .rpc("eth_getTransactionReceipt", vec![burner])
        .await
        .unwrap();
    assert_eq!(first["blockNumber"], json!("0x2"));
    assert_eq!(first["gasUsed"], json!(format!("{:#x}", 30_000_000)));
    for hash in &transfers {
        let waiting = node
            .rpc("eth_getTransactionByHash", vec![hash.clone()])
            .await
            .unwrap();
        assert!(waiting["blockNumber"].is_null(), "{waiting}");
    }
    // The transfers did not fit after it; they were kept and go into the next block.
    node.rpc("evm_mine", vec![]).await.unwrap();
    for hash in transfers {
        let receipt = node
            .rpc("eth_getTransactionReceipt", vec![hash])
            .await
            .unwrap();
        assert_eq!(receipt["blockNumber"], json!("0x3"));
        assert_eq!(receipt["status"], json!("0x1"));
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn future_nonces_wait_queued_within_a_senders_share() {
    let node = DevNode::start(&["--dev.slot-time", "off"]).unwrap();
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let to = Address::repeat_byte(0x78);
    // Nonces 1..=16 behind the missing 0 wait in the queue; a 17th is refused.
    bob.nonce = 1;
    for _ in 0..16 {
        let raw = bob.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
        node.rpc("eth_sendRawTransaction", vec![json!(raw)])
            .await
            .unwrap();
    }
    let raw = bob.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
    let (code, message) = call_error(node.rpc("eth_sendRawTransaction", vec![json!(raw)]).await);
    assert_eq!(code, -32000);
    assert!(message.contains("at most 16"), "{message}");
    assert_eq!(
        node.rpc("txpool_status", vec![]).await.unwrap(),
        json!({"pending": "0x0", "queued": "0x10"})
    );
    assert_eq!(
        node.rpc("eth_blockNumber", vec![]).await.unwrap(),
        json!("0x0")
    );
    // Nonce 0 closes the gap: all 17 are mined.
    bob.nonce = 0;
    let raw = bob.call(to, U256::from(1), Vec::new(), 21_000).unwrap();
    node.send_and_wait(raw).await.unwrap();
    let mut status = Value::Null;
    for _ in 0..100 {
        status = node.rpc("txpool_status", vec![]).await.unwrap();
        if status == json!({"pending": "0x0", "queued": "0x0"}) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, json!({"pending": "0x0", "queued": "0x0"}));
    let nonce = node
        .rpc(
            "eth_getTransactionCount",
            vec![json!(bob.address()), json!("latest")],
        )
        .await
        .unwrap();
    assert_eq!(nonce, json!("0x11"));
}

/// Sends raw HTTP `request` to `url`'s host; the response head and body as text.
fn raw_http(url: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.to_ascii_lowercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_may_call_the_devnet_from_any_origin() {
    let node = DevNode::start(&[]).unwrap();
    let host = node.url.trim_start_matches("http://").to_owned();
    let preflight = raw_http(
        &node.url,
        &format!(
            "OPTIONS / HTTP/1.1\r\nHost: {host}\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(preflight.starts_with("http/1.1 200"), "{preflight}");
    assert!(
        preflight.contains("access-control-allow-origin: *"),
        "{preflight}"
    );
    assert!(
        preflight.contains("access-control-allow-methods"),
        "{preflight}"
    );
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let call = raw_http(
        &node.url,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: http://localhost:5173\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(call.contains("access-control-allow-origin: *"), "{call}");
    assert!(call.contains("0x138d7"), "{call}");

    // A node that follows a consensus client sends no CORS headers unless told to.
    let node = DevNode::start_fresh(&["--chain", "dev"]).unwrap();
    let host = node.url.trim_start_matches("http://").to_owned();
    let call = raw_http(
        &node.url,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: http://localhost:5173\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(!call.contains("access-control-allow-origin"), "{call}");
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour_codes() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(berapool_e2e::node_binary().unwrap())
        .args(["node", "--dev", "--http.port", "0", "--authrpc.port", "0"])
        .args(["--dev.beacon-api", "127.0.0.1:0", "--datadir"])
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let done = line.starts_with("Pool system");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs: Vec<&String> = lines.iter().filter(|l| l.contains("INFO")).collect();
    assert!(!logs.is_empty(), "no log lines: {lines:?}");
    assert!(
        lines.iter().all(|l| !l.contains('\u{1b}')),
        "colour codes in {lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_accounts_sign_send_and_sign_typed_data() {
    use alloy_consensus::transaction::SignerRecoverable;
    use alloy_eips::eip2718::Decodable2718;
    use alloy_signer::SignerSync;
    let node = DevNode::start(&[]).unwrap();
    let accounts = node.rpc("eth_accounts", vec![]).await.unwrap();
    let accounts: Vec<Address> = serde_json::from_value(accounts).unwrap();
    assert_eq!(accounts.len(), 10);
    let me = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(accounts[0], me);

    // eth_sendTransaction fills in nonce, gas and fees, signs and sends.
    let to = Address::repeat_byte(0x5e);
    let hash = node
        .rpc(
            "eth_sendTransaction",
            vec![json!({"from": me, "to": to, "value": "0x2a"})],
        )
        .await
        .unwrap();
    let receipt = node
        .receipt(serde_json::from_value(hash).unwrap())
        .await
        .unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(node.balance(to).await.unwrap(), U256::from(42));

    // eth_signTransaction returns the signed bytes, nothing is sent.
    let raw = node
        .rpc(
            "eth_signTransaction",
            vec![json!({"from": me, "to": to, "value": "0x1"})],
        )
        .await
        .unwrap();
    let raw: Bytes = serde_json::from_value(raw).unwrap();
    let tx = alloy_consensus::TxEnvelope::decode_2718(&mut raw.as_ref()).unwrap();
    assert_eq!(tx.recover_signer().unwrap(), me);
    assert_eq!(alloy_consensus::Transaction::nonce(&tx), 1);

    // eth_sign and personal_sign: EIP-191 signatures by the account, the same from both.
    let key = DEV_KEY_0
        .parse::<alloy_signer_local::PrivateKeySigner>()
        .unwrap();
    let expected = Bytes::from(key.sign_message_sync(b"hello").unwrap().as_bytes().to_vec());
    let signed = node
        .rpc("eth_sign", vec![json!(me), json!("0x68656c6c6f")])
        .await
        .unwrap();
    assert_eq!(signed, json!(expected));
    let signed = node
        .rpc("personal_sign", vec![json!("0x68656c6c6f"), json!(me)])
        .await
        .unwrap();
    assert_eq!(signed, json!(expected));

    // eth_signTypedData_v4, with the typed data as an object or as its JSON text.
    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "berapool", "chainId": 80087},
        "message": {"to": "0x5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", "contents": "stake"}
    });
    let data: alloy_dyn_abi::eip712::TypedData = serde_json::from_value(typed.clone()).unwrap();
    let expected = Bytes::from(
        key.sign_dynamic_typed_data_sync(&data)
            .unwrap()
            .as_bytes()
            .to_vec(),
    );
    for form in [typed.clone(), json!(typed.to_string())] {
        let signed = node
            .rpc("eth_signTypedData_v4", vec![json!(me), form])
            .await
            .unwrap();
        assert_eq!(signed, json!(expected));
    }

    // An account the node holds no key for.
    let (code, message) = call_error(
        node.rpc(
            "eth_sendTransaction",
            vec![json!({"from": Address::repeat_byte(9), "to": to})],
        )
        .await,
    );
    assert_eq!(code, -32000);
    assert!(message.contains("unknown account"), "{message}");

    // Off --dev the node holds no keys: no accounts, no signing methods.
    let node = DevNode::start_fresh(&["--chain", "dev"]).unwrap();
    assert_eq!(node.rpc("eth_accounts", vec![]).await.unwrap(), json!([]));
    let (code, _) = call_error(
        node.rpc("eth_sendTransaction", vec![json!({"from": me, "to": to})])
            .await,
    );
    assert_eq!(code, -32601);
}

#[tokio::test(flavor = "multi_thread")]
async fn contracts_deploy_at_their_create2_address_through_the_deterministic_deployer() {
    use berapool_chainspec::CREATE2_DEPLOYER;
    let node = DevNode::start(&[]).unwrap();
    let me = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    // Init code returning the runtime `PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`.
    let runtime = hex_bytes("602a60005260206000f3");
    let mut init = vec![0x69];
    init.extend_from_slice(&runtime);
    init.extend_from_slice(&hex_bytes("600052600a6016f3"));
    let salt = alloy_primitives::B256::repeat_byte(7);
    let expected = CREATE2_DEPLOYER.create2_from_code(salt, &init);
    let mut data = salt.to_vec();
    data.extend_from_slice(&init);
    let call = json!({"from": me, "to": CREATE2_DEPLOYER, "data": Bytes::from(data)});
    // The call answers the address it would create...
    let answer = node
        .rpc("eth_call", vec![call.clone(), json!("latest")])
        .await
        .unwrap();
    assert_eq!(answer, json!(Bytes::copy_from_slice(expected.as_slice())));
    // ...and the transaction creates it there.
    let hash = node
        .rpc("eth_sendTransaction", vec![call.clone()])
        .await
        .unwrap();
    let receipt = node
        .receipt(serde_json::from_value(hash).unwrap())
        .await
        .unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    let code = node
        .rpc("eth_getCode", vec![json!(expected), json!("latest")])
        .await
        .unwrap();
    assert_eq!(code, json!(Bytes::from(runtime)));
    // The same salt and code again: CREATE2 fails, the proxy reverts.
    let (code, _) = call_error(node.rpc("eth_call", vec![call, json!("latest")]).await);
    assert_eq!(code, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_blob_base_fee_is_the_minimum_on_a_chain_without_blobs() {
    let node = DevNode::start(&[]).unwrap();
    node.rpc("anvil_mine", vec![json!(3)]).await.unwrap();
    let fee = node.rpc("eth_blobBaseFee", vec![]).await.unwrap();
    assert_eq!(fee, json!("0x1"));
    let head = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    assert_eq!(head["excessBlobGas"], json!("0x0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_serves_only_the_namespaces_named() {
    let node = DevNode::start(&["--http.api", "eth,net"]).unwrap();
    assert_eq!(
        node.rpc("eth_chainId", vec![]).await.unwrap(),
        json!("0x138d7")
    );
    assert_eq!(
        node.rpc("net_version", vec![]).await.unwrap(),
        json!("80087")
    );
    for method in [
        "web3_clientVersion",
        "anvil_mine",
        "debug_traceCall",
        "txpool_status",
    ] {
        let (code, message) = call_error(node.rpc(method, vec![]).await);
        assert_eq!(code, -32601, "{method}");
        assert!(
            message.contains("does not exist/is not available"),
            "{message}"
        );
    }
    // An unknown namespace stops the node before it starts, with the list it takes.
    let out = std::process::Command::new(berapool_e2e::node_binary().unwrap())
        .args(["node", "--dev", "--http.api", "eth,admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown API namespace `admin`"), "{stderr}");
}
