//! WBERA at `0x6969…6969`, Berachain's wrapped BERA (a Solady WETH), as native code.
//!
//! The token's BERA is the account's own balance, so `totalSupply()` is that balance, as in
//! Solady's WETH. `withdraw` burns first and then pays with a real value CALL to the caller that
//! forwards all gas (a contract receiver runs its `receive` with the 2,300 stipend on top), and
//! reverts with `ETHTransferFailed()` when the payment fails; `permit` recovers the signer
//! through the ecrecover precompile with a STATICCALL, as Solady does. Errors and events are
//! the deployed contract's.
//!
//! Storage: `balanceOf[owner]` at `keccak256(owner ‖ 0)`, `allowance[owner][spender]` at
//! `keccak256(spender ‖ keccak256(owner ‖ 1))`, `nonces[owner]` at `keccak256(owner ‖ 2)`.

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface, SolValue};
use berapool_pool_state::{addresses::WBERA, Call, Host, HostError, PoolError, Storage};

use crate::{
    abi::IWBERA::{self, IWBERACalls as W},
    contracts::{empty_revert, sol_revert, view_guard, write_guard},
    evm_host::EvmHost,
    native::{CallKind, CallStatus, NativeFrame},
};

/// The token's name (also its EIP-712 domain name).
pub(crate) const NAME: &str = "Wrapped Bera";
/// The token's symbol.
pub(crate) const SYMBOL: &str = "WBERA";
/// EIP-712 domain version, Solady's default.
const VERSION: &str = "1";

const BALANCES: u64 = 0;
const ALLOWANCES: u64 = 1;
const NONCES: u64 = 2;

/// The ecrecover precompile.
const ECRECOVER: Address = Address::with_last_byte(1);

/// KECCAK256 of `len` bytes.
fn keccak_cost(len: usize) -> u64 {
    30 + 6 * (len as u64).div_ceil(32)
}

fn mapping_slot(key: B256, index: U256) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(&index.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(preimage).0)
}

fn balance_slot(host: &mut EvmHost<'_, '_>, owner: Address) -> Result<U256, HostError> {
    host.charge_mapping_key()?;
    Ok(mapping_slot(owner.into_word(), U256::from(BALANCES)))
}

fn allowance_slot(
    host: &mut EvmHost<'_, '_>,
    owner: Address,
    spender: Address,
) -> Result<U256, HostError> {
    host.charge_mapping_key()?;
    host.charge_mapping_key()?;
    let inner = mapping_slot(owner.into_word(), U256::from(ALLOWANCES));
    Ok(mapping_slot(spender.into_word(), inner))
}

fn nonce_slot(host: &mut EvmHost<'_, '_>, owner: Address) -> Result<U256, HostError> {
    host.charge_mapping_key()?;
    Ok(mapping_slot(owner.into_word(), U256::from(NONCES)))
}

fn emit(host: &mut EvmHost<'_, '_>, event: impl SolEvent) -> Result<(), HostError> {
    host.log(Log {
        address: WBERA,
        data: event.encode_log_data(),
    })
}

fn balance_of(host: &mut EvmHost<'_, '_>, owner: Address) -> Result<U256, PoolError> {
    let slot = balance_slot(host, owner)?;
    Ok(host.sload(WBERA, slot)?)
}

/// Takes `amount` from `owner`'s balance (`InsufficientBalance` if it holds less).
fn debit(host: &mut EvmHost<'_, '_>, owner: Address, amount: U256) -> Result<(), PoolError> {
    let slot = balance_slot(host, owner)?;
    let left = host
        .sload(WBERA, slot)?
        .checked_sub(amount)
        .ok_or_else(|| sol_revert(IWBERA::InsufficientBalance {}))?;
    host.sstore(WBERA, slot, left)?;
    Ok(())
}

/// Adds `amount` to `owner`'s balance. The BERA the account holds bounds every balance, so
/// the overflow error is the deployed contract's, never reached.
fn credit(host: &mut EvmHost<'_, '_>, owner: Address, amount: U256) -> Result<(), PoolError> {
    let slot = balance_slot(host, owner)?;
    let credited = host
        .sload(WBERA, slot)?
        .checked_add(amount)
        .ok_or_else(|| sol_revert(IWBERA::TotalSupplyOverflow {}))?;
    host.sstore(WBERA, slot, credited)?;
    Ok(())
}

