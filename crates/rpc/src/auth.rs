//! The authentication of the Engine API port: a shared 32-byte secret and HS256 JSON web tokens
//! whose `iat` is within ±60 s of the node's clock (the execution-APIs rule every consensus
//! client follows).

use std::{
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use sha2::Sha256;

/// How far a token's `iat` may be from the node's clock, in seconds.
pub const IAT_WINDOW_SECS: u64 = 60;

/// Why the secret could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JwtSecretError {
    /// The file could not be read or written.
    #[error("JWT secret {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file does not hold 32 hex bytes.
    #[error("JWT secret {}: expected 64 hex characters (32 bytes), optionally 0x-prefixed", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
    },
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// Not a well-formed HS256 token.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The signature does not match the secret.
    #[error("invalid token signature")]
    BadSignature,
    /// `iat` is too far from now.
    #[error("token issued at {iat}, more than {IAT_WINDOW_SECS} s from now ({now})")]
    Stale {
        /// The token's `iat`.
        iat: u64,
        /// The node's clock.
        now: u64,
    },
}

/// The shared secret of the Engine API.
#[derive(Clone)]
pub struct JwtSecret([u8; 32]);

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

/// Creates `path` readable and writable by its owner only (0600 on Unix) and writes `bytes`:
/// anyone who reads the secret can drive the Engine API.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

impl JwtSecret {
    /// A secret from its bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads the hex secret at `path`, or (if there is no file) generates one and writes it
    /// there, as reth does, so the consensus client can be pointed at the same file.
    pub fn load_or_generate(path: &Path) -> Result<Self, JwtSecretError> {
        let io = |source| JwtSecretError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(text.trim()).ok_or_else(|| JwtSecretError::Malformed {
                path: path.to_path_buf(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = Self(rand::random());
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                write_private(path, secret.to_hex().as_bytes()).map_err(io)?;
                tracing::info!(target: "berapool::rpc", path = %path.display(), "generated a JWT secret");
                Ok(secret)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Parses 64 hex characters (optionally `0x`-prefixed).
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.strip_prefix("0x").unwrap_or(text);
        let bytes = alloy_primitives::hex::decode(text).ok()?;
        bytes.try_into().ok().map(Self)
    }

    /// The secret as 64 hex characters.
    pub fn to_hex(&self) -> String {
        alloy_primitives::hex::encode(self.0)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; 32 bytes never fails.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// A token issued at `iat` (what a consensus client sends).
    pub fn encode(&self, iat: u64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"iat":{iat}}}"#));
        let signing_input = format!("{header}.{claims}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// Checks `token` at time `now`.
    pub fn validate(&self, token: &str, now: u64) -> Result<(), AuthError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Malformed("expected three dot-separated parts"));
        };
        let header: serde_json::Value = decode_json(header)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(AuthError::Malformed("alg must be HS256"));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| AuthError::Malformed("signature is not base64url"))?;
        let mut mac = self.mac();
        mac.update(&token.as_bytes()[..header_and_claims_len(token)]);
        mac.verify_slice(&signature)
            .map_err(|_| AuthError::BadSignature)?;
        let claims: serde_json::Value = decode_json(claims)?;
        let iat = claims
            .get("iat")
            .and_then(|v| v.as_u64())
            .ok_or(AuthError::Malformed("no numeric iat claim"))?;
        if iat.abs_diff(now) > IAT_WINDOW_SECS {
            return Err(AuthError::Stale { iat, now });
        }
        Ok(())
    }

    /// Checks the `Authorization` header of a request.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), AuthError> {
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AuthError::Missing)?;
        self.validate(token.trim(), berapool_primitives::unix_now())
    }
}

fn header_and_claims_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_json(part: &str) -> Result<serde_json::Value, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AuthError::Malformed("part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed("part is not JSON"))
}

/// The HTTP layer that refuses requests without a valid token (401 with the reason).
#[derive(Clone, Debug)]
pub struct JwtAuthLayer(Arc<JwtSecret>);

impl JwtAuthLayer {
    /// The layer checking tokens against `secret`.
    pub fn new(secret: JwtSecret) -> Self {
        Self(Arc::new(secret))
    }
}

impl<S> tower::Layer<S> for JwtAuthLayer {
    type Service = JwtAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtAuth {
            inner,
            secret: self.0.clone(),
        }
    }
}

/// See [`JwtAuthLayer`].
#[derive(Clone, Debug)]
pub struct JwtAuth<S> {
    inner: S,
    secret: Arc<JwtSecret>,
}

impl<S, B> tower::Service<HttpRequest<B>> for JwtAuth<S>
where
    S: tower::Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        match self.secret.authorize(request.headers()) {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(reason) => {
                tracing::debug!(target: "berapool::rpc", %reason, "Engine API request refused");
                let mut response = HttpResponse::new(HttpBody::from(reason.to_string()));
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                Box::pin(std::future::ready(Ok(response)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_within_the_window_pass_and_others_are_refused() {
        let secret = JwtSecret::new([7; 32]);
        let token = secret.encode(1_000);
        assert_eq!(secret.validate(&token, 1_000), Ok(()));
        assert_eq!(secret.validate(&token, 1_060), Ok(()));
        assert_eq!(secret.validate(&token, 940), Ok(()));
        assert_eq!(
            secret.validate(&token, 1_061),
            Err(AuthError::Stale {
                iat: 1_000,
                now: 1_061
            })
        );
        let other = JwtSecret::new([8; 32]);
        assert_eq!(other.validate(&token, 1_000), Err(AuthError::BadSignature));
        assert!(matches!(
            secret.validate("a.b", 1_000),
            Err(AuthError::Malformed(_))
        ));
        // A token whose claims were changed after signing.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"iat":5000}"#);
        parts[1] = &forged;
        assert_eq!(
            secret.validate(&parts.join("."), 5_000),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn the_secret_file_is_generated_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("jwt.hex");
        let first = JwtSecret::load_or_generate(&path).unwrap_or_else(|e| panic!("{e}"));
        let again = JwtSecret::load_or_generate(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.to_hex(), again.to_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .unwrap_or_else(|e| panic!("{e}"))
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "owner-only");
        }
        std::fs::write(&path, "nothex").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            JwtSecret::load_or_generate(&path),
            Err(JwtSecretError::Malformed { .. })
        ));
    }
}
