//! Stream timestamps of error events: `H:MM:SS`, ISO 8601, epoch seconds or milliseconds,
//! all to `i64` milliseconds. Hand-written: four small grammars, and the core must stay
//! free of date crates on the page (the parse runs once per row, so it avoids allocation).

use std::fmt;

use crate::core::calendar::{days_from_civil, days_in_month, Civil};

/// How a column writes its timestamps; detected from the first value, then enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeFormat {
    /// `H:MM:SS` (any number of hour digits, optional `.fff`): milliseconds since `0:00:00`.
    Clock,
    /// `2026-11-28T14:05:00Z`, `2026-11-28 14:05:00.250+01:00`, `2026-11-28`: epoch milliseconds.
    Iso8601,
    /// A number of seconds since the Unix epoch (decimals allowed).
    EpochSeconds,
    /// A number of milliseconds since the Unix epoch.
    EpochMillis,
}

/// Why a value is not a timestamp of the expected format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampError {
    /// The format the column was detected (or declared) to use.
    pub expected: TimeFormat,
    /// What is wrong, in words.
    pub reason: &'static str,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (the column holds {})",
            self.reason,
            self.expected.example()
        )
    }
}

impl std::error::Error for TimestampError {}

/// Epoch values at or above this magnitude are read as milliseconds: 1e11 seconds is the
/// year 5138, while 1e11 milliseconds is March 1973.
const MILLIS_FROM: f64 = 1e11;

impl TimeFormat {
    /// The format of one value, or None when it is no timestamp at all.
    pub fn detect(s: &str) -> Option<TimeFormat> {
        let s = s.trim();
        if parse_clock(s).is_ok() {
            return Some(TimeFormat::Clock);
        }
        if parse_iso(s).is_ok() {
            return Some(TimeFormat::Iso8601);
        }
        let v: f64 = s.parse().ok()?;
        if !v.is_finite() || s.contains(['e', 'E', 'i', 'I', 'n', 'N']) {
            return None;
        }
        Some(if v.abs() >= MILLIS_FROM {
            TimeFormat::EpochMillis
        } else {
            TimeFormat::EpochSeconds
        })
    }

    /// Parse one value in this format to stream milliseconds.
    pub fn parse_ms(self, s: &str) -> Result<i64, TimestampError> {
        let s = s.trim();
        let r = match self {
            TimeFormat::Clock => parse_clock(s),
            TimeFormat::Iso8601 => parse_iso(s),
            TimeFormat::EpochSeconds | TimeFormat::EpochMillis => parse_epoch(s, self),
        };
        r.map_err(|reason| TimestampError {
            expected: self,
            reason,
        })
    }

    /// An example of the format, for messages.
    pub fn example(self) -> &'static str {
        match self {
            TimeFormat::Clock => "H:MM:SS times like 0:59:00",
            TimeFormat::Iso8601 => "ISO 8601 times like 2026-11-28T14:05:00Z",
            TimeFormat::EpochSeconds => "epoch seconds like 1764338700",
            TimeFormat::EpochMillis => "epoch milliseconds like 1764338700000",
        }
    }
}

/// Detect and parse one value: the convenience form for single values.
pub fn parse_timestamp_ms(s: &str) -> Result<i64, TimestampError> {
    match TimeFormat::detect(s) {
        Some(f) => f.parse_ms(s),
        None => Err(TimestampError {
            expected: TimeFormat::Clock,
            reason: "not H:MM:SS, ISO 8601, epoch seconds or epoch milliseconds",
        }),
    }
}

/// Stream seconds as text: `H:MM:SS` for clock streams (under ten days), else ISO 8601 UTC.
pub fn format_stream_seconds(s: i64) -> String {
    if (0..864_000).contains(&s) {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}Z", Civil::from_epoch_seconds(s).date_time('T'))
    }
}

/// Parse exactly `n` ASCII digits.
fn digits(b: &[u8], n: usize) -> Option<i64> {
    if b.len() < n {
        return None;
    }
    let mut v = 0i64;
    for &c in &b[..n] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

/// `.fff...` after seconds: milliseconds (extra digits truncated) and bytes consumed.
fn fraction_ms(b: &[u8]) -> Result<(i64, usize), &'static str> {
    if b.first() != Some(&b'.') && b.first() != Some(&b',') {
        return Ok((0, 0));
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return Err("a decimal point with no digits after the seconds");
    }
    let mut ms = 0i64;
    for i in 0..3 {
        ms = ms * 10
            + b.get(1 + i)
                .filter(|c| i < n && c.is_ascii_digit())
                .map_or(0, |c| (c - b'0') as i64);
    }
    Ok((ms, 1 + n))
}

