//! Live sources: metrics polled from a server while the stream runs.
//!
//! The core has no network: it plans what to ask for (the URLs of each request, split to
//! fit the server's limits), reads what came back into [`Event`]s (new samples only, each
//! series with a stable id), and says what a failure means and what to change
//! ([`LiveError`]). The page does the fetching, so the same logic runs in native tests.
//!
//! - [`prometheus`]: the Prometheus HTTP API (`/api/v1/query_range`), which Mimir, Thanos
//!   and VictoriaMetrics speak too.
//! - [`Credentials`]: a token or a user and password for a server that wants them.
//! - [`events`]: a feed of error events as NDJSON lines polled from a URL (Errors
//!   workspace).
//! - [`Backoff`]: how long to wait before retrying a failed request.

pub mod events;
pub mod prometheus;

mod backoff;
mod credentials;
mod error;

pub use backoff::Backoff;
pub use credentials::Credentials;
pub use error::LiveError;
pub use prometheus::{Answer, PromSource, PromSourceBuilder, RangeRequest, SeriesBook};
