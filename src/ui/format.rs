//! Number formatting for tables and captions (presentation only).

use crate::core::text::group_digits;

/// An integer count with thousands separators: 10127 -> "10,127".
pub fn count(n: usize) -> String {
    group_digits(&n.to_string())
}

/// A figure for a table cell: integers exactly, others to a readable precision.
pub use crate::core::text::figure as value;

/// A span of seconds in the largest fitting unit: "3.2 d", "4.5 h", "12 min", "8.1 s".
pub fn duration(secs: f64) -> String {
    let a = secs.abs();
    if !a.is_finite() {
        value(secs)
    } else if a >= 86_400.0 {
        format!("{:.1} d", secs / 86_400.0)
    } else if a >= 3_600.0 {
        format!("{:.1} h", secs / 3_600.0)
    } else if a >= 60.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{} s", value(secs))
    }
}

/// A size in the unit that reads best: bytes, kB, MB or GB (decimal units, one decimal),
/// so a small file never reads "0.0 MB".
pub fn megabytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1_000 {
        format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" })
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// A throughput in the unit that reads best (see [`megabytes`]), "/s" appended.
pub fn rate(bytes: u64, secs: f64) -> String {
    let per_s = (bytes as f64 / secs.max(1e-6)).min(u64::MAX as f64) as u64;
    format!("{}/s", megabytes(per_s))
}
