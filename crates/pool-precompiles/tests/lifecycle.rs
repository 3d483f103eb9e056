//! A pool's life through real EVM transactions: registration with 10,000 BERA, activation with
//! SSZ proofs against an EIP-4788 root, staking to the threshold, a CL partial withdrawal through
//! the EIP-7002 queue, the CL payout through the block's system call, finalization, full exit.

mod common;

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use berapool_pool_precompiles::{
    abi::{IBeaconDeposit, IStakingPool, IStakingPoolContractsFactory as F, IWithdrawalVault},
    block::credit_withdrawals_call,
    pool_state::{
        addresses::{
            pool_withdrawal_credentials, BEACON_DEPOSIT, EIP7002_PREDEPLOY, FACTORY,
            WITHDRAWAL_VAULT,
        },
        params::bera,
        PoolId, VaultWithdrawal,
    },
};
use common::*;

const PUBKEY: [u8; 48] = [0x11; 48];
const INDEX: u64 = 5;
use berapool_beacon::BERA_GWEI;

fn pool() -> PoolId {
    PoolId::from_pubkey(&FixedBytes(PUBKEY))
}

fn deploy(c: &mut TestChain) -> Receipt {
    deploy_pool(c, PUBKEY)
}

fn activation(c: &mut TestChain, balance_gwei: u64) -> F::activateStakingPoolCall {
    activation_call(c, PUBKEY, INDEX, balance_gwei)
}

fn view_u256(c: &mut TestChain, to: Address, data: Vec<u8>) -> U256 {
    let r = c.view(to, data);
    assert!(r.success(), "{:?}", r.result);
    U256::from_be_slice(&r.output())
}

#[test]
fn registration_makes_the_first_deposit_and_marks_the_pool_contracts() {
    let mut c = TestChain::new();
    let r = deploy(&mut c);
    assert!(r.success(), "{:?}", r.result);
    let addrs = pool().addresses();
    let returned = F::deployStakingPoolContractsCall::abi_decode_returns(&r.output()).unwrap();
    assert_eq!(
        (returned._0, returned._1),
        (addrs.smart_operator, addrs.staking_pool)
    );

    let deposit = r
        .logs()
        .iter()
        .find(|l| {
            l.address == BEACON_DEPOSIT && l.topics()[0] == IBeaconDeposit::Deposit::SIGNATURE_HASH
        })
        .expect("Deposit log from BeaconDeposit");
    let deposit = IBeaconDeposit::Deposit::decode_log_data(&deposit.data).unwrap();
    assert_eq!(deposit.amount, 10_000 * BERA_GWEI);
    assert_eq!(deposit.index, 0);
    assert_eq!(
        deposit.credentials.as_ref(),
        pool_withdrawal_credentials().as_slice()
    );
    assert!(r.logs().iter().any(|l| l.address == BEACON_DEPOSIT
        && l.topics()[0] == IBeaconDeposit::OperatorUpdated::SIGNATURE_HASH));
    assert!(r.logs().iter().any(|l| l.address == FACTORY));
    assert_eq!(
        c.balance(Address::ZERO),
        bera(10_000),
        "the deposit is burnt"
    );

    // The pool's contracts now look like contracts to Solidity callers.
    use alloy_evm::revm::Database;
    let info = c.db.basic(addrs.staking_pool).unwrap().unwrap();
    assert_eq!(info.nonce, 1);
    assert_eq!(info.code.unwrap().original_bytes().as_ref(), &[0xfe]);

    // getOperator through the real BeaconDeposit bytecode sees the native write.
    if reference_code("0x4242424242424242424242424242424242424242").is_some() {
        let op = c.view(
            BEACON_DEPOSIT,
            IBeaconDeposit::getOperatorCall {
                pubkey: Bytes::copy_from_slice(&PUBKEY),
            }
            .abi_encode(),
        );
        assert_eq!(
            Address::from_word(B256::from_slice(&op.output())),
            addrs.smart_operator
        );
    } else {
        eprintln!("shared/reference is absent: the BeaconDeposit bytecode check is skipped");
    }

    // Deploying twice: the operator is set.
    let again = deploy(&mut c);
    assert_eq!(
        again.revert_data().as_ref(),
        F::OperatorAlreadySet {}.abi_encode().as_slice()
    );
}

