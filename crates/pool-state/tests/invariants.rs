//! Property tests: random sequences of deposits, share transfers, rewards (to the rewards vault
//! and, as PoL Next's base rate, WBERA to the SmartOperator), fee changes, oracle
//! reports, withdrawal requests, finalizations and time, across two pools, against a
//! consensus-layer model. After every step:
//! (a) BERA is conserved to the wei: what users and rewards put in is on the CL, buffered, in the
//!     vaults, held as WBERA by a SmartOperator, or paid as EIP-7002 fees; WBERA's account holds
//!     exactly the WBERA the SmartOperators hold; each pool holds exactly its buffer; the withdrawal vault
//!     holds exactly what its per-pool ledgers say;
//! (b) the shares of all holders sum to the supply;
//! (c) no request is paid twice, a payment goes to its requester, and finalizing touches only the
//!     request's own pool's money;
//! (d) the share price never falls, and an oracle report (the model's CL has no gains or losses)
//!     leaves `totalDeposits` exactly where the book had it, whatever was in flight (strangers
//!     may flood BeaconDeposit so the CL processes a pool's deposit late), less the surplus it
//!     returns to the buffer; official reports without a deposit index are refused, not wrong;
//! (e) nothing panics or overflows, and an operation that fails changes nothing (`Chain::try_op`);
//! (f) no request is stranded: the model's CL may drop partial withdrawal requests (as BeaconKit
//!     does for a validator that is not active), and still, once time passes and anyone retries
//!     what is overdue, every request is paid.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use alloy_primitives::{Address, U256, U512};
use berapool_pool_state::{
    addresses::{EIP7002_PREDEPLOY, WBERA, WITHDRAWAL_VAULT},
    Call, Event, PoolId, PoolParams, SharePrice, Storage,
};
use common::*;
use proptest::{prelude::*, test_runner::TestRunner};
use std::cell::RefCell;

const USERS: [Address; 3] = [ALICE, BOB, WHALE];
const HOLDERS: [Address; 4] = [ALICE, BOB, WHALE, RECIPIENT];

#[derive(Clone, Debug)]
enum Op {
    Submit {
        user: usize,
        pool: usize,
        wei: U256,
    },
    Transfer {
        from: usize,
        to: usize,
        pool: usize,
        percent: u8,
    },
    Reward {
        pool: usize,
        wei: U256,
    },
    /// The pool's validator earns the PoL base rate: WBERA lands on its SmartOperator.
    WberaReward {
        pool: usize,
        wei: U256,
    },
    ProcessRewards {
        pool: usize,
    },
    SetFee {
        pool: usize,
        bps: u64,
    },
    Report {
        pool: usize,
        back: u64,
        official: bool,
    },
    /// Strangers flood BeaconDeposit, delaying the CL's processing of later deposits.
    StrangerDeposits {
        count: u64,
    },
    Withdraw {
        user: usize,
        pool: usize,
        gwei: u64,
        fee: u64,
    },
    Redeem {
        user: usize,
        pool: usize,
        percent: u8,
    },
    Finalize {
        picks: Vec<usize>,
    },
    RetryExit {
        pool: usize,
    },
    /// The CL drops the partial withdrawal requests it holds for the pool's validator.
    ClDrops {
        pool: usize,
    },
    RetryPartial {
        pool: usize,
    },
    Advance {
        blocks: u64,
    },
    /// Someone buys the pool's incentive tokens: the IncentiveCollector's `claim`, BERA side.
    Auction {
        user: usize,
        pool: usize,
    },
}

fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        (1u64..1_000_000).prop_map(U256::from),
        (1u64..400_000).prop_map(b),
        (1u64..400_000, 1u64..1_000_000_000).prop_map(|(x, y)| b(x) + U256::from(y)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..2usize, amount()).prop_map(|(user, pool, wei)| Op::Submit { user, pool, wei }),
        // Below the 10,000 BERA a CL deposit needs: the buffer keeps it.
        2 => (0..3usize, 0..2usize, 1u64..10_000).prop_map(|(user, pool, bera)| Op::Submit { user, pool, wei: b(bera) }),
        1 => (0..3usize, 0..3usize, 0..2usize, 0u8..=100).prop_map(|(from, to, pool, percent)| Op::Transfer { from, to, pool, percent }),
        2 => (0..2usize, amount()).prop_map(|(pool, wei)| Op::Reward { pool, wei }),
        2 => (0..2usize, amount()).prop_map(|(pool, wei)| Op::WberaReward { pool, wei }),
        1 => (0..2usize).prop_map(|pool| Op::ProcessRewards { pool }),
        1 => (0..2usize, 0u64..2_500).prop_map(|(pool, bps)| Op::SetFee { pool, bps }),
        2 => (0..2usize, 0u64..6, any::<bool>()).prop_map(|(pool, back, official)| Op::Report { pool, back, official }),
        1 => (1u64..400).prop_map(|count| Op::StrangerDeposits { count }),
        3 => (0..3usize, 0..2usize, 1u64..120_000_000_000_000, 0u64..3).prop_map(|(user, pool, gwei, fee)| Op::Withdraw { user, pool, gwei, fee }),
        2 => (0..3usize, 0..2usize, 1u8..=100).prop_map(|(user, pool, percent)| Op::Redeem { user, pool, percent }),
        2 => prop::collection::vec(0usize..64, 1..4).prop_map(|picks| Op::Finalize { picks }),
        3 => (1u64..30).prop_map(|blocks| Op::Advance { blocks }),
        1 => (0..2usize).prop_map(|pool| Op::RetryExit { pool }),
        2 => (0..2usize).prop_map(|pool| Op::ClDrops { pool }),
        1 => (0..2usize).prop_map(|pool| Op::RetryPartial { pool }),
        1 => (0..3usize, 0..2usize).prop_map(|(user, pool)| Op::Auction { user, pool }),
    ]
}

/// A request the test made, and whether it was paid.
#[derive(Clone, Debug)]
struct Made {
    id: U256,
    user: Address,
    pool: PoolId,
    assets: U256,
    paid: bool,
}

struct World {
    c: Chain,
    pools: [PoolId; 2],
    put_in: U256,
    initial: Vec<(Address, U256)>,
    requests: Vec<Made>,
    reports: usize,
    after_exit: usize,
    short_circuit: usize,
    retries: usize,
    partial_retries: usize,
    overdue_settled: usize,
}

impl World {
    fn new() -> Self {
        let params = PoolParams {
            withdrawal_cooldown_blocks: 5,
            finalization_delay_blocks: 20,
            withdrawal_flight_blocks: 10,
            ..PoolParams::dev()
        };
        let mut c = Chain::with_params(params);
        c.sys.native_wbera = true;
        c.cl_delay = 8;
        let initial: Vec<(Address, U256)> = [OPERATOR, ALICE, BOB, WHALE, FEEDER, RECIPIENT]
            .iter()
            .map(|a| (*a, c.balance(*a)))
            .collect();
        let pools = [c.active_pool(1), c.active_pool(2)];
        for id in pools {
            c.grant_fee_manager(id, OPERATOR);
        }
        Self {
            c,
            pools,
            put_in: U256::ZERO,
            initial,
            requests: Vec::new(),
            reports: 0,
            after_exit: 0,
            short_circuit: 0,
            retries: 0,
            partial_retries: 0,
            overdue_settled: 0,
        }
    }

    fn buffers(&mut self) -> Vec<U256> {
        self.pools
            .clone()
            .iter()
            .map(|id| self.c.pool(*id).buffered_assets)
            .collect()
    }

    fn price(&mut self, id: PoolId) -> SharePrice {
        self.c.sys.share_price(&mut self.c.host, id).unwrap()
    }

