//! The IncentiveCollector auction through the binary, against token bytecode compiled by the
//! pinned solc: a claim pays the payout and receives every token's balance, with the fee in
//! shares in the audited order; hostile tokens (reverting, returning false, re-entering,
//! burning all gas) leave nothing moved; STATICCALL is refused; governance recovers tokens and
//! nobody else; the call trace shows the collector's sub-calls; the same ERC-20 transfer costs
//! the token the same gas whether the collector or a Solidity contract makes it.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent};
use berapool_e2e::{
    quantity, register_active_pool, DevNode, Wallet, DEV_KEY_0, DEV_KEY_1, FAST_POOLS,
};
use berapool_pool_precompiles::{
    abi::{
        IAccessControl, IBerapool, IIncentiveCollector, IRecoverERC20, ISmartOperator, IStakingPool,
    },
    pool_state::{access, addresses::WITHDRAWAL_VAULT, PoolId},
};
use serde_json::{json, Value};

sol! {
    function mint(address to, uint256 amount);
    function balanceOf(address account) returns (uint256);
    function setCollector(address collector);
    function forward(address token, address to);
    function tryClaim(address collector) returns (bool ok, bytes data);
    error TransferBlocked();
    event Transfer(address indexed from, address indexed to, uint256 value);
}

const BERA: u128 = 1_000_000_000_000_000_000;

fn bera(n: u128) -> U256 {
    U256::from(n * BERA)
}

async fn deploy(node: &DevNode, wallet: &mut Wallet, contract: &str) -> Address {
    berapool_e2e::deploy_solidity(node, wallet, "IncentiveTokens.sol", contract)
        .await
        .unwrap()
}

async fn send(
    node: &DevNode,
    wallet: &mut Wallet,
    to: Address,
    value: U256,
    data: Vec<u8>,
    gas: u64,
) -> Value {
    let raw = wallet.call(to, value, data, gas).unwrap();
    node.send_and_wait(raw).await.unwrap()
}

