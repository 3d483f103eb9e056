//! HTTP for the node's read-only side services (Prometheus metrics, the beacon proof API) and
//! for the oracle feeder's beacon client, on hyper: GET only, one request per connection, no
//! TLS.
//!
//! The server is meant to face anyone who can reach its port, so every connection is bounded:
//! a capped number at once (more are closed on arrival), a deadline for the request head and
//! one for the whole exchange, a small head buffer, and a pause after a failed accept (running
//! out of file descriptors must not spin a core). Handlers run on the blocking pool, so a slow
//! one never holds up the runtime.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::{
    body::Incoming,
    header::{HeaderValue, ACCEPT, CONTENT_TYPE, HOST},
    server::conn::http1,
    service::service_fn,
    Method, Request, StatusCode, Uri,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};

/// Largest response body the client reads.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How long the server waits after a failed accept before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A response to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl Response {
    /// A JSON body.
    pub fn json(status: u16, body: String) -> Self {
        Self {
            status,
            content_type: "application/json",
            body,
        }
    }
}

/// Answers a request path (with its query) with a response.
pub type Handler = Arc<dyn Fn(&str) -> Response + Send + Sync>;

/// What one server lets its clients take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// Time for a client to send its request head.
    pub header_timeout: Duration,
    /// Time for the whole exchange, answer included (a client that does not read its answer
    /// is cut off).
    pub connection_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves GET requests on `addr` with `handler` within the default [`Limits`]; returns the
/// bound address.
pub async fn serve(addr: SocketAddr, handler: Handler) -> std::io::Result<SocketAddr> {
    serve_with(addr, handler, Limits::default()).await
}

/// [`serve`] within `limits`.
pub async fn serve_with(
    addr: SocketAddr,
    handler: Handler,
    limits: Limits,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(target: "berapool::http", %local, %error, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                tracing::debug!(target: "berapool::http", %local, "connection limit reached: closed");
                continue;
            };
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                let _permit = permit;
                let service = service_fn(move |request| answer(Arc::clone(&handler), request));
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .keep_alive(false)
                    .max_buf_size(16 * 1024)
                    .serve_connection(TokioIo::new(stream), service);
                match tokio::time::timeout(limits.connection_timeout, connection).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        tracing::debug!(target: "berapool::http", %error, "connection failed")
                    }
                    Err(_) => tracing::debug!(target: "berapool::http", "connection timed out"),
                }
            });
        }
    });
    Ok(local)
}

async fn answer(
    handler: Handler,
    request: Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let response = if request.method() != Method::GET {
        Response::json(405, r#"{"code":405,"message":"only GET"}"#.into())
    } else {
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        tokio::task::spawn_blocking(move || handler(&path))
            .await
            .unwrap_or_else(|_| {
                Response::json(500, r#"{"code":500,"message":"handler failed"}"#.into())
            })
    };
    let mut out = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    out.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(response.content_type),
    );
    Ok(out)
}

/// Why a GET failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Only `http://host:port/…` URLs are supported.
    #[error("unsupported URL `{0}` (expected http://host:port/path)")]
    Url(String),
    /// Connecting failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The exchange failed.
    #[error("{0}")]
    Http(#[from] hyper::Error),
    /// No answer in time.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The answer's body is larger than the client reads.
    #[error("response body larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

/// `GET url`: the status and the body.
pub async fn get(url: &str, timeout: Duration) -> Result<(u16, String), HttpError> {
    tokio::time::timeout(timeout, get_inner(url))
        .await
        .map_err(|_| HttpError::Timeout(timeout))?
}

async fn get_inner(url: &str) -> Result<(u16, String), HttpError> {
    let bad_url = || HttpError::Url(url.to_string());
    let uri: Uri = url.parse().map_err(|_| bad_url())?;
    if uri.scheme_str() != Some("http") {
        return Err(bad_url());
    }
    let authority = uri.authority().ok_or_else(bad_url)?.clone();
    let port = authority.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((authority.host(), port)).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::new(Empty::<Bytes>::new());
    *request.uri_mut() = path.parse().map_err(|_| bad_url())?;
    let host = HeaderValue::from_str(authority.as_str()).map_err(|_| bad_url())?;
    request.headers_mut().insert(HOST, host);
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|error| match error.downcast::<hyper::Error>() {
            Ok(error) => HttpError::Http(*error),
            Err(_) => HttpError::TooLarge,
        })?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn echo() -> Handler {
        Arc::new(|path| Response::json(200, format!("\"{path}\"")))
    }

    async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        String::from_utf8_lossy(&raw).into_owned()
    }

    #[tokio::test]
    async fn the_server_answers_gets_and_refuses_other_methods() {
        let addr = serve("127.0.0.1:0".parse().unwrap(), echo()).await.unwrap();
        let (status, body) = get(&format!("http://{addr}/a/b?c=1"), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!((status, body.as_str()), (200, "\"/a/b?c=1\""));
        let answer = raw_exchange(addr, b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
        let answer = raw_exchange(addr, b"garbage\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(matches!(
            get("https://example.com/", Duration::from_secs(1)).await,
            Err(HttpError::Url(_))
        ));
    }

    #[tokio::test]
    async fn idle_and_excess_connections_do_not_lock_clients_out() {
        let limits = Limits {
            max_connections: 4,
            header_timeout: Duration::from_millis(300),
            connection_timeout: Duration::from_secs(2),
        };
        let addr = serve_with("127.0.0.1:0".parse().unwrap(), echo(), limits)
            .await
            .unwrap();
        // Twice the cap of sockets that never send a byte: the excess is closed at once, the
        // rest when their head is late.
        let mut idle = Vec::new();
        for _ in 0..8 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(800)).await;
        let (status, _) = get(&format!("http://{addr}/after"), Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(status, 200);
        for mut stream in idle {
            let mut buf = [0u8; 64];
            // Closed by the server: end of stream (or a reset), never a hang.
            let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
            assert!(matches!(read, Ok(Ok(_)) | Ok(Err(_))), "{read:?}");
        }
    }
}
