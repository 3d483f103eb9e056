//! The types every part of the node shares: a block as execution produces it
//! ([`ExecutedBlock`]) and as storage returns it ([`StoredBlock`]), a got/expected pair for
//! typed mismatch errors, the dev chain's state edits ([`StateEdit`]), a block body's sender
//! recovery on every core ([`recover_senders`]), Berachain's PoL transaction ([`pol`]), and the
//! wall clock.
//!
//! It sits below storage and execution so that neither depends on the other for its block type.

mod block;
mod edit;
pub mod pol;
mod recover;

pub use block::{BlockTimings, ExecutedBlock, StoredBlock};
pub use edit::{decode_state_edits, encode_state_edits, StateEdit};
pub use recover::{recover_senders, BadSignature};

/// A value that differs from the one it should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GotExpected<T> {
    /// What was found.
    pub got: T,
    /// What it should be.
    pub expected: T,
}

impl<T> GotExpected<T> {
    /// `got` where `expected` should be.
    pub const fn new(got: T, expected: T) -> Self {
        Self { got, expected }
    }
}

impl<T: core::fmt::Debug> core::fmt::Display for GotExpected<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "got {:?}, expected {:?}", self.got, self.expected)
    }
}

/// Seconds since the Unix epoch by the wall clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
