//! The EIP-7002 withdrawal-request predeploy, natively: the fee from the excess slot, and a
//! request appended to its queue exactly as its bytecode does (count, tail and the three queue
//! slots, a `LOG0` of `source ‖ pubkey ‖ amount`, the fee paid to the predeploy).

use alloy_primitives::{Address, Bytes, Log, LogData, U256};
use berapool_pool_state::{addresses::EIP7002_PREDEPLOY, ClWithdrawalRequest, HostError, Storage};

use crate::evm_host::EvmHost;

/// The predeploy's address.
pub const ADDRESS: Address = EIP7002_PREDEPLOY;
const EXCESS_SLOT: U256 = U256::ZERO;
const COUNT_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);
const TAIL_SLOT: U256 = U256::from_limbs([3, 0, 0, 0]);
const QUEUE_OFFSET: U256 = U256::from_limbs([4, 0, 0, 0]);
const FEE_UPDATE_FRACTION: u64 = 17;

/// `fake_exponential(1, excess, 17)` with the bytecode's 256-bit wrapping arithmetic.
pub fn fee_for_excess(excess: U256) -> U256 {
    let denominator = U256::from(FEE_UPDATE_FRACTION);
    let mut i = U256::from(1u8);
    let mut output = U256::ZERO;
    let mut accumulator = denominator; // factor (1) · denominator
    while !accumulator.is_zero() {
        output = output.wrapping_add(accumulator);
        accumulator = accumulator
            .wrapping_mul(excess)
            .checked_div(denominator.wrapping_mul(i))
            .unwrap_or_default();
        i += U256::from(1u8);
    }
    output / denominator
}

/// The current fee, or `None` while the excess inhibitor (`2^256 − 1`) is set.
pub fn fee(host: &mut EvmHost<'_, '_>) -> Result<Option<U256>, HostError> {
    let excess = host.sload(ADDRESS, EXCESS_SLOT)?;
    Ok((excess != U256::MAX).then(|| fee_for_excess(excess)))
}

/// Appends `request` from `from`, paying `fee` from `from`'s balance.
pub fn enqueue(
    host: &mut EvmHost<'_, '_>,
    from: Address,
    request: &ClWithdrawalRequest,
    fee: U256,
) -> Result<(), HostError> {
    let count = host.sload(ADDRESS, COUNT_SLOT)?;
    host.sstore(ADDRESS, COUNT_SLOT, count.wrapping_add(U256::from(1u8)))?;
    let tail = host.sload(ADDRESS, TAIL_SLOT)?;
    let slot = QUEUE_OFFSET.wrapping_add(tail.wrapping_mul(U256::from(3u8)));
    let pubkey = request.pubkey.as_slice();
    host.sstore(ADDRESS, slot, U256::from_be_slice(from.as_slice()))?;
    host.sstore(
        ADDRESS,
        slot + U256::from(1u8),
        U256::from_be_slice(&pubkey[..32]),
    )?;
    let mut last = [0u8; 32];
    last[..16].copy_from_slice(&pubkey[32..]);
    last[16..24].copy_from_slice(&request.amount_gwei.to_be_bytes());
    host.sstore(ADDRESS, slot + U256::from(2u8), U256::from_be_bytes(last))?;
    let mut data = Vec::with_capacity(76);
    data.extend_from_slice(from.as_slice());
    data.extend_from_slice(pubkey);
    data.extend_from_slice(&request.amount_gwei.to_be_bytes());
    host.log(Log {
        address: ADDRESS,
        data: LogData::new_unchecked(Vec::new(), Bytes::from(data)),
    })?;
    host.sstore(ADDRESS, TAIL_SLOT, tail.wrapping_add(U256::from(1u8)))?;
    host.transfer(from, ADDRESS, fee)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_follows_the_eip() {
        assert_eq!(fee_for_excess(U256::ZERO), U256::from(1));
        // e^(17/17) ≈ 2.7: the EIP's integer approximation gives 2.
        assert_eq!(fee_for_excess(U256::from(17)), U256::from(2));
        // e^2 ≈ 7.4: 123 / 17 = 7.
        assert_eq!(fee_for_excess(U256::from(34)), U256::from(7));
    }
}
