//! Silences as Alertmanager has them: label matchers (`=`, `!=`, `=~`, `!~`; a `=` value
//! with `*` or `?` is a glob), a start and an end in stream time, a comment, and optionally
//! a daily window in UTC (`02:00-03:00`, which may wrap past midnight). A silence is active
//! at a stream time, nothing more: it expires by itself when the stream passes its end.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::spec::Silence;
use crate::core::incident::Incident;

const DAY_MS: i64 = 86_400_000;

/// The labels an incident is matched on.
pub const LABELS: [&str; 6] = ["source", "rule", "metric", "code", "severity", "check"];

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `=`: equal (or the glob matches, when the value has `*` or `?`).
    Eq,
    /// `!=`: not equal (nor matched by the glob).
    Ne,
    /// `=~`: the regular expression matches the whole value.
    Re,
    /// `!~`: the regular expression does not match the whole value.
    NotRe,
}

/// One label matcher, written `label="value"` (quotes optional).
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The label (one of [`LABELS`]).
    pub label: String,
    /// How it compares.
    pub op: Op,
    /// The value or pattern.
    pub value: String,
    regex: Option<regex::Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.label, self.op, &self.value) == (&other.label, other.op, &other.value)
    }
}

impl Matcher {
    /// Reads `label="value"`, `label!=value`, `label=~"regex"` or `label!~"regex"`.
    ///
    /// ```
    /// use pipescope::core::rules::Matcher;
    /// let m = Matcher::parse(r#"metric=~"cpu_.*""#).unwrap();
    /// assert!(m.matches_value("cpu_user") && !m.matches_value("mem"));
    /// assert!(Matcher::parse("colour=red").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let t = text.trim();
        let at = t
            .find(['=', '!'])
            .ok_or_else(|| format!("no operator in {t:?} (use =, !=, =~ or !~)"))?;
        let label = t[..at].trim().to_string();
        let rest = &t[at..];
        let (op, value) = if let Some(v) = rest.strip_prefix("=~") {
            (Op::Re, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (Op::NotRe, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (Op::Ne, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (Op::Eq, v)
        } else {
            return Err(format!("no operator in {t:?} (use =, !=, =~ or !~)"));
        };
        if !LABELS.contains(&label.as_str()) {
            return Err(format!(
                "unknown label '{label}' (use {})",
                LABELS.join(", ")
            ));
        }
        let v = value.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v)
            .to_string();
        let regex = match op {
            Op::Re | Op::NotRe => Some(regex::Regex::new(&format!("^(?:{v})$")).map_err(|e| {
                let why = e.to_string();
                let why = why
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim_start_matches("error: ");
                format!("not a regular expression ({why})")
            })?),
            _ => None,
        };
        Ok(Matcher {
            label,
            op,
            value: v,
            regex,
        })
    }

    /// Whether one value of the label matches.
    pub fn matches_value(&self, v: &str) -> bool {
        let eq = || {
            if super::glob::is_pattern(&self.value) {
                super::glob::matches(&self.value, v)
            } else {
                self.value == v
            }
        };
        match self.op {
            Op::Eq => eq(),
            Op::Ne => !eq(),
            Op::Re => self.regex.as_ref().is_some_and(|r| r.is_match(v)),
            Op::NotRe => !self.regex.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }

    /// Whether the incident's labels match: for a label with several values (an incident
    /// on several metrics) any one for `=` and `=~`, all for `!=` and `!~`; an incident
    /// without the label has it empty.
    pub fn matches(&self, labels: &[(&'static str, String)]) -> bool {
        let mut values = labels
            .iter()
            .filter(|(k, _)| *k == self.label)
            .map(|(_, v)| v.as_str())
            .peekable();
        if values.peek().is_none() {
            return self.matches_value("");
        }
        match self.op {
            Op::Eq | Op::Re => values.any(|v| self.matches_value(v)),
            Op::Ne | Op::NotRe => values.all(|v| self.matches_value(v)),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        };
        write!(f, "{}{op}{:?}", self.label, self.value)
    }
}

impl<'de> Deserialize<'de> for Matcher {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Matcher;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a matcher such as 'rule=\"price high\"' or 'metric=~\"cpu_.*\"'")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Matcher, E> {
                Matcher::parse(v).map_err(|why| {
                    E::custom(format_args!(
                        "invalid value: matcher {v:?}, expected a matcher such as 'rule=\"price high\"' or 'metric=~\"cpu_.*\"' ({why})"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A daily window in UTC, `HH:MM-HH:MM`; the end is exclusive and may be before the start
/// (the window wraps past midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    /// Start, ms after midnight.
    pub from_ms: i64,
    /// End, ms after midnight.
    pub to_ms: i64,
}

impl Daily {
    /// Reads `02:00-03:00`.
    pub fn parse(text: &str) -> Result<Daily, String> {
        let clock = |s: &str| -> Result<i64, String> {
            let (h, m) = s
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("'{}' is not HH:MM", s.trim()))?;
            let h: i64 = h.parse().map_err(|_| format!("'{h}' is not an hour"))?;
            let m: i64 = m.parse().map_err(|_| format!("'{m}' is not a minute"))?;
            if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m > 0) {
                return Err(format!("{h}:{m:02} is not a time of day"));
            }
            Ok((h * 60 + m) * 60_000)
        };
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| "expected HH:MM-HH:MM".to_string())?;
        let (from_ms, to_ms) = (clock(a)?, clock(b)?);
        if from_ms == to_ms {
            return Err("the window is empty".into());
        }
        Ok(Daily { from_ms, to_ms })
    }

    /// Whether stream time `t_ms` (epoch ms, UTC) is inside the window.
    pub fn contains(&self, t_ms: i64) -> bool {
        let tod = t_ms.rem_euclid(DAY_MS);
        if self.from_ms < self.to_ms {
            (self.from_ms..self.to_ms).contains(&tod)
        } else {
            tod >= self.from_ms || tod < self.to_ms
        }
    }
}

impl fmt::Display for Daily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |ms: i64| format!("{:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60);
        write!(f, "{}-{}", hm(self.from_ms), hm(self.to_ms))
    }
}

impl<'de> Deserialize<'de> for Daily {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Daily;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a daily window such as \"02:00-03:00\" (UTC)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Daily, E> {
                Daily::parse(v).map_err(|why| {
                    E::custom(format_args!(
                        "invalid value: daily window {v:?}, expected a daily window such as \"02:00-03:00\" (UTC) ({why})"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Daily {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl Silence {
    /// Whether the silence is active at stream time `t_ms`.
    pub fn active(&self, t_ms: i64) -> bool {
        self.start_ms.is_none_or(|s| t_ms >= s)
            && self.end_ms.is_none_or(|e| t_ms < e)
            && self.daily.is_none_or(|d| d.contains(t_ms))
    }

    /// Whether it has ended for good by stream time `t_ms` (expired).
    pub fn expired(&self, t_ms: i64) -> bool {
        self.end_ms.is_some_and(|e| t_ms >= e)
    }

    /// Whether it silences `incident` at stream time `t_ms`.
    pub fn silences(&self, incident: &Incident, t_ms: i64) -> bool {
        if !self.active(t_ms) {
            return false;
        }
        let labels = incident.labels();
        self.matchers.iter().all(|m| m.matches(&labels))
    }

    /// How a silenced incident names it: the comment, or the matchers.
    pub fn describe(&self) -> String {
        if self.comment.trim().is_empty() {
            self.matchers
                .iter()
                .map(Matcher::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            self.comment.clone()
        }
    }
}

/// Reads matchers written one after another, separated by commas or new lines
/// (`rule="price high", metric=~"cpu_.*"`); a comma inside quotes belongs to the value.
///
/// ```
/// use pipescope::core::rules::parse_matchers;
/// let m = parse_matchers(r#"rule="a, b", severity=1"#).unwrap();
/// assert_eq!((m.len(), m[0].value.as_str()), (2, "a, b"));
/// assert!(parse_matchers("  ").is_err());
/// ```
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, String> {
    let mut parts = Vec::new();
    let (mut quoted, mut from) = (false, 0);
    for (k, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' | '\n' if !quoted => {
                parts.push(&text[from..k]);
                from = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[from..]);
    let matchers = parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(Matcher::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if matchers.is_empty() {
        return Err("no matcher; expected one such as rule=\"price high\"".into());
    }
    Ok(matchers)
}

/// The first of `silences` that silences `incident` at `t_ms`.
pub fn silencing<'a>(
    silences: &'a [Silence],
    incident: &Incident,
    t_ms: i64,
) -> Option<&'a Silence> {
    silences.iter().find(|s| s.silences(incident, t_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_window_may_wrap_past_midnight() {
        let d = Daily::parse("23:30-00:30").unwrap();
        let at = |h: i64, m: i64| DAY_MS * 3 + (h * 60 + m) * 60_000;
        assert!(d.contains(at(23, 30)) && d.contains(at(0, 29)));
        assert!(!d.contains(at(0, 30)) && !d.contains(at(12, 0)));
        assert_eq!(d.to_string(), "23:30-00:30");
        assert!(Daily::parse("02:00-02:00").is_err());
        assert!(Daily::parse("2am-3am").is_err());
    }

    #[test]
    fn matchers_read_as_alertmanager_writes_them() {
        let labels = vec![
            ("source", "metrics".to_string()),
            ("metric", "cpu_user".to_string()),
            ("metric", "mem".to_string()),
        ];
        let m = |s: &str| Matcher::parse(s).unwrap().matches(&labels);
        assert!(m("metric=cpu_*"));
        assert!(m(r#"metric=~"cpu_.*""#));
        assert!(!m("metric!=mem"));
        assert!(m(r#"source!~"rule|check""#));
        assert!(m("rule=")); // an absent label is empty
        assert!(!m("rule=x"));
        assert!(Matcher::parse("metric=~(").is_err());
        assert_eq!(
            Matcher::parse("rule = a b").unwrap().to_string(),
            r#"rule="a b""#
        );
    }
}
