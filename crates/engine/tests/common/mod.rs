//! Test helpers: a dev chain that signs transactions with the dev accounts and executes blocks.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use alloy_consensus::{transaction::Recovered, SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use berapool_chainspec::ChainSpec;
use berapool_engine::{execute_block, executor_factory, BlockInput};
use berapool_primitives::ExecutedBlock;
use berapool_storage::MemoryState;

pub struct Chain {
    pub spec: ChainSpec,
    pub state: MemoryState,
    pub head: alloy_consensus::Header,
    pub nonces: std::collections::HashMap<Address, u64>,
}

impl Chain {
    pub fn dev() -> Self {
        let spec = ChainSpec::dev().unwrap();
        let state = MemoryState::from_genesis(&spec.genesis);
        let head = spec.genesis_header().clone();
        Self {
            spec,
            state,
            head,
            nonces: Default::default(),
        }
    }

    pub fn tx(
        &mut self,
        key: B256,
        to: Address,
        value: U256,
        input: Vec<u8>,
    ) -> Recovered<TxEnvelope> {
        let signer = PrivateKeySigner::from_bytes(&key).unwrap();
        let nonce = self.nonces.entry(signer.address()).or_default();
        let tx = TxEip1559 {
            chain_id: self.spec.chain_id(),
            nonce: *nonce,
            gas_limit: 3_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value,
            input: input.into(),
            access_list: Default::default(),
        };
        *nonce += 1;
        let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        Recovered::new_unchecked(
            TxEnvelope::Eip1559(tx.into_signed(signature)),
            signer.address(),
        )
    }

    pub fn input(
        &self,
        transactions: Vec<Recovered<TxEnvelope>>,
        withdrawals: Vec<Withdrawal>,
    ) -> BlockInput {
        BlockInput {
            parent: self.head.clone(),
            parent_hash: self.head.hash_slow(),
            timestamp: self.head.timestamp + 2,
            beneficiary: Address::repeat_byte(0xfe),
            prev_randao: B256::repeat_byte(self.head.number as u8 + 1),
            gas_limit: self.head.gas_limit,
            parent_beacon_block_root: B256::repeat_byte(0xbb),
            withdrawals,
            extra_data: Bytes::new(),
            transactions,
        }
    }

    pub fn execute(&mut self, input: BlockInput) -> ExecutedBlock {
        let factory = executor_factory(&self.spec);
        let block = execute_block(&self.spec, &factory, &mut self.state, input).unwrap();
        self.head = block.header.clone();
        block
    }
}

/// Calldata registering the pool of validator `0x11…11` with `owner` as admin and recipient.
pub fn pool_registration(owner: Address) -> Vec<u8> {
    use alloy_sol_types::SolCall;
    use berapool_pool_precompiles::{
        abi::IStakingPoolContractsFactory as F, pool_state::addresses::pool_withdrawal_credentials,
    };
    F::deployStakingPoolContractsCall {
        pubkey: Bytes::from(vec![0x11; 48]),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0x22; 96]),
        validatorAdmin: owner,
        defaultSharesRecipient: owner,
    }
    .abi_encode()
}
