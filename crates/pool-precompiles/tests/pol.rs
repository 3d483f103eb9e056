//! The native PoL set's rules with Berachain's numbers: the BlockRewardController's 0.4 / 1.305
//! WBERA split and what it burns, the Distributor's guard and its split over an allocation, a
//! vault's incentives (commission to the operator, the rest to the protocol, a refusing token
//! skipped), and BeraChef's allocation queue and activation.

#![allow(clippy::unwrap_used)]

mod common;

use alloy_primitives::{aliases::U96, keccak256, Address, Bytes, FixedBytes, Log, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use berapool_pool_precompiles::{
    abi::{
        IBeraChef, IBlockRewardController, IDevToken, IDistributor, IRewardVault, ISmartOperator,
        IWBERA,
    },
    addresses::{
        BERA_CHEF, BLOCK_REWARD_CONTROLLER, DEV_INCENTIVE_TOKEN_A, INCENTIVES_COLLECTOR,
        POL_DISTRIBUTOR, WBERA,
    },
    distribute_for_call,
    pol::{BASE_RATE, DEFAULT_REWARD_VAULT, REWARD_RATE},
    pool_state::{params::bera, PoolId},
};
use common::*;

const PUBKEY: [u8; 48] = [0x61; 48];

fn u256(out: Bytes) -> U256 {
    U256::from_be_slice(&out[..32])
}

fn wbera_of(c: &mut TestChain, owner: Address) -> U256 {
    u256(
        c.view(WBERA, IWBERA::balanceOfCall { owner }.abi_encode())
            .output(),
    )
}

fn token_of(c: &mut TestChain, token: Address, account: Address) -> U256 {
    u256(
        c.view(token, IDevToken::balanceOfCall { account }.abi_encode())
            .output(),
    )
}

fn undistributed(c: &mut TestChain, vault: Address) -> U256 {
    u256(
        c.view(
            vault,
            IRewardVault::undistributedRewardsCall {}.abi_encode(),
        )
        .output(),
    )
}

fn distribute(c: &mut TestChain) -> Receipt {
    c.system_call(POL_DISTRIBUTOR, distribute_for_call(&FixedBytes(PUBKEY)))
}

fn has_log<E: SolEvent>(logs: &[Log], address: Address, expected: &E) -> bool {
    logs.iter().any(|l| {
        l.address == address
            && E::decode_log(l)
                .map(|decoded| decoded.data.encode_log_data() == expected.encode_log_data())
                .unwrap_or(false)
    })
}

/// The default vault's INCA incentive funded by its manager with `stock` at `rate` tokens per
/// WBERA.
fn fund_incentive(c: &mut TestChain, stock: U256, rate: U256) {
    let approve = IDevToken::approveCall {
        spender: DEFAULT_REWARD_VAULT,
        value: stock,
    };
    assert!(c
        .tx(GOV, DEV_INCENTIVE_TOKEN_A, U256::ZERO, approve.abi_encode())
        .success());
    let add = IRewardVault::addIncentiveCall {
        token: DEV_INCENTIVE_TOKEN_A,
        amount: stock,
        incentiveRate: rate,
    };
    let r = c.tx(GOV, DEFAULT_REWARD_VAULT, U256::ZERO, add.abi_encode());
    assert!(r.success(), "{:?}", r.result);
}

/// A chain with the native PoL set and an active pool for [`PUBKEY`]: its SmartOperator is the
/// validator's operator.
fn chain_with_pool() -> (TestChain, Address) {
    let mut c = TestChain::with_native_pol();
    active_pool(&mut c, PUBKEY, 3);
    let operator = PoolId::from_pubkey(&FixedBytes(PUBKEY))
        .addresses()
        .smart_operator;
    (c, operator)
}

#[test]
fn a_block_pays_the_operator_04_and_the_vaults_1305_wbera_and_burns_nothing_more() {
    let (mut c, operator) = chain_with_pool();
    let r = distribute(&mut c);
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(wbera_of(&mut c, operator), BASE_RATE);
    assert_eq!(BASE_RATE, U256::from(400_000_000_000_000_000u128));
    assert_eq!(undistributed(&mut c, DEFAULT_REWARD_VAULT), REWARD_RATE);
    assert_eq!(REWARD_RATE, U256::from(1_305_000_000_000_000_000u128));
    assert_eq!(wbera_of(&mut c, DEFAULT_REWARD_VAULT), REWARD_RATE);
    assert_eq!(wbera_of(&mut c, POL_DISTRIBUTOR), U256::ZERO);
    assert_eq!(c.balance(BLOCK_REWARD_CONTROLLER), U256::ZERO);
    let pubkey = keccak256(PUBKEY);
    assert!(has_log(
        r.logs(),
        BLOCK_REWARD_CONTROLLER,
        &IBlockRewardController::BlockRewardProcessed {
            pubkey,
            nextTimestamp: c.timestamp,
            baseRate: BASE_RATE,
            rewardRate: REWARD_RATE,
        }
    ));
    assert!(has_log(
        r.logs(),
        POL_DISTRIBUTOR,
        &IDistributor::Distributed {
            valPubkey: pubkey,
            nextTimestamp: c.timestamp,
            receiver: DEFAULT_REWARD_VAULT,
            amount: REWARD_RATE,
        }
    ));

    // Funded twice over, the controller burns what the block does not pay out.
    c.fund_block_rewards();
    c.fund_block_rewards();
    let burnt_before = c.balance(Address::ZERO);
    assert!(distribute(&mut c).success());
    assert_eq!(c.balance(BLOCK_REWARD_CONTROLLER), U256::ZERO);
    assert_eq!(
        c.balance(Address::ZERO) - burnt_before,
        BASE_RATE + REWARD_RATE
    );
    assert_eq!(wbera_of(&mut c, operator), BASE_RATE * U256::from(2));
}

#[test]
fn only_the_system_address_distributes_and_a_short_controller_reverts() {
    let (mut c, operator) = chain_with_pool();
    let data = distribute_for_call(&FixedBytes(PUBKEY));
    let r = c.tx(ALICE, POL_DISTRIBUTOR, U256::ZERO, data.clone());
    assert_eq!(
        r.revert_data(),
        Bytes::from(IDistributor::NotSystemAddress {}.abi_encode())
    );
    let r = c.tx(
        ALICE,
        BLOCK_REWARD_CONTROLLER,
        U256::ZERO,
        IBlockRewardController::processRewardsCall {
            pubkey: Bytes::copy_from_slice(&PUBKEY),
            nextTimestamp: 1,
            isReady: true,
        }
        .abi_encode(),
    );
    assert_eq!(
        r.revert_data(),
        Bytes::from(IBlockRewardController::NotDistributor {}.abi_encode())
    );
    // Without the inflation the controller cannot pay: the distribution reverts, nothing moves.
    assert!(distribute(&mut c).success());
    let r = distribute(&mut c);
    assert!(!r.success());
    assert_eq!(wbera_of(&mut c, operator), BASE_RATE);
    assert_eq!(undistributed(&mut c, DEFAULT_REWARD_VAULT), REWARD_RATE);
}

#[test]
fn before_berachef_is_ready_only_the_base_rate_is_paid_and_the_rest_burnt() {
    let (mut c, operator) = chain_with_pool();
    // No default allocation: slot 12's head word holds the weight count.
    c.set_storage(BERA_CHEF, U256::from(12), U256::ZERO);
    let ready = c
        .view(BERA_CHEF, IBeraChef::isReadyCall {}.abi_encode())
        .output();
    assert_eq!(u256(ready), U256::ZERO);
    let burnt_before = c.balance(Address::ZERO);
    assert!(distribute(&mut c).success());
    assert_eq!(wbera_of(&mut c, operator), BASE_RATE);
    assert_eq!(undistributed(&mut c, DEFAULT_REWARD_VAULT), U256::ZERO);
    assert_eq!(c.balance(Address::ZERO) - burnt_before, REWARD_RATE);
}

#[test]
fn incentives_pay_the_validator_its_commission_and_the_protocol_the_rest() {
    let (mut c, operator) = chain_with_pool();
    let stock = bera(1_000);
    // Only the incentive's manager funds it.
    let add = IRewardVault::addIncentiveCall {
        token: DEV_INCENTIVE_TOKEN_A,
        amount: stock,
        incentiveRate: bera(2),
    };
    let r = c.tx(ALICE, DEFAULT_REWARD_VAULT, U256::ZERO, add.abi_encode());
    assert_eq!(
        r.revert_data(),
        Bytes::from(IRewardVault::NotIncentiveManager {}.abi_encode())
    );
    // Berachain's worked example: 2 tokens per WBERA, 5 % commission.
    fund_incentive(&mut c, stock, bera(2));
    assert!(distribute(&mut c).success());
    let to_operator = U256::from(130_500_000_000_000_000u128); // 0.1305
    let to_protocol = U256::from(2_479_500_000_000_000_000u128); // 2.4795
    assert_eq!(
        token_of(&mut c, DEV_INCENTIVE_TOKEN_A, operator),
        to_operator
    );
    assert_eq!(
        token_of(&mut c, DEV_INCENTIVE_TOKEN_A, INCENTIVES_COLLECTOR),
        to_protocol
    );
    let left = IRewardVault::incentivesCall::abi_decode_returns(
        &c.view(
            DEFAULT_REWARD_VAULT,
            IRewardVault::incentivesCall {
                token: DEV_INCENTIVE_TOKEN_A,
            }
            .abi_encode(),
        )
        .output(),
    )
    .unwrap();
    assert_eq!(left.amountRemaining, stock - to_operator - to_protocol);
    assert_eq!(left.incentiveRate, bera(2));

    // A rate below the minimum is refused; so is lowering it while some is left.
    for rate in [U256::from(1), bera(1)] {
        let add = IRewardVault::addIncentiveCall {
            token: DEV_INCENTIVE_TOKEN_A,
            amount: bera(1),
            incentiveRate: rate,
        };
        let r = c.tx(GOV, DEFAULT_REWARD_VAULT, U256::ZERO, add.abi_encode());
        assert_eq!(
            r.revert_data(),
            Bytes::from(IRewardVault::InvalidIncentiveRate {}.abi_encode())
        );
    }
}

#[test]
fn an_incentive_the_vault_cannot_pay_is_skipped_not_fatal() {
    let (mut c, operator) = chain_with_pool();
    fund_incentive(&mut c, bera(1_000), bera(2));
    // The vault's tokens vanish behind its back: both transfers fail, the block still pays.
    let slot = keccak256([DEFAULT_REWARD_VAULT.into_word().0, [0u8; 32]].concat());
    c.set_storage(
        DEV_INCENTIVE_TOKEN_A,
        U256::from_be_bytes(slot.0),
        U256::ZERO,
    );
    let r = distribute(&mut c);
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(wbera_of(&mut c, operator), BASE_RATE);
    assert_eq!(
        token_of(&mut c, DEV_INCENTIVE_TOKEN_A, operator),
        U256::ZERO
    );
    let failed = IRewardVault::IncentivesProcessFailed::SIGNATURE_HASH;
    assert!(r
        .logs()
        .iter()
        .any(|l| l.address == DEFAULT_REWARD_VAULT && l.topics()[0] == failed));
}

#[test]
fn an_allocation_activates_on_the_validators_own_block_at_or_after_its_start() {
    let (mut c, operator) = chain_with_pool();
    // The pool's validator admin makes itself the reward allocator.
    let set = ISmartOperator::setRewardAllocatorCall {
        rewardAllocator: OPERATOR,
    };
    let r = c.tx(OPERATOR, operator, U256::ZERO, set.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    // A second vault, whitelisted by BeraChef's owner.
    let vault2 = berapool_pool_precompiles::addresses::reward_vault_address(2);
    let create = berapool_pool_precompiles::abi::IRewardVaultFactory::createRewardVaultCall {
        stakingToken: Address::repeat_byte(0x44),
    };
    let r = c.tx(
        ALICE,
        berapool_pool_precompiles::addresses::REWARD_VAULT_FACTORY,
        U256::ZERO,
        create.abi_encode(),
    );
    assert!(r.success(), "{:?}", r.result);
    let weights = |vault: Address| {
        vec![IBeraChef::Weight {
            receiver: vault,
            percentageNumerator: U96::from(10_000),
        }]
    };
    let queue = |start: u64, vault: Address| IBeraChef::queueNewRewardAllocationCall {
        valPubkey: Bytes::copy_from_slice(&PUBKEY),
        startBlock: start,
        weights: weights(vault),
    };
    let refused =
        |c: &mut TestChain, from: Address, call: IBeraChef::queueNewRewardAllocationCall| {
            c.tx(from, BERA_CHEF, U256::ZERO, call.abi_encode())
                .revert_data()
        };
    let start = c.number + 8;
    assert_eq!(
        refused(&mut c, ALICE, queue(start, vault2)),
        Bytes::from(IBeraChef::NotRewardAllocator {}.abi_encode())
    );
    assert_eq!(
        refused(&mut c, OPERATOR, queue(start, vault2)),
        Bytes::from(IBeraChef::NotWhitelistedVault {}.abi_encode())
    );
    let whitelist = IBeraChef::setVaultWhitelistedStatusCall {
        receiver: vault2,
        isWhitelisted: true,
        metadata: String::new(),
    };
    assert!(c
        .tx(GOV, BERA_CHEF, U256::ZERO, whitelist.abi_encode())
        .success());
    assert_eq!(
        refused(&mut c, OPERATOR, queue(start - 1, vault2)),
        Bytes::from(IBeraChef::InvalidStartBlock {}.abi_encode())
    );
    assert!(c
        .tx(
            OPERATOR,
            BERA_CHEF,
            U256::ZERO,
            queue(start, vault2).abi_encode()
        )
        .success());
    assert_eq!(
        refused(&mut c, OPERATOR, queue(start + 1, vault2)),
        Bytes::from(IBeraChef::RewardAllocationAlreadyQueued {}.abi_encode())
    );
    // Only the Distributor activates; before the start block the default still applies.
    let activate = IBeraChef::activateReadyQueuedRewardAllocationCall {
        valPubkey: Bytes::copy_from_slice(&PUBKEY),
    };
    assert_eq!(
        c.tx(ALICE, BERA_CHEF, U256::ZERO, activate.abi_encode())
            .revert_data(),
        Bytes::from(IBeraChef::NotDistributor {}.abi_encode())
    );
    assert!(distribute(&mut c).success());
    assert_eq!(undistributed(&mut c, vault2), U256::ZERO);
    // Four blocks past the start, the validator's next distribution activates it there.
    c.advance(start - c.number + 4);
    c.fund_block_rewards();
    let r = distribute(&mut c);
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(undistributed(&mut c, vault2), REWARD_RATE);
    let active = IBeraChef::getActiveRewardAllocationCall::abi_decode_returns(
        &c.view(
            BERA_CHEF,
            IBeraChef::getActiveRewardAllocationCall {
                valPubkey: Bytes::copy_from_slice(&PUBKEY),
            }
            .abi_encode(),
        )
        .output(),
    )
    .unwrap();
    assert_eq!(active.startBlock, c.number);
    assert_eq!(active.weights[0].receiver, vault2);
    assert!(r.logs().iter().any(|l| l.address == BERA_CHEF
        && l.topics()[0] == IBeraChef::ActivateRewardAllocation::SIGNATURE_HASH
        && l.topics()[1] == B256::from(keccak256(PUBKEY))));
}

#[test]
fn berachefs_limits_are_the_owners_and_never_invalidate_the_default() {
    let mut c = TestChain::with_native_pol();
    let send = |c: &mut TestChain, from: Address, data: Vec<u8>| {
        c.tx(from, BERA_CHEF, U256::ZERO, data).revert_data()
    };
    let half = IBeraChef::setMaxWeightPerVaultCall {
        _maxWeightPerVault: U96::from(5_000),
    }
    .abi_encode();
    assert_eq!(
        send(&mut c, ALICE, half.clone()),
        Bytes::from(IBeraChef::OwnableUnauthorizedAccount { account: ALICE }.abi_encode())
    );
    // The default allocation gives one vault 100 %: a 50 % cap would break it.
    assert_eq!(
        send(&mut c, GOV, half),
        Bytes::from(IBeraChef::InvalidateDefaultRewardAllocation {}.abi_encode())
    );
    let none = IBeraChef::setMaxNumWeightsPerRewardAllocationCall {
        _maxNumWeightsPerRewardAllocation: 0,
    };
    assert_eq!(
        send(&mut c, GOV, none.abi_encode()),
        Bytes::from(IBeraChef::MaxNumWeightsPerRewardAllocationIsZero {}.abi_encode())
    );
    let short = IBeraChef::setRewardAllocationInactivityBlockSpanCall {
        _rewardAllocationInactivityBlockSpan: 43_199,
    };
    assert_eq!(
        send(&mut c, GOV, short.abi_encode()),
        Bytes::from(IBeraChef::InvalidRewardAllocationInactivityBlockSpan {}.abi_encode())
    );
    let week = IBeraChef::setRewardAllocationInactivityBlockSpanCall {
        _rewardAllocationInactivityBlockSpan: 43_200,
    };
    assert!(c
        .tx(GOV, BERA_CHEF, U256::ZERO, week.abi_encode())
        .success());
    let two = IBeraChef::setMaxNumWeightsPerRewardAllocationCall {
        _maxNumWeightsPerRewardAllocation: 2,
    };
    assert!(c.tx(GOV, BERA_CHEF, U256::ZERO, two.abi_encode()).success());

    // validateWeights: anyone, the same rules as a queued allocation.
    let weights = |parts: &[(Address, u64)]| IBeraChef::validateWeightsCall {
        weights: parts
            .iter()
            .map(|(receiver, p)| IBeraChef::Weight {
                receiver: *receiver,
                percentageNumerator: U96::from(*p),
            })
            .collect(),
    };
    let ok = weights(&[(DEFAULT_REWARD_VAULT, 10_000)]);
    assert!(c.view(BERA_CHEF, ok.abi_encode()).success());
    let short = weights(&[(DEFAULT_REWARD_VAULT, 9_999)]);
    assert_eq!(
        c.view(BERA_CHEF, short.abi_encode()).revert_data(),
        Bytes::from(IBeraChef::InvalidRewardAllocationWeights {}.abi_encode())
    );
    let stranger = weights(&[(Address::repeat_byte(0x99), 10_000)]);
    assert_eq!(
        c.view(BERA_CHEF, stranger.abi_encode()).revert_data(),
        Bytes::from(IBeraChef::NotWhitelistedVault {}.abi_encode())
    );
}
