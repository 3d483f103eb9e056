//! The dev block driver: blocks on demand through the Engine API path, on a timer, and as soon as
//! transactions wait.

#![allow(clippy::unwrap_used)]

// The engine's test chain, for signing transactions with the dev accounts.
#[path = "../../engine/tests/common/mod.rs"]
mod common;

use std::{
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use alloy_primitives::{Address, U256};
use berapool_chainspec::{dev_accounts, ChainSpec};
use berapool_dev_consensus::{DevDriver, Mining, SimpleProvider};
use berapool_engine::{Blockchain, EngineHandle};
use berapool_txpool::TxQueue;
use common::Chain;

fn setup(dir: &std::path::Path) -> (EngineHandle, Arc<TxQueue>) {
    let queue = Arc::new(TxQueue::default());
    let chain = Blockchain::open(dir, ChainSpec::dev().unwrap()).unwrap();
    (EngineHandle::new(chain, queue.clone()), queue)
}

#[test]
fn the_driver_produces_blocks_with_waiting_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, queue) = setup(dir.path());
    let mut signer = Chain::dev();
    let (_, key) = dev_accounts()[4];
    let to = Address::repeat_byte(0x77);
    for _ in 0..3 {
        queue.push(signer.tx(key, to, U256::from(5), Vec::new()));
    }
    let mut driver = DevDriver::new(
        engine.clone(),
        Box::new(SimpleProvider {
            fee_recipient: Address::repeat_byte(0xfe),
        }),
        Mining::instant(None),
    );
    let first = driver.produce_block().unwrap();
    let (number, hash) = {
        let h = engine.reader().head();
        (h.number(), h.hash)
    };
    assert_eq!((number, hash), (1, first));
    assert_eq!(
        engine
            .reader()
            .store()
            .latest()
            .unwrap()
            .account(&to)
            .unwrap()
            .unwrap()
            .balance,
        U256::from(15)
    );
    // Empty blocks too, each on the last, finalized at once.
    driver.produce_block().unwrap();
    let (n, h) = {
        let h = engine.reader().head();
        (h.number(), h.hash)
    };
    assert_eq!(n, 2);
    assert_eq!(
        engine.reader().store().safe_and_finalized().unwrap(),
        (h, h)
    );
}

#[test]
fn the_driver_runs_on_a_timer_and_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, queue) = setup(dir.path());
    let shutdown = Arc::new(AtomicBool::new(false));
    let driver = DevDriver::new(
        engine.clone(),
        Box::new(SimpleProvider {
            fee_recipient: Address::ZERO,
        }),
        Mining::instant(Some(Duration::from_millis(100))),
    );
    let stop = shutdown.clone();
    let thread = std::thread::spawn(move || driver.run(stop));
    std::thread::sleep(Duration::from_millis(650));
    shutdown.store(true, std::sync::atomic::Ordering::Relaxed);
    thread.join().unwrap();
    let timed = engine.reader().head().header.number;
    assert!(timed >= 3, "only {timed} blocks in 650 ms at 100 ms");

    // On demand: no block while nothing waits, one as soon as a transaction does.
    let shutdown = Arc::new(AtomicBool::new(false));
    let driver = DevDriver::new(
        engine.clone(),
        Box::new(SimpleProvider {
            fee_recipient: Address::ZERO,
        }),
        Mining::instant(None),
    );
    let stop = shutdown.clone();
    let thread = std::thread::spawn(move || driver.run(stop));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(engine.reader().head().header.number, timed);
    let mut signer = Chain::dev();
    let (_, key) = dev_accounts()[5];
    queue.push(signer.tx(key, Address::repeat_byte(1), U256::from(1), Vec::new()));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while engine.reader().head().header.number == timed && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    shutdown.store(true, std::sync::atomic::Ordering::Relaxed);
    thread.join().unwrap();
    assert_eq!(engine.reader().head().header.number, timed + 1);
}

#[test]
fn a_transaction_that_cannot_be_included_does_not_keep_the_driver_busy() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, queue) = setup(dir.path());
    let mut signer = Chain::dev();
    // A key with no funds: the builder leaves its transaction out.
    let broke = alloy_primitives::B256::repeat_byte(0x42);
    queue.push(signer.tx(broke, Address::repeat_byte(1), U256::from(1), Vec::new()));
    let mut driver = DevDriver::new(
        engine.clone(),
        Box::new(SimpleProvider {
            fee_recipient: Address::ZERO,
        }),
        Mining::instant(None),
    );
    driver.produce_block().unwrap();
    assert_eq!(
        engine
            .reader()
            .store()
            .block(1)
            .unwrap()
            .unwrap()
            .transactions
            .len(),
        0
    );
    assert!(!engine.has_pending_transactions(), "the queue let go of it");
}

