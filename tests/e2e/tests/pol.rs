//! Proof of Liquidity through the binary: every block distributes its parent proposer's
//! emission (0.4 WBERA to the proposer's operator, 1.305 WBERA to the reward vaults of its
//! allocation), funded by the dev consensus layer's 1.705 BERA inflation withdrawal. A pool's
//! validator is made to propose with `berapool_setProposer`: its SmartOperator collects the base
//! rate in WBERA, which counts in the pool's NAV net of the protocol fee, and `processRewards`
//! unwraps it into the pool; the default vault's incentives pay the pool its commission and the
//! protocol the rest; a reward allocation queued through the SmartOperator becomes active on the
//! pool validator's proposal and the emission follows it.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alloy_primitives::{aliases::U96, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use berapool_e2e::{
    fast_pools_without_bot, quantity, register_active_pool, DevNode, Wallet, DEV_KEY_0,
};
use berapool_pool_precompiles::{
    abi::{
        IAccessControl, IBeraChef, IBlockRewardController, IDevToken, IRewardVault,
        IRewardVaultFactory, ISmartOperator, IStakingPool, IWBERA,
    },
    pol::{BASE_RATE, DEFAULT_REWARD_VAULT, REWARD_RATE},
    pool_state::{
        access::{PROTOCOL_FEE_MANAGER_ROLE, REWARDS_ALLOCATION_MANAGER_ROLE},
        addresses::{
            reward_vault_address, BERA_CHEF, BLOCK_REWARD_CONTROLLER, DEV_INCENTIVE_TOKEN_A,
            DEV_INCENTIVE_TOKEN_B, INCENTIVES_COLLECTOR, REWARD_VAULT_FACTORY, WBERA,
        },
        PoolId,
    },
};
use serde_json::{json, Value};

fn bera(n: u128) -> U256 {
    U256::from(n) * U256::from(10u128.pow(18))
}

async fn head(node: &DevNode) -> u64 {
    quantity(&node.rpc("eth_blockNumber", vec![]).await.unwrap())
        .unwrap()
        .to()
}

/// `eth_call` at block `number`.
async fn view_at(node: &DevNode, to: Address, data: Vec<u8>, number: u64) -> Bytes {
    node.view_at(to, data, number).await.unwrap()
}

async fn u256_at(node: &DevNode, to: Address, data: Vec<u8>, number: u64) -> U256 {
    U256::from_be_slice(&view_at(node, to, data, number).await[..32])
}

