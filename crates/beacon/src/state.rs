//! BeaconKit's Electra beacon state and block header, with their SSZ roots and the proofs its
//! proof API serves. The layout (17 state fields, `block_roots`/`state_roots`/`randao_mixes` as
//! lists of 8, validators and balances limited to 2^40) is what makes BeaconKit's generalized
//! indices hold, so the pool precompiles verify these proofs exactly as they verify Berachain's.

use alloy_primitives::{Address, FixedBytes, B256};

use crate::ssz::{
    self, address_leaf, bool_leaf, bytes4_leaf, bytes_root, container_root, list_root, u64_leaf,
};

/// A validator's BLS public key.
pub type BlsPubkey = FixedBytes<48>;

/// The epoch that never comes.
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;
/// Ring length of `block_roots`, `state_roots` (slots) and `randao_mixes` (epochs) on
/// Berachain (`slots-per-historical-root`, `epochs-per-historical-vector`).
pub const HISTORY_LENGTH: usize = 8;
/// Electra's fork version.
pub const ELECTRA_FORK_VERSION: [u8; 4] = [5, 0, 0, 0];

const VALIDATOR_REGISTRY_LIMIT: u64 = 1 << 40;
const BALANCES_CHUNK_LIMIT: u64 = (1 << 40) * 8 / 32;
const HISTORICAL_ROOTS_LIMIT: u64 = 8192;
const RANDAO_MIXES_LIMIT: u64 = 65536;
const PENDING_PARTIALS_LIMIT: u64 = 1 << 27;
/// Field positions in the Electra state.
const ETH1_DEPOSIT_INDEX_FIELD: u64 = 7;
const VALIDATORS_FIELD: u64 = 9;
const BALANCES_FIELD: u64 = 10;
const STATE_FIELDS: u64 = 17;
/// Field position of the state root in the block header.
const HEADER_STATE_ROOT_FIELD: u64 = 3;
const HEADER_FIELDS: u64 = 5;

/// A validator record (same as Ethereum's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// BLS public key.
    pub pubkey: BlsPubkey,
    /// `0x01 ‖ 0^11 ‖ address` for withdrawable validators.
    pub withdrawal_credentials: B256,
    /// Balance counted for activation, voting and the sweep, in gwei.
    pub effective_balance: u64,
    /// Never set on Berachain.
    pub slashed: bool,
    /// Epoch from which the validator may be activated.
    pub activation_eligibility_epoch: u64,
    /// Epoch the validator became active.
    pub activation_epoch: u64,
    /// Epoch the validator stops being active.
    pub exit_epoch: u64,
    /// Epoch from which the sweep pays its whole balance.
    pub withdrawable_epoch: u64,
}

impl Validator {
    /// The execution address in 0x01 credentials (other prefixes are not withdrawable).
    pub fn withdrawal_address(&self) -> Option<Address> {
        (self.withdrawal_credentials[0] == 0x01)
            .then(|| Address::from_slice(&self.withdrawal_credentials[12..]))
    }

    /// Active in `epoch`.
    pub fn is_active(&self, epoch: u64) -> bool {
        self.activation_epoch <= epoch && epoch < self.exit_epoch
    }

    fn field_roots(&self) -> [B256; 8] {
        [
            bytes_root(self.pubkey.as_slice()),
            self.withdrawal_credentials,
            u64_leaf(self.effective_balance),
            bool_leaf(self.slashed),
            u64_leaf(self.activation_eligibility_epoch),
            u64_leaf(self.activation_epoch),
            u64_leaf(self.exit_epoch),
            u64_leaf(self.withdrawable_epoch),
        ]
    }

    /// `hash_tree_root`.
    pub fn root(&self) -> B256 {
        container_root(&self.field_roots())
    }
}

/// The root of a validator registry (`List[Validator, 2^40]`).
pub fn validators_root(validators: &[Validator]) -> B256 {
    let roots: Vec<B256> = validators.iter().map(Validator::root).collect();
    list_root(&roots, VALIDATOR_REGISTRY_LIMIT)
}

