//! [`PoolSystem`]: the entry point. It holds the chain's [`PoolParams`]; every operation takes the
//! [`Host`](crate::Host) to run on and, for calls, the [`Call`] that carries the sender and value.
//! The operations live next to the contract they belong to (`pool`, `token`, `operator`,
//! `vault`, `oracle`, `consensus`, `factory`).

use alloy_primitives::{Address, U256};

use crate::params::PoolParams;

/// The staking-pool system of one chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolSystem {
    /// The chain's parameters.
    pub params: PoolParams,
    /// Whether the chain has the native WBERA, and with it PoL Next's WBERA track (the
    /// SmartOperator's WBERA in the NAV).
    pub native_wbera: bool,
}

impl PoolSystem {
    /// The system with `params`, on a chain without the native WBERA.
    pub fn new(params: PoolParams) -> Self {
        Self {
            params,
            native_wbera: false,
        }
    }

    /// The system with `params` and the WBERA track.
    pub fn with_native_wbera(params: PoolParams) -> Self {
        Self {
            params,
            native_wbera: true,
        }
    }
}

/// Who calls, with how much value. The value has already been credited to the called contract,
/// as the EVM does before a call runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// `msg.sender`.
    pub caller: Address,
    /// `msg.value`, already at the called contract.
    pub value: U256,
}

impl Call {
    /// A call from `caller` with no value.
    pub const fn from(caller: Address) -> Self {
        Self {
            caller,
            value: U256::ZERO,
        }
    }

    /// A call from `caller` carrying `value`.
    pub const fn with_value(caller: Address, value: U256) -> Self {
        Self { caller, value }
    }
}
