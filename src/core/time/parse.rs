//! The one timestamp parser: `H:MM:SS` clock times, ISO 8601 dates and date-times, and
//! epoch numbers in seconds, milliseconds, microseconds or nanoseconds, all to `i64`
//! milliseconds since the Unix epoch (a clock time counts from `0:00:00`, so it reads as
//! milliseconds since the stream's start).
//!
//! Rules shared by every reader:
//! - Cells are trimmed of white space at both ends.
//! - ISO 8601: `YYYY-MM-DD` or `YYYY/MM/DD`, then optionally `T`, `t` or a space and
//!   `HH:MM[:SS[.fff…]]` (`,` also marks the fraction; second 60 is a leap second), then
//!   optionally `Z`, `z` or a UTC offset `±HH`, `±HHMM` or `±HH:MM` (hours to 23, minutes
//!   to 59). Without a zone the time is UTC.
//! - Clock: `H:MM:SS[.fff…]`, one to nine hour digits.
//! - Epoch: `[±]digits[.digits]` (no exponent). The unit is told from the first value of a
//!   column by its size: below 1e11 seconds, below 1e14 milliseconds, below 1e17
//!   microseconds, else nanoseconds (each range starts in 1973 and ends in the year 5138).
//! - Digits below the millisecond are dropped: the instant is rounded towards the past,
//!   exactly (no floating point), so `…05.9999` is still second 5.
//!
//! Hand-written: four small grammars over bytes, one pass and no allocation (the parse runs
//! once per cell), and the core stays free of date crates on the page.

use std::fmt;

use super::calendar::{days_from_civil, days_in_month};

/// Largest |ms| an instant may have: JavaScript's date range, so every time can be shown
/// on the page.
pub const MAX_MS: i64 = 8_640_000_000_000_000;

/// How a column writes its timestamps; detected from the first value, then enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeFormat {
    /// `H:MM:SS` (any number of hour digits, optional `.fff`): milliseconds since `0:00:00`.
    Clock,
    /// `2026-11-28T14:05:00Z`, `2026-11-28 14:05:00.250+01:00`, `2026/11/28`: epoch ms.
    Iso8601,
    /// A number of seconds since the Unix epoch (decimals allowed).
    EpochSeconds,
    /// A number of milliseconds since the Unix epoch.
    EpochMillis,
    /// A number of microseconds since the Unix epoch.
    EpochMicros,
    /// A number of nanoseconds since the Unix epoch.
    EpochNanos,
}

/// What is wrong with a value that should be a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeErrorKind {
    /// The value is in none of the formats.
    NoFormat,
    /// A clock time does not start with hours and `:`.
    ExpectedHours,
    /// Two-digit minutes are missing.
    ExpectedMinutes,
    /// The `:` after the minutes is missing.
    ExpectedColonAfterMinutes,
    /// Two-digit seconds are missing.
    ExpectedSeconds,
    /// Minutes or seconds of a clock time are 60 or more.
    ClockOutOfRange,
    /// A decimal point or comma with no digits after it.
    EmptyFraction,
    /// Text follows the seconds of a clock time.
    TextAfterSeconds,
    /// The four-digit year is missing.
    ExpectedYear,
    /// The date is not `YYYY-MM-DD` or `YYYY/MM/DD`.
    ExpectedDate,
    /// The two-digit month is missing.
    ExpectedMonth,
    /// The two-digit day is missing.
    ExpectedDay,
    /// The month or day does not exist.
    NoSuchDate,
    /// Something other than `T` or a space follows the date.
    ExpectedTimeSeparator,
    /// Two-digit hours are missing after the date.
    ExpectedTwoDigitHours,
    /// The time is not `HH:MM`.
    ExpectedHoursMinutes,
    /// Hour, minute or second of a date-time is out of range.
    TimeOutOfRange,
    /// The UTC offset is not `±HH`, `±HHMM` or `±HH:MM` within range.
    BadOffset,
    /// Text follows the time.
    TextAfterTime,
    /// An epoch value is not a plain decimal number.
    ExpectedNumber,
    /// An epoch value beyond the range of dates the page can show.
    TooLarge,
}

