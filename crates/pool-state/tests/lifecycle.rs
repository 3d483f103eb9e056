//! A pool's life with concrete numbers: registration, activation, deposits up to the threshold
//! and the cap, every withdrawal path, finalization and full exit.

mod common;

use alloy_primitives::{Address, U256};
use berapool_pool_state::{
    addresses::{
        pool_withdrawal_credentials, BEACON_DEPOSIT, EIP7002_PREDEPLOY, FACTORY, WITHDRAWAL_VAULT,
    },
    ClWithdrawalRequest, Event, PoolError, VaultWithdrawal, GWEI,
};
use common::*;

const GWEI_PER_BERA: u64 = 1_000_000_000;

#[test]
fn registration_deposits_ten_thousand_and_names_the_operator() {
    let mut c = Chain::new();
    let id = c.deploy(1);
    let addrs = id.addresses();
    assert_eq!(c.host.cl_deposits.len(), 1);
    let (payer, deposit) = &c.host.cl_deposits[0];
    assert_eq!(*payer, FACTORY);
    assert_eq!(deposit.amount_gwei, 10_000 * GWEI_PER_BERA);
    assert_eq!(deposit.operator, addrs.smart_operator);
    assert_eq!(deposit.credentials, pool_withdrawal_credentials());
    assert_eq!(deposit.signature.0, [7u8; 96]);
    // The value went through BeaconDeposit and was burnt.
    assert_eq!(c.balance(Address::ZERO), b(10_000));
    assert_eq!(c.balance(BEACON_DEPOSIT), U256::ZERO);
    assert_eq!(c.balance(OPERATOR), b(990_000));
    assert!(c.events().contains(&Event::StakingPoolContractsDeployed {
        smart_operator: addrs.smart_operator,
        staking_pool: addrs.staking_pool,
        staking_rewards_vault: addrs.staking_rewards_vault,
        incentive_collector: addrs.incentive_collector,
    }));

    // Deployed, paused, inactive: nothing for stakers yet.
    let pool = c.pool(id);
    assert!(!pool.is_active() && pool.paused(&c.sys.params));
    assert_eq!(pool.ownership.owner, GOV);
    assert_eq!(c.submit(ALICE, id, b(1)), Err(PoolError::EnforcedPause));
}

#[test]
fn activation_mints_the_proven_deposit_one_to_one() {
    let mut c = Chain::new();
    let id = c.deploy(1);
    c.advance(2);
    let proof = c.proof(1);
    assert_eq!(proof.initial_deposit_gwei, 10_000 * GWEI_PER_BERA);
    c.clear_effects();
    c.try_op(|sys, host| sys.activate_staking_pool(host, &proof))
        .unwrap();

    let pool = c.pool(id);
    assert!(pool.is_active() && !pool.paused(&c.sys.params));
    assert_eq!(pool.total_deposits, b(10_000));
    assert_eq!(pool.total_supply, b(10_000));
    assert_eq!(pool.supply_floor, b(10_000));
    assert_eq!(pool.validator_index, proof.validator_index);
    assert_eq!(c.shares(id, RECIPIENT), b(10_000));
    assert!(c.events().contains(&Event::StakingPoolActivated));
    assert!(c.events().contains(&Event::FactoryStakingPoolActivated {
        staking_pool: id.addresses().staking_pool
    }));

    // Once only.
    assert_eq!(
        c.try_op(|sys, host| sys.activate_staking_pool(host, &proof)),
        Err(PoolError::StakingPoolAlreadyActivated)
    );
}

