//! Validator commission through the binary: a pool's commission manager queues a commission
//! on the SmartOperator, which forwards it to the dev chain's native BeraChef with a real CALL;
//! it is refused before the delay and active after it, activated by anyone; BeraChef's errors
//! reach the caller through the SmartOperator; the validator admin sets the reward allocator;
//! only the operator, the role holders and BeraChef's owner get through.

#![allow(clippy::unwrap_used)]

use alloy_primitives::{aliases::U96, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use berapool_e2e::{
    fast_pools_without_bot, quantity, register_active_pool, DevNode, Wallet, DEV_KEY_0, DEV_KEY_1,
};
use berapool_pool_precompiles::{
    abi::{IAccessControl, IBeaconDeposit, IBeraChef, ISmartOperator},
    pool_state::{
        access::{COMMISSION_MANAGER_ROLE, VALIDATOR_ADMIN_ROLE},
        addresses::{BEACON_DEPOSIT, BERA_CHEF},
        PoolId,
    },
};
use serde_json::{json, Value};

async fn ok(node: &DevNode, wallet: &mut Wallet, to: Address, data: Vec<u8>) -> Value {
    let raw = wallet.call(to, U256::ZERO, data, 1_000_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

/// The revert data `eth_call` returns for this call from `from` (empty if it succeeds).
fn revert_data(node: &DevNode, from: Address, to: Address, data: Vec<u8>) -> String {
    node.revert_data(from, to, U256::ZERO, data).unwrap()
}

fn hex(data: Vec<u8>) -> String {
    Bytes::from(data).to_string()
}

async fn view(node: &DevNode, to: Address, data: Vec<u8>) -> Bytes {
    node.view(to, data).await.unwrap()
}

async fn head(node: &DevNode) -> u64 {
    quantity(&node.rpc("eth_blockNumber", vec![]).await.unwrap())
        .unwrap()
        .to()
}

fn emitted(receipt: &Value, address: Address, topic: B256) -> bool {
    receipt["logs"].as_array().unwrap().iter().any(|l| {
        l["address"] == json!(address.to_string().to_lowercase())
            && l["topics"][0] == json!(topic.to_string())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_queues_and_activates_its_commission_through_berachef() {
    // The built-in incentive bot off: here the activation is someone's transaction.
    let node = DevNode::start(&fast_pools_without_bot()).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap(); // governance and validator admin
    let mut bob = Wallet::new(DEV_KEY_1).unwrap();
    let (a, b) = (alice.address(), bob.address());
    let pubkey = [0x3c; 48];
    register_active_pool(&node, &mut alice, pubkey)
        .await
        .unwrap();
    let operator = PoolId::from_pubkey(&FixedBytes(pubkey))
        .addresses()
        .smart_operator;
    let key = Bytes::copy_from_slice(&pubkey);

    // The SmartOperator is the validator's operator, and names BeraChef where Berachain has it.
    let registered = view(
        &node,
        BEACON_DEPOSIT,
        IBeaconDeposit::getOperatorCall {
            pubkey: key.clone(),
        }
        .abi_encode(),
    )
    .await;
    assert_eq!(Address::from_word(B256::from_slice(&registered)), operator);
    let chef = view(
        &node,
        operator,
        ISmartOperator::BERA_CHEFCall {}.abi_encode(),
    )
    .await;
    assert_eq!(Address::from_word(B256::from_slice(&chef)), BERA_CHEF);
    let owner = view(&node, BERA_CHEF, IBeraChef::ownerCall {}.abi_encode()).await;
    assert_eq!(Address::from_word(B256::from_slice(&owner)), a);
    let delay = view(
        &node,
        BERA_CHEF,
        IBeraChef::commissionChangeDelayCall {}.abi_encode(),
    )
    .await;
    assert_eq!(U256::from_be_slice(&delay), U256::from(16));

    let commission = || IBeraChef::getValCommissionOnIncentiveTokensCall {
        valPubkey: key.clone(),
    };
    let rate = view(&node, BERA_CHEF, commission().abi_encode()).await;
    assert_eq!(
        U256::from_be_slice(&rate),
        U256::from(500),
        "5 % until first set"
    );

    // Only the commission manager may queue; the validator admin grants the role.
    let queue = |rate: u64| {
        ISmartOperator::queueValCommissionCall {
            commission: U96::from(rate),
        }
        .abi_encode()
    };
    assert_eq!(
        revert_data(&node, a, operator, queue(1_000)),
        hex(IAccessControl::AccessControlUnauthorizedAccount {
            account: a,
            neededRole: COMMISSION_MANAGER_ROLE,
        }
        .abi_encode())
    );
    let grant = IAccessControl::grantRoleCall {
        role: COMMISSION_MANAGER_ROLE,
        account: a,
    };
    ok(&node, &mut alice, operator, grant.abi_encode()).await;

    // BeraChef's own refusals come back through the SmartOperator.
    assert_eq!(
        revert_data(&node, a, operator, queue(2_001)),
        hex(IBeraChef::InvalidCommissionValue {}.abi_encode())
    );
    let direct = IBeraChef::queueValCommissionCall {
        valPubkey: key.clone(),
        commissionRate: U96::from(100),
    };
    assert_eq!(
        revert_data(&node, a, BERA_CHEF, direct.abi_encode()),
        hex(IBeraChef::NotOperator {}.abi_encode()),
        "only the operator queues"
    );

    let receipt = ok(&node, &mut alice, operator, queue(1_000)).await;
    let queued_at: u64 = quantity(&receipt["blockNumber"]).unwrap().to();
    assert!(emitted(
        &receipt,
        BERA_CHEF,
        IBeraChef::QueuedValCommission::SIGNATURE_HASH
    ));
    let trace = node.call_trace(&receipt["transactionHash"]).await.unwrap();
    let forwarded = &trace["calls"][0];
    assert_eq!(forwarded["type"], json!("CALL"), "{trace}");
    assert_eq!(
        forwarded["from"],
        json!(operator.to_string().to_lowercase())
    );
    assert_eq!(forwarded["to"], json!(BERA_CHEF.to_string().to_lowercase()));
    let input: Bytes = serde_json::from_value(forwarded["input"].clone()).unwrap();
    let expected = IBeraChef::queueValCommissionCall {
        valPubkey: key.clone(),
        commissionRate: U96::from(1_000),
    };
    assert_eq!(input, Bytes::from(expected.abi_encode()));

    let queued = IBeraChef::getValQueuedCommissionOnIncentiveTokensCall {
        valPubkey: key.clone(),
    };
    let out = view(&node, BERA_CHEF, queued.abi_encode()).await;
    let pending =
        IBeraChef::getValQueuedCommissionOnIncentiveTokensCall::abi_decode_returns(&out).unwrap();
    assert_eq!(
        (u64::from(pending.blockNumberLast), pending.commissionRate),
        (queued_at, U96::from(1_000))
    );
    assert_eq!(
        revert_data(&node, a, operator, queue(1_500)),
        hex(IBeraChef::CommissionChangeAlreadyQueued {}.abi_encode())
    );

    // Anyone activates, once the delay has passed.
    let activate = IBeraChef::activateQueuedValCommissionCall {
        valPubkey: key.clone(),
    };
    if head(&node).await < queued_at + 15 {
        assert_eq!(
            revert_data(&node, b, BERA_CHEF, activate.abi_encode()),
            hex(IBeraChef::CommissionNotQueuedOrDelayNotPassed {}.abi_encode())
        );
    }
    while head(&node).await < queued_at + 16 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let receipt = ok(&node, &mut bob, BERA_CHEF, activate.abi_encode()).await;
    let set = receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["topics"][0] == json!(IBeraChef::ValCommissionSet::SIGNATURE_HASH.to_string()))
        .unwrap();
    let data: Bytes = serde_json::from_value(set["data"].clone()).unwrap();
    let (old, new) = IBeraChef::ValCommissionSet::abi_decode_data(&data).unwrap();
    assert_eq!((old, new), (U96::from(500), U96::from(1_000)));
    let rate = view(&node, BERA_CHEF, commission().abi_encode()).await;
    assert_eq!(U256::from_be_slice(&rate), U256::from(1_000));
    let share = IBeraChef::getValidatorIncentiveTokenShareCall {
        valPubkey: key.clone(),
        incentiveTokenAmount: U256::from(1_000_000),
    };
    let out = view(&node, BERA_CHEF, share.abi_encode()).await;
    assert_eq!(U256::from_be_slice(&out), U256::from(100_000));
    assert_eq!(
        revert_data(&node, b, BERA_CHEF, activate.abi_encode()),
        hex(IBeraChef::CommissionNotQueuedOrDelayNotPassed {}.abi_encode()),
        "the queue is spent"
    );

    // The validator admin sets the reward allocator; nobody else may.
    let allocator = |to: Address| {
        ISmartOperator::setRewardAllocatorCall {
            rewardAllocator: to,
        }
        .abi_encode()
    };
    assert_eq!(
        revert_data(&node, b, operator, allocator(b)),
        hex(IAccessControl::AccessControlUnauthorizedAccount {
            account: b,
            neededRole: VALIDATOR_ADMIN_ROLE,
        }
        .abi_encode())
    );
    assert_eq!(
        revert_data(&node, a, operator, allocator(Address::ZERO)),
        hex(ISmartOperator::ZeroAddress {}.abi_encode())
    );
    let receipt = ok(&node, &mut alice, operator, allocator(b)).await;
    assert!(emitted(
        &receipt,
        operator,
        ISmartOperator::RewardAllocatorSet::SIGNATURE_HASH
    ));
    assert!(emitted(
        &receipt,
        BERA_CHEF,
        IBeraChef::ValRewardAllocatorSet::SIGNATURE_HASH
    ));
    let set = view(
        &node,
        BERA_CHEF,
        IBeraChef::valRewardAllocatorCall {
            valPubkey: key.clone(),
        }
        .abi_encode(),
    )
    .await;
    assert_eq!(Address::from_word(B256::from_slice(&set)), b);

    // BeraChef's owner (the chain's governance) sets the delay, within its bounds.
    let set_delay = |blocks| {
        IBeraChef::setCommissionChangeDelayCall {
            _commissionChangeDelay: blocks,
        }
        .abi_encode()
    };
    assert_eq!(
        revert_data(&node, b, BERA_CHEF, set_delay(8)),
        hex(IBeraChef::OwnableUnauthorizedAccount { account: b }.abi_encode())
    );
    assert_eq!(
        revert_data(&node, a, BERA_CHEF, set_delay(16_383)),
        hex(IBeraChef::InvalidCommissionChangeDelay {}.abi_encode())
    );
    ok(&node, &mut alice, BERA_CHEF, set_delay(8)).await;
    let delay = view(
        &node,
        BERA_CHEF,
        IBeraChef::commissionChangeDelayCall {}.abi_encode(),
    )
    .await;
    assert_eq!(U256::from_be_slice(&delay), U256::from(8));
}
