//! A staking pool's whole life on the devnet, driven only by user transactions: the dev
//! consensus layer turns deposits into a validator and activates it, the built-in feeder
//! activates the pool and proves its balance, an EIP-7002 partial comes back as an EIP-4895
//! withdrawal to the vault `delay` epochs later, and a full exit is swept back; on the way a
//! keeper buys the pool's incentive tokens in the IncentiveCollector auction.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use berapool_e2e::{pool_registration, quantity, DevNode, Wallet};
use berapool_pool_precompiles::{
    abi::{
        IBeaconDeposit, ISmartOperator, IStakingPool, IStakingPoolContractsFactory as F,
        IWithdrawalVault,
    },
    pool_state::{
        addresses::{pool_withdrawal_credentials, BEACON_DEPOSIT, FACTORY, WITHDRAWAL_VAULT},
        PoolId,
    },
    ssz,
};
use serde_json::{json, Value};

const OPERATOR_KEY: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ALICE_KEY: &str = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const BOB_KEY: &str = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const KEEPER_KEY: &str = "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
/// Dev account 9: the feeder with FEEDER_ROLE in the dev genesis.
const FEEDER: &str = "0xa0ee7a142d267c1f36714e4a8f75612f20a79720";

const SLOTS_PER_EPOCH: u64 = 8;
const DELAY_EPOCHS: u64 = 2;
const GWEI: u64 = 1_000_000_000;
/// The dev chain's pool times.
const COOLDOWN_BLOCKS: u64 = 16;
const FINALIZATION_DELAY_BLOCKS: u64 = 256;