#[test]
fn deposits_wait_in_the_buffer_until_the_threshold_then_go_in_one_deposit() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.clear_effects();

    assert_eq!(c.submit(ALICE, id, b(100_000)), Ok(b(100_000)));
    let pool = c.pool(id);
    assert_eq!(
        (pool.buffered_assets, pool.total_deposits),
        (b(100_000), b(10_000))
    );
    assert!(
        c.host.cl_deposits.is_empty(),
        "no CL deposit before the threshold is covered"
    );
    assert_eq!(c.balance(id.addresses().staking_pool), b(100_000));

    // 10,000 on the CL + 240,000 buffered = 250,000: the whole buffer goes, in whole gwei.
    let block = c.host.block.number;
    assert_eq!(
        c.submit(BOB, id, b(140_000) + U256::from(123)),
        Ok(b(140_000) + U256::from(123))
    );
    let pool = c.pool(id);
    assert_eq!(c.host.cl_deposits.len(), 1);
    let (payer, deposit) = &c.host.cl_deposits[0];
    assert_eq!(*payer, id.addresses().staking_pool);
    assert_eq!(deposit.amount_gwei, 240_000 * GWEI_PER_BERA);
    assert_eq!(deposit.operator, Address::ZERO, "top-ups name no operator");
    assert_eq!(
        deposit.signature.0, [0u8; 96],
        "top-ups carry 96 zero bytes"
    );
    assert_eq!(pool.total_deposits, b(250_000));
    assert_eq!(
        pool.buffered_assets,
        U256::from(123),
        "the sub-gwei remainder stays buffered"
    );
    assert_eq!(c.balance(id.addresses().staking_pool), U256::from(123));
    assert!(pool.active_threshold_reached());
    assert_eq!(pool.validator_activation_block, block);
    let events = c.events();
    assert!(events.contains(&Event::ActiveThresholdReached));
    assert_eq!(
        events.last(),
        Some(&Event::DepositSubmitted {
            receiver: BOB,
            user_deposit_amount: b(140_000) + U256::from(123),
            shares: b(140_000) + U256::from(123),
            rewards_collected: U256::ZERO,
            buffered_assets: U256::from(123),
            total_deposits: b(250_000),
        })
    );
}

#[test]
fn after_the_threshold_deposits_go_in_chunks_of_ten_thousand() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 250_000);
    c.clear_effects();

    c.submit(ALICE, id, b(9_999)).unwrap();
    assert!(c.host.cl_deposits.is_empty());
    assert_eq!(c.pool(id).buffered_assets, b(9_999));

    c.submit(ALICE, id, b(1)).unwrap();
    assert_eq!(c.host.cl_deposits[0].1.amount_gwei, 10_000 * GWEI_PER_BERA);
    let pool = c.pool(id);
    assert_eq!(
        (pool.total_deposits, pool.buffered_assets),
        (b(260_000), U256::ZERO)
    );
}

#[test]
fn deposits_above_the_cap_are_refunded_and_the_pool_pauses_at_the_cap() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 9_990_000);
    c.clear_effects();

    // 10,000 of room: 10,000 kept, 10,000 refunded to the sender.
    assert_eq!(c.submit(ALICE, id, b(20_000)), Ok(b(10_000)));
    assert_eq!(c.balance(ALICE), b(990_000));
    let pool = c.pool(id);
    assert_eq!(pool.total_deposits, b(10_000_000));
    assert_eq!(pool.buffered_assets, U256::ZERO);
    assert!(pool.paused(&c.sys.params));
    let staking_pool = id.addresses().staking_pool;
    let events = c.events();
    assert!(events.contains(&Event::MaxCapacityReached { pubkey: pubkey(1) }));
    assert!(events.contains(&Event::Paused {
        account: staking_pool
    }));
    assert!(events.contains(&Event::DepositSubmitted {
        receiver: ALICE,
        user_deposit_amount: b(10_000),
        shares: b(10_000),
        rewards_collected: U256::ZERO,
        buffered_assets: U256::ZERO,
        total_deposits: b(10_000_000),
    }));
    assert_eq!(c.submit(BOB, id, b(1)), Err(PoolError::EnforcedPause));
}

