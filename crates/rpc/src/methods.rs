//! Which methods a server serves, and what a client hears when it calls another: namespace
//! selection (`--http.api`, `--ws.api`, as reth's) over the whole module, and geth's
//! "method not found" wording, which clients match on to fall back (ethers and web3.py read
//! `does not exist/is not available`).

use std::{collections::HashSet, future::Future, sync::Arc};

use jsonrpsee::{
    core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT},
    server::MethodResponse,
    types::{ErrorObject, Request},
    RpcModule,
};

/// A group of methods `--http.api` and `--ws.api` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// `eth_`.
    Eth,
    /// `net_`.
    Net,
    /// `web3_`.
    Web3,
    /// `txpool_`.
    Txpool,
    /// `debug_`.
    Debug,
    /// `trace_`.
    Trace,
    /// `personal_` (dev only).
    Personal,
    /// The dev methods: `anvil_`, `evm_`, `hardhat_` (dev only).
    Anvil,
}

impl Namespace {
    /// Every namespace, in the order the docs list them.
    pub const ALL: [Self; 8] = [
        Self::Eth,
        Self::Net,
        Self::Web3,
        Self::Txpool,
        Self::Debug,
        Self::Trace,
        Self::Personal,
        Self::Anvil,
    ];

    /// Its name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Eth => "eth",
            Self::Net => "net",
            Self::Web3 => "web3",
            Self::Txpool => "txpool",
            Self::Debug => "debug",
            Self::Trace => "trace",
            Self::Personal => "personal",
            Self::Anvil => "anvil",
        }
    }

    /// The namespace of `method`.
    pub fn of(method: &str) -> Option<Self> {
        let prefix = method.split('_').next()?;
        match prefix {
            "evm" | "hardhat" => Some(Self::Anvil),
            other => Self::ALL.into_iter().find(|ns| ns.name() == other),
        }
    }
}

/// A namespace list that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown API namespace `{0}`: expected a comma-separated list of eth, net, web3, txpool, debug, trace, personal, anvil")]
pub struct UnknownNamespace(pub String);

/// Parses `eth,net,web3` (case-insensitive, spaces ignored).
pub fn parse_namespaces(list: &str) -> Result<HashSet<Namespace>, UnknownNamespace> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            let lower = name.to_ascii_lowercase();
            Namespace::ALL
                .into_iter()
                .find(|ns| ns.name() == lower)
                .ok_or_else(|| UnknownNamespace(name.to_owned()))
        })
        .collect()
}

/// `module` with only the methods of `namespaces` (all of them for `None`).
pub(crate) fn select(
    module: &RpcModule<()>,
    namespaces: Option<&HashSet<Namespace>>,
) -> RpcModule<()> {
    let mut selected = module.clone();
    let Some(namespaces) = namespaces else {
        return selected;
    };
    let names: Vec<&'static str> = module.method_names().collect();
    for name in names {
        if !Namespace::of(name).is_some_and(|ns| namespaces.contains(&ns)) {
            selected.remove_method(name);
        }
    }
    selected
}

/// geth's answer to a method the node does not serve.
fn not_found(method: &str) -> ErrorObject<'static> {
    ErrorObject::owned(
        -32601,
        format!("the method {method} does not exist/is not available"),
        None::<()>,
    )
}

/// The RPC middleware that answers unknown methods as geth does, in calls and in batches.
#[derive(Clone, Debug)]
pub(crate) struct MethodNotFound<S> {
    service: S,
    methods: Arc<HashSet<&'static str>>,
}

impl<S> MethodNotFound<S> {
    /// Wraps `service`, which serves `methods`.
    pub(crate) fn new(service: S, methods: Arc<HashSet<&'static str>>) -> Self {
        Self { service, methods }
    }
}

impl<S> RpcServiceT for MethodNotFound<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let known = self.methods.contains(request.method_name());
        let service = self.service.clone();
        async move {
            if known {
                service.call(request).await
            } else {
                let error = not_found(request.method_name());
                MethodResponse::error(request.id, error)
            }
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let unknown = match entry {
                Ok(BatchEntry::Call(call)) if !self.methods.contains(call.method_name()) => {
                    Some((call.id.clone(), not_found(call.method_name())))
                }
                _ => None,
            };
            if let Some((id, error)) = unknown {
                *entry = Err(BatchEntryErr::new(id, error));
            }
        }
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.service.notification(notification)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_parse_and_classify_methods() {
        let ns = parse_namespaces("eth, Net,anvil").unwrap();
        assert_eq!(ns.len(), 3);
        assert!(ns.contains(&Namespace::Net));
        assert_eq!(
            parse_namespaces("eth,admin"),
            Err(UnknownNamespace("admin".into()))
        );
        assert_eq!(Namespace::of("evm_mine"), Some(Namespace::Anvil));
        assert_eq!(Namespace::of("hardhat_setBalance"), Some(Namespace::Anvil));
        assert_eq!(Namespace::of("debug_traceCall"), Some(Namespace::Debug));
        assert_eq!(Namespace::of("admin_peers"), None);
    }
}
