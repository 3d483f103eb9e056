//! [`EvmHost`]: the pool system's [`Host`] on the EVM journal. Every access is charged as the
//! matching opcode would be (see `gas`), every write goes into the journal (so a revert undoes
//! it), and the effects on BeaconDeposit and the EIP-7002 predeploy are made natively, the same
//! storage writes, logs and balance moves as calling them.

use alloy_evm::{
    revm::{context_interface::cfg::gas, state::Bytecode},
    EvmInternals,
};
use alloy_primitives::{Address, Bytes, Log, B256, U256};
use alloy_sol_types::SolError;
use berapool_pool_state::{
    BlockEnv, ClDeposit, ClWithdrawalRequest, Event, Host, HostError, Pubkey, Storage,
};

use crate::{
    abi::IBerapool,
    gas::{log_cost, GasMeter, KECCAK_MAPPING},
    logs::event_log,
    system::{beacon_deposit, eip7002},
};

/// The pool system's view of one precompile call.
#[derive(Debug)]
pub struct EvmHost<'a, 'b> {
    internals: &'a mut EvmInternals<'b>,
    gas: &'a mut GasMeter,
    is_static: bool,
    touched: Vec<Address>,
}

impl<'a, 'b> EvmHost<'a, 'b> {
    /// A host for a call to `callee` (already warm: the caller paid for the CALL).
    pub fn new(
        internals: &'a mut EvmInternals<'b>,
        gas: &'a mut GasMeter,
        callee: Address,
        is_static: bool,
    ) -> Self {
        Self {
            internals,
            gas,
            is_static,
            touched: vec![callee],
        }
    }

    /// A host that carries on a native call's work after one of its sub-calls: `touched` is
    /// what the call has accessed so far (its own address first).
    pub(crate) fn resume(
        internals: &'a mut EvmInternals<'b>,
        gas: &'a mut GasMeter,
        touched: Vec<Address>,
        is_static: bool,
    ) -> Self {
        Self {
            internals,
            gas,
            is_static,
            touched,
        }
    }

    /// The accounts accessed, to hand to the next [`Self::resume`].
    pub(crate) fn into_touched(self) -> Vec<Address> {
        self.touched
    }

    /// The gas meter.
    pub fn gas(&mut self) -> &mut GasMeter {
        self.gas
    }

    pub(crate) fn charge(&mut self, amount: u64) -> Result<(), HostError> {
        self.gas.charge(amount).map_err(|_| HostError::OutOfGas)
    }

    fn db_error(e: impl core::fmt::Display) -> HostError {
        HostError::Database(e.to_string())
    }

    fn refuse_in_static(&self) -> Result<(), HostError> {
        if self.is_static {
            Err(HostError::Revert(
                IBerapool::WriteInStaticCall {}.abi_encode(),
            ))
        } else {
            Ok(())
        }
    }

    /// The first touch of another contract in this call costs an account access (EIP-2929), as
    /// the CALL between the Solidity contracts would.
    fn touch(&mut self, account: Address) -> Result<(), HostError> {
        if self.touched.contains(&account) {
            return Ok(());
        }
        let load = self
            .internals
            .load_account(account)
            .map_err(Self::db_error)?;
        let cost = if load.is_cold {
            gas::COLD_ACCOUNT_ACCESS_COST
        } else {
            gas::WARM_STORAGE_READ_COST
        };
        self.touched.push(account);
        self.charge(cost)
    }

    /// Emits a raw log (system-contract effects).
    pub(crate) fn log(&mut self, log: Log) -> Result<(), HostError> {
        self.refuse_in_static()?;
        self.charge(log_cost(log.topics().len(), log.data.data.len()))?;
        self.internals.log(log);
        Ok(())
    }

    /// Gives a new pool contract the one-byte code `0xfe` and nonce 1: EIP-161 must not wipe its
    /// storage, and Solidity callers need `extcodesize > 0`.
    pub(crate) fn mark_contract(&mut self, account: Address) -> Result<(), HostError> {
        self.refuse_in_static()?;
        self.charge(gas::NEWACCOUNT)?;
        let code = Bytecode::new_raw(Bytes::from_static(&[0xfe]));
        self.internals
            .set_code(account, code)
            .map_err(Self::db_error)?;
        self.internals.bump_nonce(account).map_err(Self::db_error)?;
        Ok(())
    }

    /// Charges the keccak of a mapping key, for system-contract slots derived natively.
    pub(crate) fn charge_mapping_key(&mut self) -> Result<(), HostError> {
        self.charge(KECCAK_MAPPING)
    }
}

/// The code hash of a pool-system contract's marker code, `0xfe`.
fn marker_code_hash() -> B256 {
    alloy_primitives::keccak256([0xfe])
}

