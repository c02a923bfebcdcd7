//! Reading one cell's bytes as a missing marker, number, boolean or date-time.
//!
//! These run once per cell on the hot path, so they work on the field bytes and never
//! allocate.

use crate::core::time::TimeFormat;

/// Strips ASCII whitespace at both ends (cells like ` 12` in hand-made files).
#[inline]
pub fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

/// Whether a cell is a missing marker: empty, NA, N/A, null or NaN (trimmed, any case).
#[inline]
pub fn is_missing(cell: &[u8]) -> bool {
    let b = trim(cell);
    match b.len() {
        0 => true,
        2 => b.eq_ignore_ascii_case(b"na"),
        3 => b.eq_ignore_ascii_case(b"n/a") || b.eq_ignore_ascii_case(b"nan"),
        4 => b.eq_ignore_ascii_case(b"null"),
        _ => false,
    }
}

/// Parses a finite decimal number (integers, decimals, exponents). Rejects inf, infinity
/// and nan, which std's parser would accept.
#[inline]
pub fn parse_number(cell: &[u8]) -> Option<f64> {
    let b = trim(cell);
    // The cheap check: a number starts with a digit, or a sign or point then a digit/point.
    // This also rules out "inf"/"nan" spellings before the full parse runs.
    let first = *b.first()?;
    let lead = if first == b'+' || first == b'-' {
        *b.get(1)?
    } else {
        first
    };
    if !(lead.is_ascii_digit() || lead == b'.') {
        return None;
    }
    // A sign followed by "inf" was excluded above; an all-ASCII slice is valid UTF-8.
    let s = std::str::from_utf8(b).ok()?;
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Whether a cell spells a number no f64 holds: `inf`, `infinity` (any case, signed) or a
/// decimal out of range such as `1e400`. Such a cell is a number that cannot be used: its
/// column stays numeric and the cell is counted as invalid, never turning the column into
/// text (one rule for every reader of numbers).
pub fn is_non_finite_number(cell: &[u8]) -> bool {
    let b = trim(cell);
    let unsigned = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    if unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity") {
        return true;
    }
    let lead = unsigned.first().copied().unwrap_or(b'x');
    (lead.is_ascii_digit() || lead == b'.')
        && std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(f64::is_infinite)
}

