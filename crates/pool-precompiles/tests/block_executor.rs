//! The pool system's block rules through `BerapoolBlockExecutorFactory` alone, as a reth node
//! would run them: no node code, just alloy-evm's `State` over the test chain's database. A
//! block whose EIP-4895 withdrawals pay the withdrawal vault for a pool's validator makes the
//! pool's pending CL request payable; a vault withdrawal of a validator of no pool is recorded
//! as unattributed; before the pool system activates, no rule runs.

mod common;

use std::borrow::Cow;

use alloy_eips::eip4895::Withdrawal;
use alloy_evm::{
    block::{BlockExecutor, BlockExecutorFactory},
    eth::{receipt_builder::AlloyReceiptBuilder, spec::EthExecutorSpec, EthBlockExecutionCtx},
    revm::{
        database::{states::bundle_state::BundleRetention, State},
        state::AccountInfo,
    },
    EvmFactory,
};
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::SolCall;
use berapool_beacon::BERA_GWEI;
use berapool_pool_precompiles::{
    abi::{IStakingPool, IWithdrawalVault},
    pool_state::{
        addresses::{WBERA, WITHDRAWAL_VAULT},
        layout,
        params::{bera, GWEI},
        PoolId,
    },
    BerapoolBlockExecutionCtx, BerapoolBlockExecutorFactory, BerapoolEvmFactory, PolOutcome,
    PoolConfig,
};
use common::*;

const PUBKEY: [u8; 48] = [0x33; 48];
const INDEX: u64 = 4;
/// A validator no pool has.
const STRANGER: u64 = 77;

/// Every Ethereum fork from genesis (the test chain runs Prague rules).
#[derive(Debug)]
struct AllForks(EthereumChainHardforks);

impl AllForks {
    fn new() -> Self {
        use EthereumHardfork as H;
        let mut forks: Vec<(H, ForkCondition)> = [
            H::Frontier,
            H::Homestead,
            H::Tangerine,
            H::SpuriousDragon,
            H::Byzantium,
            H::Constantinople,
            H::Petersburg,
            H::Istanbul,
            H::Berlin,
            H::London,
        ]
        .into_iter()
        .map(|fork| (fork, ForkCondition::Block(0)))
        .collect();
        forks.push((
            H::Paris,
            ForkCondition::TTD {
                activation_block_number: 0,
                fork_block: Some(0),
                total_difficulty: U256::ZERO,
            },
        ));
        for fork in [H::Shanghai, H::Cancun, H::Prague] {
            forks.push((fork, ForkCondition::Timestamp(0)));
        }
        Self(EthereumChainHardforks::new(forks))
    }
}

