//! The README and the guides, run as written: every `sh` block of each file, in order, as one
//! bash script against a fresh devnet on the default ports, with the pinned `cast`
//! (`tests/e2e/tools/install.sh` installs it into a cache outside the checkout). A block that
//! only starts the devnet, and blocks that test or benchmark, are left to the harness. The
//! binary under test stands in for the checkout's: `cargo run --release -p berapool-node -- …`
//! runs it, `cargo build --release -p berapool-node` is already done, and
//! `target/release/berapool-node` is it. The devnet runs with shorter slots and feeder rounds
//! than its defaults, so the guides' waits take seconds. (`text` blocks are references, with
//! placeholders, and are not run.)

#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use berapool_e2e::{node_binary, DevNode};

/// The `sh` blocks of a markdown file, in order.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Whether the harness does this block's job itself: starting the devnet, testing,
/// benchmarking.
fn left_to_the_harness(block: &str) -> bool {
    block.trim() == "cargo run --release -p berapool-node -- node --dev"
        || ["cargo test", "cargo bench"]
            .iter()
            .any(|command| block.contains(command))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `file`'s blocks against a fresh devnet; panics with the script's output if it fails.
fn run_as_written(file: &str, tools: &str) {
    let markdown = std::fs::read_to_string(workspace_root().join(file)).unwrap();
    let blocks: Vec<String> = sh_blocks(&markdown)
        .into_iter()
        .filter(|b| !left_to_the_harness(b))
        .collect();
    assert!(!blocks.is_empty(), "{file} has no commands to run");
    let node = DevNode::start_on_default_ports(&[
        "--dev.slot-time",
        "200ms",
        "--dev.oracle",
        "true",
        "--dev.oracle-interval",
        "1s",
    ])
    .unwrap_or_else(|e| panic!("a devnet on the default ports for {file}: {e}"));
    let bin = node_binary().unwrap();
    let preamble = format!(
        r#"set -euo pipefail
export PATH="{tools}:$PATH"
# The binary under test stands in for the checkout's build.
cargo() {{
  case "$*" in
    "run --release -p berapool-node -- "*) shift 5; "{bin}" "$@" ;;
    "build --release -p berapool-node") ;;
    *) echo "the docs test does not run: cargo $*" >&2; return 1 ;;
  esac
}}
"#,
        bin = bin.display()
    );
    let script = preamble + &blocks.join("\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("target/release")).unwrap();
    std::os::unix::fs::symlink(&bin, dir.path().join("target/release/berapool-node")).unwrap();
    let path = dir.path().join("steps.sh");
    std::fs::write(&path, &script).unwrap();
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&path)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = started + Duration::from_secs(600);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{file} failed as written after {:.0} s ({}):\n--- script\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        started.elapsed().as_secs_f64(),
        out.status
    );
    println!(
        "{file}: {} blocks ran in {:.0} s",
        blocks.len(),
        started.elapsed().as_secs_f64()
    );
    drop(node);
}

/// Every file in one test: they use the same default ports, one devnet at a time.
#[test]
fn the_readme_and_the_guides_run_as_written() {
    let tools = berapool_e2e::tools_bin().unwrap().display().to_string();
    for file in [
        "README.md",
        "docs/user-guide.md",
        "docs/devnet.md",
        "docs/operator-guide.md",
    ] {
        run_as_written(file, &tools);
    }
}
