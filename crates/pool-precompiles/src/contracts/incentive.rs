//! The native frames' contracts: the IncentiveCollector (`0x…b504‖id`) and the vaults'
//! `recoverERC20`. They move ERC-20 tokens, so they run on a [`NativeFrame`] and call the
//! tokens as Solidity would (OpenZeppelin 5's SafeERC20), with `msg.sender` = themselves.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{aliases::U96, Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{
    incentive::incentive_collector_roles, operator::rewards_vault_roles,
    params::ONE_HUNDRED_PERCENT, vault::vault_roles, Call, Event, Host, PoolError, PoolId,
    PoolSystem,
};

use super::{
    empty_revert,
    roles::{access_control, IACCESS_CONTROL, IERC165},
    view_guard, write_guard, Dispatch, Target,
};
use crate::{
    abi::{
        IIncentiveCollector::{self, IIncentiveCollectorCalls as C},
        IRecoverERC20, IERC20,
    },
    native::{CallKind, NativeFrame},
};

/// Transient slot of the collector's reentrancy lock (`claim` is `nonReentrant`).
const CLAIM_LOCK: U256 = U256::from_limbs([0x6c6f636b, 0, 0, 0]);

/// `IERC20(token).balanceOf(address(this))`: a revert bubbles up, as does a call that returns
/// no word (Solidity's decoder refuses it).
pub(super) fn balance_of<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    token: Address,
) -> Result<U256, PoolError> {
    let data = IERC20::balanceOfCall {
        account: frame.address(),
    }
    .abi_encode();
    let out = frame
        .call(CallKind::StaticCall, token, U256::ZERO, data.into())?
        .bubble()?;
    match out.get(..32) {
        Some(word) => Ok(U256::from_be_slice(word)),
        None => Err(empty_revert()),
    }
}

/// SafeERC20's `safeTransfer`: a revert bubbles up; a return of anything but `true` fails, and
/// so does an empty return from an account without code.
pub(super) fn safe_transfer<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), PoolError> {
    let data = IERC20::transferCall { to, value: amount }.abi_encode();
    let failed = PoolError::SafeErc20FailedOperation { token };
    let out = frame
        .call(CallKind::Call, token, U256::ZERO, Bytes::from(data))?
        .bubble()?;
    let returned_true = out
        .get(..32)
        .is_some_and(|word| U256::from_be_slice(word) == U256::from(1));
    if returned_true || (out.is_empty() && frame.has_code(token)?) {
        Ok(())
    } else {
        Err(failed)
    }
}

/// One call to pool `id`'s IncentiveCollector.
pub(crate) fn collector<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    sys: &PoolSystem,
    id: PoolId,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let is_static = frame.is_static();
    if data.is_empty() {
        write_guard(&call, is_static, true)?;
        frame.with_host(|host| sys.donate_to_incentive_collector(host, &call, id))?;
        return Ok(Vec::new());
    }
    frame.with_host(|host| sys.require_registered(host, id))?;
    let roles = incentive_collector_roles(id);
    let access = frame.with_host(|host| {
        let mut d = Dispatch {
            sys,
            host,
            call,
            is_static,
        };
        access_control(&mut d, roles, data, &[IERC165, IACCESS_CONTROL]).transpose()
    })?;
    if let Some(out) = access {
        return Ok(out);
    }
    let decoded = C::abi_decode(data).map_err(|_| empty_revert())?;
    Ok(match decoded {
        C::ONE_HUNDRED_PERCENT(_) => {
            view_guard(&call)?;
            IIncentiveCollector::ONE_HUNDRED_PERCENTCall::abi_encode_returns(&U96::from(
                ONE_HUNDRED_PERCENT,
            ))
        }
        C::payoutAmount(_) => {
            view_guard(&call)?;
            let state = frame.with_host(|host| sys.incentive_state(host, id))?;
            IIncentiveCollector::payoutAmountCall::abi_encode_returns(&state.payout_amount)
        }
        C::queuedPayoutAmount(_) => {
            view_guard(&call)?;
            let state = frame.with_host(|host| sys.incentive_state(host, id))?;
            IIncentiveCollector::queuedPayoutAmountCall::abi_encode_returns(
                &state.queued_payout_amount,
            )
        }
        C::feePercentage(_) => {
            view_guard(&call)?;
            let state = frame.with_host(|host| sys.incentive_state(host, id))?;
            IIncentiveCollector::feePercentageCall::abi_encode_returns(&U96::from(
                state.fee_percentage,
            ))
        }
        C::initialize(_) => return Err(PoolError::InvalidInitialization),
        C::queuePayoutAmountChange(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| {
                sys.queue_payout_amount_change(host, &call, id, c.newPayoutAmount)
            })?;
            Vec::new()
        }
        C::claim(c) => {
            write_guard(&call, is_static, true)?;
            claim(frame, sys, id, call, &c.tokens)?;
            Vec::new()
        }
        C::recoverERC20(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| sys.check_token_recovery(host, roles, call.caller))?;
            for token in c.tokens {
                let amount = balance_of(frame, token)?;
                safe_transfer(frame, token, c.receiver, amount)?;
            }
            Vec::new()
        }
    })
}

/// `claim(tokens)`: checks and the fee sync, every token's whole balance to the caller, then
/// the BERA side. Locked against re-entry for its whole length.
fn claim<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    sys: &PoolSystem,
    id: PoolId,
    call: Call,
    tokens: &[Address],
) -> Result<(), PoolError> {
    if !frame.tload(CLAIM_LOCK)?.is_zero() {
        return Err(PoolError::ReentrancyGuardReentrantCall);
    }
    frame.tstore(CLAIM_LOCK, U256::from(1))?;
    let terms = frame.with_host(|host| sys.begin_incentive_claim(host, &call, id))?;
    let collector = frame.address();
    for &token in tokens {
        let amount = balance_of(frame, token)?;
        safe_transfer(frame, token, call.caller, amount)?;
        frame.with_host(|host| {
            Ok(host.emit(
                collector,
                Event::IncentiveTokenClaimed {
                    from: call.caller,
                    token,
                    amount,
                },
            )?)
        })?;
    }
    frame.with_host(|host| sys.settle_incentive_claim(host, &call, id, &terms))?;
    frame.tstore(CLAIM_LOCK, U256::ZERO)
}

/// `recoverERC20(token, to, amount)` on the WithdrawalVault or a StakingRewardsVault: its
/// DEFAULT_ADMIN_ROLE (governance) only.
pub(crate) fn recover<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    sys: &PoolSystem,
    target: Target,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let roles = match target {
        Target::Vault => vault_roles(),
        Target::RewardsVault(id) => {
            frame.with_host(|host| sys.require_registered(host, id))?;
            rewards_vault_roles(id)
        }
        _ => return Err(empty_revert()),
    };
    let c = IRecoverERC20::recoverERC20Call::abi_decode(data).map_err(|_| empty_revert())?;
    write_guard(&call, frame.is_static(), false)?;
    frame.with_host(|host| sys.check_token_recovery(host, roles, call.caller))?;
    safe_transfer(frame, c.token, c.to, c.amount)?;
    let vault = frame.address();
    frame.with_host(|host| {
        Ok(host.emit(
            vault,
            Event::Erc20Recovered {
                token: c.token,
                to: c.to,
                amount: c.amount,
            },
        )?)
    })?;
    Ok(Vec::new())
}
