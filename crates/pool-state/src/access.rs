//! AccessControl and Ownable2Step, as the official contracts use them.
//!
//! Role ids are `keccak256` of the role names, `DEFAULT_ADMIN_ROLE` is zero. The admin of each role
//! is fixed: in a SmartOperator `DEFAULT_ADMIN_ROLE` (governance) administers
//! `VALIDATOR_ADMIN_ROLE`, which administers the operational roles; everywhere else
//! `DEFAULT_ADMIN_ROLE` administers every role.

use alloy_primitives::{b256, Address, B256, U256};

use crate::{
    error::PoolError,
    events::Event,
    host::Host,
    layout::{address_key, mapping_slot, slot},
};

/// `DEFAULT_ADMIN_ROLE`
pub const DEFAULT_ADMIN_ROLE: B256 = B256::ZERO;
/// `keccak256("VALIDATOR_ADMIN_ROLE")`
pub const VALIDATOR_ADMIN_ROLE: B256 =
    b256!("fa3e63d5771fd4999b619dee634be9dbb03c309738cc2adaadd49c4f5595adb0");
/// `keccak256("BGT_MANAGER_ROLE")`
pub const BGT_MANAGER_ROLE: B256 =
    b256!("17dcd89b37745f4f52dcddff269be09bdcce9aaaf9d7fb792eddcceea576366d");
/// `keccak256("PROTOCOL_FEE_MANAGER_ROLE")`
pub const PROTOCOL_FEE_MANAGER_ROLE: B256 =
    b256!("f23f32a335cccb16f97bce72b0a236d6cbbfe4a1f8ad8120fb27851dc27a9a9d");
/// `keccak256("REWARDS_ALLOCATION_MANAGER_ROLE")`
pub const REWARDS_ALLOCATION_MANAGER_ROLE: B256 =
    b256!("2d69305bf3649d9e063b63b871246d937d76faf63b1ce19c5d2b2ee70d48b44a");
/// `keccak256("COMMISSION_MANAGER_ROLE")`
pub const COMMISSION_MANAGER_ROLE: B256 =
    b256!("a5df0c1c8fbce806635da48fd7de12d5bae445b0768e07f5d4e7a67160524a11");
/// `keccak256("INCENTIVE_COLLECTOR_MANAGER_ROLE")`
pub const INCENTIVE_COLLECTOR_MANAGER_ROLE: B256 =
    b256!("6e1ab8e25a0bc8f59064dfe4bf33e7287156b7df99dced4f43dccb62787db217");
/// `keccak256("FEEDER_ROLE")`
pub const FEEDER_ROLE: B256 =
    b256!("80a586cc4ecf40a390b370be075aa38ab3cc512c5c1a7bc1007974dbdf2663c7");

/// The five operational roles a SmartOperator's validator admin hands out.
pub const OPERATOR_ROLES: [B256; 5] = [
    BGT_MANAGER_ROLE,
    PROTOCOL_FEE_MANAGER_ROLE,
    REWARDS_ALLOCATION_MANAGER_ROLE,
    COMMISSION_MANAGER_ROLE,
    INCENTIVE_COLLECTOR_MANAGER_ROLE,
];

/// Which role hierarchy a contract uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleHierarchy {
    /// SmartOperator: governance → validator admin → operational roles.
    SmartOperator,
    /// Every other contract: `DEFAULT_ADMIN_ROLE` administers all roles.
    Flat,
}

impl RoleHierarchy {
    /// `getRoleAdmin(role)`.
    pub fn admin_of(self, role: B256) -> B256 {
        match self {
            Self::SmartOperator if OPERATOR_ROLES.contains(&role) => VALIDATOR_ADMIN_ROLE,
            _ => DEFAULT_ADMIN_ROLE,
        }
    }
}