    fn apply(&mut self, op: &Op) {
        let before: Vec<(SharePrice, U256, U256)> = self
            .pools
            .iter()
            .map(|id| {
                let p = self.c.sys.share_price(&mut self.c.host, *id).unwrap();
                let surplus = self.c.sys.ledger(&mut self.c.host, *id).unwrap().cl_surplus;
                (p, self.c.pool(*id).total_deposits, surplus)
            })
            .collect();
        let mut is_report = None;
        match op.clone() {
            Op::Submit { user, pool, wei } => {
                // A sender cannot send more than it has: the chain refuses such a transaction.
                let wei = wei.min(self.c.balance(USERS[user]));
                let _ = self.c.submit(USERS[user], self.pools[pool], wei);
            }
            Op::Transfer {
                from,
                to,
                pool,
                percent,
            } => {
                let id = self.pools[pool];
                let value = self.c.shares(id, USERS[from]) * U256::from(percent) / U256::from(100);
                let call = Call::from(USERS[from]);
                let _ = self
                    .c
                    .try_op(|sys, host| sys.transfer_shares(host, &call, id, USERS[to], value));
            }
            Op::Reward { pool, wei } => {
                self.c
                    .host
                    .mint(self.pools[pool].addresses().staking_rewards_vault, wei);
                self.put_in += wei;
            }
            Op::WberaReward { pool, wei } => {
                // What WBERA's `deposit` and `transfer` to the SmartOperator leave behind.
                let operator = self.pools[pool].addresses().smart_operator;
                let slot = berapool_pool_state::layout::wbera_balance_slot(operator);
                let held = self.c.host.sload(WBERA, slot).unwrap();
                self.c.host.sstore(WBERA, slot, held + wei).unwrap();
                self.c.host.mint(WBERA, wei);
                self.put_in += wei;
            }
            Op::ProcessRewards { pool } => {
                let id = self.pools[pool];
                let _ = self.c.try_op(|sys, host| sys.process_rewards(host, id));
            }
            Op::Auction { user, pool } => {
                let id = self.pools[pool];
                let payout = self
                    .c
                    .sys
                    .incentive_state(&mut self.c.host, id)
                    .unwrap()
                    .payout_amount;
                if self.c.balance(USERS[user]) >= payout {
                    let collector = id.addresses().incentive_collector;
                    let _ =
                        self.c
                            .try_payable(USERS[user], collector, payout, |sys, host, call| {
                                let claim = sys.begin_incentive_claim(host, call, id)?;
                                sys.settle_incentive_claim(host, call, id, &claim)
                            });
                    assert!(
                        self.c.balance(collector).is_zero(),
                        "the collector keeps no BERA"
                    );
                }
            }
            Op::SetFee { pool, bps } => {
                let id = self.pools[pool];
                let _ = self.c.try_op(|sys, host| {
                    sys.set_protocol_fee_percentage(host, &Call::from(OPERATOR), id, bps)
                });
            }
            Op::StrangerDeposits { count } => self.c.stranger_deposits(count),
            Op::Report {
                pool,
                back,
                official,
            } => {
                let at = self.c.host.block.number.saturating_sub(back).max(1);
                let n = pool as u8 + 1;
                let report = if official {
                    self.c.official_report_at(n, at)
                } else {
                    self.c.report_at(n, at)
                };
                if let Ok(r) = report {
                    self.reports += 1;
                    is_report = Some((pool, r));
                }
            }
            Op::Withdraw {
                user,
                pool,
                gwei,
                fee,
            } => {
                let id = self.pools[pool];
                let fee = U256::from(fee).min(self.c.balance(USERS[user]));
                let state = self.c.pool(id);
                if let Ok(rid) = self.c.request(USERS[user], pool as u8 + 1, gwei, fee) {
                    if state.is_fully_exited() {
                        self.after_exit += 1;
                    } else if !state.active_threshold_reached() {
                        self.short_circuit += 1;
                    }
                    let assets = self
                        .c
                        .sys
                        .withdrawal_request(&mut self.c.host, rid)
                        .unwrap()
                        .unwrap()
                        .assets_requested;
                    self.requests.push(Made {
                        id: rid,
                        user: USERS[user],
                        pool: id,
                        assets,
                        paid: false,
                    });
                }
            }
            Op::Redeem {
                user,
                pool,
                percent,
            } => {
                let id = self.pools[pool];
                let shares = self.c.shares(id, USERS[user]) * U256::from(percent) / U256::from(100);
                let key = pubkey(pool as u8 + 1);
                let fee = U256::from(1).min(self.c.balance(USERS[user]));
                let result =
                    self.c
                        .try_payable(USERS[user], WITHDRAWAL_VAULT, fee, |sys, host, call| {
                            sys.request_redeem(host, call, &key, shares, U256::from(1))
                        });
                if let Ok(rid) = result {
                    let r = self
                        .c
                        .sys
                        .withdrawal_request(&mut self.c.host, rid)
                        .unwrap()
                        .unwrap();
                    assert!(
                        r.shares_burnt <= shares,
                        "redeem never burns more than asked"
                    );
                    self.requests.push(Made {
                        id: rid,
                        user: USERS[user],
                        pool: id,
                        assets: r.assets_requested,
                        paid: false,
                    });
                }
            }
            Op::Finalize { picks } => {
                // Finalizing takes from a buffer only to settle overdue partials.
                let buffers = self.buffers();
                self.finalize(&picks);
                if self.buffers().iter().zip(&buffers).any(|(a, b)| a < b) {
                    self.overdue_settled += 1;
                }
            }
            Op::RetryExit { pool } => {
                let key = pubkey(pool as u8 + 1);
                // Anyone may retry; the feeder never spends its BERA otherwise.
                let fee = U256::from(1).min(self.c.balance(FEEDER));
                let retried =
                    self.c
                        .try_payable(FEEDER, WITHDRAWAL_VAULT, fee, |sys, host, call| {
                            sys.retry_full_exit(host, call, &key, U256::from(1))
                        });
                if retried.is_ok() {
                    self.retries += 1;
                }
            }
            Op::ClDrops { pool } => {
                let key = pubkey(pool as u8 + 1);
                self.c.observe_cl();
                self.c
                    .pending
                    .retain(|p| p.pubkey != key || p.amount_gwei == 0);
            }
            Op::RetryPartial { pool } => {
                let buffers = self.buffers();
                if self.retry_partial(pool) {
                    self.partial_retries += 1;
                }
                if self.buffers().iter().zip(&buffers).any(|(a, b)| a < b) {
                    self.overdue_settled += 1;
                }
            }
            Op::Advance { blocks } => self.c.advance(blocks),
        }
        self.check(op, &before, is_report);
    }

