//! The client suite: real Ethereum clients, installed by `tests/clients/install.sh` (npm and pip
//! packages pinned by its lockfiles, cached outside the checkout), driven against one devnet
//! with an active staking pool. Each stakes in the pool and reads its shares back: cast (send,
//! call, logs, access-list, proof, run), ethers v6 (`getSigner`, `contract.on`), web3.py
//! (`accounts`, filters, `send_transaction`), viem (public, wallet and test-client actions,
//! multicall, `watchContractEvent`), forge (`script --broadcast` deploying with CREATE2 and
//! staking, `test --fork-url`), and a hardhat project running its network helpers
//! (`loadFixture`, `setBalance`, `impersonateAccount`).

#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use berapool_e2e::{register_active_pool, tools_bin, DevNode, Wallet, DEV_KEY_0, FAST_POOLS};
use serde_json::{json, Value};

const ONE_BERA: u128 = 1_000_000_000_000_000_000;

/// Dev account 3's key (viem signs locally with it).
const DEV_KEY_3: &str = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/// Dev account 4's key (cast signs with it).
const DEV_KEY_4: &str = "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";

/// Dev account 5's key (forge broadcasts with it).
const DEV_KEY_5: &str = "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

/// Installs the clients; `None` (with the reason printed) when a package cannot be installed.
fn install() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clients/install.sh");
    let out = Command::new("bash").arg(script).output().unwrap();
    if !out.status.success() {
        println!(
            "skipping the client suite: its packages cannot be installed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()))
}

/// Runs `program` with `args` in `dir` with the devnet's environment; its stdout, or a panic
/// with everything it printed.
async fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, String)]) -> String {
    let mut command = Command::new(program);
    command.current_dir(dir).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let label = format!("{program} {}", args.join(" "));
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{label} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The last line of `out` as JSON (scripts print their summary last).
fn summary(out: &str) -> Value {
    serde_json::from_str(out.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn shares(v: &Value) -> u128 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_client_stakes_in_a_pool_and_reads_its_shares_back() {
    let Some(clients) = install() else {
        return;
    };
    let node = DevNode::start(FAST_POOLS).unwrap();
    let mut operator = Wallet::new(DEV_KEY_0).unwrap();
    let pool = register_active_pool(&node, &mut operator, [0x71; 48])
        .await
        .unwrap();
    let env = vec![
        ("RPC_URL", node.url.clone()),
        ("POOL", pool.to_string()),
        ("KEY", format!("0x{DEV_KEY_3}")),
    ];

    // cast.
    let cast = tools_bin().unwrap().join("cast");
    let cast = cast.to_str().unwrap();
    let rpc = ["--rpc-url", node.url.as_str()];
    let key = format!("0x{DEV_KEY_4}");
    let me = Wallet::new(DEV_KEY_4).unwrap().address().to_string();
    let pool_s = pool.to_string();
    let mut args = vec!["send", &pool_s, "submit(address)", &me, "--value", "5ether"];
    args.extend(["--private-key", &key]);
    args.extend(rpc);
    run(&clients, cast, &args, &[]).await;
    let mut args = vec!["call", &pool_s, "balanceOf(address)(uint256)", &me];
    args.extend(rpc);
    let out = run(&clients, cast, &args, &[]).await;
    let cast_shares: u128 = out.split_whitespace().next().unwrap().parse().unwrap();
    assert!(cast_shares > 0, "{out}");
    let mut args = vec!["logs", "--address", &pool_s, "--from-block", "0", "--json"];
    args.extend(rpc);
    let logs: Value = serde_json::from_str(&run(&clients, cast, &args, &[]).await).unwrap();
    assert!(!logs.as_array().unwrap().is_empty());
    let mut args = vec!["access-list", &pool_s, "balanceOf(address)", &me, "--json"];
    args.extend(rpc);
    let list: Value = serde_json::from_str(&run(&clients, cast, &args, &[]).await).unwrap();
    assert!(
        list.get("gas_used").or(list.get("gasUsed")).is_some(),
        "{list}"
    );
    let mut args = vec!["proof", &me];
    args.extend(rpc);
    let proof: Value = serde_json::from_str(&run(&clients, cast, &args, &[]).await).unwrap();
    assert!(!proof["accountProof"].as_array().unwrap().is_empty());
    // cast run replays a transaction locally over the node's state at its parent block.
    let mut args = vec![
        "send",
        "0x00000000000000000000000000000000000000c1",
        "--value",
        "1",
    ];
    args.extend(["--private-key", &key, "--json"]);
    args.extend(rpc);
    let sent: Value = serde_json::from_str(&run(&clients, cast, &args, &[]).await).unwrap();
    let hash = sent["transactionHash"].as_str().unwrap().to_owned();
    let mut args = vec!["run", &hash];
    args.extend(rpc);
    run(&clients, cast, &args, &[]).await;

    // ethers v6.
    let ethers = summary(&run(&clients, "node", &["ethers.mjs"], &env).await);
    assert_eq!(ethers["status"], json!(1), "{ethers}");
    assert_eq!(ethers["event"]["receiver"], ethers["account"], "{ethers}");
    assert!(shares(&ethers["shares"]) > 0);
    assert_eq!(ethers["event"]["shares"], ethers["shares"]);

    // web3.py.
    match std::fs::read_to_string(clients.join("python-unavailable")) {
        Ok(reason) => println!("skipping web3.py: {}", reason.trim()),
        Err(_) => {
            let python = clients.join("venv/bin/python");
            let out = run(&clients, python.to_str().unwrap(), &["web3py.py"], &env).await;
            let web3 = summary(&out);
            assert_eq!(web3["accounts"], json!(10), "{web3}");
            assert_eq!(web3["status"], json!(1), "{web3}");
            assert!(web3["logs"].as_u64().unwrap() >= 1, "{web3}");
            assert!(web3["blocks"].as_u64().unwrap() >= 1, "{web3}");
            assert!(shares(&web3["shares"]) > 0);
        }
    }

    // viem.
    let viem = summary(&run(&clients, "node", &["viem.mjs"], &env).await);
    assert_eq!(viem["status"], json!("success"), "{viem}");
    assert_eq!(viem["whaleStatus"], json!("success"), "{viem}");
    assert!(viem["mined"].as_u64().unwrap() >= 2, "{viem}");
    assert!(shares(&viem["shares"]) > 0 && shares(&viem["whaleShares"]) > 0);
    assert_eq!(viem["events"][0]["amount"], viem["shares"], "{viem}");
    assert!(shares(&viem["totalSupply"]) > shares(&viem["shares"]));

    // forge: a script deploying through the CREATE2 deployer and staking, then a fork test.
    let project = clients.join("forge-project");
    let forge = clients.join("node_modules/.bin/forge");
    let forge = forge.to_str().unwrap();
    let key5 = format!("0x{DEV_KEY_5}");
    let forge_env = [("POOL", pool.to_string()), ("KEY", key5.clone())];
    let url = node.url.as_str();
    let script = [
        "script",
        "script/Stake.s.sol:Stake",
        "--broadcast",
        "--use",
        "./solc",
    ];
    let mut args = script.to_vec();
    args.extend(["--rpc-url", url, "--gas-estimate-multiplier", "300"]);
    run(&project, forge, &args, &forge_env).await;
    let staker_owner = Wallet::new(DEV_KEY_5).unwrap().address().to_string();
    let mut args = vec![
        "call",
        &pool_s,
        "balanceOf(address)(uint256)",
        &staker_owner,
    ];
    args.extend(rpc);
    let out = run(&clients, cast, &args, &[]).await;
    let forge_shares: u128 = out.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(forge_shares, 7 * ONE_BERA, "{out}");
    let args = ["test", "--fork-url", url, "--use", "./solc"];
    let out = run(&project, forge, &args, &forge_env).await;
    assert!(out.contains("1 passed"), "{out}");

    // hardhat with its network helpers.
    let project = clients.join("hardhat-project");
    let hardhat = project.join("node_modules/.bin/hardhat");
    let out = run(
        &project,
        hardhat.to_str().unwrap(),
        &["test", "--network", "berapool"],
        &env,
    )
    .await;
    assert!(out.contains("3 passing"), "{out}");
    let staked = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("SHARES "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(staked.parse::<u128>().unwrap() > 0);
}
