//! The dev consensus layer: a beacon chain that follows the execution chain block for block
//! (slot = block number, as on Berachain) and decides what each next payload carries.
//!
//! For block `N` it advances the post-state of beacon block `N-1` to slot `N`, picks the
//! proposer by stake, and hands the driver the proposer's fee recipient, the withdrawals due and
//! the root of beacon block `N-1` (stored by EIP-4788). Once block `N` is the head it imports
//! it: withdrawals paid, deposits from block `N-1`'s logs (at most 16), EIP-7002 requests from
//! block `N`, and the new beacon block header over a body that commits to the payload.
//!
//! The beacon chain is derived from the execution chain alone, so on start it is rebuilt by
//! replaying the stored blocks; nothing else is persisted. Withdrawals are replayed as the
//! blocks paid them, whatever the consensus flags say now.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, RwLock},
};

use alloy_consensus::{Header, ReceiptEnvelope};
use alloy_eips::{eip2718::Encodable2718, eip7685::Requests};
use alloy_primitives::{Address, Bytes, B256};
use alloy_sol_types::SolEvent;
use berapool_pool_precompiles::{
    abi::IBeaconDeposit,
    pool_state::{
        addresses::{pool_withdrawal_credentials, BEACON_DEPOSIT},
        PoolId,
    },
};

use berapool_beacon::{
    body::{self, BlockBody, Deposit, ExecutionRequests},
    genesis_deposits,
    rules::{self, ClSpec, ExpectedWithdrawals, RequestOutcome, MAX_DEPOSITS_PER_BLOCK},
    state::{
        BeaconBlockHeader, BeaconState, BlsPubkey, Eth1Data, ExecutionPayloadHeader, Fork,
        Validator, ELECTRA_FORK_VERSION, FAR_FUTURE_EPOCH, HISTORY_LENGTH,
    },
    GenesisValidator,
};
use berapool_engine::ChainReader;
use berapool_primitives::{unix_now, StoredBlock};
use berapool_storage::StorageError;

use crate::driver::{ConsensusProvider, NextBlock};

/// Post-states kept for the proof API: with 2-second slots, 34 minutes, well past the pools'
/// 10-minute proof age.
pub const STATES_KEPT: usize = 1024;

/// Which beacon state a request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateId {
    /// The latest.
    Head,
    /// Slot 0.
    Genesis,
    /// The post-state of the block at this slot.
    Slot(u64),
    /// The state a proof "as of" this execution timestamp is against: the parent of the
    /// block with this timestamp.
    ParentOfTimestamp(u64),
}

/// Why a state cannot be served.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// No execution block has this timestamp (within the kept window).
    #[error("no block with timestamp {0} in the last {STATES_KEPT} blocks")]
    UnknownTimestamp(u64),
    /// The genesis block has no parent.
    #[error("parent slot not supported for genesis slot 0")]
    GenesisParent,
    /// The slot is in the future or no longer kept.
    #[error("state of slot {0} is not available")]
    UnknownSlot(u64),
}

/// The simulated beacon chain: the head post-state, deposits waiting for a block, and recent
/// post-states for proofs.
#[derive(Debug)]
pub struct BeaconChain {
    spec: ClSpec,
    genesis: Arc<BeaconState>,
    head: Arc<BeaconState>,
    /// Execution hash of the head slot's block.
    head_hash: B256,
    deposit_queue: VecDeque<Deposit>,
    states: BTreeMap<u64, Arc<BeaconState>>,
    /// The deposits waiting after each kept slot, so that the chain can go back to a kept
    /// slot (a dev chain's `evm_revert`) without replaying from genesis.
    queues: BTreeMap<u64, VecDeque<Deposit>>,
    slot_by_timestamp: BTreeMap<u64, u64>,
    fee_recipients: HashMap<BlsPubkey, Address>,
    default_fee_recipient: Address,
    /// The next slot as worked out for building its payload, reused when it is imported.
    prepared: Option<Prepared>,
    /// The validator that proposes every later block instead of the one the rules pick
    /// (`berapool_setProposer`), while it stays active.
    proposer_override: Option<BlsPubkey>,
}

/// The head advanced to the next slot, with its proposer and the withdrawals due.
#[derive(Debug)]
struct Prepared {
    /// Execution hash of the head it was advanced from.
    parent: B256,
    state: BeaconState,
    proposer: Option<u64>,
    expected: ExpectedWithdrawals,
}

