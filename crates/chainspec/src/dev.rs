//! The built-in dev chain: a one-machine devnet with chain id 80087, Prague rules from genesis,
//! the system predeploys with their canonical code, the native BeaconDeposit, the pool system
//! from genesis, one genesis validator, and the ten accounts of the standard test mnemonic
//! funded with 100,000,000 BERA each (governance is the first, the oracle feeder the last).

use alloy_eips::eip1559::INITIAL_BASE_FEE;
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{address, Address, Bytes, B256, U256};
use berapool_beacon::{body, genesis_deposits, BlsPubkey, ClSpec, GenesisValidator, BERA_GWEI};
use berapool_pool_precompiles::pool_state::{
    addresses::{BEACON_DEPOSIT, BLOCK_REWARD_CONTROLLER},
    params::bera,
};

/// The dev chain's EVM inflation per block, in gwei: Berachain's since Fulu (1.705 BERA).
pub const DEV_INFLATION_GWEI: u64 = 1_705_000_000;

use crate::{
    config::{BerapoolConfig, DevClConfig, PolTimes, PoolTimes},
    ChainSpecError,
};

/// Chain id of the built-in dev chain.
pub const DEV_CHAIN_ID: u64 = 80087;
/// The mnemonic anvil and hardhat use: the dev chain's funded accounts.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// How many dev accounts are funded.
pub const DEV_ACCOUNTS: u32 = 10;
/// Index among the dev accounts of the oracle feeder (granted `FEEDER_ROLE` at genesis).
pub const DEV_FEEDER_ACCOUNT: usize = 9;
/// The dev account the built-in incentive bot pays its transactions from.
pub const DEV_INCENTIVES_ACCOUNT: usize = 8;

/// The dev chain's genesis validator: 250,000 BERA, withdrawable to the governance account,
/// proposing for the node's fee recipient.
pub fn dev_genesis_validator(governance: Address) -> GenesisValidator {
    let mut credentials = [0u8; 32];
    credentials[0] = 0x01;
    credentials[12..].copy_from_slice(governance.as_slice());
    GenesisValidator {
        pubkey: BlsPubkey::repeat_byte(0xde),
        withdrawal_credentials: B256::from(credentials),
        amount: 250_000 * BERA_GWEI,
        fee_recipient: None,
    }
}

/// The dev chain's funded accounts: `(address, private key)` of the test mnemonic's first ten.
pub fn dev_accounts() -> Vec<(Address, B256)> {
    use alloy_signer_local::{coins_bip39::English, MnemonicBuilder};
    (0..DEV_ACCOUNTS)
        .filter_map(|index| {
            let signer = MnemonicBuilder::<English>::default()
                .phrase(DEV_MNEMONIC)
                .index(index)
                .ok()?
                .build()
                .ok()?;
            Some((
                signer.address(),
                B256::from_slice(&signer.credential().to_bytes()),
            ))
        })
        .collect()
}

/// The deterministic deployment proxy every EVM chain has at this address: `forge script` and
/// `forge create` deploy `new C{salt: s}()` through it.
pub const CREATE2_DEPLOYER: Address = address!("4e59b44847b379578588920cA78FbF26c0B4956C");

/// The proxy's code, assembled here from its specification: calldata is a 32-byte salt and
/// then init code; it CREATE2s the init code with the call's value and returns the new
/// contract's 20-byte address, or reverts with no data. (The same instructions as the deployed
/// proxy, so the same bytes.)
pub fn create2_deployer_code() -> Bytes {
    // PUSH32 -32
    let mut code = vec![0x7f];
    code.extend([0xff; 31]);
    code.push(0xe0);
    code.extend([
        0x36, 0x01, // CALLDATASIZE ADD: init code size = calldatasize - 32
        0x60, 0x00, // PUSH1 0: memory offset
        0x81, 0x60, 0x20, 0x82,
        0x37, // DUP2 PUSH1 32 DUP3 CALLDATACOPY: mem[0..size] = init code
        0x80, 0x35, // DUP1 CALLDATALOAD: the salt
        0x82, 0x82, 0x34, 0xf5, // DUP3 DUP3 CALLVALUE CREATE2: create2(value, 0, size, salt)
        0x80, 0x15, 0x15, 0x60, 0x39, 0x57, // DUP1 ISZERO ISZERO PUSH1 0x39 JUMPI: created?
        0x81, 0x82, 0xfd, // DUP2 DUP3 REVERT: revert(0, 0)
        0x5b, // JUMPDEST (0x39)
        0x80, 0x82, 0x52, 0x50, 0x50,
        0x50, // DUP1 DUP3 MSTORE POP POP POP: mem[0..32] = address
        0x60, 0x14, 0x60, 0x0c, 0xf3, // PUSH1 20 PUSH1 12 RETURN: its 20 bytes
    ]);
    code.into()
}

/// Multicall3's address on every chain that has it (Berachain mainnet and Bepolia too): viem's
/// `multicall` and `readContracts` batch reads through it.
pub const MULTICALL3: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");

/// The runtime code at [`MULTICALL3`] on the dev chain: `contracts/Multicall3.sol`, a contract
/// with Multicall3's interface written here, compiled by `contracts/build.sh` with the pinned
/// solc (the e2e suite checks the two agree).
pub fn multicall3_code() -> Bytes {
    const HEX: &str = include_str!("../contracts/Multicall3.runtime.hex");
    // Checked by this crate's tests: the committed file is hex.
    alloy_primitives::hex::decode(HEX.trim())
        .map(Bytes::from)
        .unwrap_or_default()
}

