//! SmartOperator (`0x…b502‖id`), StakingRewardsVault (`0x…b503‖id`), and the AccessControl
//! surface they share with the vault and the oracle.

use alloy_primitives::aliases::U96;
use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{
    access::{
        Roles, BGT_MANAGER_ROLE, COMMISSION_MANAGER_ROLE, DEFAULT_ADMIN_ROLE,
        INCENTIVE_COLLECTOR_MANAGER_ROLE, PROTOCOL_FEE_MANAGER_ROLE,
        REWARDS_ALLOCATION_MANAGER_ROLE, VALIDATOR_ADMIN_ROLE,
    },
    addresses::{BERA_CHEF, BGT, BGT_INCENTIVE_DISTRIBUTOR, BGT_STAKER, HONEY},
    operator::{operator_roles, rewards_vault_roles},
    params::{MAX_PROTOCOL_FEE, ONE_HUNDRED_PERCENT},
    PoolError, PoolId,
};

use super::{empty_revert, Dispatch};
use crate::abi::{
    IAccessControl::{self, IAccessControlCalls as A},
    ISmartOperator::{self, ISmartOperatorCalls as O},
};

/// ERC-165 interface ids.
pub(crate) const IERC165: [u8; 4] = [0x01, 0xff, 0xc9, 0xa7];
/// `IAccessControl`'s interface id.
pub(crate) const IACCESS_CONTROL: [u8; 4] = [0x79, 0x65, 0xdb, 0x0b];

/// Handles the AccessControl functions of the contract whose roles are `roles`; `None` if
/// `data` is not one of them.
pub(super) fn access_control(
    d: &mut Dispatch<'_, '_, '_, '_>,
    roles: Roles,
    data: &[u8],
    interfaces: &[[u8; 4]],
) -> Option<Result<Vec<u8>, PoolError>> {
    let call = A::abi_decode(data).ok()?;
    Some((|| {
        d.nonpayable()?;
        let caller = d.call.caller;
        Ok(match call {
            A::DEFAULT_ADMIN_ROLE(_) => {
                IAccessControl::DEFAULT_ADMIN_ROLECall::abi_encode_returns(&DEFAULT_ADMIN_ROLE)
            }
            A::getRoleAdmin(c) => IAccessControl::getRoleAdminCall::abi_encode_returns(
                &roles.hierarchy.admin_of(c.role),
            ),
            A::hasRole(c) => IAccessControl::hasRoleCall::abi_encode_returns(
                &roles.has_role(d.host, c.role, c.account)?,
            ),
            A::supportsInterface(c) => {
                let id: [u8; 4] = c.interfaceId.0;
                IAccessControl::supportsInterfaceCall::abi_encode_returns(&interfaces.contains(&id))
            }
            A::grantRole(c) => {
                d.write()?;
                roles.grant_role(d.host, caller, c.role, c.account)?;
                Vec::new()
            }
            A::revokeRole(c) => {
                d.write()?;
                roles.revoke_role(d.host, caller, c.role, c.account)?;
                Vec::new()
            }
            A::renounceRole(c) => {
                d.write()?;
                roles.renounce_role(d.host, caller, c.role, c.callerConfirmation)?;
                Vec::new()
            }
        })
    })())
}