#[test]
fn no_deposit_may_leave_an_unusable_residue_below_the_cap() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 9_985_000);
    c.clear_effects();

    // 9,995,000 would leave 5,000 of room: below the minimum deposit, so nothing moves.
    c.submit(ALICE, id, b(10_000)).unwrap();
    assert!(c.host.cl_deposits.is_empty());
    assert_eq!(c.pool(id).buffered_assets, b(10_000));

    // 15,000 fills the cap exactly.
    c.submit(BOB, id, b(5_000)).unwrap();
    assert_eq!(c.host.cl_deposits[0].1.amount_gwei, 15_000 * GWEI_PER_BERA);
    assert_eq!(c.pool(id).total_deposits, b(10_000_000));
}

#[test]
fn before_the_threshold_withdrawals_short_circuit_from_the_buffer() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.submit(ALICE, id, b(100_000)).unwrap();
    c.clear_effects();

    // 5 wei of fee sent along: no CL request, so all of it comes back.
    let request = c
        .request(ALICE, 1, 40_000 * GWEI_PER_BERA, U256::from(5))
        .unwrap();
    assert_eq!(request, U256::from(1));
    assert!(c.host.cl_withdrawal_requests.is_empty());
    let pool = c.pool(id);
    assert_eq!(pool.buffered_assets, b(60_000));
    assert_eq!(c.shares(id, ALICE), b(60_000));
    assert_eq!(c.balance(WITHDRAWAL_VAULT), b(40_000));
    assert_eq!(c.sys.ledger(&mut c.host, id).unwrap().claimable, b(40_000));
    assert_eq!(c.balance(ALICE), b(900_000));
    assert!(c.events().contains(&Event::OverpaidFeeRefunded {
        receiver: ALICE,
        amount: U256::from(5)
    }));
    assert!(c.events().contains(&Event::WithdrawalRequested {
        user: ALICE,
        amount_of_asset: b(40_000),
        amount_of_shares: b(40_000),
        request_id: U256::from(1),
        is_full_exit_withdraw: false,
    }));

    // More than the buffer, with shares worth it (50,000 of rewards wait uncollected): refused,
    // no fall-through to the CL.
    c.host.mint(id.addresses().staking_rewards_vault, b(50_000));
    assert_eq!(
        c.request(ALICE, 1, 70_000 * GWEI_PER_BERA, U256::ZERO),
        Err(PoolError::WithdrawalNotAllowed)
    );

    // The finalization delay applies to short-circuits too.
    assert_eq!(c.finalize(&[1]), Err(PoolError::RequestNotReady));
    c.advance(c.sys.params.finalization_delay_blocks - 1);
    assert_eq!(c.finalize(&[1]), Err(PoolError::RequestNotReady));
    c.advance(1);
    c.finalize(&[1]).unwrap();
    assert_eq!(c.balance(ALICE), b(940_000));
    assert_eq!(c.balance(WITHDRAWAL_VAULT), U256::ZERO);
    assert_eq!(
        c.finalize(&[1]),
        Err(PoolError::Erc721NonexistentToken {
            token_id: U256::from(1)
        })
    );
}

#[test]
fn the_supply_never_falls_below_the_activation_shares_before_exit() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    // The M-4 attack: donate, pull the donation into the buffer, redeem the initial shares.
    c.host.mint(id.addresses().staking_rewards_vault, b(5_000));
    c.try_op(|sys, host| sys.process_rewards(host, id)).unwrap();
    assert_eq!(c.pool(id).buffered_assets, b(5_000));
    // 5,000 BERA costs ceil(5,000·10,000/15,000) ≈ 3,333.3 shares: the supply would drop below 10,000.
    assert_eq!(
        c.request(RECIPIENT, 1, 5_000 * GWEI_PER_BERA, U256::ZERO),
        Err(PoolError::InsufficientShares)
    );
}

/// A pool at 300,000 BERA on the CL with the cooldown over: 10,000 from registration, 290,000
/// from the whale in one deposit.
fn operating_pool(c: &mut Chain) -> berapool_pool_state::PoolId {
    let id = c.active_pool(1);
    c.fill_to(id, 300_000);
    c.advance(c.sys.params.withdrawal_cooldown_blocks);
    c.clear_effects();
    id
}