impl TimeErrorKind {
    /// The reason in words.
    pub fn reason(self) -> &'static str {
        match self {
            TimeErrorKind::NoFormat => {
                "not H:MM:SS, ISO 8601, or epoch seconds, milliseconds, microseconds or nanoseconds"
            }
            TimeErrorKind::ExpectedHours => "expected hours, then ':'",
            TimeErrorKind::ExpectedMinutes => "expected two-digit minutes",
            TimeErrorKind::ExpectedColonAfterMinutes => "expected ':' after the minutes",
            TimeErrorKind::ExpectedSeconds => "expected two-digit seconds",
            TimeErrorKind::ClockOutOfRange => "minutes and seconds must be below 60",
            TimeErrorKind::EmptyFraction => "a decimal point with no digits after the seconds",
            TimeErrorKind::TextAfterSeconds => "unexpected text after the seconds",
            TimeErrorKind::ExpectedYear => "expected a four-digit year",
            TimeErrorKind::ExpectedDate => "expected YYYY-MM-DD",
            TimeErrorKind::ExpectedMonth => "expected a two-digit month",
            TimeErrorKind::ExpectedDay => "expected a two-digit day",
            TimeErrorKind::NoSuchDate => "no such calendar date",
            TimeErrorKind::ExpectedTimeSeparator => "expected 'T' or a space between date and time",
            TimeErrorKind::ExpectedTwoDigitHours => "expected two-digit hours",
            TimeErrorKind::ExpectedHoursMinutes => "expected HH:MM",
            TimeErrorKind::TimeOutOfRange => "hour, minute or second out of range",
            TimeErrorKind::BadOffset => "expected a UTC offset like +01:00",
            TimeErrorKind::TextAfterTime => "unexpected text after the time",
            TimeErrorKind::ExpectedNumber => "expected a number",
            TimeErrorKind::TooLarge => "the number is too large to be a time",
        }
    }
}

/// Why a value is not a timestamp of the expected format, and where in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampError {
    /// The format the column was detected (or declared) to use.
    pub expected: TimeFormat,
    /// What is wrong.
    pub kind: TimeErrorKind,
    /// 0-based character offset in the value (as given, before trimming) where it goes wrong.
    pub at: usize,
}

impl TimestampError {
    /// What is wrong, in words.
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == TimeErrorKind::NoFormat {
            return f.write_str(self.reason());
        }
        write!(
            f,
            "{} at character {} (the column holds {})",
            self.reason(),
            self.at + 1,
            self.expected.example()
        )
    }
}

impl std::error::Error for TimestampError {}

/// Epoch values whose whole part is at or above this are milliseconds: 1e11 seconds is
/// the year 5138, while 1e11 milliseconds is March 1973.
const MILLIS_FROM: f64 = 1e11;
/// Microseconds from here (1e14 ms is again the year 5138).
const MICROS_FROM: f64 = 1e14;
/// Nanoseconds from here.
const NANOS_FROM: f64 = 1e17;

/// A failure inside one grammar: what, and the byte offset in the trimmed value.
type Fail = (TimeErrorKind, usize);

impl TimeFormat {
    /// The format of one value, or None when it is no timestamp at all.
    pub fn detect(s: &str) -> Option<TimeFormat> {
        TimeFormat::detect_bytes(s.as_bytes())
    }

    /// [`TimeFormat::detect`] on a cell's bytes.
    pub fn detect_bytes(cell: &[u8]) -> Option<TimeFormat> {
        let (b, _) = trim(cell);
        if parse_clock(b).is_ok() {
            return Some(TimeFormat::Clock);
        }
        if parse_iso(b).is_ok() {
            return Some(TimeFormat::Iso8601);
        }
        let number = parse_decimal(b).ok()?;
        Some(TimeFormat::epoch_unit(number.whole as f64))
    }

    /// The epoch unit of a column whose first value is `value`, told by its size.
    pub fn epoch_unit(value: f64) -> TimeFormat {
        let a = value.abs();
        if a < MILLIS_FROM {
            TimeFormat::EpochSeconds
        } else if a < MICROS_FROM {
            TimeFormat::EpochMillis
        } else if a < NANOS_FROM {
            TimeFormat::EpochMicros
        } else {
            TimeFormat::EpochNanos
        }
    }

    /// Parse one value in this format to milliseconds.
    pub fn parse_ms(self, s: &str) -> Result<i64, TimestampError> {
        self.parse_bytes(s.as_bytes())
    }

