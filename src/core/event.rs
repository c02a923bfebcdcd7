//! The one stream event type: everything that happens in a stream is an `Event` with a
//! stream timestamp. Sources make events; engines fold over them.
//!
//! Timestamps are `i64` milliseconds of stream time (for `H:MM:SS` data, milliseconds
//! since `0:00:00`; for ISO 8601 or epoch data, milliseconds since the Unix epoch). Integer
//! milliseconds keep replays bit-exact across native and wasm, where float seconds would
//! drift when summed or compared.
//!
//! Builds, codes and series are small integer ids into a catalog the source publishes
//! (for example [`crate::core::errors::ErrorStream`]'s `builds` and `codes`): an event is
//! `Copy` and 16–24 bytes, so a day of events replays without one allocation per event.

use serde::{Deserialize, Serialize};

/// One client error: at `t_ms`, a user on build `build` hit error code `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// Stream time in milliseconds.
    pub t_ms: i64,
    /// Build id: index into the source's list of build names.
    pub build: u32,
    /// Error-code id: index into the source's list of code labels.
    pub code: u32,
}

/// One observation of a metric series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricEvent {
    /// Stream time in milliseconds.
    pub t_ms: i64,
    /// Series id: index into the source's list of series names.
    pub series: u32,
    /// The observed value.
    pub value: f64,
}

/// Anything that happens in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A client error event (Errors workspace).
    Error(ErrorEvent),
    /// A metric observation (Monitor workspace).
    Metric(MetricEvent),
}

impl Event {
    /// The event's stream time in milliseconds.
    pub fn t_ms(&self) -> i64 {
        match self {
            Event::Error(e) => e.t_ms,
            Event::Metric(m) => m.t_ms,
        }
    }
}
