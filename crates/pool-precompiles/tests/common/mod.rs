//! An in-memory chain for driving the precompiles with real EVM transactions: Prague rules, the
//! pool system installed by `BerapoolEvmFactory`, BeaconDeposit and EIP-7002 with their real
//! bytecode, EIP-4788 roots written where the beacon-roots contract keeps them, and blocks that
//! start with the pool system's `beginBlock` rule (the block executor's own function).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::PathBuf;

use alloy_evm::{
    revm::{
        context::{result::ExecutionResult, BlockEnv, CfgEnv, TxEnv},
        database::{CacheDB, EmptyDB},
        primitives::{hardfork::SpecId, TxKind},
        state::{AccountInfo, Bytecode},
        DatabaseCommit,
    },
    Evm, EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, Bytes, Log, B256, U256};
use berapool_pool_precompiles::{
    block, genesis_accounts,
    pool_state::{
        addresses::{BEACON_DEPOSIT, BEACON_ROOTS, EIP7002_PREDEPLOY},
        params::bera,
        PoolParams,
    },
    BerapoolEvmFactory, PoolConfig, SYSTEM_ADDRESS,
};

pub const GOV: Address = Address::repeat_byte(0x90);
pub const OPERATOR: Address = Address::repeat_byte(0x0a);
pub const RECIPIENT: Address = Address::repeat_byte(0x0b);
pub const FEEDER: Address = Address::repeat_byte(0xfe);
pub const ALICE: Address = Address::repeat_byte(0xa1);
pub const BOB: Address = Address::repeat_byte(0xb0);
pub const WHALE: Address = Address::repeat_byte(0xee);

/// `../shared/reference` next to the checkout, if present (or `BERAPOOL_SHARED_REFERENCE`, for a
/// copy of the workspace built elsewhere, as CI's alloy-evm 0.38 check is).
pub fn shared_reference() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BERAPOOL_SHARED_REFERENCE").map(PathBuf::from) {
        return dir.is_dir().then_some(dir);
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared").join("reference");
        if candidate.is_dir() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The code of `address` in BeaconKit's devnet genesis, if the reference files are present.
pub fn reference_code(address: &str) -> Option<Bytes> {
    let path = shared_reference()?
        .join("beacon-kit")
        .join("files-eth-genesis.json");
    let genesis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let alloc = genesis.get("alloc")?.as_object()?;
    let (_, account) = alloc
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(address))?;
    let code = account.get("code")?.as_str()?;
    Some(Bytes::from(alloy_primitives::hex::decode(code).ok()?))
}

/// The result of one transaction.
#[derive(Debug)]
pub struct Receipt {
    pub result: ExecutionResult,
}

impl Receipt {
    pub fn success(&self) -> bool {
        self.result.is_success()
    }
    pub fn gas_used(&self) -> u64 {
        self.result.tx_gas_used()
    }
    pub fn logs(&self) -> &[Log] {
        self.result.logs()
    }
    pub fn output(&self) -> Bytes {
        self.result.output().cloned().unwrap_or_default()
    }
    /// Revert data, or a panic if the call did not revert.
    pub fn revert_data(&self) -> Bytes {
        match &self.result {
            ExecutionResult::Revert { output, .. } => output.clone(),
            other => panic!("expected a revert, got {other:?}"),
        }
    }
}

pub struct TestChain {
    pub db: CacheDB<EmptyDB>,
    pub factory: BerapoolEvmFactory,
    pub number: u64,
    pub timestamp: u64,
}

impl TestChain {
    pub fn new() -> Self {
        Self::with_params(PoolParams::dev())
    }

