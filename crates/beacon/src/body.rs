//! The beacon block body (BeaconKit's Electra layout, 13 fields) and the operations it carries:
//! deposits read from BeaconDeposit's logs, EIP-7002 withdrawal requests and EIP-7251
//! consolidation requests from the payload's EIP-7685 requests. Its root is the header's
//! `body_root`, so each beacon block root commits to the whole execution payload.

use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_primitives::{Address, Bytes, FixedBytes, B256};

use crate::{
    ssz::{self, address_leaf, bytes_root, container_root, list_root, u64_leaf, zero},
    state::{BlsPubkey, Eth1Data, ExecutionPayloadHeader},
};

/// A deposit as BeaconKit reads it from a `Deposit` log of BeaconDeposit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposit {
    /// Validator key.
    pub pubkey: BlsPubkey,
    /// Withdrawal credentials (only a new validator's are used).
    pub credentials: B256,
    /// Gwei.
    pub amount: u64,
    /// BLS signature (not checked on the dev chain).
    pub signature: FixedBytes<96>,
    /// Position in BeaconDeposit's deposit sequence.
    pub index: u64,
}

impl Deposit {
    /// `hash_tree_root`.
    pub fn root(&self) -> B256 {
        container_root(&[
            bytes_root(self.pubkey.as_slice()),
            self.credentials,
            u64_leaf(self.amount),
            bytes_root(self.signature.as_slice()),
            u64_leaf(self.index),
        ])
    }
}

/// An EIP-7002 request: `source_address ‖ pubkey ‖ amount (gwei, little-endian)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawalRequest {
    /// Who asked (must be the credentials' address).
    pub source_address: Address,
    /// The validator.
    pub pubkey: BlsPubkey,
    /// Gwei; 0 asks for a full exit.
    pub amount: u64,
}

impl WithdrawalRequest {
    const SIZE: usize = 76;

    fn root(&self) -> B256 {
        container_root(&[
            address_leaf(&self.source_address),
            bytes_root(self.pubkey.as_slice()),
            u64_leaf(self.amount),
        ])
    }
}

/// An EIP-7251 request (decoded for the body root; BeaconKit never processes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsolidationRequest {
    /// Who asked.
    pub source_address: Address,
    /// Source validator.
    pub source_pubkey: BlsPubkey,
    /// Target validator.
    pub target_pubkey: BlsPubkey,
}

impl ConsolidationRequest {
    const SIZE: usize = 116;

    fn root(&self) -> B256 {
        container_root(&[
            address_leaf(&self.source_address),
            bytes_root(self.source_pubkey.as_slice()),
            bytes_root(self.target_pubkey.as_slice()),
        ])
    }
}

/// The requests of a payload as the consensus layer decodes them. Items of a malformed
/// request list are dropped, as BeaconKit would refuse them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutionRequests {
    /// Type 0x01.
    pub withdrawals: Vec<WithdrawalRequest>,
    /// Type 0x02.
    pub consolidations: Vec<ConsolidationRequest>,
}

impl ExecutionRequests {
    /// Decodes EIP-7685 `type ‖ items` entries.
    pub fn decode(requests: &Requests) -> Self {
        let mut out = Self::default();
        for request in requests.iter() {
            let Some((kind, items)) = request.split_first() else {
                continue;
            };
            match *kind {
                0x01 if items.len() % WithdrawalRequest::SIZE == 0 => {
                    out.withdrawals = items
                        .chunks(WithdrawalRequest::SIZE)
                        .map(|c| WithdrawalRequest {
                            source_address: Address::from_slice(&c[..20]),
                            pubkey: BlsPubkey::from_slice(&c[20..68]),
                            amount: u64::from_le_bytes(c[68..76].try_into().unwrap_or([0; 8])),
                        })
                        .collect();
                }
                0x02 if items.len() % ConsolidationRequest::SIZE == 0 => {
                    out.consolidations = items
                        .chunks(ConsolidationRequest::SIZE)
                        .map(|c| ConsolidationRequest {
                            source_address: Address::from_slice(&c[..20]),
                            source_pubkey: BlsPubkey::from_slice(&c[20..68]),
                            target_pubkey: BlsPubkey::from_slice(&c[68..116]),
                        })
                        .collect();
                }
                _ => {
                    tracing::warn!(target: "berapool::cl", kind, "malformed execution request dropped")
                }
            }
        }
        out
    }

