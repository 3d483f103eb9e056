//! An HTTP layer that tells an observer how long each JSON-RPC request took, so the node's
//! metrics can keep a latency histogram without this crate knowing about them.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use jsonrpsee::server::{HttpRequest, HttpResponse};

/// Told the duration of every JSON-RPC HTTP request.
pub trait RequestObserver: Send + Sync + 'static {
    /// One request took `elapsed`.
    fn observe(&self, elapsed: Duration);
}

/// The layer that times requests into a [`RequestObserver`].
#[derive(Clone)]
pub struct TimingLayer(Arc<dyn RequestObserver>);

impl TimingLayer {
    /// Times requests into `observer`.
    pub fn new(observer: Arc<dyn RequestObserver>) -> Self {
        Self(observer)
    }
}

impl std::fmt::Debug for TimingLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimingLayer").finish_non_exhaustive()
    }
}

impl<S> tower::Layer<S> for TimingLayer {
    type Service = Timing<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timing {
            inner,
            observer: self.0.clone(),
        }
    }
}

/// See [`TimingLayer`].
#[derive(Clone)]
pub struct Timing<S> {
    inner: S,
    observer: Arc<dyn RequestObserver>,
}

impl<S> std::fmt::Debug for Timing<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timing").finish_non_exhaustive()
    }
}

impl<S, B> tower::Service<HttpRequest<B>> for Timing<S>
where
    S: tower::Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let start = Instant::now();
        let observer = self.observer.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            observer.observe(start.elapsed());
            result
        })
    }
}