fn predeploy(code: Bytes, storage: &[(B256, B256)]) -> GenesisAccount {
    GenesisAccount {
        nonce: Some(1),
        code: Some(code),
        storage: (!storage.is_empty()).then(|| storage.iter().copied().collect()),
        ..Default::default()
    }
}

/// The dev genesis.
pub(crate) fn dev_genesis() -> Result<Genesis, ChainSpecError> {
    use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
    let accounts = dev_accounts();
    let governance = accounts.first().map(|(a, _)| *a).unwrap_or_default();
    let mut genesis = Genesis::default();
    let c = &mut genesis.config;
    c.chain_id = DEV_CHAIN_ID;
    for b in [
        &mut c.homestead_block,
        &mut c.eip150_block,
        &mut c.eip155_block,
        &mut c.eip158_block,
        &mut c.byzantium_block,
        &mut c.constantinople_block,
        &mut c.petersburg_block,
        &mut c.istanbul_block,
        &mut c.berlin_block,
        &mut c.london_block,
    ] {
        *b = Some(0);
    }
    c.merge_netsplit_block = Some(0);
    c.terminal_total_difficulty = Some(U256::ZERO);
    c.terminal_total_difficulty_passed = true;
    c.shanghai_time = Some(0);
    c.cancun_time = Some(0);
    c.prague_time = Some(0);
    c.deposit_contract_address = Some(BEACON_DEPOSIT);
    let berapool = BerapoolConfig {
        governance,
        precompiles_activation_time: 0,
        native_beacon_deposit: true,
        native_pol: true,
        allow_contract_senders: true,
        pool: PoolTimes::dev(),
        pol: PolTimes::dev(),
        dev_cl: DevClConfig {
            // Fulu's EVM inflation: 1.705 BERA to the BlockRewardController every block,
            // which the next block's PoL transaction pays out as WBERA.
            spec: ClSpec {
                inflation_address: BLOCK_REWARD_CONTROLLER,
                inflation_per_block: DEV_INFLATION_GWEI,
                ..ClSpec::default()
            },
            genesis_validators: vec![dev_genesis_validator(governance)],
        },
    };
    c.extra_fields
        .insert("berapool".to_string(), serde_json::to_value(&berapool)?);

    genesis.gas_limit = 30_000_000;
    genesis.base_fee_per_gas = Some(u128::from(INITIAL_BASE_FEE));
    genesis.extra_data = Bytes::from_static(b"berapool dev");
    let funded = bera(100_000_000);
    for (address, _) in &accounts {
        genesis.alloc.insert(
            *address,
            GenesisAccount {
                balance: funded,
                ..Default::default()
            },
        );
    }
    genesis
        .alloc
        .insert(CREATE2_DEPLOYER, predeploy(create2_deployer_code(), &[]));
    // One block's emission already on the BlockRewardController, so that block 1 distributes
    // like every later block (each block's inflation withdrawal funds the next one).
    let first_emission = U256::from(DEV_INFLATION_GWEI) * U256::from(1_000_000_000u64);
    genesis
        .alloc
        .insert(MULTICALL3, predeploy(multicall3_code(), &[]));
    let inhibitor = [(B256::ZERO, B256::from(U256::MAX))];
    genesis.alloc.insert(
        eip4788::BEACON_ROOTS_ADDRESS,
        predeploy(eip4788::BEACON_ROOTS_CODE.clone(), &[]),
    );
    genesis.alloc.insert(
        eip2935::HISTORY_STORAGE_ADDRESS,
        predeploy(eip2935::HISTORY_STORAGE_CODE.clone(), &[]),
    );
    genesis.alloc.insert(
        eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        predeploy(
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
            &inhibitor,
        ),
    );
    genesis.alloc.insert(
        eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        predeploy(
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone(),
            &inhibitor,
        ),
    );
    let feeders: Vec<Address> = accounts
        .get(DEV_FEEDER_ACCOUNT)
        .map(|(a, _)| *a)
        .into_iter()
        .collect();
    let mut system = berapool_pool_precompiles::genesis_accounts_with_feeders(
        governance,
        &berapool.pool.params(),
        &feeders,
    )?;
    // The genesis validators are BeaconDeposit's first deposits, so later deposit indices
    // continue after them.
    let deposits = genesis_deposits(&berapool.dev_cl.genesis_validators);
    system.push(berapool_pool_precompiles::beacon_deposit_genesis_account(
        deposits.len() as u64,
        body::deposits_root(&deposits),
    ));
    if berapool.native_pol {
        let holders = accounts.iter().map(|(a, _)| *a).collect();
        system.extend(berapool_pool_precompiles::pol::genesis_accounts(
            &berapool.pol.params(governance, holders),
        ));
    }
    for account in system {
        let storage: Vec<(B256, B256)> = account
            .storage
            .iter()
            .map(|(k, v)| (B256::from(*k), B256::from(*v)))
            .collect();
        let mut predeployed = predeploy(account.code, &storage);
        if account.address == BLOCK_REWARD_CONTROLLER {
            predeployed.balance = first_emission;
        }
        genesis.alloc.insert(account.address, predeployed);
    }
    Ok(genesis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_multicall3_bytecode_decodes() {
        let code = multicall3_code();
        assert!(code.len() > 1_000, "{} bytes", code.len());
        // Solidity's runtime prologue, `PUSH1 0x80 PUSH1 0x40 MSTORE`.
        assert_eq!(&code[..5], &[0x60, 0x80, 0x60, 0x40, 0x52]);
    }
}