/// `BeaconBlockHeader`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BeaconBlockHeader {
    /// Slot (= EL block number on Berachain).
    pub slot: u64,
    /// Index of the proposer.
    pub proposer_index: u64,
    /// Root of the parent beacon block.
    pub parent_root: B256,
    /// Root of the post-state (zero while it is the state's own latest header).
    pub state_root: B256,
    /// Root of the block body.
    pub body_root: B256,
}

impl BeaconBlockHeader {
    fn field_roots(&self) -> [B256; 5] {
        [
            u64_leaf(self.slot),
            u64_leaf(self.proposer_index),
            self.parent_root,
            self.state_root,
            self.body_root,
        ]
    }

    /// `hash_tree_root`: the beacon block root.
    pub fn root(&self) -> B256 {
        container_root(&self.field_roots())
    }
}

/// `Fork`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fork {
    /// Version before `epoch`.
    pub previous_version: [u8; 4],
    /// Version from `epoch`.
    pub current_version: [u8; 4],
    /// Epoch of the last fork.
    pub epoch: u64,
}

impl Fork {
    fn root(&self) -> B256 {
        container_root(&[
            bytes4_leaf(self.previous_version),
            bytes4_leaf(self.current_version),
            u64_leaf(self.epoch),
        ])
    }
}

/// `Eth1Data`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Eth1Data {
    /// Root of the deposits.
    pub deposit_root: B256,
    /// Deposits processed so far.
    pub deposit_count: u64,
    /// The execution block.
    pub block_hash: B256,
}

impl Eth1Data {
    /// `hash_tree_root`.
    pub fn root(&self) -> B256 {
        container_root(&[
            self.deposit_root,
            u64_leaf(self.deposit_count),
            self.block_hash,
        ])
    }
}

/// `ExecutionPayloadHeader` (Deneb layout, used unchanged by BeaconKit's later forks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutionPayloadHeader {
    /// Parent block hash.
    pub parent_hash: B256,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// State root.
    pub state_root: B256,
    /// Receipts root.
    pub receipts_root: B256,
    /// Logs bloom (256 bytes).
    pub logs_bloom: Vec<u8>,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// Block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Extra data (at most 32 bytes).
    pub extra_data: Vec<u8>,
    /// Base fee, little-endian `uint256`.
    pub base_fee_per_gas: u64,
    /// Block hash.
    pub block_hash: B256,
    /// SSZ root of the transactions.
    pub transactions_root: B256,
    /// SSZ root of the withdrawals.
    pub withdrawals_root: B256,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Excess blob gas.
    pub excess_blob_gas: u64,
}

impl ExecutionPayloadHeader {
    /// `hash_tree_root`; equal to the root of the full payload it summarizes.
    pub fn root(&self) -> B256 {
        let bloom = if self.logs_bloom.is_empty() {
            vec![0u8; 256]
        } else {
            self.logs_bloom.clone()
        };
        container_root(&[
            self.parent_hash,
            address_leaf(&self.fee_recipient),
            self.state_root,
            self.receipts_root,
            bytes_root(&bloom),
            self.prev_randao,
            u64_leaf(self.block_number),
            u64_leaf(self.gas_limit),
            u64_leaf(self.gas_used),
            u64_leaf(self.timestamp),
            ssz::byte_list_root(&self.extra_data, 32),
            u64_leaf(self.base_fee_per_gas),
            self.block_hash,
            self.transactions_root,
            self.withdrawals_root,
            u64_leaf(self.blob_gas_used),
            u64_leaf(self.excess_blob_gas),
        ])
    }
}

/// `PendingPartialWithdrawal` (EIP-7002 partials waiting for their epoch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPartialWithdrawal {
    /// The validator.
    pub validator_index: u64,
    /// Gwei to withdraw.
    pub amount: u64,
    /// First epoch it may be paid.
    pub withdrawable_epoch: u64,
}

impl PendingPartialWithdrawal {
    fn root(&self) -> B256 {
        container_root(&[
            u64_leaf(self.validator_index),
            u64_leaf(self.amount),
            u64_leaf(self.withdrawable_epoch),
        ])
    }
}