/// Exact powers of ten an f64 holds without rounding.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a plain decimal `[-+]digits[.digits]` exactly, or None for anything else
/// (exponents, whitespace, more than 19 digits, ...), which [`parse_number`] then handles.
///
/// Hand-written (Clinger's fast path): when the digits form an integer m <= 2^53 with
/// k <= 22 fraction digits, the value is exactly m / 10^k and one IEEE division rounds it
/// correctly, so the result equals std's. It skips std's general machinery, which was the
/// largest single cost of ingesting numeric columns.
#[inline]
pub fn fast_decimal(b: &[u8]) -> Option<f64> {
    let n = b.len();
    let (neg, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let start = i;
    let mut m: u64 = 0;
    // Wrapping arithmetic: more than 19 digits is rejected below before `m` is used.
    while i < n {
        let d = b[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        m = m.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
    }
    let mut digits = i - start;
    let mut frac = 0;
    if i < n && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < n {
            let d = b[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            m = m.wrapping_mul(10).wrapping_add(d as u64);
            i += 1;
        }
        frac = i - frac_start;
        digits += frac;
    }
    if i != n || digits == 0 || digits > 19 || m > (1u64 << 53) || frac > 22 {
        return None;
    }
    // Integers skip the division, whose latency showed in profiles.
    let v = if frac == 0 {
        m as f64
    } else {
        m as f64 / POW10[frac]
    };
    Some(if neg { -v } else { v })
}

/// [`parse_number`] for text already known to be UTF-8, trying [`fast_decimal`] first.
#[inline]
pub fn parse_number_str(cell: &str) -> Option<f64> {
    fast_decimal(cell.as_bytes()).or_else(|| parse_number(cell.as_bytes()))
}

/// Parses true/false, yes/no, t/f, y/n and 1/0 (any case).
#[inline]
pub fn parse_bool(cell: &[u8]) -> Option<bool> {
    let b = trim(cell);
    if b.len() > 5 {
        return None;
    }
    let mut low = [0u8; 5];
    for (d, s) in low.iter_mut().zip(b) {
        *d = s.to_ascii_lowercase();
    }
    match &low[..b.len()] {
        b"true" | b"yes" | b"t" | b"y" | b"1" => Some(true),
        b"false" | b"no" | b"f" | b"n" | b"0" => Some(false),
        _ => None,
    }
}

/// Whether a cell is one of the boolean words (not 0/1), for inference: a column of
/// only 0 and 1 stays numeric.
#[inline]
pub fn is_bool_word(cell: &[u8]) -> bool {
    let b = trim(cell);
    parse_bool(b).is_some() && b != b"0" && b != b"1"
}

/// Reads an ISO 8601 date or date-time (`YYYY-MM-DD`, `YYYY/MM/DD`, then optionally `T` or
/// a space, `HH:MM[:SS[.fff]]`, and `Z` or `±HH[:MM]`) as seconds since the Unix epoch,
/// UTC, to the millisecond: the calendar grammar of [`crate::core::time`], which every
/// workspace reads times with. `H:MM:SS` durations and epoch numbers do not match (they
/// stay text and numbers in a profile).
#[inline]
pub fn parse_datetime(cell: &[u8]) -> Option<f64> {
    TimeFormat::Iso8601
        .parse_bytes(cell)
        .ok()
        .map(|ms| ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_markers_trimmed_any_case() {
        for m in [
            "", " ", "NA", "na", "N/A", "n/a", "null", "NULL", " NaN ", "nan",
        ] {
            assert!(is_missing(m.as_bytes()), "{m:?}");
        }
        for v in ["0", "N", "none", "NAN1", "-", "nul"] {
            assert!(!is_missing(v.as_bytes()), "{v:?}");
        }
    }

    #[test]
    fn numbers_finite_only() {
        assert_eq!(parse_number(b"12"), Some(12.0));
        assert_eq!(parse_number(b" -3.5 "), Some(-3.5));
        assert_eq!(parse_number(b"9.34E-05"), Some(9.34e-5));
        assert_eq!(parse_number(b".5"), Some(0.5));
        assert_eq!(parse_number(b"+7"), Some(7.0));
        for bad in [
            "inf",
            "-inf",
            "+infinity",
            "Infinity",
            "NaN",
            "1,234",
            "$5",
            "1e999",
            "",
            "-",
            "5.0007.510.011",
            "0:00:00",
        ] {
            assert_eq!(parse_number(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn fast_path_matches_std() {
        let mut x: u64 = 88172645463325252;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 18) as usize + 1;
            let point = (x >> 8) as usize % (digits + 1);
            let mut s = String::new();
            if x >> 60 & 1 == 1 {
                s.push('-');
            }
            let mut y = x >> 5;
            for d in 0..digits {
                if d == point && d > 0 {
                    s.push('.');
                }
                s.push((b'0' + (y % 10) as u8) as char);
                y /= 10;
            }
            let want: f64 = s.parse().unwrap();
            assert_eq!(
                parse_number_str(&s).map(f64::to_bits),
                Some(want.to_bits()),
                "{s}"
            );
        }
        // The common shapes must take the fast path itself, not only end up right.
        for s in [
            "0",
            "-7",
            "+12",
            "28.0",
            "27860.11",
            "0.3441",
            "12345678.87654321",
            "123456789.5",
            ".25",
        ] {
            let want: f64 = s.parse().unwrap();
            assert_eq!(
                fast_decimal(s.as_bytes()).map(f64::to_bits),
                Some(want.to_bits()),
                "{s}"
            );
        }
        for s in [
            "1e5",
            " 7 ",
            "0.1",
            "123456789012345678901234",
            ".5",
            "5.",
            "-0",
            "1.2.3",
            "-",
            "",
            "+inf",
            "12a",
            ".",
            "+.",
            "-.5",
            "12345678",
            "123456789",
            "12345678.12345678",
            "1.123456789",
            "99999999.9",
            "9007199254740993",
            "9007199254740992",
            "1234567.8x",
            "1/2",
            "12:5",
            "0.0000001",
            "00000000.1",
        ] {
            assert_eq!(
                parse_number_str(s).map(f64::to_bits),
                parse_number(s.as_bytes()).map(f64::to_bits),
                "{s:?}"
            );
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"no"), Some(false));
        assert_eq!(parse_bool(b" Y"), Some(true));
        assert_eq!(parse_bool(b"maybe"), None);
        assert!(is_bool_word(b"F"));
        assert!(!is_bool_word(b"1"));
    }

    #[test]
    fn datetimes_to_epoch_seconds() {
        assert_eq!(parse_datetime(b"1970-01-01"), Some(0.0));
        assert_eq!(parse_datetime(b"2000-03-01"), Some(951_868_800.0));
        assert_eq!(parse_datetime(b"2000/03/01"), Some(951_868_800.0));
        assert_eq!(
            parse_datetime(b"2024-02-29T12:30:15Z"),
            Some(1_709_209_815.0)
        );
        assert_eq!(
            parse_datetime(b"2024-02-29 12:30:15"),
            Some(1_709_209_815.0)
        );
        assert_eq!(parse_datetime(b"2024-02-29T12:30"), Some(1_709_209_800.0));
        assert_eq!(
            parse_datetime(b"2024-02-29T14:30:15+02:00"),
            Some(1_709_209_815.0)
        );
        assert_eq!(
            parse_datetime(b"2024-02-29T07:30:15-0500"),
            Some(1_709_209_815.0)
        );
        assert_eq!(
            parse_datetime(b"2024-02-29T12:30:15.25Z"),
            Some(1_709_209_815.25)
        );
        assert_eq!(parse_datetime(b"1969-12-31T23:59:59Z"), Some(-1.0));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "0:00:00",
            "1:00:00",
            "2024-01-01T25:00",
            "2024-01-01X",
            "2024-01-01T10:00:00Q",
            "20240101",
        ] {
            assert_eq!(parse_datetime(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
