//! Why a live source failed, and what the user or the deployer should change.

use std::fmt;

use crate::core::source::SourceError;
use crate::core::text::{clip, clip_to};

/// A live source's settings were refused, or one of its requests failed. Each Display
/// message names the server and says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// A setting is out of range (before any request).
    Setting {
        /// The setting, as the form labels it.
        field: &'static str,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// The request never got an answer: the server is down, the name does not resolve,
    /// or the browser refused a cross-origin answer (it does not say which).
    Unreachable {
        /// The server asked.
        server: String,
        /// Whether the server is on another origin than the page.
        cross_origin: bool,
    },
    /// The page's Content-Security-Policy forbids connecting to the server.
    Blocked {
        /// The server asked.
        server: String,
    },
    /// No answer within the time allowed.
    Timeout {
        /// The server asked.
        server: String,
        /// Time allowed, ms.
        after_ms: i64,
    },
    /// An HTTP error status with no Prometheus error in the body.
    Http {
        /// The server asked.
        server: String,
        /// Status code.
        status: u16,
        /// Start of the body (clipped), if any.
        body: String,
    },
    /// The server (or the proxy in front of it) wants credentials (HTTP 401 or 403).
    Unauthorized {
        /// The server asked.
        server: String,
        /// 401 or 403.
        status: u16,
        /// Whether the request carried credentials (they were refused) or none.
        sent: bool,
    },
    /// The server answered, but not with a response this source can read (a Prometheus
    /// error, a proxy's HTML page, a bad field).
    Response {
        /// The server asked.
        server: String,
        /// The reader's complaint.
        error: SourceError,
    },
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Setting { field, message } => write!(f, "{field}: {message}"),
            LiveError::Unreachable {
                server,
                cross_origin: true,
            } => write!(
                f,
                "no answer from {}: the server is down or unreachable, or it refused this \
                 page's origin (CORS). Check the address; on the server allow this origin \
                 (Prometheus: --web.cors.origin), or serve Prometheus under this page's \
                 origin through a reverse proxy and use its path",
                clip(server)
            ),
            LiveError::Unreachable { server, .. } => write!(
                f,
                "no answer from {}: the server or the proxy in front of it is down or \
                 unreachable. Check the address and that the server runs",
                clip(server)
            ),
            LiveError::Blocked { server } => write!(
                f,
                "this page may not connect to {}: its Content-Security-Policy allows only \
                 its own origin. The deployer adds the server to connect-src in index.html \
                 (see the README, \"Live sources\"), or serves it under this origin",
                clip(server)
            ),
            LiveError::Timeout { server, after_ms } => write!(
                f,
                "{} did not answer within {} s; the query may be too heavy (fewer series, a \
                 longer step) or the server overloaded. Retrying",
                clip(server),
                after_ms / 1000
            ),
            LiveError::Http {
                server,
                status,
                body,
            } => {
                let hint = match status {
                    401 | 403 => {
                        "; it wants credentials: put a proxy on this page's origin in front of \
                         it that adds them"
                    }
                    404 => {
                        "; check the address (for Prometheus, the base URL: the part before /api/…)"
                    }
                    429 | 503 => "; the server is busy, retrying",
                    502 | 504 => {
                        "; the proxy in front of the server could not reach it: check that the \
                         server runs and the proxy's upstream address, retrying"
                    }
                    _ => "",
                };
                write!(f, "{} answered HTTP {status}{hint}", clip(server))?;
                if !body.is_empty() {
                    write!(f, ": {}", clip_to(body, 200))?;
                }
                Ok(())
            }
            LiveError::Unauthorized {
                server,
                status,
                sent: false,
            } => write!(
                f,
                "{} answered HTTP {status}: it wants credentials. Open Sign-in and give a \
                 token or a user and password",
                clip(server)
            ),
            LiveError::Unauthorized { server, status, .. } => write!(
                f,
                "{} answered HTTP {status}: it refused the credentials given. Check them \
                 under Sign-in (a token may have expired)",
                clip(server)
            ),
            LiveError::Response { server, error } => write!(f, "{}: {error}", clip(server)),
        }
    }
}

impl std::error::Error for LiveError {}

impl LiveError {
    /// An HTTP error status from `server`: 401 and 403 ask for credentials, the rest are
    /// [`LiveError::Http`] with the start of the body.
    pub fn http(server: String, status: u16, body: String) -> LiveError {
        match status {
            401 | 403 => LiveError::Unauthorized {
                server,
                status,
                sent: false,
            },
            _ => LiveError::Http {
                server,
                status,
                body,
            },
        }
    }

    /// This error, knowing whether the request carried credentials (a 401 then means they
    /// were refused, not missing).
    pub fn with_credentials_sent(self, sent: bool) -> LiveError {
        match self {
            LiveError::Unauthorized { server, status, .. } => LiveError::Unauthorized {
                server,
                status,
                sent,
            },
            e => e,
        }
    }

    /// Whether retrying later may help (the settings and the query are not at fault).
    pub fn is_transient(&self) -> bool {
        match self {
            LiveError::Unreachable { .. } | LiveError::Timeout { .. } => true,
            LiveError::Http { status, .. } => *status >= 500 || *status == 429,
            LiveError::Setting { .. }
            | LiveError::Blocked { .. }
            | LiveError::Unauthorized { .. } => false,
            LiveError::Response { error, .. } => !matches!(
                error,
                SourceError::Prometheus { .. } | SourceError::Unsupported { .. }
            ),
        }
    }

    /// A short kind for the page (`data-kind`): `setting`, `unreachable`, `blocked`,
    /// `timeout`, `http`, `auth`, `prometheus`, `response`.
    pub fn kind(&self) -> &'static str {
        match self {
            LiveError::Setting { .. } => "setting",
            LiveError::Unreachable { .. } => "unreachable",
            LiveError::Blocked { .. } => "blocked",
            LiveError::Timeout { .. } => "timeout",
            LiveError::Http { .. } => "http",
            LiveError::Unauthorized { .. } => "auth",
            LiveError::Response {
                error: SourceError::Prometheus { .. },
                ..
            } => "prometheus",
            LiveError::Response { .. } => "response",
        }
    }
}
