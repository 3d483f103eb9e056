//! Crash safety: a child process commits blocks in a loop and is killed (SIGKILL) at varying
//! moments; every time, the datadir reopens at a block whose stored state hashes to that block's
//! state root, with every block up to it complete and the state of an older block (and its
//! history) intact, and the chain keeps growing across crashes.

#![allow(clippy::unwrap_used)]

mod common;

use std::{process::Command, time::Duration};

use alloy_primitives::{Address, U256};
use berapool_chainspec::dev_accounts;
use berapool_storage::ChainStore;
use common::Chain;

const CHILD_ENV: &str = "BERAPOOL_CRASH_DATADIR";

/// The child: open the datadir, continue from its head, commit blocks until killed.
#[test]
#[ignore = "run by a_crash_while_committing_always_reopens_consistently as a child process"]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    let mut chain = Chain::open(std::path::Path::new(&dir), spec);
    let (sender, key) = dev_accounts()[3];
    chain.sync_nonce(sender);
    loop {
        let txs = (0..5)
            .map(|i| chain.tx(key, Address::with_last_byte(i), U256::from(1), Vec::new()))
            .collect();
        let input = chain.input(txs, Vec::new());
        chain.execute(input);
    }
}

#[test]
fn a_crash_while_committing_always_reopens_consistently() {
    let dir = tempfile::tempdir().unwrap();
    let spec = berapool_chainspec::ChainSpec::dev().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last_head = 0;
    for round in 0..6u64 {
        let mut child = Command::new(&exe)
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Let it run a while, varying where in a commit the kill lands.
        std::thread::sleep(Duration::from_millis(400 + 137 * round));
        child.kill().unwrap();
        child.wait().unwrap();

        let store = ChainStore::open(dir.path(), &spec).unwrap();
        let head = store.head_number().unwrap();
        let header = store.header(head).unwrap().unwrap();
        let tries = store.load_tries().unwrap();
        assert_eq!(
            tries.root(),
            header.state_root,
            "round {round}: state vs head {head}"
        );
        // An older block's state and history survived too: each block paid every receiver one
        // wei, and the tries rolled back to it give its root.
        let older = head / 2;
        let state = store.state_at(older).unwrap();
        let received = state
            .account(&Address::with_last_byte(4))
            .unwrap()
            .map(|a| a.balance)
            .unwrap_or_default();
        assert_eq!(received, U256::from(older), "round {round}: block {older}");
        let mut rolled = tries.clone();
        for n in (older + 1..=head).rev() {
            rolled.revert(&store.block_changes(n).unwrap().unwrap());
        }
        assert_eq!(
            rolled.root(),
            store.header(older).unwrap().unwrap().state_root,
            "round {round}: history of block {older}"
        );
        for n in 0..=head {
            let block = store
                .block(n)
                .unwrap()
                .unwrap_or_else(|| panic!("round {round}: block {n} missing"));
            assert_eq!(
                store.receipts(n).unwrap().unwrap().len(),
                block.transactions.len()
            );
            if n > 0 {
                assert_eq!(
                    block.header.parent_hash,
                    store.block_hash(n - 1).unwrap().unwrap()
                );
            }
        }
        assert!(
            store.header(head + 1).unwrap().is_none(),
            "nothing past the head"
        );
        assert!(head >= last_head, "round {round}: the chain went back");
        last_head = head;
    }
    assert!(last_head > 0, "the child never committed a block");
    println!("reopened consistently after 6 kills, head at block {last_head}");
}