#[test]
fn interval_mining_batches_and_automine_can_be_switched_off_and_on() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, queue) = setup(dir.path());
    let mut signer = Chain::dev();
    let (_, key) = dev_accounts()[6];
    let handle = berapool_dev_consensus::DevHandle::new(DevDriver::new(
        engine.clone(),
        Box::new(SimpleProvider {
            fee_recipient: Address::ZERO,
        }),
        Mining {
            automine: true,
            interval: None,
            slot_time: None,
        },
    ));
    // Automine off, no slot: transactions wait, nothing is mined.
    handle.with(|d| d.set_automine(false));
    let shutdown = Arc::new(AtomicBool::new(false));
    let (runner, stop) = (handle.clone(), shutdown.clone());
    let thread = std::thread::spawn(move || runner.run(&stop));
    for _ in 0..3 {
        queue.push(signer.tx(key, Address::repeat_byte(2), U256::from(1), Vec::new()));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(engine.reader().head().number(), 0, "automine is off");

    // Interval mining: one block every 300 ms, each with everything pending.
    handle.with(|d| d.set_interval(Some(Duration::from_millis(300))));
    let wait_for = |n: u64| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while engine.reader().head().number() < n && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        engine.reader().head().number()
    };
    assert_eq!(wait_for(1), 1);
    let first = engine.reader().store().block(1).unwrap().unwrap();
    assert_eq!(
        first.transactions.len(),
        3,
        "the three waiting ones, in one block"
    );
    assert_eq!(wait_for(2), 2, "an empty block a tick later");
    assert!(!handle.with(|d| d.mining().automine));

    // Automine back on ends interval mining: a transaction is mined at once.
    handle.with(|d| d.set_automine(true));
    assert_eq!(handle.with(|d| d.mining().interval), None);
    let head = engine.reader().head().number();
    queue.push(signer.tx(key, Address::repeat_byte(2), U256::from(1), Vec::new()));
    assert_eq!(wait_for(head + 1), head + 1);
    shutdown.store(true, std::sync::atomic::Ordering::Relaxed);
    thread.join().unwrap();
}

#[test]
fn a_revert_takes_the_beacon_chain_back_to_its_kept_state() {
    use berapool_dev_consensus::{BeaconChain, BeaconHandle, DevConsensus, StateId};
    let dir = tempfile::tempdir().unwrap();
    let (engine, _queue) = setup(dir.path());
    let spec = ChainSpec::dev().unwrap();
    let dev_cl = spec.berapool.as_ref().unwrap().dev_cl.clone();
    let beacon = BeaconHandle::new(BeaconChain::new(
        dev_cl.spec.clone(),
        &dev_cl.genesis_validators,
        spec.genesis_header(),
        spec.genesis_hash(),
        Address::repeat_byte(0xfe),
    ));
    let provider = DevConsensus::new(beacon.clone(), engine.reader().clone()).unwrap();
    let mut driver = DevDriver::new(engine.clone(), Box::new(provider), Mining::instant(None));
    for _ in 0..5 {
        driver.produce_block().unwrap();
    }
    let id = driver.snapshot();
    let at_five = beacon.read(|b| b.head().clone());
    assert_eq!(at_five.slot, 5);
    for _ in 0..4 {
        driver.produce_block().unwrap();
    }
    assert_eq!(beacon.read(|b| b.head().slot), 9);
    assert!(driver.revert(id).unwrap());
    // The kept post-state itself, not a replay from genesis.
    let head = beacon.read(|b| b.head().clone());
    assert!(Arc::ptr_eq(&head, &at_five));
    assert!(beacon.read(|b| b.state(StateId::Slot(7))).is_err());
    // And it follows the new blocks.
    driver.produce_block().unwrap();
    let head = beacon.read(|b| b.head().clone());
    assert_eq!(head.slot, 6);
    assert_eq!(
        head.latest_execution_payload_header.block_hash,
        engine.reader().head().hash
    );
}
