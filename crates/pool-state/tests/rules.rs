//! Fees, oracle reconciliation, roles, pausing, stBERA transfers, conversions, and the checks of
//! registration and activation, each with concrete numbers.

mod common;

use alloy_primitives::{Address, U256};
use berapool_pool_state::{
    access::{DEFAULT_ADMIN_ROLE, PROTOCOL_FEE_MANAGER_ROLE, VALIDATOR_ADMIN_ROLE},
    addresses::{pool_withdrawal_credentials, FACTORY},
    operator::operator_roles,
    vault::vault_roles,
    Call, Event, OwnershipStep, PoolError, PoolId, PoolRegistration, VaultWithdrawal, GWEI,
};
use common::*;

const GWEI_PER_BERA: u64 = 1_000_000_000;
const ONE: U256 = U256::from_limbs([1, 0, 0, 0]);

/// `(A+1)/(S+1)` of pool `id` never fell from `before` to `after`.
fn price_not_lower(
    before: berapool_pool_state::SharePrice,
    after: berapool_pool_state::SharePrice,
) -> bool {
    use alloy_primitives::U512;
    let lhs = U512::from(before.assets + ONE) * U512::from(after.supply + ONE);
    let rhs = U512::from(after.assets + ONE) * U512::from(before.supply + ONE);
    lhs <= rhs
}

#[test]
fn the_protocol_fee_is_charged_once_per_reward_wei_in_shares() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.grant_fee_manager(id, OPERATOR);
    let op = Call::from(OPERATOR);
    c.try_op(|sys, host| sys.set_protocol_fee_percentage(host, &op, id, 1_000))
        .unwrap();
    assert_eq!(
        c.sys.protocol_fee_percentage(&mut c.host, id).unwrap(),
        1_000
    );

    // 100 BERA of rewards count as 90 until the fee is charged.
    c.host.mint(id.addresses().staking_rewards_vault, b(100));
    assert_eq!(c.sys.total_assets(&mut c.host, id).unwrap(), b(10_090));
    let before = c.sys.share_price(&mut c.host, id).unwrap();

    c.try_op(|sys, host| sys.process_rewards(host, id)).unwrap();
    let fee_shares = b(10) * (b(10_000) + ONE) / (b(10_090) + ONE);
    assert_eq!(c.shares(id, RECIPIENT), b(10_000) + fee_shares);
    let pool = c.pool(id);
    assert_eq!(
        pool.buffered_assets,
        b(100),
        "the whole balance compounds once the fee is charged"
    );
    assert_eq!(c.sys.total_assets(&mut c.host, id).unwrap(), b(10_100));
    assert!(price_not_lower(
        before,
        c.sys.share_price(&mut c.host, id).unwrap()
    ));

    // Nothing new arrived: nothing is charged again.
    let supply = c.pool(id).total_supply;
    c.try_op(|sys, host| sys.process_rewards(host, id)).unwrap();
    assert_eq!(c.pool(id).total_supply, supply);

    // A fee change settles what is due at the old rate first: 10 % of 50 = 5 BERA.
    c.host.mint(id.addresses().staking_rewards_vault, b(50));
    let due = b(5) * (supply + ONE) / (b(10_145) + ONE);
    c.clear_effects();
    c.try_op(|sys, host| sys.set_protocol_fee_percentage(host, &op, id, 0))
        .unwrap();
    assert_eq!(c.pool(id).total_supply, supply + due);
    assert!(c.events().contains(&Event::ProtocolFeePercentageSet {
        protocol_fee_percentage: 0
    }));
    // At 0 % new rewards count in full.
    c.host.mint(id.addresses().staking_rewards_vault, b(20));
    assert_eq!(c.sys.total_assets(&mut c.host, id).unwrap(), b(10_170));

    assert_eq!(
        c.try_op(|sys, host| sys.set_protocol_fee_percentage(host, &op, id, 2_001)),
        Err(PoolError::InvalidProtocolFeePercentage)
    );
    assert_eq!(
        c.try_op(|sys, host| sys.set_protocol_fee_percentage(host, &Call::from(ALICE), id, 100)),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: ALICE,
            needed_role: PROTOCOL_FEE_MANAGER_ROLE
        })
    );
}

