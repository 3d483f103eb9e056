//! The command line refuses what it cannot do, with a message that says why.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berapool-node"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

#[test]
fn help_names_the_node_command_and_its_dev_flags() {
    let out = node(&["node", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--dev",
        "--datadir",
        "--http.port",
        "--authrpc.port",
        "--authrpc.jwtsecret",
        "--dev.slot-time",
        "--dev.slots-per-epoch",
        "--dev.withdrawability-delay",
        "--dev.beacon-api",
        "--dev.oracle",
        "--chain",
    ] {
        assert!(help.contains(flag), "help lacks {flag}:\n{help}");
    }
}

#[test]
fn without_dev_mode_or_a_chain_the_node_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(&["node", "--datadir", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("pass --chain <genesis.json|dev>"), "{err}");
    // Nothing was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_bad_slot_time_is_refused() {
    // `--dev.block-time` is the older name of the same flag.
    for flag in ["--dev.slot-time", "--dev.block-time"] {
        let out = node(&["node", "--dev", flag, "2x"]);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("unknown unit `x`"), "{err}");
    }
    let out = node(&["node", "--dev", "--dev.slot-time", "0"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("a slot time of `off`"), "{err}");
    let out = node(&["node", "--dev", "--dev.slots-per-epoch", "0"]);
    assert!(!out.status.success());
}

#[test]
fn a_missing_genesis_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(&[
        "node",
        "--dev",
        "--chain",
        "/nonexistent/genesis.json",
        "--datadir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/nonexistent/genesis.json"), "{err}");
}

#[test]
fn init_writes_the_genesis_once_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("data");
    let args = [
        "init",
        "--chain",
        "dev",
        "--datadir",
        datadir.to_str().unwrap(),
    ];
    let first = node(&args);
    assert!(first.status.success(), "{first:?}");
    let printed = String::from_utf8(first.stdout).unwrap();
    assert!(printed.starts_with("chain 80087 (genesis 0x"), "{printed}");
    assert!(printed.trim_end().ends_with("head #0"), "{printed}");
    assert!(datadir.join("chain.redb").exists());
    // Again: the same chain is found, nothing changes.
    let again = node(&args);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), printed);
}

#[test]
fn dump_genesis_prints_a_genesis_that_init_takes_back() {
    let out = node(&["dump-genesis"]);
    assert!(out.status.success(), "{out:?}");
    let json = String::from_utf8(out.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["config"]["chainId"], serde_json::json!(80087));
    assert!(
        value["config"]["berapool"].is_object(),
        "the pool system's section"
    );
    // Written to a file and initialized, it is the dev chain: the same genesis hash.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("genesis.json");
    std::fs::write(&file, &json).unwrap();
    let init = |chain: &str, datadir: &str| {
        let out = node(&["init", "--chain", chain, "--datadir", datadir]);
        assert!(out.status.success(), "{out:?}");
        let printed = String::from_utf8(out.stdout).unwrap();
        printed.split_whitespace().nth(3).unwrap().to_owned()
    };
    let from_file = init(
        file.to_str().unwrap(),
        dir.path().join("a").to_str().unwrap(),
    );
    let dev = init("dev", dir.path().join("b").to_str().unwrap());
    assert_eq!(from_file, dev);
}
