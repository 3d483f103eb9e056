//! The gas a transaction is charged before it executes.

use alloy_consensus::{Transaction, TxEnvelope};

/// The gas a transaction costs before execution (calldata, creation, access list, authorizations).
pub fn intrinsic_gas(tx: &TxEnvelope) -> u64 {
    let input = tx.input();
    let zeros = input.iter().filter(|b| **b == 0).count() as u64;
    let nonzeros = input.len() as u64 - zeros;
    let mut gas = 21_000 + 4 * zeros + 16 * nonzeros;
    if tx.kind().is_create() {
        gas += 32_000 + 2 * (input.len() as u64).div_ceil(32);
    }
    if let Some(list) = tx.access_list() {
        gas += 2_400 * list.len() as u64
            + 1_900
                * list
                    .iter()
                    .map(|i| i.storage_keys.len() as u64)
                    .sum::<u64>();
    }
    if let Some(auths) = tx.authorization_list() {
        gas += 25_000 * auths.len() as u64;
    }
    gas
}