#[test]
fn every_conversion_rounds_its_own_way() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.host.mint(id.addresses().staking_rewards_vault, b(5_000));
    let p = c.sys.share_price(&mut c.host, id).unwrap();
    assert_eq!((p.supply, p.assets), (b(10_000), b(15_000)));
    let (s1, a1) = (b(10_000) + ONE, b(15_000) + ONE);
    let three = b(3);
    assert_eq!(p.convert_to_shares(three).unwrap(), three * s1 / a1);
    assert_eq!(p.preview_deposit(three).unwrap(), three * s1 / a1);
    assert_eq!(p.preview_withdraw(three).unwrap(), three * s1 / a1 + ONE);
    assert_eq!(p.convert_to_assets(three).unwrap(), three * a1 / s1);
    assert_eq!(p.preview_redeem(three).unwrap(), three * a1 / s1);
    assert_eq!(p.preview_mint(three).unwrap(), three * a1 / s1 + ONE);
}

#[test]
fn a_deposit_flood_that_delays_the_pools_deposit_does_not_dip_the_book() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    // Strangers make 20 deposits just before the pool's 240,000 BERA one, in the same block:
    // the consensus layer processes 16 per block, so it lands two blocks late, not one.
    c.stranger_deposits(20);
    let d = c.fill_to(id, 250_000);
    c.advance(2);
    assert!(c.deposit_index_seen_by(d + 2) < c.host.deposit_count);
    let r = c.report_at(1, d + 2).unwrap();
    assert_eq!(
        (r.proven, r.deposits_after, r.total_deposits),
        (b(10_000), b(240_000), b(250_000))
    );
    // Without a proven deposit index the report cannot tell: refused, nothing changes.
    c.advance(1);
    assert_eq!(
        c.official_report_at(1, d + 3),
        Err(PoolError::DepositIndexNotProven)
    );
    let r = c.report_at(1, d + 3).unwrap();
    assert_eq!(
        (r.proven, r.deposits_after, r.total_deposits),
        (b(250_000), U256::ZERO, b(250_000))
    );
    // Once a report proved every deposit of the pool in, official reports apply again.
    c.advance(1);
    assert_eq!(
        c.official_report_at(1, d + 4).unwrap().total_deposits,
        b(250_000)
    );
    assert_eq!(c.pool(id).total_deposits, b(250_000));
}