async fn ok(node: &DevNode, wallet: &mut Wallet, to: Address, value: U256, data: Vec<u8>) -> Value {
    let receipt = send(node, wallet, to, value, data, 2_000_000).await;
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

/// The revert data `eth_call` returns for this call (empty string if it succeeds).
fn revert_data(node: &DevNode, from: Address, to: Address, value: U256, data: Vec<u8>) -> String {
    node.revert_data(from, to, value, data).unwrap()
}

fn hex(data: Vec<u8>) -> String {
    Bytes::from(data).to_string()
}

async fn token_balance(node: &DevNode, token: Address, account: Address) -> U256 {
    let out = node
        .view(token, balanceOfCall { account }.abi_encode())
        .await
        .unwrap();
    U256::from_be_slice(&out)
}

fn claim(tokens: Vec<Address>) -> Vec<u8> {
    IIncentiveCollector::claimCall { tokens }.abi_encode()
}

fn topic0(log: &Value) -> B256 {
    serde_json::from_value(log["topics"][0].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incentive_auction_pays_the_vault_and_hands_over_every_token() {
    let node = DevNode::start(FAST_POOLS).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap(); // governance and validator admin
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let pubkey = [0x1c; 48];
    let pool = register_active_pool(&node, &mut alice, pubkey)
        .await
        .unwrap();
    let addrs = PoolId::from_pubkey(&alloy_primitives::FixedBytes(pubkey)).addresses();
    let (collector, operator, vault) = (
        addrs.incentive_collector,
        addrs.smart_operator,
        addrs.staking_rewards_vault,
    );

    // A 10 % protocol fee, set by the validator admin's fee manager.
    for role in [
        access::PROTOCOL_FEE_MANAGER_ROLE,
        access::INCENTIVE_COLLECTOR_MANAGER_ROLE,
    ] {
        let grant = IAccessControl::grantRoleCall {
            role,
            account: alice.address(),
        };
        ok(&node, &mut alice, operator, U256::ZERO, grant.abi_encode()).await;
    }
    let set_fee = ISmartOperator::setProtocolFeePercentageCall {
        protocolFeePercentage_: alloy_primitives::aliases::U96::from(1_000),
    };
    ok(
        &node,
        &mut alice,
        operator,
        U256::ZERO,
        set_fee.abi_encode(),
    )
    .await;

    let token_a = deploy(&node, &mut alice, "IncentiveToken").await;
    let token_b = deploy(&node, &mut alice, "IncentiveToken").await;
    for (token, amount) in [(token_a, bera(500)), (token_b, bera(7))] {
        let m = mintCall {
            to: collector,
            amount,
        };
        ok(&node, &mut alice, token, U256::ZERO, m.abi_encode()).await;
    }
    let payout = node
        .view(
            collector,
            IIncentiveCollector::payoutAmountCall {}.abi_encode(),
        )
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&payout), bera(100), "initial payout");

    // A wrong payout is refused with the official error.
    assert_eq!(
        revert_data(
            &node,
            bob.address(),
            collector,
            bera(99),
            claim(vec![token_a])
        ),
        hex(IIncentiveCollector::IncorrectPayoutAmount {}.abi_encode())
    );

    // The claim: 100 BERA in, both balances out.
    let shares_before = token_balance(&node, pool, alice.address()).await;
    let vault_before = node.balance(vault).await.unwrap();
    let receipt = ok(
        &node,
        &mut bob,
        collector,
        bera(100),
        claim(vec![token_a, token_b]),
    )
    .await;
    assert_eq!(
        token_balance(&node, token_a, bob.address()).await,
        bera(500)
    );
    assert_eq!(token_balance(&node, token_b, bob.address()).await, bera(7));
    assert_eq!(token_balance(&node, token_a, collector).await, U256::ZERO);
    assert_eq!(node.balance(vault).await.unwrap() - vault_before, bera(100));
    assert_eq!(node.balance(collector).await.unwrap(), U256::ZERO);
    // The fee (10 BERA) as shares to the default recipient, worth at most the fee.
    let fee_shares = token_balance(&node, pool, alice.address()).await - shares_before;
    assert!(!fee_shares.is_zero());
    let worth = node
        .view(
            pool,
            IStakingPool::convertToAssetsCall { shares: fee_shares }.abi_encode(),
        )
        .await
        .unwrap();
    let worth = U256::from_be_slice(&worth);
    assert!(
        worth <= bera(10) && worth + U256::from(2) >= bera(10),
        "fee shares worth {worth}"
    );
    let fee = node
        .view(
            collector,
            IIncentiveCollector::feePercentageCall {}.abi_encode(),
        )
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&fee), U256::from(1_000), "fee synced");

    // The audited order: tokens, net payout to the vault, fee shares, fee, the summary.
    let logs = receipt["logs"].as_array().unwrap();
    let order: Vec<B256> = logs.iter().map(topic0).collect();
    let position = |t: B256| order.iter().position(|x| *x == t).unwrap();
    let token_claimed = IIncentiveCollector::IncentiveTokenClaimed::SIGNATURE_HASH;
    let received =
        berapool_pool_precompiles::abi::IStakingRewardsVault::RewardsReceived::SIGNATURE_HASH;
    let minted = IStakingPool::SharesMinted::SIGNATURE_HASH;
    let claimed = IIncentiveCollector::IncentiveTokensClaimed::SIGNATURE_HASH;
    assert!(
        position(IIncentiveCollector::FeePercentageSet::SIGNATURE_HASH)
            < position(Transfer::SIGNATURE_HASH)
    );
    assert!(position(token_claimed) < position(received));
    assert!(position(received) < position(minted));
    assert!(order.iter().rposition(|x| *x == received).unwrap() > position(minted));
    assert_eq!(order.last(), Some(&claimed));
    let claim_tx = receipt["transactionHash"].clone();

    // The call trace: the collector's four sub-calls in order, each from the collector; no
    // log reported twice.
    let trace = node.call_trace(&claim_tx).await.unwrap();
    let calls = trace["calls"].as_array().unwrap();
    let kinds: Vec<(&str, Address)> = calls
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap(),
                serde_json::from_value(c["to"].clone()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("STATICCALL", token_a),
            ("CALL", token_a),
            ("STATICCALL", token_b),
            ("CALL", token_b)
        ],
        "{trace}"
    );
    for c in calls {
        assert_eq!(c["from"], json!(collector.to_string().to_lowercase()));
    }
    fn count_logs(frame: &Value) -> usize {
        frame["logs"].as_array().map_or(0, Vec::len)
            + frame["calls"]
                .as_array()
                .map_or(0, |c| c.iter().map(count_logs).sum())
    }
    assert_eq!(count_logs(&trace), logs.len(), "{trace}");

    // The same transfer made by a Solidity contract costs the token the same gas.
    let forwarder = deploy(&node, &mut alice, "Forwarder").await;
    let m = mintCall {
        to: forwarder,
        amount: bera(500),
    };
    ok(&node, &mut alice, token_a, U256::ZERO, m.abi_encode()).await;
    let fwd = forwardCall {
        token: token_a,
        to: Address::repeat_byte(0x77),
    };
    let receipt = ok(&node, &mut alice, forwarder, U256::ZERO, fwd.abi_encode()).await;
    let forward_trace = node.call_trace(&receipt["transactionHash"]).await.unwrap();
    let native_transfer = &calls[1]["gasUsed"];
    let solidity_transfer = &forward_trace["calls"][1]["gasUsed"];
    println!("token transfer gas: made by the collector {native_transfer}, by a Solidity contract {solidity_transfer}");
    assert_eq!(native_transfer, solidity_transfer, "{forward_trace}");

    // Hostile tokens: the whole claim reverts and nothing moves.
    let reverting = deploy(&node, &mut alice, "RevertingToken").await;
    let falsy = deploy(&node, &mut alice, "FalseToken").await;
    let reentrant = deploy(&node, &mut alice, "ReentrantToken").await;
    let burner = deploy(&node, &mut alice, "GasBurnerToken").await;
    ok(
        &node,
        &mut alice,
        reentrant,
        U256::ZERO,
        setCollectorCall { collector }.abi_encode(),
    )
    .await;
    for token in [reverting, falsy, reentrant, burner] {
        let m = mintCall {
            to: collector,
            amount: bera(1),
        };
        ok(&node, &mut alice, token, U256::ZERO, m.abi_encode()).await;
    }
    let m = mintCall {
        to: collector,
        amount: bera(3),
    };
    ok(&node, &mut alice, token_a, U256::ZERO, m.abi_encode()).await;
    let cases = [
        (reverting, hex(TransferBlocked {}.abi_encode())),
        (
            falsy,
            hex(IIncentiveCollector::SafeERC20FailedOperation { token: falsy }.abi_encode()),
        ),
        (
            reentrant,
            hex(IBerapool::ReentrancyGuardReentrantCall {}.abi_encode()),
        ),
    ];
    for (token, expected) in cases {
        let data = claim(vec![token_a, token]);
        assert_eq!(
            revert_data(&node, bob.address(), collector, bera(100), data.clone()),
            expected
        );
        let vault_before = node.balance(vault).await.unwrap();
        let receipt = send(&node, &mut bob, collector, bera(100), data, 2_000_000).await;
        assert_eq!(receipt["status"], json!("0x0"), "{receipt}");
        assert_eq!(node.balance(vault).await.unwrap(), vault_before);
        assert_eq!(
            token_balance(&node, token_a, collector).await,
            bera(3),
            "nothing moved"
        );
    }
    // A token that burns every gas it gets: the collector keeps the 1/64 the CALL rule holds
    // back, so it reverts cleanly instead of running out of gas itself.
    let receipt = send(
        &node,
        &mut bob,
        collector,
        bera(100),
        claim(vec![burner]),
        1_000_000,
    )
    .await;
    assert_eq!(receipt["status"], json!("0x0"));
    let used = quantity(&receipt["gasUsed"]).unwrap();
    assert!(used < U256::from(1_000_000), "the 1/64 came back: {used}");

    // STATICCALL into claim: refused.
    let static_caller = deploy(&node, &mut alice, "StaticCaller").await;
    let out = node
        .view(static_caller, tryClaimCall { collector }.abi_encode())
        .await
        .unwrap();
    let out = tryClaimCall::abi_decode_returns(&out).unwrap();
    assert!(!out.ok);
    assert_eq!(
        out.data.to_vec(),
        IBerapool::WriteInStaticCall {}.abi_encode()
    );

    // The payout queue: only through the SmartOperator, applied after the next claim.
    let direct = IIncentiveCollector::queuePayoutAmountChangeCall {
        newPayoutAmount: bera(50),
    };
    assert_eq!(
        revert_data(
            &node,
            alice.address(),
            collector,
            U256::ZERO,
            direct.abi_encode()
        ),
        hex(IIncentiveCollector::InvalidSender {
            sender: alice.address(),
            expected: operator
        }
        .abi_encode())
    );
    let queue = ISmartOperator::queueIncentiveCollectorPayoutAmountChangeCall {
        newPayoutAmount: bera(50),
    };
    ok(&node, &mut alice, operator, U256::ZERO, queue.abi_encode()).await;
    let no_return = deploy(&node, &mut alice, "NoReturnToken").await;
    let m = mintCall {
        to: collector,
        amount: bera(2),
    };
    ok(&node, &mut alice, no_return, U256::ZERO, m.abi_encode()).await;
    ok(
        &node,
        &mut bob,
        collector,
        bera(100),
        claim(vec![no_return]),
    )
    .await;
    assert_eq!(
        token_balance(&node, no_return, bob.address()).await,
        bera(2),
        "no-return token moved"
    );
    let payout = node
        .view(
            collector,
            IIncentiveCollector::payoutAmountCall {}.abi_encode(),
        )
        .await
        .unwrap();
    assert_eq!(
        U256::from_be_slice(&payout),
        bera(50),
        "queued payout applied"
    );

    // Donations go to the rewards vault.
    let vault_before = node.balance(vault).await.unwrap();
    let receipt = ok(&node, &mut bob, collector, bera(1), Vec::new()).await;
    assert_eq!(node.balance(vault).await.unwrap() - vault_before, bera(1));
    assert!(receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| topic0(l) == IIncentiveCollector::Donated::SIGNATURE_HASH));

    // Recovery: governance only, on the collector and both vaults.
    let receiver = Address::repeat_byte(0x99);
    let recover = IIncentiveCollector::recoverERC20Call {
        tokens: vec![token_a],
        receiver,
    };
    let refused = revert_data(
        &node,
        bob.address(),
        collector,
        U256::ZERO,
        recover.abi_encode(),
    );
    assert!(
        refused.starts_with(&hex(
            IAccessControl::AccessControlUnauthorizedAccount::SELECTOR.to_vec()
        )),
        "{refused}"
    );
    ok(
        &node,
        &mut alice,
        collector,
        U256::ZERO,
        recover.abi_encode(),
    )
    .await;
    assert_eq!(token_balance(&node, token_a, receiver).await, bera(3));
    for holder in [vault, WITHDRAWAL_VAULT] {
        let m = mintCall {
            to: holder,
            amount: bera(4),
        };
        ok(&node, &mut alice, token_a, U256::ZERO, m.abi_encode()).await;
        let recover = IRecoverERC20::recoverERC20Call {
            token: token_a,
            to: receiver,
            amount: bera(4),
        };
        let refused = revert_data(
            &node,
            bob.address(),
            holder,
            U256::ZERO,
            recover.abi_encode(),
        );
        assert!(
            refused.starts_with(&hex(
                IAccessControl::AccessControlUnauthorizedAccount::SELECTOR.to_vec()
            )),
            "{refused}"
        );
        let receipt = ok(&node, &mut alice, holder, U256::ZERO, recover.abi_encode()).await;
        assert!(receipt["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| topic0(l) == IRecoverERC20::ERC20Recovered::SIGNATURE_HASH));
        assert_eq!(token_balance(&node, token_a, holder).await, U256::ZERO);
    }
    assert_eq!(token_balance(&node, token_a, receiver).await, bera(11));
}

/// Native calls nest up to `MAX_NATIVE_NESTING` deep: a token that bounces a claim through
/// eight collectors works, through nine it reverts with `NativeCallDepthExceeded()` and
/// nothing moves; the same through `eth_call` answers instead of overflowing a thread's stack.
#[tokio::test(flavor = "multi_thread")]
async fn native_calls_nest_up_to_the_cap() {
    let node = DevNode::start(&[]).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let mut collectors = Vec::new();
    for i in 0..=berapool_pool_precompiles::MAX_NATIVE_NESTING {
        let pubkey = [0x30 + i; 48];
        let raw = alice
            .call(
                berapool_pool_precompiles::addresses::FACTORY,
                bera(10_000),
                berapool_e2e::pool_registration(pubkey, alice.address()),
                1_000_000,
            )
            .unwrap();
        let receipt = node.send_and_wait(raw).await.unwrap();
        assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
        collectors.push(
            PoolId::from_pubkey(&alloy_primitives::FixedBytes(pubkey))
                .addresses()
                .incentive_collector,
        );
    }
    let bouncer = deploy(&node, &mut alice, "BouncingToken").await;
    ok(&node, &mut alice, bouncer, bera(1_000), Vec::new()).await;
    sol! {
        function setCollectors(address[] collectors);
    }
    let first = collectors[0];
    let depth = berapool_pool_precompiles::MAX_NATIVE_NESTING as usize;

    // Nine natives on the stack: one too many.
    let set = setCollectorsCall {
        collectors: collectors[1..=depth].to_vec(),
    };
    ok(&node, &mut alice, bouncer, U256::ZERO, set.abi_encode()).await;
    assert_eq!(
        revert_data(&node, bob.address(), first, bera(100), claim(vec![bouncer])),
        hex(IBerapool::NativeCallDepthExceeded {}.abi_encode())
    );
    let receipt = send(
        &node,
        &mut bob,
        first,
        bera(100),
        claim(vec![bouncer]),
        10_000_000,
    )
    .await;
    assert_eq!(receipt["status"], json!("0x0"), "{receipt}");
    assert_eq!(
        node.balance(bouncer).await.unwrap(),
        bera(1_000),
        "nothing moved"
    );

    // Eight: every claim goes through.
    let set = setCollectorsCall {
        collectors: collectors[1..depth].to_vec(),
    };
    ok(&node, &mut alice, bouncer, U256::ZERO, set.abi_encode()).await;
    assert_eq!(
        revert_data(&node, bob.address(), first, bera(100), claim(vec![bouncer])),
        ""
    );
    let receipt = send(
        &node,
        &mut bob,
        first,
        bera(100),
        claim(vec![bouncer]),
        10_000_000,
    )
    .await;
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    let paid = U256::from((depth - 1) as u64) * bera(100);
    assert_eq!(node.balance(bouncer).await.unwrap(), bera(1_000) - paid);
}

#[tokio::test(flavor = "multi_thread")]
async fn commission_tokens_move_from_the_smart_operator_to_the_auction() {
    use berapool_pool_precompiles::{abi::IWBERA, addresses::WBERA};
    let node = DevNode::start(FAST_POOLS).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let pubkey = [0x4d; 48];
    register_active_pool(&node, &mut alice, pubkey)
        .await
        .unwrap();
    let addrs = PoolId::from_pubkey(&alloy_primitives::FixedBytes(pubkey)).addresses();
    let (operator, collector) = (addrs.smart_operator, addrs.incentive_collector);

    // PoL pays the validator's commission in incentive tokens to its operator, the
    // SmartOperator; here a token mints it directly. Some WBERA reaches it too.
    let token = deploy(&node, &mut alice, "IncentiveToken").await;
    let mint = mintCall {
        to: operator,
        amount: bera(300),
    };
    ok(&node, &mut alice, token, U256::ZERO, mint.abi_encode()).await;
    ok(&node, &mut alice, WBERA, bera(2), Vec::new()).await;
    let give = IWBERA::transferCall {
        to: operator,
        amount: bera(2),
    };
    ok(&node, &mut alice, WBERA, U256::ZERO, give.abi_encode()).await;

    // Anyone moves them; WBERA, a pool asset, stays with the SmartOperator.
    let reverting = deploy(&node, &mut alice, "RevertingToken").await;
    let mint = mintCall {
        to: operator,
        amount: bera(1),
    };
    ok(&node, &mut alice, reverting, U256::ZERO, mint.abi_encode()).await;
    let moving = |tokens| ISmartOperator::moveERC20ToIncentiveCollectorCall { tokens }.abi_encode();
    assert_eq!(
        revert_data(
            &node,
            bob.address(),
            operator,
            U256::ZERO,
            moving(vec![token, reverting])
        ),
        hex(TransferBlocked {}.abi_encode()),
        "a token that cannot move reverts the whole call"
    );
    ok(
        &node,
        &mut bob,
        operator,
        U256::ZERO,
        moving(vec![token, WBERA]),
    )
    .await;
    assert_eq!(token_balance(&node, token, collector).await, bera(300));
    assert_eq!(token_balance(&node, token, operator).await, U256::ZERO);
    assert_eq!(token_balance(&node, WBERA, operator).await, bera(2));
    assert_eq!(token_balance(&node, WBERA, collector).await, U256::ZERO);

    // The auction sells them.
    ok(&node, &mut bob, collector, bera(100), claim(vec![token])).await;
    assert_eq!(token_balance(&node, token, bob.address()).await, bera(300));
}
