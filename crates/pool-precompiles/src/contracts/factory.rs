//! StakingPoolContractsFactory at `0x…b5000…01`: registration, activation with proofs, the
//! registry, the proof validators the oracle uses, generalized indices and ownership.

use alloy_primitives::{Address, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use berapool_pool_state::{
    addresses::{
        pool_withdrawal_credentials, PoolAddresses, ACCOUNTING_ORACLE, BEACON_DEPOSIT,
        WITHDRAWAL_VAULT,
    },
    params::bera,
    OwnershipStep, PoolError, PoolId, PoolRegistration, ProvenValidator, Pubkey,
};

use super::{
    empty_revert,
    proofs::{self, factory_error, GIndices},
    Dispatch,
};
use crate::{
    abi::{
        IBeaconDeposit,
        IStakingPoolContractsFactory::{self as F, IStakingPoolContractsFactoryCalls as C},
    },
    system::beacon_deposit,
};

/// `INITIAL_PAYOUT_AMOUNT`: the IncentiveCollector's first payout (the auction itself is not built).
const INITIAL_PAYOUT_BERA: u64 = 100;

fn core(addrs: PoolAddresses) -> F::CoreContracts {
    F::CoreContracts {
        smartOperator: addrs.smart_operator,
        stakingPool: addrs.staking_pool,
        stakingRewardsVault: addrs.staking_rewards_vault,
        incentiveCollector: addrs.incentive_collector,
    }
}

pub(super) fn call(d: &mut Dispatch<'_, '_, '_, '_>, data: &[u8]) -> Result<Vec<u8>, PoolError> {
    let call = C::abi_decode(data).map_err(|_| empty_revert())?;
    if !matches!(call, C::deployStakingPoolContracts(_)) {
        d.nonpayable()?;
    }
    let sys = d.sys;
    let params = &sys.params;
    Ok(match call {
        C::BEACON_DEPOSIT(_) => F::BEACON_DEPOSITCall::abi_encode_returns(&BEACON_DEPOSIT),
        C::FIRST_DEPOSIT_AMOUNT_WEI(_) => {
            F::FIRST_DEPOSIT_AMOUNT_WEICall::abi_encode_returns(&params.first_deposit)
        }
        C::FIRST_DEPOSIT_AMOUNT_GWEI(_) => {
            F::FIRST_DEPOSIT_AMOUNT_GWEICall::abi_encode_returns(&params.first_deposit_gwei())
        }
        C::INITIAL_PAYOUT_AMOUNT(_) => {
            F::INITIAL_PAYOUT_AMOUNTCall::abi_encode_returns(&bera(INITIAL_PAYOUT_BERA))
        }
        C::MAX_TIMESTAMP_AGE(_) => {
            F::MAX_TIMESTAMP_AGECall::abi_encode_returns(&params.max_proof_age_secs)
        }
        C::accountingOracle(_) => F::accountingOracleCall::abi_encode_returns(&ACCOUNTING_ORACLE),
        C::withdrawalVault(_) => F::withdrawalVaultCall::abi_encode_returns(&WITHDRAWAL_VAULT),
        C::owner(_) => F::ownerCall::abi_encode_returns(&sys.factory_ownership(d.host)?.owner),
        C::pendingOwner(_) => {
            F::pendingOwnerCall::abi_encode_returns(&sys.factory_ownership(d.host)?.pending_owner)
        }
        C::zeroValidatorPubkeyGIndex(_) => {
            F::zeroValidatorPubkeyGIndexCall::abi_encode_returns(&GIndices::load(d.host)?.pubkey)
        }
        C::zeroValidatorWithdrawalCredentialsGIndex(_) => {
            F::zeroValidatorWithdrawalCredentialsGIndexCall::abi_encode_returns(
                &GIndices::load(d.host)?.credentials,
            )
        }
        C::zeroValidatorBalanceGIndex(_) => {
            F::zeroValidatorBalanceGIndexCall::abi_encode_returns(&GIndices::load(d.host)?.balance)
        }
        C::getCoreContracts(c) => {
            let found = match Pubkey::try_from(c.pubkey.as_ref()) {
                Ok(key) => sys.core_contracts(d.host, &key)?,
                Err(_) => None,
            };
            let zero = PoolAddresses {
                smart_operator: Address::ZERO,
                staking_pool: Address::ZERO,
                staking_rewards_vault: Address::ZERO,
                incentive_collector: Address::ZERO,
            };
            F::getCoreContractsCall::abi_encode_returns(&core(found.unwrap_or(zero)))
        }
        C::predictStakingPoolContractsAddresses(c) => {
            let key = Pubkey::try_from(c.pubkey.as_ref())
                .map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
            F::predictStakingPoolContractsAddressesCall::abi_encode_returns(&core(
                PoolId::from_pubkey(&key).addresses(),
            ))
        }
        C::validatePubkeyProof(c) => {
            let (root, g) =
                proofs::root_and_gindices(d.host, params.max_proof_age_secs, c.timestamp)?;
            proofs::verify_pubkey(
                d.host,
                &g,
                root,
                &c.pubkey,
                &c.pubkeyProof,
                c.validatorIndex,
            )?;
            Vec::new()
        }
        C::validateBalanceProof(c) => {
            let (root, g) =
                proofs::root_and_gindices(d.host, params.max_proof_age_secs, c.timestamp)?;
            proofs::verify_balance(
                d.host,
                &g,
                root,
                c.balance,
                c.balancesLeaf,
                &c.balanceProof,
                c.validatorIndex,
            )?;
            Vec::new()
        }
        C::deployStakingPoolContracts(c) => {
            d.payable()?;
            let signature = FixedBytes::<96>::try_from(c.signature.as_ref())
                .map_err(|_| factory_error(IBeaconDeposit::InvalidSignatureLength {}))?;
            let reg = PoolRegistration {
                pubkey: c.pubkey.to_vec(),
                withdrawal_credentials: c.withdrawalCredentials.to_vec(),
                signature,
                validator_admin: c.validatorAdmin,
                default_shares_recipient: c.defaultSharesRecipient,
            };
            let addrs = sys.deploy_pool(d.host, &d.call, &reg)?;
            for account in [
                addrs.smart_operator,
                addrs.staking_pool,
                addrs.staking_rewards_vault,
                addrs.incentive_collector,
            ] {
                d.host.mark_contract(account)?;
            }
            F::deployStakingPoolContractsCall::abi_encode_returns(
                &F::deployStakingPoolContractsReturn {
                    _0: addrs.smart_operator,
                    _1: addrs.staking_pool,
                    _2: addrs.staking_rewards_vault,
                    _3: addrs.incentive_collector,
                },
            )
        }
        C::activateStakingPool(c) => {
            d.write()?;
            activate(d, c)?;
            Vec::new()
        }
        C::setZeroValidatorPubkeyGIndex(c) => set_gindex(
            d,
            |g| g.pubkey = c._zeroValidatorPubkeyGIndex,
            || {
                F::ZeroValidatorPubkeyGIndexChanged {
                    newZeroValidatorPubkeyGIndex: c._zeroValidatorPubkeyGIndex,
                }
                .encode_log_data()
            },
        )?,
        C::setZeroValidatorWithdrawalCredentialsGIndex(c) => {
            let v = c._zeroValidatorWithdrawalCredentialsGIndex;
            set_gindex(
                d,
                |g| g.credentials = v,
                || {
                    F::ZeroValidatorWithdrawalCredentialsGIndexChanged {
                        newZeroValidatorWithdrawalCredentialsGIndex: v,
                    }
                    .encode_log_data()
                },
            )?
        }
        C::setZeroValidatorBalanceGIndex(c) => {
            let v = c._zeroValidatorBalanceGIndex;
            set_gindex(
                d,
                |g| g.balance = v,
                || {
                    F::ZeroValidatorBalanceGIndexChanged {
                        newZeroValidatorBalanceGIndex: v,
                    }
                    .encode_log_data()
                },
            )?
        }
        C::transferOwnership(c) => ownership(d, OwnershipStep::Transfer(c.newOwner))?,
        C::acceptOwnership(_) => ownership(d, OwnershipStep::Accept)?,
        C::renounceOwnership(_) => ownership(d, OwnershipStep::Renounce)?,
    })
}

fn ownership(d: &mut Dispatch<'_, '_, '_, '_>, step: OwnershipStep) -> Result<Vec<u8>, PoolError> {
    d.write()?;
    d.sys.factory_ownership_step(d.host, &d.call, step)?;
    Ok(Vec::new())
}

fn set_gindex(
    d: &mut Dispatch<'_, '_, '_, '_>,
    set: impl FnOnce(&mut GIndices),
    event: impl FnOnce() -> alloy_primitives::LogData,
) -> Result<Vec<u8>, PoolError> {
    d.write()?;
    d.sys
        .factory_ownership(d.host)?
        .check_owner(d.call.caller)?;
    let mut g = GIndices::load(d.host)?;
    set(&mut g);
    g.store(d.host)?;
    d.host.log(alloy_primitives::Log {
        address: berapool_pool_state::addresses::FACTORY,
        data: event(),
    })?;
    Ok(Vec::new())
}

/// `activateStakingPool`, with the checks in the order the operator tooling preflights them.
fn activate(
    d: &mut Dispatch<'_, '_, '_, '_>,
    c: F::activateStakingPoolCall,
) -> Result<(), PoolError> {
    let params = &d.sys.params;
    let v = c.validatorData;
    let p = c.proofData;
    proofs::check_timestamp(d.host, params.max_proof_age_secs, c.timestamp)?;
    let pubkey =
        Pubkey::try_from(v.pubkey.as_ref()).map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
    let pool = d.sys.pool_by_pubkey(d.host, &pubkey)?;
    if beacon_deposit::operator_of(d.host, &pubkey)? != pool.addresses().smart_operator {
        return Err(PoolError::InvalidOperator);
    }
    let credentials = B256::try_from(v.withdrawalCredentials.as_ref())
        .map_err(|_| PoolError::InvalidWithdrawalCredentials)?;
    if credentials != pool_withdrawal_credentials() {
        return Err(PoolError::InvalidWithdrawalCredentials);
    }
    if U256::from(v.initialDepositAmount) < params.first_deposit_gwei() {
        return Err(PoolError::InvalidInitialDepositAmount);
    }
    let root = proofs::beacon_root(d.host, c.timestamp)?;
    let g = GIndices::load(d.host)?;
    proofs::verify_pubkey(
        d.host,
        &g,
        root,
        pubkey.as_slice(),
        &p.pubkeyProof,
        v.validatorIndex,
    )?;
    proofs::verify_credentials(
        d.host,
        &g,
        root,
        credentials,
        &p.withdrawalCredentialsProof,
        v.validatorIndex,
    )?;
    proofs::verify_balance(
        d.host,
        &g,
        root,
        v.initialDepositAmount,
        p.initialDepositProofLeaf,
        &p.initialDepositProof,
        v.validatorIndex,
    )?;
    d.sys.activate_staking_pool(
        d.host,
        &ProvenValidator {
            pubkey,
            withdrawal_credentials: credentials,
            initial_deposit_gwei: v.initialDepositAmount,
            validator_index: v.validatorIndex,
            proof_timestamp: c.timestamp,
        },
    )?;
    Ok(())
}