/// The roles of one contract: a `mapping(bytes32 => mapping(address => bool))` at `base`.
#[derive(Clone, Copy, Debug)]
pub struct Roles {
    /// The contract holding the roles.
    pub contract: Address,
    /// Its hierarchy.
    pub hierarchy: RoleHierarchy,
    /// The slot of the mapping.
    pub base: u64,
}

impl Roles {
    fn slot(&self, role: B256, account: Address) -> U256 {
        mapping_slot(mapping_slot(slot(self.base), role), address_key(account))
    }

    /// `hasRole(role, account)`.
    pub fn has_role<H: Host>(
        &self,
        host: &mut H,
        role: B256,
        account: Address,
    ) -> Result<bool, PoolError> {
        Ok(!host
            .sload(self.contract, self.slot(role, account))?
            .is_zero())
    }

    /// Refuses `account` unless it holds `role`.
    pub fn check_role<H: Host>(
        &self,
        host: &mut H,
        role: B256,
        account: Address,
    ) -> Result<(), PoolError> {
        if self.has_role(host, role, account)? {
            Ok(())
        } else {
            Err(PoolError::AccessControlUnauthorizedAccount {
                account,
                needed_role: role,
            })
        }
    }

    /// Grants without an admin check (contract creation); emits `RoleGranted` when new.
    pub fn grant_unchecked<H: Host>(
        &self,
        host: &mut H,
        role: B256,
        account: Address,
        sender: Address,
    ) -> Result<bool, PoolError> {
        if self.has_role(host, role, account)? {
            return Ok(false);
        }
        host.sstore(self.contract, self.slot(role, account), U256::from(1u8))?;
        host.emit(
            self.contract,
            Event::RoleGranted {
                role,
                account,
                sender,
            },
        )?;
        Ok(true)
    }

    fn revoke_unchecked<H: Host>(
        &self,
        host: &mut H,
        role: B256,
        account: Address,
        sender: Address,
    ) -> Result<bool, PoolError> {
        if !self.has_role(host, role, account)? {
            return Ok(false);
        }
        host.sstore(self.contract, self.slot(role, account), U256::ZERO)?;
        host.emit(
            self.contract,
            Event::RoleRevoked {
                role,
                account,
                sender,
            },
        )?;
        Ok(true)
    }

    /// `grantRole(role, account)` by `caller`, who must hold the role's admin role.
    pub fn grant_role<H: Host>(
        &self,
        host: &mut H,
        caller: Address,
        role: B256,
        account: Address,
    ) -> Result<bool, PoolError> {
        self.check_role(host, self.hierarchy.admin_of(role), caller)?;
        self.grant_unchecked(host, role, account, caller)
    }

    /// `revokeRole(role, account)` by `caller`, who must hold the role's admin role.
    pub fn revoke_role<H: Host>(
        &self,
        host: &mut H,
        caller: Address,
        role: B256,
        account: Address,
    ) -> Result<bool, PoolError> {
        self.check_role(host, self.hierarchy.admin_of(role), caller)?;
        self.revoke_unchecked(host, role, account, caller)
    }

    /// `renounceRole(role, callerConfirmation)`: only for oneself.
    pub fn renounce_role<H: Host>(
        &self,
        host: &mut H,
        caller: Address,
        role: B256,
        confirmation: Address,
    ) -> Result<bool, PoolError> {
        if confirmation != caller {
            return Err(PoolError::AccessControlBadConfirmation);
        }
        self.revoke_unchecked(host, role, caller, caller)
    }
}

/// Ownable2Step state of one contract: owner and pending owner. The caller persists it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ownership {
    /// `owner()`.
    pub owner: Address,
    /// `pendingOwner()`.
    pub pending_owner: Address,
}

impl Ownership {
    /// Refuses anyone but the owner.
    pub fn check_owner(&self, caller: Address) -> Result<(), PoolError> {
        if caller == self.owner {
            Ok(())
        } else {
            Err(PoolError::OwnableUnauthorizedAccount { account: caller })
        }
    }

