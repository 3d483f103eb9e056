//! The dev accounts' signing methods: `eth_sendTransaction`, `eth_signTransaction`,
//! `eth_sign`, `personal_sign`, `eth_signTypedData_v4`. Only a devnet holds keys, and only
//! the test mnemonic's, so wallets' and frameworks' "unlocked account" flows work as on anvil.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use alloy_consensus::{SignableTransaction, TxEnvelope, TypedTransaction};
use alloy_dyn_abi::eip712::TypedData;
use alloy_eips::{eip2718::Encodable2718, BlockId};
use alloy_primitives::{Address, Bytes, Signature, B256, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;

use super::{fees::next_base_fee, EthApi};
use crate::{
    api::{DevAccountsApiServer, PersonalApiServer, RpcResult},
    RpcError,
};

/// The dev accounts' keys, beside the `eth_` methods they fill transactions in with, and the
/// accounts `eth_sendTransaction` may send from without a key (anvil's impersonation).
#[derive(Clone, Debug)]
pub struct DevAccounts {
    eth: EthApi,
    signers: Arc<HashMap<Address, PrivateKeySigner>>,
    impersonation: Arc<Mutex<Impersonation>>,
}

/// Who may be sent from without a key.
#[derive(Debug, Default)]
struct Impersonation {
    accounts: HashSet<Address>,
    /// Everyone (`anvil_autoImpersonateAccount`).
    all: bool,
}

/// The placeholder signature of an impersonated transaction. Nothing checks it: the sender
/// travels beside the transaction (pool, block, store), as anvil does. Its `r` is the sender,
/// so that two senders' otherwise equal transactions get different hashes.
fn impersonation_signature(sender: Address) -> Signature {
    Signature::new(U256::from_be_slice(sender.as_slice()), U256::from(1), false)
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
            impersonation: Arc::default(),
        }
    }

    fn impersonation(&self) -> std::sync::MutexGuard<'_, Impersonation> {
        self.impersonation
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets `eth_sendTransaction` send from `address` (`anvil_impersonateAccount`).
    pub fn impersonate(&self, address: Address) {
        self.impersonation().accounts.insert(address);
    }

    /// Ends [`Self::impersonate`] for `address`.
    pub fn stop_impersonating(&self, address: Address) {
        self.impersonation().accounts.remove(&address);
    }

    /// Lets `eth_sendTransaction` send from any address, or ends that.
    pub fn impersonate_all(&self, on: bool) {
        self.impersonation().all = on;
    }

    fn is_impersonated(&self, address: Address) -> bool {
        let impersonation = self.impersonation();
        impersonation.all || impersonation.accounts.contains(&address)
    }

    fn signer(&self, address: Address) -> Result<&PrivateKeySigner, RpcError> {
        self.signers
            .get(&address)
            .ok_or(RpcError::UnknownAccount(address))
    }

    /// Fills in what the request leaves out, as a wallet would, and signs it.
    fn signed(&self, request: TransactionRequest) -> RpcResult<TxEnvelope> {
        let from = request
            .from
            .ok_or(RpcError::IncompleteTransaction("`from` is required"))?;
        let signer = self.signer(from)?.clone();
        let tx = self.filled(request, from)?;
        let signature = signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| RpcError::TypedData(e.to_string()))?;
        Ok(tx.into_envelope(signature))
    }

    /// Fills in what the request from `from` leaves out, as a wallet would.
    fn filled(
        &self,
        mut request: TransactionRequest,
        from: Address,
    ) -> RpcResult<TypedTransaction> {
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
        request
            .build_typed_tx()
            .map_err(|_| RpcError::IncompleteTransaction("not a complete transaction"))
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
        if let Some(from) = request.from {
            if !self.signers.contains_key(&from) && self.is_impersonated(from) {
                let tx = self.filled(request, from)?;
                let tx = tx.into_envelope(impersonation_signature(from));
                return self.eth.send_impersonated(tx, from);
            }
        }
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