/// Credits `amount` to `to` out of nothing (the BERA is already in the account).
fn mint(host: &mut EvmHost<'_, '_>, to: Address, amount: U256) -> Result<(), PoolError> {
    credit(host, to, amount)?;
    let from = Address::ZERO;
    Ok(emit(host, IWBERA::Transfer { from, to, amount })?)
}

fn burn(host: &mut EvmHost<'_, '_>, from: Address, amount: U256) -> Result<(), PoolError> {
    debit(host, from, amount)?;
    let to = Address::ZERO;
    Ok(emit(host, IWBERA::Transfer { from, to, amount })?)
}

fn transfer(
    host: &mut EvmHost<'_, '_>,
    from: Address,
    to: Address,
    amount: U256,
) -> Result<(), PoolError> {
    debit(host, from, amount)?;
    credit(host, to, amount)?;
    Ok(emit(host, IWBERA::Transfer { from, to, amount })?)
}

fn approve(
    host: &mut EvmHost<'_, '_>,
    owner: Address,
    spender: Address,
    amount: U256,
) -> Result<(), PoolError> {
    let slot = allowance_slot(host, owner, spender)?;
    host.sstore(WBERA, slot, amount)?;
    emit(
        host,
        IWBERA::Approval {
            owner,
            spender,
            amount,
        },
    )?;
    Ok(())
}

/// Spends `amount` of `spender`'s allowance from `owner`; an infinite allowance stays.
fn spend_allowance(
    host: &mut EvmHost<'_, '_>,
    owner: Address,
    spender: Address,
    amount: U256,
) -> Result<(), PoolError> {
    let slot = allowance_slot(host, owner, spender)?;
    let allowance = host.sload(WBERA, slot)?;
    if allowance == U256::MAX {
        return Ok(());
    }
    let left = allowance
        .checked_sub(amount)
        .ok_or_else(|| sol_revert(IWBERA::InsufficientAllowance {}))?;
    host.sstore(WBERA, slot, left)?;
    Ok(())
}

/// The EIP-712 domain separator on chain `chain_id` (computed per call, as Solady does).
fn domain_separator(chain_id: u64) -> B256 {
    let typehash = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    keccak256(
        (
            typehash,
            keccak256(NAME),
            keccak256(VERSION),
            U256::from(chain_id),
            WBERA,
        )
            .abi_encode(),
    )
}

fn domain_separator_cost() -> u64 {
    keccak_cost(5 * 32)
}

