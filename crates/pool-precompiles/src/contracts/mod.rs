//! Dispatch: one entry for every call into the range. It charges the dispatch and decode fee,
//! refuses DELEGATECALL/CALLCODE, decodes the official ABI, runs the pool-system operation on an
//! [`EvmHost`], and turns the outcome into the precompile's output: return data, a revert with
//! the official custom error, an out-of-gas halt, or (database failure only) a fatal error.

mod factory;
mod incentive;
mod operator_pol;
mod oracle;
mod pool;
mod proofs;
mod roles;
mod vault;

pub use vault::SYSTEM_ADDRESS;

use alloy_evm::{
    precompiles::PrecompileInput,
    revm::precompile::{PrecompileError, PrecompileHalt, PrecompileOutput, PrecompileResult},
};
use alloy_primitives::{Address, Bytes};
use alloy_sol_types::SolError;
use berapool_pool_state::{
    addresses::ContractKind, Call, HostError, PoolError, PoolId, PoolSystem,
};

use alloy_evm::{eth::EthEvmContext, revm::Inspector, Database};
use alloy_sol_types::SolCall;

use crate::{
    abi::IBerapool,
    errors::revert_data,
    evm_host::EvmHost,
    gas::{decode_cost, GasMeter, DISPATCH},
    native::{NativeFrame, NativeOutput, NativeTarget},
};

/// Which contract a precompile address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// StakingPoolContractsFactory.
    Factory,
    /// WithdrawalVault.
    Vault,
    /// AccountingOracle.
    Oracle,
    /// A pool's StakingPool.
    Pool(PoolId),
    /// A pool's SmartOperator.
    Operator(PoolId),
    /// A pool's StakingRewardsVault.
    RewardsVault(PoolId),
    /// A pool's IncentiveCollector (a native frame: it calls tokens).
    IncentiveCollector(PoolId),
}

impl Target {
    /// The contract at `address`, if it is in the range.
    pub fn of(address: Address) -> Option<Self> {
        let (kind, id) = berapool_pool_state::addresses::parse_system_address(address)?;
        Some(match kind {
            ContractKind::Singleton => match id {
                1 => Self::Factory,
                2 => Self::Vault,
                3 => Self::Oracle,
                _ => return None,
            },
            ContractKind::StakingPool => Self::Pool(PoolId(id)),
            ContractKind::SmartOperator => Self::Operator(PoolId(id)),
            ContractKind::StakingRewardsVault => Self::RewardsVault(PoolId(id)),
            ContractKind::IncentiveCollector => Self::IncentiveCollector(PoolId(id)),
        })
    }
}

/// One call being dispatched.
pub(crate) struct Dispatch<'s, 'h, 'a, 'b> {
    pub(crate) sys: &'s PoolSystem,
    pub(crate) host: &'h mut EvmHost<'a, 'b>,
    pub(crate) call: Call,
    pub(crate) is_static: bool,
}

/// A revert with no data: what Solidity does on an unknown selector, bad calldata or value sent
/// to a non-payable function.
pub(crate) fn empty_revert() -> PoolError {
    PoolError::Host(HostError::Revert(Vec::new()))
}

/// A revert with `error`'s ABI encoding, for the custom errors of contracts that are not the
/// pool system's own (WBERA, BeraChef, the SmartOperator's `ZeroAddress()`).
pub(crate) fn sol_revert(error: impl SolError) -> PoolError {
    PoolError::Host(HostError::Revert(error.abi_encode()))
}

/// The guards of a native frame's write: refused under STATICCALL (`WriteInStaticCall()`),
/// and with value unless the function is payable (an empty revert, as Solidity's).
pub(crate) fn write_guard(call: &Call, is_static: bool, payable: bool) -> Result<(), PoolError> {
    if is_static {
        return Err(sol_revert(IBerapool::WriteInStaticCall {}));
    }
    if !payable {
        view_guard(call)?;
    }
    Ok(())
}

