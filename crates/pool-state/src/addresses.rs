//! Fixed addresses: the system contracts the pool system drives, and the reserved precompile
//! range in which every staking-pool contract lives.
//!
//! Range layout: bytes 0..10 are zero, byte 10 is [`RANGE_MARKER`], byte 11 the [`ContractKind`],
//! bytes 12..20 the id. Singletons use kind 0 with a small id; per-pool contracts use the
//! [`PoolId`] derived from the validator pubkey, so a pool's addresses are known without any
//! storage read.

use alloy_primitives::{address, keccak256, Address, FixedBytes};

/// A validator's BLS public key.
pub type Pubkey = FixedBytes<48>;

/// Berachain's BeaconDeposit contract (a native precompile on chains without it).
pub const BEACON_DEPOSIT: Address = address!("4242424242424242424242424242424242424242");
/// Berachain's WBERA (a genesis predeploy; native on chains with the native PoL set).
pub const WBERA: Address = address!("6969696969696969696969696969696969696969");
/// Berachain's BeraChef: validator commission and reward allocation (native on chains with the
/// native PoL set). The SmartOperator's `BERA_CHEF()`.
pub const BERA_CHEF: Address = address!("df960E8F3F19C481dDE769edEDD439ea1a63426a");
/// Berachain's BGT (deprecated by PoL Next). The SmartOperator's `BGT()`.
pub const BGT: Address = address!("656b95E550C07a9ffe548bd4085c72418Ceb1dba");
/// Berachain's BGTStaker. The SmartOperator's `BGT_STAKER()`.
pub const BGT_STAKER: Address = address!("44F07Ce5AfeCbCC406e6beFD40cc2998eEb8c7C6");
/// Berachain's BGTIncentiveDistributor. The SmartOperator's `BGT_INCENTIVE_DISTRIBUTOR()`.
pub const BGT_INCENTIVE_DISTRIBUTOR: Address = address!("77DA09bC82652f9A14d1b170a001e759640298e6");
/// Berachain's HONEY. The SmartOperator's `HONEY_TOKEN()`.
pub const HONEY: Address = address!("FCBD14DC51f0A4d49d5E53C2E0950e0bC26d0Dce");
/// Berachain's PoL Distributor (the PoL transaction's target).
pub const POL_DISTRIBUTOR: Address = address!("D2f19a79b026Fb636A7c300bF5947df113940761");
/// Berachain's RewardVaultFactory.
pub const REWARD_VAULT_FACTORY: Address = address!("94Ad6Ac84f6C6FbA8b8CCbD71d9f4f101def52a8");
/// Berachain's BlockRewardController: wraps the block's emission and pays the proposer's
/// operator and the Distributor.
pub const BLOCK_REWARD_CONTROLLER: Address = address!("1AE7dD7AE06F6C58B4524d9c1f816094B1bcCD8e");
/// Berachain's protocol IncentivesCollector (PoL Next): receives the incentives that are not
/// the validator's commission.
pub const INCENTIVES_COLLECTOR: Address = address!("1984Baf659607Cc5f206c55BB3B00eb3E180190B");
/// The first of the dev chain's two incentive tokens (native ERC-20s with a dev mint).
pub const DEV_INCENTIVE_TOKEN_A: Address = address!("00000000000000000000b6000000000000000a01");
/// The second of the dev chain's incentive tokens.
pub const DEV_INCENTIVE_TOKEN_B: Address = address!("00000000000000000000b6000000000000000a02");
/// Byte 10 of the native PoL set's own addresses (reward vaults, dev tokens): they have no
/// mainnet counterpart at a fixed address (mainnet vaults are CREATE2 proxies).
pub const POL_RANGE_MARKER: u8 = 0xb6;
/// Byte 11 of a native reward vault's address.
const REWARD_VAULT_KIND: u8 = 0x01;

/// The address of the native reward vault with `index` (1-based, in creation order).
pub const fn reward_vault_address(index: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[10] = POL_RANGE_MARKER;
    bytes[11] = REWARD_VAULT_KIND;
    let id = index.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        bytes[12 + i] = id[i];
        i += 1;
    }
    Address::new(bytes)
}

/// The index of the native reward vault at `address`, if it is one.
pub fn reward_vault_index(address: Address) -> Option<u64> {
    let bytes = address.0 .0;
    if bytes[..10].iter().any(|b| *b != 0)
        || bytes[10] != POL_RANGE_MARKER
        || bytes[11] != REWARD_VAULT_KIND
    {
        return None;
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[12..20]);
    let index = u64::from_be_bytes(id);
    (index != 0).then_some(index)
}

/// The EIP-7002 withdrawal-request predeploy.
pub const EIP7002_PREDEPLOY: Address = address!("00000961Ef480Eb55e80D19ad83579A64c007002");
/// The EIP-4788 beacon-roots contract.
pub const BEACON_ROOTS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");

/// Byte 10 of every address in the reserved range.
pub const RANGE_MARKER: u8 = 0xb5;

/// Which contract of the system an address in the reserved range is (byte 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ContractKind {
    /// The singletons: factory, withdrawal vault, accounting oracle.
    Singleton = 0,
    /// A pool's StakingPool (also its stBERA token).
    StakingPool = 1,
    /// A pool's SmartOperator.
    SmartOperator = 2,
    /// A pool's StakingRewardsVault.
    StakingRewardsVault = 3,
    /// A pool's IncentiveCollector (reserved; not built yet).
    IncentiveCollector = 4,
}

