//! Time in one place, so every workspace reads the same formats the same way: the one
//! timestamp parser ([`parse`]: clock times, ISO 8601, epoch numbers), the one set of
//! formatters ([`format`]), calendar arithmetic ([`calendar`]) and time columns whose
//! format is set by their first cell ([`column`]), and the time ranges of shareable links
//! ([`range`]).
//!
//! The profile's datetime typing, the Errors reader's timestamp column, the Monitor's
//! replay time column and the command-line tool all read through [`TimeFormat`]; charts,
//! pages, notes and exports write through [`format`]. `tests/time.rs` holds them to it.

pub mod calendar;
pub mod column;
pub mod duration;
pub mod format;
pub mod parse;
pub mod range;

pub use calendar::Civil;
pub use column::{whole_ms, TimeCells};
pub use duration::Duration;
pub use format::{
    format_clock, format_date_ms, format_epoch_seconds, format_iso_seconds, format_rfc3339_ms,
    format_short_clock, format_stream_ms, format_stream_seconds,
};
pub use parse::{parse_timestamp_ms, TimeErrorKind, TimeFormat, TimestampError, MAX_MS};