    pub fn with_params(params: PoolParams) -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        for account in genesis_accounts(GOV, &params).unwrap() {
            let code = Bytecode::new_raw(account.code.clone());
            db.insert_account_info(
                account.address,
                AccountInfo::default()
                    .with_code(code)
                    .with_nonce(account.nonce),
            );
            for (slot, value) in account.storage {
                db.insert_account_storage(account.address, slot, value)
                    .unwrap();
            }
        }
        // BeaconDeposit's real bytecode when the reference files are present; without them it
        // runs natively, as on the dev chain.
        let reference_deposit = reference_code("0x4242424242424242424242424242424242424242");
        let native_deposit = reference_deposit.is_none();
        let deposit_code = reference_deposit.unwrap_or_else(|| Bytes::from_static(&[0xfe]));
        db.insert_account_info(
            BEACON_DEPOSIT,
            AccountInfo::default()
                .with_code(Bytecode::new_raw(deposit_code))
                .with_nonce(1),
        );
        let eip7002 = alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone();
        db.insert_account_info(
            EIP7002_PREDEPLOY,
            AccountInfo::default()
                .with_code(Bytecode::new_raw(eip7002))
                .with_nonce(1),
        );
        let roots = alloy_eips::eip4788::BEACON_ROOTS_CODE.clone();
        db.insert_account_info(
            BEACON_ROOTS,
            AccountInfo::default()
                .with_code(Bytecode::new_raw(roots))
                .with_nonce(1),
        );
        for user in [OPERATOR, ALICE, BOB, FEEDER, GOV] {
            db.insert_account_info(user, AccountInfo::from_balance(bera(1_000_000)));
        }
        db.insert_account_info(WHALE, AccountInfo::from_balance(bera(100_000_000)));
        let mut chain = Self {
            db,
            factory: BerapoolEvmFactory::new(PoolConfig {
                native_beacon_deposit: native_deposit,
                ..PoolConfig::new(params)
            }),
            number: 1,
            timestamp: 1_000_000,
        };
        chain.begin_block();
        chain
    }

    pub fn env(&self) -> EvmEnv {
        let mut cfg = CfgEnv::new_with_spec(SpecId::PRAGUE);
        cfg.chain_id = 80087;
        cfg.disable_nonce_check = true;
        let block = BlockEnv {
            number: U256::from(self.number),
            timestamp: U256::from(self.timestamp),
            gas_limit: 60_000_000,
            basefee: 0,
            ..Default::default()
        };
        EvmEnv {
            cfg_env: cfg,
            block_env: block,
        }
    }

    /// Executes and commits a transaction.
    pub fn tx(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: impl Into<Bytes>,
    ) -> Receipt {
        self.tx_with_gas(from, to, value, data, 10_000_000)
    }

    pub fn tx_with_gas(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: impl Into<Bytes>,
        gas: u64,
    ) -> Receipt {
        let env = self.env();
        let mut evm = self.factory.create_evm(&mut self.db, env);
        let tx = TxEnv {
            caller: from,
            kind: TxKind::Call(to),
            value,
            data: data.into(),
            gas_limit: gas,
            gas_price: 0,
            chain_id: Some(80087),
            ..Default::default()
        };
        let result = evm.transact_commit(tx).unwrap();
        Receipt { result }
    }

    /// A read-only call (nothing committed).
    pub fn view(&mut self, to: Address, data: impl Into<Bytes>) -> Receipt {
        let env = self.env();
        let mut evm = self.factory.create_evm(&mut self.db, env);
        let tx = TxEnv {
            caller: ALICE,
            kind: TxKind::Call(to),
            data: data.into(),
            gas_limit: 10_000_000,
            gas_price: 0,
            chain_id: Some(80087),
            ..Default::default()
        };
        Receipt {
            result: evm.transact(tx).unwrap().result,
        }
    }

    /// A system call from SYSTEM_ADDRESS, committed.
    pub fn system_call(&mut self, to: Address, data: Bytes) -> Receipt {
        let env = self.env();
        let mut evm = self.factory.create_evm(&mut self.db, env);
        let out = evm.transact_system_call(SYSTEM_ADDRESS, to, data).unwrap();
        drop(evm);
        self.db.commit(out.state);
        Receipt { result: out.result }
    }

    /// The pool system's first block rule, as block execution runs it.
    fn begin_block(&mut self) {
        let env = self.env();
        let mut evm = self.factory.create_evm(&mut self.db, env);
        block::begin_block(&mut evm).expect("beginBlock");
    }

    pub fn next_block(&mut self) {
        self.number += 1;
        self.timestamp += 2;
        self.begin_block();
    }

    pub fn advance(&mut self, blocks: u64) {
        for _ in 0..blocks {
            self.next_block();
        }
    }

    /// Stores `root` as the parent beacon root of the current block (EIP-4788 ring).
    pub fn set_beacon_root(&mut self, root: B256) {
        let index = U256::from(self.timestamp % 8191);
        self.db
            .insert_account_storage(BEACON_ROOTS, index, U256::from(self.timestamp))
            .unwrap();
        self.db
            .insert_account_storage(
                BEACON_ROOTS,
                index + U256::from(8191),
                U256::from_be_bytes(root.0),
            )
            .unwrap();
    }

    pub fn balance(&mut self, who: Address) -> U256 {
        use alloy_evm::revm::Database;
        self.db
            .basic(who)
            .unwrap()
            .map(|a| a.balance)
            .unwrap_or_default()
    }

    pub fn storage(&mut self, who: Address, slot: U256) -> U256 {
        use alloy_evm::revm::Database;
        self.db.storage(who, slot).unwrap()
    }

    pub fn set_storage(&mut self, who: Address, slot: U256, value: U256) {
        self.db.insert_account_storage(who, slot, value).unwrap();
    }
}

