//! The Engine API methods over the node's [`EngineHandle`], for the authenticated port.

use alloy_eips::eip7685::Requests;
use alloy_primitives::{FixedBytes, B256};
use alloy_rpc_types_engine::{
    ExecutionPayloadEnvelopeV4, ExecutionPayloadV3, ForkchoiceState, ForkchoiceUpdated,
    PayloadAttributes, PayloadId, PayloadStatus,
};
use berapool_engine::EngineHandle;
use serde_json::json;

use crate::api::{BerachainPayloadAttributes, EngineApiServer, RpcResult};

/// The Engine API methods this node serves (`engine_exchangeCapabilities`).
pub const CAPABILITIES: [&str; 8] = [
    "engine_forkchoiceUpdatedV3",
    "engine_getPayloadV4",
    "engine_newPayloadV4",
    "engine_forkchoiceUpdatedV3P11",
    "engine_getPayloadV4P11",
    "engine_newPayloadV4P11",
    "engine_exchangeCapabilities",
    "engine_getClientVersionV1",
];

/// The Engine API over an engine handle.
#[derive(Clone, Debug)]
pub struct EngineApi {
    engine: EngineHandle,
}

impl EngineApi {
    /// The methods over `engine`.
    pub fn new(engine: EngineHandle) -> Self {
        Self { engine }
    }
}

impl EngineApiServer for EngineApi {
    fn exchange_capabilities(&self, _theirs: Vec<String>) -> RpcResult<Vec<String>> {
        Ok(CAPABILITIES.iter().map(|c| c.to_string()).collect())
    }

    fn client_version_v1(
        &self,
        _client: Option<serde_json::Value>,
    ) -> RpcResult<Vec<serde_json::Value>> {
        Ok(vec![json!({
            "code": "BP",
            "name": "berapool",
            "version": env!("CARGO_PKG_VERSION"),
            "commit": "0x00000000",
        })])
    }

    fn fork_choice_updated_v3(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated> {
        Ok(self.engine.fork_choice_updated_v3(state, attributes)?)
    }

    fn payload_v4(&self, id: PayloadId) -> RpcResult<ExecutionPayloadEnvelopeV4> {
        Ok(self.engine.get_payload_v4(id)?)
    }

    fn fork_choice_updated_v3_p11(
        &self,
        state: ForkchoiceState,
        attributes: Option<BerachainPayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated> {
        let (attributes, pubkey) = match attributes {
            Some(a) => (Some(a.inner), a.parent_proposer_pub_key),
            None => (None, None),
        };
        Ok(self
            .engine
            .fork_choice_updated_p11(state, attributes, pubkey)?)
    }

    fn payload_v4_p11(&self, id: PayloadId) -> RpcResult<ExecutionPayloadEnvelopeV4> {
        Ok(self.engine.get_payload_v4(id)?)
    }

    fn new_payload_v4_p11(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
        parent_proposer_pubkey: FixedBytes<48>,
    ) -> RpcResult<PayloadStatus> {
        Ok(self.engine.new_payload_v4_p11(
            payload,
            versioned_hashes,
            parent_beacon_block_root,
            execution_requests,
            Some(parent_proposer_pubkey),
        )?)
    }

    fn new_payload_v4(
        &self,
        payload: ExecutionPayloadV3,
        versioned_hashes: Vec<B256>,
        parent_beacon_block_root: B256,
        execution_requests: Requests,
    ) -> RpcResult<PayloadStatus> {
        Ok(self.engine.new_payload_v4(
            payload,
            versioned_hashes,
            parent_beacon_block_root,
            execution_requests,
        )?)
    }
}
