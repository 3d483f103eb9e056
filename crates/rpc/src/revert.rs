//! Names a revert: the pool system's custom errors with their arguments, Solidity's
//! `Error(string)` and `Panic(uint256)`. Wallets and `cast` show JSON-RPC's message, and a bare
//! selector such as `0x9be73159` tells a user nothing offline; the raw data stays in `data`.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use berapool_pool_precompiles::abi::{
    IAccessControl::IAccessControlErrors, IBeaconDeposit::IBeaconDepositErrors,
    IBerapool::IBerapoolErrors, ISmartOperator::ISmartOperatorErrors,
    IStakingPool::IStakingPoolErrors,
    IStakingPoolContractsFactory::IStakingPoolContractsFactoryErrors,
    IStakingRewardsVault::IStakingRewardsVaultErrors, IWithdrawalVault::IWithdrawalVaultErrors,
};

/// Finds the signature of an error selector in one interface.
type Lookup = fn([u8; 4]) -> Option<&'static str>;

/// Where a selector's signature is looked up, in order: the pool system's interfaces, then
/// Solidity's built-in errors.
const LOOKUPS: &[Lookup] = &[
    IStakingPoolErrors::signature_by_selector,
    IWithdrawalVaultErrors::signature_by_selector,
    IStakingPoolContractsFactoryErrors::signature_by_selector,
    ISmartOperatorErrors::signature_by_selector,
    IStakingRewardsVaultErrors::signature_by_selector,
    IAccessControlErrors::signature_by_selector,
    IBeaconDepositErrors::signature_by_selector,
    IBerapoolErrors::signature_by_selector,
    builtin,
];

fn builtin(selector: [u8; 4]) -> Option<&'static str> {
    match selector {
        [0x08, 0xc3, 0x79, 0xa0] => Some("Error(string)"),
        [0x4e, 0x48, 0x7b, 0x71] => Some("Panic(uint256)"),
        _ => None,
    }
}

/// What `data` says, e.g. `InvalidWithdrawalCredentials()` or `StaleReport(5, 7)`; the reason
/// itself for `Error(string)`. `None` for data no known error decodes.
pub fn describe(data: &[u8]) -> Option<String> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let signature = LOOKUPS.iter().find_map(|lookup| lookup(selector))?;
    let (name, params) = signature.split_once('(')?;
    let ty = DynSolType::parse(&format!("({params}")).ok()?;
    let DynSolValue::Tuple(values) = ty.abi_decode_params(&data[4..]).ok()? else {
        return None;
    };
    if let ("Error", [DynSolValue::String(reason)]) = (name, values.as_slice()) {
        return Some(reason.clone());
    }
    let args: Vec<String> = values.iter().map(format_value).collect();
    Some(format!("{name}({})", args.join(", ")))
}

fn format_value(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::FixedBytes(word, size) => {
            format!("0x{}", alloy_primitives::hex::encode(&word[..*size]))
        }
        DynSolValue::Bytes(bytes) => format!("0x{}", alloy_primitives::hex::encode(bytes)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            let items: Vec<String> = items.iter().map(format_value).collect();
            format!("[{}]", items.join(", "))
        }
        DynSolValue::Tuple(items) => {
            let items: Vec<String> = items.iter().map(format_value).collect();
            format!("({})", items.join(", "))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use alloy_sol_types::SolError;
    use berapool_pool_precompiles::abi::{
        IAccessControl, IBerapool, IStakingPoolContractsFactory as F,
    };

    use super::describe;

    #[test]
    fn custom_errors_are_named_with_their_arguments() {
        let data = F::InvalidWithdrawalCredentials {}.abi_encode();
        assert_eq!(
            describe(&data).as_deref(),
            Some("InvalidWithdrawalCredentials()")
        );
        let data = IBerapool::StaleReport {
            timestamp: 5,
            lastApplied: 7,
        }
        .abi_encode();
        assert_eq!(describe(&data).as_deref(), Some("StaleReport(5, 7)"));
        let account = Address::repeat_byte(0xab);
        let data = IAccessControl::AccessControlUnauthorizedAccount {
            account,
            neededRole: alloy_primitives::B256::repeat_byte(1),
        }
        .abi_encode();
        assert_eq!(
            describe(&data),
            Some(format!(
                "AccessControlUnauthorizedAccount({}, 0x{})",
                account.to_checksum(None),
                "01".repeat(32)
            ))
        );
    }

    #[test]
    fn solidity_reasons_and_panics_and_unknown_data() {
        let reason = alloy_sol_types::Revert::from("not enough").abi_encode();
        assert_eq!(describe(&reason).as_deref(), Some("not enough"));
        let panic = alloy_sol_types::Panic {
            code: U256::from(0x11),
        }
        .abi_encode();
        assert_eq!(describe(&panic).as_deref(), Some("Panic(17)"));
        assert_eq!(describe(&[0xde, 0xad, 0xbe, 0xef]), None);
        assert_eq!(describe(&[0x01]), None);
        // A known selector with arguments that do not decode.
        assert_eq!(describe(&IBerapool::StaleReport::SELECTOR), None);
    }
}