/// How a forwarder contract reaches its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    Call,
    StaticCall,
    DelegateCall,
}

/// Code that forwards its calldata (and, for CALL, its value) to `target` with `kind`, then
/// returns or reverts with whatever came back.
pub fn forwarder_code(target: Address, kind: CallKind) -> Bytes {
    let mut code = vec![0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x5f, 0x36, 0x5f];
    if kind == CallKind::Call {
        code.push(0x34);
    }
    code.push(0x73);
    code.extend_from_slice(target.as_slice());
    code.push(0x5a);
    code.push(match kind {
        CallKind::Call => 0xf1,
        CallKind::StaticCall => 0xfa,
        CallKind::DelegateCall => 0xf4,
    });
    code.extend_from_slice(&[0x3d, 0x5f, 0x5f, 0x3e]);
    let dest = code.len() as u8 + 6;
    code.extend_from_slice(&[0x60, dest, 0x57, 0x3d, 0x5f, 0xfd, 0x5b, 0x3d, 0x5f, 0xf3]);
    code.into()
}

impl TestChain {
    /// Installs a forwarder to `target` at `at`.
    pub fn install_forwarder(&mut self, at: Address, target: Address, kind: CallKind) {
        let code = Bytecode::new_raw(forwarder_code(target, kind));
        self.db
            .insert_account_info(at, AccountInfo::default().with_code(code).with_nonce(1));
    }

    /// Every storage slot and balance of the pool system's accounts and the system contracts.
    pub fn pool_system_state(&self) -> Vec<(Address, U256, U256, U256)> {
        let mut out = Vec::new();
        for (address, account) in &self.db.cache.accounts {
            let in_range = berapool_pool_precompiles::Target::of(*address).is_some();
            if in_range || [BEACON_DEPOSIT, EIP7002_PREDEPLOY].contains(address) {
                // Reads load zero slots into the cache: only values count, not what was looked at.
                for (slot, value) in account.storage.iter().filter(|(_, v)| !v.is_zero()) {
                    out.push((*address, *slot, *value, account.info.balance));
                }
                if !account.info.balance.is_zero() {
                    out.push((*address, U256::MAX, U256::ZERO, account.info.balance));
                }
            }
        }
        out.sort();
        out
    }
}

