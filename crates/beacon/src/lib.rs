//! BeaconKit's consensus layer as pure data and functions, for the dev consensus layer and for
//! the proofs the pool precompiles verify: SSZ merkleization ([`ssz`]), the Electra beacon
//! state and block header ([`state`]) and body ([`body`]), proofs at BeaconKit's generalized
//! indices ([`proof`]), the state-transition rules that matter to staking pools ([`rules`]),
//! and what a genesis beacon state is made of ([`genesis`]).
//!
//! No node types: this crate depends only on alloy's primitives and EIP types, `sha2` and
//! `serde`, so both the precompiles and the node can stand on it.

pub mod body;
pub mod genesis;
pub mod proof;
pub mod rules;
pub mod ssz;
pub mod state;

pub use genesis::{genesis_deposits, GenesisValidator};
pub use rules::ClSpec;
pub use state::{BeaconState, BlsPubkey};

/// One BERA in gwei: consensus-layer balances and deposits are counted in gwei.
pub const BERA_GWEI: u64 = 1_000_000_000;