#[test]
fn withdrawals_wait_for_the_cooldown_after_the_threshold() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 300_000);
    assert_eq!(
        c.request(WHALE, 1, 1_000 * GWEI_PER_BERA, U256::from(1)),
        Err(PoolError::WithdrawalNotAllowed)
    );
    c.advance(c.sys.params.withdrawal_cooldown_blocks - 1);
    assert_eq!(
        c.request(WHALE, 1, 1_000 * GWEI_PER_BERA, U256::from(1)),
        Err(PoolError::WithdrawalNotAllowed)
    );
    c.advance(1);
    assert!(c
        .request(WHALE, 1, 1_000 * GWEI_PER_BERA, U256::from(1))
        .is_ok());
}

#[test]
fn a_partial_withdrawal_sends_an_eip7002_request_and_is_paid_from_what_the_cl_returns() {
    let mut c = Chain::new();
    let id = operating_pool(&mut c);
    c.cl_delay = 1_000;

    // Fee guards: quote above maxFeeToPay, value below the fee, no quote at all.
    c.host.withdrawal_fee = Some(U256::from(7));
    assert_eq!(
        c.request_with(
            WHALE,
            1,
            50_000 * GWEI_PER_BERA,
            U256::from(10),
            U256::from(6)
        ),
        Err(PoolError::OverpaidFee)
    );
    assert_eq!(
        c.request_with(
            WHALE,
            1,
            50_000 * GWEI_PER_BERA,
            U256::from(6),
            U256::from(10)
        ),
        Err(PoolError::InsufficientFee)
    );
    c.host.withdrawal_fee = None;
    assert_eq!(
        c.request(WHALE, 1, 50_000 * GWEI_PER_BERA, U256::from(10)),
        Err(PoolError::FeeRequestFailed)
    );
    c.host.withdrawal_fee = Some(U256::from(7));

    let whale = c.balance(WHALE);
    let id1 = c
        .request_with(
            WHALE,
            1,
            50_000 * GWEI_PER_BERA,
            U256::from(10),
            U256::from(10),
        )
        .unwrap();
    assert_eq!(
        c.balance(WHALE),
        whale - U256::from(7),
        "3 wei of overpaid fee refunded"
    );
    assert_eq!(c.balance(EIP7002_PREDEPLOY), U256::from(7));
    assert_eq!(
        c.host.cl_withdrawal_requests,
        vec![(
            WITHDRAWAL_VAULT,
            ClWithdrawalRequest {
                pubkey: pubkey(1),
                amount_gwei: 50_000 * GWEI_PER_BERA
            },
            U256::from(7)
        )]
    );
    let pool = c.pool(id);
    assert_eq!(
        pool.total_deposits,
        b(250_000),
        "totalDeposits drops at request time"
    );
    assert_eq!(pool.pending_partial_withdrawals, b(50_000));
    assert_eq!(c.shares(id, WHALE), b(240_000));
    let events = c.events();
    assert!(events.contains(&Event::ElWithdrawalTriggered {
        pubkey: pubkey(1),
        amount: 50_000 * GWEI_PER_BERA,
        fee: U256::from(7)
    }));
    assert!(events.contains(&Event::OverpaidFeeRefunded {
        receiver: WHALE,
        amount: U256::from(3)
    }));

    // After the delay but before the CL pays: the vault has nothing for this pool.
    c.advance(c.sys.params.finalization_delay_blocks);
    assert_eq!(
        c.finalize(&[id1.to::<u64>()]),
        Err(PoolError::NotEnoughFunds)
    );

    // The CL pays the vault (EIP-4895); the pool's pending partial is settled.
    let index = c.pool(id).validator_index;
    c.pay(&[VaultWithdrawal {
        validator_index: index,
        amount_gwei: 50_000 * GWEI_PER_BERA,
    }]);
    assert_eq!(c.pool(id).pending_partial_withdrawals, U256::ZERO);
    assert_eq!(c.sys.ledger(&mut c.host, id).unwrap().claimable, b(50_000));
    let whale = c.balance(WHALE);
    c.finalize(&[id1.to::<u64>()]).unwrap();
    assert_eq!(c.balance(WHALE), whale + b(50_000));
    assert_eq!(
        c.sys
            .allocated_withdrawals_amount(&mut c.host, &pubkey(1))
            .unwrap(),
        U256::ZERO
    );
}