impl Storage for EvmHost<'_, '_> {
    /// Known for the called contract only: the CALL loaded it, so its code hash costs nothing
    /// more to look at; any other account would cost an access, and the caller reads storage.
    fn is_deployed(&mut self, account: Address) -> Result<Option<bool>, HostError> {
        if self.touched.first() != Some(&account) {
            return Ok(None);
        }
        let load = self
            .internals
            .load_account(account)
            .map_err(Self::db_error)?;
        Ok(Some(load.data.info.code_hash == marker_code_hash()))
    }

    fn sload(&mut self, account: Address, slot: U256) -> Result<U256, HostError> {
        self.touch(account)?;
        let load = self
            .internals
            .sload(account, slot)
            .map_err(Self::db_error)?;
        self.charge(if load.is_cold {
            gas::COLD_SLOAD_COST
        } else {
            gas::WARM_STORAGE_READ_COST
        })?;
        Ok(load.data)
    }

    fn sstore(&mut self, account: Address, slot: U256, value: U256) -> Result<(), HostError> {
        self.refuse_in_static()?;
        self.touch(account)?;
        // EIP-2200: SSTORE needs more than the call stipend left.
        if self.gas.remaining() <= gas::CALL_STIPEND {
            return Err(HostError::OutOfGas);
        }
        let result = self
            .internals
            .sstore(account, slot, value)
            .map_err(Self::db_error)?;
        let params = self.gas.params();
        let cost = params.sstore_static_gas()
            + params.sstore_dynamic_gas(true, &result.data, result.is_cold);
        let refund = params.sstore_refund(true, &result.data);
        self.charge(cost)?;
        self.gas.refund(refund);
        Ok(())
    }

    fn balance(&mut self, account: Address) -> Result<U256, HostError> {
        self.touch(account)?;
        let load = self
            .internals
            .load_account(account)
            .map_err(Self::db_error)?;
        Ok(load.data.info.balance)
    }

    fn transfer(&mut self, from: Address, to: Address, amount: U256) -> Result<(), HostError> {
        if amount.is_zero() {
            return Ok(());
        }
        self.refuse_in_static()?;
        self.touch(to)?;
        let target_empty = self
            .internals
            .load_account(to)
            .map_err(Self::db_error)?
            .data
            .is_empty();
        self.charge(gas::CALLVALUE + if target_empty { gas::NEWACCOUNT } else { 0 })?;
        match self
            .internals
            .transfer(from, to, amount)
            .map_err(Self::db_error)?
        {
            None => Ok(()),
            Some(_) => {
                let balance = self
                    .internals
                    .load_account(from)
                    .map_err(Self::db_error)?
                    .data
                    .info
                    .balance;
                Err(HostError::InsufficientBalance {
                    account: from,
                    balance,
                    needed: amount,
                })
            }
        }
    }
}

impl Host for EvmHost<'_, '_> {
    fn block(&self) -> BlockEnv {
        BlockEnv {
            number: self.internals.block_number().saturating_to(),
            timestamp: self.internals.block_timestamp().saturating_to(),
        }
    }

    fn emit(&mut self, emitter: Address, event: Event) -> Result<(), HostError> {
        self.log(event_log(emitter, &event))
    }

    fn beacon_deposit_operator(&mut self, pubkey: &Pubkey) -> Result<Address, HostError> {
        beacon_deposit::operator_of(self, pubkey)
    }

    /// An SLOAD of WBERA's balance slot (its account and slot charged cold or warm), and the
    /// slot's keccak.
    fn wbera_balance(&mut self, owner: Address) -> Result<U256, HostError> {
        self.charge_mapping_key()?;
        self.sload(
            berapool_pool_state::addresses::WBERA,
            berapool_pool_state::layout::wbera_balance_slot(owner),
        )
    }

    /// What WBERA's `withdraw` does to state and the value transfer onward, charged as the
    /// storage work and the transfer, without the CALL.
    fn unwrap_wbera(&mut self, owner: Address, amount: U256, to: Address) -> Result<(), HostError> {
        self.refuse_in_static()?;
        self.charge_mapping_key()?;
        berapool_pool_state::pool::unwrap_native_wbera(self, owner, amount, to)
    }

    fn deposit_to_consensus_layer(
        &mut self,
        from: Address,
        deposit: &ClDeposit,
    ) -> Result<u64, HostError> {
        self.refuse_in_static()?;
        // The CALL to BeaconDeposit with value; BeaconDeposit's own work is charged as it runs.
        self.touch(beacon_deposit::ADDRESS)?;
        self.charge(gas::CALLVALUE)?;
        beacon_deposit::deposit(self, from, deposit)
    }

    fn withdrawal_request_fee(&mut self) -> Result<Option<U256>, HostError> {
        eip7002::fee(self)
    }

    fn request_consensus_withdrawal(
        &mut self,
        from: Address,
        request: &ClWithdrawalRequest,
        fee: U256,
    ) -> Result<(), HostError> {
        self.refuse_in_static()?;
        self.touch(eip7002::ADDRESS)?;
        self.charge(gas::CALLVALUE)?;
        eip7002::enqueue(self, from, request, fee)
    }
}
