//! Test helpers: a dev chain in a datadir of its own that signs transactions with the dev
//! accounts, executes blocks and stores them.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use alloy_consensus::{transaction::Recovered, SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use berapool_chainspec::ChainSpec;
use berapool_engine::{execute_block, executor_factory, BlockInput, ExecutorFactory};
use berapool_primitives::ExecutedBlock;
use berapool_storage::{ChainStore, StateTries};

pub struct Chain {
    pub spec: ChainSpec,
    pub factory: ExecutorFactory,
    pub store: ChainStore,
    pub tries: StateTries,
    pub head: alloy_consensus::Header,
    pub nonces: std::collections::HashMap<Address, u64>,
    /// The datadir, when the chain made its own.
    _dir: Option<tempfile::TempDir>,
}

impl Chain {
    /// The dev chain in a fresh temporary datadir.
    pub fn dev() -> Self {
        Self::with_spec(ChainSpec::dev().unwrap())
    }

    /// `spec`'s chain in a fresh temporary datadir.
    pub fn with_spec(spec: ChainSpec) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut chain = Self::open(dir.path(), spec);
        chain._dir = Some(dir);
        chain
    }

    /// `spec`'s chain stored in `datadir`, at its head.
    pub fn open(datadir: &std::path::Path, spec: ChainSpec) -> Self {
        let store = ChainStore::open(datadir, &spec).unwrap();
        let tries = store.load_tries().unwrap();
        let head = store.header(store.head_number().unwrap()).unwrap().unwrap();
        Self {
            factory: executor_factory(&spec),
            spec,
            store,
            tries,
            head,
            nonces: Default::default(),
            _dir: None,
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
            state_edits: Vec::new(),
            parent_proposer_pubkey: None,
        }
    }

    /// Keeps `retention` of state history from now on.
    pub fn keep_history(mut self, retention: berapool_storage::HistoryRetention) -> Self {
        self.store = self.store.with_history(retention);
        self
    }

    /// Executes `input` on the head and stores it as the new head.
    pub fn execute(&mut self, input: BlockInput) -> ExecutedBlock {
        let state = self.store.latest().unwrap();
        let (block, tries) =
            execute_block(&self.spec, &self.factory, &state, &self.tries, input).unwrap();
        drop(state);
        self.store.commit_block(&block).unwrap();
        self.tries = tries;
        self.head = block.header.clone();
        block
    }

    /// The nonce `address` has at the head (so transactions continue after a reopen).
    pub fn sync_nonce(&mut self, address: Address) {
        let state = self.store.latest().unwrap();
        let nonce = state.account(&address).unwrap().map_or(0, |a| a.nonce);
        self.nonces.insert(address, nonce);
    }

    /// The state root recomputed from scratch by alloy-trie from the stored head state
    /// (independent of the node's tries).
    pub fn root_from_scratch(&self) -> B256 {
        use alloy_trie::{
            root::{state_root_unhashed, storage_root_unhashed},
            TrieAccount,
        };
        let accounts: Vec<(Address, TrieAccount)> = self
            .store
            .dump_state()
            .unwrap()
            .into_iter()
            .map(|(address, info, slots)| {
                let slots = slots.into_iter().map(|(k, v)| (B256::from(k), v));
                (
                    address,
                    TrieAccount {
                        nonce: info.nonce,
                        balance: info.balance,
                        storage_root: storage_root_unhashed(slots),
                        code_hash: info.code_hash,
                    },
                )
            })
            .collect();
        state_root_unhashed(accounts)
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
