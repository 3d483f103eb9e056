//! The Engine API methods over the node's [`EngineHandle`], for the authenticated port.

use alloy_eips::eip7685::Requests;
use alloy_primitives::B256;
use alloy_rpc_types_engine::{ExecutionPayloadV3, ForkchoiceState, PayloadAttributes, PayloadId};
use jsonrpsee::{
    types::{ErrorObjectOwned, Params},
    RpcModule,
};
use serde_json::json;

use crate::engine::{EngineError, EngineHandle};

/// The Engine API methods this node serves (`engine_exchangeCapabilities`).
pub const CAPABILITIES: [&str; 5] = [
    "engine_forkchoiceUpdatedV3",
    "engine_getPayloadV4",
    "engine_newPayloadV4",
    "engine_exchangeCapabilities",
    "engine_getClientVersionV1",
];

fn engine_error(error: EngineError) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(error.code(), error.to_string(), None::<()>)
}

/// The module with the Engine API methods of `engine`.
pub fn engine_module(
    engine: EngineHandle,
) -> Result<RpcModule<EngineHandle>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(engine);
    m.register_method("engine_exchangeCapabilities", |p: Params<'_>, _, _| {
        let _theirs: Vec<String> = p.one()?;
        Ok::<_, ErrorObjectOwned>(CAPABILITIES)
    })?;
    m.register_method("engine_getClientVersionV1", |_, _, _| {
        Ok::<_, ErrorObjectOwned>(json!([{
            "code": "BP",
            "name": "berapool",
            "version": env!("CARGO_PKG_VERSION"),
            "commit": "0x00000000",
        }]))
    })?;
    m.register_blocking_method("engine_forkchoiceUpdatedV3", |p, engine, _| {
        let mut seq = p.sequence();
        let state: ForkchoiceState = seq.next()?;
        let attributes: Option<PayloadAttributes> = seq.optional_next()?;
        engine
            .fork_choice_updated_v3(state, attributes)
            .map_err(engine_error)
    })?;
    m.register_method("engine_getPayloadV4", |p, engine, _| {
        let id: PayloadId = p.one()?;
        engine.get_payload_v4(id).map_err(engine_error)
    })?;
    m.register_blocking_method("engine_newPayloadV4", |p, engine, _| {
        let mut seq = p.sequence();
        let payload: ExecutionPayloadV3 = seq.next()?;
        let versioned_hashes: Vec<B256> = seq.next()?;
        let parent_beacon_block_root: B256 = seq.next()?;
        let requests: Requests = seq.next()?;
        engine
            .new_payload_v4(
                payload,
                versioned_hashes,
                parent_beacon_block_root,
                requests,
            )
            .map_err(engine_error)
    })?;
    Ok(m)
}
