//! The devnet from alloy's `Provider`, as a Rust wallet or tool uses it: it fills nonce, gas and
//! fees itself, signs, sends and waits for receipts. A transfer and a pool `submit` are mined
//! and their receipts and logs read back.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, FixedBytes, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use berapool_e2e::{pool_registration, DevNode, DEV_CHAIN_ID, DEV_KEY_0};
use berapool_pool_precompiles::{
    abi::IStakingPool,
    pool_state::{addresses::FACTORY, PoolId},
};

fn bera(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

/// Sends `tx` through the provider (which fills, signs and sends it) and waits for its receipt.
async fn mined<P: Provider>(provider: &P, tx: TransactionRequest) -> TransactionReceipt {
    provider
        .send_transaction(tx)
        .await
        .unwrap()
        .with_timeout(Some(Duration::from_secs(30)))
        .get_receipt()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn alloy_provider_sends_a_transfer_and_a_pool_submit() {
    let node = DevNode::start(&[
        "--dev.slot-time",
        "200ms",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "500ms",
    ])
    .unwrap();
    let signer: PrivateKeySigner = DEV_KEY_0.parse().unwrap();
    let me = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(node.url.parse().unwrap());
    assert_eq!(provider.get_chain_id().await.unwrap(), DEV_CHAIN_ID);

    // A signed EIP-1559 transfer, everything else filled by the provider.
    let bob = Address::repeat_byte(0xb0);
    let transfer = TransactionRequest::default()
        .with_to(bob)
        .with_value(U256::from(12_345u64));
    let receipt = mined(&provider, transfer).await;
    assert!(receipt.status());
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(receipt.transaction_type() as u8, 2, "EIP-1559");
    assert_eq!(
        provider.get_balance(bob).await.unwrap(),
        U256::from(12_345u64)
    );

    // Register a pool, let the feeder activate it, then stake through `submit`.
    let pubkey = [0x44u8; 48];
    let pool = PoolId::from_pubkey(&FixedBytes(pubkey)).addresses();
    let receipt = mined(
        &provider,
        TransactionRequest::default()
            .with_to(FACTORY)
            .with_value(bera(10_000))
            .with_input(pool_registration(pubkey, me)),
    )
    .await;
    assert!(receipt.status());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let active = provider
            .call(
                TransactionRequest::default()
                    .with_to(pool.staking_pool)
                    .with_input(IStakingPool::isActiveCall {}.abi_encode()),
            )
            .await
            .unwrap();
        if active.last() == Some(&1) {
            break;
        }
        assert!(Instant::now() < deadline, "the pool was not activated");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let submit = IStakingPool::submitCall { receiver: me };
    let receipt = mined(
        &provider,
        TransactionRequest::default()
            .with_to(pool.staking_pool)
            .with_value(bera(500))
            .with_input(submit.abi_encode()),
    )
    .await;
    assert!(receipt.status());
    let logs = receipt.inner.logs();
    let deposited = logs
        .iter()
        .find(|l| l.topic0() == Some(&IStakingPool::DepositSubmitted::SIGNATURE_HASH))
        .unwrap();
    assert_eq!(deposited.address(), pool.staking_pool);
    let event = IStakingPool::DepositSubmitted::decode_log_data(deposited.data()).unwrap();
    assert_eq!(event.receiver, me);
    assert_eq!(event.userDepositAmount, bera(500));
    // The pool had 10,000 BERA for 10,000 shares: 500 BERA buy 500 shares.
    assert_eq!(event.shares, bera(500));
    let shares = provider
        .call(
            TransactionRequest::default()
                .with_to(pool.staking_pool)
                .with_input(IStakingPool::balanceOfCall { account: me }.abi_encode()),
        )
        .await
        .unwrap();
    // The operator's 10,000 initial shares plus these 500.
    assert_eq!(U256::from_be_slice(&shares), bera(10_500));
    // The same logs come back from eth_getLogs by the pool's address.
    let filter = alloy_rpc_types_eth::Filter::new()
        .address(pool.staking_pool)
        .event_signature(IStakingPool::DepositSubmitted::SIGNATURE_HASH)
        .from_block(0);
    let found = provider.get_logs(&filter).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].transaction_hash, Some(receipt.transaction_hash));
}
