//! A test chain for the pool system: a memory host with governance and funded users, a block
//! driver that runs the per-block hook, and a consensus-layer model that turns CL deposits into
//! validator balances and EIP-7002 requests into EIP-4895 withdrawals to the vault.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;

use alloy_primitives::{Address, FixedBytes, U256};
use berapool_pool_state::{
    access::{FEEDER_ROLE, PROTOCOL_FEE_MANAGER_ROLE},
    addresses::{pool_withdrawal_credentials, WITHDRAWAL_VAULT},
    operator::operator_roles,
    oracle::oracle_roles,
    params::bera,
    Call, Event, MemoryHost, PoolError, PoolId, PoolParams, PoolRegistration, PoolSystem,
    ProvenValidator, Pubkey, VaultWithdrawal, GWEI,
};

pub const GOV: Address = Address::repeat_byte(0x90);
pub const OPERATOR: Address = Address::repeat_byte(0x0a);
pub const RECIPIENT: Address = Address::repeat_byte(0x0b);
pub const FEEDER: Address = Address::repeat_byte(0xfe);
pub const ALICE: Address = Address::repeat_byte(0xa1);
pub const BOB: Address = Address::repeat_byte(0xb0);
pub const WHALE: Address = Address::repeat_byte(0xee);

/// Seconds between blocks.
pub const BLOCK_TIME: u64 = 2;

pub fn b(n: u64) -> U256 {
    bera(n)
}

pub fn pubkey(n: u8) -> Pubkey {
    FixedBytes([n; 48])
}

/// BeaconKit before Fulu: a beacon block processes at most this many deposits.
pub const MAX_DEPOSITS_PER_BLOCK: usize = 16;

/// One validator as the consensus layer sees it.
#[derive(Clone, Debug, Default)]
pub struct Validator {
    pub index: u64,
    /// Deposits through BeaconDeposit: (deposit index, gwei), seen once processed.
    pub deposits: Vec<(u64, u64)>,
    /// Other changes, (block, signed gwei): gains are seen one block late, withdrawals at once.
    pub history: Vec<(u64, i128)>,
}

impl Validator {
    /// Balance in gwei in the beacon state whose root block `b` stores, which has processed
    /// deposits below `deposit_index` and withdrawals paid up to `b-1`.
    pub fn balance_seen_by(&self, b: u64, deposit_index: u64) -> u64 {
        let other: i128 = self
            .history
            .iter()
            .filter(|(at, change)| if *change > 0 { *at + 2 <= b } else { *at < b })
            .map(|(_, c)| c)
            .sum();
        let deposits: i128 = self
            .deposits
            .iter()
            .filter(|(index, _)| *index < deposit_index)
            .map(|(_, gwei)| i128::from(*gwei))
            .sum();
        (other + deposits) as u64
    }

    pub fn balance_now(&self) -> u64 {
        let deposits: u64 = self.deposits.iter().map(|(_, gwei)| gwei).sum();
        (self.history.iter().map(|(_, c)| c).sum::<i128>() + i128::from(deposits)) as u64
    }
}

/// A pending EIP-7002 request.
#[derive(Clone, Debug)]
pub struct PendingExit {
    pub pubkey: Pubkey,
    pub amount_gwei: u64,
    pub due_block: u64,
}

pub struct Chain {
    pub sys: PoolSystem,
    pub host: MemoryHost,
    pub validators: BTreeMap<Pubkey, Validator>,
    pub pending: Vec<PendingExit>,
    /// Blocks between an EIP-7002 request and its payout.
    pub cl_delay: u64,
    /// Full exits the CL ignored because a partial was pending.
    pub dropped_exits: usize,
    /// The block of every BeaconDeposit deposit, by deposit index.
    pub deposit_blocks: Vec<u64>,
    next_index: u64,
}

impl Chain {
    pub fn new() -> Self {
        Self::with_params(PoolParams::dev())
    }

