//! The fixed, packed slot layout of every contract of the system, and the helpers that pack
//! fields into words. `docs/accounting.md` shows the same layout as tables.
//!
//! Amounts of wei are packed as `u128` (all BERA that will ever exist is below 2^90); share
//! counts, which an extreme share price could push higher, keep whole words. Mappings use
//! Solidity's derivation, `keccak256(key ‖ base)`, so explorers that know the scheme can read them.

use alloy_primitives::{keccak256, Address, B256, U256};

use crate::error::PoolError;

/// StakingPool (at the pool's address): pubkey, flags, amounts, owners, shares.
pub mod pool {
    /// `pubkey[0..32]`
    pub const PUBKEY_LO: u64 = 0;
    /// `pubkey[32..48]` (bits 128..256) ‖ validator index (64..128) ‖ flags (0..64)
    pub const PUBKEY_HI_INDEX_FLAGS: u64 = 1;
    /// `totalDeposits` (128..256) ‖ `bufferedAssets` (0..128)
    pub const AMOUNTS: u64 = 2;
    /// `totalSupply` of stBERA (whole word)
    pub const TOTAL_SUPPLY: u64 = 3;
    /// frozen total assets after exit (128..256) ‖ supply floor (0..128)
    pub const FROZEN_AND_FLOOR: u64 = 4;
    /// owner (0..160) ‖ validator activation block (160..224)
    pub const OWNER: u64 = 5;
    /// pending owner (0..160) ‖ `minEffectiveBalance` override in wei, 0 = default (160..256)
    pub const PENDING_OWNER: u64 = 6;
    /// default shares recipient (0..160) ‖ last applied oracle proof timestamp (160..224)
    pub const RECIPIENT: u64 = 7;
    /// pending CL partial withdrawals (128..256) ‖ checkpoint ring head (64..128) ‖ length (0..64)
    pub const IN_FLIGHT: u64 = 8;
    /// mapping(address => uint256) stBERA balances
    pub const BALANCES: u64 = 9;
    /// mapping(address => mapping(address => uint256)) stBERA allowances
    pub const ALLOWANCES: u64 = 10;
    /// ring of in-flight checkpoints at `keccak256(11) + i`: block (192..256) ‖ cumulative CL
    /// deposits in gwei (96..192) ‖ cumulative CL withdrawals received in gwei (0..96)
    pub const CHECKPOINTS: u64 = 11;
    /// CL deposits made (0..64) ‖ the highest `eth1_deposit_index` an applied report proved
    /// (64..128)
    pub const DEPOSIT_LOG: u64 = 12;
    /// ring of the pool's CL deposits at `keccak256(13) + (n % DEPOSIT_RING)`: BeaconDeposit
    /// index (192..256) ‖ the pool's cumulative CL deposits before it, gwei (96..192)
    pub const DEPOSITS: u64 = 13;
}

/// SmartOperator (at the pool's operator address).
pub mod operator {
    /// protocol fee in bps (0..96) ‖ rewards already charged, wei (96..224)
    pub const FEES: u64 = 0;
    /// mapping(bytes32 role => mapping(address => bool))
    pub const ROLES: u64 = 1;
    /// WBERA already charged, wei (PoL Next's `_wberaBalanceAlreadyCharged`)
    pub const WBERA_CHARGED: u64 = 2;
}

/// The slot of `owner`'s balance in the native WBERA: `keccak256(owner ‖ 0)`.
pub fn wbera_balance_slot(owner: alloy_primitives::Address) -> alloy_primitives::U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(owner.into_word().as_slice());
    alloy_primitives::U256::from_be_bytes(alloy_primitives::keccak256(preimage).0)
}

/// StakingRewardsVault (at the pool's rewards-vault address).
pub mod rewards_vault {
    /// mapping(bytes32 role => mapping(address => bool))
    pub const ROLES: u64 = 1;
}

/// IncentiveCollector (at the pool's incentive-collector address).
pub mod incentive_collector {
    /// `payoutAmount` in wei, 0 = the initial payout (0..128) ‖ `feePercentage` in bps (128..224)
    pub const PAYOUT: u64 = 0;
    /// mapping(bytes32 role => mapping(address => bool))
    pub const ROLES: u64 = 1;
    /// `queuedPayoutAmount` in wei, 0 = none (0..128)
    pub const QUEUED: u64 = 2;
}

/// WithdrawalVault (singleton): requests, the ERC-721 enumeration, the per-pool ledger.
pub mod vault {
    /// last request id (0..64) ‖ live request tokens (64..128) ‖ paused (bit 128)
    pub const HEADER: u64 = 0;
    /// mapping(bytes32 role => mapping(address => bool))
    pub const ROLES: u64 = 1;
    /// mapping(uint256 id => request), three words each:
    /// +0 user (0..160) ‖ pool id (160..224) ‖ index in the owner's list (224..256);
    /// +1 assets requested, wei (128..256) ‖ request block (64..128) ‖ index in the global list (0..64);
    /// +2 shares burnt (whole word)
    pub const REQUESTS: u64 = 2;
    /// mapping(address owner => mapping(uint256 index => uint256 id))
    pub const OWNED: u64 = 3;
    /// mapping(address owner => uint256 count)
    pub const TOKEN_BALANCES: u64 = 4;
    /// mapping(uint256 index => uint256 id)
    pub const ALL_TOKENS: u64 = 5;
    /// mapping(uint64 pool id => ledger), two words each:
    /// +0 claimable wei (128..256) ‖ CL surplus wei not yet released to the pool (0..128);
    /// +1 allocated (requested, not finalized) wei (128..256) ‖ pool exited on the CL side (bit 0)
    pub const LEDGER: u64 = 6;
    /// mapping(uint64 validator index => uint64 pool id + 1)
    pub const VALIDATOR_POOL: u64 = 7;
    /// CL withdrawals to the vault that belong to no known pool, wei
    pub const UNATTRIBUTED: u64 = 8;
    /// ring at `keccak256(9) + (timestamp % BLOCK_RING)`: timestamp (64..128) ‖ block number (0..64)
    pub const BLOCK_RING: u64 = 9;
}