/// `deployStakingPoolContracts` for `pubkey` from OPERATOR with 10,000 BERA.
pub fn deploy_pool(c: &mut TestChain, pubkey: [u8; 48]) -> Receipt {
    use alloy_sol_types::SolCall;
    use berapool_pool_precompiles::{
        abi::IStakingPoolContractsFactory as F,
        pool_state::addresses::{pool_withdrawal_credentials, FACTORY},
    };
    let data = F::deployStakingPoolContractsCall {
        pubkey: Bytes::copy_from_slice(&pubkey),
        withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
        signature: Bytes::from(vec![0x22; 96]),
        validatorAdmin: OPERATOR,
        defaultSharesRecipient: RECIPIENT,
    }
    .abi_encode();
    c.tx(OPERATOR, FACTORY, bera(10_000), data)
}

/// A beacon block holding validator `index` (`pubkey`, the vault's credentials, `balance_gwei`),
/// its root stored for the current block; returns the activation call.
pub fn activation_call(
    c: &mut TestChain,
    pubkey: [u8; 48],
    index: u64,
    balance_gwei: u64,
) -> berapool_pool_precompiles::abi::IStakingPoolContractsFactory::activateStakingPoolCall {
    use berapool_pool_precompiles::{
        abi::IStakingPoolContractsFactory as F, pool_state::addresses::pool_withdrawal_credentials,
        ssz,
    };
    let pubkey_g = ssz::ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * index;
    let creds_g = ssz::ZERO_VALIDATOR_CREDENTIALS_GINDEX + 8 * index;
    let balance_g = ssz::ZERO_VALIDATOR_BALANCE_GINDEX + index / 4;
    let mut chunk = [0u8; 32];
    let lane = (index % 4) as usize * 8;
    chunk[lane..lane + 8].copy_from_slice(&balance_gwei.to_le_bytes());
    let leaf = B256::from(chunk);
    let tree = ssz::SparseMerkle::new(vec![
        (pubkey_g, ssz::pubkey_leaf(&pubkey)),
        (creds_g, pool_withdrawal_credentials()),
        (balance_g, leaf),
    ]);
    c.set_beacon_root(tree.root());
    F::activateStakingPoolCall {
        validatorData: F::ValidatorData {
            pubkey: Bytes::copy_from_slice(&pubkey),
            withdrawalCredentials: Bytes::copy_from_slice(pool_withdrawal_credentials().as_slice()),
            initialDepositAmount: balance_gwei,
            validatorIndex: index,
        },
        proofData: F::ProofData {
            pubkeyProof: tree.branch(pubkey_g),
            withdrawalCredentialsProof: tree.branch(creds_g),
            initialDepositProof: tree.branch(balance_g),
            initialDepositProofLeaf: leaf,
        },
        timestamp: c.timestamp,
    }
}

/// Registers and activates a pool for `pubkey` at validator `index` with 10,000 BERA.
pub fn active_pool(c: &mut TestChain, pubkey: [u8; 48], index: u64) {
    use alloy_sol_types::SolCall;
    assert!(deploy_pool(c, pubkey).success());
    c.next_block();
    let call = activation_call(c, pubkey, index, 10_000_000_000_000);
    let r = c.tx(
        ALICE,
        berapool_pool_precompiles::pool_state::addresses::FACTORY,
        U256::ZERO,
        call.abi_encode(),
    );
    assert!(r.success(), "{:?}", r.result);
}

impl TestChain {
    /// A chain without the BeaconDeposit bytecode, running it natively instead.
    pub fn with_native_beacon_deposit() -> Self {
        let mut chain = Self::new();
        let mut config = chain.factory.config().clone();
        config.native_beacon_deposit = true;
        chain.factory = BerapoolEvmFactory::new(config);
        let account = berapool_pool_precompiles::beacon_deposit_genesis_account(0, B256::ZERO);
        chain.db.insert_account_info(
            account.address,
            AccountInfo::default()
                .with_code(Bytecode::new_raw(account.code))
                .with_nonce(account.nonce),
        );
        chain
    }
}

/// The generalized index of validator `index`'s pubkey in the beacon state.
pub fn pubkey_gindex(index: u64) -> u64 {
    berapool_pool_precompiles::ssz::ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * index
}