/// One call to WBERA.
pub(crate) fn call<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    call: Call,
    data: &[u8],
) -> Result<Vec<u8>, PoolError> {
    let is_static = frame.is_static();
    // `receive()`: plain value is a deposit.
    if data.is_empty() {
        write_guard(&call, is_static, true)?;
        frame.with_host(|host| mint(host, call.caller, call.value))?;
        return Ok(Vec::new());
    }
    let decoded = W::abi_decode(data).map_err(|_| empty_revert())?;
    let caller = call.caller;
    Ok(match decoded {
        W::name(_) => {
            view_guard(&call)?;
            IWBERA::nameCall::abi_encode_returns(&NAME.to_string())
        }
        W::symbol(_) => {
            view_guard(&call)?;
            IWBERA::symbolCall::abi_encode_returns(&SYMBOL.to_string())
        }
        W::decimals(_) => {
            view_guard(&call)?;
            IWBERA::decimalsCall::abi_encode_returns(&18)
        }
        W::DOMAIN_SEPARATOR(_) => {
            view_guard(&call)?;
            frame
                .meter()
                .charge(domain_separator_cost())
                .map_err(|_| PoolError::Host(HostError::OutOfGas))?;
            IWBERA::DOMAIN_SEPARATORCall::abi_encode_returns(&domain_separator(frame.chain_id()))
        }
        W::totalSupply(_) => {
            view_guard(&call)?;
            let supply = frame.with_host(|host| Ok(host.balance(WBERA)?))?;
            IWBERA::totalSupplyCall::abi_encode_returns(&supply)
        }
        W::balanceOf(c) => {
            view_guard(&call)?;
            let balance = frame.with_host(|host| balance_of(host, c.owner))?;
            IWBERA::balanceOfCall::abi_encode_returns(&balance)
        }
        W::allowance(c) => {
            view_guard(&call)?;
            let allowance = frame.with_host(|host| {
                let slot = allowance_slot(host, c.owner, c.spender)?;
                Ok(host.sload(WBERA, slot)?)
            })?;
            IWBERA::allowanceCall::abi_encode_returns(&allowance)
        }
        W::nonces(c) => {
            view_guard(&call)?;
            let nonce = frame.with_host(|host| {
                let slot = nonce_slot(host, c.owner)?;
                Ok(host.sload(WBERA, slot)?)
            })?;
            IWBERA::noncesCall::abi_encode_returns(&nonce)
        }
        W::deposit(_) => {
            write_guard(&call, is_static, true)?;
            frame.with_host(|host| mint(host, caller, call.value))?;
            Vec::new()
        }
        W::withdraw(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| burn(host, caller, c.amount))?;
            match frame.call(CallKind::Call, caller, c.amount, Bytes::new())? {
                CallStatus::Success(_) => {}
                CallStatus::Revert(_) | CallStatus::Halt => {
                    return Err(sol_revert(IWBERA::ETHTransferFailed {}))
                }
            }
            Vec::new()
        }
        W::transfer(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| transfer(host, caller, c.to, c.amount))?;
            IWBERA::transferCall::abi_encode_returns(&true)
        }
        W::transferFrom(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| {
                spend_allowance(host, c.from, caller, c.amount)?;
                transfer(host, c.from, c.to, c.amount)
            })?;
            IWBERA::transferFromCall::abi_encode_returns(&true)
        }
        W::approve(c) => {
            write_guard(&call, is_static, false)?;
            frame.with_host(|host| approve(host, caller, c.spender, c.amount))?;
            IWBERA::approveCall::abi_encode_returns(&true)
        }
        W::permit(c) => {
            write_guard(&call, is_static, false)?;
            permit(frame, c)?;
            Vec::new()
        }
    })
}

/// EIP-2612 `permit`: a signed approval, refused after its deadline or when the signature is
/// not the owner's for the current nonce (which it then uses up).
fn permit<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    c: IWBERA::permitCall,
) -> Result<(), PoolError> {
    let now = frame.with_host(|host| Ok(host.block().timestamp))?;
    if U256::from(now) > c.deadline {
        return Err(sol_revert(IWBERA::PermitExpired {}));
    }
    let nonce = frame.with_host(|host| {
        let slot = nonce_slot(host, c.owner)?;
        let nonce = host.sload(WBERA, slot)?;
        host.sstore(WBERA, slot, nonce.saturating_add(U256::from(1)))?;
        Ok(nonce)
    })?;
    let typehash = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
    );
    let permit_hash =
        keccak256((typehash, c.owner, c.spender, c.value, nonce, c.deadline).abi_encode());
    let mut preimage = Vec::with_capacity(66);
    preimage.extend_from_slice(b"\x19\x01");
    preimage.extend_from_slice(domain_separator(frame.chain_id()).as_slice());
    preimage.extend_from_slice(permit_hash.as_slice());
    let digest = keccak256(&preimage);
    frame
        .meter()
        .charge(domain_separator_cost() + keccak_cost(6 * 32) + keccak_cost(preimage.len()))
        .map_err(|_| PoolError::Host(HostError::OutOfGas))?;
    let input = (digest, U256::from(c.v), c.r, c.s).abi_encode();
    let signer = match frame.call(CallKind::StaticCall, ECRECOVER, U256::ZERO, input.into())? {
        CallStatus::Success(out) if out.len() == 32 => Address::from_word(B256::from_slice(&out)),
        _ => Address::ZERO,
    };
    if c.owner.is_zero() || signer != c.owner {
        return Err(sol_revert(IWBERA::InvalidPermit {}));
    }
    frame.with_host(|host| approve(host, c.owner, c.spender, c.value))
}