    /// `transferOwnership(new_owner)`: starts the handover (zero cancels it).
    pub fn transfer(&mut self, caller: Address, new_owner: Address) -> Result<Event, PoolError> {
        self.check_owner(caller)?;
        self.pending_owner = new_owner;
        Ok(Event::OwnershipTransferStarted {
            previous_owner: self.owner,
            new_owner,
        })
    }

    /// `acceptOwnership()`: the pending owner takes over.
    pub fn accept(&mut self, caller: Address) -> Result<Event, PoolError> {
        if caller != self.pending_owner || caller.is_zero() {
            return Err(PoolError::OwnableUnauthorizedAccount { account: caller });
        }
        let previous_owner = self.owner;
        self.owner = caller;
        self.pending_owner = Address::ZERO;
        Ok(Event::OwnershipTransferred {
            previous_owner,
            new_owner: caller,
        })
    }

    /// `renounceOwnership()`: nobody owns the contract any more.
    pub fn renounce(&mut self, caller: Address) -> Result<Event, PoolError> {
        self.check_owner(caller)?;
        let previous_owner = self.owner;
        self.owner = Address::ZERO;
        self.pending_owner = Address::ZERO;
        Ok(Event::OwnershipTransferred {
            previous_owner,
            new_owner: Address::ZERO,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;

    #[test]
    fn role_ids_are_keccak_of_their_names() {
        for (id, name) in [
            (VALIDATOR_ADMIN_ROLE, "VALIDATOR_ADMIN_ROLE"),
            (BGT_MANAGER_ROLE, "BGT_MANAGER_ROLE"),
            (PROTOCOL_FEE_MANAGER_ROLE, "PROTOCOL_FEE_MANAGER_ROLE"),
            (
                REWARDS_ALLOCATION_MANAGER_ROLE,
                "REWARDS_ALLOCATION_MANAGER_ROLE",
            ),
            (COMMISSION_MANAGER_ROLE, "COMMISSION_MANAGER_ROLE"),
            (
                INCENTIVE_COLLECTOR_MANAGER_ROLE,
                "INCENTIVE_COLLECTOR_MANAGER_ROLE",
            ),
            (FEEDER_ROLE, "FEEDER_ROLE"),
        ] {
            assert_eq!(id, keccak256(name), "{name}");
        }
    }

    #[test]
    fn operator_hierarchy_has_two_levels() {
        let h = RoleHierarchy::SmartOperator;
        assert_eq!(h.admin_of(PROTOCOL_FEE_MANAGER_ROLE), VALIDATOR_ADMIN_ROLE);
        assert_eq!(h.admin_of(VALIDATOR_ADMIN_ROLE), DEFAULT_ADMIN_ROLE);
        assert_eq!(h.admin_of(DEFAULT_ADMIN_ROLE), DEFAULT_ADMIN_ROLE);
        assert_eq!(
            RoleHierarchy::Flat.admin_of(FEEDER_ROLE),
            DEFAULT_ADMIN_ROLE
        );
    }

    #[test]
    fn two_step_ownership() {
        let (a, b, c) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        let mut o = Ownership {
            owner: a,
            pending_owner: Address::ZERO,
        };
        assert_eq!(
            o.transfer(b, c),
            Err(PoolError::OwnableUnauthorizedAccount { account: b })
        );
        o.transfer(a, b).unwrap();
        assert_eq!(o.owner, a);
        assert_eq!(
            o.accept(c),
            Err(PoolError::OwnableUnauthorizedAccount { account: c })
        );
        assert_eq!(
            o.accept(b).unwrap(),
            Event::OwnershipTransferred {
                previous_owner: a,
                new_owner: b
            }
        );
        assert_eq!((o.owner, o.pending_owner), (b, Address::ZERO));
        o.renounce(b).unwrap();
        assert_eq!(o.owner, Address::ZERO);
        assert!(o.accept(Address::ZERO).is_err());
    }
}
