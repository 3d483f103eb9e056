//! The execution host: chain spec, block execution, embedded storage, state root, tx pool,
//! Engine API, JSON-RPC and the dev consensus layer. Not yet implemented (see the issue tracker).
