//! A time range as a shareable link gives it: `from` and `to`, each an RFC 3339 time
//! (`2026-12-06T10:00:00Z`) or relative to now (`now`, `now-6h`, `now-1d12h`, units s, m,
//! h, d, w). A range whose `to` is now follows the present (a live view over the last
//! stretch); any other `to` is a fixed end, a replay of a past range.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{format_iso_seconds, format_rfc3339_ms, parse_timestamp_ms};
use crate::core::text::clip;

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeBound {
    /// Now minus `ago_ms` (≥ 0), read when the range is used.
    Ago {
        /// How far before now, ms.
        ago_ms: i64,
    },
    /// A fixed time, epoch ms.
    At {
        /// Epoch ms.
        ms: i64,
    },
}

/// Why a range parameter does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeError {
    /// `from` or `to` is not a time.
    Bound {
        /// `from` or `to`.
        param: &'static str,
        /// The text given.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// `from` is not before `to`.
    Order {
        /// `from` as given.
        from: String,
        /// `to` as given.
        to: String,
    },
    /// `to` without `from`.
    NoStart,
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeError::Bound {
                param,
                value,
                reason,
            } => write!(
                f,
                "{param}: '{}' {reason}; write an RFC 3339 time like 2026-12-06T10:00:00Z, \
                 or a time relative to now like now-6h (units s, m, h, d, w)",
                clip(value)
            ),
            RangeError::Order { from, to } => {
                write!(f, "from ({}) must be before to ({})", clip(from), clip(to))
            }
            RangeError::NoStart => write!(f, "to: give a from as well (e.g. from=now-6h)"),
        }
    }
}

impl std::error::Error for RangeError {}

const UNITS: [(char, i64); 5] = [
    ('s', 1_000),
    ('m', 60_000),
    ('h', 3_600_000),
    ('d', 86_400_000),
    ('w', 7 * 86_400_000),
];

impl TimeBound {
    /// Now.
    pub const NOW: TimeBound = TimeBound::Ago { ago_ms: 0 };

    /// Reads `now`, `now-<n><unit>…` or an RFC 3339 time; `param` names it in the error.
    ///
    /// ```
    /// use pipescope::core::time::range::TimeBound;
    /// assert_eq!(TimeBound::parse("to", "now").unwrap(), TimeBound::NOW);
    /// assert_eq!(TimeBound::parse("from", "now-1h30m").unwrap(), TimeBound::Ago { ago_ms: 5_400_000 });
    /// assert_eq!(TimeBound::parse("from", "1970-01-01T00:00:01Z").unwrap(), TimeBound::At { ms: 1_000 });
    /// assert!(TimeBound::parse("from", "yesterday").is_err());
    /// ```
    pub fn parse(param: &'static str, text: &str) -> Result<TimeBound, RangeError> {
        let t = text.trim();
        let bad = |reason: &str| RangeError::Bound {
            param,
            value: text.to_string(),
            reason: reason.to_string(),
        };
        if let Some(rest) = t.strip_prefix("now") {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(TimeBound::NOW);
            }
            let Some(mut rest) = rest.strip_prefix('-') else {
                return Err(bad("is not now or now minus a duration"));
            };
            let mut ago: i64 = 0;
            while !rest.is_empty() {
                let digits = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                if digits == 0 {
                    return Err(bad("has no number before its unit"));
                }
                let n: i64 = rest[..digits].parse().map_err(|_| bad("is too large"))?;
                let unit = rest[digits..].chars().next();
                let Some(&(_, ms)) = UNITS.iter().find(|(u, _)| Some(*u) == unit) else {
                    return Err(bad("has a number without a unit (s, m, h, d or w)"));
                };
                ago = n
                    .checked_mul(ms)
                    .and_then(|x| ago.checked_add(x))
                    .filter(|x| *x <= 100 * 365 * 86_400_000)
                    .ok_or_else(|| bad("is more than a century ago"))?;
                rest = &rest[digits + 1..];
            }
            return Ok(TimeBound::Ago { ago_ms: ago });
        }
        let dated = t.len() >= 10
            && t.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && t.as_bytes()[4] == b'-';
        if !dated {
            return Err(bad("is neither a date and time nor relative to now"));
        }
        parse_timestamp_ms(t)
            .map(|ms| TimeBound::At { ms })
            .map_err(|e| bad(&format!("does not read ({e})")))
    }

    /// Epoch ms, with now at `now_ms`.
    pub fn resolve(self, now_ms: i64) -> i64 {
        match self {
            TimeBound::Ago { ago_ms } => now_ms.saturating_sub(ago_ms),
            TimeBound::At { ms } => ms,
        }
    }

    /// As [`TimeBound::parse`] reads it: `now`, `now-90m`, or RFC 3339.
    pub fn text(self) -> String {
        match self {
            TimeBound::Ago { ago_ms: 0 } => "now".into(),
            TimeBound::Ago { ago_ms } => {
                let (unit, ms) = UNITS
                    .iter()
                    .rev()
                    .find(|(_, ms)| ago_ms % ms == 0)
                    .copied()
                    .unwrap_or(('s', 1_000));
                if ago_ms % ms == 0 {
                    format!("now-{}{unit}", ago_ms / ms)
                } else {
                    // Not a whole number of seconds: never made by parse, kept exact anyway.
                    format!("now-{}s", (ago_ms + 999) / 1000)
                }
            }
            TimeBound::At { ms } if ms % 1000 == 0 => format_iso_seconds(ms / 1000),
            TimeBound::At { ms } => format_rfc3339_ms(ms),
        }
    }
}

