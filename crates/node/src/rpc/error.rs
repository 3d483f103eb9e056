//! JSON-RPC errors with the codes Ethereum clients use.

use alloy_primitives::Bytes;
use jsonrpsee::types::ErrorObjectOwned;

/// An error a method returns.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The parameters are not what the method takes.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The call reverted (code 3, with the revert data).
    #[error("execution reverted")]
    Reverted(Bytes),
    /// The request is understood but cannot be served (unknown block, historical state, limits).
    #[error("{0}")]
    Server(String),
    /// Something inside the node failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RpcError {
    pub(crate) fn server(message: impl ToString) -> Self {
        Self::Server(message.to_string())
    }

    pub(crate) fn internal(error: impl ToString) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(error: RpcError) -> Self {
        let message = error.to_string();
        match error {
            RpcError::InvalidParams(_) => ErrorObjectOwned::owned(-32602, message, None::<()>),
            RpcError::Reverted(data) => ErrorObjectOwned::owned(3, message, Some(data)),
            RpcError::Server(_) => ErrorObjectOwned::owned(-32000, message, None::<()>),
            RpcError::Internal(_) => ErrorObjectOwned::owned(-32603, message, None::<()>),
        }
    }
}

impl From<crate::StorageError> for RpcError {
    fn from(error: crate::StorageError) -> Self {
        Self::internal(error)
    }
}

impl From<crate::txpool::PoolError> for RpcError {
    fn from(error: crate::txpool::PoolError) -> Self {
        Self::server(error)
    }
}