#[test]
fn oracle_reports_taken_while_money_is_in_flight_do_not_move_the_book() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.cl_delay = 20;
    let d = c.fill_to(id, 250_000);

    // The proof at D saw deposits up to D-2: the 240,000 deposit is still in flight.
    let r = c.report_at(1, d).unwrap();
    assert_eq!(
        (r.proven, r.deposits_after, r.total_deposits),
        (b(10_000), b(240_000), b(250_000))
    );
    c.advance(1);
    assert_eq!(c.report_at(1, d + 1).unwrap().total_deposits, b(250_000));
    c.advance(1);
    let r = c.report_at(1, d + 2).unwrap();
    assert_eq!(
        (r.proven, r.deposits_after, r.total_deposits),
        (b(250_000), U256::ZERO, b(250_000))
    );
    // Older than the last applied report: refused.
    let stale = c.timestamp_of(d + 1);
    assert_eq!(
        c.report_at(1, d + 1),
        Err(PoolError::StaleReport {
            timestamp: stale,
            last_applied: c.timestamp_of(d + 2)
        })
    );

    // A third-party top-up on the CL is a gain for shareholders once proven.
    let block = c.host.block.number;
    c.validators
        .get_mut(&pubkey(1))
        .unwrap()
        .history
        .push((block, 5_000 * GWEI_PER_BERA as i128));
    c.advance(3);
    let before = c.sys.share_price(&mut c.host, id).unwrap();
    c.clear_effects();
    let now = c.host.block.number;
    assert_eq!(c.report_at(1, now).unwrap().total_deposits, b(255_000));
    assert!(c.events().contains(&Event::TotalDepositsUpdated {
        new_total_deposits: b(255_000)
    }));
    assert!(price_not_lower(
        before,
        c.sys.share_price(&mut c.host, id).unwrap()
    ));

    // A partial withdrawal in flight: requested, then paid, with reports at every step.
    c.advance(c.sys.params.withdrawal_cooldown_blocks);
    c.request(WHALE, 1, 5_000 * GWEI_PER_BERA, ONE).unwrap();
    let requested = c.host.block.number;
    assert_eq!(c.pool(id).total_deposits, b(250_000));
    assert_eq!(
        c.report_at(1, requested).unwrap().total_deposits,
        b(250_000)
    );
    c.advance(20);
    let paid = c.host.block.number;
    assert_eq!(
        c.pool(id).pending_partial_withdrawals,
        U256::ZERO,
        "paid in block {paid}"
    );
    for at in [paid - 1, paid] {
        let r = c.report_at(1, at).unwrap();
        assert_eq!(
            (r.proven, r.withdrawals_after, r.total_deposits),
            (b(255_000), b(5_000), b(250_000))
        );
    }
    c.advance(1);
    let r = c.report_at(1, paid + 1).unwrap();
    assert_eq!(
        (r.proven, r.withdrawals_after, r.total_deposits),
        (b(250_000), U256::ZERO, b(250_000))
    );

    // CL money beyond what the pool asked for is held; CL withdrawals wait while it is; the
    // report that no longer counts it returns it to the buffer, fee-free: the NAV does not move.
    let nav = c.sys.total_assets(&mut c.host, id).unwrap();
    let index = c.pool(id).validator_index;
    let block = c.host.block.number;
    c.validators
        .get_mut(&pubkey(1))
        .unwrap()
        .history
        .push((block, -(3_000 * GWEI_PER_BERA as i128)));
    c.pay(&[VaultWithdrawal {
        validator_index: index,
        amount_gwei: 3_000 * GWEI_PER_BERA,
    }]);
    assert_eq!(c.sys.ledger(&mut c.host, id).unwrap().cl_surplus, b(3_000));
    assert_eq!(
        c.request(WHALE, 1, GWEI_PER_BERA, ONE),
        Err(PoolError::WithdrawalNotAllowed)
    );
    c.advance(2);
    let now = c.host.block.number;
    assert_eq!(c.report_at(1, now).unwrap().total_deposits, b(247_000));
    assert_eq!(
        c.sys.ledger(&mut c.host, id).unwrap().cl_surplus,
        U256::ZERO
    );
    assert_eq!(c.pool(id).buffered_assets, b(3_000));
    assert_eq!(c.balance(id.addresses().staking_pool), b(3_000));
    assert_eq!(c.sys.total_assets(&mut c.host, id).unwrap(), nav);

    // Bad reports.
    let ts = c.host.block.timestamp + 1;
    assert_eq!(
        c.try_op(|sys, host| sys.update_total_deposits(
            host,
            &Call::from(FEEDER),
            &pubkey(1),
            1,
            ts,
            None
        )),
        Err(PoolError::UnknownBeaconTimestamp { timestamp: ts })
    );
    let ts = c.host.block.timestamp;
    assert_eq!(
        c.try_op(|sys, host| sys.update_total_deposits(
            host,
            &Call::from(ALICE),
            &pubkey(1),
            1,
            ts,
            None
        )),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: ALICE,
            needed_role: berapool_pool_state::access::FEEDER_ROLE
        })
    );

    // The validator is swept out (evicted): a zero balance exits the pool, NAV intact.
    let block = c.host.block.number;
    let balance = c.validators[&pubkey(1)].balance_now();
    c.validators
        .get_mut(&pubkey(1))
        .unwrap()
        .history
        .push((block, -(balance as i128)));
    c.pay(&[VaultWithdrawal {
        validator_index: index,
        amount_gwei: balance,
    }]);
    c.advance(2);
    let now = c.host.block.number;
    c.report_at(1, now).unwrap();
    let pool = c.pool(id);
    assert!(pool.is_fully_exited());
    assert_eq!(pool.frozen_total_assets, nav);
    let ledger = c.sys.ledger(&mut c.host, id).unwrap();
    // The vault holds the frozen NAV (the 3,000 buffer and the swept 247,000) plus the 5,000
    // already paid for the open partial request.
    assert_eq!(ledger.allocated, b(5_000));
    assert_eq!(
        ledger.claimable,
        nav + ledger.allocated,
        "rewards and the swept balance back the frozen NAV"
    );
    assert!(ledger.exited);
}