/// The generalized index of the balances chunk holding validator `index`'s balance.
pub fn balance_gindex(index: u64) -> u64 {
    berapool_pool_precompiles::ssz::ZERO_VALIDATOR_BALANCE_GINDEX + index / 4
}

/// The beacon state of an oracle report: validator `index`'s `pubkey` and `balance_gwei`, and
/// any `extra` leaves, set as the current block's beacon root. Returns the tree and the
/// balance leaf.
pub fn report_state(
    c: &mut TestChain,
    pubkey: [u8; 48],
    index: u64,
    balance_gwei: u64,
    extra: Vec<(u64, B256)>,
) -> (berapool_pool_precompiles::ssz::SparseMerkle, B256) {
    use berapool_pool_precompiles::ssz;
    let mut chunk = [0u8; 32];
    let lane = (index % 4) as usize * 8;
    chunk[lane..lane + 8].copy_from_slice(&balance_gwei.to_le_bytes());
    let leaf = B256::from(chunk);
    let mut leaves = vec![
        (pubkey_gindex(index), ssz::pubkey_leaf(&pubkey)),
        (balance_gindex(index), leaf),
    ];
    leaves.extend(extra);
    let tree = ssz::SparseMerkle::new(leaves);
    c.set_beacon_root(tree.root());
    (tree, leaf)
}

/// A proof of `balance_gwei` for validator `index` at the current block, as the feeder sends
/// it.
pub fn balance_report(
    c: &mut TestChain,
    pubkey: [u8; 48],
    index: u64,
    balance_gwei: u64,
) -> berapool_pool_precompiles::abi::IAccountingOracle::updateTotalDepositsCall {
    let (tree, leaf) = report_state(c, pubkey, index, balance_gwei, Vec::new());
    berapool_pool_precompiles::abi::IAccountingOracle::updateTotalDepositsCall {
        pubkey: Bytes::copy_from_slice(&pubkey),
        pubkeyProof: tree.branch(pubkey_gindex(index)),
        balance: balance_gwei,
        balancesLeaf: leaf,
        balanceProof: tree.branch(balance_gindex(index)),
        validatorIndex: index,
        timestamp: c.timestamp,
    }
}

impl TestChain {
    /// A chain with the native PoL set, as the dev chain's genesis has it (GOV owns BeraChef,
    /// the vault factory and the tokens; GOV and ALICE hold tokens), the BlockRewardController
    /// funded with one block's emission.
    pub fn with_native_pol() -> Self {
        use berapool_pool_precompiles::pol;
        let mut chain = Self::new();
        let mut config = chain.factory.config().clone();
        config.native_pol = true;
        chain.factory = BerapoolEvmFactory::new(config);
        let params = pol::PolParams {
            owner: GOV,
            commission_change_delay: 16,
            reward_allocation_delay: 8,
            token_holders: vec![GOV, ALICE],
        };
        for account in pol::genesis_accounts(&params) {
            chain.db.insert_account_info(
                account.address,
                AccountInfo::default()
                    .with_code(Bytecode::new_raw(account.code.clone()))
                    .with_nonce(account.nonce),
            );
            for (slot, value) in account.storage {
                chain
                    .db
                    .insert_account_storage(account.address, slot, value)
                    .unwrap();
            }
        }
        chain.fund_block_rewards();
        chain
    }

    /// Credits the BlockRewardController one block's 1.705 BERA, as the inflation withdrawal.
    pub fn fund_block_rewards(&mut self) {
        use berapool_pool_precompiles::{addresses::BLOCK_REWARD_CONTROLLER, pol};
        let balance = self.balance(BLOCK_REWARD_CONTROLLER) + pol::MAX_EMISSION_PER_BLOCK;
        let mut info = {
            use alloy_evm::revm::Database;
            self.db
                .basic(BLOCK_REWARD_CONTROLLER)
                .unwrap()
                .unwrap_or_default()
        };
        info.balance = balance;
        self.db.insert_account_info(BLOCK_REWARD_CONTROLLER, info);
    }
}