#[test]
fn a_withdrawal_that_would_leave_less_than_the_minimum_exits_in_full_with_frozen_nav() {
    let mut c = Chain::new();
    let id = operating_pool(&mut c);
    // Alice stakes 5,000 (buffered: below a chunk); 1,000 of rewards wait in the vault.
    c.submit(ALICE, id, b(5_000)).unwrap();
    c.host.mint(id.addresses().staking_rewards_vault, b(1_000));
    c.clear_effects();
    let nav = c.sys.total_assets(&mut c.host, id).unwrap();
    assert_eq!(nav, b(306_000));

    // 300,000 − 60,000 < 250,000: full exit. Shares are priced at S = 305,000, A = 306,000.
    let supply = b(305_000) + U256::from(1);
    let expected_shares = (b(60_000) * supply).div_ceil(b(306_000) + U256::from(1));
    let exit_request = c
        .request(WHALE, 1, 60_000 * GWEI_PER_BERA, U256::from(1))
        .unwrap();
    let pool = c.pool(id);
    assert!(pool.is_fully_exited() && pool.paused(&c.sys.params));
    assert_eq!(pool.total_deposits, U256::ZERO);
    assert_eq!(pool.buffered_assets, U256::ZERO);
    assert_eq!(pool.frozen_total_assets, b(246_000));
    assert_eq!(c.sys.total_assets(&mut c.host, id).unwrap(), b(246_000));
    assert_eq!(
        c.host.cl_withdrawal_requests[0].1,
        ClWithdrawalRequest {
            pubkey: pubkey(1),
            amount_gwei: 0
        }
    );
    // Buffer (5,000) and rewards (1,000) moved to the vault for this pool.
    assert_eq!(c.balance(id.addresses().staking_rewards_vault), U256::ZERO);
    assert_eq!(c.balance(id.addresses().staking_pool), U256::ZERO);
    let ledger = c.sys.ledger(&mut c.host, id).unwrap();
    assert_eq!(ledger.claimable, b(6_000));
    assert!(ledger.exited);
    let events = c.events();
    assert!(events.contains(&Event::FullExitTriggered));
    assert!(events.contains(&Event::ElWithdrawalTriggered {
        pubkey: pubkey(1),
        amount: 0,
        fee: U256::from(1)
    }));
    assert!(events.contains(&Event::WithdrawalRequested {
        user: WHALE,
        amount_of_asset: b(60_000),
        amount_of_shares: expected_shares,
        request_id: exit_request,
        is_full_exit_withdraw: true,
    }));

    // Exited for ever: no deposits, no unpause, no fee changes.
    assert_eq!(c.submit(BOB, id, b(1)), Err(PoolError::EnforcedPause));
    assert_eq!(
        c.try_op(|sys, host| sys.unpause(host, &berapool_pool_state::Call::from(GOV), id)),
        Err(PoolError::StakingPoolFullExited)
    );
    c.grant_fee_manager(id, OPERATOR);
    assert_eq!(
        c.try_op(|sys, host| sys.set_protocol_fee_percentage(
            host,
            &berapool_pool_state::Call::from(OPERATOR),
            id,
            100
        )),
        Err(PoolError::StakingPoolIsFullyExited)
    );

    // Everyone else redeems against the frozen NAV: no CL request, no cooldown, fee refunded.
    c.clear_effects();
    let alice = c.balance(ALICE);
    let after_exit = c
        .request(ALICE, 1, 5_000 * GWEI_PER_BERA, U256::from(9))
        .unwrap();
    assert!(c.host.cl_withdrawal_requests.is_empty());
    assert_eq!(c.balance(ALICE), alice);
    assert_eq!(c.pool(id).frozen_total_assets, b(241_000));

    // The CL pays out the whole 300,000; everything is finalizable after the delay.
    c.advance(c.sys.params.finalization_delay_blocks);
    assert_eq!(c.sys.ledger(&mut c.host, id).unwrap().claimable, b(306_000));
    let (whale, alice) = (c.balance(WHALE), c.balance(ALICE));
    c.finalize(&[exit_request.to::<u64>(), after_exit.to::<u64>()])
        .unwrap();
    assert_eq!(c.balance(WHALE), whale + b(60_000));
    assert_eq!(c.balance(ALICE), alice + b(5_000));

    // The rest redeem everything: the frozen NAV is paid out to the last wei it promised.
    let mut ids = Vec::new();
    for who in [WHALE, RECIPIENT, ALICE] {
        let shares = c.shares(id, who);
        let call = c.call(who, WITHDRAWAL_VAULT, U256::ZERO);
        ids.push(
            c.try_op(|sys, host| sys.request_redeem(host, &call, &pubkey(1), shares, U256::ZERO))
                .unwrap()
                .to::<u64>(),
        );
    }
    c.advance(c.sys.params.finalization_delay_blocks);
    c.finalize(&ids).unwrap();
    let pool = c.pool(id);
    let left = c.sys.ledger(&mut c.host, id).unwrap().claimable;
    // Redemptions are floored to whole gwei: each of the three leaves less than a gwei behind.
    assert!(
        pool.frozen_total_assets < U256::from(3) * GWEI,
        "{}",
        pool.frozen_total_assets
    );
    assert_eq!(
        left, pool.frozen_total_assets,
        "what is left in the vault is exactly the unredeemed NAV"
    );
}

