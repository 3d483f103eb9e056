//! The native WBERA of the dev chain through the binary: wrapping by plain value and by
//! `deposit`, transfers and allowances with the deployed token's errors, `permit` signed as a
//! wallet signs it, and unwrapping that pays with a real value CALL — all gas forwarded under
//! the 63/64 rule plus the 2,300 stipend, a contract without `receive` refused with
//! `ETHTransferFailed` and nothing moved.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{eip712_domain, sol, SolCall, SolError, SolEvent, SolStruct};
use berapool_e2e::{quantity, DevNode, Wallet, DEV_CHAIN_ID, DEV_KEY_0, DEV_KEY_1};
use berapool_pool_precompiles::{abi::IWBERA, addresses::WBERA};
use serde_json::{json, Value};

sol! {
    function wrap(address token);
    function unwrap(address token, uint256 amount);
    function unwrapWithGas(address token, uint256 amount, uint256 gasLimit);
    function received() returns (uint256);
    function gasAtReceive() returns (uint256);
    event Received(uint256 gasLeft);

    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

const BERA: u128 = 1_000_000_000_000_000_000;

fn bera(n: u128) -> U256 {
    U256::from(n * BERA)
}

async fn send(
    node: &DevNode,
    wallet: &mut Wallet,
    to: Address,
    value: U256,
    data: Vec<u8>,
) -> Value {
    let raw = wallet.call(to, value, data, 1_000_000).unwrap();
    node.send_and_wait(raw).await.unwrap()
}

async fn ok(node: &DevNode, wallet: &mut Wallet, to: Address, value: U256, data: Vec<u8>) -> Value {
    let receipt = send(node, wallet, to, value, data).await;
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

/// What the PoL distributions of blocks 1 to `n` wrapped: 1.705 WBERA a block.
fn emission(n: u64) -> U256 {
    berapool_pool_precompiles::pol::MAX_EMISSION_PER_BLOCK * U256::from(n)
}

async fn word_at(node: &DevNode, to: Address, data: Vec<u8>, number: u64) -> U256 {
    U256::from_be_slice(&node.view_at(to, data, number).await.unwrap())
}

async fn balance_at(node: &DevNode, who: Address, number: u64) -> U256 {
    node.balance_at(who, number).await.unwrap()
}

async fn word(node: &DevNode, to: Address, data: Vec<u8>) -> U256 {
    U256::from_be_slice(&node.view(to, data).await.unwrap())
}

async fn balance_of(node: &DevNode, owner: Address) -> U256 {
    word(node, WBERA, IWBERA::balanceOfCall { owner }.abi_encode()).await
}

/// The revert data `eth_call` returns for this call (empty string if it succeeds).
fn revert_data(node: &DevNode, from: Address, to: Address, value: U256, data: Vec<u8>) -> String {
    node.revert_data(from, to, value, data).unwrap()
}

fn hex(data: Vec<u8>) -> String {
    Bytes::from(data).to_string()
}

fn gas_field(frame: &Value, field: &str) -> u64 {
    quantity(&frame[field]).unwrap().to()
}

async fn deploy(node: &DevNode, wallet: &mut Wallet, contract: &str) -> Address {
    berapool_e2e::deploy_solidity(node, wallet, "WrappedBeraClients.sol", contract)
        .await
        .unwrap()
}

async fn call_trace(node: &DevNode, receipt: &Value) -> Value {
    node.call_trace(&receipt["transactionHash"]).await.unwrap()
}

/// WBERA's frame in a trace of a call to a client contract, and the payment it made.
fn withdraw_frames(trace: &Value) -> (&Value, &Value) {
    let token = &trace["calls"][0];
    assert_eq!(
        token["to"],
        json!(WBERA.to_string().to_lowercase()),
        "{trace}"
    );
    let payment = &token["calls"][0];
    assert_eq!(payment["type"], json!("CALL"), "{trace}");
    assert_eq!(payment["from"], json!(WBERA.to_string().to_lowercase()));
    (token, payment)
}

#[tokio::test(flavor = "multi_thread")]
async fn wbera_wraps_moves_and_unwraps_bera_like_the_deployed_token() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let (a, b) = (alice.address(), bob.address());

    let name = node
        .view(WBERA, IWBERA::nameCall {}.abi_encode())
        .await
        .unwrap();
    assert_eq!(
        IWBERA::nameCall::abi_decode_returns(&name).unwrap(),
        "Wrapped Bera"
    );
    let symbol = node
        .view(WBERA, IWBERA::symbolCall {}.abi_encode())
        .await
        .unwrap();
    assert_eq!(
        IWBERA::symbolCall::abi_decode_returns(&symbol).unwrap(),
        "WBERA"
    );
    assert_eq!(
        word(&node, WBERA, IWBERA::decimalsCall {}.abi_encode()).await,
        U256::from(18)
    );
    let code = node
        .rpc("eth_getCode", vec![json!(WBERA), json!("latest")])
        .await
        .unwrap();
    assert_eq!(code, json!("0xfe"), "extcodesize > 0 for Solidity callers");

    // Plain value wraps, as `deposit()` does; each mint is a Transfer from zero.
    let receipt = ok(&node, &mut alice, WBERA, bera(5), Vec::new()).await;
    let log = &receipt["logs"][0];
    assert_eq!(log["address"], json!(WBERA.to_string().to_lowercase()));
    let topic: B256 = serde_json::from_value(log["topics"][0].clone()).unwrap();
    assert_eq!(topic, IWBERA::Transfer::SIGNATURE_HASH);
    let receipt = ok(
        &node,
        &mut alice,
        WBERA,
        bera(3),
        IWBERA::depositCall {}.abi_encode(),
    )
    .await;
    assert_eq!(balance_of(&node, a).await, bera(8));
    // Every block's PoL distribution wraps the 1.705 BERA of emission too.
    let n = quantity(&receipt["blockNumber"]).unwrap().to::<u64>();
    let supply = word_at(&node, WBERA, IWBERA::totalSupplyCall {}.abi_encode(), n).await;
    assert_eq!(supply, bera(8) + emission(n));
    assert_eq!(
        balance_at(&node, WBERA, n).await,
        supply,
        "the supply is the BERA held"
    );

    // Transfers and allowances, with the deployed token's errors.
    let transfer = |to, amount| IWBERA::transferCall { to, amount }.abi_encode();
    ok(&node, &mut alice, WBERA, U256::ZERO, transfer(b, bera(2))).await;
    assert_eq!(balance_of(&node, a).await, bera(6));
    assert_eq!(balance_of(&node, b).await, bera(2));
    assert_eq!(
        revert_data(&node, a, WBERA, U256::ZERO, transfer(b, bera(7))),
        hex(IWBERA::InsufficientBalance {}.abi_encode())
    );
    let approve = |spender, amount| IWBERA::approveCall { spender, amount }.abi_encode();
    let take = |amount| {
        IWBERA::transferFromCall {
            from: a,
            to: b,
            amount,
        }
        .abi_encode()
    };
    ok(&node, &mut alice, WBERA, U256::ZERO, approve(b, bera(1))).await;
    ok(&node, &mut bob, WBERA, U256::ZERO, take(bera(1))).await;
    let allowance = IWBERA::allowanceCall {
        owner: a,
        spender: b,
    };
    assert_eq!(word(&node, WBERA, allowance.abi_encode()).await, U256::ZERO);
    assert_eq!(
        revert_data(&node, b, WBERA, U256::ZERO, take(U256::from(1))),
        hex(IWBERA::InsufficientAllowance {}.abi_encode())
    );
    ok(&node, &mut alice, WBERA, U256::ZERO, approve(b, U256::MAX)).await;
    ok(&node, &mut bob, WBERA, U256::ZERO, take(bera(1))).await;
    assert_eq!(
        word(&node, WBERA, allowance.abi_encode()).await,
        U256::MAX,
        "an infinite allowance is never spent"
    );
    assert_eq!(balance_of(&node, a).await, bera(4));
    assert_eq!(balance_of(&node, b).await, bera(4));

    // Unwrapping pays the caller exactly; more than the balance is refused.
    let before = node.balance(a).await.unwrap();
    let withdraw = |amount| IWBERA::withdrawCall { amount }.abi_encode();
    let receipt = ok(&node, &mut alice, WBERA, U256::ZERO, withdraw(bera(3))).await;
    let fee =
        quantity(&receipt["gasUsed"]).unwrap() * quantity(&receipt["effectiveGasPrice"]).unwrap();
    assert_eq!(node.balance(a).await.unwrap(), before + bera(3) - fee);
    println!(
        "WBERA withdraw to an account: {} gas",
        quantity(&receipt["gasUsed"]).unwrap()
    );
    assert_eq!(balance_of(&node, a).await, bera(1));
    let n = quantity(&receipt["blockNumber"]).unwrap().to::<u64>();
    assert_eq!(balance_at(&node, WBERA, n).await, bera(5) + emission(n));
    assert_eq!(
        revert_data(&node, a, WBERA, U256::ZERO, withdraw(bera(2))),
        hex(IWBERA::InsufficientBalance {}.abi_encode())
    );
    // Value to a non-payable function, and an unknown selector, revert with no data.
    let refused = send(
        &node,
        &mut alice,
        WBERA,
        U256::from(1),
        withdraw(U256::ZERO),
    )
    .await;
    assert_eq!(refused["status"], json!("0x0"));
    assert_eq!(
        revert_data(&node, a, WBERA, U256::ZERO, vec![1, 2, 3, 4]),
        "0x"
    );

    // `permit`, signed the way a wallet signs EIP-712.
    let signer: PrivateKeySigner = DEV_KEY_0.parse().unwrap();
    let domain = eip712_domain! {
        name: "Wrapped Bera",
        version: "1",
        chain_id: DEV_CHAIN_ID,
        verifying_contract: WBERA,
    };
    let separator = word(&node, WBERA, IWBERA::DOMAIN_SEPARATORCall {}.abi_encode()).await;
    assert_eq!(B256::from(separator), domain.separator());
    let permit = |value, nonce, deadline| {
        let hash = Permit {
            owner: a,
            spender: b,
            value,
            nonce,
            deadline,
        }
        .eip712_signing_hash(&domain);
        let signature = signer.sign_hash_sync(&hash).unwrap();
        IWBERA::permitCall {
            owner: a,
            spender: b,
            value,
            deadline,
            v: 27 + u8::from(signature.v()),
            r: signature.r().into(),
            s: signature.s().into(),
        }
        .abi_encode()
    };
    let signed = permit(bera(7), U256::ZERO, U256::MAX);
    ok(&node, &mut bob, WBERA, U256::ZERO, signed.clone()).await;
    assert_eq!(word(&node, WBERA, allowance.abi_encode()).await, bera(7));
    let nonces = IWBERA::noncesCall { owner: a }.abi_encode();
    assert_eq!(word(&node, WBERA, nonces).await, U256::from(1));
    assert_eq!(
        revert_data(&node, b, WBERA, U256::ZERO, signed),
        hex(IWBERA::InvalidPermit {}.abi_encode()),
        "a used permit does not replay"
    );
    assert_eq!(
        revert_data(
            &node,
            b,
            WBERA,
            U256::ZERO,
            permit(bera(1), U256::from(1), U256::from(1))
        ),
        hex(IWBERA::PermitExpired {}.abi_encode())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unwrapping_pays_contracts_with_all_gas_and_the_stipend() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();

    // A receiver whose `receive` writes storage: it needs the gas the payment forwards.
    let receiver = deploy(&node, &mut alice, "Receiver").await;
    ok(
        &node,
        &mut alice,
        receiver,
        bera(10),
        wrapCall { token: WBERA }.abi_encode(),
    )
    .await;
    assert_eq!(balance_of(&node, receiver).await, bera(10));
    let unwrap = unwrapCall {
        token: WBERA,
        amount: bera(4),
    };
    let receipt = ok(&node, &mut alice, receiver, U256::ZERO, unwrap.abi_encode()).await;
    assert_eq!(
        word(&node, receiver, receivedCall {}.abi_encode()).await,
        bera(4)
    );
    assert_eq!(node.balance(receiver).await.unwrap(), bera(4));
    assert_eq!(balance_of(&node, receiver).await, bera(6));
    let trace = call_trace(&node, &receipt).await;
    let (token, payment) = withdraw_frames(&trace);
    assert_eq!(payment["to"], json!(receiver.to_string().to_lowercase()));
    assert_eq!(quantity(&payment["value"]).unwrap(), bera(4));
    // The token charges `before` up to the payment and nothing after it: it was handed
    // `token.gas`, so the payment gets all but a 64th of what is left, plus the stipend.
    let before = gas_field(token, "gasUsed") + 2_300 - gas_field(payment, "gasUsed");
    let available = gas_field(token, "gas") - before;
    assert_eq!(
        gas_field(payment, "gas"),
        available - available / 64 + 2_300,
        "{trace}"
    );
    let at_receive = word(&node, receiver, gasAtReceiveCall {}.abi_encode()).await;
    assert!(at_receive > U256::from(100_000), "{at_receive}");
    println!(
        "WBERA withdraw: {before} gas up to the payment, payment handed {} gas",
        gas_field(payment, "gas")
    );

    // Handed exactly what it needs up to the payment, the token forwards nothing: the receiver
    // runs on the stipend alone (enough to log, not to write storage).
    let stipend = deploy(&node, &mut alice, "StipendReceiver").await;
    ok(
        &node,
        &mut alice,
        stipend,
        bera(10),
        wrapCall { token: WBERA }.abi_encode(),
    )
    .await;
    let unwrap = |gas_limit| {
        unwrapWithGasCall {
            token: WBERA,
            amount: bera(1),
            gasLimit: U256::from(gas_limit),
        }
        .abi_encode()
    };
    let receipt = ok(&node, &mut alice, stipend, U256::ZERO, unwrap(200_000)).await;
    let trace = call_trace(&node, &receipt).await;
    let (token, payment) = withdraw_frames(&trace);
    let needed = gas_field(token, "gasUsed") + 2_300 - gas_field(payment, "gasUsed");
    let receipt = ok(&node, &mut alice, stipend, U256::ZERO, unwrap(needed)).await;
    let trace = call_trace(&node, &receipt).await;
    let (_, payment) = withdraw_frames(&trace);
    assert_eq!(gas_field(payment, "gas"), 2_300, "{trace}");
    let logged = receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["address"] == json!(stipend.to_string().to_lowercase()))
        .map(|l| {
            let data: Bytes = serde_json::from_value(l["data"].clone()).unwrap();
            Received::abi_decode_data(&data).unwrap().0
        })
        .unwrap();
    assert!(logged < U256::from(2_300), "{logged}");
    assert_eq!(balance_of(&node, stipend).await, bera(8));
    assert_eq!(node.balance(stipend).await.unwrap(), bera(2));

    // A contract that cannot take BERA: the unwrap reverts with ETHTransferFailed and the
    // burn is undone.
    let stubborn = deploy(&node, &mut alice, "NoReceiver").await;
    ok(
        &node,
        &mut alice,
        stubborn,
        bera(3),
        wrapCall { token: WBERA }.abi_encode(),
    )
    .await;
    let unwrap = unwrapCall {
        token: WBERA,
        amount: bera(1),
    };
    assert_eq!(
        revert_data(
            &node,
            alice.address(),
            stubborn,
            U256::ZERO,
            unwrap.abi_encode()
        ),
        hex(IWBERA::ETHTransferFailed {}.abi_encode())
    );
    let receipt = send(&node, &mut alice, stubborn, U256::ZERO, unwrap.abi_encode()).await;
    assert_eq!(receipt["status"], json!("0x0"));
    assert_eq!(balance_of(&node, stubborn).await, bera(3));
    assert_eq!(node.balance(stubborn).await.unwrap(), U256::ZERO);
    let n = quantity(&receipt["blockNumber"]).unwrap().to::<u64>();
    assert_eq!(
        balance_at(&node, WBERA, n).await,
        bera(6 + 8 + 3) + emission(n)
    );
}
