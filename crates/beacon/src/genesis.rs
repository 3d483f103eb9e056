//! What the genesis beacon state is made of: validators given in the chain spec, which are also
//! BeaconDeposit's first deposits (so later deposit indices continue after them).

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::{body::Deposit, state::BlsPubkey};

/// A validator of the genesis beacon state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenesisValidator {
    /// BLS public key.
    pub pubkey: BlsPubkey,
    /// Withdrawal credentials.
    pub withdrawal_credentials: B256,
    /// Balance in gwei.
    pub amount: u64,
    /// Fee recipient of the blocks it proposes [default: the node's `--dev.fee-recipient`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_recipient: Option<Address>,
}

/// The genesis validators as BeaconDeposit's first deposits, in order.
pub fn genesis_deposits(validators: &[GenesisValidator]) -> Vec<Deposit> {
    validators
        .iter()
        .enumerate()
        .map(|(index, v)| Deposit {
            pubkey: v.pubkey,
            credentials: v.withdrawal_credentials,
            amount: v.amount,
            signature: Default::default(),
            index: index as u64,
        })
        .collect()
}
