//! Every official JSON ABI under `shared/reference/abis/staking-pools/` (and BeaconDeposit's,
//! WBERA's, BeraChef's, the BlockRewardController's, the Distributor's, the RewardVaultFactory's
//! and the RewardVault's, in their V1.1 form):
//! each function, event and error the precompiles implement has the official selector (so the
//! official name and argument types), and the official entries not implemented are exactly the
//! ones `docs/precompiles.md` lists as not built. If the reference folder is absent the test
//! says so and checks nothing.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use alloy_primitives::keccak256;

use berapool_pool_precompiles::abi::*;
use common::shared_reference;
use serde_json::Value;

fn canonical_type(param: &Value) -> String {
    let ty = param["type"].as_str().unwrap();
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let inner: Vec<String> = param["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(canonical_type)
                .collect();
            format!("({}){suffix}", inner.join(","))
        }
        None => ty.to_string(),
    }
}

fn signature(entry: &Value) -> String {
    let inputs: Vec<String> = entry["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(canonical_type)
        .collect();
    format!("{}({})", entry["name"].as_str().unwrap(), inputs.join(","))
}

struct Ours {
    functions: BTreeSet<[u8; 4]>,
    events: BTreeSet<[u8; 32]>,
    errors: BTreeSet<[u8; 4]>,
}

fn ours(calls: &[&[[u8; 4]]], events: &[&[[u8; 32]]]) -> Ours {
    let errors = [
        IStakingPool::IStakingPoolErrors::SELECTORS,
        IAccessControl::IAccessControlErrors::SELECTORS,
        ISmartOperator::ISmartOperatorErrors::SELECTORS,
        IStakingRewardsVault::IStakingRewardsVaultErrors::SELECTORS,
        IWithdrawalVault::IWithdrawalVaultErrors::SELECTORS,
        IStakingPoolContractsFactory::IStakingPoolContractsFactoryErrors::SELECTORS,
        IBeaconDeposit::IBeaconDepositErrors::SELECTORS,
        IBerapool::IBerapoolErrors::SELECTORS,
        IIncentiveCollector::IIncentiveCollectorErrors::SELECTORS,
        IRecoverERC20::IRecoverERC20Errors::SELECTORS,
        IWBERA::IWBERAErrors::SELECTORS,
    ];
    Ours {
        functions: calls.iter().flat_map(|s| s.iter().copied()).collect(),
        events: events.iter().flat_map(|s| s.iter().copied()).collect(),
        errors: errors.iter().flat_map(|s| s.iter().copied()).collect(),
    }
}

#[test]
fn implemented_entries_match_the_official_abis_and_the_rest_are_documented() {
    let Some(reference) = shared_reference() else {
        eprintln!("SKIPPED: shared/reference is absent, the official ABIs cannot be compared");
        return;
    };
    let access_calls = IAccessControl::IAccessControlCalls::SELECTORS;
    let access_events = IAccessControl::IAccessControlEvents::SELECTORS;
    let contracts: Vec<(&str, Ours)> = vec![
        (
            "staking-pools/StakingPoolContractsFactory.json",
            ours(
                &[IStakingPoolContractsFactory::IStakingPoolContractsFactoryCalls::SELECTORS],
                &[IStakingPoolContractsFactory::IStakingPoolContractsFactoryEvents::SELECTORS],
            ),
        ),
        (
            "staking-pools/core/StakingPool.json",
            ours(
                &[IStakingPool::IStakingPoolCalls::SELECTORS],
                &[IStakingPool::IStakingPoolEvents::SELECTORS],
            ),
        ),
        (
            "staking-pools/base/StBERA.json",
            ours(
                &[IStakingPool::IStakingPoolCalls::SELECTORS],
                &[IStakingPool::IStakingPoolEvents::SELECTORS],
            ),
        ),
        (
            "staking-pools/WithdrawalVault.json",
            ours(
                &[
                    IWithdrawalVault::IWithdrawalVaultCalls::SELECTORS,
                    IRecoverERC20::IRecoverERC20Calls::SELECTORS,
                    access_calls,
                ],
                &[
                    IWithdrawalVault::IWithdrawalVaultEvents::SELECTORS,
                    IRecoverERC20::IRecoverERC20Events::SELECTORS,
                    access_events,
                ],
            ),
        ),
        (
            "staking-pools/core/StakingRewardsVault.json",
            ours(
                &[
                    IStakingRewardsVault::IStakingRewardsVaultCalls::SELECTORS,
                    IRecoverERC20::IRecoverERC20Calls::SELECTORS,
                    access_calls,
                ],
                &[
                    IStakingRewardsVault::IStakingRewardsVaultEvents::SELECTORS,
                    IRecoverERC20::IRecoverERC20Events::SELECTORS,
                    access_events,
                ],
            ),
        ),
        (
            "staking-pools/core/IncentiveCollector.json",
            ours(
                &[
                    IIncentiveCollector::IIncentiveCollectorCalls::SELECTORS,
                    access_calls,
                ],
                &[
                    IIncentiveCollector::IIncentiveCollectorEvents::SELECTORS,
                    access_events,
                ],
            ),
        ),
        (
            "staking-pools/AccountingOracle.json",
            ours(
                &[
                    IAccountingOracle::IAccountingOracleCalls::SELECTORS,
                    access_calls,
                ],
                &[access_events],
            ),
        ),
        (
            "staking-pools/core/SmartOperator.json",
            ours(
                &[ISmartOperator::ISmartOperatorCalls::SELECTORS, access_calls],
                &[
                    ISmartOperator::ISmartOperatorEvents::SELECTORS,
                    access_events,
                ],
            ),
        ),
        (
            "pol/rewards/BeraChef.json",
            ours(
                &[IBeraChef::IBeraChefCalls::SELECTORS],
                &[IBeraChef::IBeraChefEvents::SELECTORS],
            ),
        ),
        (
            "pol/rewards/BlockRewardController.json",
            ours(
                &[IBlockRewardController::IBlockRewardControllerCalls::SELECTORS],
                &[IBlockRewardController::IBlockRewardControllerEvents::SELECTORS],
            ),
        ),
        (
            "pol/rewards/Distributor.json",
            ours(
                &[IDistributor::IDistributorCalls::SELECTORS],
                &[IDistributor::IDistributorEvents::SELECTORS],
            ),
        ),
        (
            "pol/rewards/RewardVaultFactory.json",
            ours(
                &[IRewardVaultFactory::IRewardVaultFactoryCalls::SELECTORS],
                &[IRewardVaultFactory::IRewardVaultFactoryEvents::SELECTORS],
            ),
        ),
        (
            "pol/rewards/RewardVault.json",
            ours(
                &[IRewardVault::IRewardVaultCalls::SELECTORS],
                &[IRewardVault::IRewardVaultEvents::SELECTORS],
            ),
        ),
        (
            "pol/WBERA.json",
            ours(
                &[IWBERA::IWBERACalls::SELECTORS],
                &[IWBERA::IWBERAEvents::SELECTORS],
            ),
        ),
        (
            "pol/BeaconDeposit.json",
            ours(
                &[IBeaconDeposit::IBeaconDepositCalls::SELECTORS],
                &[IBeaconDeposit::IBeaconDepositEvents::SELECTORS],
            ),
        ),
    ];

    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/precompiles.md"
    ))
    .unwrap();
    let mut missing = Vec::new();
    let mut implemented = 0;
    for (path, ours) in &contracts {
        let abi: Value = serde_json::from_str(
            &std::fs::read_to_string(reference.join("abis").join(path)).unwrap(),
        )
        .unwrap();
        let entries = abi
            .as_array()
            .cloned()
            .or_else(|| abi["abi"].as_array().cloned())
            .unwrap();
        let contract = path.rsplit('/').next().unwrap().trim_end_matches(".json");
        for entry in entries {
            let kind = entry["type"].as_str().unwrap();
            if !matches!(kind, "function" | "event" | "error") {
                continue;
            }
            // BeaconDeposit's and the PoL contracts' ABIs carry Berachain's whole PoL error
            // library; only the errors they raise are in scope (BeaconDeposit's are compared
            // against its bytecode by the conformance tests, the others' by the e2e tests).
            if matches!(
                contract,
                "BeaconDeposit"
                    | "BeraChef"
                    | "BlockRewardController"
                    | "Distributor"
                    | "RewardVaultFactory"
                    | "RewardVault"
            ) && kind == "error"
            {
                continue;
            }
            let sig = signature(&entry);
            let hash = keccak256(sig.as_bytes());
            let present = match kind {
                "function" => ours
                    .functions
                    .contains(&<[u8; 4]>::try_from(&hash[..4]).unwrap()),
                "event" => ours.events.contains(&hash.0),
                _ => ours
                    .errors
                    .contains(&<[u8; 4]>::try_from(&hash[..4]).unwrap()),
            };
            if present {
                implemented += 1;
            } else {
                missing.push(format!("{contract}: {kind} {sig}"));
            }
        }
    }
    println!("{implemented} official entries implemented; not implemented:");
    for m in &missing {
        println!("  {m}");
    }
    let undocumented: Vec<&String> = missing
        .iter()
        .filter(|m| !docs.contains(m.as_str()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "official entries neither implemented nor listed in docs/precompiles.md: {undocumented:#?}"
    );
    assert!(
        implemented > 150,
        "suspiciously few official entries matched: {implemented}"
    );
}