/// BeaconKit's Electra `BeaconState`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BeaconState {
    /// Root of the genesis validators.
    pub genesis_validators_root: B256,
    /// Current slot.
    pub slot: u64,
    /// Fork versions.
    pub fork: Fork,
    /// Header of the latest block (state root zero until the next slot fills it).
    pub latest_block_header: BeaconBlockHeader,
    /// Ring of recent block roots (`slot % 8`).
    pub block_roots: Vec<B256>,
    /// Ring of recent state roots (`slot % 8`).
    pub state_roots: Vec<B256>,
    /// Deposit bookkeeping.
    pub eth1_data: Eth1Data,
    /// Index of the next deposit to process.
    pub eth1_deposit_index: u64,
    /// Header of the latest execution payload.
    pub latest_execution_payload_header: ExecutionPayloadHeader,
    /// The registry.
    pub validators: Vec<Validator>,
    /// Balances in gwei, one per validator.
    pub balances: Vec<u64>,
    /// Ring of randomness mixes (`epoch % 8`).
    pub randao_mixes: Vec<B256>,
    /// Index of the next validator withdrawal.
    pub next_withdrawal_index: u64,
    /// Where the next sweep starts.
    pub next_withdrawal_validator_index: u64,
    /// Always empty on Berachain.
    pub slashings: Vec<u64>,
    /// Always 0 on Berachain.
    pub total_slashing: u64,
    /// EIP-7002 partials waiting for their epoch.
    pub pending_partial_withdrawals: Vec<PendingPartialWithdrawal>,
}

/// Which field of a validator a proof is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidatorField {
    /// `pubkey` (leaf: `sha256(pubkey ‖ 0^16)`).
    Pubkey = 0,
    /// `withdrawal_credentials` (leaf: the raw 32 bytes).
    Credentials = 1,
}

impl BeaconState {
    fn validator_roots(&self) -> Vec<B256> {
        self.validators.iter().map(Validator::root).collect()
    }

    fn field_roots(&self) -> Vec<B256> {
        self.field_roots_with(&self.validator_roots())
    }

    /// The field roots, given the validators' (the costliest part, which proofs need too).
    fn field_roots_with(&self, validator_roots: &[B256]) -> Vec<B256> {
        let u64_list = |values: &[u64]| {
            ssz::mix_in_length(
                &ssz::merkleize(
                    &ssz::pack_u64s(values),
                    ssz::depth_for(BALANCES_CHUNK_LIMIT),
                ),
                values.len() as u64,
            )
        };
        vec![
            self.genesis_validators_root,
            u64_leaf(self.slot),
            self.fork.root(),
            self.latest_block_header.root(),
            list_root(&self.block_roots, HISTORICAL_ROOTS_LIMIT),
            list_root(&self.state_roots, HISTORICAL_ROOTS_LIMIT),
            self.eth1_data.root(),
            u64_leaf(self.eth1_deposit_index),
            self.latest_execution_payload_header.root(),
            list_root(validator_roots, VALIDATOR_REGISTRY_LIMIT),
            u64_list(&self.balances),
            list_root(&self.randao_mixes, RANDAO_MIXES_LIMIT),
            u64_leaf(self.next_withdrawal_index),
            u64_leaf(self.next_withdrawal_validator_index),
            u64_list(&self.slashings),
            u64_leaf(self.total_slashing),
            list_root(
                &self
                    .pending_partial_withdrawals
                    .iter()
                    .map(PendingPartialWithdrawal::root)
                    .collect::<Vec<_>>(),
                PENDING_PARTIALS_LIMIT,
            ),
        ]
    }

    /// `hash_tree_root`.
    pub fn root(&self) -> B256 {
        ssz::container_root(&self.field_roots())
    }

    /// The latest block header with its state root filled in: what the block root is over.
    pub fn sealed_header(&self) -> BeaconBlockHeader {
        self.sealed_header_over(&self.field_roots())
    }

