//! The Distributor at `0xD2f1…0761`, as native code: the target of every block's PoL
//! transaction. `distributeFor(pubkey)` may only come from the system address, once per block
//! (the block executor guarantees that; the contract has no replay guard, as Berachain's has
//! none). It has the BlockRewardController pay the previous proposer and itself, activates the
//! proposer's queued reward allocation if it is due, splits the emission over the proposer's
//! active allocation (each vault approved, notified, and a `Distributed` event), and burns what
//! is left on the controller. Every step is a real call to the contract that does it.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{keccak256, Address, Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{BERA_CHEF, BLOCK_REWARD_CONTROLLER, POL_DISTRIBUTOR, WBERA},
    Call, Host, PoolError,
};

use super::allocation::{self, Allocation};
use crate::{
    abi::{
        IBeraChef, IBlockRewardController,
        IDistributor::{self, IDistributorCalls as D},
        IRewardVault, IWBERA,
    },
    contracts::{empty_revert, sol_revert, view_guard, write_guard, SYSTEM_ADDRESS},
    native::{CallKind, NativeFrame},
};

/// `distributeFor(bytes)`'s selector, the PoL transaction's.
pub const DISTRIBUTE_FOR_SELECTOR: [u8; 4] = IDistributor::distributeForCall::SELECTOR;

/// One call to the Distributor.
pub(crate) fn call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let decoded = D::abi_decode(data).map_err(|_| empty_revert())?;
    let is_static = frame.is_static();
    Ok(match decoded {
        D::beraChef(_) => {
            view_guard(&call)?;
            IDistributor::beraChefCall::abi_encode_returns(&BERA_CHEF)
        }
        D::blockRewardController(_) => {
            view_guard(&call)?;
            IDistributor::blockRewardControllerCall::abi_encode_returns(&BLOCK_REWARD_CONTROLLER)
        }
        D::distributeFor(c) => {
            write_guard(&call, is_static, false)?;
            if call.caller != SYSTEM_ADDRESS {
                return Err(sol_revert(IDistributor::NotSystemAddress {}));
            }
            distribute_for(frame, &c.pubkey)?;
            Vec::new()
        }
    })
}

/// Calls `to` and returns its output, bubbling a revert up as Solidity does.
fn call_out<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    kind: CallKind,
    to: Address,
    data: Vec<u8>,
) -> Result<Bytes, PoolError> {
    frame.call(kind, to, U256::ZERO, data.into())?.bubble()
}

fn distribute_for<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    pubkey: &Bytes,
) -> Result<(), PoolError> {
    let timestamp = frame.with_host(|host| Ok(host.block().timestamp))?;
    let ready = call_out(
        frame,
        CallKind::StaticCall,
        BERA_CHEF,
        IBeraChef::isReadyCall {}.abi_encode(),
    )?;
    let ready = IBeraChef::isReadyCall::abi_decode_returns(&ready).map_err(|_| empty_revert())?;
    let processed = call_out(
        frame,
        CallKind::Call,
        BLOCK_REWARD_CONTROLLER,
        IBlockRewardController::processRewardsCall {
            pubkey: pubkey.clone(),
            nextTimestamp: timestamp,
            isReady: ready,
        }
        .abi_encode(),
    )?;
    let reward = IBlockRewardController::processRewardsCall::abi_decode_returns(&processed)
        .map_err(|_| empty_revert())?;
    if !reward.is_zero() {
        call_out(
            frame,
            CallKind::Call,
            BERA_CHEF,
            IBeraChef::activateReadyQueuedRewardAllocationCall {
                valPubkey: pubkey.clone(),
            }
            .abi_encode(),
        )?;
        let active = call_out(
            frame,
            CallKind::StaticCall,
            BERA_CHEF,
            IBeraChef::getActiveRewardAllocationCall {
                valPubkey: pubkey.clone(),
            }
            .abi_encode(),
        )?;
        let active = IBeraChef::getActiveRewardAllocationCall::abi_decode_returns(&active)
            .map_err(|_| empty_revert())?;
        let active = Allocation::from_abi(active.startBlock, &active.weights);
        for (vault, amount) in allocation::split(reward, &active.weights) {
            pay_vault(frame, pubkey, timestamp, vault, amount)?;
        }
    }
    call_out(
        frame,
        CallKind::Call,
        BLOCK_REWARD_CONTROLLER,
        IBlockRewardController::burnExceedingBalanceCall {}.abi_encode(),
    )?;
    Ok(())
}

/// One weight of the allocation: the vault's allowance raised by `amount`
/// (`safeIncreaseAllowance`), the vault notified (it pulls the WBERA), and `Distributed`.
fn pay_vault<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    pubkey: &Bytes,
    timestamp: u64,
    vault: Address,
    amount: U256,
) -> Result<(), PoolError> {
    let allowance = call_out(
        frame,
        CallKind::StaticCall,
        WBERA,
        IWBERA::allowanceCall {
            owner: POL_DISTRIBUTOR,
            spender: vault,
        }
        .abi_encode(),
    )?;
    let allowance =
        IWBERA::allowanceCall::abi_decode_returns(&allowance).map_err(|_| empty_revert())?;
    let raised = allowance.checked_add(amount).ok_or_else(empty_revert)?;
    call_out(
        frame,
        CallKind::Call,
        WBERA,
        IWBERA::approveCall {
            spender: vault,
            amount: raised,
        }
        .abi_encode(),
    )?;
    call_out(
        frame,
        CallKind::Call,
        vault,
        IRewardVault::notifyRewardAmountCall {
            pubkey: pubkey.clone(),
            reward: amount,
        }
        .abi_encode(),
    )?;
    frame.with_host(|host| {
        Ok(host.log(Log {
            address: POL_DISTRIBUTOR,
            data: IDistributor::Distributed {
                valPubkey: keccak256(pubkey),
                nextTimestamp: timestamp,
                receiver: vault,
                amount,
            }
            .encode_log_data(),
        })?)
    })
}