impl ContractKind {
    /// The kind for byte 11 of an address, if it names one.
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Singleton),
            1 => Some(Self::StakingPool),
            2 => Some(Self::SmartOperator),
            3 => Some(Self::StakingRewardsVault),
            4 => Some(Self::IncentiveCollector),
            _ => None,
        }
    }
}

/// The address of `kind` with `id` in the reserved range.
pub const fn system_address(kind: ContractKind, id: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[10] = RANGE_MARKER;
    bytes[11] = kind as u8;
    let id = id.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        bytes[12 + i] = id[i];
        i += 1;
    }
    Address::new(bytes)
}

/// Splits an address of the reserved range into its kind and id.
pub fn parse_system_address(address: Address) -> Option<(ContractKind, u64)> {
    let bytes = address.0 .0;
    if bytes[..10].iter().any(|b| *b != 0) || bytes[10] != RANGE_MARKER {
        return None;
    }
    let kind = ContractKind::from_byte(bytes[11])?;
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[12..20]);
    Some((kind, u64::from_be_bytes(id)))
}

/// StakingPoolContractsFactory.
pub const FACTORY: Address = system_address(ContractKind::Singleton, 1);
/// The WithdrawalVault shared by every pool: the withdrawal-credential address of every pool validator.
pub const WITHDRAWAL_VAULT: Address = system_address(ContractKind::Singleton, 2);
/// AccountingOracle.
pub const ACCOUNTING_ORACLE: Address = system_address(ContractKind::Singleton, 3);

/// The withdrawal credentials every pool validator must use: `0x01 ‖ 0^11 ‖ WithdrawalVault`.
pub fn pool_withdrawal_credentials() -> FixedBytes<32> {
    let mut credentials = [0u8; 32];
    credentials[0] = 0x01;
    credentials[12..].copy_from_slice(WITHDRAWAL_VAULT.as_slice());
    FixedBytes(credentials)
}

/// Identifies a pool: the first 8 bytes of `keccak256(pubkey)`, big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub u64);

impl PoolId {
    /// The id a pool for `pubkey` gets.
    pub fn from_pubkey(pubkey: &Pubkey) -> Self {
        let hash = keccak256(pubkey);
        let mut id = [0u8; 8];
        id.copy_from_slice(&hash[..8]);
        Self(u64::from_be_bytes(id))
    }

    /// The pool whose contract lives at `address`, if it is a per-pool address.
    pub fn from_address(address: Address) -> Option<(ContractKind, Self)> {
        match parse_system_address(address)? {
            (ContractKind::Singleton, _) => None,
            (kind, id) => Some((kind, Self(id))),
        }
    }

    /// The four per-pool contract addresses.
    pub const fn addresses(self) -> PoolAddresses {
        PoolAddresses {
            smart_operator: system_address(ContractKind::SmartOperator, self.0),
            staking_pool: system_address(ContractKind::StakingPool, self.0),
            staking_rewards_vault: system_address(ContractKind::StakingRewardsVault, self.0),
            incentive_collector: system_address(ContractKind::IncentiveCollector, self.0),
        }
    }
}

/// A pool's contracts, in the order of the official `CoreContracts` struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolAddresses {
    /// The validator's operator in BeaconDeposit; holds the pool's roles and fee settings.
    pub smart_operator: Address,
    /// The staker entry point and stBERA token.
    pub staking_pool: Address,
    /// Where the validator's EL rewards land; part of the pool's NAV.
    pub staking_rewards_vault: Address,
    /// Reserved for the incentive auction (not built yet).
    pub incentive_collector: Address,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn singleton_addresses_follow_the_range_layout() {
        assert_eq!(
            FACTORY,
            address!("00000000000000000000b5000000000000000001")
        );
        assert_eq!(
            WITHDRAWAL_VAULT,
            address!("00000000000000000000b5000000000000000002")
        );
        assert_eq!(
            ACCOUNTING_ORACLE,
            address!("00000000000000000000b5000000000000000003")
        );
    }

    #[test]
    fn pool_addresses_round_trip() {
        let id = PoolId(0x0102_0304_0506_0708);
        let addrs = id.addresses();
        assert_eq!(
            addrs.staking_pool,
            address!("00000000000000000000b5010102030405060708")
        );
        assert_eq!(
            PoolId::from_address(addrs.staking_pool),
            Some((ContractKind::StakingPool, id))
        );
        assert_eq!(
            PoolId::from_address(addrs.staking_rewards_vault),
            Some((ContractKind::StakingRewardsVault, id))
        );
        assert_eq!(PoolId::from_address(FACTORY), None);
        assert_eq!(parse_system_address(BEACON_DEPOSIT), None);
    }

    #[test]
    fn credentials_name_the_vault() {
        let wc = pool_withdrawal_credentials();
        assert_eq!(wc[0], 1);
        assert!(wc[1..12].iter().all(|b| *b == 0));
        assert_eq!(&wc[12..], WITHDRAWAL_VAULT.as_slice());
    }
}