impl Prepared {
    fn new(
        spec: &ClSpec,
        head: &BeaconState,
        parent: B256,
        slot: u64,
        chosen: Option<&BlsPubkey>,
    ) -> Self {
        let mut state = head.clone();
        rules::process_slots(spec, &mut state, slot);
        let epoch = spec.epoch(state.slot);
        let chosen = chosen.and_then(|pubkey| {
            state
                .validators
                .iter()
                .position(|v| v.pubkey == *pubkey && v.is_active(epoch))
                .map(|i| i as u64)
        });
        let proposer = chosen.or_else(|| rules::proposer_index(spec, &state));
        let expected = rules::expected_withdrawals(spec, &state);
        Self {
            parent,
            state,
            proposer,
            expected,
        }
    }
}

impl BeaconChain {
    /// The genesis beacon state over the execution genesis `el_genesis` (hash `el_hash`).
    pub fn new(
        spec: ClSpec,
        validators: &[GenesisValidator],
        el_genesis: &Header,
        el_hash: B256,
        default_fee_recipient: Address,
    ) -> Self {
        let deposits = genesis_deposits(validators);
        let mut state = BeaconState {
            fork: Fork {
                previous_version: ELECTRA_FORK_VERSION,
                current_version: ELECTRA_FORK_VERSION,
                epoch: 0,
            },
            latest_block_header: BeaconBlockHeader {
                body_root: BlockBody::default().root(),
                ..BeaconBlockHeader::default()
            },
            block_roots: vec![B256::ZERO; HISTORY_LENGTH],
            state_roots: vec![B256::ZERO; HISTORY_LENGTH],
            eth1_data: Eth1Data {
                deposit_root: body::deposits_root(&deposits),
                deposit_count: deposits.len() as u64,
                block_hash: el_hash,
            },
            latest_execution_payload_header: payload_header(el_genesis, el_hash, &[], &[]),
            randao_mixes: vec![el_hash; HISTORY_LENGTH],
            ..BeaconState::default()
        };
        for deposit in &deposits {
            rules::process_deposit(&spec, &mut state, deposit);
        }
        for v in &mut state.validators {
            if v.effective_balance >= spec.min_activation_balance {
                v.activation_eligibility_epoch = 0;
                v.activation_epoch = 0;
            }
        }
        state.genesis_validators_root = berapool_beacon::state::validators_root(&state.validators);
        let genesis = Arc::new(state);
        Self {
            spec,
            head: genesis.clone(),
            head_hash: el_hash,
            deposit_queue: VecDeque::new(),
            states: BTreeMap::from([(0, genesis.clone())]),
            queues: BTreeMap::from([(0, VecDeque::new())]),
            slot_by_timestamp: BTreeMap::from([(el_genesis.timestamp, 0)]),
            genesis,
            fee_recipients: validators
                .iter()
                .filter_map(|v| Some((v.pubkey, v.fee_recipient?)))
                .collect(),
            default_fee_recipient,
            prepared: None,
            proposer_override: None,
        }
    }

    /// Has `pubkey` propose every later block while it is an active validator (`None`: the
    /// rules pick again). Refused for a pubkey that is not an active validator at the head.
    pub fn set_proposer(&mut self, pubkey: Option<BlsPubkey>) -> Result<(), ProposerError> {
        if let Some(pubkey) = &pubkey {
            let epoch = self.spec.epoch(self.head.slot);
            let active = self
                .head
                .validators
                .iter()
                .any(|v| v.pubkey == *pubkey && v.is_active(epoch));
            if !active {
                return Err(ProposerError::NotActive(*pubkey));
            }
        }
        self.proposer_override = pubkey;
        self.prepared = None;
        Ok(())
    }

    /// The pubkey of the validator that proposed the head (the next block's parent proposer,
    /// whose PoL rewards it distributes).
    pub fn head_proposer(&self) -> Option<BlsPubkey> {
        let index = self.head.latest_block_header.proposer_index as usize;
        self.head.validators.get(index).map(|v| v.pubkey)
    }

    /// The parameters.
    pub fn spec(&self) -> &ClSpec {
        &self.spec
    }

    /// The head post-state.
    pub fn head(&self) -> &Arc<BeaconState> {
        &self.head
    }

