//! State at older blocks through the binary: balances, code, storage, `eth_call` and
//! `eth_getProof` answer for the block asked, after later blocks changed everything they read;
//! the proofs verify against each block's state root with alloy-trie.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Encodable;
use alloy_trie::{proof::verify_proof, Nibbles, TrieAccount};
use berapool_e2e::{DevNode, Wallet, DEV_KEY_0};
use serde_json::{json, Value};

/// The EIP-4788 beacon-roots contract: its ring slots change every block.
const BEACON_ROOTS: Address =
    alloy_primitives::address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");

fn quantity(value: &Value) -> U256 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a quantity: {value}"))
}

fn word(value: &Value) -> B256 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a hash: {value}"))
}

fn proof_nodes(value: &Value) -> Vec<Bytes> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a proof: {value}"))
        .iter()
        .map(|node| node.as_str().and_then(|s| s.parse().ok()).unwrap())
        .collect()
}

/// Checks an `eth_getProof` answer against `state_root` (account and every storage proof).
fn verify(state_root: B256, address: Address, answer: &Value) {
    let account = TrieAccount {
        nonce: quantity(&answer["nonce"]).to(),
        balance: quantity(&answer["balance"]),
        storage_root: word(&answer["storageHash"]),
        code_hash: word(&answer["codeHash"]),
    };
    let mut leaf = Vec::new();
    account.encode(&mut leaf);
    let empty = account.nonce == 0
        && account.balance.is_zero()
        && account.storage_root == alloy_trie::EMPTY_ROOT_HASH
        && account.code_hash == alloy_trie::KECCAK_EMPTY;
    let expected = (!empty).then_some(leaf);
    assert_eq!(
        verify_proof(
            state_root,
            Nibbles::unpack(keccak256(address)),
            expected,
            &proof_nodes(&answer["accountProof"]),
        ),
        Ok(()),
        "account proof of {address}"
    );
    for entry in answer["storageProof"].as_array().unwrap() {
        let key = word(&entry["key"]);
        let value = quantity(&entry["value"]);
        let expected = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        assert_eq!(
            verify_proof(
                account.storage_root,
                Nibbles::unpack(keccak256(key)),
                expected,
                &proof_nodes(&entry["proof"]),
            ),
            Ok(()),
            "storage proof of {address} slot {key}"
        );
    }
}

/// Code that returns the balance of `who`: PUSH20 who, BALANCE, PUSH0, MSTORE, PUSH1 32,
/// PUSH0, RETURN.
fn balance_reader(who: Address) -> Bytes {
    let mut code = vec![0x73];
    code.extend_from_slice(who.as_slice());
    code.extend_from_slice(&[0x31, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]);
    code.into()
}

#[tokio::test(flavor = "multi_thread")]
async fn state_calls_and_proofs_answer_for_older_blocks() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let to = Address::repeat_byte(0x77);
    let mut blocks = Vec::new();
    for _ in 0..3 {
        let raw = alice.call(to, U256::from(5), Vec::new(), 21_000).unwrap();
        let receipt = node.send_and_wait(raw).await.unwrap();
        blocks.push(receipt["blockNumber"].clone());
    }
    // Later blocks rewrite the beacon-roots ring and move alice's nonce on.
    node.rpc("anvil_mine", vec![json!(3)]).await.unwrap();

    let reader = Address::repeat_byte(0x99);
    for (i, number) in blocks.iter().enumerate() {
        let header = node
            .rpc("eth_getBlockByNumber", vec![number.clone(), json!(false)])
            .await
            .unwrap();
        let state_root = word(&header["stateRoot"]);
        let timestamp = quantity(&header["timestamp"]);
        let ring_slot = timestamp % U256::from(8191);
        let paid = U256::from(5 * (i + 1));

        let call = json!({"to": reader});
        let overrides = json!({ reader.to_string(): {"code": balance_reader(to)} });
        let answer = node
            .rpc("eth_call", vec![call, number.clone(), overrides])
            .await
            .unwrap();
        assert_eq!(quantity(&answer), paid, "eth_call at {number}");

        let stored = node
            .rpc(
                "eth_getStorageAt",
                vec![json!(BEACON_ROOTS), json!(ring_slot), number.clone()],
            )
            .await
            .unwrap();
        assert_eq!(
            quantity(&stored),
            timestamp,
            "the ring holds block {number}'s timestamp"
        );
        let code = node
            .rpc("eth_getCode", vec![json!(BEACON_ROOTS), number.clone()])
            .await
            .unwrap();
        assert_ne!(code, json!("0x"));

        let proof = node
            .rpc("eth_getProof", vec![json!(to), json!([]), number.clone()])
            .await
            .unwrap();
        assert_eq!(quantity(&proof["balance"]), paid);
        verify(state_root, to, &proof);
        let slots = json!([format!("{:#066x}", ring_slot), format!("{:#066x}", 1)]);
        let proof = node
            .rpc(
                "eth_getProof",
                vec![json!(BEACON_ROOTS), slots, number.clone()],
            )
            .await
            .unwrap();
        assert_eq!(quantity(&proof["storageProof"][0]["value"]), timestamp);
        verify(state_root, BEACON_ROOTS, &proof);
        // A proof of an account that does not exist proves its absence.
        let nobody = Address::repeat_byte(0xab);
        let proof = node
            .rpc(
                "eth_getProof",
                vec![json!(nobody), json!([]), number.clone()],
            )
            .await
            .unwrap();
        verify(state_root, nobody, &proof);
    }
}
