//! Black-box tests that start the real `berapool-node` binary and talk JSON-RPC to it.
//! Empty until the binary serves JSON-RPC (see the issue tracker).
