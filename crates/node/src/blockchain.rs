//! The canonical chain: its head, the state at the head, and the three things done to it —
//! building a block on top, validating a block received from outside, and committing a block as
//! the new head (one storage transaction).

use std::path::Path;

use alloy_consensus::{transaction::Recovered, Header, TxEnvelope};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawal, eip7685::Requests};
use alloy_primitives::{Address, Bytes, B256};

use crate::{
    chainspec::ChainSpec,
    execution::{
        execute_block_with, executor_factory, BlockInput, ExecutedBlock, ExecutionError,
        ExecutorFactory, Mode,
    },
    state::MemoryState,
    storage::{ChainStore, StorageError},
};

/// A block ready to become the head: executed, with the state after it.
#[derive(Debug)]
pub struct SealedBlock {
    /// The block.
    pub block: ExecutedBlock,
    /// Its hash.
    pub hash: B256,
    /// The state after it.
    pub state: MemoryState,
}

/// What a block builder is asked for.
#[derive(Clone, Debug)]
pub struct BuildAttributes {
    /// Timestamp.
    pub timestamp: u64,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// EIP-4895 withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// EIP-4788 parent beacon block root.
    pub parent_beacon_block_root: B256,
}

/// Why a received block is invalid.
#[derive(Debug, thiserror::Error)]
pub enum InvalidBlock {
    /// A header field disagrees with the parent or with the chain's rules.
    #[error("{0}")]
    Header(String),
    /// A root or total disagrees with what execution produced.
    #[error("{field} mismatch: header has {header}, execution gives {computed}")]
    Mismatch {
        /// Which field.
        field: &'static str,
        /// What the header says.
        header: String,
        /// What execution produced.
        computed: String,
    },
    /// Execution refused the block (an invalid transaction, a failed system call).
    #[error("execution failed: {0}")]
    Execution(#[from] ExecutionError),
}

/// How [`Blockchain::call`] runs a transaction.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// Gas limit instead of the request's.
    pub gas_limit: Option<u64>,
    /// Coinbase instead of the head's. The coinbase is warm (EIP-3651), so an estimate run with
    /// a coinbase the transaction touches would come out low.
    pub beneficiary: Option<Address>,
    /// Accounts replaced for this call only (`eth_call`'s third parameter).
    pub overrides: Option<alloy_rpc_types_eth::state::StateOverride>,
}

/// The canonical chain and the state at its head.
#[derive(Debug)]
pub struct Blockchain {
    spec: ChainSpec,
    factory: ExecutorFactory,
    store: ChainStore,
    state: MemoryState,
    head: Header,
    head_hash: B256,
}

/// The gas limit a block may have after `parent` (EIP-1559: at most 1/1024 change).
pub fn gas_limit_in_bounds(parent: u64, limit: u64) -> bool {
    let delta = parent / 1024;
    limit >= 5000 && limit < parent + delta && limit > parent.saturating_sub(delta)
}

impl Blockchain {
    /// Opens the chain stored in `datadir` (writing the genesis on first use).
    pub fn open(datadir: &Path, spec: ChainSpec) -> Result<Self, StorageError> {
        let store = ChainStore::open(datadir, &spec)?;
        let state = store.load_state()?;
        let number = store.head_number()?;
        let head = store
            .header(number)?
            .ok_or_else(|| StorageError::Corrupt(format!("head block {number} missing")))?;
        let head_hash = head.hash_slow();
        let factory = executor_factory(&spec);
        Ok(Self {
            spec,
            factory,
            store,
            state,
            head,
            head_hash,
        })
    }

    /// The chain's spec.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// The store.
    pub fn store(&self) -> &ChainStore {
        &self.store
    }

    /// The head header and its hash.
    pub fn head(&self) -> (&Header, B256) {
        (&self.head, self.head_hash)
    }

    /// The state at the head.
    pub fn state(&self) -> &MemoryState {
        &self.state
    }

    /// Runs `tx` against the head state without committing anything (`eth_call`,
    /// `eth_estimateGas`): the head block's environment, no nonce check, and no base fee when the
    /// request names no fee.
    ///
    pub fn call(
        &self,
        request: alloy_rpc_types_eth::TransactionRequest,
        options: &CallOptions,
    ) -> Result<alloy_evm::revm::context::result::ExecutionResult, String> {
        use alloy_evm::{rpc::TryIntoTxEnv, Evm, EvmEnv, EvmFactory};
        let mut env: EvmEnv = EvmEnv::for_eth_block(
            &self.head,
            &self.spec,
            self.spec.chain_id(),
            self.spec.blob_params_at(self.head.timestamp),
        );
        // As other clients do: a call that names no fee runs at a zero base fee.
        let priced = request.gas_price.is_some()
            || request.max_fee_per_gas.is_some()
            || request.max_priority_fee_per_gas.is_some();
        if !priced {
            env.block_env.basefee = 0;
        }
        env.cfg_env.disable_nonce_check = true;
        if let Some(beneficiary) = options.beneficiary {
            env.block_env.beneficiary = beneficiary;
        }
        let mut tx = request.try_into_tx_env(&env).map_err(|e| e.to_string())?;
        if let Some(gas) = options.gas_limit {
            tx.gas_limit = gas;
        }
        let mut db = alloy_evm::revm::database::State::builder()
            .with_database_ref(&self.state)
            .build();
        if let Some(overrides) = &options.overrides {
            alloy_evm::overrides::apply_state_overrides(overrides.clone(), &mut db)
                .map_err(|e| format!("state override: {e}"))?;
        }
        let mut evm = self.factory.evm_factory().create_evm(&mut db, env);
        evm.transact(tx)
            .map(|r| r.result)
            .map_err(|e| e.to_string())
    }