    /// [`TimeFormat::parse_ms`] on a cell's bytes (the hot path of typed ingest).
    pub fn parse_bytes(self, cell: &[u8]) -> Result<i64, TimestampError> {
        let (b, lead) = trim(cell);
        let r = match self {
            TimeFormat::Clock => parse_clock(b),
            TimeFormat::Iso8601 => parse_iso(b),
            _ => parse_epoch(b, self),
        };
        r.map_err(|(kind, at)| TimestampError {
            expected: self,
            kind,
            at: chars_in(&cell[..lead + at.min(b.len())]),
        })
    }

    /// A number in this epoch unit as whole milliseconds, for numbers already read as
    /// floating point (a numeric column): the float's own error is undone by rounding to
    /// the microsecond first, then digits below the millisecond are dropped as in
    /// [`TimeFormat::parse_ms`]. None for a non-epoch format, a non-finite value or one
    /// beyond [`MAX_MS`].
    pub fn epoch_ms(self, value: f64) -> Option<i64> {
        let ms = match self {
            TimeFormat::EpochSeconds => value * 1000.0,
            TimeFormat::EpochMillis => value,
            TimeFormat::EpochMicros => value / 1e3,
            TimeFormat::EpochNanos => value / 1e6,
            TimeFormat::Clock | TimeFormat::Iso8601 => return None,
        };
        if !ms.is_finite() || ms.abs() > MAX_MS as f64 {
            return None;
        }
        // Below 2^53 µs the float holds every microsecond; above, it is coarser anyway.
        Some(if ms.abs() < 9e12 {
            ((ms * 1000.0).round() as i64).div_euclid(1000)
        } else {
            ms.floor() as i64
        })
    }

    /// An example of the format, for messages.
    pub fn example(self) -> &'static str {
        match self {
            TimeFormat::Clock => "H:MM:SS times like 0:59:00",
            TimeFormat::Iso8601 => "ISO 8601 times like 2026-11-28T14:05:00Z",
            TimeFormat::EpochSeconds => "epoch seconds like 1764338700",
            TimeFormat::EpochMillis => "epoch milliseconds like 1764338700000",
            TimeFormat::EpochMicros => "epoch microseconds like 1764338700000000",
            TimeFormat::EpochNanos => "epoch nanoseconds like 1764338700000000000",
        }
    }
}

/// Detect the format of one value and parse it to milliseconds: the entry point for a
/// single value. A column reads its first value's format and enforces it with
/// [`TimeFormat::detect`] and [`TimeFormat::parse_ms`].
///
/// ```
/// use pipescope::core::time::parse_timestamp_ms;
///
/// assert_eq!(parse_timestamp_ms("0:59:00"), Ok(3_540_000));
/// assert_eq!(parse_timestamp_ms("1970-01-02T01:00:01+01:00"), Ok(86_401_000));
/// assert_eq!(parse_timestamp_ms("1970/01/02 00:00:01.2509"), Ok(86_401_250));
/// assert_eq!(parse_timestamp_ms("86401.25"), Ok(86_401_250)); // epoch seconds
/// assert_eq!(parse_timestamp_ms("1764338700123456"), Ok(1_764_338_700_123)); // µs
/// let e = parse_timestamp_ms("1970-01-02T25:00").unwrap_err();
/// assert_eq!(e.to_string(), "hour, minute or second out of range at character 12 \
///     (the column holds ISO 8601 times like 2026-11-28T14:05:00Z)");
/// ```
pub fn parse_timestamp_ms(s: &str) -> Result<i64, TimestampError> {
    let (b, _) = trim(s.as_bytes());
    // The format is told from the value, so report the failure of the grammar it is
    // closest to: a date when it starts with a year, else a clock when it has a ':'.
    let closest =
        if b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'/') {
            Some(TimeFormat::Iso8601)
        } else {
            None
        };
    match TimeFormat::detect(s).or(closest) {
        Some(f) => f.parse_ms(s),
        None => Err(TimestampError {
            expected: TimeFormat::Clock,
            kind: TimeErrorKind::NoFormat,
            at: 0,
        }),
    }
}