#[test]
fn roles_follow_the_official_hierarchy() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    let roles = operator_roles(id);
    let h = &mut c.host;
    assert!(roles.has_role(h, VALIDATOR_ADMIN_ROLE, OPERATOR).unwrap());
    assert!(roles.has_role(h, DEFAULT_ADMIN_ROLE, GOV).unwrap());
    // The validator admin hands out operational roles, not its own.
    assert!(roles
        .grant_role(h, OPERATOR, PROTOCOL_FEE_MANAGER_ROLE, BOB)
        .unwrap());
    assert_eq!(
        roles.grant_role(h, OPERATOR, VALIDATOR_ADMIN_ROLE, BOB),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: OPERATOR,
            needed_role: DEFAULT_ADMIN_ROLE
        })
    );
    assert_eq!(
        roles.grant_role(h, ALICE, PROTOCOL_FEE_MANAGER_ROLE, ALICE),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: ALICE,
            needed_role: VALIDATOR_ADMIN_ROLE
        })
    );
    assert!(roles
        .grant_role(h, GOV, VALIDATOR_ADMIN_ROLE, ALICE)
        .unwrap());
    assert_eq!(
        roles.renounce_role(h, BOB, PROTOCOL_FEE_MANAGER_ROLE, ALICE),
        Err(PoolError::AccessControlBadConfirmation)
    );
    assert!(roles
        .renounce_role(h, BOB, PROTOCOL_FEE_MANAGER_ROLE, BOB)
        .unwrap());
    assert!(!roles.has_role(h, PROTOCOL_FEE_MANAGER_ROLE, BOB).unwrap());
    assert!(roles
        .revoke_role(h, GOV, VALIDATOR_ADMIN_ROLE, ALICE)
        .unwrap());

    // The minimum effective balance is the validator admin's, within [250,000, 10,000,000].
    let op = Call::from(OPERATOR);
    assert_eq!(
        c.try_op(|sys, host| sys.set_min_effective_balance(host, &op, id, b(249_999))),
        Err(PoolError::InvalidMinEffectiveBalance)
    );
    assert_eq!(
        c.try_op(|sys, host| sys.set_min_effective_balance(
            host,
            &Call::from(ALICE),
            id,
            b(300_000)
        )),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: ALICE,
            needed_role: VALIDATOR_ADMIN_ROLE
        })
    );
    c.try_op(|sys, host| sys.set_min_effective_balance(host, &op, id, b(300_000)))
        .unwrap();
    assert_eq!(c.pool(id).min_effective_balance(&c.sys.params), b(300_000));
    // The threshold follows it: 250,000 no longer triggers the deposit.
    c.clear_effects();
    c.submit(ALICE, id, b(240_000)).unwrap();
    assert!(c.host.cl_deposits.is_empty());
    c.submit(BOB, id, b(50_000)).unwrap();
    assert_eq!(c.host.cl_deposits[0].1.amount_gwei, 290_000 * GWEI_PER_BERA);
}

