//! The incentive bot through the binary: `berapool-node incentives` against a devnet whose own
//! bot is off. Nobody but the bot acts: a queued commission becomes active once its delay has
//! passed, and the commission tokens on a SmartOperator reach the pool's IncentiveCollector,
//! except a token whose transfer reverts, which stays without holding the others back.

#![allow(clippy::unwrap_used)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy_primitives::{aliases::U96, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall};
use berapool_e2e::{
    fast_pools_without_bot, node_binary, register_active_pool, DevNode, Wallet, DEV_KEY_0,
};
use berapool_pool_precompiles::{
    abi::{IAccessControl, IBeraChef, ISmartOperator},
    pool_state::{access::COMMISSION_MANAGER_ROLE, addresses::BERA_CHEF, PoolId},
};
use serde_json::json;

sol! {
    function mint(address to, uint256 amount);
    function balanceOf(address account) returns (uint256);
}

/// Dev account 7: the bot's key here (it needs gas, no role).
const BOT_KEY: &str = "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";

async fn ok(node: &DevNode, wallet: &mut Wallet, to: Address, data: Vec<u8>) {
    let raw = wallet.call(to, U256::ZERO, data, 1_000_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
}

async fn deploy(node: &DevNode, wallet: &mut Wallet, contract: &str) -> Address {
    berapool_e2e::deploy_solidity(node, wallet, "IncentiveTokens.sol", contract)
        .await
        .unwrap()
}

async fn word(node: &DevNode, to: Address, data: Vec<u8>) -> U256 {
    U256::from_be_slice(&node.view(to, data).await.unwrap())
}

/// Polls `probe` every 200 ms until it holds, for at most 60 s.
async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !probe().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incentive_bot_activates_commissions_and_forwards_commission_tokens() {
    let node = DevNode::start(&fast_pools_without_bot()).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let pubkey = [0x5e; 48];
    register_active_pool(&node, &mut alice, pubkey)
        .await
        .unwrap();
    let addrs = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    let (operator, collector) = (addrs.smart_operator, addrs.incentive_collector);

    // A commission queued, and commission tokens on the SmartOperator (one that cannot move).
    let grant = IAccessControl::grantRoleCall {
        role: COMMISSION_MANAGER_ROLE,
        account: alice.address(),
    };
    ok(&node, &mut alice, operator, grant.abi_encode()).await;
    let queue = ISmartOperator::queueValCommissionCall {
        commission: U96::from(1_500),
    };
    ok(&node, &mut alice, operator, queue.abi_encode()).await;
    let token = deploy(&node, &mut alice, "IncentiveToken").await;
    let stuck = deploy(&node, &mut alice, "RevertingToken").await;
    for t in [token, stuck] {
        let m = mintCall {
            to: operator,
            amount: U256::from(777),
        };
        ok(&node, &mut alice, t, m.abi_encode()).await;
    }

    // The bot, as an operator runs it against any node.
    let mut bot = Command::new(node_binary().unwrap())
        .args([
            "incentives",
            "--rpc",
            &node.url,
            "--key",
            BOT_KEY,
            "--interval",
            "500ms",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let commission = IBeraChef::getValCommissionOnIncentiveTokensCall {
        valPubkey: Bytes::copy_from_slice(&pubkey),
    };
    eventually("the bot to activate the commission", || async {
        word(&node, BERA_CHEF, commission.abi_encode()).await == U256::from(1_500)
    })
    .await;
    let held = |account| balanceOfCall { account }.abi_encode();
    eventually("the bot to forward the tokens", || async {
        word(&node, token, held(collector)).await == U256::from(777)
    })
    .await;
    assert_eq!(word(&node, token, held(operator)).await, U256::ZERO);
    assert_eq!(
        word(&node, stuck, held(operator)).await,
        U256::from(777),
        "a token that cannot move stays"
    );
    bot.kill().unwrap();
    let _ = bot.wait();
}