    fn retry_partial(&mut self, pool: usize) -> bool {
        let key = pubkey(pool as u8 + 1);
        let fee = U256::from(1).min(self.c.balance(FEEDER));
        self.c
            .try_payable(FEEDER, WITHDRAWAL_VAULT, fee, |sys, host, call| {
                sys.retry_partial_withdrawal(host, call, &key, U256::from(1))
            })
            .is_ok()
    }

    fn finalize(&mut self, picks: &[usize]) {
        if self.requests.is_empty() {
            return;
        }
        let chosen: Vec<usize> = picks.iter().map(|p| p % self.requests.len()).collect();
        let ids: Vec<U256> = chosen.iter().map(|i| self.requests[*i].id).collect();
        let ledgers: Vec<_> = self
            .pools
            .iter()
            .map(|id| self.c.sys.ledger(&mut self.c.host, *id).unwrap())
            .collect();
        let balances: Vec<U256> = USERS.iter().map(|u| self.c.balance(*u)).collect();
        let buffers = self.buffers();
        if self
            .c
            .try_op(|sys, host| sys.finalize_withdrawal_requests(host, &ids))
            .is_err()
        {
            return;
        }
        // (c) Paid once, to the requester, out of its own pool's money only.
        let distinct: BTreeSet<usize> = chosen.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            chosen.len(),
            "a batch with a repeated id must fail"
        );
        let mut owed = [U256::ZERO; 2];
        let mut credited = [U256::ZERO; 3];
        for i in &chosen {
            let r = &mut self.requests[*i];
            assert!(!r.paid, "request {} paid twice", r.id);
            r.paid = true;
            owed[self.pools.iter().position(|p| *p == r.pool).unwrap()] += r.assets;
            credited[USERS.iter().position(|u| *u == r.user).unwrap()] += r.assets;
        }
        let buffers_after = self.buffers();
        for (k, id) in self.pools.iter().enumerate() {
            let after = self.c.sys.ledger(&mut self.c.host, *id).unwrap();
            // Overdue partials are settled from the pool's own buffer first.
            let from_buffer = buffers[k] - buffers_after[k];
            assert_eq!(
                after.claimable + owed[k],
                ledgers[k].claimable + from_buffer,
                "finalizing took another pool's money"
            );
        }
        for (k, u) in USERS.iter().enumerate() {
            assert_eq!(self.c.balance(*u), balances[k] + credited[k]);
        }
    }

    fn check(
        &mut self,
        op: &Op,
        before: &[(SharePrice, U256, U256)],
        report: Option<(usize, berapool_pool_state::oracle::Reconciliation)>,
    ) {
        self.c.observe_cl();
        let mut cl_total = U256::ZERO;
        let mut in_pools = U256::ZERO;
        let mut ledgers = U256::ZERO;
        for (k, id) in self.pools.clone().iter().enumerate() {
            let pool = self.c.pool(*id);
            // (a) The pool's balance is its buffer; the CL holds what the book says.
            assert_eq!(
                self.c.balance(id.addresses().staking_pool),
                pool.buffered_assets,
                "pool {k} balance vs buffer"
            );
            let on_cl = U256::from(self.c.validators[&pubkey(k as u8 + 1)].balance_now())
                * berapool_pool_state::GWEI;
            let ledger = self.c.sys.ledger(&mut self.c.host, *id).unwrap();
            if !pool.is_fully_exited() {
                // CL money paid after its partial was settled from the buffer is surplus until
                // the next report.
                assert_eq!(
                    pool.total_deposits + pool.pending_partial_withdrawals,
                    on_cl + ledger.cl_surplus,
                    "pool {k}: book vs CL"
                );
            }
            cl_total += on_cl;
            let operator = id.addresses().smart_operator;
            let wbera = self
                .c
                .host
                .sload(
                    WBERA,
                    berapool_pool_state::layout::wbera_balance_slot(operator),
                )
                .unwrap();
            // (Swept at the full exit; WBERA arriving later stays on the SmartOperator, as
            // the audit's I-6 accepts, and is still counted here.)
            in_pools +=
                pool.buffered_assets + self.c.balance(id.addresses().staking_rewards_vault) + wbera;
            ledgers += ledger.claimable + ledger.cl_surplus;
            // (b) Shares sum to the supply.
            let held: U256 = HOLDERS
                .iter()
                .map(|h| self.c.shares(*id, *h))
                .fold(U256::ZERO, |a, s| a + s);
            assert_eq!(held, pool.total_supply, "pool {k}: holders vs supply");
            if !pool.is_fully_exited() {
                assert!(
                    pool.total_supply >= pool.supply_floor,
                    "pool {k}: supply below the floor"
                );
            }
            // (d) The price never falls; a report leaves the book where it was.
            let after = self.price(*id);
            let (p0, td0, surplus0) = before[k];
            let lhs =
                U512::from(p0.assets + U256::from(1)) * U512::from(after.supply + U256::from(1));
            let rhs =
                U512::from(after.assets + U256::from(1)) * U512::from(p0.supply + U256::from(1));
            assert!(
                lhs <= rhs,
                "pool {k}: share price fell on {op:?}: {p0:?} -> {after:?}"
            );
            if let Some((rk, r)) = &report {
                if *rk == k {
                    assert_eq!(
                        // Surplus (CL money paid after its partial was settled from the
                        // buffer) has left the CL and returns to the buffer instead.
                        r.total_deposits + surplus0,
                        td0,
                        "pool {k}: report moved the book: {r:?}"
                    );
                }
            }
        }
        let vault = self.c.balance(WITHDRAWAL_VAULT);
        let unattributed = self
            .c
            .sys
            .unattributed_withdrawals(&mut self.c.host)
            .unwrap();
        assert_eq!(
            vault,
            ledgers + unattributed,
            "vault balance vs its ledgers"
        );

        // (a) Conservation: users' net outflow plus rewards = CL + pools + vaults + fees.
        let mut users_out = U256::ZERO;
        let mut users_in = U256::ZERO;
        for (who, start) in &self.initial {
            let now = self.c.balance(*who);
            if now < *start {
                users_out += *start - now
            } else {
                users_in += now - *start
            }
        }
        // WBERA's account holds exactly the WBERA the SmartOperators hold.
        let wbera_total: U256 = self
            .pools
            .iter()
            .map(|id| {
                let slot =
                    berapool_pool_state::layout::wbera_balance_slot(id.addresses().smart_operator);
                self.c.host.sload(WBERA, slot).unwrap()
            })
            .fold(U256::ZERO, |a, b| a + b);
        assert_eq!(
            self.c.balance(WBERA),
            wbera_total,
            "WBERA's BERA vs its balances"
        );
        let held = cl_total + in_pools + vault + self.c.balance(EIP7002_PREDEPLOY);
        assert_eq!(
            users_out + self.put_in,
            held + users_in,
            "BERA not conserved after {op:?}"
        );
    }
}