    pub fn with_params(params: PoolParams) -> Self {
        let sys = PoolSystem::new(params);
        let mut host = MemoryHost::new();
        sys.initialize(&mut host, GOV).unwrap();
        oracle_roles()
            .grant_role(&mut host, GOV, FEEDER_ROLE, FEEDER)
            .unwrap();
        for user in [OPERATOR, ALICE, BOB, FEEDER] {
            host.mint(user, b(1_000_000));
        }
        host.mint(WHALE, b(100_000_000));
        let mut chain = Self {
            sys,
            host,
            validators: BTreeMap::new(),
            pending: Vec::new(),
            cl_delay: 10,
            dropped_exits: 0,
            deposit_blocks: Vec::new(),
            next_index: 7,
        };
        chain.sys.begin_block(&mut chain.host).unwrap();
        chain
    }

    /// A call that carries `value` from `from` to `to`, credited first as the EVM does.
    pub fn call(&mut self, from: Address, to: Address, value: U256) -> Call {
        self.host.transfer_for_test(from, to, value);
        Call::with_value(from, value)
    }

    /// Next block: the CL model processes what the last block did, then the block's hooks run.
    pub fn next_block(&mut self) {
        self.observe_cl();
        self.host.advance(1, BLOCK_TIME);
        self.sys.begin_block(&mut self.host).unwrap();
        self.pay_due_withdrawals();
    }

    pub fn advance(&mut self, blocks: u64) {
        for _ in 0..blocks {
            self.next_block();
        }
    }

    /// Moves the deposits and requests the host recorded into the CL model.
    pub fn observe_cl(&mut self) {
        let block = self.host.block.number;
        for (_, deposit) in std::mem::take(&mut self.host.cl_deposits) {
            let index = self.deposit_blocks.len() as u64;
            self.deposit_blocks.push(block);
            let v = self.validators.entry(deposit.pubkey).or_default();
            v.deposits.push((index, deposit.amount_gwei));
        }
        assert_eq!(self.deposit_blocks.len() as u64, self.host.deposit_count);
        for (_, request, _) in std::mem::take(&mut self.host.cl_withdrawal_requests) {
            // BeaconKit ignores a full exit while the validator has a partial pending.
            let partial_pending = self
                .pending
                .iter()
                .any(|p| p.pubkey == request.pubkey && p.amount_gwei > 0);
            if request.amount_gwei == 0 && partial_pending {
                self.dropped_exits += 1;
                continue;
            }
            self.pending.push(PendingExit {
                pubkey: request.pubkey,
                amount_gwei: request.amount_gwei,
                due_block: block + self.cl_delay,
            });
        }
    }

    /// `count` deposits by strangers to other validators in this block: they take their place
    /// in the consensus layer's deposit queue.
    pub fn stranger_deposits(&mut self, count: u64) {
        self.observe_cl();
        let block = self.host.block.number;
        self.host.deposit_count += count;
        self.deposit_blocks
            .extend(std::iter::repeat_n(block, count as usize));
    }

    /// The `eth1_deposit_index` of the beacon state whose root block `b` stores (beacon block
    /// `b-1`): each beacon block `n` processes up to 16 deposits made in EL blocks before `n`.
    pub fn deposit_index_seen_by(&self, b: u64) -> u64 {
        let mut processed = 0usize;
        for n in 1..b {
            let made = self.deposit_blocks.partition_point(|at| *at < n);
            processed = made.min(processed + MAX_DEPOSITS_PER_BLOCK);
        }
        processed as u64
    }

    /// Validator `n`'s balance in the beacon state whose root block `b` stores.
    pub fn balance_seen_by(&self, n: u8, b: u64) -> u64 {
        self.validators[&pubkey(n)].balance_seen_by(b, self.deposit_index_seen_by(b))
    }

    /// Lets the CL model see what happened, then forgets the recorded events and effects.
    pub fn clear_effects(&mut self) {
        self.observe_cl();
        self.host.clear_effects();
    }