#[test]
fn owners_pause_pools_and_admins_pause_the_vault() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    let (gov, alice) = (Call::from(GOV), Call::from(ALICE));
    assert_eq!(
        c.try_op(|sys, host| sys.pause(host, &alice, id)),
        Err(PoolError::OwnableUnauthorizedAccount { account: ALICE })
    );
    c.try_op(|sys, host| sys.pause(host, &gov, id)).unwrap();
    assert_eq!(c.submit(ALICE, id, b(1)), Err(PoolError::EnforcedPause));
    assert_eq!(
        c.try_op(|sys, host| sys.process_rewards(host, id)),
        Err(PoolError::EnforcedPause)
    );
    assert_eq!(
        c.try_op(|sys, host| sys.pause(host, &gov, id)),
        Err(PoolError::EnforcedPause)
    );
    c.try_op(|sys, host| sys.unpause(host, &gov, id)).unwrap();
    assert_eq!(
        c.try_op(|sys, host| sys.unpause(host, &gov, id)),
        Err(PoolError::ExpectedPause)
    );
    c.submit(ALICE, id, b(1_000)).unwrap();

    // Two-step ownership: the new owner must accept; then the old one has no say.
    c.try_op(|sys, host| sys.pool_ownership(host, &gov, id, OwnershipStep::Transfer(BOB)))
        .unwrap();
    assert_eq!(c.pool(id).ownership.owner, GOV);
    c.try_op(|sys, host| sys.pool_ownership(host, &Call::from(BOB), id, OwnershipStep::Accept))
        .unwrap();
    assert_eq!(
        c.try_op(|sys, host| sys.pause(host, &gov, id)),
        Err(PoolError::OwnableUnauthorizedAccount { account: GOV })
    );
    c.try_op(|sys, host| sys.factory_ownership_step(host, &gov, OwnershipStep::Transfer(BOB)))
        .unwrap();
    c.try_op(|sys, host| sys.factory_ownership_step(host, &Call::from(BOB), OwnershipStep::Accept))
        .unwrap();
    assert_eq!(c.sys.factory_ownership(&mut c.host).unwrap().owner, BOB);

    // The vault: its admin pauses requests and finalization.
    let request = c.request(ALICE, 1, GWEI_PER_BERA, U256::ZERO).unwrap();
    assert_eq!(
        c.try_op(|sys, host| sys.set_vault_paused(host, &alice, true)),
        Err(PoolError::AccessControlUnauthorizedAccount {
            account: ALICE,
            needed_role: DEFAULT_ADMIN_ROLE
        })
    );
    c.try_op(|sys, host| sys.set_vault_paused(host, &gov, true))
        .unwrap();
    assert!(vault_roles()
        .has_role(&mut c.host, DEFAULT_ADMIN_ROLE, GOV)
        .unwrap());
    assert_eq!(
        c.request(ALICE, 1, GWEI_PER_BERA, U256::ZERO),
        Err(PoolError::EnforcedPause)
    );
    c.advance(c.sys.params.finalization_delay_blocks);
    assert_eq!(
        c.finalize(&[request.to::<u64>()]),
        Err(PoolError::EnforcedPause)
    );
    c.try_op(|sys, host| sys.set_vault_paused(host, &gov, false))
        .unwrap();
    c.finalize(&[request.to::<u64>()]).unwrap();
}

#[test]
fn stbera_is_a_real_erc20() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.submit(ALICE, id, b(1_000)).unwrap();
    let (alice, bob) = (Call::from(ALICE), Call::from(BOB));
    c.clear_effects();
    c.try_op(|sys, host| sys.transfer_shares(host, &alice, id, BOB, b(400)))
        .unwrap();
    assert_eq!((c.shares(id, ALICE), c.shares(id, BOB)), (b(600), b(400)));
    assert_eq!(
        c.events(),
        vec![Event::SharesTransfer {
            from: ALICE,
            to: BOB,
            value: b(400)
        }]
    );
    assert_eq!(
        c.try_op(|sys, host| sys.transfer_shares(host, &alice, id, Address::ZERO, ONE)),
        Err(PoolError::Erc20InvalidReceiver {
            receiver: Address::ZERO
        })
    );
    assert_eq!(
        c.try_op(|sys, host| sys.transfer_shares(host, &alice, id, BOB, b(601))),
        Err(PoolError::Erc20InsufficientBalance {
            sender: ALICE,
            balance: b(600),
            needed: b(601)
        })
    );
    c.try_op(|sys, host| sys.approve_shares(host, &alice, id, BOB, b(100)))
        .unwrap();
    assert_eq!(
        c.try_op(|sys, host| sys.transfer_shares_from(host, &bob, id, ALICE, BOB, b(150))),
        Err(PoolError::Erc20InsufficientAllowance {
            spender: BOB,
            allowance: b(100),
            needed: b(150)
        })
    );
    c.try_op(|sys, host| sys.transfer_shares_from(host, &bob, id, ALICE, BOB, b(100)))
        .unwrap();
    assert_eq!(
        c.sys.allowance(&mut c.host, id, ALICE, BOB).unwrap(),
        U256::ZERO
    );
    c.try_op(|sys, host| sys.approve_shares(host, &alice, id, BOB, U256::MAX))
        .unwrap();
    c.try_op(|sys, host| sys.transfer_shares_from(host, &bob, id, ALICE, BOB, b(1)))
        .unwrap();
    assert_eq!(
        c.sys.allowance(&mut c.host, id, ALICE, BOB).unwrap(),
        U256::MAX,
        "an unlimited allowance stays"
    );
    assert_eq!(
        c.try_op(|sys, host| sys.approve_shares(host, &alice, id, Address::ZERO, ONE)),
        Err(PoolError::Erc20InvalidSpender {
            spender: Address::ZERO
        })
    );
    let sum = c.shares(id, ALICE) + c.shares(id, BOB) + c.shares(id, RECIPIENT);
    assert_eq!(sum, c.pool(id).total_supply);
}

