//! The checks file's value types that validate themselves while they are read, so a bad
//! share, pattern, duration or bound is reported at its own line and column by the
//! JSON or YAML reader (an error raised inside a visitor takes the value's position).

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::core::ingest::table::ColumnType;

/// The only version of the checks file this build reads.
pub const CHECKS_VERSION: u32 = 1;

/// Reads a number (integer or decimal) and checks it with `ok`; a failing value is
/// reported as an invalid value with `expected`, at the value's position.
pub(crate) fn number<'de, D: Deserializer<'de>>(
    d: D,
    expected: &'static str,
    ok: fn(f64) -> bool,
) -> Result<f64, D::Error> {
    struct V(&'static str, fn(f64) -> bool);
    impl V {
        fn check<E: de::Error>(&self, v: f64, shown: Unexpected) -> Result<f64, E> {
            if (self.1)(v) {
                Ok(v)
            } else {
                Err(E::invalid_value(shown, &self.0))
            }
        }
    }
    impl Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            self.check(v, Unexpected::Float(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            self.check(v as f64, Unexpected::Signed(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            self.check(v as f64, Unexpected::Unsigned(v))
        }
    }
    d.deserialize_f64(V(expected, ok))
}

/// The file's `version`: only [`CHECKS_VERSION`] is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub u32);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = number(
            d,
            "version 1 (the only checks-file version this pipescope reads)",
            |v| v == CHECKS_VERSION as f64,
        )?;
        Ok(Version(v as u32))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

/// A share of rows or values, in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Share(pub f64);

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number(d, "a share between 0 and 1 (0.05 is 5%)", |v| {
            (0.0..=1.0).contains(&v)
        })
        .map(Share)
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

/// A threshold that cannot be negative (a drift effect or PSI).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct NonNegative(pub f64);

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number(d, "a number of 0 or more", |v| v.is_finite() && v >= 0.0).map(NonNegative)
    }
}

impl Serialize for NonNegative {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

/// A compiled regular expression (the `regex` crate's syntax), kept with its source.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The expression as written.
    pub source: String,
    /// Compiled once, when the file is read.
    pub regex: regex::Regex,
}

impl Pattern {
    /// Compiles `source`, or says why it is no regular expression.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            source: source.to_string(),
            regex: regex::Regex::new(source)?,
        })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Pattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a regular expression")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Pattern, E> {
                Pattern::new(v).map_err(|e| {
                    // The regex error spans several lines (the pattern, a caret, the
                    // reason); its last line is the reason.
                    let why = e.to_string();
                    let why = why.lines().last().unwrap_or("").trim_start_matches("error: ");
                    E::custom(format_args!(
                        "invalid value: regular expression {v:?}, expected a valid regular expression ({why})"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

pub use crate::core::time::Duration;

/// A bound of a range or statistic: a number, or a time (ISO 8601 or another form
/// [`crate::core::time::parse_timestamp_ms`] reads) for a datetime column.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A number.
    Number(f64),
    /// A time, kept as written and as epoch milliseconds.
    Time {
        /// The text as written.
        text: String,
        /// Milliseconds since the Unix epoch.
        ms: i64,
    },
}

impl Bound {
    /// The bound on the scale a column's values are stored in: numbers as they are,
    /// times as epoch seconds (as datetime columns hold them).
    pub fn value(&self) -> f64 {
        match self {
            Bound::Number(v) => *v,
            Bound::Time { ms, .. } => *ms as f64 / 1000.0,
        }
    }

    /// The bound as written.
    pub fn text(&self) -> String {
        match self {
            Bound::Number(v) => super::report::number_text(*v),
            Bound::Time { text, .. } => text.clone(),
        }
    }

    /// Parses a time bound.
    pub fn time(text: &str) -> Result<Bound, crate::core::time::TimestampError> {
        let ms = crate::core::time::parse_timestamp_ms(text)?;
        Ok(Bound::Time {
            text: text.to_string(),
            ms,
        })
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a time such as \"2026-01-31T00:00:00Z\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound, E> {
                if v.is_finite() {
                    Ok(Bound::Number(v))
                } else {
                    Err(E::invalid_value(Unexpected::Float(v), &self))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bound, E> {
                Bound::time(v).map_err(|e| {
                    E::custom(format_args!(
                        "invalid value: time {v:?}, expected a number or a time such as \"2026-01-31T00:00:00Z\" ({e})"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Bound {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Whole numbers are written without ".0", so a suggested file reads naturally.
            Bound::Number(v) if v.fract() == 0.0 && v.abs() < 9e15 => s.serialize_i64(*v as i64),
            Bound::Number(v) => s.serialize_f64(*v),
            Bound::Time { text, .. } => s.serialize_str(text),
        }
    }
}

/// The types a column may have in a `schema` check: one type, a list, or `any`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSet(pub Vec<ColumnType>);

impl TypeSet {
    /// Whether `kind` is allowed (an empty set is `any`).
    pub fn allows(&self, kind: ColumnType) -> bool {
        self.0.is_empty() || self.0.contains(&kind)
    }

    /// The set in words: `numeric`, `categorical or text`, `any type`.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "any type".into();
        }
        self.0
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

const TYPE_NAMES: &str = "numeric, categorical, boolean, datetime, text or any";

impl<'de> Deserialize<'de> for TypeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn one<E: de::Error>(v: &str) -> Result<Option<ColumnType>, E> {
            if v.trim().eq_ignore_ascii_case("any") {
                return Ok(None);
            }
            ColumnType::parse(v)
                .map(Some)
                .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &TYPE_NAMES))
        }
        impl<'de> Visitor<'de> for V {
            type Value = TypeSet;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a column type ({TYPE_NAMES}) or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeSet, E> {
                Ok(TypeSet(one(v)?.into_iter().collect()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<TypeSet, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    match one::<A::Error>(&s)? {
                        Some(t) if !out.contains(&t) => out.push(t),
                        Some(_) => {}
                        // `any` in a list makes the whole list `any`.
                        None => return Ok(TypeSet(Vec::new())),
                    }
                }
                Ok(TypeSet(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for TypeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [] => s.serialize_str("any"),
            [one] => s.serialize_str(one.name()),
            many => s.collect_seq(many.iter().map(|t| t.name())),
        }
    }
}

/// An allowed value: written as text, a number or a boolean, compared as text with
/// labels and as a number with numeric columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, number or boolean value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(super::report::number_text(v)))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A map written in the file whose order is kept (column name to value), as a list of
/// pairs; a repeated key is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of column names")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    if out.iter().any(|(n, _)| *n == k) {
                        return Err(de::Error::custom(format_args!(
                            "invalid value: column {k:?} listed twice, expected each column once"
                        )));
                    }
                    let v = map.next_value()?;
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}