    /// Pays due requests as EIP-4895 withdrawals to the vault in the current block.
    pub fn pay_due_withdrawals(&mut self) {
        let block = self.host.block.number;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.due_block <= block);
        self.pending = later;
        let mut paid = Vec::new();
        // The beacon state of this block has processed only the deposits below this index:
        // the CL pays from that balance, never from deposits still in its queue.
        let processed = self.deposit_index_seen_by(block + 1);
        for p in due {
            let v = self.validators.get_mut(&p.pubkey).expect("known validator");
            let balance = v.balance_seen_by(block + 1, processed);
            let amount = if p.amount_gwei == 0 {
                balance
            } else {
                p.amount_gwei.min(balance)
            };
            if p.amount_gwei == 0 && v.balance_now() > amount {
                // Deposits still queued reach an exited validator later; the sweep pays them.
                self.pending.push(PendingExit {
                    due_block: block + 1,
                    ..p.clone()
                });
            }
            if amount == 0 {
                continue;
            }
            v.history.push((block, -(amount as i128)));
            paid.push(VaultWithdrawal {
                validator_index: v.index,
                amount_gwei: amount,
            });
        }
        self.pay(&paid);
    }

    /// Credits `withdrawals` to the vault in this block, as the node does.
    pub fn pay(&mut self, withdrawals: &[VaultWithdrawal]) {
        for w in withdrawals {
            self.host
                .mint(WITHDRAWAL_VAULT, U256::from(w.amount_gwei) * GWEI);
        }
        self.sys
            .credit_consensus_withdrawals(&mut self.host, withdrawals)
            .unwrap();
    }

    /// Registers a pool for validator `n` with `OPERATOR` as validator admin.
    pub fn deploy(&mut self, n: u8) -> PoolId {
        let reg = PoolRegistration {
            pubkey: pubkey(n).to_vec(),
            withdrawal_credentials: pool_withdrawal_credentials().to_vec(),
            signature: FixedBytes([7; 96]),
            validator_admin: OPERATOR,
            default_shares_recipient: RECIPIENT,
        };
        let call = self.call(OPERATOR, berapool_pool_state::addresses::FACTORY, b(10_000));
        self.sys.deploy_pool(&mut self.host, &call, &reg).unwrap();
        PoolId::from_pubkey(&pubkey(n))
    }

    /// A proof of validator `n` against the root stored by the current block.
    pub fn proof(&mut self, n: u8) -> ProvenValidator {
        let block = self.host.block.number;
        let index = match self.validators.get(&pubkey(n)) {
            Some(v) if v.index != 0 => v.index,
            _ => {
                self.next_index += 1;
                self.next_index
            }
        };
        self.observe_cl();
        let seen = self.deposit_index_seen_by(block);
        let v = self.validators.entry(pubkey(n)).or_default();
        v.index = index;
        ProvenValidator {
            pubkey: pubkey(n),
            withdrawal_credentials: pool_withdrawal_credentials(),
            initial_deposit_gwei: v.balance_seen_by(block, seen),
            validator_index: index,
            proof_timestamp: self.host.block.timestamp,
        }
    }

    /// Deploys and activates a pool for validator `n`.
    pub fn active_pool(&mut self, n: u8) -> PoolId {
        let id = self.deploy(n);
        self.advance(2);
        let proof = self.proof(n);
        self.sys
            .activate_staking_pool(&mut self.host, &proof)
            .unwrap();
        id
    }

    /// Runs `op`; on error asserts that it changed nothing at all (state, balances, events).
    pub fn try_op<T>(
        &mut self,
        op: impl FnOnce(&PoolSystem, &mut MemoryHost) -> Result<T, PoolError>,
    ) -> Result<T, PoolError> {
        let before = self.host.clone();
        let result = op(&self.sys, &mut self.host);
        if result.is_err() {
            assert_eq!(
                self.host, before,
                "an operation that fails must change nothing"
            );
        }
        result
    }

    /// Runs a payable `op` from `from` to `to` with `value`; on error the value goes back, as
    /// the EVM reverts the whole call.
    pub fn try_payable<T>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        op: impl FnOnce(&PoolSystem, &mut MemoryHost, &Call) -> Result<T, PoolError>,
    ) -> Result<T, PoolError> {
        let call = self.call(from, to, value);
        let result = self.try_op(|sys, host| op(sys, host, &call));
        if result.is_err() {
            self.host.transfer_for_test(to, from, value);
        }
        result
    }

    pub fn submit(&mut self, from: Address, id: PoolId, value: U256) -> Result<U256, PoolError> {
        self.try_payable(
            from,
            id.addresses().staking_pool,
            value,
            |sys, host, call| sys.submit(host, call, id, from),
        )
    }

    /// `requestWithdrawal` with `fee` as both `msg.value` and `maxFeeToPay`.
    pub fn request(
        &mut self,
        from: Address,
        n: u8,
        gwei: u64,
        fee: U256,
    ) -> Result<U256, PoolError> {
        self.request_with(from, n, gwei, fee, fee)
    }

    pub fn request_with(
        &mut self,
        from: Address,
        n: u8,
        gwei: u64,
        value: U256,
        max_fee: U256,
    ) -> Result<U256, PoolError> {
        let key = pubkey(n);
        self.try_payable(from, WITHDRAWAL_VAULT, value, |sys, host, call| {
            sys.request_withdrawal(host, call, &key, gwei, max_fee)
        })
    }

    pub fn finalize(&mut self, ids: &[u64]) -> Result<(), PoolError> {
        let ids: Vec<U256> = ids.iter().map(|i| U256::from(*i)).collect();
        self.try_op(|sys, host| sys.finalize_withdrawal_requests(host, &ids))
    }

    /// Reports validator `n`'s balance and the deposit index as seen by the root stored at
    /// block `at` (`updateTotalDepositsWithDepositIndex`).
    pub fn report_at(
        &mut self,
        n: u8,
        at: u64,
    ) -> Result<berapool_pool_state::oracle::Reconciliation, PoolError> {
        self.observe_cl();
        let index = self.deposit_index_seen_by(at);
        self.report_with(n, at, Some(index))
    }

    /// The official report of validator `n`'s balance as seen at `at`, without a deposit index.
    pub fn official_report_at(
        &mut self,
        n: u8,
        at: u64,
    ) -> Result<berapool_pool_state::oracle::Reconciliation, PoolError> {
        self.observe_cl();
        self.report_with(n, at, None)
    }

    fn report_with(
        &mut self,
        n: u8,
        at: u64,
        deposit_index: Option<u64>,
    ) -> Result<berapool_pool_state::oracle::Reconciliation, PoolError> {
        let balance = self.balance_seen_by(n, at);
        let timestamp = self.timestamp_of(at);
        self.try_op(|sys, host| {
            sys.update_total_deposits(
                host,
                &Call::from(FEEDER),
                &pubkey(n),
                balance,
                timestamp,
                deposit_index,
            )
        })
    }

    /// Brings pool `n` (active, 10,000 BERA on the CL) to `total` BERA on the CL through one
    /// deposit by the whale; returns the block of that deposit.
    pub fn fill_to(&mut self, id: PoolId, total: u64) -> u64 {
        let on_cl = self.pool(id).total_deposits;
        let value = b(total) - on_cl;
        self.submit(WHALE, id, value).unwrap();
        assert_eq!(self.pool(id).total_deposits, b(total));
        self.host.block.number
    }

    pub fn timestamp_of(&self, block: u64) -> u64 {
        self.host.block.timestamp - (self.host.block.number - block) * BLOCK_TIME
    }

    pub fn grant_fee_manager(&mut self, id: PoolId, who: Address) {
        operator_roles(id)
            .grant_role(&mut self.host, OPERATOR, PROTOCOL_FEE_MANAGER_ROLE, who)
            .unwrap();
    }

    pub fn shares(&mut self, id: PoolId, who: Address) -> U256 {
        berapool_pool_state::token::balance_of(&mut self.host, id, who).unwrap()
    }

    pub fn pool(&mut self, id: PoolId) -> berapool_pool_state::PoolRecord {
        self.sys.pool(&mut self.host, id).unwrap()
    }

    pub fn balance(&self, who: Address) -> U256 {
        self.host.balance_of(who)
    }

    /// Events emitted since the last clear, without emitters.
    pub fn events(&self) -> Vec<Event> {
        self.host.events.iter().map(|(_, e)| e.clone()).collect()
    }
}

/// Test-only helpers on the memory host.
pub trait TestHost {
    fn transfer_for_test(&mut self, from: Address, to: Address, value: U256);
}

impl TestHost for MemoryHost {
    fn transfer_for_test(&mut self, from: Address, to: Address, value: U256) {
        use berapool_pool_state::Storage;
        self.transfer(from, to, value).expect("funded test account");
    }
}