async fn wait_until(what: &str, seconds: u64, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn ok(node: &DevNode, wallet: &mut Wallet, to: Address, value: U256, data: Vec<u8>) -> Value {
    let raw = wallet.call(to, value, data, 2_000_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

fn block_of(receipt: &Value) -> u64 {
    quantity(&receipt["blockNumber"]).unwrap().to()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_validator_earns_the_base_rate_in_wbera_and_it_compounds_into_the_pool() {
    let node = DevNode::start(&fast_pools_without_bot()).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let pubkey = [0x5a; 48];
    let key = Bytes::copy_from_slice(&pubkey);
    register_active_pool(&node, &mut alice, pubkey)
        .await
        .unwrap();
    let addrs = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    let (pool, operator, rewards_vault) = (
        addrs.staking_pool,
        addrs.smart_operator,
        addrs.staking_rewards_vault,
    );

    // Every block so far paid the genesis validator's (operator-less) share and the default
    // vault; BeraChef is ready from genesis with one vault at 100 %.
    let ready = node
        .view(BERA_CHEF, IBeraChef::isReadyCall {}.abi_encode())
        .await
        .unwrap();
    assert_eq!(ready.last(), Some(&1));
    let now = head(&node).await;
    let vault_rewards = u256_at(
        &node,
        DEFAULT_REWARD_VAULT,
        IRewardVault::undistributedRewardsCall {}.abi_encode(),
        now,
    )
    .await;
    assert_eq!(
        vault_rewards,
        REWARD_RATE * U256::from(now),
        "1.305 WBERA a block"
    );
    let max = node
        .view(
            BLOCK_REWARD_CONTROLLER,
            IBlockRewardController::getMaxEmissionPerBlockCall {}.abi_encode(),
        )
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&max), BASE_RATE + REWARD_RATE);

    // A 10 % protocol fee.
    let grant = IAccessControl::grantRoleCall {
        role: PROTOCOL_FEE_MANAGER_ROLE,
        account: alice.address(),
    };
    ok(&node, &mut alice, operator, U256::ZERO, grant.abi_encode()).await;
    let set_fee = ISmartOperator::setProtocolFeePercentageCall {
        protocolFeePercentage_: U96::from(1_000),
    };
    ok(
        &node,
        &mut alice,
        operator,
        U256::ZERO,
        set_fee.abi_encode(),
    )
    .await;

    // The pool reaches the activation minimum on the consensus layer.
    let submit = IStakingPool::submitCall {
        receiver: alice.address(),
    };
    ok(&node, &mut alice, pool, bera(290_000), submit.abi_encode()).await;
    wait_until("the pool's validator active", 60, async || {
        node.beacon("/eth/v1/beacon/states/head/validators/1")
            .unwrap()["data"]["status"]
            == json!("active_ongoing")
    })
    .await;

    // Only an active validator may be chosen.
    let refused = node
        .rpc(
            "berapool_setProposer",
            vec![json!(FixedBytes::<48>::repeat_byte(0x01))],
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("not an active validator"),
        "{refused}"
    );
    node.rpc("berapool_setProposer", vec![json!(key)])
        .await
        .unwrap();
    let chosen_at = head(&node).await;

    // From the second block after the choice on, every block pays the pool's validator.
    let wbera_of = |number| {
        u256_at(
            &node,
            WBERA,
            IWBERA::balanceOfCall { owner: operator }.abi_encode(),
            number,
        )
    };
    let from = chosen_at + 3;
    wait_until("ten blocks proposed by the pool", 30, async || {
        head(&node).await >= from + 10
    })
    .await;
    let to = head(&node).await;
    let (before, after) = (wbera_of(from).await, wbera_of(to).await);
    let k = U256::from(to - from);
    assert_eq!(after - before, BASE_RATE * k, "0.4 WBERA a block, k = {k}");
    assert!(!before.is_zero());

    // The WBERA counts in the NAV net of the unpaid 10 % fee.
    let view_u = |to_: Address, data: Vec<u8>| u256_at(&node, to_, data, to);
    let rebaseable = view_u(
        operator,
        ISmartOperator::rebaseableWberaAmountCall {}.abi_encode(),
    )
    .await;
    let state = ISmartOperator::getEarnedWBERAFeeStateCall::abi_decode_returns(
        &view_at(
            &node,
            operator,
            ISmartOperator::getEarnedWBERAFeeStateCall {}.abi_encode(),
            to,
        )
        .await,
    )
    .unwrap();
    assert_eq!(state.currentBalance, after);
    let fee = (after - state.wberaBalanceAlreadyCharged) / U256::from(10);
    assert_eq!(rebaseable, after - fee);
    let total_assets = view_u(pool, IStakingPool::totalAssetsCall {}.abi_encode()).await;
    let deposits = view_u(pool, IStakingPool::totalDepositsCall {}.abi_encode()).await;
    let buffered = view_u(pool, IStakingPool::bufferedAssetsCall {}.abi_encode()).await;
    let vault_balance = node.balance_at(rewards_vault, to).await.unwrap();
    let (supply_before, assets_before) = (
        view_u(pool, IStakingPool::totalSupplyCall {}.abi_encode()).await,
        total_assets,
    );
    // The rewards vault's share net of its own uncharged fee: what is left of the NAV.
    let vault_part = total_assets - deposits - buffered - rebaseable;
    assert!(vault_part <= vault_balance);

    // processRewards unwraps all of it into the pool's buffer, minting the fee's shares.
    let receipt = ok(
        &node,
        &mut alice,
        pool,
        U256::ZERO,
        IStakingPool::processRewardsCall {}.abi_encode(),
    )
    .await;
    let at = block_of(&receipt);
    assert!(wbera_of(at).await.is_zero(), "all the WBERA moved");
    let deposited = receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["topics"][0] == json!(ISmartOperator::WBERADepositedToPool::SIGNATURE_HASH))
        .unwrap();
    let data: Bytes = serde_json::from_value(deposited["data"].clone()).unwrap();
    let moved = U256::from_be_slice(&data);
    let before_tx = wbera_of(at - 1).await;
    // The block's own distribution ran before the transaction: 0.4 more.
    assert_eq!(moved, before_tx + BASE_RATE);
    let burnt = receipt["logs"].as_array().unwrap().iter().any(|l| {
        l["address"] == json!(WBERA.to_string().to_lowercase())
            && l["topics"][0] == json!(IWBERA::Transfer::SIGNATURE_HASH)
            && l["topics"][2] == json!(B256::ZERO)
    });
    assert!(burnt, "WBERA's Transfer to zero for the unwrap");
    let buffered_after = u256_at(
        &node,
        pool,
        IStakingPool::bufferedAssetsCall {}.abi_encode(),
        at,
    )
    .await;
    assert!(buffered_after >= buffered + moved);
    let charged = ISmartOperator::getEarnedWBERAFeeStateCall::abi_decode_returns(
        &view_at(
            &node,
            operator,
            ISmartOperator::getEarnedWBERAFeeStateCall {}.abi_encode(),
            at,
        )
        .await,
    )
    .unwrap();
    assert_eq!(
        (charged.currentBalance, charged.wberaBalanceAlreadyCharged),
        (U256::ZERO, U256::ZERO)
    );
    // Priced before and after: the share price does not move by more than a wei's rounding
    // (the fee moves from "owed" into the NAV, its shares into the supply).
    let supply_after = u256_at(
        &node,
        pool,
        IStakingPool::totalSupplyCall {}.abi_encode(),
        at,
    )
    .await;
    let assets_after = u256_at(
        &node,
        pool,
        IStakingPool::totalAssetsCall {}.abi_encode(),
        at,
    )
    .await;
    assert!(supply_after > supply_before, "fee shares minted");
    let price = |a: U256, s: U256| a * bera(1) / s;
    let (p0, p1) = (
        price(assets_before, supply_before),
        price(assets_after, supply_after),
    );
    assert!(p1 >= p0, "share price {p0} → {p1}");

    // Incentives: the default vault pays 2 INCA per WBERA of emission; the pool's validator
    // takes its 5 % commission, the protocol's IncentivesCollector the rest.
    let stock = bera(10_000);
    let approve = IDevToken::approveCall {
        spender: DEFAULT_REWARD_VAULT,
        value: stock,
    };
    ok(
        &node,
        &mut alice,
        DEV_INCENTIVE_TOKEN_A,
        U256::ZERO,
        approve.abi_encode(),
    )
    .await;
    let add = IRewardVault::addIncentiveCall {
        token: DEV_INCENTIVE_TOKEN_A,
        amount: stock,
        incentiveRate: bera(2),
    };
    let added = ok(
        &node,
        &mut alice,
        DEFAULT_REWARD_VAULT,
        U256::ZERO,
        add.abi_encode(),
    )
    .await;
    let m = block_of(&added);
    wait_until("six blocks of incentives", 30, async || {
        head(&node).await >= m + 6
    })
    .await;
    let n = head(&node).await;
    let inca = |owner: Address, number: u64| {
        u256_at(
            &node,
            DEV_INCENTIVE_TOKEN_A,
            IDevToken::balanceOfCall { account: owner }.abi_encode(),
            number,
        )
    };
    let blocks = U256::from(n - m);
    let per_block = REWARD_RATE * U256::from(2);
    let commission = per_block * U256::from(500) / U256::from(10_000);
    assert_eq!(
        commission,
        U256::from(130_500_000_000_000_000u128),
        "0.1305 INCA"
    );
    assert_eq!(
        inca(operator, n).await - inca(operator, m).await,
        commission * blocks
    );
    assert_eq!(
        inca(INCENTIVES_COLLECTOR, n).await - inca(INCENTIVES_COLLECTOR, m).await,
        (per_block - commission) * blocks,
        "2.4795 INCA a block to the protocol"
    );
    let left = IRewardVault::incentivesCall::abi_decode_returns(
        &view_at(
            &node,
            DEFAULT_REWARD_VAULT,
            IRewardVault::incentivesCall {
                token: DEV_INCENTIVE_TOKEN_A,
            }
            .abi_encode(),
            n,
        )
        .await,
    )
    .unwrap();
    assert_eq!(left.amountRemaining, stock - per_block * blocks);

    // A reward allocation: a new vault, whitelisted by BeraChef's owner, queued by the pool's
    // allocation manager through the SmartOperator; it becomes active on the pool validator's
    // first proposal at or after its start block, and the emission follows it.
    let create = IRewardVaultFactory::createRewardVaultCall {
        stakingToken: DEV_INCENTIVE_TOKEN_B,
    };
    ok(
        &node,
        &mut alice,
        REWARD_VAULT_FACTORY,
        U256::ZERO,
        create.abi_encode(),
    )
    .await;
    let vault2 = reward_vault_address(2);
    let whitelist = IBeraChef::setVaultWhitelistedStatusCall {
        receiver: vault2,
        isWhitelisted: true,
        metadata: "INCB vault".to_string(),
    };
    ok(
        &node,
        &mut alice,
        BERA_CHEF,
        U256::ZERO,
        whitelist.abi_encode(),
    )
    .await;
    let grant = IAccessControl::grantRoleCall {
        role: REWARDS_ALLOCATION_MANAGER_ROLE,
        account: alice.address(),
    };
    ok(&node, &mut alice, operator, U256::ZERO, grant.abi_encode()).await;
    let queue = |start: u64| {
        ISmartOperator::queueRewardsAllocationCall {
            startBlock: start,
            weights: vec![ISmartOperator::Weight {
                receiver: vault2,
                percentageNumerator: U96::from(10_000),
            }],
        }
        .abi_encode()
    };
    let now = head(&node).await;
    assert_eq!(
        node.revert_data(alice.address(), operator, U256::ZERO, queue(now + 1))
            .unwrap(),
        Bytes::from(IBeraChef::InvalidStartBlock {}.abi_encode()).to_string(),
        "the start must be the allocation delay (8 blocks) ahead"
    );
    let start = now + 12;
    ok(&node, &mut alice, operator, U256::ZERO, queue(start)).await;
    wait_until("the allocation's start", 30, async || {
        head(&node).await >= start + 3
    })
    .await;
    let end = head(&node).await;
    let active = IBeraChef::getActiveRewardAllocationCall::abi_decode_returns(
        &view_at(
            &node,
            BERA_CHEF,
            IBeraChef::getActiveRewardAllocationCall {
                valPubkey: key.clone(),
            }
            .abi_encode(),
            end,
        )
        .await,
    )
    .unwrap();
    assert_eq!(active.startBlock, start, "activated on the start block");
    assert_eq!(active.weights.len(), 1);
    assert_eq!(active.weights[0].receiver, vault2);
    let undistributed = |vault: Address, number: u64| {
        u256_at(
            &node,
            vault,
            IRewardVault::undistributedRewardsCall {}.abi_encode(),
            number,
        )
    };
    assert_eq!(
        undistributed(vault2, end).await,
        REWARD_RATE * U256::from(end - start + 1)
    );
    assert_eq!(
        undistributed(DEFAULT_REWARD_VAULT, end).await,
        undistributed(DEFAULT_REWARD_VAULT, start - 1).await,
        "the default vault no longer receives the pool validator's emission"
    );

    // Back to the rules' choice.
    node.rpc("berapool_setProposer", vec![Value::Null])
        .await
        .unwrap();
}
