//! The share token's `transfer` costs no more gas than an OpenZeppelin 5 ERC-20's, measured in
//! the same run on the same devnet: the reference compiled by the pinned solc, deployed next to
//! a staking pool, the same transfers (same sender, value and kinds of recipients) through both.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{sol, SolCall};
use berapool_e2e::{
    compile_solidity, quantity, register_active_pool, DevNode, Wallet, DEV_KEY_0, FAST_POOLS,
};
use berapool_pool_precompiles::abi::IStakingPool;
use serde_json::json;

sol! {
    function transfer(address to, uint256 value) returns (bool);
}

const ONE_BERA: u128 = 1_000_000_000_000_000_000;

async fn gas_of(node: &DevNode, wallet: &mut Wallet, to: Address, data: Vec<u8>) -> u64 {
    let raw = wallet.call(to, U256::ZERO, data, 200_000).unwrap();
    let receipt = node.send_and_wait(raw).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    quantity(&receipt["gasUsed"]).unwrap().to()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_transfer_costs_no_more_than_an_openzeppelin_erc20_transfer() {
    let node = DevNode::start(FAST_POOLS).unwrap();
    let mut alice = Wallet::new(DEV_KEY_0).unwrap();
    let pool = register_active_pool(&node, &mut alice, [0x72; 48])
        .await
        .unwrap();
    let submit = IStakingPool::submitCall {
        receiver: alice.address(),
    }
    .abi_encode();
    let raw = alice
        .call(pool, U256::from(100 * ONE_BERA), submit, 500_000)
        .unwrap();
    node.send_and_wait(raw).await.unwrap();

    // The reference, deployed by alice, who holds its whole supply.
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/ReferenceToken.sol");
    let init = compile_solidity(&source, "ReferenceToken", true).unwrap();
    let deploy = alice
        .sign(alloy_consensus::TxEip1559 {
            chain_id: berapool_e2e::DEV_CHAIN_ID,
            nonce: 0,
            gas_limit: 3_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: alloy_primitives::TxKind::Create,
            value: U256::ZERO,
            input: init,
            access_list: Default::default(),
        })
        .unwrap();
    let receipt = node.send_and_wait(deploy).await.unwrap();
    let token: Address = serde_json::from_value(receipt["contractAddress"].clone()).unwrap();

    let value = U256::from(ONE_BERA);
    let transfer = |to: Address| transferCall { to, value }.abi_encode();
    // Recipients with the same calldata cost (every byte non-zero).
    let (share_holder, token_holder) = (Address::repeat_byte(0x5a), Address::repeat_byte(0x5b));
    let share_new = gas_of(&node, &mut alice, pool, transfer(share_holder)).await;
    let share_existing = gas_of(&node, &mut alice, pool, transfer(share_holder)).await;
    let token_new = gas_of(&node, &mut alice, token, transfer(token_holder)).await;
    let token_existing = gas_of(&node, &mut alice, token, transfer(token_holder)).await;
    println!(
        "transfer gas, share token vs OpenZeppelin 5 ERC-20: to a new holder {share_new} vs {token_new}, to an existing holder {share_existing} vs {token_existing}"
    );
    assert!(share_new <= token_new, "{share_new} > {token_new}");
    assert!(
        share_existing <= token_existing,
        "{share_existing} > {token_existing}"
    );
}