    /// Builds a block on the head from `candidates` (those that cannot be included are left out).
    pub fn build(
        &self,
        attributes: &BuildAttributes,
        candidates: Vec<Recovered<TxEnvelope>>,
    ) -> Result<SealedBlock, ExecutionError> {
        let input = BlockInput {
            parent: self.head.clone(),
            parent_hash: self.head_hash,
            timestamp: attributes.timestamp,
            beneficiary: attributes.fee_recipient,
            prev_randao: attributes.prev_randao,
            gas_limit: self.head.gas_limit,
            parent_beacon_block_root: attributes.parent_beacon_block_root,
            withdrawals: attributes.withdrawals.clone(),
            extra_data: Bytes::from_static(b"berapool"),
            transactions: candidates,
        };
        let mut state = self.state.clone();
        let block = execute_block_with(&self.spec, &self.factory, &mut state, input, Mode::Build)?;
        let hash = block.header.hash_slow();
        Ok(SealedBlock { block, hash, state })
    }

    /// Validates a block received from outside against its parent (the head) and by executing
    /// it: every root and total in its header must be what execution produces.
    pub fn validate(
        &self,
        header: &Header,
        transactions: Vec<Recovered<TxEnvelope>>,
        withdrawals: Vec<Withdrawal>,
        requests: &Requests,
    ) -> Result<SealedBlock, InvalidBlock> {
        let parent = &self.head;
        if header.parent_hash != self.head_hash {
            return Err(InvalidBlock::Header(format!(
                "parent {} is not the head {}",
                header.parent_hash, self.head_hash
            )));
        }
        if header.number != parent.number + 1 {
            return Err(InvalidBlock::Header(format!(
                "number {} after parent {}",
                header.number, parent.number
            )));
        }
        if header.timestamp <= parent.timestamp {
            return Err(InvalidBlock::Header(format!(
                "timestamp {} not after parent's {}",
                header.timestamp, parent.timestamp
            )));
        }
        if header.gas_used > header.gas_limit {
            return Err(InvalidBlock::Header(format!(
                "gas used {} above the limit {}",
                header.gas_used, header.gas_limit
            )));
        }
        if !gas_limit_in_bounds(parent.gas_limit, header.gas_limit) {
            return Err(InvalidBlock::Header(format!(
                "gas limit {} too far from the parent's {}",
                header.gas_limit, parent.gas_limit
            )));
        }
        let base_fee = parent.next_block_base_fee(BaseFeeParams::ethereum());
        if header.base_fee_per_gas != base_fee {
            return Err(InvalidBlock::Header(format!(
                "base fee {:?}, expected {:?}",
                header.base_fee_per_gas, base_fee
            )));
        }
        let input = BlockInput {
            parent: parent.clone(),
            parent_hash: self.head_hash,
            timestamp: header.timestamp,
            beneficiary: header.beneficiary,
            prev_randao: header.mix_hash,
            gas_limit: header.gas_limit,
            parent_beacon_block_root: header.parent_beacon_block_root.unwrap_or_default(),
            withdrawals,
            extra_data: header.extra_data.clone(),
            transactions,
        };
        let mut state = self.state.clone();
        let block =
            execute_block_with(&self.spec, &self.factory, &mut state, input, Mode::Validate)?;
        let computed = &block.header;
        let check = |field: &'static str, header: String, computed: String| {
            if header == computed {
                Ok(())
            } else {
                Err(InvalidBlock::Mismatch {
                    field,
                    header,
                    computed,
                })
            }
        };
        check(
            "state root",
            header.state_root.to_string(),
            computed.state_root.to_string(),
        )?;
        check(
            "receipts root",
            header.receipts_root.to_string(),
            computed.receipts_root.to_string(),
        )?;
        check(
            "transactions root",
            header.transactions_root.to_string(),
            computed.transactions_root.to_string(),
        )?;
        check(
            "withdrawals root",
            format!("{:?}", header.withdrawals_root),
            format!("{:?}", computed.withdrawals_root),
        )?;
        check(
            "logs bloom",
            header.logs_bloom.to_string(),
            computed.logs_bloom.to_string(),
        )?;
        check(
            "gas used",
            header.gas_used.to_string(),
            computed.gas_used.to_string(),
        )?;
        check(
            "requests hash",
            format!("{:?}", header.requests_hash),
            format!("{:?}", computed.requests_hash),
        )?;
        if block.requests != *requests {
            return Err(InvalidBlock::Mismatch {
                field: "execution requests",
                header: format!("{requests:?}"),
                computed: format!("{:?}", block.requests),
            });
        }
        let hash = header.hash_slow();
        check(
            "block hash",
            hash.to_string(),
            computed.hash_slow().to_string(),
        )?;
        Ok(SealedBlock { block, hash, state })
    }

    /// Makes `sealed` (built or validated on the current head) the new head.
    pub fn commit(&mut self, sealed: SealedBlock) -> Result<(), StorageError> {
        if sealed.block.header.parent_hash != self.head_hash {
            return Err(StorageError::Corrupt(format!(
                "block {} does not extend the head {}",
                sealed.hash, self.head_hash
            )));
        }
        self.store.commit_block(&sealed.block)?;
        self.head = sealed.block.header;
        self.head_hash = sealed.hash;
        self.state = sealed.state;
        Ok(())
    }
}