    /// The state `id` names.
    pub fn state(&self, id: StateId) -> Result<Arc<BeaconState>, StateError> {
        let slot = match id {
            StateId::Head => return Ok(self.head.clone()),
            StateId::Genesis => return Ok(self.genesis.clone()),
            StateId::Slot(slot) => slot,
            StateId::ParentOfTimestamp(timestamp) => {
                let slot = *self
                    .slot_by_timestamp
                    .get(&timestamp)
                    .ok_or(StateError::UnknownTimestamp(timestamp))?;
                slot.checked_sub(1).ok_or(StateError::GenesisParent)?
            }
        };
        self.states
            .get(&slot)
            .cloned()
            .ok_or(StateError::UnknownSlot(slot))
    }

    /// Who receives the fees of blocks `validator` proposes: its configured address for a
    /// genesis validator that has one, its pool's StakingRewardsVault for a pool validator (so
    /// tips compound), the dev fee recipient otherwise.
    pub fn fee_recipient(&self, validator: &Validator) -> Address {
        if let Some(address) = self.fee_recipients.get(&validator.pubkey) {
            return *address;
        }
        if validator.withdrawal_credentials == pool_withdrawal_credentials() {
            return PoolId::from_pubkey(&validator.pubkey)
                .addresses()
                .staking_rewards_vault;
        }
        self.default_fee_recipient
    }

    /// The head advanced to `slot`: the one worked out for the payload if it still applies.
    fn take_prepared(&mut self, slot: u64) -> Prepared {
        match self.prepared.take() {
            Some(p) if p.parent == self.head_hash && p.state.slot == slot => p,
            _ => Prepared::new(
                &self.spec,
                &self.head,
                self.head_hash,
                slot,
                self.proposer_override.as_ref(),
            ),
        }
    }

    /// What the payload on `parent` carries.
    pub fn next_block(&mut self, parent: &Header) -> NextBlock {
        let prepared = self.take_prepared(parent.number + 1);
        let fee_recipient = prepared
            .proposer
            .and_then(|i| prepared.state.validators.get(i as usize))
            .map_or(self.default_fee_recipient, |v| self.fee_recipient(v));
        let next = NextBlock {
            timestamp: unix_now().max(parent.timestamp.saturating_add(1)),
            prev_randao: rules::randao_mix(&self.spec, &prepared.state),
            fee_recipient,
            withdrawals: prepared.expected.withdrawals.clone(),
            // The slot advance filled the parent header's state root: this is its block root.
            parent_beacon_block_root: prepared.state.latest_block_header.root(),
            parent_proposer_pubkey: self.head_proposer(),
        };
        self.prepared = Some(prepared);
        next
    }

    /// Imports execution block `block` (hash `hash`) as the beacon block of its slot.
    pub fn import(
        &mut self,
        block: &StoredBlock,
        hash: B256,
        receipts: &[ReceiptEnvelope],
        requests: &Requests,
    ) {
        let slot = block.header.number;
        let Prepared {
            mut state,
            proposer,
            expected,
            ..
        } = self.take_prepared(slot);
        // Replay what the block paid: a datadir built under other consensus flags expects
        // other withdrawals, and applying those would pay twice or never.
        if expected.withdrawals == block.withdrawals {
            rules::apply_withdrawals(&mut state, &expected);
        } else {
            tracing::warn!(target: "berapool::cl", slot, "the block paid other withdrawals than the consensus rules give now; applying what it paid");
            rules::replay_withdrawals(&self.spec, &mut state, &block.withdrawals);
        }
        rules::process_randao(&self.spec, &mut state);
        let take = self.deposit_queue.len().min(MAX_DEPOSITS_PER_BLOCK);
        let deposits: Vec<Deposit> = self.deposit_queue.drain(..take).collect();
        for deposit in &deposits {
            rules::process_deposit(&self.spec, &mut state, deposit);
        }
        let requests = ExecutionRequests::decode(requests);
        for request in &requests.withdrawals {
            match rules::process_withdrawal_request(&self.spec, &mut state, request) {
                RequestOutcome::Dropped(why) => {
                    tracing::info!(target: "berapool::cl", slot, pubkey = %request.pubkey, amount = request.amount, why, "withdrawal request dropped")
                }
                outcome => {
                    tracing::info!(target: "berapool::cl", slot, pubkey = %request.pubkey, ?outcome, "withdrawal request")
                }
            }
        }
        let transactions: Vec<Bytes> = block
            .transactions
            .iter()
            .map(|tx| Bytes::from(tx.encoded_2718()))
            .collect();
        let payload = payload_header(&block.header, hash, &transactions, &block.withdrawals);
        state.latest_execution_payload_header = payload.clone();
        state.eth1_data = Eth1Data {
            deposit_root: body::deposits_root(&deposits),
            deposit_count: state.eth1_deposit_index,
            block_hash: hash,
        };
        let body = BlockBody {
            eth1_data: state.eth1_data.clone(),
            deposits,
            payload,
            requests,
        };
        state.latest_block_header = BeaconBlockHeader {
            slot,
            proposer_index: proposer.unwrap_or(0),
            parent_root: state.latest_block_header.root(),
            state_root: B256::ZERO,
            body_root: body.root(),
        };
        self.deposit_queue.extend(deposit_logs(receipts));
        let state = Arc::new(state);
        self.states.insert(slot, state.clone());
        self.queues.insert(slot, self.deposit_queue.clone());
        self.slot_by_timestamp.insert(block.header.timestamp, slot);
        while self.states.len() > STATES_KEPT {
            self.states.pop_first();
        }
        while self.queues.len() > STATES_KEPT {
            self.queues.pop_first();
        }
        while self.slot_by_timestamp.len() > STATES_KEPT {
            self.slot_by_timestamp.pop_first();
        }
        self.head = state;
        self.head_hash = hash;
    }