#[test]
fn activation_verifies_the_proofs_against_the_beacon_root() {
    let mut c = TestChain::new();
    assert!(deploy(&mut c).success());
    c.next_block();
    let mut call = activation(&mut c, 10_000 * BERA_GWEI);
    let good = call.clone();
    call.proofData.pubkeyProof[7] = B256::repeat_byte(1);
    let r = c.tx(ALICE, FACTORY, U256::ZERO, call.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::InvalidProof {}.abi_encode().as_slice()
    );
    let mut short = good.clone();
    short.proofData.initialDepositProof.pop();
    let r = c.tx(ALICE, FACTORY, U256::ZERO, short.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::BranchHasMissingItem {}.abi_encode().as_slice()
    );
    let mut wrong_balance = good.clone();
    wrong_balance.validatorData.initialDepositAmount += 1;
    let r = c.tx(ALICE, FACTORY, U256::ZERO, wrong_balance.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::InvalidBalance {}.abi_encode().as_slice()
    );
    let mut no_root = good.clone();
    no_root.timestamp -= 2;
    let r = c.tx(ALICE, FACTORY, U256::ZERO, no_root.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::RootNotFound {}.abi_encode().as_slice()
    );

    let r = c.tx(ALICE, FACTORY, U256::ZERO, good.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    let staking_pool = pool().addresses().staking_pool;
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::balanceOfCall { account: RECIPIENT }.abi_encode()
        ),
        bera(10_000)
    );
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::totalDepositsCall {}.abi_encode()
        ),
        bera(10_000)
    );
    let r = c.tx(ALICE, FACTORY, U256::ZERO, good.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        IStakingPool::StakingPoolAlreadyActivated {}
            .abi_encode()
            .as_slice()
    );
}