/// SmartOperator.
pub(super) fn operator(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: PoolId,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    d.sys.pool(d.host, id)?;
    if let Some(result) = access_control(d, operator_roles(id), data, &[IERC165, IACCESS_CONTROL]) {
        return result;
    }
    let call = O::abi_decode(data).map_err(|_| empty_revert())?;
    d.nonpayable()?;
    let u96 = |v: u64| U96::from(v);
    Ok(match call {
        O::BGT_MANAGER_ROLE(_) => {
            ISmartOperator::BGT_MANAGER_ROLECall::abi_encode_returns(&BGT_MANAGER_ROLE)
        }
        O::COMMISSION_MANAGER_ROLE(_) => {
            ISmartOperator::COMMISSION_MANAGER_ROLECall::abi_encode_returns(
                &COMMISSION_MANAGER_ROLE,
            )
        }
        O::INCENTIVE_COLLECTOR_MANAGER_ROLE(_) => {
            ISmartOperator::INCENTIVE_COLLECTOR_MANAGER_ROLECall::abi_encode_returns(
                &INCENTIVE_COLLECTOR_MANAGER_ROLE,
            )
        }
        O::PROTOCOL_FEE_MANAGER_ROLE(_) => {
            ISmartOperator::PROTOCOL_FEE_MANAGER_ROLECall::abi_encode_returns(
                &PROTOCOL_FEE_MANAGER_ROLE,
            )
        }
        O::REWARDS_ALLOCATION_MANAGER_ROLE(_) => {
            ISmartOperator::REWARDS_ALLOCATION_MANAGER_ROLECall::abi_encode_returns(
                &REWARDS_ALLOCATION_MANAGER_ROLE,
            )
        }
        O::VALIDATOR_ADMIN_ROLE(_) => {
            ISmartOperator::VALIDATOR_ADMIN_ROLECall::abi_encode_returns(&VALIDATOR_ADMIN_ROLE)
        }
        O::MAX_PROTOCOL_FEE(_) => {
            ISmartOperator::MAX_PROTOCOL_FEECall::abi_encode_returns(&u96(MAX_PROTOCOL_FEE))
        }
        O::ONE_HUNDRED_PERCENT(_) => {
            ISmartOperator::ONE_HUNDRED_PERCENTCall::abi_encode_returns(&u96(ONE_HUNDRED_PERCENT))
        }
        O::protocolFeePercentage(_) => {
            ISmartOperator::protocolFeePercentageCall::abi_encode_returns(&u96(d
                .sys
                .protocol_fee_percentage(d.host, id)?))
        }
        O::setProtocolFeePercentage(c) => {
            d.write()?;
            // uint96 on the wire; anything above the cap is refused by the rule itself.
            let bps = u64::try_from(c.protocolFeePercentage_).unwrap_or(u64::MAX);
            d.sys
                .set_protocol_fee_percentage(d.host, &d.call, id, bps)?;
            Vec::new()
        }
        O::queueIncentiveCollectorPayoutAmountChange(c) => {
            d.write()?;
            d.sys
                .queue_incentive_payout_change(d.host, &d.call, id, c.newPayoutAmount)?;
            Vec::new()
        }
        O::accrueIncentivesFees(c) => {
            d.write()?;
            d.sys
                .accrue_incentives_fees(d.host, &d.call, id, c.amount)?;
            Vec::new()
        }
        O::setMinEffectiveBalance(c) => {
            d.write()?;
            d.sys
                .set_min_effective_balance(d.host, &d.call, id, c.minEffectiveBalance)?;
            Vec::new()
        }
        O::BERA_CHEF(_) => ISmartOperator::BERA_CHEFCall::abi_encode_returns(&BERA_CHEF),
        O::BGT(_) => ISmartOperator::BGTCall::abi_encode_returns(&BGT),
        O::BGT_INCENTIVE_DISTRIBUTOR(_) => {
            ISmartOperator::BGT_INCENTIVE_DISTRIBUTORCall::abi_encode_returns(
                &BGT_INCENTIVE_DISTRIBUTOR,
            )
        }
        O::BGT_STAKER(_) => ISmartOperator::BGT_STAKERCall::abi_encode_returns(&BGT_STAKER),
        O::HONEY_TOKEN(_) => ISmartOperator::HONEY_TOKENCall::abi_encode_returns(&HONEY),
        O::rebaseableWberaAmount(_) => {
            let track = d.sys.wbera_fee_state(d.host, id)?;
            ISmartOperator::rebaseableWberaAmountCall::abi_encode_returns(&track.rebaseable)
        }
        O::availableWBERABalance(_) => {
            let track = d.sys.wbera_fee_state(d.host, id)?;
            ISmartOperator::availableWBERABalanceCall::abi_encode_returns(&track.balance)
        }
        O::getEarnedWBERAFeeState(_) => {
            let track = d.sys.wbera_fee_state(d.host, id)?;
            ISmartOperator::getEarnedWBERAFeeStateCall::abi_encode_returns(
                &ISmartOperator::getEarnedWBERAFeeStateReturn {
                    currentBalance: track.balance,
                    wberaBalanceAlreadyCharged: track.already_charged,
                    chargeableBalance: track.chargeable,
                    protocolFeePercentage: u96(track.protocol_fee_bps),
                },
            )
        }
        O::accrueEarnedWBERAFees(_) => {
            d.write()?;
            d.sys.accrue_earned_wbera_fees(d.host, &d.call, id)?;
            Vec::new()
        }
        O::withdrawRewards(_) => {
            d.write()?;
            // The native StakingPool collects WBERA itself; no account may call this.
            return Err(PoolError::InvalidSender {
                sender: d.call.caller,
                expected: id.addresses().staking_pool,
            });
        }
        O::pullBeraToWithdrawalVault(_) => {
            d.write()?;
            return Err(PoolError::InvalidSender {
                sender: d.call.caller,
                expected: berapool_pool_state::addresses::WITHDRAWAL_VAULT,
            });
        }
        // These call BeraChef: only a `BerapoolEvm` runs them (as native frames).
        O::queueValCommission(_)
        | O::queueRewardsAllocation(_)
        | O::setRewardAllocator(_)
        | O::moveERC20ToIncentiveCollector(_) => return Err(PoolError::NativeFrameRequired),
    })
}

/// StakingRewardsVault: takes plain value (EL rewards, donations); only the pool withdraws.
pub(super) fn rewards_vault(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: PoolId,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    if data.is_empty() {
        d.payable()?;
        d.sys.receive_rewards(d.host, &d.call, id)?;
        return Ok(Vec::new());
    }
    d.sys.pool(d.host, id)?;
    if let Some(result) = access_control(
        d,
        rewards_vault_roles(id),
        data,
        &[IERC165, IACCESS_CONTROL],
    ) {
        return result;
    }
    match crate::abi::IStakingRewardsVault::IStakingRewardsVaultCalls::abi_decode(data) {
        // Sibling plumbing: only the pool may pull rewards, and it does so natively.
        Ok(_) => Err(PoolError::InvalidSenderBare),
        Err(_) => Err(empty_revert()),
    }
}