/// Strips white space at both ends (ASCII, and Unicode white space such as a no-break
/// space); the trimmed bytes and how many bytes were cut at the start.
fn trim(cell: &[u8]) -> (&[u8], usize) {
    let mut b = cell.trim_ascii();
    if b.first().is_some_and(|c| !c.is_ascii()) || b.last().is_some_and(|c| !c.is_ascii()) {
        if let Ok(s) = std::str::from_utf8(b) {
            b = s.trim().as_bytes();
        }
    }
    let lead = b.as_ptr() as usize - cell.as_ptr() as usize;
    (b, lead)
}

/// Characters in UTF-8 bytes (continuation bytes not counted).
fn chars_in(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

/// Exactly `n` ASCII digits at `b[at..]`, as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// `.fff…` (or `,fff…`) at `b[at..]`: milliseconds (further digits dropped) and the bytes
/// used (0 when there is no fraction).
fn fraction_ms(b: &[u8], at: usize) -> Result<(i64, usize), Fail> {
    if !matches!(b.get(at), Some(b'.' | b',')) {
        return Ok((0, 0));
    }
    let frac = &b[at + 1..];
    let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return Err((TimeErrorKind::EmptyFraction, at));
    }
    let ms = (0..3).fold(0, |ms, i| {
        ms * 10 + frac[..n].get(i).map_or(0, |c| i64::from(c - b'0'))
    });
    Ok((ms, 1 + n))
}

fn parse_clock(b: &[u8]) -> Result<i64, Fail> {
    use TimeErrorKind::*;
    let h_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if h_len == 0 || h_len > 9 || b.get(h_len) != Some(&b':') {
        return Err((ExpectedHours, h_len.min(9)));
    }
    let h = digits(b, 0, h_len).ok_or((ExpectedHours, 0))?;
    let m_at = h_len + 1;
    let m = digits(b, m_at, 2).ok_or((ExpectedMinutes, m_at))?;
    if b.get(m_at + 2) != Some(&b':') {
        return Err((ExpectedColonAfterMinutes, m_at + 2));
    }
    let s_at = m_at + 3;
    let sec = digits(b, s_at, 2).ok_or((ExpectedSeconds, s_at))?;
    if m > 59 || sec > 59 {
        return Err((ClockOutOfRange, if m > 59 { m_at } else { s_at }));
    }
    let (ms, used) = fraction_ms(b, s_at + 2)?;
    if s_at + 2 + used != b.len() {
        return Err((TextAfterSeconds, s_at + 2 + used));
    }
    Ok(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

fn parse_iso(b: &[u8]) -> Result<i64, Fail> {
    use TimeErrorKind::*;
    let y = digits(b, 0, 4).ok_or((ExpectedYear, 0))?;
    let sep = b.get(4).copied();
    if !matches!(sep, Some(b'-' | b'/')) {
        return Err((ExpectedDate, 4));
    }
    if b.get(7) != sep.as_ref() {
        return Err((ExpectedDate, 7));
    }
    let mo = digits(b, 5, 2).ok_or((ExpectedMonth, 5))? as u32;
    let d = digits(b, 8, 2).ok_or((ExpectedDay, 8))? as u32;
    if !(1..=12).contains(&mo) {
        return Err((NoSuchDate, 5));
    }
    if d < 1 || d > days_in_month(y, mo) {
        return Err((NoSuchDate, 8));
    }
    let day_ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Ok(day_ms);
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err((ExpectedTimeSeparator, 10));
    }
    let h = digits(b, 11, 2).ok_or((ExpectedTwoDigitHours, 11))?;
    if b.get(13) != Some(&b':') {
        return Err((ExpectedHoursMinutes, 13));
    }
    let mi = digits(b, 14, 2).ok_or((ExpectedMinutes, 14))?;
    let (mut i, mut sec, mut ms) = (16, 0, 0);
    if b.get(16) == Some(&b':') {
        sec = digits(b, 17, 2).ok_or((ExpectedSeconds, 17))?;
        let (f, used) = fraction_ms(b, 19)?;
        ms = f;
        i = 19 + used;
    }
    if h > 23 {
        return Err((TimeOutOfRange, 11));
    }
    if mi > 59 {
        return Err((TimeOutOfRange, 14));
    }
    if sec > 60 {
        return Err((TimeOutOfRange, 17));
    }
    let offset_min = match &b[i..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), z @ ..] => {
            let bad = (BadOffset, i);
            let oh = digits(z, 0, 2).ok_or(bad)?;
            let om = match &z[2..] {
                [] => 0,
                [b':', m @ ..] | m if m.len() == 2 => digits(m, 0, 2).ok_or(bad)?,
                _ => return Err(bad),
            };
            if oh > 23 || om > 59 {
                return Err(bad);
            }
            let off = oh * 60 + om;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err((TextAfterTime, i)),
    };
    Ok(day_ms + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + ms)
}

