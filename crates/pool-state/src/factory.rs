//! StakingPoolContractsFactory: the system's genesis, pool registration (with the first
//! BeaconDeposit that names the pool's SmartOperator as operator), activation, the registry and
//! the factory's two-step ownership.

use alloy_primitives::{Address, FixedBytes, B256, U256};

use crate::{
    access::{Ownership, DEFAULT_ADMIN_ROLE, VALIDATOR_ADMIN_ROLE},
    addresses::{pool_withdrawal_credentials, PoolAddresses, PoolId, Pubkey, FACTORY},
    error::PoolError,
    events::Event,
    host::{ClDeposit, Host, Storage},
    layout::{self, field_address, field_u64, mapping_slot, slot, u64_key, with_field},
    operator::{operator_roles, rewards_vault_roles},
    oracle::oracle_roles,
    params::GWEI,
    pool::{OwnershipStep, PoolRecord},
    system::{Call, PoolSystem},
    vault::vault_roles,
};

/// What `deployStakingPoolContracts` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolRegistration {
    /// Validator pubkey (must be 48 bytes).
    pub pubkey: Vec<u8>,
    /// Withdrawal credentials (must be `0x01 ‖ 0^11 ‖ WithdrawalVault`).
    pub withdrawal_credentials: Vec<u8>,
    /// The first deposit's signature, checked by the consensus layer.
    pub signature: FixedBytes<96>,
    /// Gets `VALIDATOR_ADMIN_ROLE` on the SmartOperator.
    pub validator_admin: Address,
    /// Gets the activation shares and fee shares.
    pub default_shares_recipient: Address,
}

/// What `activateStakingPool` proved about the validator (the caller verified the proofs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenValidator {
    /// Validator pubkey.
    pub pubkey: Pubkey,
    /// Proven withdrawal credentials.
    pub withdrawal_credentials: B256,
    /// Proven balance in gwei.
    pub initial_deposit_gwei: u64,
    /// Proven validator index.
    pub validator_index: u64,
    /// Timestamp of the beacon root the proofs are against.
    pub proof_timestamp: u64,
}

fn factory_ownership<S: Storage>(host: &mut S) -> Result<Ownership, PoolError> {
    Ok(Ownership {
        owner: field_address(host.sload(FACTORY, slot(layout::factory::OWNER))?),
        pending_owner: field_address(host.sload(FACTORY, slot(layout::factory::PENDING_OWNER))?),
    })
}

fn store_factory_ownership<S: Storage>(host: &mut S, o: &Ownership) -> Result<(), PoolError> {
    host.sstore(
        FACTORY,
        slot(layout::factory::OWNER),
        U256::from_be_slice(o.owner.as_slice()),
    )?;
    host.sstore(
        FACTORY,
        slot(layout::factory::PENDING_OWNER),
        U256::from_be_slice(o.pending_owner.as_slice()),
    )?;
    Ok(())
}

fn pool_list_slot(index: u64) -> U256 {
    mapping_slot(slot(layout::factory::POOLS), u64_key(index))
}

impl PoolSystem {
    /// Genesis of the system: `governance` owns the factory and administers the vault and the
    /// oracle. Refused once done.
    pub fn initialize<H: Host>(&self, host: &mut H, governance: Address) -> Result<(), PoolError> {
        if governance.is_zero() {
            return Err(PoolError::OwnableInvalidOwner { owner: governance });
        }
        let header = host.sload(FACTORY, slot(layout::factory::HEADER))?;
        if field_u64(header, 64, 1) == 1 {
            return Err(PoolError::InvalidInitialization);
        }
        host.sstore(
            FACTORY,
            slot(layout::factory::HEADER),
            with_field(header, 64, 1, U256::from(1u8))?,
        )?;
        store_factory_ownership(
            host,
            &Ownership {
                owner: governance,
                pending_owner: Address::ZERO,
            },
        )?;
        host.emit(
            FACTORY,
            Event::OwnershipTransferred {
                previous_owner: Address::ZERO,
                new_owner: governance,
            },
        )?;
        vault_roles().grant_unchecked(host, DEFAULT_ADMIN_ROLE, governance, FACTORY)?;
        oracle_roles().grant_unchecked(host, DEFAULT_ADMIN_ROLE, governance, FACTORY)?;
        Ok(())
    }

    /// The factory's `owner()` and `pendingOwner()`.
    pub fn factory_ownership<S: Storage>(&self, host: &mut S) -> Result<Ownership, PoolError> {
        factory_ownership(host)
    }

