//! The `net_` and `web3_` namespaces: what a client asks about the node itself.

use alloy_primitives::{keccak256, Bytes, B256, U64};

use crate::api::{NetApiServer, RpcResult, Web3ApiServer};

/// `net_`: the chain id and the (absent) peers.
#[derive(Clone, Copy, Debug)]
pub struct NetApi {
    chain_id: u64,
}

impl NetApi {
    /// The methods of a node on chain `chain_id`.
    pub const fn new(chain_id: u64) -> Self {
        Self { chain_id }
    }
}

impl NetApiServer for NetApi {
    fn version(&self) -> RpcResult<String> {
        Ok(self.chain_id.to_string())
    }

    fn listening(&self) -> RpcResult<bool> {
        Ok(true)
    }

    fn peer_count(&self) -> RpcResult<U64> {
        Ok(U64::ZERO)
    }
}

/// `web3_`: the client's version and keccak-256.
#[derive(Clone, Copy, Debug, Default)]
pub struct Web3Api {
    dev: bool,
}

impl Web3Api {
    /// The methods of a devnet: its client version says it serves anvil's dev methods.
    pub const fn dev() -> Self {
        Self { dev: true }
    }
}

/// This node's `web3_clientVersion`.
pub fn client_version() -> String {
    format!("berapool/v{}", env!("CARGO_PKG_VERSION"))
}

/// A devnet's `web3_clientVersion`. Test frameworks decide from the client version whether a
/// node has the dev methods (hardhat's network helpers take only `HardhatNetwork…` and
/// `anvil…`, and then call the `anvil_` names), so a devnet, which serves anvil's methods,
/// names itself an anvil-compatible node first.
pub fn dev_client_version() -> String {
    format!("anvil/berapool-v{}", env!("CARGO_PKG_VERSION"))
}

impl Web3ApiServer for Web3Api {
    fn client_version(&self) -> RpcResult<String> {
        Ok(if self.dev {
            dev_client_version()
        } else {
            client_version()
        })
    }

    fn sha3(&self, data: Bytes) -> RpcResult<B256> {
        Ok(keccak256(data))
    }
}
