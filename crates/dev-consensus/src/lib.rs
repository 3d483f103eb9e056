//! The dev consensus layer: what BeaconKit would do for a one-machine devnet.
//!
//! - [`DevDriver`] produces blocks in process through the Engine API handle, as soon as
//!   transactions wait and at least once per slot, asking a [`ConsensusProvider`] what the
//!   consensus layer puts into each block;
//! - [`BeaconChain`] follows the execution chain block for block over the pure rules and state
//!   of `berapool-beacon` (deposits, activation, the cap, EIP-7002 requests, withdrawals,
//!   proposers) and [`DevConsensus`] is the provider over it;
//! - [`api`] serves BeaconKit's proof API and a few Beacon API reads over it.
//!
//! It stands on the engine (to drive and read the chain) and the beacon crate; the node wires
//! it in `--dev` mode and the dev JSON-RPC methods drive its [`DevHandle`].

pub mod api;
mod beacon_chain;
mod driver;

pub use beacon_chain::{
    validator_status, BeaconChain, BeaconHandle, DevConsensus, StateError, StateId, STATES_KEPT,
};
pub use driver::{
    ConsensusProvider, DevDriver, DevHandle, DriverError, Mining, NextBlock, SimpleProvider,
    TimeError, MAX_DEV_TIMESTAMP,
};
