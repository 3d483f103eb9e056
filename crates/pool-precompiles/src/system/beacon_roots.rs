//! EIP-4788 beacon roots, read natively from the ring buffer: the timestamp at
//! `ts % 8191`, the root at `ts % 8191 + 8191`.

use alloy_primitives::{Address, B256, U256};
use berapool_pool_state::{addresses::BEACON_ROOTS, HostError, Storage};

use crate::evm_host::EvmHost;

/// The contract's address.
pub const ADDRESS: Address = BEACON_ROOTS;
const HISTORY: u64 = 8191;

/// The parent beacon block root stored under `timestamp`, if the ring still holds it.
pub fn root_at(host: &mut EvmHost<'_, '_>, timestamp: u64) -> Result<Option<B256>, HostError> {
    if timestamp == 0 {
        return Ok(None);
    }
    let index = U256::from(timestamp % HISTORY);
    if host.sload(ADDRESS, index)? != U256::from(timestamp) {
        return Ok(None);
    }
    let root = host.sload(ADDRESS, index + U256::from(HISTORY))?;
    Ok(Some(B256::from(root)))
}
