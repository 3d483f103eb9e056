//! The BlockRewardController at `0x1AE7…CD8e` in its PoL Next form, as native code.
//!
//! For every block the Distributor asks it to process, it pays the previous proposer's operator
//! (BeaconDeposit's `getOperator`, for a pool its SmartOperator) the base rate of 0.4 WBERA, and
//! itself the Distributor 1.305 WBERA for the reward vaults once BeraChef is ready. It pays
//! from the BERA the consensus layer credits it each block (the 1.705 BERA EVM-inflation
//! withdrawal), wrapping it through WBERA with real calls; whatever is left after the
//! distribution is burnt. Berachain's contract mints and redeems BGT when its balance is
//! short; the native set has no BGT reserve, so a short balance reverts the distribution (the
//! block stays valid, with a failed PoL receipt).

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{keccak256, Address, Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{BEACON_DEPOSIT, BGT, BLOCK_REWARD_CONTROLLER, POL_DISTRIBUTOR, WBERA},
    Call, PoolError, Storage,
};

use crate::{
    abi::{
        IBlockRewardController::{self, IBlockRewardControllerCalls as C},
        IWBERA,
    },
    contracts::{empty_revert, sol_revert, view_guard, write_guard},
    native::{CallKind, NativeFrame},
    system::beacon_deposit,
};

/// `_BASE_RATE`: WBERA to the proposer's operator per block, paid even before BeraChef is ready.
pub const BASE_RATE: U256 = U256::from_limbs([400_000_000_000_000_000, 0, 0, 0]);
/// `_REWARD_RATE`: WBERA to the Distributor per block, for the reward vaults.
pub const REWARD_RATE: U256 = U256::from_limbs([1_305_000_000_000_000_000, 0, 0, 0]);
/// `getMaxEmissionPerBlock()`: both rates, the consensus layer's inflation per block.
pub const MAX_EMISSION_PER_BLOCK: U256 = U256::from_limbs([1_705_000_000_000_000_000, 0, 0, 0]);

/// One call to the BlockRewardController.
pub(crate) fn call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = C::abi_decode(data).map_err(|_| empty_revert())?;
    let is_static = frame.is_static();
    Ok(match decoded {
        C::baseRate(_) => {
            view_guard(&call)?;
            IBlockRewardController::baseRateCall::abi_encode_returns(&BASE_RATE)
        }
        C::rewardRate(_) => {
            view_guard(&call)?;
            IBlockRewardController::rewardRateCall::abi_encode_returns(&REWARD_RATE)
        }
        C::getMaxEmissionPerBlock(_) => {
            view_guard(&call)?;
            IBlockRewardController::getMaxEmissionPerBlockCall::abi_encode_returns(
                &MAX_EMISSION_PER_BLOCK,
            )
        }
        C::distributor(_) => {
            view_guard(&call)?;
            IBlockRewardController::distributorCall::abi_encode_returns(&POL_DISTRIBUTOR)
        }
        C::beaconDepositContract(_) => {
            view_guard(&call)?;
            IBlockRewardController::beaconDepositContractCall::abi_encode_returns(&BEACON_DEPOSIT)
        }
        C::bgt(_) => {
            view_guard(&call)?;
            IBlockRewardController::bgtCall::abi_encode_returns(&BGT)
        }
        C::processRewards(c) => {
            write_guard(&call, is_static, false)?;
            only_distributor(call.caller)?;
            let reward = process_rewards(frame, &c.pubkey, c.nextTimestamp, c.isReady)?;
            IBlockRewardController::processRewardsCall::abi_encode_returns(&reward)
        }
        C::burnExceedingBalance(_) => {
            write_guard(&call, is_static, false)?;
            only_distributor(call.caller)?;
            let balance = frame.with_host(|host| Ok(host.balance(BLOCK_REWARD_CONTROLLER)?))?;
            if !balance.is_zero() {
                frame
                    .call(CallKind::Call, Address::ZERO, balance, Bytes::new())?
                    .bubble()?;
            }
            Vec::new()
        }
    })
}

/// Only the Distributor processes rewards (`NotDistributor()`).
fn only_distributor(caller: Address) -> Result<(), PoolError> {
    if caller != POL_DISTRIBUTOR {
        return Err(sol_revert(IBlockRewardController::NotDistributor {}));
    }
    Ok(())
}

/// `processRewards`: the event, the base rate to the operator, the reward rate to the
/// Distributor when BeraChef is ready; returns the reward rate paid.
fn process_rewards<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    pubkey: &[u8],
    next_timestamp: u64,
    is_ready: bool,
) -> Result<U256, PoolError> {
    let reward = if is_ready { REWARD_RATE } else { U256::ZERO };
    let operator = frame.with_host(|host| {
        host.log(Log {
            address: BLOCK_REWARD_CONTROLLER,
            data: IBlockRewardController::BlockRewardProcessed {
                pubkey: keccak256(pubkey),
                nextTimestamp: next_timestamp,
                baseRate: BASE_RATE,
                rewardRate: reward,
            }
            .encode_log_data(),
        })?;
        Ok(beacon_deposit::operator_of_bytes(host, pubkey)?)
    })?;
    pay_wbera(frame, operator, BASE_RATE)?;
    if !reward.is_zero() {
        pay_wbera(frame, POL_DISTRIBUTOR, reward)?;
    }
    Ok(reward)
}

/// `_handleMinting`: wraps `amount` of the controller's BERA and sends the WBERA to `to`.
fn pay_wbera<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    to: Address,
    amount: U256,
) -> Result<(), PoolError> {
    let balance = frame.with_host(|host| Ok(host.balance(BLOCK_REWARD_CONTROLLER)?))?;
    if balance < amount {
        // Berachain mints and redeems BGT here; the native set holds no BGT reserve.
        return Err(empty_revert());
    }
    let deposit = IWBERA::depositCall {}.abi_encode();
    frame
        .call(CallKind::Call, WBERA, amount, deposit.into())?
        .bubble()?;
    let transfer = IWBERA::transferCall { to, amount }.abi_encode();
    frame
        .call(CallKind::Call, WBERA, U256::ZERO, transfer.into())?
        .bubble()?;
    Ok(())
}
