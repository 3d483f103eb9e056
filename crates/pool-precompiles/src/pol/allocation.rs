//! BeraChef's reward allocations: how a validator's share of each block's emission is split
//! between reward vaults. Each validator has an active allocation and at most one queued; the
//! queued one becomes active inside the validator's own `distributeFor`, at the first block it
//! proposes at or after the allocation's start block. A chain-wide default allocation stands in
//! for a validator that never set one, whose allocation went stale, or whose vaults are no
//! longer whitelisted; `isReady()` holds once the default exists.
//!
//! An allocation is stored from a base slot `b`: word `b` packs the start block (bits 0..64) and
//! the weight count (bits 64..72); word `b + 1 + i` packs weight `i`'s receiver (bits 0..160)
//! and its percentage numerator (bits 160..256), out of 10,000.

use alloy_primitives::{aliases::U96, Address, U256};
use berapool_pool_state::{addresses::BERA_CHEF, HostError, PoolError, Storage};

use crate::{abi::IBeraChef, contracts::sol_revert, evm_host::EvmHost};

/// A whole allocation: `ONE_HUNDRED_PERCENT`.
pub(crate) const ONE_HUNDRED_PERCENT: u64 = 10_000;
/// The most weights an allocation can ever hold (one byte counts them).
const WEIGHT_COUNT_BITS: usize = 8;

/// One receiver's part of an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Weight {
    pub(crate) receiver: Address,
    pub(crate) percentage: u64,
}

/// A reward allocation as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Allocation {
    pub(crate) start_block: u64,
    pub(crate) weights: Vec<Weight>,
}

impl Allocation {
    /// The ABI form.
    pub(crate) fn to_abi(&self) -> IBeraChef::RewardAllocation {
        IBeraChef::RewardAllocation {
            startBlock: self.start_block,
            weights: self.weights.iter().map(|w| w.to_abi()).collect(),
        }
    }

    /// From the ABI form (percentages above `u64` saturate, and fail validation).
    pub(crate) fn from_abi(start_block: u64, weights: &[IBeraChef::Weight]) -> Self {
        Self {
            start_block,
            weights: weights
                .iter()
                .map(|w| Weight {
                    receiver: w.receiver,
                    percentage: w.percentageNumerator.saturating_to(),
                })
                .collect(),
        }
    }
}

impl Weight {
    fn to_abi(self) -> IBeraChef::Weight {
        IBeraChef::Weight {
            receiver: self.receiver,
            percentageNumerator: U96::from(self.percentage),
        }
    }

    fn load(word: U256) -> Self {
        Self {
            receiver: Address::from_word((word & address_mask()).into()),
            percentage: (word >> 160usize).saturating_to(),
        }
    }

    fn store(self) -> U256 {
        U256::from_be_slice(self.receiver.as_slice()) | (U256::from(self.percentage) << 160)
    }
}

fn address_mask() -> U256 {
    (U256::from(1) << 160usize) - U256::from(1)
}

/// Reads the allocation stored from `base`.
pub(crate) fn load(host: &mut EvmHost<'_, '_>, base: U256) -> Result<Allocation, HostError> {
    let head = host.sload(BERA_CHEF, base)?;
    let start_block = (head & U256::from(u64::MAX)).saturating_to::<u64>();
    let count = (head >> 64usize).saturating_to::<usize>() & ((1 << WEIGHT_COUNT_BITS) - 1);
    let mut weights = Vec::with_capacity(count);
    for i in 0..count {
        let word = host.sload(BERA_CHEF, base + U256::from(1 + i))?;
        weights.push(Weight::load(word));
    }
    Ok(Allocation {
        start_block,
        weights,
    })
}

/// Writes `allocation` from `base`, clearing the weight slots a longer previous one used.
pub(crate) fn store(
    host: &mut EvmHost<'_, '_>,
    base: U256,
    allocation: &Allocation,
) -> Result<(), HostError> {
    let previous = (host.sload(BERA_CHEF, base)? >> 64usize).saturating_to::<usize>() & 0xff;
    let head = U256::from(allocation.start_block) | (U256::from(allocation.weights.len()) << 64);
    host.sstore(BERA_CHEF, base, head)?;
    for (i, weight) in allocation.weights.iter().enumerate() {
        host.sstore(BERA_CHEF, base + U256::from(1 + i), weight.store())?;
    }
    for i in allocation.weights.len()..previous {
        host.sstore(BERA_CHEF, base + U256::from(1 + i), U256::ZERO)?;
    }
    Ok(())
}

/// Deletes the allocation stored from `base`.
pub(crate) fn clear(host: &mut EvmHost<'_, '_>, base: U256) -> Result<(), HostError> {
    store(host, base, &Allocation::default())
}

/// The limits a set of weights is checked against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_weights: u64,
    pub(crate) max_weight_per_vault: u64,
}

