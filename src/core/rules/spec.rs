//! The rules file as types (documented for users in docs/rules.md). The `Raw*` types are
//! the shape written in the file, one optional key per condition, so unknown keys and wrong
//! types are refused at their own line and column; [`Rule`] and [`Silence`] are what the
//! evaluator uses. Those derive plain serde (no untagged or skipped fields), so an
//! evaluator's state checkpoints with postcard as every journaled engine does.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};

use crate::core::checks::values::number;
use crate::core::time::Duration;

use super::silence::{Daily, Matcher};

/// The only version of the rules file this build reads.
pub const RULES_VERSION: u32 = 1;

/// A whole rules file: the rules and the silences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesFile {
    /// File format version ([`RULES_VERSION`]).
    pub version: u32,
    /// What these rules are for.
    pub description: Option<String>,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The silences, in file order.
    pub silences: Vec<Silence>,
}

impl RulesFile {
    /// A file of `rules` alone (no silences): what a backtest runs.
    pub fn of_rules(rules: &[Rule]) -> RulesFile {
        RulesFile {
            version: RULES_VERSION,
            description: None,
            rules: rules.to_vec(),
            silences: Vec::new(),
        }
    }
}

/// One named rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Unique name, shown on the incident it opens.
    pub name: String,
    /// 1 (most severe) or 2.
    pub severity: u8,
    /// Free text for whoever reads the incident.
    pub description: Option<String>,
    /// What it watches.
    pub target: Target,
    /// When it breaches.
    pub condition: Condition,
    /// How long the breach must hold before the rule fires (`for`), ms.
    pub hold: Option<Duration>,
    /// Where a firing rule resolves (hysteresis); None: where it fired.
    pub recover: Option<Recover>,
    /// 1-based line where the rule starts in the file it was read from.
    pub line: Option<u64>,
}

impl Rule {
    /// The `for` duration in ms (0 when absent).
    pub fn hold_ms(&self) -> i64 {
        self.hold.as_ref().map_or(0, |d| d.ms)
    }

    /// The condition in words, with its `for` and recovery: `above 900 for 1m, recovers
    /// at 850`.
    pub fn condition_text(&self) -> String {
        let mut s = self.condition.to_string();
        // A check rule's incident says so (its workspace, core::incident::card, reads it).
        if matches!(self.target, Target::Check(_)) && !s.starts_with(CHECK_PREFIX) {
            s.insert_str(0, CHECK_PREFIX);
        }
        if let Some(h) = &self.hold {
            s.push_str(&format!(" for {}", h.text));
        }
        match &self.recover {
            Some(Recover::Value(v)) => s.push_str(&format!(", recovers at {}", num(*v))),
            Some(Recover::Range { min, max }) => {
                s.push_str(&format!(", recovers inside {}..{}", num(*min), num(*max)))
            }
            None => {}
        }
        s
    }

    /// Equal but for the line it was read at (a reloaded file keeps such rules' state).
    pub fn same_as(&self, other: &Rule) -> bool {
        Rule {
            line: other.line,
            ..self.clone()
        } == *other
    }
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// One metric by name.
    Metric(String),
    /// Every metric whose name matches a glob (`*`, `?`); `*` alone is every metric.
    Pattern(String),
    /// An error code (or a glob of codes) of one build in an error stream.
    Errors {
        /// The code label or a glob of them.
        code: String,
        /// Which build's events are counted.
        build: Build,
    },
    /// A dataset check of the checks file, by name or glob of names, judged on each run of
    /// the checks (one-shot: no `for`).
    Check(String),
}

impl Target {
    /// Whether a metric named `name` is watched.
    pub fn matches_metric(&self, name: &str) -> bool {
        match self {
            Target::Metric(m) => m == name,
            Target::Pattern(p) => super::glob::matches(p, name),
            Target::Errors { .. } | Target::Check(_) => false,
        }
    }

    /// Whether the check named `name` is watched.
    pub fn matches_check(&self, name: &str) -> bool {
        match self {
            Target::Check(p) => super::glob::matches(p, name),
            _ => false,
        }
    }

