//! The execution host of berapool. Built so far: the chain specification and genesis
//! ([`chainspec`]). Block execution, storage, the state root, the Engine API and the dev
//! consensus layer follow (see the issue tracker).

pub mod chainspec;

pub use chainspec::{BerapoolConfig, ChainSpec, ChainSpecError};