/// How often each path was reached over all cases: the test fails if one never was, so it
/// cannot pass by exercising nothing.
#[derive(Debug, Default)]
struct Coverage {
    threshold: usize,
    partial: usize,
    full_exit: usize,
    after_exit: usize,
    short_circuit: usize,
    finalized: usize,
    reports: usize,
    retries: usize,
    overdue_settled: usize,
    partial_retries: usize,
    auctions: usize,
    wbera_collected: usize,
    wbera_swept: usize,
}

impl Coverage {
    fn count(&mut self, world: &World) {
        for (_, e) in &world.c.host.events {
            match e {
                Event::ActiveThresholdReached => self.threshold += 1,
                Event::ElWithdrawalTriggered { amount: 0, .. } => self.full_exit += 1,
                Event::ElWithdrawalTriggered { .. } => self.partial += 1,
                Event::WithdrawalRequestFinalized { .. } => self.finalized += 1,
                Event::IncentiveTokensClaimed { .. } => self.auctions += 1,
                Event::WberaDepositedToPool { .. } => self.wbera_collected += 1,
                Event::WberaSentToWithdrawalVault { .. } => self.wbera_swept += 1,
                _ => {}
            }
        }
        self.reports += world.reports;
        self.after_exit += world.after_exit;
        self.short_circuit += world.short_circuit;
        self.retries += world.retries;
        self.partial_retries += world.partial_retries;
        self.overdue_settled += world.overdue_settled;
    }
}