    /// Whether error code `code` is watched.
    pub fn matches_code(&self, code: &str) -> bool {
        match self {
            Target::Errors { code: c, .. } => super::glob::matches(c, code),
            _ => false,
        }
    }
}

/// The build whose error events a rule counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Build {
    /// The stream's candidate build (the default).
    Candidate,
    /// The stream's baseline build.
    Baseline,
    /// A build by name.
    Named(String),
}

/// When a rule breaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// The value is above this.
    Above(f64),
    /// The value is below this.
    Below(f64),
    /// The value is below `min` or above `max`.
    Outside {
        /// Lower end of the allowed range.
        min: f64,
        /// Upper end of the allowed range.
        max: f64,
    },
    /// The change per second over `window` is above `above` (or below `below`).
    Rate {
        /// How far back the change is measured from.
        window: Duration,
        /// Fire above this many units per second.
        above: Option<f64>,
        /// Fire below this many units per second (a fall).
        below: Option<f64>,
    },
    /// No sample for this long.
    Absent(Duration),
    /// The learnt detector's score is above this (0 to 1).
    ScoreAbove(f64),
    /// Events of the code per second over `window` above this.
    ErrorRate {
        /// The counting window.
        window: Duration,
        /// Events per second.
        above: f64,
    },
    /// The candidate's count of the code over `window` above `times` the baseline's
    /// (a baseline of no events counts as one, so one stray event does not fire).
    ErrorRatio {
        /// The counting window.
        window: Duration,
        /// The factor k.
        times: f64,
    },
    /// The check did not pass (it warned or failed); a check that could not run does not
    /// count.
    Fails,
}

/// Where a firing rule resolves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Recover {
    /// One value: at or below it for `above` conditions, at or above it for `below` ones.
    Value(f64),
    /// Back inside this range (`outside` conditions).
    Range {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
}

/// A silence: incidents whose labels match every matcher while it is active are recorded
/// but marked silenced and not sent to any sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Label matchers, all of which must match (`rule="price high"`, `metric=~"cpu_.*"`).
    pub matchers: Vec<Matcher>,
    /// Stream ms it starts (None: from the start).
    pub start_ms: Option<i64>,
    /// Stream ms it ends, exclusive (None: never, for a recurring window).
    pub end_ms: Option<i64>,
    /// A daily window in UTC (`02:00-03:00`), active only then.
    pub daily: Option<Daily>,
    /// Why (shown on the silenced incident).
    pub comment: String,
    /// 1-based line where it starts in the file.
    pub line: Option<u64>,
}

pub(crate) fn num(v: f64) -> String {
    crate::core::checks::report::number_text(v)
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Above(v) => write!(f, "above {}", num(*v)),
            Condition::Below(v) => write!(f, "below {}", num(*v)),
            Condition::Outside { min, max } => {
                write!(f, "outside {}..{}", num(*min), num(*max))
            }
            Condition::Rate {
                window,
                above,
                below,
            } => match (above, below) {
                (Some(a), _) => write!(f, "rate over {} above {}/s", window.text, num(*a)),
                (_, Some(b)) => write!(f, "rate over {} below {}/s", window.text, num(*b)),
                _ => write!(f, "rate over {}", window.text),
            },
            Condition::Absent(d) => write!(f, "absent for {}", d.text),
            Condition::ScoreAbove(v) => write!(f, "detector score above {}", num(*v)),
            Condition::ErrorRate { window, above } => {
                write!(f, "error rate over {} above {}/s", window.text, num(*above))
            }
            Condition::ErrorRatio { window, times } => write!(
                f,
                "error count over {} above {} times the baseline's",
                window.text,
                num(*times)
            ),
            Condition::Fails => f.write_str(FAILS_TEXT),
        }
    }
}

impl Condition {
    /// The condition's key in the file.
    pub fn key(&self) -> &'static str {
        match self {
            Condition::Above(_) => "above",
            Condition::Below(_) => "below",
            Condition::Outside { .. } => "outside",
            Condition::Rate { .. } => "rate",
            Condition::Absent(_) => "absent",
            Condition::ScoreAbove(_) => "score_above",
            Condition::ErrorRate { .. } | Condition::ErrorRatio { .. } => "error_rate",
            Condition::Fails => "fails",
        }
    }
}