    /// The factory's Ownable2Step functions.
    pub fn factory_ownership_step<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        step: OwnershipStep,
    ) -> Result<(), PoolError> {
        let mut ownership = factory_ownership(host)?;
        let event = step.apply(&mut ownership, call.caller)?;
        store_factory_ownership(host, &ownership)?;
        host.emit(FACTORY, event)?;
        Ok(())
    }

    /// `deployStakingPoolContracts{value: 10,000 BERA}`: registers the pool (paused until
    /// activation; owned by governance, the factory's owner) and makes the first deposit, which
    /// names the pool's SmartOperator as the validator's operator.
    pub fn deploy_pool<H: Host>(
        &self,
        host: &mut H,
        call: &Call,
        reg: &PoolRegistration,
    ) -> Result<PoolAddresses, PoolError> {
        let pubkey = Pubkey::try_from(reg.pubkey.as_slice())
            .map_err(|_| PoolError::InvalidValidatorPubkeyLength)?;
        if !host.beacon_deposit_operator(&pubkey)?.is_zero() {
            return Err(PoolError::OperatorAlreadySet);
        }
        if reg.withdrawal_credentials.as_slice() != pool_withdrawal_credentials().as_slice() {
            return Err(PoolError::InvalidWithdrawalCredentials);
        }
        if call.value != self.params.first_deposit {
            return Err(PoolError::InvalidFirstDepositAmount);
        }
        if reg.validator_admin.is_zero() || reg.default_shares_recipient.is_zero() {
            return Err(PoolError::InvalidAddress);
        }
        let id = PoolId::from_pubkey(&pubkey);
        if let Some(existing) = PoolRecord::load(host, id)? {
            return Err(if existing.pubkey == pubkey {
                PoolError::OperatorAlreadySet
            } else {
                PoolError::PoolIdCollision
            });
        }
        let governance = factory_ownership(host)?.owner;
        let header = host.sload(FACTORY, slot(layout::factory::HEADER))?;
        let count = field_u64(header, 0, 64);
        let first_deposit_gwei: u64 = (self.params.first_deposit / GWEI)
            .try_into()
            .map_err(|_| PoolError::ValueOverflow)?;

        // Effects.
        let addrs = id.addresses();
        let mut pool = Self::new_pool_record(id, pubkey, governance, reg.default_shares_recipient);
        pool.store(host)?;
        host.emit(
            addrs.staking_pool,
            Event::OwnershipTransferred {
                previous_owner: Address::ZERO,
                new_owner: governance,
            },
        )?;
        let operator = operator_roles(id);
        operator.grant_unchecked(host, DEFAULT_ADMIN_ROLE, governance, FACTORY)?;
        operator.grant_unchecked(host, VALIDATOR_ADMIN_ROLE, reg.validator_admin, FACTORY)?;
        rewards_vault_roles(id).grant_unchecked(host, DEFAULT_ADMIN_ROLE, governance, FACTORY)?;
        crate::incentive::incentive_collector_roles(id).grant_unchecked(
            host,
            DEFAULT_ADMIN_ROLE,
            governance,
            FACTORY,
        )?;
        host.sstore(FACTORY, pool_list_slot(count), U256::from(id.0))?;
        host.sstore(
            FACTORY,
            slot(layout::factory::HEADER),
            with_field(header, 0, 64, U256::from(count + 1))?,
        )?;
        host.deposit_to_consensus_layer(
            FACTORY,
            &ClDeposit {
                pubkey,
                credentials: pool_withdrawal_credentials(),
                amount_gwei: first_deposit_gwei,
                signature: reg.signature,
                operator: addrs.smart_operator,
            },
        )?;
        host.emit(
            FACTORY,
            Event::StakingPoolContractsDeployed {
                smart_operator: addrs.smart_operator,
                staking_pool: addrs.staking_pool,
                staking_rewards_vault: addrs.staking_rewards_vault,
                incentive_collector: addrs.incentive_collector,
            },
        )?;
        Ok(addrs)
    }

    /// `activateStakingPool` once the proofs are verified: checks the proof's age, the operator,
    /// the credentials, the balance and the index, then activates the pool.
    pub fn activate_staking_pool<H: Host>(
        &self,
        host: &mut H,
        proven: &ProvenValidator,
    ) -> Result<PoolAddresses, PoolError> {
        let now = host.block().timestamp;
        if proven.proof_timestamp > now
            || now - proven.proof_timestamp > self.params.max_proof_age_secs
        {
            return Err(PoolError::InvalidTimestamp);
        }
        let mut pool = self.pool_by_pubkey(host, &proven.pubkey)?;
        let addrs = pool.addresses();
        if host.beacon_deposit_operator(&proven.pubkey)? != addrs.smart_operator {
            return Err(PoolError::InvalidOperator);
        }
        if proven.withdrawal_credentials != pool_withdrawal_credentials() {
            return Err(PoolError::InvalidWithdrawalCredentials);
        }
        if U256::from(proven.initial_deposit_gwei) < self.params.first_deposit_gwei() {
            return Err(PoolError::InvalidInitialDepositAmount);
        }
        let initial = U256::from(proven.initial_deposit_gwei) * GWEI;
        self.activate_pool(
            host,
            &mut pool,
            initial,
            proven.validator_index,
            proven.proof_timestamp,
        )?;
        host.emit(
            FACTORY,
            Event::FactoryStakingPoolActivated {
                staking_pool: addrs.staking_pool,
            },
        )?;
        Ok(addrs)
    }

    /// `getCoreContracts(pubkey)`: the pool's addresses, or `None` if none is registered.
    pub fn core_contracts<S: Storage>(
        &self,
        host: &mut S,
        pubkey: &Pubkey,
    ) -> Result<Option<PoolAddresses>, PoolError> {
        match self.pool_by_pubkey(host, pubkey) {
            Ok(pool) => Ok(Some(pool.addresses())),
            Err(PoolError::UnknownPool) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every registered pool, in registration order.
    pub fn pools<S: Storage>(&self, host: &mut S) -> Result<Vec<PoolId>, PoolError> {
        let count = field_u64(host.sload(FACTORY, slot(layout::factory::HEADER))?, 0, 64);
        (0..count)
            .map(|i| Ok(PoolId(host.sload(FACTORY, pool_list_slot(i))?.to::<u64>())))
            .collect()
    }
}