    /// Imports every execution block after the beacon head up to the execution head
    /// (replaying from genesis if the execution chain is not the one followed so far).
    pub fn sync(&mut self, chain: &ChainReader) -> Result<(), StorageError> {
        let el_head = chain.head();
        if el_head.hash == self.head_hash {
            return Ok(());
        }
        let target = el_head.number();
        let store = chain.store();
        let diverged =
            store.block_hash(self.head.slot)? != Some(self.head_hash) || self.head.slot > target;
        if diverged && !self.rewind(chain, target)? {
            tracing::warn!(target: "berapool::cl", "execution chain diverged; replaying the beacon chain from genesis");
            self.reset();
        }
        if target > self.head.slot + 1 {
            tracing::info!(target: "berapool::cl", from = self.head.slot + 1, to = target, "replaying execution blocks into the beacon chain");
        }
        for number in self.head.slot + 1..=target {
            let missing = StorageError::MissingBlock;
            let block = store.block(number)?.ok_or(missing(number))?;
            let hash = store.block_hash(number)?.ok_or(missing(number))?;
            let receipts = store.receipts(number)?.ok_or(missing(number))?;
            let requests = store.requests(number)?.unwrap_or_default();
            self.import(&block, hash, &receipts, &requests);
        }
        Ok(())
    }

    /// Goes back to the latest kept slot at or below `target` whose block is still canonical
    /// (after the execution chain was unwound); whether there was one.
    fn rewind(&mut self, chain: &ChainReader, target: u64) -> Result<bool, StorageError> {
        let store = chain.store();
        let kept: Vec<u64> = self
            .states
            .range(..=target)
            .rev()
            .map(|(s, _)| *s)
            .collect();
        for slot in kept {
            let (Some(state), Some(queue)) = (self.states.get(&slot), self.queues.get(&slot))
            else {
                continue;
            };
            let hash = state.latest_execution_payload_header.block_hash;
            if store.block_hash(slot)? != Some(hash) {
                continue;
            }
            tracing::info!(target: "berapool::cl", slot, "execution chain went back; so does the beacon chain");
            self.head = state.clone();
            self.head_hash = hash;
            self.deposit_queue = queue.clone();
            self.states.split_off(&(slot + 1));
            self.queues.split_off(&(slot + 1));
            self.slot_by_timestamp.retain(|_, s| *s <= slot);
            self.prepared = None;
            return Ok(true);
        }
        Ok(false)
    }

    fn reset(&mut self) {
        self.head = self.genesis.clone();
        self.head_hash = self.genesis.eth1_data.block_hash;
        self.deposit_queue.clear();
        self.states = BTreeMap::from([(0, self.genesis.clone())]);
        self.queues = BTreeMap::from([(0, VecDeque::new())]);
        self.slot_by_timestamp.retain(|_, slot| *slot == 0);
        self.prepared = None;
    }
}