/// The guard of a native frame's view: no value.
pub(crate) fn view_guard(call: &Call) -> Result<(), PoolError> {
    if call.value.is_zero() {
        Ok(())
    } else {
        Err(empty_revert())
    }
}

impl Dispatch<'_, '_, '_, '_> {
    /// Refuses value on a non-payable function.
    pub(crate) fn nonpayable(&self) -> Result<(), PoolError> {
        view_guard(&self.call)
    }

    /// Refuses a state change under STATICCALL, and value on a non-payable function.
    pub(crate) fn write(&self) -> Result<(), PoolError> {
        write_guard(&self.call, self.is_static, false)
    }

    /// A payable function: only the static guard.
    pub(crate) fn payable(&self) -> Result<(), PoolError> {
        write_guard(&self.call, self.is_static, true)
    }
}

/// The start of every call: the entry fee charged, DELEGATECALL and CALLCODE refused (the
/// precompile's state is never the caller's).
fn enter(
    gas: u64,
    reservoir: u64,
    entry_cost: u64,
    direct: bool,
) -> Result<GasMeter, PrecompileOutput> {
    let mut meter = GasMeter::new(gas);
    if meter.charge(entry_cost).is_err() {
        return Err(PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir));
    }
    if !direct {
        let data = IBerapool::DelegateCallNotAllowed {}.abi_encode();
        return Err(PrecompileOutput::revert(
            meter.used(),
            data.into(),
            reservoir,
        ));
    }
    Ok(meter)
}

/// Runs one call to `target`.
pub(crate) fn run(
    sys: &PoolSystem,
    target: Target,
    input: PrecompileInput<'_>,
) -> PrecompileResult {
    let PrecompileInput {
        data,
        gas,
        reservoir,
        caller,
        value,
        is_static,
        bytecode_address,
        target_address,
        mut internals,
    } = input;
    let mut meter = match enter(
        gas,
        reservoir,
        DISPATCH + decode_cost(data.len()),
        target_address == bytecode_address,
    ) {
        Ok(meter) => meter,
        Err(output) => return Ok(output),
    };
    let result = {
        let mut host = EvmHost::new(&mut internals, &mut meter, bytecode_address, is_static);
        let mut d = Dispatch {
            sys,
            host: &mut host,
            call: Call { caller, value },
            is_static,
        };
        match target {
            Target::Factory => factory::call(&mut d, data),
            Target::Oracle => oracle::call(&mut d, data),
            Target::Pool(id) => pool::call(&mut d, id, data),
            Target::Operator(id) => roles::operator(&mut d, id, data),
            // These call tokens: only a `BerapoolEvm` runs them (as native frames).
            Target::IncentiveCollector(_) => Err(PoolError::NativeFrameRequired),
            Target::Vault | Target::RewardsVault(_)
                if data.get(..4) == Some(&RECOVER_ERC20_SELECTOR[..]) =>
            {
                Err(PoolError::NativeFrameRequired)
            }
            Target::Vault => vault::call(&mut d, data),
            Target::RewardsVault(id) => roles::rewards_vault(&mut d, id, data),
        }
    };
    finish(result, &meter, reservoir, &format!("{target:?}"), caller)
}

/// The SmartOperator's functions that call BeraChef.
pub(crate) const OPERATOR_POL_SELECTORS: [[u8; 4]; 4] = operator_pol::SELECTORS;

/// `recoverERC20(address,address,uint256)`, the vaults' one function that calls out.
pub(crate) const RECOVER_ERC20_SELECTOR: [u8; 4] =
    crate::abi::IRecoverERC20::recoverERC20Call::SELECTOR;

