//! Dev-chain state edits (`anvil_setBalance` and friends) as part of a block: applied at its
//! start, before its system calls and transactions, and stored with it, so that a restart, a
//! re-execution and the block's own validation all see the same state.

use alloy_primitives::{Address, Bytes, U256};
use alloy_rlp::{RlpDecodable, RlpEncodable};

/// One change to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateEdit {
    /// Sets the balance.
    Balance {
        /// The account.
        address: Address,
        /// Its new balance.
        balance: U256,
    },
    /// Sets the nonce.
    Nonce {
        /// The account.
        address: Address,
        /// Its new nonce.
        nonce: u64,
    },
    /// Sets the code (empty: none).
    Code {
        /// The account.
        address: Address,
        /// Its new code.
        code: Bytes,
    },
    /// Sets one storage slot.
    Storage {
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
        /// Its new value.
        value: U256,
    },
}

impl StateEdit {
    /// The account it changes.
    pub const fn address(&self) -> Address {
        match self {
            Self::Balance { address, .. }
            | Self::Nonce { address, .. }
            | Self::Code { address, .. }
            | Self::Storage { address, .. } => *address,
        }
    }
}

/// A [`StateEdit`] as stored: a kind tag, the account and up to two words of payload.
#[derive(RlpEncodable, RlpDecodable)]
struct EncodedEdit {
    kind: u8,
    address: Address,
    word: U256,
    data: Bytes,
}

const BALANCE: u8 = 0;
const NONCE: u8 = 1;
const CODE: u8 = 2;
const STORAGE: u8 = 3;

impl From<&StateEdit> for EncodedEdit {
    fn from(edit: &StateEdit) -> Self {
        let (kind, word, data) = match edit {
            StateEdit::Balance { balance, .. } => (BALANCE, *balance, Bytes::new()),
            StateEdit::Nonce { nonce, .. } => (NONCE, U256::from(*nonce), Bytes::new()),
            StateEdit::Code { code, .. } => (CODE, U256::ZERO, code.clone()),
            StateEdit::Storage { slot, value, .. } => (
                STORAGE,
                *slot,
                Bytes::from(value.to_be_bytes::<32>().to_vec()),
            ),
        };
        Self {
            kind,
            address: edit.address(),
            word,
            data,
        }
    }
}

impl TryFrom<EncodedEdit> for StateEdit {
    type Error = alloy_rlp::Error;

    fn try_from(e: EncodedEdit) -> Result<Self, Self::Error> {
        let address = e.address;
        Ok(match e.kind {
            BALANCE => Self::Balance {
                address,
                balance: e.word,
            },
            NONCE => Self::Nonce {
                address,
                nonce: u64::try_from(e.word).map_err(|_| alloy_rlp::Error::Overflow)?,
            },
            CODE => Self::Code {
                address,
                code: e.data,
            },
            STORAGE if e.data.len() == 32 => Self::Storage {
                address,
                slot: e.word,
                value: U256::from_be_slice(&e.data),
            },
            STORAGE => return Err(alloy_rlp::Error::UnexpectedLength),
            _ => return Err(alloy_rlp::Error::Custom("unknown state edit kind")),
        })
    }
}

/// The RLP list of `edits`.
pub fn encode_state_edits(edits: &[StateEdit]) -> Vec<u8> {
    let encoded: Vec<EncodedEdit> = edits.iter().map(EncodedEdit::from).collect();
    alloy_rlp::encode(&encoded)
}

/// The edits of an [`encode_state_edits`] list.
pub fn decode_state_edits(mut bytes: &[u8]) -> Result<Vec<StateEdit>, alloy_rlp::Error> {
    let encoded: Vec<EncodedEdit> = alloy_rlp::Decodable::decode(&mut bytes)?;
    encoded.into_iter().map(StateEdit::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let address = Address::repeat_byte(7);
        let edits = vec![
            StateEdit::Balance {
                address,
                balance: U256::MAX,
            },
            StateEdit::Nonce {
                address,
                nonce: u64::MAX,
            },
            StateEdit::Code {
                address,
                code: Bytes::from_static(&[0x60, 0x00]),
            },
            StateEdit::Storage {
                address,
                slot: U256::from(3),
                value: U256::from(0xbeefu64),
            },
        ];
        let decoded = decode_state_edits(&encode_state_edits(&edits)).unwrap();
        assert_eq!(decoded, edits);
    }

    #[test]
    fn a_corrupt_record_is_an_error() {
        assert!(decode_state_edits(&[0xc3, 0x09, 0x00, 0x00]).is_err());
        let bad = alloy_rlp::encode(vec![EncodedEdit {
            kind: 9,
            address: Address::ZERO,
            word: U256::ZERO,
            data: Bytes::new(),
        }]);
        assert!(decode_state_edits(&bad).is_err());
    }
}