    fn sealed_header_over(&self, fields: &[B256]) -> BeaconBlockHeader {
        let mut header = self.latest_block_header.clone();
        if header.state_root.is_zero() {
            header.state_root = ssz::container_root(fields);
        }
        header
    }

    /// The index of the validator with `pubkey`.
    pub fn validator_index(&self, pubkey: &BlsPubkey) -> Option<u64> {
        self.validators
            .iter()
            .position(|v| &v.pubkey == pubkey)
            .map(|i| i as u64)
    }

    /// The siblings from state field `field` up to the block root, given the field's own branch
    /// inside the state and the state's field roots: state level, then header level.
    fn up_to_block_root(&self, mut proof: Vec<B256>, field: u64, fields: &[B256]) -> Vec<B256> {
        proof.extend(ssz::branch(fields, ssz::depth_for(STATE_FIELDS), field));
        let header = self.sealed_header_over(fields);
        proof.extend(ssz::branch(
            &header.field_roots(),
            ssz::depth_for(HEADER_FIELDS),
            HEADER_STATE_ROOT_FIELD,
        ));
        proof
    }

    /// The proof of a validator's pubkey or credentials against the block root
    /// ([`Self::sealed_header`]), bottom-up, as BeaconKit serves it (52 nodes).
    pub fn validator_field_proof(&self, index: u64, field: ValidatorField) -> Option<Vec<B256>> {
        let validator = self.validators.get(index as usize)?;
        let validator_roots = self.validator_roots();
        let mut proof = ssz::branch(&validator.field_roots(), 3, field as u64);
        proof.extend(ssz::branch(
            &validator_roots,
            ssz::depth_for(VALIDATOR_REGISTRY_LIMIT),
            index,
        ));
        proof.push(ssz::length_leaf(self.validators.len() as u64));
        let fields = self.field_roots_with(&validator_roots);
        Some(self.up_to_block_root(proof, VALIDATORS_FIELD, &fields))
    }

    /// The balances chunk holding validator `index`, and its proof against the block root
    /// (47 nodes).
    pub fn balance_proof(&self, index: u64) -> Option<(B256, Vec<B256>)> {
        if index as usize >= self.balances.len() {
            return None;
        }
        let chunks = ssz::pack_u64s(&self.balances);
        let chunk = (index / 4) as usize;
        let leaf = chunks[chunk];
        let mut proof = ssz::branch(&chunks, ssz::depth_for(BALANCES_CHUNK_LIMIT), chunk as u64);
        proof.push(ssz::length_leaf(self.balances.len() as u64));
        let fields = self.field_roots();
        Some((leaf, self.up_to_block_root(proof, BALANCES_FIELD, &fields)))
    }

    /// The proof of `eth1_deposit_index` against the block root (8 nodes).
    pub fn eth1_deposit_index_proof(&self) -> Vec<B256> {
        let fields = self.field_roots();
        self.up_to_block_root(Vec::new(), ETH1_DEPOSIT_INDEX_FIELD, &fields)
    }