/// The `Deposit` logs of BeaconDeposit in `receipts`, in order.
fn deposit_logs(receipts: &[ReceiptEnvelope]) -> Vec<Deposit> {
    receipts
        .iter()
        .flat_map(|r| r.logs())
        .filter(|log| log.address == BEACON_DEPOSIT)
        .filter_map(|log| IBeaconDeposit::Deposit::decode_log_data(&log.data).ok())
        .filter_map(|event| {
            Some(Deposit {
                pubkey: BlsPubkey::try_from(event.pubkey.as_ref()).ok()?,
                credentials: B256::try_from(event.credentials.as_ref()).ok()?,
                amount: event.amount,
                signature: event.signature.as_ref().try_into().ok()?,
                index: event.index,
            })
        })
        .collect()
}

/// The SSZ execution payload header of an execution block.
fn payload_header(
    header: &Header,
    hash: B256,
    transactions: &[Bytes],
    withdrawals: &[alloy_eips::eip4895::Withdrawal],
) -> ExecutionPayloadHeader {
    ExecutionPayloadHeader {
        parent_hash: header.parent_hash,
        fee_recipient: header.beneficiary,
        state_root: header.state_root,
        receipts_root: header.receipts_root,
        logs_bloom: header.logs_bloom.as_slice().to_vec(),
        prev_randao: header.mix_hash,
        block_number: header.number,
        gas_limit: header.gas_limit,
        gas_used: header.gas_used,
        timestamp: header.timestamp,
        extra_data: header.extra_data.to_vec(),
        base_fee_per_gas: header.base_fee_per_gas.unwrap_or(0),
        block_hash: hash,
        transactions_root: body::transactions_root(transactions),
        withdrawals_root: body::withdrawals_root(withdrawals),
        blob_gas_used: header.blob_gas_used.unwrap_or(0),
        excess_blob_gas: header.excess_blob_gas.unwrap_or(0),
    }
}

/// The beacon chain, shared between block production and the proof API.
#[derive(Clone, Debug)]
pub struct BeaconHandle(Arc<RwLock<BeaconChain>>);

impl BeaconHandle {
    /// Shares `chain`.
    pub fn new(chain: BeaconChain) -> Self {
        Self(Arc::new(RwLock::new(chain)))
    }

    /// Reads the chain.
    pub fn read<T>(&self, f: impl FnOnce(&BeaconChain) -> T) -> T {
        f(&self.0.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn write<T>(&self, f: impl FnOnce(&mut BeaconChain) -> T) -> T {
        f(&mut self.0.write().unwrap_or_else(|p| p.into_inner()))
    }

    /// Catches the beacon chain up with the execution chain (a read, when it is already
    /// there).
    pub fn sync(&self, chain: &ChainReader) -> Result<(), StorageError> {
        if self.read(|beacon| beacon.head_hash) == chain.head().hash {
            return Ok(());
        }
        self.write(|beacon| beacon.sync(chain))
    }
}

/// The dev consensus layer as the block driver's [`ConsensusProvider`].
#[derive(Debug)]
pub struct DevConsensus {
    beacon: BeaconHandle,
    chain: ChainReader,
}

impl DevConsensus {
    /// The consensus layer over `chain`, caught up with it.
    pub fn new(beacon: BeaconHandle, chain: ChainReader) -> Result<Self, StorageError> {
        beacon.sync(&chain)?;
        Ok(Self { beacon, chain })
    }
}

/// Why a proposer cannot be chosen.
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    /// Not an active validator at the head.
    #[error("{0} is not an active validator")]
    NotActive(BlsPubkey),
}

impl ConsensusProvider for DevConsensus {
    fn next_block(&mut self, parent: &Header, _parent_hash: B256) -> NextBlock {
        if let Err(error) = self.beacon.sync(&self.chain) {
            tracing::error!(target: "berapool::cl", %error, "beacon chain cannot follow the execution chain");
        }
        self.beacon.write(|beacon| beacon.next_block(parent))
    }

    fn set_proposer(&mut self, pubkey: Option<BlsPubkey>) -> Result<(), String> {
        self.beacon
            .write(|beacon| beacon.set_proposer(pubkey))
            .map_err(|e| e.to_string())
    }

