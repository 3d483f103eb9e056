//! Berachain's PoL transaction (BRIP-0004, from Prague1): the synthetic transaction of type
//! `0x7E` at index 0 of every block, whose execution is `Distributor.distributeFor(parent
//! proposer)` from the system address. It has no signature and no value; every field follows
//! from the block, so an importer rebuilds it and compares hashes.
//!
//! Encoding: `0x7E ‖ rlp([chain_id, from, to, nonce, gas_limit, gas_price, input])`, hashed with
//! keccak-256 like any EIP-2718 transaction.

use alloy_primitives::{keccak256, Address, Bytes, FixedBytes, B256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

/// The transaction type.
pub const POL_TX_TYPE: u8 = 0x7E;
/// The gas a PoL transaction's system call runs with.
pub const POL_TX_GAS_LIMIT: u64 = 30_000_000;
/// Its sender: the system address.
pub const POL_TX_SENDER: Address = Address::new([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xfe,
]);
/// `distributeFor(bytes)`.
const DISTRIBUTE_FOR: [u8; 4] = [0x60, 0x64, 0x4a, 0x6b];

/// A block's PoL transaction.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct PolTransaction {
    /// The chain id.
    pub chain_id: u64,
    /// Always [`POL_TX_SENDER`].
    pub from: Address,
    /// The chain's Distributor.
    pub to: Address,
    /// The block number minus one.
    pub nonce: u64,
    /// Always [`POL_TX_GAS_LIMIT`].
    pub gas_limit: u64,
    /// The block's base fee ("for RPC compatibility"; nothing is charged).
    pub gas_price: u128,
    /// `distributeFor(parent proposer)`.
    pub input: Bytes,
}

/// Why bytes are not a PoL transaction.
#[derive(Debug, thiserror::Error)]
pub enum PolTxError {
    /// The first byte is not `0x7E`.
    #[error("not a PoL transaction (type byte {0:#04x})")]
    Type(u8),
    /// Empty input.
    #[error("empty transaction")]
    Empty,
    /// The RLP body does not decode.
    #[error("malformed PoL transaction: {0}")]
    Rlp(#[from] alloy_rlp::Error),
}

impl PolTransaction {
    /// The PoL transaction of block `number` (base fee `base_fee`) on chain `chain_id`, whose
    /// Distributor is `distributor`, for `parent_proposer`.
    pub fn for_block(
        chain_id: u64,
        distributor: Address,
        number: u64,
        base_fee: u64,
        parent_proposer: &FixedBytes<48>,
    ) -> Self {
        Self {
            chain_id,
            from: POL_TX_SENDER,
            to: distributor,
            nonce: number.saturating_sub(1),
            gas_limit: POL_TX_GAS_LIMIT,
            gas_price: u128::from(base_fee),
            input: distribute_for_input(parent_proposer),
        }
    }

    /// `0x7E ‖ rlp(fields)`.
    pub fn encoded_2718(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.length());
        out.push(POL_TX_TYPE);
        self.encode(&mut out);
        out
    }

    /// The transaction hash.
    pub fn hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }

    /// Decodes `0x7E ‖ rlp(fields)`, refusing trailing bytes.
    pub fn decode_2718(bytes: &[u8]) -> Result<Self, PolTxError> {
        let (&ty, mut body) = bytes.split_first().ok_or(PolTxError::Empty)?;
        if ty != POL_TX_TYPE {
            return Err(PolTxError::Type(ty));
        }
        let tx = Self::decode(&mut body)?;
        if !body.is_empty() {
            return Err(PolTxError::Rlp(alloy_rlp::Error::UnexpectedLength));
        }
        Ok(tx)
    }

    /// The parent proposer the transaction names, if its input is a well-formed
    /// `distributeFor` of a 48-byte pubkey.
    pub fn parent_proposer(&self) -> Option<FixedBytes<48>> {
        let pubkey = FixedBytes::<48>::from_slice(self.input.get(68..116)?);
        (self.input == distribute_for_input(&pubkey)).then_some(pubkey)
    }
}

/// `abi.encodeCall(distributeFor, (pubkey))`: the selector, the offset 0x20, the length 48, the
/// pubkey, padded to 64 bytes: 132 bytes.
pub fn distribute_for_input(pubkey: &FixedBytes<48>) -> Bytes {
    let mut input = Vec::with_capacity(132);
    input.extend_from_slice(&DISTRIBUTE_FOR);
    let mut word = [0u8; 32];
    word[31] = 0x20;
    input.extend_from_slice(&word);
    word[31] = 48;
    input.extend_from_slice(&word);
    input.extend_from_slice(pubkey.as_slice());
    input.extend_from_slice(&[0u8; 16]);
    input.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pubkey() -> FixedBytes<48> {
        FixedBytes::repeat_byte(0xab)
    }

    #[test]
    fn the_input_is_the_abi_call_of_distribute_for() {
        let input = distribute_for_input(&pubkey());
        assert_eq!(input.len(), 132);
        assert_eq!(&input[..4], &[0x60, 0x64, 0x4a, 0x6b]);
        assert_eq!(input[35], 0x20);
        assert_eq!(input[67], 48);
        assert_eq!(&input[68..116], pubkey().as_slice());
        assert!(input[116..].iter().all(|b| *b == 0));
    }

    #[test]
    fn a_pol_transaction_round_trips_and_names_its_proposer() {
        let distributor = Address::repeat_byte(0xd2);
        let tx = PolTransaction::for_block(80094, distributor, 7, 47, &pubkey());
        assert_eq!((tx.nonce, tx.gas_limit, tx.gas_price), (6, 30_000_000, 47));
        assert_eq!(tx.from, POL_TX_SENDER);
        let bytes = tx.encoded_2718();
        assert_eq!(bytes[0], 0x7e);
        assert_eq!(PolTransaction::decode_2718(&bytes).unwrap(), tx);
        assert_eq!(tx.parent_proposer(), Some(pubkey()));
        assert_eq!(tx.hash(), keccak256(&bytes));
        // Every field is hashed: another proposer or base fee is another transaction.
        let other = PolTransaction::for_block(80094, distributor, 7, 48, &pubkey());
        assert_ne!(other.hash(), tx.hash());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(PolTransaction::decode_2718(&trailing).is_err());
        assert!(matches!(
            PolTransaction::decode_2718(&[0x02, 0xc0]),
            Err(PolTxError::Type(2))
        ));
    }
}