/// A plain decimal read exactly: sign, whole part, the first nine fraction digits (as
/// billionths) and whether any digit after them is not zero.
struct Decimal {
    negative: bool,
    whole: i128,
    billionths: i128,
    sticky: bool,
}

/// `[±]digits[.digits]` with at least one digit and at most 20 whole digits.
fn parse_decimal(b: &[u8]) -> Result<Decimal, Fail> {
    let bad = |at| (TimeErrorKind::ExpectedNumber, at);
    let (negative, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let start = i;
    let mut whole = 0i128;
    while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        if i - start == 20 {
            return Err((TimeErrorKind::TooLarge, start));
        }
        whole = whole * 10 + i128::from(c - b'0');
        i += 1;
    }
    let mut digits_seen = i - start;
    let (mut billionths, mut sticky) = (0i128, false);
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut n = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if n < 9 {
                billionths = billionths * 10 + i128::from(c - b'0');
            } else {
                sticky |= *c != b'0';
            }
            n += 1;
            i += 1;
        }
        billionths *= 10i128.pow(9 - n.min(9) as u32);
        digits_seen += n;
    }
    if digits_seen == 0 {
        return Err(bad(start));
    }
    if i != b.len() {
        return Err(bad(i));
    }
    Ok(Decimal {
        negative,
        whole,
        billionths,
        sticky,
    })
}