fn bera(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn epoch(slot: u64) -> u64 {
    slot / SLOTS_PER_EPOCH
}

async fn view_u256(node: &DevNode, to: Address, data: Vec<u8>) -> U256 {
    U256::from_be_slice(&node.view(to, data).await.unwrap())
}

/// The JSON behind a withdrawal request's `tokenURI`, a base64 `data:` URI.
async fn request_metadata(node: &DevNode, id: u64) -> Value {
    use base64::Engine as _;
    let call = IWithdrawalVault::tokenURICall {
        tokenId: U256::from(id),
    };
    let out = node
        .view(WITHDRAWAL_VAULT, call.abi_encode())
        .await
        .unwrap();
    let uri = IWithdrawalVault::tokenURICall::abi_decode_returns(&out).unwrap();
    let encoded = uri
        .strip_prefix("data:application/json;base64,")
        .unwrap_or_else(|| panic!("not a base64 JSON data URI: {uri}"));
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

async fn head(node: &DevNode) -> u64 {
    quantity(&node.rpc("eth_blockNumber", vec![]).await.unwrap())
        .unwrap()
        .to()
}

/// Polls `probe` every 50 ms until it gives a value, for at most `secs` seconds.
async fn wait_for<T, F, Fut>(what: &str, secs: u64, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_block(node: &DevNode, number: u64) {
    wait_for(&format!("block {number}"), 120, || async {
        (head(node).await >= number).then_some(())
    })
    .await;
}

fn block_number(receipt: &Value) -> u64 {
    quantity(&receipt["blockNumber"]).unwrap().to()
}

/// The first block after `from` paying validator `index`, with the withdrawal.
async fn withdrawal_to(node: &DevNode, from: u64, index: u64) -> (u64, Value) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut number = from + 1;
    loop {
        let block = node
            .rpc(
                "eth_getBlockByNumber",
                vec![json!(format!("{number:#x}")), json!(false)],
            )
            .await
            .unwrap();
        if block.is_null() {
            assert!(
                Instant::now() < deadline,
                "no withdrawal of validator {index} by block {number}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let paid = block["withdrawals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["validatorIndex"] == json!(format!("{index:#x}")));
        if let Some(withdrawal) = paid {
            return (number, withdrawal.clone());
        }
        number += 1;
    }
}

/// Sends `wallet`'s call and waits for its receipt, which must be a success.
async fn send_ok(
    node: &DevNode,
    wallet: &mut Wallet,
    to: Address,
    value: U256,
    data: Vec<u8>,
    gas: u64,
) -> Value {
    let raw = wallet.call(to, value, data, gas).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

/// The operator registers a pool for `pubkey` with 10,000 BERA; waits until the built-in
/// feeder has activated it.
async fn register_and_wait_for_activation(node: &DevNode, operator: &mut Wallet, pubkey: [u8; 48]) {
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    let owner = operator.address();
    send_ok(
        node,
        operator,
        FACTORY,
        bera(10_000),
        pool_registration(pubkey, owner),
        1_000_000,
    )
    .await;
    wait_for("pool activation", 60, || async {
        let active = node
            .view(
                pool.staking_pool,
                IStakingPool::isActiveCall {}.abi_encode(),
            )
            .await
            .unwrap();
        (active.last() == Some(&1)).then_some(())
    })
    .await;
}

fn gwei_of(value: &Value) -> u64 {
    quantity(value).unwrap().to()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_lives_from_deployment_to_a_cl_withdrawal_and_a_full_exit() {
    let node = DevNode::start(&[
        "--dev.slot-time",
        "100ms",
        "--dev.slots-per-epoch",
        "8",
        "--dev.withdrawability-delay",
        "2",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "1s",
    ])
    .unwrap();
    let mut operator = Wallet::new(OPERATOR_KEY).unwrap();
    let mut alice = Wallet::new(ALICE_KEY).unwrap();
    let mut bob = Wallet::new(BOB_KEY).unwrap();
    let mut keeper = Wallet::new(KEEPER_KEY).unwrap();
    let (operator_address, alice_address, bob_address) =
        (operator.address(), alice.address(), bob.address());
    let pubkey = [0x11u8; 48];
    let pubkey_bytes = Bytes::copy_from_slice(&pubkey);
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();

    // 1. The operator registers the pool with the first 10,000 BERA.
    let receipt = send_ok(
        &node,
        &mut operator,
        FACTORY,
        bera(10_000),
        pool_registration(pubkey, operator_address),
        1_000_000,
    )
    .await;
    let deployed_at = block_number(&receipt);

    // 2. The next beacon block makes validator 1 (0 is the genesis validator) from its log.
    let validator = wait_for("validator 1", 30, || async {
        let v = node
            .beacon("/eth/v1/beacon/states/head/validators/1")
            .unwrap();
        v.get("data").cloned()
    })
    .await;
    assert_eq!(validator["balance"], json!((10_000 * GWEI).to_string()));
    assert_eq!(validator["status"], json!("pending_initialized"));
    assert_eq!(
        validator["validator"]["pubkey"],
        json!(pubkey_bytes.to_string())
    );
    assert_eq!(
        validator["validator"]["withdrawal_credentials"],
        json!(pool_withdrawal_credentials().to_string())
    );
    assert_eq!(
        validator["validator"]["effective_balance"],
        json!((10_000 * GWEI).to_string())
    );

    // 3. The feeder proves it and activates the pool.
    wait_for("pool activation", 60, || async {
        let active = node
            .view(
                pool.staking_pool,
                IStakingPool::isActiveCall {}.abi_encode(),
            )
            .await
            .unwrap();
        (active.last() == Some(&1)).then_some(())
    })
    .await;
    let activations = node
        .rpc(
            "eth_getLogs",
            vec![
                json!({"fromBlock": format!("{deployed_at:#x}"), "address": FACTORY,
                "topics": [F::StakingPoolActivated::SIGNATURE_HASH]}),
            ],
        )
        .await
        .unwrap();
    let activation_tx = activations[0]["transactionHash"].clone();
    let tx = node
        .rpc("eth_getTransactionByHash", vec![activation_tx])
        .await
        .unwrap();
    assert_eq!(tx["from"].as_str().unwrap().to_lowercase(), FEEDER);

    // 4. Alice and Bob stake: 300,000 BERA in all, past the threshold, so the pool deposits
    //    the 290,000 it buffered.
    send_ok(
        &node,
        &mut alice,
        pool.staking_pool,
        bera(100_000),
        IStakingPool::submitCall {
            receiver: alice_address,
        }
        .abi_encode(),
        500_000,
    )
    .await;
    let shares = view_u256(
        &node,
        pool.staking_pool,
        IStakingPool::balanceOfCall {
            account: alice_address,
        }
        .abi_encode(),
    )
    .await;
    assert_eq!(shares, bera(100_000));
    let receipt = send_ok(
        &node,
        &mut bob,
        pool.staking_pool,
        bera(190_000),
        IStakingPool::submitCall {
            receiver: bob_address,
        }
        .abi_encode(),
        500_000,
    )
    .await;
    let threshold_at = block_number(&receipt);
    let deposit = receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["address"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&BEACON_DEPOSIT.to_string())
        })
        .unwrap();
    let data: Bytes = serde_json::from_value(deposit["data"].clone()).unwrap();
    let deposit = IBeaconDeposit::Deposit::abi_decode_data(&data).unwrap();
    assert_eq!((deposit.2, deposit.4), (290_000 * GWEI, 2));
    let total = view_u256(
        &node,
        pool.staking_pool,
        IStakingPool::totalDepositsCall {}.abi_encode(),
    )
    .await;
    assert_eq!(total, bera(300_000));

    // 5. Processed by the next beacon block; the effective balance follows at the end of that
    //    epoch, eligibility at the end of the next, activation one epoch later.
    let processed_epoch = epoch(threshold_at + 1);
    let validator = wait_for("validator 1 active", 60, || async {
        let v = node
            .beacon("/eth/v1/beacon/states/head/validators/1")
            .unwrap()["data"]
            .clone();
        (v["status"] == json!("active_ongoing")).then_some(v)
    })
    .await;
    assert_eq!(validator["balance"], json!((300_000 * GWEI).to_string()));
    assert_eq!(
        validator["validator"]["effective_balance"],
        json!((300_000 * GWEI).to_string())
    );
    assert_eq!(
        validator["validator"]["activation_eligibility_epoch"],
        json!((processed_epoch + 2).to_string())
    );
    assert_eq!(
        validator["validator"]["activation_epoch"],
        json!((processed_epoch + 3).to_string())
    );

    // 6. The feeder keeps totalDeposits at the proven 300,000 BERA.
    let reports = wait_for("a balance report after the deposit", 60, || async {
        let logs = node
            .rpc(
                "eth_getLogs",
                vec![json!({"fromBlock": format!("{:#x}", threshold_at + 2), "address": pool.staking_pool,
                    "topics": [IStakingPool::TotalDepositsUpdated::SIGNATURE_HASH]})],
            )
            .await
            .unwrap();
        let values: Vec<U256> = logs
            .as_array()
            .unwrap()
            .iter()
            .map(|l| U256::from_be_slice(&serde_json::from_value::<Bytes>(l["data"].clone()).unwrap()))
            .collect();
        (!values.is_empty()).then_some(values)
    })
    .await;
    assert!(reports.iter().all(|v| *v == bera(300_000)), "{reports:?}");

    // 6b. The incentive auction: PoL incentives sit in the IncentiveCollector; the keeper buys
    //     them for the 100 BERA payout, which lands in the rewards vault and so in the NAV
    //     (the dev chain's protocol fee is 0: no fee shares).
    let incentive =
        berapool_e2e::deploy_solidity(&node, &mut keeper, "IncentiveTokens.sol", "IncentiveToken")
            .await
            .unwrap();
    alloy_sol_types::sol! {
        function mint(address to, uint256 amount);
        function balanceOf(address account) returns (uint256);
    }
    let mint = mintCall {
        to: pool.incentive_collector,
        amount: bera(1_234),
    };
    send_ok(
        &node,
        &mut keeper,
        incentive,
        U256::ZERO,
        mint.abi_encode(),
        200_000,
    )
    .await;

    let claim = berapool_pool_precompiles::abi::IIncentiveCollector::claimCall {
        tokens: vec![incentive],
    };
    // No tip: when the pool's own validator proposes this block its fee recipient is the
    // pool, and a tip would count in the NAV next to the payout.
    let raw = keeper
        .sign(alloy_consensus::TxEip1559 {
            chain_id: berapool_e2e::DEV_CHAIN_ID,
            gas_limit: 500_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 0,
            to: alloy_primitives::TxKind::Call(pool.incentive_collector),
            value: bera(100),
            input: claim.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    let bought = view_u256(
        &node,
        incentive,
        balanceOfCall {
            account: keeper.address(),
        }
        .abi_encode(),
    )
    .await;
    assert_eq!(bought, bera(1_234));
    // Read around the claim's block: the NAV gains the payout, beside the PoL base rate the
    // block may have paid the pool's SmartOperator before its transactions (its WBERA counts in
    // the NAV net of the fee).
    let claimed_at = block_number(&receipt);
    let at = |to: Address, data: Vec<u8>, number: u64| {
        let node = &node;
        async move { U256::from_be_slice(&node.view_at(to, data, number).await.unwrap()) }
    };
    let assets = IStakingPool::totalAssetsCall {}.abi_encode();
    let wbera = ISmartOperator::rebaseableWberaAmountCall {}.abi_encode();
    let assets_gain = at(pool.staking_pool, assets.clone(), claimed_at).await
        - at(pool.staking_pool, assets, claimed_at - 1).await;
    let wbera_gain = at(pool.smart_operator, wbera.clone(), claimed_at).await
        - at(pool.smart_operator, wbera, claimed_at - 1).await;
    assert_eq!(
        assets_gain - wbera_gain,
        bera(100),
        "the payout is in the NAV"
    );

    // 7. After the cooldown Bob asks for 40,000 BERA: more than the buffer, so it goes to the
    //    consensus layer as an EIP-7002 partial.
    wait_for_block(&node, threshold_at + COOLDOWN_BLOCKS).await;
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: pubkey_bytes.clone(),
        assetsInGWei: 40_000 * GWEI,
        maxFeeToPay: U256::from(GWEI),
    };
    let receipt = send_ok(
        &node,
        &mut bob,
        WITHDRAWAL_VAULT,
        U256::from(GWEI),
        request.abi_encode(),
        1_000_000,
    )
    .await;
    let requested_at = block_number(&receipt);
    let metadata = request_metadata(&node, 1).await;
    let attribute = |name: &str| {
        metadata["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["trait_type"] == name)
            .map(|a| a["value"].clone())
            .unwrap()
    };
    assert_eq!(
        metadata["name"],
        json!("Berachain Staking Pool Withdrawal Request #1")
    );
    assert_eq!(attribute("assets (wei)"), json!(bera(40_000).to_string()));
    assert_eq!(attribute("requested at block"), json!(requested_at));
    assert_eq!(
        attribute("finalizable from block"),
        json!(requested_at + FINALIZATION_DELAY_BLOCKS)
    );
    assert_eq!(
        attribute("validator"),
        json!(pubkey_bytes.to_string()),
        "{metadata}"
    );
    let due_epoch = epoch(requested_at) + 1 + DELAY_EPOCHS;
    let pending = wait_for("the pending partial", 30, || async {
        let p = node
            .beacon(&format!(
                "/eth/v1/beacon/states/{requested_at}/pending_partial_withdrawals"
            ))
            .unwrap();
        p.get("data").cloned()
    })
    .await;
    assert_eq!(
        pending,
        json!([{"validator_index": "1", "amount": (40_000 * GWEI).to_string(),
            "withdrawable_epoch": due_epoch.to_string()}])
    );

    // 8. Paid to the vault in the first block of the withdrawable epoch, exactly.
    let (paid_at, withdrawal) = withdrawal_to(&node, requested_at, 1).await;
    assert_eq!(paid_at, due_epoch * SLOTS_PER_EPOCH);
    assert_eq!(gwei_of(&withdrawal["amount"]), 40_000 * GWEI);
    assert_eq!(
        withdrawal["address"].as_str().unwrap().to_lowercase(),
        WITHDRAWAL_VAULT.to_string().to_lowercase()
    );
    let after = wait_for("the state after the payout", 30, || async {
        node.beacon(&format!("/eth/v1/beacon/states/{paid_at}/validators/1"))
            .unwrap()
            .get("data")
            .cloned()
    })
    .await;
    assert_eq!(after["balance"], json!((260_000 * GWEI).to_string()));

    // 9. After the finalization delay anyone finalizes; Bob gets exactly 40,000 BERA.
    wait_for_block(&node, requested_at + FINALIZATION_DELAY_BLOCKS).await;
    let before = node.balance(bob_address).await.unwrap();
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestCall {
        requestId: U256::from(1),
    };
    send_ok(
        &node,
        &mut keeper,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        finalize.abi_encode(),
        500_000,
    )
    .await;
    assert_eq!(
        node.balance(bob_address).await.unwrap() - before,
        bera(40_000)
    );
    // The request is burnt: its metadata is gone with it.
    let uri = IWithdrawalVault::tokenURICall {
        tokenId: U256::from(1),
    };
    let err = node
        .view(WITHDRAWAL_VAULT, uri.abi_encode())
        .await
        .unwrap_err()
        .to_string();
    let selector =
        alloy_primitives::hex::encode(IWithdrawalVault::ERC721NonexistentToken::SELECTOR);
    assert!(err.contains(&selector), "{err}");

    // 10. Alice asks for 60,000: 260,000 − 60,000 is under the 250,000 minimum, so the pool
    //     exits in full with an amount-0 request.
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: pubkey_bytes.clone(),
        assetsInGWei: 60_000 * GWEI,
        maxFeeToPay: U256::from(GWEI),
    };
    let receipt = send_ok(
        &node,
        &mut alice,
        WITHDRAWAL_VAULT,
        U256::from(GWEI),
        request.abi_encode(),
        1_000_000,
    )
    .await;
    let exit_requested_at = block_number(&receipt);
    let exited = node
        .view(
            pool.staking_pool,
            IStakingPool::isFullyExitedCall {}.abi_encode(),
        )
        .await
        .unwrap();
    assert_eq!(exited.last(), Some(&1));
    // From now on every PoL entry point of the SmartOperator refuses with the official error.
    let exited_error = Bytes::from(ISmartOperator::StakingPoolIsFullyExited {}.abi_encode());
    let pol_calls = [
        ISmartOperator::queueValCommissionCall {
            commission: alloy_primitives::aliases::U96::from(500),
        }
        .abi_encode(),
        ISmartOperator::queueRewardsAllocationCall {
            startBlock: u64::MAX,
            weights: Vec::new(),
        }
        .abi_encode(),
        ISmartOperator::setRewardAllocatorCall {
            rewardAllocator: operator_address,
        }
        .abi_encode(),
        ISmartOperator::moveERC20ToIncentiveCollectorCall { tokens: Vec::new() }.abi_encode(),
    ];
    for data in pol_calls {
        let refused = node
            .revert_data(operator_address, pool.smart_operator, U256::ZERO, data)
            .unwrap();
        assert_eq!(refused, exited_error.to_string());
    }
    let exit_epoch = epoch(exit_requested_at) + 1;
    let exiting = wait_for("the exit", 30, || async {
        node.beacon(&format!(
            "/eth/v1/beacon/states/{exit_requested_at}/validators/1"
        ))
        .unwrap()
        .get("data")
        .cloned()
    })
    .await;
    assert_eq!(exiting["status"], json!("active_exiting"));
    assert_eq!(
        exiting["validator"]["exit_epoch"],
        json!(exit_epoch.to_string())
    );
    assert_eq!(
        exiting["validator"]["withdrawable_epoch"],
        json!((exit_epoch + DELAY_EPOCHS).to_string())
    );

    // 11. The sweep pays the whole 260,000 BERA to the vault once the validator is withdrawable.
    let (swept_at, withdrawal) = withdrawal_to(&node, exit_requested_at, 1).await;
    assert_eq!(swept_at, (exit_epoch + DELAY_EPOCHS) * SLOTS_PER_EPOCH);
    assert_eq!(gwei_of(&withdrawal["amount"]), 260_000 * GWEI);
    let gone = wait_for("the swept state", 30, || async {
        node.beacon(&format!("/eth/v1/beacon/states/{swept_at}/validators/1"))
            .unwrap()
            .get("data")
            .cloned()
    })
    .await;
    assert_eq!(gone["balance"], json!("0"));
    assert_eq!(gone["status"], json!("withdrawal_done"));

    // 12. Alice's request is paid from the exit after the finalization delay.
    wait_for_block(&node, exit_requested_at + FINALIZATION_DELAY_BLOCKS).await;
    let before = node.balance(alice_address).await.unwrap();
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestCall {
        requestId: U256::from(2),
    };
    send_ok(
        &node,
        &mut keeper,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        finalize.abi_encode(),
        500_000,
    )
    .await;
    assert_eq!(
        node.balance(alice_address).await.unwrap() - before,
        bera(60_000)
    );
}

/// Proofs the proof API serves verify in the factory's views against the EIP-4788 root of
/// their timestamp; a proof with one node changed is refused.
#[tokio::test(flavor = "multi_thread")]
async fn proofs_from_the_api_verify_in_the_precompile_and_tampered_ones_do_not() {
    let node = DevNode::start(&[]).unwrap();
    let mut wallet = Wallet::new(KEEPER_KEY).unwrap();
    for _ in 0..3 {
        let raw = wallet
            .call(Address::repeat_byte(1), U256::from(1), Vec::new(), 21_000)
            .unwrap();
        node.send_and_wait(raw).await.unwrap();
    }
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    let timestamp: u64 = quantity(&block["timestamp"]).unwrap().to();
    let balance = node
        .beacon(&format!("/bkit/v1/proof/validator_balance/t{timestamp}/0"))
        .unwrap();
    let root: B256 = serde_json::from_value(balance["beacon_block_root"].clone()).unwrap();
    assert_eq!(
        json!(root),
        block["parentBeaconBlockRoot"],
        "t<T> proves against the root stored with block T"
    );
    let leaf: B256 = serde_json::from_value(balance["balance_leaf"].clone()).unwrap();
    let mut proof: Vec<B256> = serde_json::from_value(balance["balance_proof"].clone()).unwrap();
    assert_eq!(proof.len(), 47);
    assert_eq!(
        balance["validator_balance"],
        json!(format!("{:#x}", 250_000 * GWEI))
    );
    let call = |proof: Vec<B256>| F::validateBalanceProofCall {
        balance: 250_000 * GWEI,
        balancesLeaf: leaf,
        balanceProof: proof,
        validatorIndex: 0,
        timestamp,
    };
    let ok = node
        .rpc(
            "eth_call",
            vec![
                json!({"to": FACTORY, "data": Bytes::from(call(proof.clone()).abi_encode())}),
                json!("latest"),
            ],
        )
        .await;
    assert_eq!(ok.unwrap(), json!("0x"));
    proof[20] = B256::repeat_byte(0xab);
    let err = node
        .rpc(
            "eth_call",
            vec![
                json!({"to": FACTORY, "data": Bytes::from(call(proof).abi_encode())}),
                json!("latest"),
            ],
        )
        .await
        .unwrap_err()
        .to_string();
    let selector = alloy_primitives::hex::encode(F::InvalidProof::SELECTOR);
    assert!(err.contains(&selector), "{err}");

    // The pubkey proof of the proposer verifies too, at BeaconKit's gindex.
    let proposer = node
        .beacon(&format!("/bkit/v1/proof/block_proposer/t{timestamp}"))
        .unwrap();
    let proof: Vec<B256> =
        serde_json::from_value(proposer["validator_pubkey_proof"].clone()).unwrap();
    assert_eq!(proof.len(), 52);
    let pubkey: Bytes = serde_json::from_value(proposer["validator_pubkey"].clone()).unwrap();
    let pubkey48: [u8; 48] = pubkey.as_ref().try_into().unwrap();
    assert_eq!(
        ssz::verify(
            &proof,
            root,
            ssz::pubkey_leaf(&pubkey48),
            ssz::ZERO_VALIDATOR_PUBKEY_GINDEX
        ),
        Ok(true)
    );
    let call = F::validatePubkeyProofCall {
        pubkey,
        pubkeyProof: proof,
        validatorIndex: 0,
        timestamp,
    };
    let ok = node
        .rpc(
            "eth_call",
            vec![
                json!({"to": FACTORY, "data": Bytes::from(call.abi_encode())}),
                json!("latest"),
            ],
        )
        .await;
    assert_eq!(ok.unwrap(), json!("0x"));
    // BeaconKit's errors: a hex slot is a bad request, an unknown timestamp an internal error.
    let bad = node
        .beacon("/bkit/v1/proof/validator_balance/0x10/0")
        .unwrap();
    assert_eq!(bad["code"], json!(400));
    let unknown = node
        .beacon("/bkit/v1/proof/validator_balance/t1/0")
        .unwrap();
    assert_eq!(unknown["code"], json!(500));
    let out_of_range = node
        .beacon(&format!("/bkit/v1/proof/validator_balance/t{timestamp}/7"))
        .unwrap();
    assert_eq!(out_of_range["code"], json!(500));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cl_withdrawal_the_cl_dropped_is_requested_again_and_paid() {
    const SLOTS: u64 = 16;
    const FLIGHT_BLOCKS: u64 = 192;
    let node = DevNode::start(&[
        "--dev.slot-time",
        "100ms",
        "--dev.slots-per-epoch",
        "16",
        "--dev.withdrawability-delay",
        "2",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "1s",
    ])
    .unwrap();
    let mut operator = Wallet::new(OPERATOR_KEY).unwrap();
    let mut bob = Wallet::new(BOB_KEY).unwrap();
    let mut keeper = Wallet::new(KEEPER_KEY).unwrap();
    let bob_address = bob.address();
    let pubkey = [0x12u8; 48];
    let pubkey_bytes = Bytes::copy_from_slice(&pubkey);
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    register_and_wait_for_activation(&node, &mut operator, pubkey).await;
    let receipt = send_ok(
        &node,
        &mut bob,
        pool.staking_pool,
        bera(290_000),
        IStakingPool::submitCall {
            receiver: bob_address,
        }
        .abi_encode(),
        500_000,
    )
    .await;
    let threshold_at = block_number(&receipt);

    // Right after the cooldown the validator is not active on the CL yet (activation comes
    // three epochs after the deposit is processed), so the CL drops Bob's partial.
    wait_for_block(&node, threshold_at + COOLDOWN_BLOCKS).await;
    let status = node
        .beacon("/eth/v1/beacon/states/head/validators/1")
        .unwrap()["data"]["status"]
        .clone();
    assert_ne!(status, json!("active_ongoing"));
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: pubkey_bytes.clone(),
        assetsInGWei: 40_000 * GWEI,
        maxFeeToPay: U256::from(GWEI),
    };
    let receipt = send_ok(
        &node,
        &mut bob,
        WITHDRAWAL_VAULT,
        U256::from(GWEI),
        request.abi_encode(),
        1_000_000,
    )
    .await;
    let requested_at = block_number(&receipt);
    wait_for_block(&node, requested_at + 2).await;
    let pending = node
        .beacon(&format!(
            "/eth/v1/beacon/states/{}/pending_partial_withdrawals",
            requested_at + 1
        ))
        .unwrap();
    assert_eq!(pending["data"], json!([]), "the CL kept the request");

    // Within the flight window nobody may retry; after it, anyone does.
    let retry = IWithdrawalVault::retryPartialWithdrawalCall {
        pubkey: pubkey_bytes.clone(),
        maxFeeToPay: U256::from(GWEI),
    };
    let early = node
        .rpc(
            "eth_call",
            vec![
                json!({"from": keeper.address(), "to": WITHDRAWAL_VAULT, "value": format!("{GWEI:#x}"),
                    "data": Bytes::from(retry.abi_encode())}),
                json!("latest"),
            ],
        )
        .await
        .unwrap_err();
    let selector = Bytes::from(IWithdrawalVault::NoOverdueWithdrawal::SELECTOR.to_vec());
    assert!(early.to_string().contains(&selector.to_string()), "{early}");
    node.rpc("anvil_mine", vec![json!(FLIGHT_BLOCKS)])
        .await
        .unwrap();
    let status = node
        .beacon("/eth/v1/beacon/states/head/validators/1")
        .unwrap()["data"]["status"]
        .clone();
    assert_eq!(status, json!("active_ongoing"));
    let receipt = send_ok(
        &node,
        &mut keeper,
        WITHDRAWAL_VAULT,
        U256::from(GWEI),
        retry.abi_encode(),
        1_000_000,
    )
    .await;
    let retried_at = block_number(&receipt);
    let retried = receipt["logs"].as_array().unwrap().iter().any(|l| {
        l["topics"][0] == json!(IWithdrawalVault::PartialWithdrawalRetried::SIGNATURE_HASH)
    });
    assert!(retried, "{receipt}");

    // This time the CL pays, and Bob's request is finalized with exactly 40,000 BERA.
    let due_epoch = retried_at / SLOTS + 1 + DELAY_EPOCHS;
    let (paid_at, withdrawal) = withdrawal_to(&node, retried_at, 1).await;
    assert_eq!(paid_at, due_epoch * SLOTS);
    assert_eq!(gwei_of(&withdrawal["amount"]), 40_000 * GWEI);
    wait_for_block(&node, requested_at + FINALIZATION_DELAY_BLOCKS).await;
    let before = node.balance(bob_address).await.unwrap();
    send_ok(
        &node,
        &mut keeper,
        WITHDRAWAL_VAULT,
        U256::ZERO,
        IWithdrawalVault::finalizeWithdrawalRequestCall {
            requestId: U256::from(1),
        }
        .abi_encode(),
        500_000,
    )
    .await;
    assert_eq!(
        node.balance(bob_address).await.unwrap() - before,
        bera(40_000)
    );
}

/// A flood of BeaconDeposit deposits just before a pool's own makes the consensus layer
/// process the pool's deposit several blocks late (16 per block). The feeder proves each
/// state's `eth1_deposit_index`, so its reports keep `totalDeposits` at the book value all
/// along instead of dipping to the balance the lagging states show.
#[tokio::test(flavor = "multi_thread")]
async fn a_deposit_flood_ahead_of_a_pools_deposit_does_not_dip_total_deposits() {
    const FLOOD: u64 = 160;
    let node = DevNode::start(&[
        "--dev.slot-time",
        "400ms",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "200ms",
    ])
    .unwrap();
    let mut operator = Wallet::new(OPERATOR_KEY).unwrap();
    let mut bob = Wallet::new(BOB_KEY).unwrap();
    let bob_address = bob.address();
    let pubkey = [0x34u8; 48];
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    register_and_wait_for_activation(&node, &mut operator, pubkey).await;

    // One block: 160 deposits to fresh pubkeys (a higher tip, so first), then Bob's
    // submit that takes the pool to the threshold and deposits 240,000 BERA.
    node.rpc("evm_setIntervalMining", vec![json!(30)])
        .await
        .unwrap();
    let tx = |to, value, input: Vec<u8>, gas_limit, tip| alloy_consensus::TxEip1559 {
        chain_id: berapool_e2e::DEV_CHAIN_ID,
        nonce: 0,
        gas_limit,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: tip,
        to: alloy_primitives::TxKind::Call(to),
        value,
        input: input.into(),
        access_list: Default::default(),
    };
    // Four senders, as the pool takes at most 64 nonces ahead of a sender's chain nonce.
    let mut flooders: Vec<Wallet> = [
        ALICE_KEY,
        KEEPER_KEY,
        "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    ]
    .into_iter()
    .map(|key| Wallet::new(key).unwrap())
    .collect();
    for n in 0..FLOOD {
        let mut key = [0xf0u8; 48];
        key[..8].copy_from_slice(&n.to_be_bytes());
        let sender = &mut flooders[(n % 4) as usize];
        let deposit = IBeaconDeposit::depositCall {
            pubkey: Bytes::copy_from_slice(&key),
            credentials: Bytes::copy_from_slice(B256::repeat_byte(1).as_slice()),
            signature: Bytes::from(vec![0u8; 96]),
            operator: sender.address(),
        };
        let raw = sender
            .sign(tx(
                BEACON_DEPOSIT,
                bera(10_000),
                deposit.abi_encode(),
                150_000,
                3_000_000_000,
            ))
            .unwrap();
        node.rpc("eth_sendRawTransaction", vec![json!(raw)])
            .await
            .unwrap();
    }
    let submit = IStakingPool::submitCall {
        receiver: bob_address,
    };
    let raw = bob
        .sign(tx(
            pool.staking_pool,
            bera(240_000),
            submit.abi_encode(),
            500_000,
            1_000_000_000,
        ))
        .unwrap();
    node.rpc("eth_sendRawTransaction", vec![json!(raw)])
        .await
        .unwrap();
    node.rpc("evm_mine", vec![]).await.unwrap();
    node.rpc("evm_setAutomine", vec![json!(true)])
        .await
        .unwrap();
    let block = node
        .rpc("eth_getBlockByNumber", vec![json!("latest"), json!(false)])
        .await
        .unwrap();
    let flood_block: u64 = quantity(&block["number"]).unwrap().to();
    let included = block["transactions"].as_array().unwrap().len() as u64;
    assert!(
        included > FLOOD,
        "{included} transactions in the flood block"
    );
    let pool_deposit = node
        .rpc(
            "eth_getLogs",
            vec![json!({"fromBlock": format!("{flood_block:#x}"), "toBlock": format!("{flood_block:#x}"),
                "address": BEACON_DEPOSIT, "topics": [IBeaconDeposit::Deposit::SIGNATURE_HASH]})],
        )
        .await
        .unwrap();
    let last = pool_deposit.as_array().unwrap().last().unwrap().clone();
    let data: Bytes = serde_json::from_value(last["data"].clone()).unwrap();
    let deposit = IBeaconDeposit::Deposit::abi_decode_data(&data).unwrap();
    assert_eq!(deposit.1.as_ref(), pool_withdrawal_credentials().as_slice());
    let pool_index = deposit.4;

    // The states after the flood block take it 16 deposits at a time: the pool's is late.
    let lag_until = flood_block + FLOOD.div_ceil(16);
    wait_for_block(&node, lag_until + 4).await;
    let seen = |slot: u64| {
        let proof = node
            .beacon(&format!("/berapool/v1/proof/eth1_deposit_index/{slot}"))
            .unwrap();
        quantity(&proof["eth1_deposit_index"]).unwrap().to::<u64>()
    };
    assert!(seen(flood_block + 1) <= pool_index);
    assert!(
        seen(lag_until - 1) <= pool_index,
        "the pool's deposit is processed late"
    );
    assert!(seen(lag_until + 1) > pool_index);

    // Reports during the lag (and after) all say 250,000 BERA.
    let logs = node
        .rpc(
            "eth_getLogs",
            vec![
                json!({"fromBlock": format!("{:#x}", flood_block + 1), "address": pool.staking_pool,
                "topics": [IStakingPool::TotalDepositsUpdated::SIGNATURE_HASH]}),
            ],
        )
        .await
        .unwrap();
    let reports: Vec<(u64, U256)> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                block_number(l),
                U256::from_be_slice(&serde_json::from_value::<Bytes>(l["data"].clone()).unwrap()),
            )
        })
        .collect();
    assert!(
        reports.iter().any(|(at, _)| *at <= lag_until),
        "no report during the lag: {reports:?}"
    );
    assert!(
        reports.iter().all(|(_, v)| *v == bera(250_000)),
        "{reports:?}"
    );
}

/// `berapool-node pool status|requests --json` against the node.
fn pool_cli(node: &DevNode, args: &[&str]) -> Value {
    let out = std::process::Command::new(berapool_e2e::node_binary().unwrap())
        .arg("pool")
        .args(args)
        .args([
            "--rpc",
            &node.url,
            "--beacon",
            node.beacon_url.as_deref().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn pool_status_and_requests_say_where_a_pool_and_a_staker_stand() {
    let node = DevNode::start(&[
        "--dev.slot-time",
        "100ms",
        "--dev.slots-per-epoch",
        "8",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "500ms",
    ])
    .unwrap();
    let mut operator = Wallet::new(OPERATOR_KEY).unwrap();
    let mut bob = Wallet::new(BOB_KEY).unwrap();
    let bob_address = bob.address();
    let pubkey = [0x56u8; 48];
    let key = format!("0x{}", "56".repeat(48));
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();

    let status = pool_cli(&node, &["status", &key]);
    assert_eq!(status["registered"], json!(false));

    register_and_wait_for_activation(&node, &mut operator, pubkey).await;
    let status = pool_cli(&node, &["status", &key]);
    assert_eq!(status["active"], json!(true));
    assert_eq!(status["thresholdReached"], json!(false));
    assert_eq!(status["addresses"]["stakingPool"], json!(pool.staking_pool));
    assert_eq!(status["totalAssets"], json!(bera(10_000).to_string()));
    assert_eq!(status["validator"]["index"], json!("1"));
    let next = status["next"].to_string();
    assert!(next.contains("stake"), "{next}");

    // Bob takes the pool over the threshold: withdrawals open after the cooldown.
    let receipt = send_ok(
        &node,
        &mut bob,
        pool.staking_pool,
        bera(290_000),
        IStakingPool::submitCall {
            receiver: bob_address,
        }
        .abi_encode(),
        500_000,
    )
    .await;
    let threshold_at = block_number(&receipt);
    let status = pool_cli(&node, &["status", &key]);
    assert_eq!(status["thresholdReached"], json!(true));
    assert_eq!(
        status["withdrawalsFromBlock"],
        json!(threshold_at + COOLDOWN_BLOCKS)
    );
    wait_for_block(&node, threshold_at + COOLDOWN_BLOCKS).await;
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&pubkey),
        assetsInGWei: 40_000 * GWEI,
        maxFeeToPay: U256::from(GWEI),
    };
    let receipt = send_ok(
        &node,
        &mut bob,
        WITHDRAWAL_VAULT,
        U256::from(GWEI),
        request.abi_encode(),
        1_000_000,
    )
    .await;
    let requested_at = block_number(&receipt);
    let requests = pool_cli(&node, &["requests", &bob.address().to_string()]);
    let list = requests["requests"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{requests}");
    assert_eq!(list[0]["id"], json!("1"));
    assert_eq!(list[0]["assets"], json!(bera(40_000).to_string()));
    assert_eq!(list[0]["requestBlock"], json!(requested_at));
    assert_eq!(
        list[0]["finalizableFromBlock"],
        json!(requested_at + FINALIZATION_DELAY_BLOCKS)
    );
    assert_eq!(list[0]["finalizableNow"], json!(false));
    // The text form names the same.
    let out = std::process::Command::new(berapool_e2e::node_binary().unwrap())
        .args([
            "pool",
            "requests",
            &bob.address().to_string(),
            "--rpc",
            &node.url,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("#1  40000 BERA"), "{text}");
    let out = std::process::Command::new(berapool_e2e::node_binary().unwrap())
        .args(["pool", "status", &key, "--rpc", &node.url])
        .args(["--beacon", node.beacon_url.as_deref().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("state               active, threshold reached"),
        "{text}"
    );
    assert!(text.contains("next\n  - stake: send BERA"), "{text}");
}
