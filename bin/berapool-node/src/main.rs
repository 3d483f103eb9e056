//! `berapool-node`: the command-line entry point. The node itself is not wired yet; the binary
//! only reports its version so the workspace builds end to end.

fn main() {
    println!("berapool-node {}", env!("CARGO_PKG_VERSION"));
}
