//! Lengths of time as people write them in rules and checks files (`30s`, `5m`, `1h30m`),
//! kept with their text so a file written back reads as it was written.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A length of time such as `90s`, `30m`, `2h`, `1d`, `1w` or `1h30m`, kept with its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    /// The text as written.
    pub text: String,
    /// Milliseconds.
    pub ms: i64,
}

impl Duration {
    /// Parses `1h30m`-style text: one or more `<number><unit>` parts, units `ms`, `s`,
    /// `m`, `h`, `d`, `w`; the number may have decimals (`1.5h`).
    ///
    /// ```
    /// use pipescope::core::time::Duration;
    /// assert_eq!(Duration::parse("2h").unwrap().ms, 7_200_000);
    /// assert_eq!(Duration::parse("1d 6h").unwrap().ms, 108_000_000);
    /// assert!(Duration::parse("2 hours").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Duration, String> {
        let s = text.trim();
        if s.is_empty() {
            return Err("an empty duration".into());
        }
        let mut total = 0f64;
        let mut rest = s;
        while !rest.is_empty() {
            rest = rest.trim_start();
            let digits = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(format!("expected a number at '{rest}'"));
            }
            let n: f64 = rest[..digits]
                .parse()
                .map_err(|_| format!("'{}' is not a number", &rest[..digits]))?;
            rest = &rest[digits..];
            let unit = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let ms = match &rest[..unit] {
                "ms" => 1.0,
                "s" => 1e3,
                "m" => 60e3,
                "h" => 3_600e3,
                "d" => 86_400e3,
                "w" => 604_800e3,
                "" => {
                    let word: String = rest
                        .trim_start()
                        .chars()
                        .take_while(char::is_ascii_alphabetic)
                        .collect();
                    return Err(if word.is_empty() {
                        format!("a unit is missing after {n} (use ms, s, m, h, d or w)")
                    } else {
                        format!(
                            "'{word}' is not a unit: write ms, s, m, h, d or w right after the number"
                        )
                    });
                }
                u => return Err(format!("unknown unit '{u}' (use ms, s, m, h, d or w)")),
            };
            total += n * ms;
            rest = &rest[unit..];
        }
        if !total.is_finite() || total > super::MAX_MS as f64 {
            return Err("the duration is too long".into());
        }
        Ok(Duration {
            text: s.to_string(),
            ms: total.round() as i64,
        })
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"30m\", \"2h\" or \"1d\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(|why| {
                    E::custom(format_args!(
                        "invalid value: duration {v:?}, expected a duration such as \"30m\", \"2h\" or \"1d\" ({why})"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}