impl EthereumHardforks for AllForks {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.0.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for AllForks {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}

fn withdrawal(index: u64, validator_index: u64, address: Address, bera: u64) -> Withdrawal {
    Withdrawal {
        index,
        validator_index,
        address,
        amount: bera * BERA_GWEI,
    }
}

/// Runs the next block, with no transactions and `withdrawals`, through an executor factory
/// over `evm_factory`, and keeps its changes in the test chain's database.
fn execute_block(c: &mut TestChain, evm_factory: BerapoolEvmFactory, withdrawals: &[Withdrawal]) {
    execute_block_for(c, evm_factory, withdrawals, Address::ZERO);
}

/// [`execute_block`] with `fee_recipient` as the block's beneficiary.
fn execute_block_for(
    c: &mut TestChain,
    evm_factory: BerapoolEvmFactory,
    withdrawals: &[Withdrawal],
    fee_recipient: Address,
) {
    run_block(c, evm_factory, withdrawals, fee_recipient, None);
}

/// Runs the next block with `parent_proposer` as its parent proposer (so its PoL distribution
/// runs when it is `Some`), keeps its changes, and returns how the distribution went.
fn run_block(
    c: &mut TestChain,
    evm_factory: BerapoolEvmFactory,
    withdrawals: &[Withdrawal],
    fee_recipient: Address,
    parent_proposer: Option<FixedBytes<48>>,
) -> Option<PolOutcome> {
    c.number += 1;
    c.timestamp += 2;
    let factory = BerapoolBlockExecutorFactory::new(
        AlloyReceiptBuilder::default(),
        AllForks::new(),
        evm_factory,
    );
    let mut env = c.env();
    env.block_env.beneficiary = fee_recipient;
    let mut state = State::builder()
        .with_database(&mut c.db)
        .with_bundle_update()
        .build();
    let evm = factory.evm_factory().create_evm(&mut state, env);
    let ctx = BerapoolBlockExecutionCtx {
        eth: EthBlockExecutionCtx {
            parent_hash: B256::repeat_byte(0xaa),
            parent_beacon_block_root: Some(B256::repeat_byte(0xbb)),
            ommers: &[],
            withdrawals: Some(Cow::Borrowed(withdrawals)),
            extra_data: Bytes::new(),
            tx_count_hint: Some(0),
            slot_number: None,
        },
        parent_proposer_pubkey: parent_proposer,
    };
    let mut executor = factory.create_executor(evm, ctx);
    executor
        .apply_pre_execution_changes()
        .expect("the pre-execution changes apply");
    let outcome = executor.pol_outcome().cloned();
    executor
        .apply_post_execution_changes()
        .expect("the block executes");
    state.merge_transitions(BundleRetention::PlainState);
    let bundle = state.take_bundle();
    drop(state);
    for (address, account) in bundle.state {
        let Some(info) = account.info else {
            c.db.insert_account_info(address, AccountInfo::default());
            continue;
        };
        c.db.insert_account_info(address, info);
        for (slot, value) in account.storage {
            c.set_storage(address, slot, value.present_value);
        }
    }
    outcome
}

fn unattributed(c: &mut TestChain) -> U256 {
    c.storage(WITHDRAWAL_VAULT, layout::slot(layout::vault::UNATTRIBUTED))
}

#[test]
fn a_block_pays_a_pools_cl_withdrawal_to_its_requester() {
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = PoolId::from_pubkey(&FixedBytes(PUBKEY))
        .addresses()
        .staking_pool;
    let submit = IStakingPool::submitCall { receiver: BOB }.abi_encode();
    assert!(c.tx(BOB, staking_pool, bera(290_000), submit).success());
    // After the cooldown, Bob asks for 40,000 BERA through the consensus layer (request 1).
    c.advance(16);
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 40_000 * BERA_GWEI,
        maxFeeToPay: U256::from(5),
    };
    let r = c.tx(BOB, WITHDRAWAL_VAULT, U256::from(5), request.abi_encode());
    assert!(r.success(), "{:?}", r.result);

    // The consensus layer pays: 40,000 BERA to the vault for the pool's validator, 2 BERA to
    // the vault for a validator of no pool, and 1 BERA of the pool's validator to someone else.
    let vault = c.balance(WITHDRAWAL_VAULT);
    let dave = Address::repeat_byte(0xda);
    let withdrawals = [
        withdrawal(0, INDEX, WITHDRAWAL_VAULT, 40_000),
        withdrawal(1, STRANGER, WITHDRAWAL_VAULT, 2),
        withdrawal(2, INDEX, dave, 1),
    ];
    let evm_factory = c.factory.clone();
    execute_block(&mut c, evm_factory, &withdrawals);
    assert_eq!(c.balance(WITHDRAWAL_VAULT), vault + bera(40_002));
    assert_eq!(c.balance(dave), bera(1));
    assert_eq!(unattributed(&mut c), bera(2), "only the stranger's 2 BERA");