#[test]
fn a_pool_lives_from_staking_to_a_paid_partial_and_a_full_exit() {
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = pool().addresses().staking_pool;

    // Plain value is submit(msg.sender); submit(receiver) mints to the receiver.
    assert!(c
        .tx(ALICE, staking_pool, bera(100_000), Bytes::new())
        .success());
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::balanceOfCall { account: ALICE }.abi_encode()
        ),
        bera(100_000)
    );
    let r = c.tx(
        BOB,
        staking_pool,
        bera(190_000),
        IStakingPool::submitCall { receiver: BOB }.abi_encode(),
    );
    assert!(r.success(), "{:?}", r.result);
    let deposit = r
        .logs()
        .iter()
        .find(|l| {
            l.address == BEACON_DEPOSIT && l.topics()[0] == IBeaconDeposit::Deposit::SIGNATURE_HASH
        })
        .unwrap();
    let deposit = IBeaconDeposit::Deposit::decode_log_data(&deposit.data).unwrap();
    assert_eq!((deposit.amount, deposit.index), (290_000 * BERA_GWEI, 1));
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::totalDepositsCall {}.abi_encode()
        ),
        bera(300_000)
    );
    let threshold = c.view(
        staking_pool,
        IStakingPool::activeThresholdReachedCall {}.abi_encode(),
    );
    assert_eq!(threshold.output()[31], 1);

    // After the cooldown: a CL partial through the EIP-7002 queue.
    c.advance(16);
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 40_000 * BERA_GWEI,
        maxFeeToPay: U256::from(5),
    };
    let bob = c.balance(BOB);
    let r = c.tx(BOB, WITHDRAWAL_VAULT, U256::from(5), request.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(
        IWithdrawalVault::requestWithdrawalCall::abi_decode_returns(&r.output()).unwrap(),
        U256::from(1)
    );
    assert_eq!(c.balance(BOB), bob - U256::from(1), "fee 1 wei, 4 refunded");
    assert_eq!(
        c.storage(EIP7002_PREDEPLOY, U256::from(1)),
        U256::from(1),
        "one request counted"
    );
    assert_eq!(
        c.storage(EIP7002_PREDEPLOY, U256::from(4)),
        U256::from_be_slice(WITHDRAWAL_VAULT.as_slice())
    );
    assert!(r
        .logs()
        .iter()
        .any(|l| l.address == EIP7002_PREDEPLOY && l.data.data.len() == 76));
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::totalDepositsCall {}.abi_encode()
        ),
        bera(260_000)
    );

    // The CL pays 40,000 to the vault; block execution attributes it to the pool.
    let vault_balance = c.balance(WITHDRAWAL_VAULT);
    use alloy_evm::revm::Database;
    let mut info = c.db.basic(WITHDRAWAL_VAULT).unwrap().unwrap();
    info.balance = vault_balance + bera(40_000);
    c.db.insert_account_info(WITHDRAWAL_VAULT, info);
    let credit = credit_withdrawals_call(&[VaultWithdrawal {
        validator_index: INDEX,
        amount_gwei: 40_000 * BERA_GWEI,
    }]);
    assert!(c.system_call(WITHDRAWAL_VAULT, credit.clone()).success());
    // Nobody else may call it.
    let r = c.tx(ALICE, WITHDRAWAL_VAULT, U256::ZERO, credit);
    assert!(!r.success());

    // Finalization after the delay pays BOB, whoever calls it.
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestCall {
        requestId: U256::from(1),
    }
    .abi_encode();
    let r = c.tx(ALICE, WITHDRAWAL_VAULT, U256::ZERO, finalize.clone());
    assert_eq!(
        r.revert_data().as_ref(),
        IWithdrawalVault::RequestNotReady {}.abi_encode().as_slice()
    );
    c.advance(256);
    let bob = c.balance(BOB);
    assert!(c
        .tx(ALICE, WITHDRAWAL_VAULT, U256::ZERO, finalize)
        .success());
    assert_eq!(c.balance(BOB), bob + bera(40_000));

    // 260,000 − 60,000 < 250,000: Alice's request exits the pool with an amount-0 request.
    let exit = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 60_000 * BERA_GWEI,
        maxFeeToPay: U256::from(1),
    };
    let r = c.tx(ALICE, WITHDRAWAL_VAULT, U256::from(1), exit.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    let exited = c.view(
        staking_pool,
        IStakingPool::isFullyExitedCall {}.abi_encode(),
    );
    assert_eq!(exited.output()[31], 1);
    let paused = c.view(staking_pool, IStakingPool::pausedCall {}.abi_encode());
    assert_eq!(paused.output()[31], 1);
    // The second queued request asks for a full exit: amount 0 in the low bits of its third slot.
    let third = c.storage(EIP7002_PREDEPLOY, U256::from(4 + 3 + 2));
    assert_eq!(third.to_be_bytes::<32>()[16..24], [0u8; 8]);
    let r = c.tx(BOB, staking_pool, bera(1), Bytes::new());
    assert_eq!(
        r.revert_data().as_ref(),
        IStakingPool::EnforcedPause {}.abi_encode().as_slice()
    );

    // After the exit: redeemed against the frozen NAV, no EIP-7002 request, the fee sent back.
    let bob = c.balance(BOB);
    let after = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 1_000 * BERA_GWEI,
        maxFeeToPay: U256::from(1),
    };
    let r = c.tx(BOB, WITHDRAWAL_VAULT, U256::from(1), after.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(c.balance(BOB), bob);
    assert_eq!(
        c.storage(EIP7002_PREDEPLOY, U256::from(1)),
        U256::from(2),
        "still the two earlier requests"
    );
}

#[test]
fn a_contract_calling_submit_gets_its_shares() {
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = pool().addresses().staking_pool;
    // Hand-assembled: mstore(0, selector); mstore(4, address()); call(gas, pool, callvalue, 0, 0x24, 0, 0x20);
    // return the 32 bytes of shares, or revert.
    let selector = IStakingPool::submitCall::SELECTOR;
    let mut code = vec![0x63];
    code.extend_from_slice(&selector);
    code.extend_from_slice(&[
        0x60, 0xe0, 0x1b, 0x5f, 0x52, 0x30, 0x60, 0x04, 0x52, 0x60, 0x20, 0x5f, 0x60, 0x24, 0x5f,
        0x34, 0x73,
    ]);
    code.extend_from_slice(staking_pool.as_slice());
    code.extend_from_slice(&[
        0x5a, 0xf1, 0x60, 0x32, 0x57, 0x5f, 0x5f, 0xfd, 0x5b, 0x60, 0x20, 0x5f, 0xf3,
    ]);
    let contract = Address::repeat_byte(0xcc);
    use alloy_evm::revm::state::{AccountInfo, Bytecode};
    c.db.insert_account_info(
        contract,
        AccountInfo::default().with_code(Bytecode::new_raw(code.into())),
    );

    let r = c.tx(ALICE, contract, bera(1_000), Bytes::new());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(U256::from_be_slice(&r.output()), bera(1_000));
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::balanceOfCall { account: contract }.abi_encode()
        ),
        bera(1_000)
    );
}

