//! What the pool system needs from its environment.
//!
//! [`Storage`] is per-account slot storage plus native balances: the EVM backs it with journaled
//! accounts (charging gas per access), tests with [`MemoryHost`](crate::MemoryHost). [`Host`]
//! adds the block, event emission, and the effects on system contracts (a deposit to the
//! consensus layer, an EIP-7002 request), which the EVM layer carries out natively and the
//! memory host records.

use alloy_primitives::{Address, FixedBytes, B256, U256};

use crate::{addresses::Pubkey, events::Event};

/// A failure of the environment, not of the pool rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The call ran out of gas while touching state.
    #[error("out of gas")]
    OutOfGas,
    /// A native transfer found less than it needed. The pool rules never ask for more than an
    /// account holds, so this points at state changed behind the pool system's back.
    #[error("{account} holds {balance} wei, {needed} needed")]
    InsufficientBalance {
        /// Account debited.
        account: Address,
        /// Its balance.
        balance: U256,
        /// What was asked for.
        needed: U256,
    },
    /// A system-contract effect reverted with this ABI-encoded data.
    #[error("system contract reverted")]
    Revert(Vec<u8>),
    /// The backing database failed.
    #[error("database: {0}")]
    Database(String),
}

/// Per-account slot storage and native balances.
pub trait Storage {
    /// Reads `slot` of `account` (zero if never written).
    fn sload(&mut self, account: Address, slot: U256) -> Result<U256, HostError>;
    /// Writes `slot` of `account`.
    fn sstore(&mut self, account: Address, slot: U256, value: U256) -> Result<(), HostError>;
    /// The native balance of `account`.
    fn balance(&mut self, account: Address) -> Result<U256, HostError>;
    /// Moves `amount` wei of native balance.
    fn transfer(&mut self, from: Address, to: Address, amount: U256) -> Result<(), HostError>;
    /// Whether `account` is a deployed pool-system contract, when the host knows it without a
    /// storage read (the EVM has the called account loaded, with its code); `None` when it
    /// does not, and the pool rules read their registration flags instead.
    fn is_deployed(&mut self, _account: Address) -> Result<Option<bool>, HostError> {
        Ok(None)
    }
}

/// The block being executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockEnv {
    /// Block number.
    pub number: u64,
    /// Block timestamp in seconds.
    pub timestamp: u64,
}

/// A deposit to the consensus layer through BeaconDeposit, as `deposit{value: amount}(pubkey,
/// credentials, signature, operator)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClDeposit {
    /// Validator pubkey.
    pub pubkey: Pubkey,
    /// Withdrawal credentials: always `0x01 ‖ 0^11 ‖ WithdrawalVault` for pools.
    pub credentials: B256,
    /// Amount in gwei (the value sent is `amount_gwei * 1 gwei`).
    pub amount_gwei: u64,
    /// Deposit signature: the operator's on registration, 96 zero bytes on top-ups.
    pub signature: FixedBytes<96>,
    /// The operator to register on the first deposit; zero on top-ups.
    pub operator: Address,
}

/// An EIP-7002 withdrawal request: `pubkey ‖ amount_gwei`; amount 0 asks for a full exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClWithdrawalRequest {
    /// Validator pubkey.
    pub pubkey: Pubkey,
    /// Amount in gwei, 0 for a full exit.
    pub amount_gwei: u64,
}

/// Storage plus the block, events and system-contract effects.
pub trait Host: Storage {
    /// The block being executed.
    fn block(&self) -> BlockEnv;

    /// Emits `event` from `emitter`.
    fn emit(&mut self, emitter: Address, event: Event) -> Result<(), HostError>;

    /// The native WBERA held by `owner` (read from WBERA's storage, as `balanceOf` would).
    fn wbera_balance(&mut self, owner: Address) -> Result<U256, HostError>;

    /// Unwraps `amount` of `owner`'s native WBERA and pays the BERA to `to`: WBERA's
    /// `withdraw` and the transfer onward, done natively (WBERA's `Transfer` to zero is
    /// emitted).
    fn unwrap_wbera(&mut self, owner: Address, amount: U256, to: Address) -> Result<(), HostError>;

    /// The operator BeaconDeposit has registered for `pubkey` (zero if none).
    fn beacon_deposit_operator(&mut self, pubkey: &Pubkey) -> Result<Address, HostError>;

    /// Calls BeaconDeposit from `from`, paying `deposit.amount_gwei` gwei of `from`'s balance.
    /// Returns the deposit's index (BeaconDeposit's `depositCount` before it): the consensus
    /// layer processes deposits in this order.
    fn deposit_to_consensus_layer(
        &mut self,
        from: Address,
        deposit: &ClDeposit,
    ) -> Result<u64, HostError>;

    /// The current EIP-7002 fee, or `None` when the predeploy refuses to quote one.
    fn withdrawal_request_fee(&mut self) -> Result<Option<U256>, HostError>;

    /// Sends `request` to the EIP-7002 predeploy from `from`, paying `fee` of `from`'s balance.
    fn request_consensus_withdrawal(
        &mut self,
        from: Address,
        request: &ClWithdrawalRequest,
        fee: U256,
    ) -> Result<(), HostError>;
}
