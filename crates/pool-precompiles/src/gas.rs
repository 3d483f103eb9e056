//! Gas: every call pays at least what the same work costs a Solidity contract. Storage reads and
//! writes follow EIP-2929 (cold/warm) and EIP-2200/3529 (SSTORE and its refunds) through revm's
//! own gas tables; touching another contract costs an account access, as the CALL between the
//! Solidity contracts would; moving value costs a value-bearing CALL; logs cost what LOGn costs;
//! decoding calldata costs a copy per word; every call pays a small dispatch fee.

use alloy_evm::revm::{
    context_interface::cfg::{gas, gas_params::GasParams},
    primitives::hardfork::SpecId,
};

/// Dispatch fee of every call: a selector match and a jump table, as Solidity's dispatcher.
pub const DISPATCH: u64 = 100;
/// Per 32-byte word of calldata decoded (the cost of CALLDATACOPY per word).
pub const DECODE_PER_WORD: u64 = gas::COPY;
/// sha256 of one 64-byte node of an SSZ branch (the sha256 precompile: 60 + 12 per word).
pub const SHA256_NODE: u64 = 60 + 12 * 2;
/// keccak256 of a mapping key (KECCAK256 of 64 bytes).
pub const KECCAK_MAPPING: u64 = gas::KECCAK256 + 2 * gas::KECCAK256WORD;

/// The gas of one precompile call.
#[derive(Debug)]
pub struct GasMeter {
    limit: u64,
    used: u64,
    refunded: i64,
    params: GasParams,
}

/// The call ran out of gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfGas;

impl GasMeter {
    /// A meter for a call given `limit` gas, priced by Prague's tables.
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            used: 0,
            refunded: 0,
            params: GasParams::new_spec(SpecId::PRAGUE),
        }
    }

    /// Charges `amount`; fails once the limit is passed.
    pub fn charge(&mut self, amount: u64) -> Result<(), OutOfGas> {
        self.used = self.used.saturating_add(amount);
        if self.used > self.limit {
            Err(OutOfGas)
        } else {
            Ok(())
        }
    }

    /// Gives back gas a sub-call was handed and did not use.
    pub fn reimburse(&mut self, amount: u64) {
        self.used = self.used.saturating_sub(amount);
    }

    /// Gas left.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Gas used so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Net SSTORE refund so far (EIP-3529), which the transaction caps at a fifth of its gas.
    pub fn refunded(&self) -> i64 {
        self.refunded
    }

    /// Adds an SSTORE refund.
    pub fn refund(&mut self, amount: i64) {
        self.refunded += amount;
    }

    /// Prague's gas tables.
    pub fn params(&self) -> &GasParams {
        &self.params
    }
}

/// The cost of a log with `topics` topics and `data_len` bytes of data.
pub const fn log_cost(topics: usize, data_len: usize) -> u64 {
    gas::LOG + gas::LOGTOPIC * topics as u64 + gas::LOGDATA * data_len as u64
}

/// The cost of decoding `len` bytes of calldata.
pub const fn decode_cost(len: usize) -> u64 {
    DECODE_PER_WORD * (len as u64).div_ceil(32)
}