fn registration(n: u8) -> PoolRegistration {
    PoolRegistration {
        pubkey: pubkey(n).to_vec(),
        withdrawal_credentials: pool_withdrawal_credentials().to_vec(),
        signature: alloy_primitives::FixedBytes([1; 96]),
        validator_admin: OPERATOR,
        default_shares_recipient: RECIPIENT,
    }
}

#[test]
fn registration_checks_its_inputs() {
    let mut c = Chain::new();
    let deploy = |c: &mut Chain, reg: PoolRegistration, value: U256| {
        c.try_payable(OPERATOR, FACTORY, value, |sys, host, call| {
            sys.deploy_pool(host, call, &reg)
        })
    };
    let mut short = registration(1);
    short.pubkey.pop();
    assert_eq!(
        deploy(&mut c, short, b(10_000)),
        Err(PoolError::InvalidValidatorPubkeyLength)
    );
    let mut creds = registration(1);
    creds.withdrawal_credentials[31] ^= 1;
    assert_eq!(
        deploy(&mut c, creds, b(10_000)),
        Err(PoolError::InvalidWithdrawalCredentials)
    );
    assert_eq!(
        deploy(&mut c, registration(1), b(9_999)),
        Err(PoolError::InvalidFirstDepositAmount)
    );
    let mut zero = registration(1);
    zero.default_shares_recipient = Address::ZERO;
    assert_eq!(
        deploy(&mut c, zero, b(10_000)),
        Err(PoolError::InvalidAddress)
    );
    deploy(&mut c, registration(1), b(10_000)).unwrap();
    assert_eq!(
        deploy(&mut c, registration(1), b(10_000)),
        Err(PoolError::OperatorAlreadySet)
    );
    // A pubkey someone already registered directly in BeaconDeposit.
    c.host.operators.insert(pubkey(2), ALICE);
    assert_eq!(
        deploy(&mut c, registration(2), b(10_000)),
        Err(PoolError::OperatorAlreadySet)
    );
    assert_eq!(
        c.sys.pools(&mut c.host).unwrap(),
        vec![PoolId::from_pubkey(&pubkey(1))]
    );
    assert_eq!(
        c.try_op(|sys, host| sys.initialize(host, GOV)),
        Err(PoolError::InvalidInitialization)
    );
}

#[test]
fn activation_checks_the_proof_facts() {
    let mut c = Chain::new();
    c.active_pool(1);
    c.deploy(2);
    c.advance(2);
    let good = c.proof(2);
    let activate = |c: &mut Chain, p: berapool_pool_state::ProvenValidator| {
        c.try_op(|sys, host| sys.activate_staking_pool(host, &p))
    };

    let mut old = good.clone();
    old.proof_timestamp -= 601;
    assert_eq!(activate(&mut c, old), Err(PoolError::InvalidTimestamp));
    let mut future = good.clone();
    future.proof_timestamp += 1;
    assert_eq!(activate(&mut c, future), Err(PoolError::InvalidTimestamp));
    let mut creds = good.clone();
    creds.withdrawal_credentials.0[0] = 2;
    assert_eq!(
        activate(&mut c, creds),
        Err(PoolError::InvalidWithdrawalCredentials)
    );
    let mut small = good.clone();
    small.initial_deposit_gwei = 10_000 * GWEI_PER_BERA - 1;
    assert_eq!(
        activate(&mut c, small),
        Err(PoolError::InvalidInitialDepositAmount)
    );
    let mut index = good.clone();
    index.validator_index = 1 << 40;
    assert_eq!(activate(&mut c, index), Err(PoolError::IndexOutOfRange));
    let mut taken = good.clone();
    taken.validator_index = c.pool(PoolId::from_pubkey(&pubkey(1))).validator_index;
    assert_eq!(
        activate(&mut c, taken.clone()),
        Err(PoolError::ValidatorIndexTaken {
            validator_index: taken.validator_index
        })
    );
    let mut unknown = good.clone();
    unknown.pubkey = pubkey(3);
    assert_eq!(activate(&mut c, unknown), Err(PoolError::UnknownPool));
    c.host.operators.insert(pubkey(2), ALICE);
    assert_eq!(
        activate(&mut c, good.clone()),
        Err(PoolError::InvalidOperator)
    );
    c.host.operators.insert(
        pubkey(2),
        PoolId::from_pubkey(&pubkey(2)).addresses().smart_operator,
    );
    activate(&mut c, good).unwrap();
    assert_eq!(
        c.sys
            .pool(&mut c.host, PoolId::from_pubkey(&pubkey(2)))
            .unwrap()
            .total_supply,
        b(10_000)
    );
    let _ = GWEI;
}

