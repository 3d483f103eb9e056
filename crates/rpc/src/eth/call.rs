//! `eth_call` and `eth_estimateGas` on the head state.

use alloy_eips::BlockId;
use alloy_evm::revm::context::result::ExecutionResult;
use alloy_primitives::{address, Address, Bytes, U64};
use alloy_rpc_types_eth::{state::StateOverride, TransactionRequest};
use berapool_engine::CallOptions;

use super::{state::require_head, EthApi};
use crate::{api::RpcResult, RpcError};

/// The coinbase of estimation runs: an address no transaction touches, so the warm coinbase
/// (EIP-3651) never makes an estimate lower than what the real block charges.
pub const ESTIMATE_COINBASE: Address = address!("00000000000000000000e57100000000000000fe");

impl EthApi {
    /// Runs `request` on the head state; returns the result and the block gas limit.
    fn execute(
        &self,
        request: &TransactionRequest,
        block: Option<BlockId>,
        options: &CallOptions,
    ) -> RpcResult<(ExecutionResult, u64)> {
        self.engine.with_chain(|chain| {
            require_head(chain, block)?;
            let cap = chain.head().0.gas_limit;
            let result = chain.call(request.clone(), options)?;
            Ok((result, cap))
        })
    }

    /// `eth_call`.
    pub(super) fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes> {
        let options = CallOptions {
            overrides,
            ..CallOptions::default()
        };
        match self.execute(&request, block, &options)?.0 {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(RpcError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => Err(RpcError::Halted(reason)),
        }
    }

    /// `eth_estimateGas`: the least gas limit with which the call succeeds (binary search
    /// between what it used and the cap).
    pub(super) fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64> {
        let options = CallOptions {
            gas_limit: None,
            beneficiary: Some(ESTIMATE_COINBASE),
            overrides,
        };
        let (first, cap) = self.execute(&request, block, &options)?;
        let mut hi = request.gas.unwrap_or(cap);
        let used = first.gas().total_gas_spent();
        match first {
            ExecutionResult::Success { .. } => {}
            ExecutionResult::Revert { output, .. } => return Err(RpcError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                return Err(RpcError::GasRequired {
                    allowance: hi,
                    reason,
                })
            }
        }
        // A limit the transaction cannot even be validated with (below its intrinsic gas or its
        // EIP-7623 calldata floor) is a limit that is too low: the call at the cap already
        // showed everything else is in order.
        let succeeds = |gas: u64| -> bool {
            let options = CallOptions {
                gas_limit: Some(gas),
                ..options.clone()
            };
            self.engine
                .with_chain(|chain| chain.call(request.clone(), &options))
                .is_ok_and(|r| r.is_success())
        };
        // Most calls need what they used plus the 1/64 held back from inner calls.
        let guess = used.saturating_add(used / 63).saturating_add(2_300).min(hi);
        if succeeds(guess) {
            hi = guess;
        }
        let mut lo = used.saturating_sub(1);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(U64::from(hi))
    }
}