fn report_state(
    c: &mut TestChain,
    balance_gwei: u64,
    extra: Vec<(u64, B256)>,
) -> (berapool_pool_precompiles::ssz::SparseMerkle, B256) {
    common::report_state(c, PUBKEY, INDEX, balance_gwei, extra)
}

fn report(
    c: &mut TestChain,
    balance_gwei: u64,
) -> berapool_pool_precompiles::abi::IAccountingOracle::updateTotalDepositsCall {
    balance_report(c, PUBKEY, INDEX, balance_gwei)
}

/// [`report`] plus the state's `eth1_deposit_index`, proven under the same root.
fn report_with_deposit_index(
    c: &mut TestChain,
    balance_gwei: u64,
    deposit_index: u64,
) -> berapool_pool_precompiles::abi::IAccountingOracle::updateTotalDepositsWithDepositIndexCall {
    use berapool_pool_precompiles::ssz;
    let index_g = ssz::ETH1_DEPOSIT_INDEX_GINDEX;
    let index_leaf = ssz::deposit_index_leaf(deposit_index);
    let (tree, leaf) = report_state(c, balance_gwei, vec![(index_g, index_leaf)]);
    berapool_pool_precompiles::abi::IAccountingOracle::updateTotalDepositsWithDepositIndexCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        pubkeyProof: tree.branch(pubkey_gindex(INDEX)),
        balance: balance_gwei,
        balancesLeaf: leaf,
        balanceProof: tree.branch(balance_gindex(INDEX)),
        validatorIndex: INDEX,
        timestamp: c.timestamp,
        depositIndex: deposit_index,
        depositIndexProof: tree.branch(index_g),
    }
}

#[test]
fn a_report_with_a_proven_deposit_index_counts_the_deposits_the_state_has_not_seen() {
    use berapool_pool_precompiles::{
        abi::{IAccessControl, IBerapool},
        pool_state::{access::FEEDER_ROLE, addresses::ACCOUNTING_ORACLE},
    };
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = pool().addresses().staking_pool;
    let grant = IAccessControl::grantRoleCall {
        role: FEEDER_ROLE,
        account: FEEDER,
    }
    .abi_encode();
    assert!(c.tx(GOV, ACCOUNTING_ORACLE, U256::ZERO, grant).success());
    // 240,000 BERA reach the threshold: one CL deposit of the whole buffer.
    assert!(c
        .tx(ALICE, staking_pool, bera(240_000), Bytes::new())
        .success());
    let count = view_u256(
        &mut c,
        BEACON_DEPOSIT,
        IBeaconDeposit::depositCountCall {}.abi_encode(),
    )
    .saturating_to::<u64>();
    c.advance(3);
    let total_deposits = |c: &mut TestChain| {
        view_u256(
            c,
            staking_pool,
            IStakingPool::totalDepositsCall {}.abi_encode(),
        )
    };

    // The official report cannot tell whether the proven state holds that deposit: refused.
    let call = report(&mut c, 10_000 * BERA_GWEI);
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        IBerapool::DepositIndexNotProven {}.abi_encode().as_slice()
    );
    // A state that has not processed it (index below the pool's deposit): 10,000 proven plus
    // the 240,000 in flight. A tampered index is refused.
    let call = report_with_deposit_index(&mut c, 10_000 * BERA_GWEI, count - 1);
    let mut bad = call.clone();
    bad.depositIndex = count;
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, bad.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::InvalidProof {}.abi_encode().as_slice()
    );
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(total_deposits(&mut c), bera(250_000));
    // A later state that has processed it: the proven balance alone, and official reports
    // apply again.
    c.advance(1);
    let call = report_with_deposit_index(&mut c, 250_000 * BERA_GWEI, count);
    assert!(c
        .tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode())
        .success());
    c.advance(1);
    let call = report(&mut c, 250_000 * BERA_GWEI);
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(total_deposits(&mut c), bera(250_000));
}