#[test]
fn batch_finalization_is_all_or_nothing() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.submit(ALICE, id, b(100_000)).unwrap();
    let first = c
        .request(ALICE, 1, 1_000 * GWEI_PER_BERA, U256::ZERO)
        .unwrap()
        .to::<u64>();
    c.advance(10);
    let second = c
        .request(ALICE, 1, 2_000 * GWEI_PER_BERA, U256::ZERO)
        .unwrap()
        .to::<u64>();
    c.advance(c.sys.params.finalization_delay_blocks - 5);
    assert_eq!(
        c.finalize(&[first, second]),
        Err(PoolError::RequestNotReady)
    );
    assert_eq!(
        c.finalize(&[first, first]),
        Err(PoolError::Erc721NonexistentToken {
            token_id: U256::from(first)
        })
    );
    assert_eq!(
        c.finalize(&[99]),
        Err(PoolError::Erc721NonexistentToken {
            token_id: U256::from(99)
        })
    );
    c.advance(5);
    let alice = c.balance(ALICE);
    c.finalize(&[first, second]).unwrap();
    assert_eq!(c.balance(ALICE), alice + b(3_000));
}

#[test]
fn one_pools_money_never_pays_another_pools_request() {
    let mut c = Chain::new();
    let p1 = c.active_pool(1);
    let p2 = c.active_pool(2);
    for id in [p1, p2] {
        c.fill_to(id, 300_000);
    }
    c.advance(c.sys.params.withdrawal_cooldown_blocks);
    c.cl_delay = 10_000;
    let r2 = c
        .request(WHALE, 2, 20_000 * GWEI_PER_BERA, U256::from(1))
        .unwrap()
        .to::<u64>();
    c.advance(c.sys.params.finalization_delay_blocks);
    // Pool 1's validator returns 50,000 (surplus: pool 1 asked for nothing).
    let index = c.pool(p1).validator_index;
    c.pay(&[VaultWithdrawal {
        validator_index: index,
        amount_gwei: 50_000 * GWEI_PER_BERA,
    }]);
    assert!(c.balance(WITHDRAWAL_VAULT) >= b(20_000));
    assert_eq!(c.finalize(&[r2]), Err(PoolError::NotEnoughFunds));
    assert_eq!(c.sys.ledger(&mut c.host, p1).unwrap().cl_surplus, b(50_000));
    // A withdrawal from a validator of no pool is kept apart too.
    c.pay(&[VaultWithdrawal {
        validator_index: 123_456,
        amount_gwei: 1,
    }]);
    assert_eq!(c.sys.unattributed_withdrawals(&mut c.host).unwrap(), GWEI);
}

