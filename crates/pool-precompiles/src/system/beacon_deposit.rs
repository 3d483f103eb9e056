//! BeaconDeposit (`0x4242…42`): `deposit` made natively, with the real contract's checks, storage
//! (deposit count in slot 0, `mapping(bytes => address)` of operators at slot 2) and logs
//! (`OperatorUpdated`, `Deposit`), and the value burnt to the zero address.

use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
use alloy_sol_types::{SolError, SolEvent};
use pool_state::{addresses::BEACON_DEPOSIT, ClDeposit, HostError, Pubkey, Storage};

use crate::{abi::IBeaconDeposit, evm_host::EvmHost};

/// The contract's address.
pub const ADDRESS: Address = BEACON_DEPOSIT;
/// Slot of `depositCount` (a `uint64`).
pub const DEPOSIT_COUNT_SLOT: U256 = U256::ZERO;
/// Slot of `genesisDepositsRoot`.
pub const GENESIS_ROOT_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);
/// Slot of the operator mapping.
pub const OPERATORS_SLOT: U256 = U256::from_limbs([2, 0, 0, 0]);
/// Slot of the queued-operator mapping.
pub const QUEUED_OPERATORS_SLOT: U256 = U256::from_limbs([3, 0, 0, 0]);
/// Smallest deposit, in gwei (10,000 BERA).
pub const MIN_DEPOSIT_GWEI: u64 = 10_000_000_000_000;

/// Solidity's slot for `mapping(bytes => …)` at `base`: `keccak256(key ‖ base)`.
pub fn bytes_mapping_slot(key: &[u8], base: U256) -> U256 {
    let mut buf = Vec::with_capacity(key.len() + 32);
    buf.extend_from_slice(key);
    buf.extend_from_slice(&base.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(buf).0)
}

fn revert(error: impl SolError) -> HostError {
    HostError::Revert(error.abi_encode())
}

/// `getOperator(pubkey)`.
pub fn operator_of(host: &mut EvmHost<'_, '_>, pubkey: &Pubkey) -> Result<Address, HostError> {
    host.charge_mapping_key()?;
    let word = host.sload(
        ADDRESS,
        bytes_mapping_slot(pubkey.as_slice(), OPERATORS_SLOT),
    )?;
    Ok(Address::from_word(B256::from(word)))
}

/// `deposit{value: amount_gwei gwei}(pubkey, credentials, signature, operator)` from `from`, the
/// value already set aside by the caller's accounting (it is moved from `from` here).
pub fn deposit(
    host: &mut EvmHost<'_, '_>,
    from: Address,
    deposit: &ClDeposit,
) -> Result<(), HostError> {
    let current = operator_of(host, &deposit.pubkey)?;
    if current.is_zero() {
        if deposit.operator.is_zero() {
            return Err(revert(IBeaconDeposit::ZeroOperatorOnFirstDeposit {}));
        }
        let slot = bytes_mapping_slot(deposit.pubkey.as_slice(), OPERATORS_SLOT);
        host.sstore(
            ADDRESS,
            slot,
            U256::from_be_slice(deposit.operator.as_slice()),
        )?;
        let event = IBeaconDeposit::OperatorUpdated {
            pubkey: keccak256(deposit.pubkey),
            newOperator: deposit.operator,
            previousOperator: Address::ZERO,
        };
        host.log(Log {
            address: ADDRESS,
            data: event.encode_log_data(),
        })?;
    } else if !deposit.operator.is_zero() {
        return Err(revert(IBeaconDeposit::OperatorAlreadySet {}));
    }
    if deposit.amount_gwei < MIN_DEPOSIT_GWEI {
        return Err(revert(IBeaconDeposit::InsufficientDeposit {}));
    }
    let amount = U256::from(deposit.amount_gwei) * U256::from(1_000_000_000u64);
    host.transfer(from, Address::ZERO, amount)?;
    let index = host
        .sload(ADDRESS, DEPOSIT_COUNT_SLOT)?
        .saturating_to::<u64>();
    let event = IBeaconDeposit::Deposit {
        pubkey: Bytes::copy_from_slice(deposit.pubkey.as_slice()),
        credentials: Bytes::copy_from_slice(deposit.credentials.as_slice()),
        amount: deposit.amount_gwei,
        signature: Bytes::copy_from_slice(deposit.signature.as_slice()),
        index,
    };
    host.log(Log {
        address: ADDRESS,
        data: event.encode_log_data(),
    })?;
    host.sstore(
        ADDRESS,
        DEPOSIT_COUNT_SLOT,
        U256::from(index) + U256::from(1u8),
    )?;
    Ok(())
}
