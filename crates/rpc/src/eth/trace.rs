//! `debug_trace*` (geth's struct logger, `callTracer`, `prestateTracer`, `4byteTracer`,
//! `flatCallTracer`, `muxTracer`, `noopTracer`) and `trace_transaction`/`trace_block` (parity's
//! format): stored blocks re-executed on their parent's state under revm-inspectors' tracers,
//! one at a time with the other heavy requests.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{AccessListResult, TransactionRequest};
use alloy_rpc_types_trace::{
    geth::{GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace, TraceResult},
    parity::LocalizedTransactionTrace,
};
use berapool_engine::CallOptions;

use super::EthApi;
use crate::{api::RpcResult, RpcError};

impl EthApi {
    /// `debug_traceTransaction`.
    pub(crate) fn debug_trace_transaction(
        &self,
        hash: B256,
        opts: GethDebugTracingOptions,
    ) -> RpcResult<GethTrace> {
        let _permit = self.heavy.acquire();
        let at = self
            .chain
            .store()
            .transaction_location(hash)?
            .ok_or(RpcError::UnknownTransaction(hash))?;
        let traces = self
            .chain
            .debug_trace_block(at.block, &opts, Some(at.index as usize))?;
        traces
            .into_iter()
            .next()
            .map(|t| t.trace)
            .ok_or(RpcError::UnknownTransaction(hash))
    }

    /// `debug_traceBlockByNumber` and `debug_traceBlockByHash`.
    pub(crate) fn debug_trace_block(
        &self,
        id: BlockId,
        opts: GethDebugTracingOptions,
    ) -> RpcResult<Vec<TraceResult>> {
        let _permit = self.heavy.acquire();
        let head = self.chain.head();
        let number = self.require_block(&head, id)?;
        if number == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .chain
            .debug_trace_block(number, &opts, None)?
            .into_iter()
            .map(|t| TraceResult::Success {
                result: t.trace,
                tx_hash: Some(t.hash),
            })
            .collect())
    }

    /// `debug_traceCall`: the call traced on the state of `block` (the head by default).
    pub(crate) fn debug_trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        opts: GethDebugTracingCallOptions,
    ) -> RpcResult<GethTrace> {
        let _permit = self.heavy.acquire();
        let (header, state) = self.state_for(block)?;
        let options = CallOptions {
            gas_limit: Some(request.gas.unwrap_or(header.gas_limit).min(self.gas_cap)),
            overrides: opts.state_overrides.clone(),
            ..CallOptions::default()
        };
        Ok(self.chain.debug_trace_call(
            &header,
            &state,
            request,
            &options,
            &opts.tracing_options,
        )?)
    }

    /// `eth_createAccessList`.
    pub(crate) fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult> {
        let _permit = self.heavy.acquire();
        let (header, state) = self.state_for(block)?;
        let options = CallOptions {
            gas_limit: Some(request.gas.unwrap_or(header.gas_limit).min(self.gas_cap)),
            ..CallOptions::default()
        };
        let (access_list, gas_used, error) = self
            .chain
            .create_access_list(&header, &state, request, &options)?;
        Ok(AccessListResult {
            access_list,
            gas_used: U256::from(gas_used),
            error,
        })
    }

    /// `trace_transaction`: `None` for a transaction the chain does not hold.
    pub(crate) fn trace_transaction(
        &self,
        hash: B256,
    ) -> RpcResult<Option<Vec<LocalizedTransactionTrace>>> {
        let _permit = self.heavy.acquire();
        let Some(at) = self.chain.store().transaction_location(hash)? else {
            return Ok(None);
        };
        let traces = self
            .chain
            .parity_trace_block(at.block, Some(at.index as usize))?;
        Ok(traces.into_iter().next().map(|t| t.trace))
    }

    /// `trace_block`: `None` for a block the chain does not hold.
    pub(crate) fn trace_block(
        &self,
        block: BlockNumberOrTag,
    ) -> RpcResult<Option<Vec<LocalizedTransactionTrace>>> {
        let _permit = self.heavy.acquire();
        let head = self.chain.head();
        let Some(number) = super::block::resolve_tag(self.chain.store(), &head, block)? else {
            return Ok(None);
        };
        if number == 0 {
            return Ok(Some(Vec::new()));
        }
        let traces = self.chain.parity_trace_block(number, None)?;
        Ok(Some(traces.into_iter().flat_map(|t| t.trace).collect()))
    }
}