#[test]
fn request_tokens_enumerate_and_never_move() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.submit(ALICE, id, b(100_000)).unwrap();
    c.submit(BOB, id, b(10_000)).unwrap();
    let a1 = c.request(ALICE, 1, GWEI_PER_BERA, U256::ZERO).unwrap();
    let b1 = c.request(BOB, 1, GWEI_PER_BERA, U256::ZERO).unwrap();
    let a2 = c.request(ALICE, 1, 2 * GWEI_PER_BERA, U256::ZERO).unwrap();
    let sys = c.sys.clone();
    let h = &mut c.host;
    assert_eq!((a1, b1, a2), (U256::from(1), U256::from(2), U256::from(3)));
    assert_eq!(sys.request_total_supply(h).unwrap(), U256::from(3));
    assert_eq!(sys.request_balance_of(h, ALICE).unwrap(), U256::from(2));
    assert_eq!(
        sys.request_of_owner_by_index(h, ALICE, U256::from(1))
            .unwrap(),
        a2
    );
    assert_eq!(sys.request_owner_of(h, b1).unwrap(), BOB);
    assert_eq!(
        sys.request_of_owner_by_index(h, BOB, U256::from(1)),
        Err(PoolError::Erc721OutOfBoundsIndex {
            owner: BOB,
            index: U256::from(1)
        })
    );
    assert_eq!(
        sys.request_balance_of(h, Address::ZERO),
        Err(PoolError::Erc721InvalidOwner {
            owner: Address::ZERO
        })
    );
    let r = sys.withdrawal_request(h, a2).unwrap().unwrap();
    assert_eq!((r.user, r.assets_requested, r.pool), (ALICE, b(2), id));

    // Finalizing the first token swaps the last into its place, per owner and globally.
    c.advance(c.sys.params.finalization_delay_blocks);
    c.finalize(&[1]).unwrap();
    let h = &mut c.host;
    assert_eq!(sys.request_total_supply(h).unwrap(), U256::from(2));
    assert_eq!(sys.request_by_index(h, U256::ZERO).unwrap(), a2);
    assert_eq!(sys.request_by_index(h, U256::from(1)).unwrap(), b1);
    assert_eq!(
        sys.request_of_owner_by_index(h, ALICE, U256::ZERO).unwrap(),
        a2
    );
    assert_eq!(sys.request_balance_of(h, ALICE).unwrap(), U256::from(1));
    assert_eq!(sys.withdrawal_request(h, a1).unwrap(), None);
    assert_eq!(
        sys.request_owner_of(h, a1),
        Err(PoolError::Erc721NonexistentToken { token_id: a1 })
    );
}