/// Runs one call to a native frame's contract: the same entry fee and DELEGATECALL refusal as
/// a precompile call, then the contract.
pub(crate) fn run_native<DB: Database, I: Inspector<EthEvmContext<DB>>>(
    frame: &mut NativeFrame<'_, DB, I>,
    sys: &PoolSystem,
    target: NativeTarget,
    call: Call,
    data: &[u8],
    direct: bool,
    reservoir: u64,
) -> NativeOutput {
    let entry = DISPATCH + decode_cost(data.len());
    if frame.meter().charge(entry).is_err() {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir));
    }
    if !direct {
        let data = IBerapool::DelegateCallNotAllowed {}.abi_encode();
        return Ok(PrecompileOutput::revert(
            frame.meter().used(),
            data.into(),
            reservoir,
        ));
    }
    let caller = call.caller;
    let (result, name) = match target {
        NativeTarget::IncentiveCollector(id) => (
            incentive::collector(frame, sys, id, call, data),
            "IncentiveCollector",
        ),
        NativeTarget::RecoverErc20(target) => (
            incentive::recover(frame, sys, target, call, data),
            "recoverERC20",
        ),
        NativeTarget::Wbera => (crate::pol::wbera::call(frame, call, data), "WBERA"),
        NativeTarget::BeraChef => (crate::pol::berachef::call(frame, call, data), "BeraChef"),
        NativeTarget::BlockRewardController => (
            crate::pol::block_rewards::call(frame, call, data),
            "BlockRewardController",
        ),
        NativeTarget::Distributor => (
            crate::pol::distributor::call(frame, call, data),
            "Distributor",
        ),
        NativeTarget::RewardVaultFactory => (
            crate::pol::reward_vault::factory(frame, call, data),
            "RewardVaultFactory",
        ),
        NativeTarget::RewardVault(vault) => (
            crate::pol::reward_vault::vault_call(frame, vault, call, data),
            "RewardVault",
        ),
        NativeTarget::DevToken(token) => {
            let is_static = frame.is_static();
            (
                frame.with_host(|host| crate::pol::token::call(host, token, call, is_static, data)),
                "token",
            )
        }
        NativeTarget::OperatorPol(id) => (
            operator_pol::call(frame, sys, id, call, data),
            "SmartOperator",
        ),
    };
    finish(result, frame.meter(), reservoir, name, caller).map_err(|e| e.to_string())
}

/// Turns an operation's outcome into the precompile's output.
fn finish(
    result: Result<Vec<u8>, PoolError>,
    meter: &GasMeter,
    reservoir: u64,
    target: &str,
    caller: Address,
) -> PrecompileResult {
    let mut output = match result {
        Ok(bytes) => PrecompileOutput::new(meter.used(), Bytes::from(bytes), reservoir),
        Err(PoolError::Host(HostError::OutOfGas)) => {
            return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir))
        }
        Err(PoolError::Host(HostError::Database(message))) => {
            return Err(PrecompileError::Fatal(message))
        }
        Err(error) => {
            tracing::debug!(target: "berapool::precompile", %target, %caller, %error, "call reverted");
            return Ok(PrecompileOutput::revert(
                meter.used(),
                Bytes::from(revert_data(&error)),
                reservoir,
            ));
        }
    };
    output.gas_refunded = meter.refunded();
    Ok(output)
}

/// Runs one call to the native BeaconDeposit (chains that do not deploy the contract).
pub(crate) fn run_beacon_deposit(input: PrecompileInput<'_>) -> PrecompileResult {
    let PrecompileInput {
        data,
        gas,
        reservoir,
        caller,
        value,
        is_static,
        bytecode_address,
        target_address,
        mut internals,
    } = input;
    let mut meter = match enter(gas, reservoir, DISPATCH, target_address == bytecode_address) {
        Ok(meter) => meter,
        Err(output) => return Ok(output),
    };
    let result = {
        let mut host = EvmHost::new(&mut internals, &mut meter, bytecode_address, is_static);
        crate::system::beacon_deposit::call(&mut host, caller, value, data).map_err(PoolError::Host)
    };
    finish(result, &meter, reservoir, "BeaconDeposit", caller)
}