    /// The proof of the proposer index against the block root (3 nodes).
    pub fn proposer_index_proof(&self) -> Vec<B256> {
        ssz::branch(&self.sealed_header().field_roots(), 3, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::{
        pubkey_leaf, verify, ZERO_VALIDATOR_BALANCE_GINDEX, ZERO_VALIDATOR_CREDENTIALS_GINDEX,
        ZERO_VALIDATOR_PUBKEY_GINDEX,
    };
    use alloy_primitives::{b256, hex};

    fn zero_validator() -> Validator {
        Validator {
            pubkey: BlsPubkey::ZERO,
            withdrawal_credentials: B256::ZERO,
            effective_balance: 0,
            slashed: false,
            activation_eligibility_epoch: 0,
            activation_epoch: 0,
            exit_epoch: 0,
            withdrawable_epoch: 0,
        }
    }

    /// BeaconKit's "Many Validator Set - Electra" pubkey fixture: 100 zero validators but #95,
    /// slot 5, every other list empty.
    #[test]
    fn beacon_kit_pubkey_fixture_state_root() {
        let mut state = BeaconState {
            slot: 5,
            fork: Fork {
                current_version: [0; 4],
                ..Fork::default()
            },
            validators: vec![zero_validator(); 100],
            ..BeaconState::default()
        };
        let mut pubkey = [0u8; 48];
        pubkey[..12].copy_from_slice(&hex!("090807060504030201000102"));
        state.validators[95].pubkey = BlsPubkey::from(pubkey);
        assert_eq!(
            state.root(),
            b256!("20a5b59e89798ab339b283fb7be5457c10501832bfab7e70f53b2bebc9c292d1")
        );
    }

    /// BeaconKit's balance fixture: 100 zero validators, balance 2·10^18 gwei at #95.
    #[test]
    fn beacon_kit_balance_fixture_state_root() {
        let mut state = BeaconState {
            slot: 5,
            validators: vec![zero_validator(); 100],
            balances: vec![0; 100],
            ..BeaconState::default()
        };
        state.balances[95] = 2_000_000_000_000_000_000;
        let (leaf, _) = state.balance_proof(95).unwrap();
        assert_eq!(
            leaf,
            b256!("0000000000000000000000000000000000000000000000000000c84e676dc11b")
        );
        assert_eq!(
            state.root(),
            b256!("dc5814fe4951eed174cc39be8475098d5a323d970b5147323cc6708edc8e1865")
        );
    }

    #[test]
    fn proofs_verify_at_beacon_kit_gindices() {
        let mut state = BeaconState {
            slot: 9,
            block_roots: vec![B256::repeat_byte(3); HISTORY_LENGTH],
            state_roots: vec![B256::repeat_byte(4); HISTORY_LENGTH],
            randao_mixes: vec![B256::repeat_byte(5); HISTORY_LENGTH],
            ..BeaconState::default()
        };
        for i in 0..6u8 {
            let mut v = zero_validator();
            v.pubkey = BlsPubkey::repeat_byte(i + 1);
            v.withdrawal_credentials = B256::repeat_byte(0x10 + i);
            state.validators.push(v);
            state.balances.push(1_000 * u64::from(i) + 7);
        }
        state.latest_block_header.body_root = B256::repeat_byte(9);
        let root = state.sealed_header().root();
        for i in 0..6u64 {
            let v = &state.validators[i as usize];
            let proof = state
                .validator_field_proof(i, ValidatorField::Pubkey)
                .unwrap();
            assert_eq!(proof.len(), 52);
            let g = ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * i;
            assert_eq!(verify(&proof, root, pubkey_leaf(&v.pubkey.0), g), Ok(true));
            let proof = state
                .validator_field_proof(i, ValidatorField::Credentials)
                .unwrap();
            let g = ZERO_VALIDATOR_CREDENTIALS_GINDEX + 8 * i;
            assert_eq!(verify(&proof, root, v.withdrawal_credentials, g), Ok(true));
            let (leaf, proof) = state.balance_proof(i).unwrap();
            assert_eq!(proof.len(), 47);
            let g = ZERO_VALIDATOR_BALANCE_GINDEX + i / 4;
            assert_eq!(verify(&proof, root, leaf, g), Ok(true));
            assert_eq!(
                crate::proof::balance_in_leaf(&leaf, i),
                state.balances[i as usize]
            );
        }
        let proof = state.proposer_index_proof();
        assert_eq!(verify(&proof, root, u64_leaf(0), 9), Ok(true));
        state.eth1_deposit_index = 41;
        let root = state.sealed_header().root();
        let proof = state.eth1_deposit_index_proof();
        assert_eq!(proof.len(), 8);
        let g = crate::proof::ETH1_DEPOSIT_INDEX_GINDEX;
        let leaf = crate::proof::deposit_index_leaf(41);
        assert_eq!(verify(&proof, root, leaf, g), Ok(true));
        let wrong = crate::proof::deposit_index_leaf(40);
        assert_eq!(verify(&proof, root, wrong, g), Ok(false));
        assert!(state
            .validator_field_proof(6, ValidatorField::Pubkey)
            .is_none());
        assert!(state.balance_proof(6).is_none());
    }
}
