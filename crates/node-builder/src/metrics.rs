//! Prometheus metrics: chain height, transactions included, pool size and JSON-RPC latency,
//! served as text on `--metrics <addr>`.

use std::{
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use berapool_engine::ChainReader;
use berapool_http as http;
use berapool_rpc::RequestObserver;
use berapool_txpool::{PoolStatus, TxPool};
use tokio::sync::broadcast;

/// Upper bounds of the JSON-RPC latency histogram, in seconds.
pub const LATENCY_BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// The node's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    blocks: AtomicU64,
    transactions: AtomicU64,
    rpc_requests: AtomicU64,
    rpc_latency_micros: AtomicU64,
    rpc_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
}

impl Metrics {
    /// Records one JSON-RPC HTTP request that took `elapsed`.
    pub fn observe_rpc(&self, elapsed: Duration) {
        self.rpc_requests.fetch_add(1, Ordering::Relaxed);
        self.rpc_latency_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.rpc_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records a new head carrying `transactions`.
    pub fn observe_block(&self, transactions: u64) {
        self.blocks.fetch_add(1, Ordering::Relaxed);
        self.transactions.fetch_add(transactions, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, head: u64, pool: PoolStatus) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        metric(
            "berapool_head_block_number",
            "gauge",
            "Number of the head block.",
            head.to_string(),
        );
        metric(
            "berapool_blocks_total",
            "counter",
            "Blocks that became the head since start.",
            self.blocks.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "berapool_transactions_total",
            "counter",
            "Transactions included in blocks since start (rate() gives tx/s).",
            self.transactions.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "berapool_txpool_transactions",
            "gauge",
            "Transactions in the pool.",
            (pool.pending + pool.queued).to_string(),
        );
        metric(
            "berapool_txpool_queued",
            "gauge",
            "Pooled transactions behind a nonce gap (not executable yet).",
            pool.queued.to_string(),
        );
        let count = self.rpc_requests.load(Ordering::Relaxed);
        let name = "berapool_rpc_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} JSON-RPC HTTP request latency.\n# TYPE {name} histogram"
        );
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.rpc_buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let sum = self.rpc_latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}"
        );
        out
    }
}

/// Serves the metrics on `addr` and counts each new head's transactions; returns the address.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    chain: ChainReader,
    pool: Arc<TxPool>,
) -> std::io::Result<SocketAddr> {
    let mut heads = chain.subscribe_heads();
    let counter = metrics.clone();
    tokio::spawn(async move {
        loop {
            match heads.recv().await {
                Ok(head) if head.unwound => continue,
                Ok(head) => counter.observe_block(head.transactions as u64),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let handler: http::Handler = Arc::new(move |_path: &str| http::Response {
        status: 200,
        content_type: "text/plain; version=0.0.4",
        body: metrics.render(chain.head().number(), pool.status()),
    });
    http::serve(addr, handler).await
}

impl RequestObserver for Metrics {
    fn observe(&self, elapsed: Duration) {
        self.observe_rpc(elapsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_carries_every_metric_with_its_value() {
        let metrics = Metrics::default();
        metrics.observe_block(3);
        metrics.observe_block(2);
        metrics.observe_rpc(Duration::from_micros(700));
        metrics.observe_rpc(Duration::from_millis(30));
        let text = metrics.render(
            7,
            PoolStatus {
                pending: 3,
                queued: 1,
            },
        );
        for line in [
            "berapool_head_block_number 7",
            "berapool_blocks_total 2",
            "berapool_transactions_total 5",
            "berapool_txpool_transactions 4",
            "berapool_txpool_queued 1",
            "berapool_rpc_request_duration_seconds_bucket{le=\"0.0005\"} 0",
            "berapool_rpc_request_duration_seconds_bucket{le=\"0.001\"} 1",
            "berapool_rpc_request_duration_seconds_bucket{le=\"0.05\"} 2",
            "berapool_rpc_request_duration_seconds_count 2",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