    fn root(&self) -> B256 {
        let withdrawals: Vec<B256> = self.withdrawals.iter().map(|r| r.root()).collect();
        let consolidations: Vec<B256> = self.consolidations.iter().map(|r| r.root()).collect();
        container_root(&[
            list_root(&[], 8192),
            list_root(&withdrawals, 16),
            list_root(&consolidations, 2),
        ])
    }
}

/// The SSZ root of a payload's transactions (`List[ByteList[2^30], 2^20]`).
pub fn transactions_root(transactions: &[Bytes]) -> B256 {
    let roots: Vec<B256> = transactions
        .iter()
        .map(|tx| ssz::byte_list_root(tx, 1 << 30))
        .collect();
    list_root(&roots, 1 << 20)
}

/// The SSZ root of a payload's withdrawals (`List[Withdrawal, 16]`).
pub fn withdrawals_root(withdrawals: &[Withdrawal]) -> B256 {
    let roots: Vec<B256> = withdrawals
        .iter()
        .map(|w| {
            container_root(&[
                u64_leaf(w.index),
                u64_leaf(w.validator_index),
                address_leaf(&w.address),
                u64_leaf(w.amount),
            ])
        })
        .collect();
    list_root(&roots, 16)
}

/// The root of a list of deposits (`List[Deposit, 2^32]`).
pub fn deposits_root(deposits: &[Deposit]) -> B256 {
    let roots: Vec<B256> = deposits.iter().map(Deposit::root).collect();
    list_root(&roots, 1 << 32)
}

/// A beacon block body, by the parts the dev chain fills (no signatures, no attestations).
#[derive(Clone, Debug, Default)]
pub struct BlockBody {
    /// Deposit bookkeeping after this block.
    pub eth1_data: Eth1Data,
    /// Deposits processed by this block.
    pub deposits: Vec<Deposit>,
    /// The payload (its header's root equals the payload's).
    pub payload: ExecutionPayloadHeader,
    /// The payload's requests.
    pub requests: ExecutionRequests,
}

impl BlockBody {
    /// `hash_tree_root`, in BeaconKit's Electra field order.
    pub fn root(&self) -> B256 {
        let empty_list = |limit: u64| list_root(&[], limit);
        let zero_signature = zero(2);
        // SyncAggregate{bits: Bytes64, signature: Bytes96}, all zero.
        let sync_aggregate = ssz::hash_pair(&zero(1), &zero(2));
        container_root(&[
            zero_signature,
            self.eth1_data.root(),
            B256::ZERO,
            empty_list(16),
            empty_list(2),
            empty_list(128),
            deposits_root(&self.deposits),
            empty_list(16),
            sync_aggregate,
            self.payload.root(),
            empty_list(16),
            empty_list(4096),
            self.requests.root(),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode_from_eip7685_bytes() {
        let mut item = vec![0x01];
        item.extend_from_slice(Address::repeat_byte(0xaa).as_slice());
        item.extend_from_slice(&[7u8; 48]);
        item.extend_from_slice(&5_000u64.to_le_bytes());
        let requests = Requests::new(vec![Bytes::from(item), Bytes::from(vec![0x01, 1, 2])]);
        let decoded = ExecutionRequests::decode(&requests);
        // The second 0x01 entry is malformed and dropped; the first stays.
        assert_eq!(
            decoded.withdrawals,
            vec![WithdrawalRequest {
                source_address: Address::repeat_byte(0xaa),
                pubkey: BlsPubkey::repeat_byte(7),
                amount: 5_000,
            }]
        );
    }

    #[test]
    fn empty_lists_hash_with_their_limits() {
        assert_eq!(list_root(&[], 16), ssz::hash_pair(&zero(4), &B256::ZERO));
        assert_eq!(deposits_root(&[]), ssz::hash_pair(&zero(32), &B256::ZERO));
    }
}
