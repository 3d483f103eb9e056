//! BeaconDeposit (`0x4242…42`): `deposit` made natively, with the real contract's checks, storage
//! (deposit count in slot 0, `mapping(bytes => address)` of operators at slot 2) and logs
//! (`OperatorUpdated`, `Deposit`), and the value burnt to the zero address.

use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
use alloy_sol_types::{SolError, SolEvent};
use berapool_pool_state::{
    addresses::BEACON_DEPOSIT, params::GWEI, ClDeposit, HostError, Pubkey, Storage,
};

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
    read_operator(host, pubkey.as_slice())
}

/// `getOperator(pubkey)` for a pubkey of any length, as BeaconDeposit's `bytes` key takes it
/// (zero for anything but a registered 48-byte key).
pub(crate) fn operator_of_bytes(
    host: &mut EvmHost<'_, '_>,
    pubkey: &[u8],
) -> Result<Address, HostError> {
    read_operator(host, pubkey)
}

/// `deposit{value: amount_gwei gwei}(pubkey, credentials, signature, operator)` paid by `from`:
/// the effect of a pool (or the factory) calling BeaconDeposit.
pub fn deposit(
    host: &mut EvmHost<'_, '_>,
    from: Address,
    deposit: &ClDeposit,
) -> Result<u64, HostError> {
    let value = U256::from(deposit.amount_gwei) * GWEI;
    deposit_value(
        host,
        from,
        deposit.pubkey.as_slice(),
        deposit.credentials.as_slice(),
        deposit.signature.as_slice(),
        deposit.operator,
        value,
    )
}