#[test]
fn the_oracle_applies_proven_balances_from_feeders_only() {
    use berapool_pool_precompiles::{
        abi::IAccessControl,
        pool_state::{access::FEEDER_ROLE, addresses::ACCOUNTING_ORACLE},
    };
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = pool().addresses().staking_pool;
    c.advance(3);

    // Not a feeder yet.
    let call = report(&mut c, 12_000 * BERA_GWEI);
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        IAccessControl::AccessControlUnauthorizedAccount {
            account: FEEDER,
            neededRole: FEEDER_ROLE
        }
        .abi_encode()
        .as_slice()
    );
    // Governance grants the role through the oracle's AccessControl.
    let grant = IAccessControl::grantRoleCall {
        role: FEEDER_ROLE,
        account: FEEDER,
    }
    .abi_encode();
    assert!(c.tx(GOV, ACCOUNTING_ORACLE, U256::ZERO, grant).success());

    // A tampered balance proof is refused; a good one moves totalDeposits to the proof
    // (a 2,000 BERA top-up by a third party shows as a gain).
    let mut bad = call.clone();
    bad.balance += 1;
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, bad.abi_encode());
    assert_eq!(
        r.revert_data().as_ref(),
        F::InvalidBalance {}.abi_encode().as_slice()
    );
    let r = c.tx(FEEDER, ACCOUNTING_ORACLE, U256::ZERO, call.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::totalDepositsCall {}.abi_encode()
        ),
        bera(12_000)
    );
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::totalAssetsCall {}.abi_encode()
        ),
        bera(12_000)
    );
}

#[test]
fn short_circuit_withdrawals_through_the_evm() {
    let mut c = TestChain::new();
    active_pool(&mut c, PUBKEY, INDEX);
    let staking_pool = pool().addresses().staking_pool;
    assert!(c
        .tx(ALICE, staking_pool, bera(50_000), Bytes::new())
        .success());
    // Before the threshold: from the buffer, no EIP-7002 request, the 3 wei sent come back.
    let request = IWithdrawalVault::requestWithdrawalCall {
        pubkey: Bytes::copy_from_slice(&PUBKEY),
        assetsInGWei: 20_000 * BERA_GWEI,
        maxFeeToPay: U256::from(3),
    };
    let alice = c.balance(ALICE);
    let r = c.tx(ALICE, WITHDRAWAL_VAULT, U256::from(3), request.abi_encode());
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(c.balance(ALICE), alice);
    assert_eq!(
        c.storage(EIP7002_PREDEPLOY, U256::from(1)),
        U256::ZERO,
        "no CL request"
    );
    assert_eq!(c.balance(WITHDRAWAL_VAULT), bera(20_000));
    assert_eq!(
        view_u256(
            &mut c,
            staking_pool,
            IStakingPool::bufferedAssetsCall {}.abi_encode()
        ),
        bera(30_000)
    );
    c.advance(256);
    let alice = c.balance(ALICE);
    let finalize = IWithdrawalVault::finalizeWithdrawalRequestsCall {
        requestIds: vec![U256::from(1)],
    };
    assert!(c
        .tx(BOB, WITHDRAWAL_VAULT, U256::ZERO, finalize.abi_encode())
        .success());
    assert_eq!(c.balance(ALICE), alice + bera(20_000));
}

#[test]
fn the_factory_owner_sets_generalized_indices_and_proofs_follow_them() {
    let mut c = TestChain::new();
    assert!(deploy(&mut c).success());
    c.next_block();
    let set = F::setZeroValidatorPubkeyGIndexCall {
        _zeroValidatorPubkeyGIndex: 12_345,
    }
    .abi_encode();
    let r = c.tx(ALICE, FACTORY, U256::ZERO, set.clone());
    assert_eq!(
        r.revert_data().as_ref(),
        berapool_pool_precompiles::abi::IStakingPool::OwnableUnauthorizedAccount { account: ALICE }
            .abi_encode()
            .as_slice()
    );
    let r = c.tx(GOV, FACTORY, U256::ZERO, set);
    assert!(r.success(), "{:?}", r.result);
    assert_eq!(
        r.logs()[0].topics()[0],
        F::ZeroValidatorPubkeyGIndexChanged::SIGNATURE_HASH
    );
    assert_eq!(
        view_u256(
            &mut c,
            FACTORY,
            F::zeroValidatorPubkeyGIndexCall {}.abi_encode()
        ),
        U256::from(12_345)
    );
    // A proof built for BeaconKit's index no longer verifies.
    let call = activation(&mut c, 10_000 * BERA_GWEI);
    let r = c.tx(ALICE, FACTORY, U256::ZERO, call.abi_encode());
    assert!(!r.success());
}
