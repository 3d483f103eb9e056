//! The dev accounts' signing methods: `eth_sendTransaction`, `eth_signTransaction`,
//! `eth_sign`, `personal_sign`, `eth_signTypedData_v4`. Only a devnet holds keys, and only
//! the test mnemonic's, so wallets' and frameworks' "unlocked account" flows work as on anvil.

use std::{collections::HashMap, sync::Arc};

use alloy_consensus::{SignableTransaction, TxEnvelope};
use alloy_dyn_abi::eip712::TypedData;
use alloy_eips::{eip2718::Encodable2718, BlockId};
use alloy_primitives::{Address, Bytes, B256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;

use super::{fees::next_base_fee, EthApi};
use crate::{
    api::{DevAccountsApiServer, PersonalApiServer, RpcResult},
    RpcError,
};

/// The dev accounts' keys, beside the `eth_` methods they fill transactions in with.
#[derive(Clone, Debug)]
pub struct DevAccounts {
    eth: EthApi,
    signers: Arc<HashMap<Address, PrivateKeySigner>>,
}

impl DevAccounts {
    /// Signers for `keys`, over `eth`.
    pub fn new(eth: EthApi, keys: &[B256]) -> Self {
        let signers = keys
            .iter()
            .filter_map(|key| PrivateKeySigner::from_bytes(key).ok())
            .map(|signer| (signer.address(), signer))
            .collect();
        Self {
            eth,
            signers: Arc::new(signers),
        }
    }

    fn signer(&self, address: Address) -> Result<&PrivateKeySigner, RpcError> {
        self.signers
            .get(&address)
            .ok_or(RpcError::UnknownAccount(address))
    }

    /// Fills in what the request leaves out, as a wallet would, and signs it.
    fn signed(&self, mut request: TransactionRequest) -> RpcResult<TxEnvelope> {
        let from = request
            .from
            .ok_or(RpcError::IncompleteTransaction("`from` is required"))?;
        let signer = self.signer(from)?.clone();
        request.chain_id = Some(self.eth.chain_id());
        if request.nonce.is_none() {
            let pending = self.eth.transaction_count(from, Some(BlockId::pending()))?;
            request.nonce = Some(pending.to());
        }
        if request.gas_price.is_none() {
            let tip = match request.max_priority_fee_per_gas {
                Some(tip) => tip,
                None => self.eth.suggested_tip()?,
            };
            request.max_priority_fee_per_gas = Some(tip);
            if request.max_fee_per_gas.is_none() {
                let base = u128::from(next_base_fee(&self.eth.chain.head().header));
                request.max_fee_per_gas = Some(base.saturating_mul(2).saturating_add(tip));
            }
        }
        if request.gas.is_none() {
            let gas = self.eth.estimate_gas(request.clone(), None, None)?;
            request.gas = Some(gas.to());
        }
        let tx = request
            .build_typed_tx()
            .map_err(|_| RpcError::IncompleteTransaction("not a complete transaction"))?;
        let signature = signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| RpcError::TypedData(e.to_string()))?;
        Ok(tx.into_envelope(signature))
    }

    fn sign_message(&self, address: Address, message: &[u8]) -> RpcResult<Bytes> {
        let signature = self
            .signer(address)?
            .sign_message_sync(message)
            .map_err(|e| RpcError::TypedData(e.to_string()))?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    }
}

impl DevAccountsApiServer for DevAccounts {
    fn send_transaction(&self, request: TransactionRequest) -> RpcResult<B256> {
        let tx = self.signed(request)?;
        self.eth.send_raw_transaction(&tx.encoded_2718())
    }

    fn sign_transaction(&self, request: TransactionRequest) -> RpcResult<Bytes> {
        Ok(Bytes::from(self.signed(request)?.encoded_2718()))
    }

    fn sign(&self, address: Address, message: Bytes) -> RpcResult<Bytes> {
        self.sign_message(address, &message)
    }

    fn sign_typed_data_v4(&self, address: Address, data: serde_json::Value) -> RpcResult<Bytes> {
        // MetaMask and ethers send the typed data as a JSON string, others as an object.
        let data = match data {
            serde_json::Value::String(text) => {
                serde_json::from_str(&text).map_err(|e| RpcError::TypedData(e.to_string()))?
            }
            other => other,
        };
        let typed: TypedData =
            serde_json::from_value(data).map_err(|e| RpcError::TypedData(e.to_string()))?;
        let signature = self
            .signer(address)?
            .sign_dynamic_typed_data_sync(&typed)
            .map_err(|e| RpcError::TypedData(e.to_string()))?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    }
}

impl PersonalApiServer for DevAccounts {
    fn sign(&self, message: Bytes, address: Address) -> RpcResult<Bytes> {
        self.sign_message(address, &message)
    }
}
