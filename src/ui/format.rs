//! Number formatting for tables and captions (presentation only).

use crate::core::text::group_digits;

/// An integer count with thousands separators: 10127 -> "10,127".
pub fn count(n: usize) -> String {
    group_digits(&n.to_string())
}

/// A figure for a table cell: integers exactly, others to a readable precision.
pub fn value(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "–".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    let a = x.abs();
    if x.fract() == 0.0 && a < 1e15 {
        return group_digits(&format!("{x:.0}"));
    }
    if a >= 1e15 || (a < 1e-4 && a > 0.0) {
        return format!("{x:.3e}");
    }
    let decimals = if a >= 1000.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        // Four significant digits below one.
        (4 - (a.log10().floor() as i32) - 1).clamp(1, 8) as usize
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    group_digits(&s)
}

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
