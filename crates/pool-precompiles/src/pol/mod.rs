//! Berachain's Proof-of-Liquidity contracts as native code, at their mainnet addresses, for
//! chains that do not deploy them (devnets, with `PoolConfig::native_pol`). On Berachain itself
//! these addresses hold the real contracts and nothing here runs.
//!
//! The set: WBERA; BeraChef (commission, reward allocations, the vault whitelist); the
//! BlockRewardController and the Distributor, which every block's PoL transaction drives; the
//! RewardVaultFactory and its reward vaults with incentives; HONEY and two incentive tokens.
//! Their calls run as native frames that call each other with real EVM calls, and the
//! addresses are not precompiles: the first touch in a transaction is cold, as for the
//! deployed contracts.

mod allocation;
pub(crate) mod berachef;
pub(crate) mod block_rewards;
pub(crate) mod distributor;
pub(crate) mod reward_vault;
pub(crate) mod token;
pub(crate) mod wbera;

use alloy_primitives::{Address, Bytes, U256};
use berapool_pool_state::addresses::{
    reward_vault_address, BERA_CHEF, BLOCK_REWARD_CONTROLLER, DEV_INCENTIVE_TOKEN_A,
    DEV_INCENTIVE_TOKEN_B, HONEY, INCENTIVES_COLLECTOR, POL_DISTRIBUTOR, REWARD_VAULT_FACTORY,
    WBERA,
};

pub use berachef::{
    DEFAULT_COMMISSION_RATE, MAINNET_COMMISSION_CHANGE_DELAY, MAINNET_REWARD_ALLOCATION_DELAY,
    MAINNET_REWARD_ALLOCATION_INACTIVITY_SPAN, MAX_COMMISSION_CHANGE_DELAY, MAX_COMMISSION_RATE,
    MAX_WEIGHTS_PER_ALLOCATION,
};
pub use block_rewards::{BASE_RATE, MAX_EMISSION_PER_BLOCK, REWARD_RATE};
pub use distributor::DISTRIBUTE_FOR_SELECTOR;
pub use reward_vault::{MAX_INCENTIVE_RATE, MAX_INCENTIVE_TOKENS};
pub use token::{is_dev_token, DEV_TOKENS};

/// The dev chain's default reward vault (vault 1, for HONEY): the whole default allocation.
pub const DEFAULT_REWARD_VAULT: Address = reward_vault_address(1);

/// What each token holder gets of each dev token at genesis: 1,000,000 tokens.
pub const DEV_TOKEN_GRANT: U256 = U256::from_limbs([0x1bce_cced_a100_0000, 0xd3c2, 0, 0]);

/// The native PoL set's chain parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolParams {
    /// Owner of BeraChef, admin of the RewardVaultFactory, owner of the dev tokens and manager
    /// of the default vault's incentives (Berachain governance; on a devnet, the pool system's
    /// governance).
    pub owner: Address,
    /// BeraChef's `commissionChangeDelay`, in blocks.
    pub commission_change_delay: u64,
    /// BeraChef's `rewardAllocationBlockDelay`, in blocks.
    pub reward_allocation_delay: u64,
    /// Accounts given [`DEV_TOKEN_GRANT`] of HONEY and each incentive token at genesis.
    pub token_holders: Vec<Address>,
}

/// The genesis accounts of the native PoL set: code `0xfe` (so `extcodesize > 0` for Solidity
/// callers and EIP-161 keeps the account), nonce 1, and each contract's initial storage:
/// BeraChef with the default allocation (all to [`DEFAULT_REWARD_VAULT`], so `isReady()`
/// holds), the factory with that vault, the vault with both incentive tokens whitelisted (the
/// owner manages them), and the tokens granted to `token_holders`.
pub fn genesis_accounts(params: &PolParams) -> Vec<crate::GenesisAccount> {
    let account = |address: Address, storage| crate::GenesisAccount {
        address,
        nonce: 1,
        code: Bytes::from_static(&[0xfe]),
        storage,
    };
    let chef = berachef::Genesis {
        owner: params.owner,
        commission_change_delay: params.commission_change_delay,
        reward_allocation_delay: params.reward_allocation_delay,
        reward_allocation_inactivity_span: MAINNET_REWARD_ALLOCATION_INACTIVITY_SPAN,
        default_vaults: vec![DEFAULT_REWARD_VAULT],
    };
    let (factory, mut vault) = reward_vault::genesis_storage(params.owner, HONEY);
    vault.extend(reward_vault::genesis_incentives(
        params.owner,
        &[DEV_INCENTIVE_TOKEN_A, DEV_INCENTIVE_TOKEN_B],
    ));
    let balances: Vec<(Address, U256)> = params
        .token_holders
        .iter()
        .map(|holder| (*holder, DEV_TOKEN_GRANT))
        .collect();
    let mut accounts = vec![
        account(WBERA, Vec::new()),
        account(BERA_CHEF, berachef::genesis_storage(&chef)),
        account(BLOCK_REWARD_CONTROLLER, Vec::new()),
        account(POL_DISTRIBUTOR, Vec::new()),
        account(REWARD_VAULT_FACTORY, factory),
        account(DEFAULT_REWARD_VAULT, vault),
        // A sink: it only receives tokens.
        account(INCENTIVES_COLLECTOR, Vec::new()),
    ];
    for (address, _, _) in DEV_TOKENS {
        accounts.push(account(
            address,
            token::genesis_storage(params.owner, &balances),
        ));
    }
    accounts
}