#[test]
fn a_full_exit_the_cl_ignored_while_a_partial_was_pending_can_be_retried() {
    let mut c = Chain::new();
    let id = operating_pool(&mut c);
    c.cl_delay = 100;
    // A partial, then at once a full exit: BeaconKit ignores the exit while the partial pends.
    c.request(WHALE, 1, 40_000 * GWEI_PER_BERA, U256::from(1))
        .unwrap();
    c.request(WHALE, 1, 20_000 * GWEI_PER_BERA, U256::from(1))
        .unwrap();
    let partial_block = c.host.block.number;
    c.next_block();
    assert_eq!(c.dropped_exits, 1);
    assert!(c.pool(id).is_fully_exited());

    let key = pubkey(1);
    let retry = |c: &mut Chain, fee: u64| {
        c.try_payable(BOB, WITHDRAWAL_VAULT, U256::from(fee), |sys, host, call| {
            sys.retry_full_exit(host, call, &key, U256::from(fee))
        })
    };
    assert_eq!(retry(&mut c, 1), Err(PoolError::PendingWithdrawalInFlight));
    c.active_pool(2);
    let key2 = pubkey(2);
    assert_eq!(
        c.try_payable(BOB, WITHDRAWAL_VAULT, U256::from(1), |sys, host, call| sys
            .retry_full_exit(host, call, &key2, U256::from(1))),
        Err(PoolError::NotFullyExited)
    );

    // Once no partial can be in flight, anyone retries; the CL pays the rest out.
    let flight = c.sys.params.withdrawal_flight_blocks;
    c.advance(partial_block + flight - c.host.block.number);
    c.clear_effects();
    retry(&mut c, 3).unwrap();
    assert!(c
        .events()
        .contains(&Event::FullExitRequestRetried { pubkey: pubkey(1) }));
    assert_eq!(
        c.host.cl_withdrawal_requests[0].1,
        ClWithdrawalRequest {
            pubkey: pubkey(1),
            amount_gwei: 0
        }
    );
    c.advance(c.cl_delay + 1);
    let ledger = c.sys.ledger(&mut c.host, id).unwrap();
    assert_eq!(
        ledger.claimable,
        b(300_000),
        "partial 40,000 + exit 260,000"
    );
    assert_eq!(c.validators[&pubkey(1)].balance_now(), 0);
}

#[test]
fn a_partial_the_cl_dropped_is_paid_from_the_buffer_or_requested_again() {
    let mut c = Chain::new();
    let id = operating_pool(&mut c);
    let key = pubkey(1);
    let retry = |c: &mut Chain| {
        c.try_payable(BOB, WITHDRAWAL_VAULT, U256::from(1), |sys, host, call| {
            sys.retry_partial_withdrawal(host, call, &key, U256::from(1))
        })
    };
    let delay = c.sys.params.finalization_delay_blocks;

    // The CL drops a partial (the validator is not active yet): nothing ever comes for it.
    c.request(WHALE, 1, 1_000 * GWEI_PER_BERA, U256::from(1))
        .unwrap();
    c.observe_cl();
    c.pending.clear();
    assert_eq!(retry(&mut c), Err(PoolError::NoOverdueWithdrawal));
    c.advance(delay);
    // The buffer is empty, so finalizing cannot pay yet; anyone requests it again.
    assert_eq!(c.finalize(&[1]), Err(PoolError::NotEnoughFunds));
    c.clear_effects();
    retry(&mut c).unwrap();
    assert!(c.events().contains(&Event::PartialWithdrawalRetried {
        pubkey: key,
        amount: 1_000 * GWEI_PER_BERA,
    }));
    assert_eq!(retry(&mut c), Err(PoolError::NoOverdueWithdrawal));
    c.advance(c.cl_delay + 1);
    c.finalize(&[1]).unwrap();
    assert!(c.pool(id).pending_partial_withdrawals.is_zero());

    // Dropped again, with a buffer that covers it: finalizing pays from the buffer, and the
    // stake it was to take counts again, so the share price does not move.
    c.request(WHALE, 1, 500 * GWEI_PER_BERA, U256::from(1))
        .unwrap();
    c.observe_cl();
    c.pending.clear();
    c.submit(ALICE, id, b(600)).unwrap();
    let (deposits, price) = (
        c.pool(id).total_deposits,
        c.sys.share_price(&mut c.host, id).unwrap(),
    );
    c.advance(delay);
    c.clear_effects();
    let whale = c.balance(WHALE);
    c.finalize(&[2]).unwrap();
    assert_eq!(c.balance(WHALE), whale + b(500));
    let pool = c.pool(id);
    assert_eq!(pool.total_deposits, deposits + b(500));
    assert_eq!(pool.buffered_assets, b(100));
    assert!(pool.pending_partial_withdrawals.is_zero());
    assert_eq!(c.sys.share_price(&mut c.host, id).unwrap(), price);
    assert!(c.events().contains(&Event::OverdueWithdrawalsSettled {
        pubkey: key,
        amount: b(500),
    }));
}
