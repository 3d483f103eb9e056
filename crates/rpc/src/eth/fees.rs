//! Fee suggestions and history: `eth_gasPrice`, `eth_maxPriorityFeePerGas`, `eth_feeHistory`.

use alloy_consensus::{BlockHeader, Header, Transaction as _};
use alloy_eips::{eip1559::BaseFeeParams, BlockNumberOrTag};
use alloy_primitives::{BlockNumber, U256};
use alloy_rpc_types_eth::{FeeHistory, TransactionReceipt};
use berapool_primitives::StoredBlock;
use berapool_storage::StorageError;

use super::{
    block::{receipts_of, resolve_tag, stored_block},
    EthApi,
};
use crate::{api::RpcResult, RpcError};

/// Blocks one `eth_feeHistory` call may cover.
pub const MAX_FEE_HISTORY: u64 = 1024;
/// Reward percentiles one `eth_feeHistory` call may ask for (geth's limit): the answer holds
/// one number per percentile per block, so an uncapped list is a memory bomb.
pub const MAX_REWARD_PERCENTILES: usize = 100;
/// The tip suggested when recent blocks carry no transactions (1 gwei).
pub const DEFAULT_TIP: u128 = 1_000_000_000;

/// The base fee of the block after `head`.
pub(super) fn next_base_fee(head: &Header) -> u64 {
    head.next_block_base_fee(BaseFeeParams::ethereum())
        .unwrap_or_default()
}

impl EthApi {
    /// The median tip of the last 20 blocks' transactions, or [`DEFAULT_TIP`] without any.
    /// Wallets ask before every transaction, so the answer is kept until the head moves.
    pub(super) fn suggested_tip(&self) -> RpcResult<u128> {
        let head = self.chain.head();
        {
            let cached = self
                .tip
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((hash, tip)) = *cached {
                if hash == head.hash {
                    return Ok(tip);
                }
            }
        }
        let mut tips = Vec::new();
        for number in head.number().saturating_sub(19)..=head.number() {
            let Some(block) = self.chain.store().block(number)? else {
                continue;
            };
            let base_fee = block.header.base_fee_per_gas();
            tips.extend(
                block
                    .transactions
                    .iter()
                    .filter_map(|tx| tx.effective_tip_per_gas(base_fee.unwrap_or_default())),
            );
        }
        tips.sort_unstable();
        let tip = tips.get(tips.len() / 2).copied().unwrap_or(DEFAULT_TIP);
        *self
            .tip
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((head.hash, tip));
        Ok(tip)
    }

    /// `eth_gasPrice`: the next base fee plus the suggested tip.
    pub(super) fn gas_price(&self) -> RpcResult<U256> {
        let tip = self.suggested_tip()?;
        let base_fee = next_base_fee(&self.chain.head().header);
        Ok(U256::from(u128::from(base_fee) + tip))
    }

    /// `eth_feeHistory` over at most [`MAX_FEE_HISTORY`] blocks.
    pub(super) fn fee_history(
        &self,
        count: u64,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        let count = count.min(MAX_FEE_HISTORY);
        if let Some(p) = &percentiles {
            if p.len() > MAX_REWARD_PERCENTILES {
                return Err(RpcError::TooManyPercentiles {
                    max: MAX_REWARD_PERCENTILES,
                    got: p.len(),
                });
            }
            let ordered = p.windows(2).all(|w| w[0] <= w[1]);
            if !ordered || p.iter().any(|x| !(0.0..=100.0).contains(x)) {
                return Err(RpcError::InvalidPercentiles);
            }
        }
        let head = self.chain.head();
        let store = self.chain.store();
        {
            let newest: BlockNumber =
                resolve_tag(store, &head, newest)?.ok_or(RpcError::UnknownBlock(newest.into()))?;
            let oldest = (newest + 1).saturating_sub(count);
            let mut history = FeeHistory {
                oldest_block: oldest,
                reward: percentiles.as_ref().map(|_| Vec::new()),
                ..Default::default()
            };
            if count == 0 {
                return Ok(history);
            }
            for number in oldest..=newest {
                let (block, hash) =
                    stored_block(store, number)?.ok_or(StorageError::MissingBlock(number))?;
                let header = &block.header;
                history
                    .base_fee_per_gas
                    .push(u128::from(header.base_fee_per_gas.unwrap_or_default()));
                history
                    .gas_used_ratio
                    .push(header.gas_used as f64 / header.gas_limit.max(1) as f64);
                history.base_fee_per_blob_gas.push(0);
                history.blob_gas_used_ratio.push(0.0);
                if let (Some(percentiles), Some(rewards)) = (&percentiles, &mut history.reward) {
                    let receipts = receipts_of(store, &block, hash)?;
                    rewards.push(block_rewards(&block, &receipts, percentiles));
                }
                if number == newest {
                    history
                        .base_fee_per_gas
                        .push(u128::from(next_base_fee(header)));
                    history.base_fee_per_blob_gas.push(0);
                }
            }
            Ok(history)
        }
    }
}

/// The tips at `percentiles` of a block's gas (each transaction weighted by the gas it used).
fn block_rewards(
    block: &StoredBlock,
    receipts: &[TransactionReceipt],
    percentiles: &[f64],
) -> Vec<u128> {
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let mut tips: Vec<(u128, u64)> = block
        .transactions
        .iter()
        .zip(receipts)
        .map(|(tx, r)| (tx.effective_tip_per_gas(base_fee).unwrap_or(0), r.gas_used))
        .collect();
    tips.sort_unstable_by_key(|(tip, _)| *tip);
    weighted_percentiles(&tips, percentiles)
}

/// The values at ascending `percentiles` of `tips`, sorted (value, weight) pairs, each weighted;
/// zeros when there are none.
fn weighted_percentiles(tips: &[(u128, u64)], percentiles: &[f64]) -> Vec<u128> {
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    let total: u64 = tips.iter().map(|(_, gas)| gas).sum();
    // The percentiles ascend, so one walk over the sorted tips answers them all.
    let mut rewards = Vec::with_capacity(percentiles.len());
    let mut index = 0;
    let mut cumulative = tips[0].1;
    for p in percentiles {
        let threshold = (total as f64 * p / 100.0) as u64;
        while cumulative < threshold && index + 1 < tips.len() {
            index += 1;
            cumulative += tips[index].1;
        }
        rewards.push(tips[index].0);
    }
    rewards
}

#[cfg(test)]
mod tests {
    use super::weighted_percentiles;

    #[test]
    fn percentiles_are_weighted_by_gas_in_one_walk() {
        // 21k gas at tip 1, 100k gas at tip 5, 21k gas at tip 9.
        let tips = [(1, 21_000), (5, 100_000), (9, 21_000)];
        assert_eq!(
            weighted_percentiles(&tips, &[0.0, 10.0, 15.0, 50.0, 85.0, 90.0, 100.0]),
            vec![1, 1, 5, 5, 5, 9, 9]
        );
        assert_eq!(weighted_percentiles(&[], &[50.0]), vec![0]);
        assert_eq!(weighted_percentiles(&tips, &[]), Vec::<u128>::new());
    }
}