fn parse_epoch(b: &[u8], unit: TimeFormat) -> Result<i64, Fail> {
    let n = parse_decimal(b)?;
    // The value in billionths of the unit, made one lower when a dropped digit would
    // have taken a negative value below it, so the floor division rounds to the past.
    let billionths = n.whole * 1_000_000_000 + n.billionths;
    let signed = if n.negative {
        -billionths - i128::from(n.sticky)
    } else {
        billionths
    };
    let per_ms: i128 = match unit {
        TimeFormat::EpochSeconds => 1_000_000,
        TimeFormat::EpochMillis => 1_000_000_000,
        TimeFormat::EpochMicros => 1_000_000_000_000,
        _ => 1_000_000_000_000_000,
    };
    let ms = signed.div_euclid(per_ms);
    if ms.abs() > i128::from(MAX_MS) {
        return Err((TimeErrorKind::TooLarge, 0));
    }
    Ok(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_drop_digits_below_the_millisecond_exactly() {
        let s = TimeFormat::EpochSeconds;
        assert_eq!(s.parse_ms("1.0009"), Ok(1_000));
        assert_eq!(s.parse_ms("-1.0009"), Ok(-1_001));
        assert_eq!(s.parse_ms("-1.5"), Ok(-1_500));
        assert_eq!(s.parse_ms("-0.0000000001"), Ok(-1));
        assert_eq!(s.parse_ms("-0.0000000000"), Ok(0));
        assert_eq!(s.parse_ms("+.5"), Ok(500));
        assert_eq!(s.parse_ms("5."), Ok(5_000));
        assert_eq!(TimeFormat::EpochNanos.parse_ms("-1"), Ok(-1));
        assert_eq!(TimeFormat::EpochMicros.parse_ms("1999.9"), Ok(1));
        for bad in [".", "-", "", "1e9", "1.2.3", "inf", "0x10", "1 2"] {
            assert_eq!(
                s.parse_ms(bad).map_err(|e| e.kind),
                Err(TimeErrorKind::ExpectedNumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            s.parse_ms("8640000000001").map_err(|e| e.kind),
            Err(TimeErrorKind::TooLarge)
        );
        assert_eq!(
            s.parse_ms("123456789012345678901").map_err(|e| e.kind),
            Err(TimeErrorKind::TooLarge)
        );
    }

    #[test]
    fn units_are_told_by_size() {
        let d = |s| TimeFormat::detect(s);
        assert_eq!(d("99999999999.9"), Some(TimeFormat::EpochSeconds));
        assert_eq!(d("100000000000"), Some(TimeFormat::EpochMillis));
        assert_eq!(d("-100000000000000"), Some(TimeFormat::EpochMicros));
        assert_eq!(d("100000000000000000"), Some(TimeFormat::EpochNanos));
        assert_eq!(d("2026/11/28"), Some(TimeFormat::Iso8601));
        assert_eq!(d("\u{a0}0:00:01\u{a0}"), Some(TimeFormat::Clock));
        assert_eq!(d("1e9"), None);
    }

    #[test]
    fn floats_of_a_numeric_column_read_as_their_text_does() {
        for text in [
            "1704164645.0005",
            "1704164645.9999",
            "-1.5",
            "1704164645.123999",
            "0",
        ] {
            let v: f64 = text.parse().unwrap();
            let unit = TimeFormat::epoch_unit(v);
            assert_eq!(unit.epoch_ms(v), unit.parse_ms(text).ok(), "{text}");
        }
        for text in ["1704164645123", "1704164645123999", "1704164645123456789"] {
            let v: f64 = text.parse().unwrap();
            let unit = TimeFormat::epoch_unit(v);
            assert_eq!(unit.epoch_ms(v), unit.parse_ms(text).ok(), "{text}");
        }
        assert_eq!(TimeFormat::EpochSeconds.epoch_ms(f64::NAN), None);
        assert_eq!(TimeFormat::EpochMillis.epoch_ms(9e15), None);
        assert_eq!(TimeFormat::Clock.epoch_ms(1.0), None);
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = TimeFormat::Clock.parse_ms(" 0:0x:03").unwrap_err();
        assert_eq!((e.kind, e.at), (TimeErrorKind::ExpectedMinutes, 3));
        assert_eq!(
            e.to_string(),
            "expected two-digit minutes at character 4 (the column holds H:MM:SS times like 0:59:00)"
        );
        let e = TimeFormat::Iso8601.parse_ms("2024-02-30").unwrap_err();
        assert_eq!((e.kind, e.at), (TimeErrorKind::NoSuchDate, 8));
        let e = TimeFormat::Iso8601
            .parse_ms("2024-02-03T10:00+25:00")
            .unwrap_err();
        assert_eq!((e.kind, e.at), (TimeErrorKind::BadOffset, 16));
        let e = TimeFormat::Iso8601
            .parse_ms("2024-02-03T10:00:00Zx")
            .unwrap_err();
        assert_eq!((e.kind, e.at), (TimeErrorKind::TextAfterTime, 19));
        let e = TimeFormat::Iso8601.parse_ms("ÿ2024").unwrap_err();
        assert_eq!((e.kind, e.at), (TimeErrorKind::ExpectedYear, 0));
        let e = TimeFormat::Clock.parse_ms("é1:00:0").unwrap_err();
        assert_eq!(e.at, 0);
        let e = parse_timestamp_ms("2024-02-31").unwrap_err();
        assert_eq!(e.kind, TimeErrorKind::NoSuchDate);
        let e = parse_timestamp_ms("soon").unwrap_err();
        assert_eq!(e.to_string(), TimeErrorKind::NoFormat.reason());
    }

    #[test]
    fn iso_with_every_separator_and_zone() {
        let b = 1_704_164_645_000;
        for s in [
            "2024-01-02T03:04:05Z",
            "2024/01/02 03:04:05",
            "2024-01-02t03:04:05z",
            "2024-01-02T04:04:05+01",
            "2024-01-02T04:04:05+0100",
            "2024-01-02T02:04:05-01:00",
            "2024-01-02T03:04:05.000999",
            "2024-01-02T03:04:05,0",
        ] {
            assert_eq!(parse_timestamp_ms(s), Ok(b), "{s}");
        }
        for bad in [
            "2024-01/02",
            "2024-01-02T03:04:05+1",
            "2024-01-02T03:04:05+01:0",
            "2024-01-02T03:04:05+01:60",
            "2024-01-02T03:04:05.",
            "2024-01-02T3:04:05",
            "2024-01-02T03:04:61",
            "2024-01-02 T03:04",
        ] {
            assert!(parse_timestamp_ms(bad).is_err(), "{bad}");
        }
    }
}
