//! `eth_call` and `eth_estimateGas` at any block whose history is kept, within the gas cap.

use std::time::Instant;

use alloy_consensus::Header;
use alloy_eips::BlockId;
use alloy_evm::revm::context::result::ExecutionResult;
use alloy_primitives::{address, Address, Bytes, U64};
use alloy_rpc_types_eth::{state::StateOverride, TransactionRequest};
use berapool_engine::CallOptions;
use berapool_storage::StateView;

use super::{EthApi, REQUEST_DEADLINE};
use crate::{api::RpcResult, RpcError};

/// The coinbase of estimation runs: an address no transaction touches, so the warm coinbase
/// (EIP-3651) never makes an estimate lower than what the real block charges.
pub const ESTIMATE_COINBASE: Address = address!("00000000000000000000e57100000000000000fe");

impl EthApi {
    /// The most gas a call at `header` may use: its gas limit or the request's, within the cap.
    fn gas_allowance(&self, header: &Header, request: &TransactionRequest) -> u64 {
        request.gas.unwrap_or(header.gas_limit).min(self.gas_cap)
    }

    fn run(
        &self,
        header: &Header,
        state: &StateView,
        request: &TransactionRequest,
        options: &CallOptions,
    ) -> RpcResult<ExecutionResult> {
        Ok(self.chain.call(header, state, request.clone(), options)?)
    }

    /// `eth_call`.
    pub(super) fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes> {
        let _permit = self.heavy.acquire();
        let (header, state) = self.state_for(block)?;
        let options = CallOptions {
            gas_limit: Some(self.gas_allowance(&header, &request)),
            overrides,
            ..CallOptions::default()
        };
        match self.run(&header, &state, &request, &options)? {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(RpcError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => Err(RpcError::Halted(reason)),
        }
    }

    /// `eth_estimateGas`: the least gas limit with which the call succeeds (binary search
    /// between what it used and the allowance).
    pub(super) fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64> {
        let _permit = self.heavy.acquire();
        let deadline = Instant::now() + REQUEST_DEADLINE;
        let (header, state) = self.state_for(block)?;
        let mut hi = self.gas_allowance(&header, &request);
        let options = CallOptions {
            gas_limit: Some(hi),
            beneficiary: Some(ESTIMATE_COINBASE),
            overrides,
        };
        let first = self.run(&header, &state, &request, &options)?;
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
        // EIP-7623 calldata floor) is a limit that is too low: the call at the allowance already
        // showed everything else is in order.
        let succeeds = |gas: u64| -> RpcResult<bool> {
            if Instant::now() > deadline {
                return Err(RpcError::Deadline {
                    limit: REQUEST_DEADLINE,
                });
            }
            let options = CallOptions {
                gas_limit: Some(gas),
                ..options.clone()
            };
            Ok(self
                .run(&header, &state, &request, &options)
                .is_ok_and(|r| r.is_success()))
        };
        // Most calls need what they used plus the 1/64 held back from inner calls.
        let guess = used.saturating_add(used / 63).saturating_add(2_300).min(hi);
        if succeeds(guess)? {
            hi = guess;
        }
        let mut lo = used.saturating_sub(1);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(U64::from(hi))
    }
}