    fn on_head(&mut self, _header: &Header, _hash: B256) {
        if let Err(error) = self.beacon.sync(&self.chain) {
            tracing::error!(target: "berapool::cl", %error, "beacon chain cannot follow the execution chain");
        }
    }
}

/// A validator's status in the Beacon API's words.
pub fn validator_status(validator: &Validator, balance: u64, epoch: u64) -> &'static str {
    if validator.activation_epoch > epoch {
        if validator.activation_eligibility_epoch == FAR_FUTURE_EPOCH {
            "pending_initialized"
        } else {
            "pending_queued"
        }
    } else if epoch < validator.exit_epoch {
        if validator.exit_epoch == FAR_FUTURE_EPOCH {
            "active_ongoing"
        } else {
            "active_exiting"
        }
    } else if epoch < validator.withdrawable_epoch {
        "exited_unslashed"
    } else if balance != 0 {
        "withdrawal_possible"
    } else {
        "withdrawal_done"
    }
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{Receipt, ReceiptWithBloom};
    use alloy_primitives::{Log, LogData};

    use super::*;
    use berapool_beacon::BERA_GWEI;
    use berapool_pool_precompiles::pool_state::addresses::WITHDRAWAL_VAULT;

    fn chain() -> BeaconChain {
        let genesis = Header::default();
        BeaconChain::new(
            ClSpec::default(),
            &[],
            &genesis,
            genesis.hash_slow(),
            Address::repeat_byte(0xfe),
        )
    }

    fn deposit_log(index: u64) -> Log {
        stake_log(index, 10_000)
    }

    fn stake_log(index: u64, bera: u64) -> Log {
        let event = IBeaconDeposit::Deposit {
            pubkey: Bytes::from(vec![index as u8 + 1; 48]),
            credentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
            amount: bera * BERA_GWEI,
            signature: Bytes::from(vec![0; 96]),
            index,
        };
        Log {
            address: BEACON_DEPOSIT,
            data: LogData::from(&event),
        }
    }

    fn block(number: u64, logs: Vec<Log>) -> (StoredBlock, Vec<ReceiptEnvelope>) {
        let header = Header {
            number,
            timestamp: 1_000 + number,
            ..Header::default()
        };
        let receipt = ReceiptEnvelope::Eip1559(ReceiptWithBloom::from(Receipt {
            status: true.into(),
            cumulative_gas_used: 0,
            logs,
        }));
        let block = StoredBlock {
            header,
            transactions: Vec::new(),
            senders: Vec::new(),
            withdrawals: Vec::new(),
            state_edits: Vec::new(),
            parent_proposer_pubkey: None,
        };
        (block, vec![receipt])
    }

    #[test]
    fn deposits_are_processed_a_block_late_sixteen_at_a_time() {
        let mut beacon = chain();
        // Block 1 logs 20 deposits (indices 0..20).
        let (b1, r1) = block(1, (0..20).map(deposit_log).collect());
        beacon.import(&b1, B256::repeat_byte(1), &r1, &Requests::default());
        assert_eq!(beacon.head().validators.len(), 0, "not in their own block");
        let (b2, r2) = block(2, Vec::new());
        beacon.import(&b2, B256::repeat_byte(2), &r2, &Requests::default());
        assert_eq!(beacon.head().validators.len(), 16);
        assert_eq!(beacon.head().eth1_deposit_index, 16);
        let (b3, r3) = block(3, Vec::new());
        beacon.import(&b3, B256::repeat_byte(3), &r3, &Requests::default());
        assert_eq!(beacon.head().validators.len(), 20);
        assert_eq!(beacon.head().balances[19], 10_000 * BERA_GWEI);
        // Each slot's header links to the previous block root.
        let parent = beacon
            .state(StateId::Slot(2))
            .unwrap()
            .sealed_header()
            .root();
        assert_eq!(beacon.head().latest_block_header.parent_root, parent);
        // `t<T>` names the parent of the block with timestamp T.
        let by_time = beacon.state(StateId::ParentOfTimestamp(1_003)).unwrap();
        assert_eq!(by_time.slot, 2);
        assert_eq!(
            beacon.state(StateId::ParentOfTimestamp(7)),
            Err(StateError::UnknownTimestamp(7))
        );
    }

    /// A stored block as the chain that built it saw it.
    struct Stored {
        block: StoredBlock,
        hash: B256,
        receipts: Vec<ReceiptEnvelope>,
        requests: Requests,
    }