/// A `fails` condition in words (an incident's evidence reads it back).
pub const FAILS_TEXT: &str = "check fails";

/// How every check rule's condition text starts (`check above 0.2`, `check fails`).
pub const CHECK_PREFIX: &str = "check ";

/// The condition keys, in the order the docs list them.
pub const CONDITION_KEYS: [&str; 8] = [
    "above",
    "below",
    "outside",
    "rate",
    "absent",
    "score_above",
    "error_rate",
    "fails",
];

// ---- the file's shape ----

/// The top of the file, read first so its own mistakes are reported before the items'.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct RulesHead {
    pub version: Version,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rules: Vec<IgnoredAny>,
    #[serde(default)]
    pub silences: Vec<IgnoredAny>,
}

/// The file's `version`: only [`RULES_VERSION`] is accepted.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)]
pub(crate) struct Version(pub u32);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = number(
            d,
            "version 1 (the only rules-file version this pipescope reads)",
            |v| v == RULES_VERSION as f64,
        )?;
        Ok(Version(v as u32))
    }
}

/// A finite number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number(d, "a number", f64::is_finite).map(Number)
    }
}

/// A severity: 1 or 2.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Severity(pub u8);

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number(d, "severity 1 (page) or 2 (warn)", |v| v == 1.0 || v == 2.0)
            .map(|v| Severity(v as u8))
    }
}

/// One rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub name: String,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub build: Option<String>,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub above: Option<Number>,
    #[serde(default)]
    pub below: Option<Number>,
    #[serde(default)]
    pub outside: Option<Between>,
    #[serde(default)]
    pub rate: Option<RawRate>,
    #[serde(default)]
    pub absent: Option<Duration>,
    #[serde(default)]
    pub score_above: Option<Number>,
    #[serde(default)]
    pub error_rate: Option<RawErrorRate>,
    #[serde(default)]
    pub fails: Option<bool>,
    #[serde(default, rename = "for")]
    pub hold: Option<Duration>,
    #[serde(default)]
    pub recover: Option<RawRecover>,
}

/// `{min, max}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Between {
    pub min: Number,
    pub max: Number,
}

/// `rate: {window, above | below}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRate {
    pub window: Duration,
    #[serde(default)]
    pub above: Option<Number>,
    #[serde(default)]
    pub below: Option<Number>,
}

/// `error_rate: {window, above | times_baseline}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawErrorRate {
    pub window: Duration,
    #[serde(default)]
    pub above: Option<Number>,
    #[serde(default)]
    pub times_baseline: Option<Number>,
}

/// `recover: 850` or `recover: {min, max}`.
#[derive(Debug)]
pub(crate) enum RawRecover {
    Value(f64),
    Range(f64, f64),
}

impl<'de> Deserialize<'de> for RawRecover {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawRecover;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or {min, max} for an outside condition")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawRecover, E> {
                if v.is_finite() {
                    Ok(RawRecover::Value(v))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawRecover, E> {
                Ok(RawRecover::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawRecover, E> {
                Ok(RawRecover::Value(v as f64))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawRecover, A::Error> {
                let b = Between::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawRecover::Range(b.min.0, b.max.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// One silence as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSilence {
    pub matchers: Vec<Matcher>,
    #[serde(default)]
    pub start: Option<Instant>,
    #[serde(default)]
    pub end: Option<Instant>,
    #[serde(default)]
    pub daily: Option<Daily>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A stream time: ISO 8601 (epoch ms) or `H:MM:SS` (ms from the stream's start).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant(pub i64);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time such as \"2026-12-07T02:00:00Z\" or \"1:30:00\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Instant, E> {
                crate::core::time::parse_timestamp_ms(v)
                    .map(Instant)
                    .map_err(|e| {
                        E::custom(format_args!(
                            "invalid value: time {v:?}, expected a time such as \"2026-12-07T02:00:00Z\" or \"1:30:00\" ({e})"
                        ))
                    })
            }
        }
        d.deserialize_str(V)
    }
}