/// BeraChef's weight rules, in its order: not too many; each weight positive and at most the
/// per-vault cap; only whitelisted vaults; no receiver twice; exactly 100 % in all.
pub(crate) fn validate(
    weights: &[Weight],
    limits: Limits,
    mut is_whitelisted: impl FnMut(Address) -> Result<bool, HostError>,
) -> Result<(), PoolError> {
    if weights.len() as u64 > limits.max_weights {
        return Err(sol_revert(IBeraChef::TooManyWeights {}));
    }
    let mut total: u64 = 0;
    for (i, weight) in weights.iter().enumerate() {
        if weight.percentage == 0 || weight.percentage > limits.max_weight_per_vault {
            return Err(sol_revert(IBeraChef::InvalidWeight {}));
        }
        if !is_whitelisted(weight.receiver)? {
            return Err(sol_revert(IBeraChef::NotWhitelistedVault {}));
        }
        if weights[..i].iter().any(|w| w.receiver == weight.receiver) {
            return Err(sol_revert(IBeraChef::DuplicateReceiver {
                receiver: weight.receiver,
            }));
        }
        total = total.saturating_add(weight.percentage);
    }
    if total != ONE_HUNDRED_PERCENT {
        return Err(sol_revert(IBeraChef::InvalidRewardAllocationWeights {}));
    }
    Ok(())
}

/// The parts of `total` an allocation gives each receiver: `total × weight / 10⁴` rounded down,
/// the last receiver taking the remainder so that nothing is left over.
pub(crate) fn split(total: U256, weights: &[Weight]) -> Vec<(Address, U256)> {
    let mut left = total;
    let mut parts = Vec::with_capacity(weights.len());
    for (i, weight) in weights.iter().enumerate() {
        let amount = if i + 1 == weights.len() {
            left
        } else {
            total * U256::from(weight.percentage) / U256::from(ONE_HUNDRED_PERCENT)
        };
        left -= amount;
        parts.push((weight.receiver, amount));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(byte: u8, percentage: u64) -> Weight {
        Weight {
            receiver: Address::repeat_byte(byte),
            percentage,
        }
    }

    const LIMITS: Limits = Limits {
        max_weights: 10,
        max_weight_per_vault: ONE_HUNDRED_PERCENT,
    };

    fn check(weights: &[Weight]) -> Result<(), Vec<u8>> {
        validate(weights, LIMITS, |a| Ok(a != Address::repeat_byte(0xee))).map_err(|e| match e {
            PoolError::Host(HostError::Revert(data)) => data,
            other => panic!("{other:?}"),
        })
    }

    fn error(e: impl alloy_sol_types::SolError) -> Vec<u8> {
        e.abi_encode()
    }

    #[test]
    fn weights_follow_berachefs_rules() {
        assert_eq!(check(&[w(1, 10_000)]), Ok(()));
        assert_eq!(check(&[w(1, 2_500), w(2, 7_500)]), Ok(()));
        assert_eq!(
            check(&[w(1, 5_000), w(2, 4_999)]),
            Err(error(IBeraChef::InvalidRewardAllocationWeights {}))
        );
        assert_eq!(
            check(&[w(1, 0), w(2, 10_000)]),
            Err(error(IBeraChef::InvalidWeight {}))
        );
        assert_eq!(
            check(&[w(0xee, 10_000)]),
            Err(error(IBeraChef::NotWhitelistedVault {}))
        );
        assert_eq!(
            check(&[w(1, 5_000), w(1, 5_000)]),
            Err(error(IBeraChef::DuplicateReceiver {
                receiver: Address::repeat_byte(1)
            }))
        );
        let many: Vec<Weight> = (1..=11).map(|i| w(i, 1)).collect();
        assert_eq!(check(&many), Err(error(IBeraChef::TooManyWeights {})));
        let capped = Limits {
            max_weight_per_vault: 6_000,
            ..LIMITS
        };
        assert!(validate(&[w(1, 7_000), w(2, 3_000)], capped, |_| Ok(true)).is_err());
    }

    #[test]
    fn a_split_pays_out_the_whole_emission() {
        // Berachain's 1.305 WBERA per block over three vaults at 33.33 / 33.33 / 33.34 %.
        let total = U256::from(1_305_000_000_000_000_000u128);
        let parts = split(total, &[w(1, 3_333), w(2, 3_333), w(3, 3_334)]);
        let amounts: Vec<U256> = parts.iter().map(|(_, a)| *a).collect();
        assert_eq!(
            amounts,
            [
                U256::from(434_956_500_000_000_000u128),
                U256::from(434_956_500_000_000_000u128),
                U256::from(435_087_000_000_000_000u128),
            ]
        );
        assert_eq!(amounts.iter().copied().sum::<U256>(), total);
    }

    #[test]
    fn a_weight_round_trips_through_its_word() {
        let weight = w(0xab, 9_999);
        assert_eq!(Weight::load(weight.store()), weight);
    }
}