/// BeaconDeposit's `deposit` on raw inputs, with the contract's checks in its order: lengths,
/// operator, then the amount (whole gwei, at most `uint64` gwei, at least 10,000 BERA). The
/// value is taken from `from` and burnt to the zero address. Returns the deposit's index.
pub fn deposit_value(
    host: &mut EvmHost<'_, '_>,
    from: Address,
    pubkey: &[u8],
    credentials: &[u8],
    signature: &[u8],
    operator: Address,
    value: U256,
) -> Result<u64, HostError> {
    if pubkey.len() != 48 {
        return Err(revert(IBeaconDeposit::InvalidPubKeyLength {}));
    }
    if credentials.len() != 32 {
        return Err(revert(IBeaconDeposit::InvalidCredentialsLength {}));
    }
    if signature.len() != 96 {
        return Err(revert(IBeaconDeposit::InvalidSignatureLength {}));
    }
    host.charge_mapping_key()?;
    let operator_slot = bytes_mapping_slot(pubkey, OPERATORS_SLOT);
    let current = Address::from_word(B256::from(host.sload(ADDRESS, operator_slot)?));
    if current.is_zero() {
        if operator.is_zero() {
            return Err(revert(IBeaconDeposit::ZeroOperatorOnFirstDeposit {}));
        }
        host.sstore(
            ADDRESS,
            operator_slot,
            U256::from_be_slice(operator.as_slice()),
        )?;
        let event = IBeaconDeposit::OperatorUpdated {
            pubkey: keccak256(pubkey),
            newOperator: operator,
            previousOperator: Address::ZERO,
        };
        host.log(Log {
            address: ADDRESS,
            data: event.encode_log_data(),
        })?;
    } else if !operator.is_zero() {
        return Err(revert(IBeaconDeposit::OperatorAlreadySet {}));
    }
    if !(value % GWEI).is_zero() {
        return Err(revert(IBeaconDeposit::DepositNotMultipleOfGwei {}));
    }
    let Ok(amount_gwei) = u64::try_from(value / GWEI) else {
        return Err(revert(IBeaconDeposit::DepositValueTooHigh {}));
    };
    if amount_gwei < MIN_DEPOSIT_GWEI {
        return Err(revert(IBeaconDeposit::InsufficientDeposit {}));
    }
    host.transfer(from, Address::ZERO, value)?;
    let index = host
        .sload(ADDRESS, DEPOSIT_COUNT_SLOT)?
        .saturating_to::<u64>();
    let event = IBeaconDeposit::Deposit {
        pubkey: Bytes::copy_from_slice(pubkey),
        credentials: Bytes::copy_from_slice(credentials),
        amount: amount_gwei,
        signature: Bytes::copy_from_slice(signature),
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
    Ok(index)
}

/// Delay before a queued operator change can be accepted.
pub const OPERATOR_CHANGE_DELAY: u64 = 86_400;
/// `IBeaconDeposit`'s ERC-165 interface id.
pub const INTERFACE_ID: [u8; 4] = [0x13, 0x6f, 0x92, 0x0d];
const ERC165_ID: [u8; 4] = [0x01, 0xff, 0xc9, 0xa7];

/// The low 96 bits of a word: the queued timestamp of a `QueuedOperator`.
fn low_96(word: U256) -> U256 {
    word & ((U256::from(1u8) << 96) - U256::from(1u8))
}

fn queued_slot(pubkey: &[u8]) -> U256 {
    bytes_mapping_slot(pubkey, QUEUED_OPERATORS_SLOT)
}

fn read_operator(host: &mut EvmHost<'_, '_>, pubkey: &[u8]) -> Result<Address, HostError> {
    host.charge_mapping_key()?;
    let word = host.sload(ADDRESS, bytes_mapping_slot(pubkey, OPERATORS_SLOT))?;
    Ok(Address::from_word(B256::from(word)))
}

/// The whole BeaconDeposit contract, for chains that do not deploy it (the dev chain): the
/// official ABI, storage layout and events. `value` has been credited to the contract.
pub fn call(
    host: &mut EvmHost<'_, '_>,
    caller: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, HostError> {
    use crate::abi::IBeaconDeposit::IBeaconDepositCalls as C;
    use alloy_sol_types::{SolCall, SolInterface};
    let empty = || HostError::Revert(Vec::new());
    let call = C::abi_decode(data).map_err(|_| empty())?;
    if !matches!(call, C::deposit(_)) && !value.is_zero() {
        return Err(empty());
    }
    host.charge(crate::gas::decode_cost(data.len()))?;
    Ok(match call {
        C::deposit(c) => {
            deposit_value(
                host,
                ADDRESS,
                &c.pubkey,
                &c.credentials,
                &c.signature,
                c.operator,
                value,
            )?;
            Vec::new()
        }
        C::getOperator(c) => {
            IBeaconDeposit::getOperatorCall::abi_encode_returns(&read_operator(host, &c.pubkey)?)
        }
        C::depositCount(_) => IBeaconDeposit::depositCountCall::abi_encode_returns(
            &host
                .sload(ADDRESS, DEPOSIT_COUNT_SLOT)?
                .saturating_to::<u64>(),
        ),
        C::genesisDepositsRoot(_) => IBeaconDeposit::genesisDepositsRootCall::abi_encode_returns(
            &B256::from(host.sload(ADDRESS, GENESIS_ROOT_SLOT)?),
        ),
        C::queuedOperator(c) => {
            host.charge_mapping_key()?;
            let word = host.sload(ADDRESS, queued_slot(&c.pubkey))?;
            let timestamp = alloy_primitives::aliases::U96::from(
                word & ((U256::from(1u8) << 96) - U256::from(1u8)),
            );
            let operator = Address::from_word(B256::from(word >> 96));
            IBeaconDeposit::queuedOperatorCall::abi_encode_returns(
                &IBeaconDeposit::queuedOperatorReturn {
                    _0: timestamp,
                    _1: operator,
                },
            )
        }
        C::supportsInterface(c) => {
            let id = c.interfaceId.0;
            IBeaconDeposit::supportsInterfaceCall::abi_encode_returns(
                &(id == ERC165_ID || id == INTERFACE_ID),
            )
        }
        C::requestOperatorChange(c) => {
            let current = read_operator(host, &c.pubkey)?;
            if current != caller {
                return Err(revert(IBeaconDeposit::NotOperator {}));
            }
            if c.newOperator.is_zero() {
                return Err(revert(IBeaconDeposit::ZeroAddress {}));
            }
            use berapool_pool_state::Host;
            let now = host.block().timestamp;
            let word = (U256::from_be_slice(c.newOperator.as_slice()) << 96) | U256::from(now);
            host.charge_mapping_key()?;
            host.sstore(ADDRESS, queued_slot(&c.pubkey), word)?;
            let event = IBeaconDeposit::OperatorChangeQueued {
                pubkey: keccak256(&c.pubkey),
                queuedOperator: c.newOperator,
                currentOperator: current,
                queuedTimestamp: U256::from(now),
            };
            host.log(Log {
                address: ADDRESS,
                data: event.encode_log_data(),
            })?;
            Vec::new()
        }
        C::cancelOperatorChange(c) => {
            if read_operator(host, &c.pubkey)? != caller {
                return Err(revert(IBeaconDeposit::NotOperator {}));
            }
            host.charge_mapping_key()?;
            host.sstore(ADDRESS, queued_slot(&c.pubkey), U256::ZERO)?;
            let event = IBeaconDeposit::OperatorChangeCancelled {
                pubkey: keccak256(&c.pubkey),
            };
            host.log(Log {
                address: ADDRESS,
                data: event.encode_log_data(),
            })?;
            Vec::new()
        }
        C::acceptOperatorChange(c) => {
            host.charge_mapping_key()?;
            let word = host.sload(ADDRESS, queued_slot(&c.pubkey))?;
            let queued_at = low_96(word).saturating_to::<u64>();
            let new_operator = Address::from_word(B256::from(word >> 96));
            if new_operator != caller {
                return Err(revert(IBeaconDeposit::NotNewOperator {}));
            }
            use berapool_pool_state::Host;
            if queued_at.saturating_add(OPERATOR_CHANGE_DELAY) > host.block().timestamp {
                return Err(revert(IBeaconDeposit::NotEnoughTime {}));
            }
            let old = read_operator(host, &c.pubkey)?;
            host.sstore(
                ADDRESS,
                bytes_mapping_slot(&c.pubkey, OPERATORS_SLOT),
                U256::from_be_slice(new_operator.as_slice()),
            )?;
            host.sstore(ADDRESS, queued_slot(&c.pubkey), U256::ZERO)?;
            let event = IBeaconDeposit::OperatorUpdated {
                pubkey: keccak256(&c.pubkey),
                newOperator: new_operator,
                previousOperator: old,
            };
            host.log(Log {
                address: ADDRESS,
                data: event.encode_log_data(),
            })?;
            Vec::new()
        }
    })
}
