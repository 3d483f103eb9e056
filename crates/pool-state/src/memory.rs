//! An in-memory [`Host`]: storage and balances in maps, effects recorded in order. Tests and
//! benchmarks run the pool rules on it; it plays BeaconDeposit's operator rule and burns deposits
//! to the zero address as the real contract does, and keeps EIP-7002 fees at the predeploy.

use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};

use crate::{
    addresses::{Pubkey, BEACON_DEPOSIT, EIP7002_PREDEPLOY},
    events::Event,
    host::{BlockEnv, ClDeposit, ClWithdrawalRequest, Host, HostError, Storage},
    params::GWEI,
};

/// Maps for storage and balances, plus everything the pool system handed to the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryHost {
    /// Slot storage; a zero value is never stored, so equal states compare equal.
    pub storage: BTreeMap<(Address, U256), U256>,
    /// Native balances; zero balances are never stored.
    pub balances: BTreeMap<Address, U256>,
    /// The current block.
    pub block: BlockEnv,
    /// Events, in emission order, with their emitter.
    pub events: Vec<(Address, Event)>,
    /// Deposits made to the consensus layer, with the account that paid them.
    pub cl_deposits: Vec<(Address, ClDeposit)>,
    /// BeaconDeposit's `depositCount`: the index of the next deposit, whoever makes it.
    pub deposit_count: u64,
    /// EIP-7002 requests, with the account that sent them and the fee paid.
    pub cl_withdrawal_requests: Vec<(Address, ClWithdrawalRequest, U256)>,
    /// BeaconDeposit's operator registry.
    pub operators: BTreeMap<Pubkey, Address>,
    /// The EIP-7002 fee quoted; `None` plays a predeploy that refuses.
    pub withdrawal_fee: Option<U256>,
}

impl Default for MemoryHost {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryHost {
    /// An empty chain at block 1, timestamp 1,000,000, with the EIP-7002 minimum fee of 1 wei.
    pub fn new() -> Self {
        Self {
            storage: BTreeMap::new(),
            balances: BTreeMap::new(),
            block: BlockEnv {
                number: 1,
                timestamp: 1_000_000,
            },
            events: Vec::new(),
            cl_deposits: Vec::new(),
            deposit_count: 0,
            cl_withdrawal_requests: Vec::new(),
            operators: BTreeMap::new(),
            withdrawal_fee: Some(U256::from(1u8)),
        }
    }

    /// Creates `amount` wei at `account` (genesis funding, EL rewards, CL withdrawals).
    pub fn mint(&mut self, account: Address, amount: U256) {
        let balance = self.balance_of(account) + amount;
        self.set_balance(account, balance);
    }

    /// The balance of `account`, without the `Result` of [`Storage::balance`].
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(&account).copied().unwrap_or_default()
    }

    fn set_balance(&mut self, account: Address, balance: U256) {
        if balance.is_zero() {
            self.balances.remove(&account);
        } else {
            self.balances.insert(account, balance);
        }
    }

    /// Moves to the next block, `seconds` later.
    pub fn advance(&mut self, blocks: u64, seconds: u64) {
        self.block.number += blocks;
        self.block.timestamp += seconds;
    }

    /// Forgets the recorded events and effects (state stays).
    pub fn clear_effects(&mut self) {
        self.events.clear();
        self.cl_deposits.clear();
        self.cl_withdrawal_requests.clear();
    }
}

impl Storage for MemoryHost {
    fn sload(&mut self, account: Address, slot: U256) -> Result<U256, HostError> {
        Ok(self
            .storage
            .get(&(account, slot))
            .copied()
            .unwrap_or_default())
    }

    fn sstore(&mut self, account: Address, slot: U256, value: U256) -> Result<(), HostError> {
        if value.is_zero() {
            self.storage.remove(&(account, slot));
        } else {
            self.storage.insert((account, slot), value);
        }
        Ok(())
    }

    fn balance(&mut self, account: Address) -> Result<U256, HostError> {
        Ok(self.balance_of(account))
    }

    fn transfer(&mut self, from: Address, to: Address, amount: U256) -> Result<(), HostError> {
        let balance = self.balance_of(from);
        if balance < amount {
            return Err(HostError::InsufficientBalance {
                account: from,
                balance,
                needed: amount,
            });
        }
        if from != to {
            self.set_balance(from, balance - amount);
            let to_balance = self.balance_of(to) + amount;
            self.set_balance(to, to_balance);
        }
        Ok(())
    }
}

impl Host for MemoryHost {
    fn block(&self) -> BlockEnv {
        self.block
    }

    fn emit(&mut self, emitter: Address, event: Event) -> Result<(), HostError> {
        self.events.push((emitter, event));
        Ok(())
    }

    fn wbera_balance(&mut self, owner: Address) -> Result<U256, HostError> {
        self.sload(
            crate::addresses::WBERA,
            crate::layout::wbera_balance_slot(owner),
        )
    }

    fn unwrap_wbera(&mut self, owner: Address, amount: U256, to: Address) -> Result<(), HostError> {
        crate::pool::unwrap_native_wbera(self, owner, amount, to)
    }

    fn beacon_deposit_operator(&mut self, pubkey: &Pubkey) -> Result<Address, HostError> {
        Ok(self.operators.get(pubkey).copied().unwrap_or_default())
    }

    fn deposit_to_consensus_layer(
        &mut self,
        from: Address,
        deposit: &ClDeposit,
    ) -> Result<u64, HostError> {
        let registered = self.operators.get(&deposit.pubkey).copied();
        match (registered, deposit.operator.is_zero()) {
            // BeaconDeposit: ZeroOperatorOnFirstDeposit / OperatorAlreadySet.
            (None, true) | (Some(_), false) => return Err(HostError::Revert(Vec::new())),
            (None, false) => {
                self.operators.insert(deposit.pubkey, deposit.operator);
            }
            (Some(_), true) => {}
        }
        let amount = U256::from(deposit.amount_gwei) * GWEI;
        // The value goes through BeaconDeposit, which burns it.
        self.transfer(from, BEACON_DEPOSIT, amount)?;
        self.transfer(BEACON_DEPOSIT, Address::ZERO, amount)?;
        self.cl_deposits.push((from, deposit.clone()));
        self.deposit_count += 1;
        Ok(self.deposit_count - 1)
    }

    fn withdrawal_request_fee(&mut self) -> Result<Option<U256>, HostError> {
        Ok(self.withdrawal_fee)
    }

    fn request_consensus_withdrawal(
        &mut self,
        from: Address,
        request: &ClWithdrawalRequest,
        fee: U256,
    ) -> Result<(), HostError> {
        self.transfer(from, EIP7002_PREDEPLOY, fee)?;
        self.cl_withdrawal_requests
            .push((from, request.clone(), fee));
        Ok(())
    }
}