#[test]
fn the_cap_pause_lifts_when_a_withdrawal_frees_room_and_reports_still_apply() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 10_000_000);
    assert!(c.pool(id).paused(&c.sys.params));
    assert_eq!(
        c.submit(ALICE, id, b(10_000)),
        Err(PoolError::EnforcedPause)
    );
    // At the cap the oracle still keeps the book.
    c.advance(2);
    let now = c.host.block.number;
    assert_eq!(c.report_at(1, now).unwrap().total_deposits, b(10_000_000));
    // A partial withdrawal frees room: deposits open again by themselves.
    c.advance(c.sys.params.withdrawal_cooldown_blocks);
    c.clear_effects();
    c.request(WHALE, 1, 20_000 * GWEI_PER_BERA, ONE).unwrap();
    let pool_address = id.addresses().staking_pool;
    assert!(c.host.events.contains(&(
        pool_address,
        Event::Unpaused {
            account: pool_address
        }
    )));
    assert!(!c.pool(id).paused(&c.sys.params));
    c.submit(ALICE, id, b(10_000)).unwrap();
    // An owner pause does block reports.
    c.try_op(|sys, host| sys.pause(host, &Call::from(GOV), id))
        .unwrap();
    c.advance(2);
    let now = c.host.block.number;
    assert_eq!(c.report_at(1, now), Err(PoolError::EnforcedPause));
}

#[test]
fn a_deposit_never_forgives_the_fee_owed_on_rewards() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 9_990_000);
    c.grant_fee_manager(id, OPERATOR);
    let op = Call::from(OPERATOR);
    c.try_op(|sys, host| sys.set_protocol_fee_percentage(host, &op, id, 1_000))
        .unwrap();
    c.host.mint(id.addresses().staking_rewards_vault, b(1_000));
    let supply = c.pool(id).total_supply;
    let nav = c.sys.total_assets(&mut c.host, id).unwrap();
    // All the room goes to Alice, so no rewards are collected: the 100 BERA fee is charged anyway.
    c.submit(ALICE, id, b(10_000)).unwrap();
    let fee_shares = b(100) * (supply + ONE) / (nav + ONE);
    let alice = b(10_000) * (supply + ONE) / (nav + ONE);
    assert_eq!(c.pool(id).total_supply, supply + fee_shares + alice);
    assert_eq!(c.shares(id, RECIPIENT), b(10_000) + fee_shares);
}

#[test]
fn deposits_never_pass_the_cap_and_the_minimum_is_whole_gwei() {
    let mut c = Chain::new();
    let id = c.active_pool(1);
    c.fill_to(id, 9_970_000);
    c.submit(ALICE, id, b(15_000)).unwrap(); // leaves 15,000 of room → deposited
    assert_eq!(c.pool(id).total_deposits, b(9_985_000));
    c.submit(ALICE, id, b(10_000)).unwrap(); // would leave 5,000: waits
    assert_eq!(c.pool(id).buffered_assets, b(10_000));
    // The oracle proves 9,995,000 (a 10,000 top-up by a third party): room is 5,000.
    let block = c.host.block.number;
    c.validators
        .get_mut(&pubkey(1))
        .unwrap()
        .history
        .push((block, 10_000 * GWEI_PER_BERA as i128));
    c.advance(3);
    let now = c.host.block.number;
    assert_eq!(c.report_at(1, now).unwrap().total_deposits, b(9_995_000));
    c.clear_effects();
    c.try_op(|sys, host| sys.process_rewards(host, id)).unwrap();
    assert!(
        c.host.cl_deposits.is_empty(),
        "5,000 of room is below a chunk"
    );
    assert!(c.pool(id).total_deposits <= c.sys.params.max_effective_balance);

    let op = Call::from(OPERATOR);
    assert_eq!(
        c.try_op(|sys, host| sys.set_min_effective_balance(host, &op, id, b(300_000) + ONE)),
        Err(PoolError::InvalidMinEffectiveBalance)
    );
}
