//! AccountingOracle at `0x…b5000…03`: proven balances from FEEDER_ROLE holders.

use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{access::FEEDER_ROLE, oracle::oracle_roles, PoolError, Pubkey};

use super::{
    empty_revert,
    proofs::{self, factory_error},
    roles::{access_control, IACCESS_CONTROL, IERC165},
    Dispatch,
};
use crate::abi::{
    IAccountingOracle::{self, IAccountingOracleCalls as O},
    IStakingPoolContractsFactory as F,
};

pub(super) fn call(d: &mut Dispatch<'_, '_, '_, '_>, data: &[u8]) -> Result<Vec<u8>, PoolError> {
    if let Some(result) = access_control(d, oracle_roles(), data, &[IERC165, IACCESS_CONTROL]) {
        return result;
    }
    let call = O::abi_decode(data).map_err(|_| empty_revert())?;
    d.nonpayable()?;
    Ok(match call {
        O::FEEDER_ROLE(_) => IAccountingOracle::FEEDER_ROLECall::abi_encode_returns(&FEEDER_ROLE),
        O::updateTotalDeposits(c) => {
            d.write()?;
            // The role first, so a stranger's proofs cost it nothing to refuse.
            oracle_roles().check_role(d.host, FEEDER_ROLE, d.call.caller)?;
            let pubkey = Pubkey::try_from(c.pubkey.as_ref())
                .map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
            let pool = d.sys.pool_by_pubkey(d.host, &pubkey)?;
            let params = &d.sys.params;
            let (root, g) =
                proofs::root_and_gindices(d.host, params.max_proof_age_secs, c.timestamp)?;
            proofs::verify_pubkey(
                d.host,
                &g,
                root,
                pubkey.as_slice(),
                &c.pubkeyProof,
                c.validatorIndex,
            )?;
            proofs::verify_balance(
                d.host,
                &g,
                root,
                c.balance,
                c.balancesLeaf,
                &c.balanceProof,
                c.validatorIndex,
            )?;
            // The pool's validator, at the index its activation proved.
            if c.validatorIndex != pool.validator_index {
                return Err(factory_error(F::InvalidProof {}));
            }
            d.sys
                .update_total_deposits(d.host, &d.call, &pubkey, c.balance, c.timestamp)?;
            Vec::new()
        }
    })
}
