//! The staking-pool accounting of berapool: every rule of Berachain's staking-pool system as
//! plain Rust over a [`Host`], with no EVM.
//!
//! Users deposit BERA into a validator's pool and get stBERA shares; the pool registers and tops
//! up the validator on the consensus layer; rewards compound into the share price; withdrawals
//! are served from the buffer or through EIP-7002; the pool exits in full when its stake would
//! fall below the activation minimum. `pool-precompiles` only translates ABI calls into the
//! operations of [`PoolSystem`].
//!
//! Start with [`PoolSystem`] and the modules in the order a pool lives: [`factory`] (register,
//! activate), [`pool`] (deposits, NAV), [`token`] (stBERA transfers), [`operator`] (fees,
//! roles), [`vault`] (withdrawals), [`consensus`] (CL withdrawals and timing), [`oracle`]
//! (proven balances). `docs/accounting.md` has the formulas and a worked example.
//!
//! It depends on `alloy-primitives` and `thiserror` only: no EVM, no node, so the rules can be
//! read and property-tested on their own.

pub mod access;
pub mod addresses;
pub mod consensus;
pub mod error;
pub mod events;
pub mod factory;
pub mod host;
pub mod incentive;
pub mod layout;
mod memory;
pub mod operator;
pub mod oracle;
pub mod params;
pub mod pool;
pub mod shares;
mod system;
pub mod token;
pub mod vault;

pub use addresses::{PoolAddresses, PoolId, Pubkey};
pub use consensus::VaultWithdrawal;
pub use error::PoolError;
pub use events::Event;
pub use factory::{PoolRegistration, ProvenValidator};
pub use host::{BlockEnv, ClDeposit, ClWithdrawalRequest, Host, HostError, Storage};
pub use memory::MemoryHost;
pub use params::{PoolParams, BERA, GWEI};
pub use pool::{OwnershipStep, PoolRecord, Pricing};
pub use shares::SharePrice;
pub use system::{Call, PoolSystem};
pub use vault::{Ledger, WithdrawalPath, WithdrawalRequest};
