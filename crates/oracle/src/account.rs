//! A keeper's account on a node: reads over JSON-RPC, and calls that are simulated first
//! (`eth_estimateGas`, so a call that would revert is never sent), signed here, and, when a
//! submission stays unmined, replaced at the same nonce with fees a quarter higher.

use std::time::{Duration, Instant};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::{
    core::{client::ClientT, params::ArrayParams},
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use serde_json::Value;

use crate::{bumped, factory_error, quantity, rpc_error, OracleError, Submission};

/// The account and its node.
#[derive(Debug)]
pub(crate) struct Account {
    rpc: HttpClient,
    signer: PrivateKeySigner,
    chain_id: Option<u64>,
}

impl Account {
    /// The account of `key` on the node at `rpc`.
    pub(crate) fn new(rpc: &str, key: &B256) -> Result<Self, OracleError> {
        let rpc = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(20))
            .build(rpc)
            .map_err(OracleError::Connect)?;
        let signer = PrivateKeySigner::from_bytes(key).map_err(|_| OracleError::Key)?;
        Ok(Self {
            rpc,
            signer,
            chain_id: None,
        })
    }

    /// Its address.
    pub(crate) fn address(&self) -> Address {
        self.signer.address()
    }

    /// The gas a call from this account would use; its revert is the error.
    pub(crate) async fn simulate(&self, to: Address, input: Bytes) -> Result<u64, OracleError> {
        let request = serde_json::json!({ "from": self.address(), "to": to, "data": input });
        let gas = self
            .rpc
            .request::<Value, _>("eth_estimateGas", rpc_params![request])
            .await
            .map_err(|source| OracleError::Simulation {
                custom_error: factory_error(&source),
                source,
            })?;
        quantity(&gas).ok_or(OracleError::Malformed("gas estimate"))
    }

    /// Whether `submission` is mined, dropped (the node no longer has it), or still pending.
    pub(crate) async fn status(&self, submission: &Submission) -> Result<Pending, OracleError> {
        let hash = submission.hash;
        let receipt = self
            .call_rpc("eth_getTransactionReceipt", rpc_params![hash])
            .await?;
        if !receipt.is_null() {
            let success = receipt["status"].as_str() == Some("0x1");
            return Ok(Pending::Mined { success });
        }
        let known = self
            .call_rpc("eth_getTransactionByHash", rpc_params![hash])
            .await?;
        Ok(if known.is_null() {
            Pending::Dropped
        } else {
            Pending::Waiting
        })
    }

    pub(crate) async fn call_rpc(
        &self,
        method: &'static str,
        params: ArrayParams,
    ) -> Result<Value, OracleError> {
        self.rpc
            .request(method, params)
            .await
            .map_err(rpc_error(method))
    }

    /// `eth_call` at the head.
    pub(crate) async fn eth_call(&self, to: Address, data: Vec<u8>) -> Result<Bytes, OracleError> {
        let request = serde_json::json!({ "to": to, "data": Bytes::from(data) });
        let value = self
            .call_rpc("eth_call", rpc_params![request, "latest"])
            .await?;
        serde_json::from_value(value).map_err(|_| OracleError::Malformed("eth_call result"))
    }

    /// Simulates, signs and sends a call; the simulation's revert is the error. With
    /// `replacing`, it takes that submission's nonce at fees a quarter above its.
    pub(crate) async fn send(
        &mut self,
        to: Address,
        data: Vec<u8>,
        replacing: Option<&Submission>,
    ) -> Result<Submission, OracleError> {
        let from = self.address();
        let input = Bytes::from(data);
        let gas = self.simulate(to, input.clone()).await?;
        let chain_id = match self.chain_id {
            Some(id) => id,
            None => {
                let id = quantity(&self.call_rpc("eth_chainId", rpc_params![]).await?)
                    .ok_or(OracleError::Malformed("chain id"))?;
                self.chain_id = Some(id);
                id
            }
        };
        let nonce = match replacing {
            Some(old) => old.nonce,
            None => quantity(
                &self
                    .call_rpc("eth_getTransactionCount", rpc_params![from, "pending"])
                    .await?,
            )
            .ok_or(OracleError::Malformed("nonce"))?,
        };
        let tip = quantity(
            &self
                .call_rpc("eth_maxPriorityFeePerGas", rpc_params![])
                .await?,
        )
        .ok_or(OracleError::Malformed("tip"))?;
        let base = quantity(&self.call_rpc("eth_gasPrice", rpc_params![]).await?)
            .ok_or(OracleError::Malformed("gas price"))?;
        let mut tip = u128::from(tip);
        let mut max_fee = u128::from(base) * 2 + tip;
        if let Some(old) = replacing {
            tip = tip.max(bumped(old.max_priority_fee_per_gas));
            max_fee = max_fee.max(bumped(old.max_fee_per_gas)).max(tip);
        }
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: gas + gas / 5,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(to),
            value: U256::ZERO,
            access_list: Default::default(),
            input,
        };
        let signature = self
            .signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|_| OracleError::Key)?;
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        let raw = Bytes::from(envelope.encoded_2718());
        let hash = self
            .call_rpc("eth_sendRawTransaction", rpc_params![raw])
            .await?;
        let hash = hash
            .as_str()
            .and_then(|h| h.parse().ok())
            .ok_or(OracleError::Malformed("transaction hash"))?;
        Ok(Submission {
            hash,
            nonce,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            sent: Instant::now(),
        })
    }
}

/// Where a submission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    /// In a block; `success` unless it reverted.
    Mined {
        /// Its receipt's status.
        success: bool,
    },
    /// The node has forgotten it: send again.
    Dropped,
    /// In the node's pool.
    Waiting,
}