    // The 40,000 BERA are the pool's: after the finalization delay, Bob's request pays him.
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestCall {
        requestId: U256::from(1),
    }
    .abi_encode();
    c.advance(256);
    let bob = c.balance(BOB);
    let r = c.tx(ALICE, WITHDRAWAL_VAULT, U256::ZERO, finalize);
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(c.balance(BOB), bob + bera(40_000));
}

#[test]
fn a_block_whose_pol_distribution_reverts_is_still_a_valid_block() {
    let mut c = TestChain::with_native_pol();
    active_pool(&mut c, PUBKEY, INDEX);
    let operator = PoolId::from_pubkey(&FixedBytes(PUBKEY))
        .addresses()
        .smart_operator;
    let wbera_slot = berapool_pool_precompiles::pool_state::layout::wbera_balance_slot(operator);
    let evm_factory = c.factory.clone();
    let inflation = Withdrawal {
        index: u64::MAX,
        validator_index: u64::MAX,
        address: berapool_pool_precompiles::addresses::BLOCK_REWARD_CONTROLLER,
        amount: 1_705_000_000,
    };
    // Funded at genesis: the block distributes, and its withdrawal funds the next block.
    let outcome = run_block(
        &mut c,
        evm_factory.clone(),
        &[inflation],
        Address::ZERO,
        Some(FixedBytes(PUBKEY)),
    );
    assert!(
        matches!(outcome, Some(PolOutcome::Distributed { .. })),
        "{outcome:?}"
    );
    assert_eq!(
        c.storage(WBERA, wbera_slot),
        berapool_pool_precompiles::pol::BASE_RATE
    );
    let outcome = run_block(
        &mut c,
        evm_factory.clone(),
        &[],
        Address::ZERO,
        Some(FixedBytes(PUBKEY)),
    );
    assert!(
        matches!(outcome, Some(PolOutcome::Distributed { .. })),
        "{outcome:?}"
    );
    // Nothing credited the controller this time: the distribution reverts, the block stands,
    // and nothing was paid.
    let outcome = run_block(
        &mut c,
        evm_factory.clone(),
        &[],
        Address::ZERO,
        Some(FixedBytes(PUBKEY)),
    );
    assert!(
        matches!(outcome, Some(PolOutcome::Failed { .. })),
        "{outcome:?}"
    );
    assert_eq!(
        c.storage(WBERA, wbera_slot),
        berapool_pool_precompiles::pol::BASE_RATE * U256::from(2)
    );
    // Without a parent proposer no distribution runs at all.
    let outcome = run_block(&mut c, evm_factory, &[], Address::ZERO, None);
    assert_eq!(outcome, None);
}

#[test]
fn before_the_pool_system_activates_no_rule_runs() {
    let mut c = TestChain::new();
    let later = PoolConfig {
        activation_timestamp: u64::MAX,
        ..c.factory.config().clone()
    };
    execute_block(
        &mut c,
        BerapoolEvmFactory::new(later),
        &[withdrawal(0, STRANGER, WITHDRAWAL_VAULT, 2)],
    );
    assert_eq!(unattributed(&mut c), U256::ZERO);
    // The withdrawal itself is still credited: that is Ethereum's rule, not the pool system's.
    assert_eq!(
        c.balance(WITHDRAWAL_VAULT),
        U256::from(2 * BERA_GWEI) * GWEI
    );
}

/// The block rules' writes stand when the block's fee recipient is the account they write, as
/// alloy-evm's own system calls keep theirs: a proposer whose fee recipient is the withdrawal
/// vault must not erase the vault's attribution of that block's withdrawals.
#[test]
fn the_rules_writes_stand_when_the_fee_recipient_is_the_vault() {
    let mut c = TestChain::new();
    let evm_factory = c.factory.clone();
    execute_block_for(
        &mut c,
        evm_factory,
        &[withdrawal(0, STRANGER, WITHDRAWAL_VAULT, 2)],
        WITHDRAWAL_VAULT,
    );
    assert_eq!(unattributed(&mut c), bera(2));
}
