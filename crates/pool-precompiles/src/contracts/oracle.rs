//! AccountingOracle at `0x…b5000…03`: proven balances from FEEDER_ROLE holders.

use alloy_primitives::B256;
use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{access::FEEDER_ROLE, oracle::oracle_roles, PoolError, Pubkey};

use super::{
    empty_revert,
    proofs::{self, factory_error},
    roles::{access_control, IACCESS_CONTROL, IERC165},
    Dispatch,
};
use crate::{
    abi::{
        IAccountingOracle::{self, IAccountingOracleCalls as O},
        IStakingPoolContractsFactory as F,
    },
    ssz,
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
            let report = Report {
                pubkey: &c.pubkey,
                pubkey_proof: &c.pubkeyProof,
                balance: c.balance,
                balances_leaf: c.balancesLeaf,
                balance_proof: &c.balanceProof,
                validator_index: c.validatorIndex,
                timestamp: c.timestamp,
            };
            report.apply(d, None)?;
            Vec::new()
        }
        O::updateTotalDepositsWithDepositIndex(c) => {
            d.write()?;
            let report = Report {
                pubkey: &c.pubkey,
                pubkey_proof: &c.pubkeyProof,
                balance: c.balance,
                balances_leaf: c.balancesLeaf,
                balance_proof: &c.balanceProof,
                validator_index: c.validatorIndex,
                timestamp: c.timestamp,
            };
            report.apply(d, Some((c.depositIndex, &c.depositIndexProof)))?;
            Vec::new()
        }
    })
}

/// A balance report's fields, shared by the official call and the one with a deposit index.
struct Report<'a> {
    pubkey: &'a [u8],
    pubkey_proof: &'a [B256],
    balance: u64,
    balances_leaf: B256,
    balance_proof: &'a [B256],
    validator_index: u64,
    timestamp: u64,
}

impl Report<'_> {
    /// Checks the role, then every proof against the root stored under the timestamp, then
    /// hands the proven numbers to the pool system.
    fn apply(
        &self,
        d: &mut Dispatch<'_, '_, '_, '_>,
        deposit_index: Option<(u64, &[B256])>,
    ) -> Result<(), PoolError> {
        // The role first, so a stranger's proofs cost it nothing to refuse.
        oracle_roles().check_role(d.host, FEEDER_ROLE, d.call.caller)?;
        let pubkey =
            Pubkey::try_from(self.pubkey).map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
        let pool = d.sys.pool_by_pubkey(d.host, &pubkey)?;
        let params = &d.sys.params;
        let (root, g) =
            proofs::root_and_gindices(d.host, params.max_proof_age_secs, self.timestamp)?;
        proofs::verify_pubkey(
            d.host,
            &g,
            root,
            pubkey.as_slice(),
            self.pubkey_proof,
            self.validator_index,
        )?;
        proofs::verify_balance(
            d.host,
            &g,
            root,
            self.balance,
            self.balances_leaf,
            self.balance_proof,
            self.validator_index,
        )?;
        // The pool's validator, at the index its activation proved.
        if self.validator_index != pool.validator_index {
            return Err(factory_error(F::InvalidProof {}));
        }
        if let Some((index, proof)) = deposit_index {
            proofs::verify(
                d.host,
                proof,
                root,
                ssz::deposit_index_leaf(index),
                ssz::ETH1_DEPOSIT_INDEX_GINDEX,
            )?;
        }
        d.sys.update_total_deposits(
            d.host,
            &d.call,
            &pubkey,
            self.balance,
            self.timestamp,
            deposit_index.map(|(index, _)| index),
        )?;
        Ok(())
    }
}