fn parse_clock(s: &str) -> Result<i64, &'static str> {
    let b = s.as_bytes();
    let h_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if h_len == 0 || h_len > 9 || b.get(h_len) != Some(&b':') {
        return Err("expected hours, then ':'");
    }
    let h = digits(b, h_len).ok_or("expected hours")?;
    let rest = &b[h_len + 1..];
    let m = digits(rest, 2).ok_or("expected two-digit minutes")?;
    if rest.get(2) != Some(&b':') {
        return Err("expected ':' after the minutes");
    }
    let sec = digits(&rest[3..], 2).ok_or("expected two-digit seconds")?;
    if m > 59 || sec > 59 {
        return Err("minutes and seconds must be below 60");
    }
    let (ms, used) = fraction_ms(&rest[5..])?;
    if 5 + used != rest.len() {
        return Err("unexpected text after the seconds");
    }
    Ok(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

fn parse_iso(s: &str) -> Result<i64, &'static str> {
    let b = s.as_bytes();
    let y = digits(b, 4).ok_or("expected a four-digit year")?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err("expected YYYY-MM-DD");
    }
    let mo = digits(&b[5..], 2).ok_or("expected a two-digit month")? as u32;
    let d = digits(&b[8..], 2).ok_or("expected a two-digit day")? as u32;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err("no such calendar date");
    }
    let day_ms = days_from_civil(y, mo, d) * 86_400_000;
    let rest = &b[10..];
    if rest.is_empty() {
        return Ok(day_ms);
    }
    if rest[0] != b'T' && rest[0] != b't' && rest[0] != b' ' {
        return Err("expected 'T' or a space between date and time");
    }
    let t = &rest[1..];
    let h = digits(t, 2).ok_or("expected two-digit hours")?;
    if t.get(2) != Some(&b':') {
        return Err("expected HH:MM");
    }
    let mi = digits(&t[3..], 2).ok_or("expected two-digit minutes")?;
    let mut i = 5;
    let mut sec = 0;
    let mut ms = 0;
    if t.get(5) == Some(&b':') {
        sec = digits(&t[6..], 2).ok_or("expected two-digit seconds")?;
        let (f, used) = fraction_ms(&t[8..])?;
        ms = f;
        i = 8 + used;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return Err("hour, minute or second out of range");
    }
    let offset_min = match &t[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), z @ ..] => {
            let oh = digits(z, 2).ok_or("expected a UTC offset like +01:00")?;
            let om = match &z[2..] {
                [] => 0,
                [b':', m @ ..] if m.len() == 2 => {
                    digits(m, 2).ok_or("expected a UTC offset like +01:00")?
                }
                m if m.len() == 2 => digits(m, 2).ok_or("expected a UTC offset like +01:00")?,
                _ => return Err("expected a UTC offset like +01:00"),
            };
            let off = oh * 60 + om;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err("unexpected text after the time"),
    };
    Ok(day_ms + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + ms)
}

fn parse_epoch(s: &str, unit: TimeFormat) -> Result<i64, &'static str> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+')
    {
        return Err("expected a number");
    }
    let v: f64 = s.parse().map_err(|_| "expected a number")?;
    let ms = if unit == TimeFormat::EpochMillis {
        v
    } else {
        v * 1000.0
    };
    // ±1e15 ms is ±31,000 years: anything larger is a wrong column, not a time.
    if !ms.is_finite() || ms.abs() >= 1e15 {
        return Err("the number is too large to be a time");
    }
    Ok(ms.floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_seconds_format_as_clocks_then_as_utc_dates() {
        assert_eq!(format_stream_seconds(0), "0:00:00");
        assert_eq!(format_stream_seconds(3_723), "1:02:03");
        // Ten days is where a clock stream ends and epoch seconds begin.
        assert_eq!(format_stream_seconds(863_999), "239:59:59");
        assert_eq!(format_stream_seconds(864_000), "1970-01-11T00:00:00Z");
        assert_eq!(format_stream_seconds(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_stream_seconds(-58_038_772), "1968-02-29T06:07:08Z");
        assert_eq!(format_stream_seconds(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}
