//! Proofs against EIP-4788 beacon roots, as the factory's `validatePubkeyProof` /
//! `validateBalanceProof` and `activateStakingPool` check them.

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolError;
use berapool_pool_state::{
    addresses::FACTORY,
    layout::{self, field_u64, slot, with_field},
    params::MAX_VALIDATOR_INDEX,
    HostError, PoolError, Storage,
};

use crate::{
    abi::IStakingPoolContractsFactory as F,
    evm_host::EvmHost,
    gas::SHA256_NODE,
    ssz::{self, BranchError},
    system::beacon_roots,
};

/// A factory error carried as revert data (these checks live only in the EVM layer).
pub(crate) fn factory_error(error: impl SolError) -> PoolError {
    PoolError::Host(HostError::Revert(error.abi_encode()))
}

/// The generalized indices of validator 0's fields, as set by the factory owner (zero stored =
/// BeaconKit's Electra defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GIndices {
    pub(crate) pubkey: u64,
    pub(crate) credentials: u64,
    pub(crate) balance: u64,
}

impl GIndices {
    pub(crate) fn load(host: &mut EvmHost<'_, '_>) -> Result<Self, PoolError> {
        let word = host.sload(FACTORY, slot(layout::factory::GINDICES))?;
        let or = |v: u64, default: u64| if v == 0 { default } else { v };
        Ok(Self {
            pubkey: or(field_u64(word, 0, 64), ssz::ZERO_VALIDATOR_PUBKEY_GINDEX),
            credentials: or(
                field_u64(word, 64, 64),
                ssz::ZERO_VALIDATOR_CREDENTIALS_GINDEX,
            ),
            balance: or(field_u64(word, 128, 64), ssz::ZERO_VALIDATOR_BALANCE_GINDEX),
        })
    }

    pub(crate) fn store(&self, host: &mut EvmHost<'_, '_>) -> Result<(), PoolError> {
        let word = with_field(U256::ZERO, 0, 64, U256::from(self.pubkey))?;
        let word = with_field(word, 64, 64, U256::from(self.credentials))?;
        let word = with_field(word, 128, 64, U256::from(self.balance))?;
        Ok(host.sstore(FACTORY, slot(layout::factory::GINDICES), word)?)
    }
}

/// Refuses a proof timestamp in the future or older than `MAX_TIMESTAMP_AGE`.
pub(crate) fn check_timestamp(
    host: &EvmHost<'_, '_>,
    max_age: u64,
    timestamp: u64,
) -> Result<(), PoolError> {
    use berapool_pool_state::Host;
    let now = host.block().timestamp;
    if timestamp > now || now - timestamp > max_age {
        return Err(PoolError::InvalidTimestamp);
    }
    Ok(())
}

/// The root a proof with `timestamp` is checked against, and the indices to check it at:
/// refuses stale or future timestamps and missing or zero roots.
pub(crate) fn root_and_gindices(
    host: &mut EvmHost<'_, '_>,
    max_age: u64,
    timestamp: u64,
) -> Result<(B256, GIndices), PoolError> {
    check_timestamp(host, max_age, timestamp)?;
    let root = beacon_root(host, timestamp)?;
    Ok((root, GIndices::load(host)?))
}

/// The beacon root stored under `timestamp`.
pub(crate) fn beacon_root(host: &mut EvmHost<'_, '_>, timestamp: u64) -> Result<B256, PoolError> {
    let root =
        beacon_roots::root_at(host, timestamp)?.ok_or_else(|| factory_error(F::RootNotFound {}))?;
    if root.is_zero() {
        return Err(factory_error(F::InvalidBeaconBlockRoot {}));
    }
    Ok(root)
}

fn index_gindex(zero: u64, index: u64, stride_div: u64, stride_mul: u64) -> Result<u64, PoolError> {
    if index >= MAX_VALIDATOR_INDEX {
        return Err(PoolError::IndexOutOfRange);
    }
    (index / stride_div)
        .checked_mul(stride_mul)
        .and_then(|offset| zero.checked_add(offset))
        .ok_or(PoolError::IndexOutOfRange)
}

/// Verifies `leaf` at `gindex`: `InvalidProof` on a mismatch, the SSZ library's branch errors
/// on a wrong length.
pub(crate) fn verify(
    host: &mut EvmHost<'_, '_>,
    proof: &[B256],
    root: B256,
    leaf: B256,
    gindex: u64,
) -> Result<(), PoolError> {
    host.charge(SHA256_NODE.saturating_mul(proof.len() as u64))?;
    match ssz::verify(proof, root, leaf, gindex) {
        Ok(true) => Ok(()),
        Ok(false) => Err(factory_error(F::InvalidProof {})),
        Err(BranchError::ExtraItem) => Err(factory_error(F::BranchHasExtraItem {})),
        Err(BranchError::MissingItem) => Err(factory_error(F::BranchHasMissingItem {})),
    }
}

/// The pubkey of validator `index` is `pubkey` under `root`.
pub(crate) fn verify_pubkey(
    host: &mut EvmHost<'_, '_>,
    g: &GIndices,
    root: B256,
    pubkey: &[u8],
    proof: &[B256],
    index: u64,
) -> Result<(), PoolError> {
    let pubkey: &[u8; 48] = pubkey
        .try_into()
        .map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
    let gindex = index_gindex(g.pubkey, index, 1, ssz::VALIDATOR_GINDEX_OFFSET)?;
    verify(host, proof, root, ssz::pubkey_leaf(pubkey), gindex)
}

/// The withdrawal credentials of validator `index` are `credentials` under `root`.
pub(crate) fn verify_credentials(
    host: &mut EvmHost<'_, '_>,
    g: &GIndices,
    root: B256,
    credentials: B256,
    proof: &[B256],
    index: u64,
) -> Result<(), PoolError> {
    let gindex = index_gindex(g.credentials, index, 1, ssz::VALIDATOR_GINDEX_OFFSET)?;
    verify(host, proof, root, credentials, gindex)
}

/// The balance of validator `index` is `balance` gwei, in chunk `leaf`, under `root`.
pub(crate) fn verify_balance(
    host: &mut EvmHost<'_, '_>,
    g: &GIndices,
    root: B256,
    balance: u64,
    leaf: B256,
    proof: &[B256],
    index: u64,
) -> Result<(), PoolError> {
    let gindex = index_gindex(g.balance, index, ssz::BALANCES_PER_LEAF, 1)?;
    verify(host, proof, root, leaf, gindex)?;
    if ssz::balance_in_leaf(&leaf, index) != balance {
        return Err(factory_error(F::InvalidBalance {}));
    }
    Ok(())
}