/// A range of time: from one bound to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start.
    pub from: TimeBound,
    /// End ([`TimeBound::NOW`] follows the present).
    pub to: TimeBound,
}

impl TimeRange {
    /// Reads a link's `from` and `to` (either may be absent: no `from` is no range, no
    /// `to` is now).
    ///
    /// ```
    /// use pipescope::core::time::range::{TimeBound, TimeRange};
    /// let r = TimeRange::parse(Some("now-6h"), None).unwrap().unwrap();
    /// assert!(r.follows_now());
    /// assert_eq!(r.resolve(10 * 3_600_000), (4 * 3_600_000, 10 * 3_600_000));
    /// let past = TimeRange::parse(Some("2026-12-01T00:00:00Z"), Some("2026-12-01T06:00:00Z")).unwrap().unwrap();
    /// assert!(!past.follows_now());
    /// assert_eq!(TimeRange::parse(None, None).unwrap(), None);
    /// assert!(TimeRange::parse(Some("now"), Some("now-1h")).is_err());
    /// ```
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Option<TimeRange>, RangeError> {
        let from = from.map(str::trim).filter(|s| !s.is_empty());
        let to = to.map(str::trim).filter(|s| !s.is_empty());
        let Some(from_text) = from else {
            return match to {
                Some(t) if TimeBound::parse("to", t)? != TimeBound::NOW => Err(RangeError::NoStart),
                _ => Ok(None),
            };
        };
        let range = TimeRange {
            from: TimeBound::parse("from", from_text)?,
            to: match to {
                Some(t) => TimeBound::parse("to", t)?,
                None => TimeBound::NOW,
            },
        };
        // Comparable without a clock when both are of one kind; a mixed pair is checked
        // against now, when it is used.
        let ordered = match (range.from, range.to) {
            (TimeBound::Ago { ago_ms: a }, TimeBound::Ago { ago_ms: b }) => a > b,
            (TimeBound::At { ms: a }, TimeBound::At { ms: b }) => a < b,
            _ => true,
        };
        if !ordered {
            return Err(RangeError::Order {
                from: from_text.to_string(),
                to: to.unwrap_or("now").to_string(),
            });
        }
        Ok(Some(range))
    }

    /// Whether the range ends now, so a source keeps following the present.
    pub fn follows_now(&self) -> bool {
        self.to == TimeBound::NOW
    }

    /// (start, end) epoch ms with now at `now_ms`.
    pub fn resolve(&self, now_ms: i64) -> (i64, i64) {
        (self.from.resolve(now_ms), self.to.resolve(now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_and_write_back() {
        for text in [
            "now",
            "now-6h",
            "now-90m",
            "now-2w",
            "now-45s",
            "2026-12-06T10:00:00Z",
        ] {
            let b = TimeBound::parse("from", text).unwrap();
            assert_eq!(b.text(), text, "{text}");
            assert_eq!(TimeBound::parse("from", &b.text()).unwrap(), b);
        }
        assert_eq!(
            TimeBound::parse("from", "now-1d12h").unwrap().text(),
            "now-36h"
        );
        assert_eq!(
            TimeBound::parse("from", "2026-12-06T11:00:00+01:00").unwrap(),
            TimeBound::parse("from", "2026-12-06T10:00:00Z").unwrap()
        );
    }

    #[test]
    fn bad_values_say_which_parameter_and_what_to_write() {
        let cases = [
            (
                "yesterday",
                "from: 'yesterday' is neither a date and time nor relative to now",
            ),
            (
                "now+1h",
                "from: 'now+1h' is not now or now minus a duration",
            ),
            ("now-6", "from: 'now-6' has a number without a unit"),
            ("now-h", "from: 'now-h' has no number before its unit"),
            ("now-6y", "from: 'now-6y' has a number without a unit"),
            (
                "now-99999999w",
                "from: 'now-99999999w' is more than a century ago",
            ),
            (
                "2026-13-01T00:00:00Z",
                "from: '2026-13-01T00:00:00Z' does not read",
            ),
            ("10:00:00", "from: '10:00:00' is neither a date"),
        ];
        for (text, want) in cases {
            let e = TimeRange::parse(Some(text), None).unwrap_err();
            let got = e.to_string();
            assert!(got.starts_with(want), "{text}: {got}");
            assert!(
                got.contains("now-6h"),
                "every message says what to write: {got}"
            );
        }
        assert_eq!(
            TimeRange::parse(None, Some("2026-12-06T10:00:00Z")).unwrap_err(),
            RangeError::NoStart
        );
        assert_eq!(TimeRange::parse(None, Some("now")).unwrap(), None);
        assert!(matches!(
            TimeRange::parse(Some("2026-12-06T10:00:00Z"), Some("2026-12-06T09:00:00Z")),
            Err(RangeError::Order { .. })
        ));
        assert!(matches!(
            TimeRange::parse(Some("now-1h"), Some("now-2h")),
            Err(RangeError::Order { .. })
        ));
    }

    #[test]
    fn a_range_ending_now_follows_the_present_and_a_fixed_end_does_not() {
        let live = TimeRange::parse(Some("now-1h"), Some("now"))
            .unwrap()
            .unwrap();
        assert!(live.follows_now());
        let past = TimeRange::parse(Some("now-2h"), Some("now-1h"))
            .unwrap()
            .unwrap();
        assert!(!past.follows_now());
        assert_eq!(past.resolve(7_200_000), (0, 3_600_000));
    }
}