    #[test]
    fn a_chain_replayed_under_other_flags_pays_each_withdrawal_once() {
        let genesis = Header::default();
        let new_chain = |withdrawability_delay_epochs| {
            let spec = ClSpec {
                slots_per_epoch: 4,
                withdrawability_delay_epochs,
                ..ClSpec::default()
            };
            BeaconChain::new(
                spec,
                &[],
                &genesis,
                genesis.hash_slow(),
                Address::repeat_byte(0xfe),
            )
        };
        // Built with a 1-epoch delay: 300,000 BERA staked in block 1, a 20,000 BERA partial
        // requested once the validator is active, paid 2 epochs later.
        let mut built = new_chain(1);
        let mut stored: Vec<Stored> = Vec::new();
        let mut parent = genesis.clone();
        let mut requested = false;
        for number in 1..=40u64 {
            let next = built.next_block(&parent);
            let logs = if number == 1 {
                vec![stake_log(0, 300_000)]
            } else {
                Vec::new()
            };
            let (mut block, receipts) = block(number, logs);
            block.withdrawals = next.withdrawals;
            let epoch = built.spec().epoch(number);
            let active = built
                .head()
                .validators
                .first()
                .is_some_and(|v| v.is_active(epoch));
            let requests = if active && !requested {
                requested = true;
                let mut item = vec![0x01];
                item.extend_from_slice(WITHDRAWAL_VAULT.as_slice());
                item.extend_from_slice(&[1; 48]);
                item.extend_from_slice(&(20_000 * BERA_GWEI).to_le_bytes());
                Requests::new(vec![Bytes::from(item)])
            } else {
                Requests::default()
            };
            let hash = B256::left_padding_from(&number.to_be_bytes());
            built.import(&block, hash, &receipts, &requests);
            parent = block.header.clone();
            stored.push(Stored {
                block,
                hash,
                receipts,
                requests,
            });
        }
        let paid = |blocks: &[Stored]| -> u64 {
            blocks
                .iter()
                .flat_map(|s| &s.block.withdrawals)
                .filter(|w| w.validator_index == 0)
                .map(|w| w.amount)
                .sum()
        };
        assert!(requested);
        assert_eq!(paid(&stored), 20_000 * BERA_GWEI);
        assert_eq!(built.head().balances[0], 280_000 * BERA_GWEI);

        // Rebuilt on start with a 20-epoch delay: the partial is not due when block 40 paid it.
        let mut rebuilt = new_chain(20);
        for s in &stored {
            rebuilt.import(&s.block, s.hash, &s.receipts, &s.requests);
        }
        assert_eq!(rebuilt.head().balances[0], 280_000 * BERA_GWEI);
        assert!(rebuilt.head().pending_partial_withdrawals.is_empty());
        // And it is never paid again.
        let mut later = Vec::new();
        for number in 41..=160u64 {
            let next = rebuilt.next_block(&parent);
            let (mut block, receipts) = block(number, Vec::new());
            block.withdrawals = next.withdrawals;
            let hash = B256::left_padding_from(&number.to_be_bytes());
            rebuilt.import(&block, hash, &receipts, &Requests::default());
            parent = block.header.clone();
            later.push(Stored {
                block,
                hash,
                receipts,
                requests: Requests::default(),
            });
        }
        assert_eq!(paid(&later), 0);
    }

    #[test]
    fn the_next_payload_carries_the_parent_beacon_root_and_the_proposer_fee_recipient() {
        let mut beacon = chain();
        let (b1, r1) = block(1, Vec::new());
        beacon.import(&b1, B256::repeat_byte(1), &r1, &Requests::default());
        let next = beacon.next_block(&b1.header);
        assert_eq!(
            next.parent_beacon_block_root,
            beacon.head().sealed_header().root()
        );
        // No validators: the default fee recipient and only the inflation withdrawal.
        assert_eq!(next.fee_recipient, Address::repeat_byte(0xfe));
        assert_eq!(next.withdrawals.len(), 1);
        assert!(next.timestamp > b1.header.timestamp);
        // A pool validator's blocks pay its StakingRewardsVault.
        let v = Validator {
            pubkey: BlsPubkey::repeat_byte(9),
            withdrawal_credentials: pool_withdrawal_credentials(),
            effective_balance: 0,
            slashed: false,
            activation_eligibility_epoch: 0,
            activation_epoch: 0,
            exit_epoch: FAR_FUTURE_EPOCH,
            withdrawable_epoch: FAR_FUTURE_EPOCH,
        };
        assert_eq!(
            beacon.fee_recipient(&v),
            PoolId::from_pubkey(&v.pubkey)
                .addresses()
                .staking_rewards_vault
        );
    }
}
