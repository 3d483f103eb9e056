//! The SmartOperator's functions that call Proof of Liquidity. `queueValCommission`,
//! `queueRewardsAllocation` and `setRewardAllocator` forward to BeraChef with a real CALL, so BeraChef sees the SmartOperator
//! as `msg.sender` (its `onlyOperator`: BeaconDeposit's operator of the pool's validator), and a
//! revert in BeraChef reverts the forwarding call with BeraChef's data.
//! `moveERC20ToIncentiveCollector` hands the commission tokens PoL paid the SmartOperator to
//! the pool's IncentiveCollector, where the auction sells them. After the pool's full exit
//! each refuses with `StakingPoolIsFullyExited()`.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    access::{COMMISSION_MANAGER_ROLE, REWARDS_ALLOCATION_MANAGER_ROLE, VALIDATOR_ADMIN_ROLE},
    addresses::{BERA_CHEF, WBERA},
    operator::operator_roles,
    Call, PoolError, PoolId, PoolSystem,
};

use super::{
    empty_revert,
    incentive::{balance_of, safe_transfer},
    sol_revert, write_guard,
};
use crate::{
    abi::{
        IBeraChef,
        ISmartOperator::{self, ISmartOperatorCalls as O},
    },
    native::{CallKind, NativeFrame},
};

/// The selectors that run here rather than in the SmartOperator's precompile.
pub(crate) const SELECTORS: [[u8; 4]; 4] = [
    ISmartOperator::queueValCommissionCall::SELECTOR,
    ISmartOperator::queueRewardsAllocationCall::SELECTOR,
    ISmartOperator::setRewardAllocatorCall::SELECTOR,
    ISmartOperator::moveERC20ToIncentiveCollectorCall::SELECTOR,
];

/// One PoL call to pool `id`'s SmartOperator.
pub(crate) fn call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    sys: &PoolSystem,
    id: PoolId,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let pool = frame.with_host(|host| sys.pool(host, id))?;
    let decoded = O::abi_decode(data).map_err(|_| empty_revert())?;
    write_guard(&call, frame.is_static(), false)?;
    // A fully exited pool has no validator to configure and no auction to feed.
    if pool.is_fully_exited() {
        return Err(PoolError::StakingPoolIsFullyExited);
    }
    let roles = operator_roles(id);
    let pubkey = |frame: &mut NativeFrame<'_, DB, I>| {
        let key = frame.with_host(|host| sys.pool_pubkey(host, id))?;
        Ok::<_, PoolError>(Bytes::copy_from_slice(key.as_slice()))
    };
    match decoded {
        O::queueValCommission(c) => {
            let pubkey = pubkey(frame)?;
            frame.with_host(|host| roles.check_role(host, COMMISSION_MANAGER_ROLE, call.caller))?;
            let forwarded = IBeraChef::queueValCommissionCall {
                valPubkey: pubkey,
                commissionRate: c.commission,
            };
            forward(frame, forwarded.abi_encode())?;
        }
        O::queueRewardsAllocation(c) => {
            let pubkey = pubkey(frame)?;
            frame.with_host(|host| {
                roles.check_role(host, REWARDS_ALLOCATION_MANAGER_ROLE, call.caller)
            })?;
            let weights = c
                .weights
                .into_iter()
                .map(|w| IBeraChef::Weight {
                    receiver: w.receiver,
                    percentageNumerator: w.percentageNumerator,
                })
                .collect();
            let forwarded = IBeraChef::queueNewRewardAllocationCall {
                valPubkey: pubkey,
                startBlock: c.startBlock,
                weights,
            };
            forward(frame, forwarded.abi_encode())?;
        }
        O::setRewardAllocator(c) => {
            let pubkey = pubkey(frame)?;
            frame.with_host(|host| roles.check_role(host, VALIDATOR_ADMIN_ROLE, call.caller))?;
            if c.rewardAllocator.is_zero() {
                return Err(sol_revert(ISmartOperator::ZeroAddress {}));
            }
            let forwarded = IBeraChef::setValRewardAllocatorCall {
                valPubkey: pubkey,
                rewardAllocator: c.rewardAllocator,
            };
            forward(frame, forwarded.abi_encode())?;
            let operator = frame.address();
            let event = ISmartOperator::RewardAllocatorSet {
                rewardAllocator: c.rewardAllocator,
            };
            frame.with_host(|host| {
                Ok(host.log(Log {
                    address: operator,
                    data: event.encode_log_data(),
                })?)
            })?;
        }
        O::moveERC20ToIncentiveCollector(c) => {
            // Anyone: the tokens can only go to the pool's own auction. WBERA is a pool asset
            // (it counts in the NAV), so it stays.
            let collector = id.addresses().incentive_collector;
            for token in c.tokens.into_iter().filter(|t| *t != WBERA) {
                let amount = balance_of(frame, token)?;
                if !amount.is_zero() {
                    safe_transfer(frame, token, collector, amount)?;
                }
            }
        }
        _ => return Err(empty_revert()),
    }
    Ok(Vec::new())
}

/// A Solidity high-level call to BeraChef with no return value: its revert bubbles up, and a
/// call to an address without code reverts (the chain has no BeraChef).
fn forward<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    data: Vec<u8>,
) -> Result<(), PoolError> {
    frame
        .call(CallKind::Call, BERA_CHEF, U256::ZERO, data.into())?
        .bubble()?;
    if frame.has_code(BERA_CHEF)? {
        Ok(())
    } else {
        Err(empty_revert())
    }
}
