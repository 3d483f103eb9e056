//! Berachain's Proof-of-Liquidity contracts as native code, at their mainnet addresses, for
//! chains that do not deploy them (devnets, with `PoolConfig::native_pol`). On Berachain itself
//! these addresses hold the real contracts and nothing here runs.
//!
//! Today: WBERA. The calls run as native frames (they pay with value CALLs), and the addresses
//! are not precompiles: the first touch in a transaction is cold, as for the deployed contract.

pub(crate) mod wbera;

use alloy_primitives::{Address, Bytes};
use berapool_pool_state::addresses::WBERA;

/// The genesis accounts of the native PoL set: code `0xfe` (so `extcodesize > 0` for Solidity
/// callers and EIP-161 keeps the account), nonce 1, no storage.
pub fn genesis_accounts() -> Vec<crate::GenesisAccount> {
    [WBERA]
        .into_iter()
        .map(|address: Address| crate::GenesisAccount {
            address,
            nonce: 1,
            code: Bytes::from_static(&[0xfe]),
            storage: Vec::new(),
        })
        .collect()
}