#[test]
fn invariants_hold_over_random_sequences() {
    let config = ProptestConfig {
        cases: 256,
        max_shrink_iters: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let coverage = RefCell::new(Coverage::default());
    let result = runner.run(&prop::collection::vec(op(), 1..80), |ops| {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
        }
        // (f) Let everything settle: time passes, anyone retries what is overdue, the CL pays;
        // then every request is paid.
        for _ in 0..4 {
            world.c.advance(60);
            for pool in 0..2 {
                world.apply(&Op::RetryExit { pool });
                world.apply(&Op::RetryPartial { pool });
            }
            world.c.advance(60);
            let open: Vec<usize> = (0..world.requests.len())
                .filter(|i| !world.requests[*i].paid)
                .collect();
            for i in open {
                world.apply(&Op::Finalize { picks: vec![i] });
            }
        }
        let stranded: Vec<&Made> = world.requests.iter().filter(|r| !r.paid).collect();
        prop_assert!(stranded.is_empty(), "requests never paid: {stranded:?}");
        coverage.borrow_mut().count(&world);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let c = coverage.into_inner();
    println!("paths reached over all cases: {c:?}");
    for (name, n) in [
        ("threshold", c.threshold),
        ("partial", c.partial),
        ("full exit", c.full_exit),
        ("after exit", c.after_exit),
        ("short-circuit", c.short_circuit),
        ("finalized", c.finalized),
        ("reports", c.reports),
        ("retried exits", c.retries),
        (
            "overdue partials settled from the buffer",
            c.overdue_settled,
        ),
        ("retried partials", c.partial_retries),
        ("incentive auctions", c.auctions),
        ("WBERA collected into a pool", c.wbera_collected),
        ("WBERA swept at a full exit", c.wbera_swept),
    ] {
        assert!(n > 0, "no case reached the {name} path: {c:?}");
    }
}
