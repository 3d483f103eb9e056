//! Berachain's Proof-of-Liquidity contracts as native code, at their mainnet addresses, for
//! chains that do not deploy them (devnets, with `PoolConfig::native_pol`). On Berachain itself
//! these addresses hold the real contracts and nothing here runs.
//!
//! Today: WBERA and BeraChef's commission and reward-allocator surface. Their calls run as
//! native frames (WBERA pays with value CALLs), and the addresses are not precompiles: the first
//! touch in a transaction is cold, as for the deployed contracts.

pub(crate) mod berachef;
pub(crate) mod wbera;

use alloy_primitives::{Address, Bytes};
use berapool_pool_state::addresses::{BERA_CHEF, WBERA};

pub use berachef::{
    DEFAULT_COMMISSION_RATE, MAINNET_COMMISSION_CHANGE_DELAY, MAX_COMMISSION_CHANGE_DELAY,
    MAX_COMMISSION_RATE,
};

/// The native PoL set's chain parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolParams {
    /// BeraChef's owner (Berachain governance; on a devnet, the pool system's governance).
    pub owner: Address,
    /// BeraChef's `commissionChangeDelay`, in blocks.
    pub commission_change_delay: u64,
}

/// The genesis accounts of the native PoL set: code `0xfe` (so `extcodesize > 0` for Solidity
/// callers and EIP-161 keeps the account), nonce 1, and BeraChef's owner and delay.
pub fn genesis_accounts(params: &PolParams) -> Vec<crate::GenesisAccount> {
    let account = |address: Address, storage| crate::GenesisAccount {
        address,
        nonce: 1,
        code: Bytes::from_static(&[0xfe]),
        storage,
    };
    vec![
        account(WBERA, Vec::new()),
        account(
            BERA_CHEF,
            berachef::genesis_storage(params.owner, params.commission_change_delay),
        ),
    ]
}
