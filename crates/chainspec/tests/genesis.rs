//! Genesis: a real network's genesis block hash reproduced from its genesis file (state root of
//! the alloc and every header field its forks require), and the built-in dev chain.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use alloy_hardforks::{EthereumHardfork, EthereumHardforks};
use alloy_primitives::{address, b256, U256};
use berapool_chainspec::{dev_accounts, ChainSpec, ChainSpecError};

fn shared_reference() -> Option<PathBuf> {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared").join("reference");
        if candidate.is_dir() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

#[test]
fn bepolia_genesis_hash_is_reproduced() {
    let Some(reference) = shared_reference() else {
        eprintln!("SKIPPED: shared/reference is absent, the Bepolia genesis file is not here");
        return;
    };
    let spec = ChainSpec::from_file(&reference.join("beacon-kit/networks-80069-eth-genesis.json"))
        .unwrap();
    assert_eq!(spec.chain_id(), 80069);
    assert!(spec.berapool.is_none());
    assert!(!spec
        .hardforks
        .is_ethereum_fork_active_at_timestamp(EthereumHardfork::Prague, spec.genesis.timestamp));
    assert_eq!(
        spec.genesis_hash(),
        b256!("0207661de38f0e54ba91c8286096e72486784c79dc6a9681fc486b38335c042f")
    );
}

#[test]
fn the_dev_chain_funds_the_test_mnemonic_and_runs_the_pool_system_from_genesis() {
    let spec = ChainSpec::dev().unwrap();
    assert_eq!(spec.chain_id(), 80087);
    let accounts = dev_accounts();
    assert_eq!(accounts.len(), 10);
    // The first account anvil and hardhat print, and its well-known key.
    assert_eq!(
        accounts[0].0,
        address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    );
    assert_eq!(
        accounts[0].1,
        b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    );
    assert_eq!(
        accounts[9].0,
        address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720")
    );
    let hundred_million = U256::from(100_000_000u64) * U256::from(10u64).pow(U256::from(18u64));
    for (address, _) in &accounts {
        assert_eq!(spec.genesis.alloc[address].balance, hundred_million);
    }

    let berapool = spec.berapool.clone().unwrap();
    assert_eq!(berapool.governance, accounts[0].0);
    assert!(berapool.native_beacon_deposit);
    let pool = spec.pool_config().unwrap();
    assert_eq!(pool.activation_timestamp, 0);
    assert_eq!(
        pool.params.min_effective_balance,
        berapool_pool_precompiles::pool_state::params::bera(250_000)
    );
    assert_eq!(pool.params.finalization_delay_blocks, 256);

    // Prague from genesis: the header carries every post-merge field.
    let header = spec.genesis_header();
    assert!(spec
        .hardforks
        .is_ethereum_fork_active_at_timestamp(EthereumHardfork::Prague, 0));
    assert!(header.requests_hash.is_some() && header.parent_beacon_block_root.is_some());
    for predeploy in [
        alloy_eips::eip4788::BEACON_ROOTS_ADDRESS,
        alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS,
        alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        alloy_eips::eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        berapool_pool_precompiles::pool_state::addresses::BEACON_DEPOSIT,
        berapool_pool_precompiles::pool_state::addresses::FACTORY,
        berapool_pool_precompiles::pool_state::addresses::WITHDRAWAL_VAULT,
        berapool_pool_precompiles::pool_state::addresses::ACCOUNTING_ORACLE,
    ] {
        let account = &spec.genesis.alloc[&predeploy];
        assert_eq!(account.nonce, Some(1), "{predeploy}");
        assert!(
            account.code.as_ref().is_some_and(|c| !c.is_empty()),
            "{predeploy}"
        );
    }
    // Deterministic: the same genesis twice gives the same hash.
    assert_eq!(
        ChainSpec::dev().unwrap().genesis_hash(),
        spec.genesis_hash()
    );

    // The dev genesis round-trips through JSON, berapool section included.
    let json = serde_json::to_string(&spec.genesis).unwrap();
    let again = ChainSpec::from_json(&json).unwrap();
    assert_eq!(again.genesis_hash(), spec.genesis_hash());
    assert_eq!(again.berapool, spec.berapool);
}

#[test]
fn a_malformed_berapool_section_is_a_clear_error() {
    let json = r#"{"config":{"chainId":1,"berapool":{"governance":"not an address"}},"alloc":{}}"#;
    match ChainSpec::from_json(json) {
        Err(ChainSpecError::Berapool(e)) => assert!(e.to_string().contains("invalid")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ChainSpec::from_json("{"),
        Err(ChainSpecError::Json(_))
    ));
}