/// AccountingOracle (singleton).
pub mod oracle {
    /// mapping(bytes32 role => mapping(address => bool))
    pub const ROLES: u64 = 1;
}

/// StakingPoolContractsFactory (singleton): ownership, registry, proof parameters.
pub mod factory {
    /// owner
    pub const OWNER: u64 = 0;
    /// pending owner
    pub const PENDING_OWNER: u64 = 1;
    /// pool count (0..64) ‖ system initialized (bit 64)
    pub const HEADER: u64 = 2;
    /// mapping(uint256 index => uint64 pool id)
    pub const POOLS: u64 = 3;
    /// generalized indices set by the owner, 0 = default: pubkey (0..64) ‖ withdrawal
    /// credentials (64..128) ‖ balance (128..192)
    pub const GINDICES: u64 = 4;
}

/// Length of the per-pool checkpoint ring.
pub const CHECKPOINT_RING: u64 = 64;
/// Length of the per-pool CL deposit ring.
pub const DEPOSIT_RING: u64 = 64;
/// Length of the timestamp → block ring (the same as EIP-4788's history).
pub const BLOCK_RING: u64 = 8191;

/// `slot` as a storage key.
pub const fn slot(n: u64) -> U256 {
    U256::from_limbs([n, 0, 0, 0])
}

/// Solidity's mapping slot: `keccak256(key ‖ base)`.
pub fn mapping_slot(base: U256, key: B256) -> U256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(key.as_slice());
    buf[32..].copy_from_slice(&base.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(buf).0)
}

/// Solidity's dynamic-array data start: `keccak256(base)`.
pub fn array_base(base: U256) -> U256 {
    U256::from_be_bytes(keccak256(base.to_be_bytes::<32>()).0)
}

/// An address as a mapping key.
pub fn address_key(address: Address) -> B256 {
    address.into_word()
}

/// A number as a mapping key.
pub fn u256_key(n: U256) -> B256 {
    B256::from(n.to_be_bytes::<32>())
}

/// A `u64` as a mapping key.
pub fn u64_key(n: u64) -> B256 {
    u256_key(U256::from(n))
}

fn mask(bits: usize) -> U256 {
    if bits >= 256 {
        U256::MAX
    } else {
        (U256::from(1u8) << bits) - U256::from(1u8)
    }
}

/// Reads `bits` bits of `word` starting at bit `offset`.
pub fn field(word: U256, offset: usize, bits: usize) -> U256 {
    (word >> offset) & mask(bits)
}

/// Reads a field of at most 64 bits.
pub fn field_u64(word: U256, offset: usize, bits: usize) -> u64 {
    field(word, offset, bits.min(64)).to::<u64>()
}

/// Reads an address from bits 0..160.
pub fn field_address(word: U256) -> Address {
    Address::from_word(B256::from(field(word, 0, 160).to_be_bytes::<32>()))
}

/// Replaces `bits` bits of `word` at `offset` with `value`, refusing values that do not fit.
pub fn with_field(word: U256, offset: usize, bits: usize, value: U256) -> Result<U256, PoolError> {
    let m = mask(bits);
    if value > m {
        return Err(PoolError::ValueOverflow);
    }
    Ok((word & !(m << offset)) | (value << offset))
}

/// Replaces bits 0..160 of `word` with `address`.
pub fn with_address(word: U256, address: Address) -> U256 {
    let value = U256::from_be_slice(address.as_slice());
    (word & !mask(160)) | value
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn fields_pack_and_refuse_overflow() {
        let w = with_field(U256::ZERO, 128, 128, U256::from(7)).unwrap();
        let w = with_field(w, 0, 128, U256::from(9)).unwrap();
        assert_eq!(field(w, 128, 128), U256::from(7));
        assert_eq!(field(w, 0, 128), U256::from(9));
        assert_eq!(
            with_field(w, 0, 64, U256::from(u64::MAX) + U256::from(1)),
            Err(PoolError::ValueOverflow)
        );
        let a = address!("00000000000000000000b5010102030405060708");
        let w = with_address(with_field(U256::ZERO, 160, 64, U256::from(5)).unwrap(), a);
        assert_eq!(field_address(w), a);
        assert_eq!(field_u64(w, 160, 64), 5);
    }

    #[test]
    fn mapping_slot_matches_solidity() {
        // keccak256(abi.encode(address(0), uint256(0))): the balance slot of address 0 in a
        // mapping at slot 0, a value any Solidity tooling reproduces.
        let s = mapping_slot(U256::ZERO, address_key(Address::ZERO));
        assert_eq!(
            format!("{s:#x}"),
            "0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
        );
    }
}
