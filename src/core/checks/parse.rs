//! Reading a checks file (JSON or YAML) into [`Checks`], with every error typed and placed:
//! the reader's own position for what it refuses (syntax, unknown keys, wrong types,
//! values out of range), the check's line for what is judged after reading (one rule a
//! check, min <= max, unique names).

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;

use super::error::{ChecksError, ChecksErrorKind};
use super::spec::{Check, Checks, DriftMetric, Head, RawCheck, RawChecks, Rule};
use super::values::Bound;
use crate::core::file_error::ItemRef;

/// The two ways a checks file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// The format a file name says (`.json`, `.yaml`, `.yml`), if it says one.
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }

    /// The format the text looks like: JSON when it starts with `{`, else YAML.
    pub fn sniff(text: &str) -> Format {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// Reads a checks file.
///
/// ```
/// use pipescope::core::checks::{parse, Format, Rule};
/// let text = "version: 1\nchecks:\n  - name: rows\n    row_count: {min: 1}\n";
/// let checks = parse(text, Format::Yaml).unwrap();
/// assert!(matches!(checks.checks[0].rule, Rule::RowCount(_)));
/// assert_eq!(checks.checks[0].line, Some(3));
/// let bad = parse("version: 1\nchecks:\n  - name: rows\n    row_count: {mni: 1}\n", Format::Yaml);
/// assert_eq!(bad.unwrap_err().line, Some(4));
/// ```
pub fn parse(text: &str, format: Format) -> Result<Checks, ChecksError> {
    let text = text.trim_start_matches('\u{feff}');
    typed::<Head>(text, format, "checks")?;
    let raw: RawChecks = typed(text, format, "checks")?;
    let lines: Vec<Option<u64>> = (0..raw.checks.len())
        .map(|i| item_line(text, format, "checks", i))
        .collect();
    let mut checks = Vec::with_capacity(raw.checks.len());
    for (index, (rc, line)) in raw.checks.into_iter().zip(lines).enumerate() {
        let at = |kind| ChecksError {
            kind,
            line,
            column: None,
            item: Some(ItemRef {
                list: "checks",
                index,
                name: Some(rc.name.clone()),
            }),
            path: Some(format!("checks[{index}]")),
        };
        if let Some(first) = checks.iter().find(|c: &&Check| c.name == rc.name) {
            return Err(at(ChecksErrorKind::DuplicateName {
                first_line: first.line,
            }));
        }
        if rc.name.trim().is_empty() {
            return Err(at(ChecksErrorKind::InvalidValue {
                found: "an empty name".into(),
                expected: "a name that says what the check is for".into(),
            }));
        }
        let name = rc.name.clone();
        let (level, description) = (rc.level, rc.description.clone());
        let mut rules = RawCheck::rules(rc.clone());
        let rule = match rules.len() {
            0 => return Err(at(ChecksErrorKind::NoRule)),
            1 => rules.pop().expect("one rule"),
            _ => {
                return Err(at(ChecksErrorKind::SeveralRules {
                    rules: rules.iter().map(Rule::key).collect(),
                }))
            }
        };
        validate_rule(&rule).map_err(at)?;
        checks.push(Check {
            name,
            level,
            description,
            rule,
            line,
        });
    }
    Ok(Checks {
        version: raw.version,
        description: raw.description,
        checks,
    })
}

/// Checks a rule's settings against each other.
fn validate_rule(rule: &Rule) -> Result<(), ChecksErrorKind> {
    let bounds = |min: Option<&Bound>, max: Option<&Bound>| match (min, max) {
        (None, None) => Err(ChecksErrorKind::MissingKey {
            key: "min or max".into(),
        }),
        (Some(a), Some(b)) if a.value() > b.value() => Err(ChecksErrorKind::MinAboveMax {
            min: a.text(),
            max: b.text(),
        }),
        _ => Ok(()),
    };
    match rule {
        Rule::RowCount(r) => match (r.min, r.max) {
            (None, None) => Err(ChecksErrorKind::MissingKey {
                key: "min or max".into(),
            }),
            (Some(a), Some(b)) if a > b => Err(ChecksErrorKind::MinAboveMax {
                min: a.to_string(),
                max: b.to_string(),
            }),
            _ => Ok(()),
        },
        Rule::Range(r) => bounds(r.min.as_ref(), r.max.as_ref()),
        Rule::Mean(r) | Rule::Median(r) => bounds(r.min.as_ref(), r.max.as_ref()),
        Rule::Quantile(r) => bounds(r.min.as_ref(), r.max.as_ref()),
        Rule::Allowed(r) if r.values.is_empty() => Err(ChecksErrorKind::InvalidValue {
            found: "an empty list".into(),
            expected: "at least one allowed value".into(),
        }),
        Rule::Drift(d) => {
            if d.threshold.is_none() && d.columns.is_none() {
                return Err(ChecksErrorKind::MissingKey {
                    key: "threshold or columns".into(),
                });
            }
            if d.metric == DriftMetric::Effect {
                let all = d.threshold.iter().map(|t| ("threshold".to_string(), t.0));
                let each = d
                    .columns
                    .iter()
                    .flat_map(|c| c.0.iter().map(|(n, t)| (format!("columns.{n}"), t.0)));
                if let Some((key, v)) = all.chain(each).find(|x| x.1 > 1.0) {
                    return Err(ChecksErrorKind::InvalidValue {
                        found: format!("{key} {v}"),
                        expected: "an effect threshold between 0 and 1 (metric: effect)".into(),
                    });
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Deserialises `T` from the text, turning the reader's error into a [`ChecksError`];
/// `list` is the key of the file's list of items (`checks`, `rules`), whose item an error
/// inside it is attributed to.
pub(crate) fn typed<T: DeserializeOwned>(
    text: &str,
    format: Format,
    list: &'static str,
) -> Result<T, ChecksError> {
    read_seed(text, format, list, std::marker::PhantomData::<T>)
}

/// Deserialises only item `index` of the file's `list` as `T`, skipping the others
/// unread, so every item of a file can be judged on its own (an editor shows all the
/// mistakes at once, not only the first). None when the list has no such item.
pub(crate) fn element<T: DeserializeOwned>(
    text: &str,
    format: Format,
    list: &'static str,
    index: usize,
) -> Result<Option<T>, ChecksError> {
    read_seed(
        text,
        format,
        list,
        ElementFile::<T> {
            list,
            index,
            item: std::marker::PhantomData,
        },
    )
}

/// The one reader behind [`typed`] and [`element`]: the path of a failing key is tracked
/// whatever `seed` reads.
fn read_seed<'a, S>(
    text: &'a str,
    format: Format,
    list: &'static str,
    seed: S,
) -> Result<S::Value, ChecksError>
where
    S: DeserializeSeed<'a>,
{
    let mut track = serde_path_to_error::Track::new();
    match format {
        Format::Json => {
            let json_error = |path: Option<&serde_path_to_error::Path>,
                              inner: serde_json::Error| {
                let syntax = matches!(
                    inner.classify(),
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof
                );
                let message = strip_position(&inner.to_string());
                let position =
                    Some((inner.line() as u64, inner.column() as u64)).filter(|p| p.0 > 0);
                located(text, format, list, path, message, syntax, position)
            };
            let mut de = serde_json::Deserializer::from_str(text);
            let result =
                seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
            match result {
                // Text after the document is refused too.
                Ok(v) => de.end().map(|_| v).map_err(|e| json_error(None, e)),
                Err(e) => Err(json_error(Some(&track.path()), e)),
            }
        }
        Format::Yaml => {
            let de = serde_norway::Deserializer::from_str(text);
            seed.deserialize(serde_path_to_error::Deserializer::new(de, &mut track))
                .map_err(|inner| {
                    let path = track.path();
                    let position = inner
                        .location()
                        .map(|l| (l.line() as u64, l.column() as u64));
                    let full = strip_position(&inner.to_string());
                    // The YAML reader puts its own path before the message; ours is kept apart.
                    let message = match full.split_once(": ") {
                        Some((p, rest)) if !p.contains(' ') && !p.is_empty() => rest.to_string(),
                        _ => full.clone(),
                    };
                    // What is not one of serde's data messages comes from the YAML parser.
                    let syntax = classify(&message).is_none();
                    located(text, format, list, Some(&path), message, syntax, position)
                })
        }
    }
}

/// Walks to the file's list `list` and reads its item `index` as `T`, the rest unread.
struct ElementFile<T> {
    list: &'static str,
    index: usize,
    item: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ElementFile<T> {
    type Value = Option<T>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ElementFile<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut out = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.list {
                out = map.next_value_seed(ElementList::<T>(self.index, self.item))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

struct ElementList<T>(usize, std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ElementList<T> {
    type Value = Option<T>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ElementList<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        for _ in 0..self.0 {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(None);
            }
        }
        let out = seq.next_element::<T>()?;
        // The readers refuse a list left half read.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(out)
    }
}

/// Cuts the reader's " at line L column C" (and anything after it) from a message.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Builds the typed error: kind from the message, the check from the path.
fn located(
    text: &str,
    format: Format,
    list: &'static str,
    path: Option<&serde_path_to_error::Path>,
    message: String,
    syntax: bool,
    position: Option<(u64, u64)>,
) -> ChecksError {
    let mut kind = if syntax {
        ChecksErrorKind::Syntax { message }
    } else {
        classify(&message).unwrap_or(ChecksErrorKind::Other { message })
    };
    let at_version = path.is_some_and(|p| p.to_string() == "version");
    if let (true, ChecksErrorKind::InvalidValue { found, .. }) = (at_version, &kind) {
        // `floating point `2.0`` reads as the version the file says: 2.
        let v = found.split('`').nth(1).unwrap_or(found);
        let v = v.strip_suffix(".0").unwrap_or(v);
        kind = ChecksErrorKind::UnsupportedVersion {
            found: v.to_string(),
        };
    }
    let mut segments = path.into_iter().flat_map(|p| p.iter());
    let check = match (segments.next(), segments.next()) {
        (
            Some(serde_path_to_error::Segment::Map { key }),
            Some(serde_path_to_error::Segment::Seq { index }),
        ) if key == list => Some(ItemRef {
            list,
            index: *index,
            name: item_name(text, format, list, *index),
        }),
        _ => None,
    };
    let path = path.map_or(String::from("."), |p| p.to_string());
    ChecksError {
        kind,
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        item: check,
        path: (path != ".").then_some(path),
    }
}

/// Turns serde's standard messages into kinds; None for a message of none of them.
pub(crate) fn classify(message: &str) -> Option<ChecksErrorKind> {
    let tidy = |s: &str| {
        // Name serde's generated types in the file's words.
        s.replace(
            "struct RawCheck",
            "a check (a map of name, level and one rule)",
        )
        .replace("struct RawChecks", "a map of version and checks")
        .replace(
            "struct RawRule",
            "a rule (a map of name, target, one condition and its settings)",
        )
        .replace(
            "struct RawSilence",
            "a silence (a map of matchers, times and a comment)",
        )
        .replace("struct RulesHead", "a map of version, rules and silences")
        .replace("struct Head", "a map of version and checks")
        .replace("enum Level", "warn or fail")
        .replace("enum DriftMetric", "effect or psi")
        .replace("u64", "a whole number of 0 or more")
        .replace("struct ", "a map: ")
    };
    let backticked = |s: &str| s.split('`').nth(1).unwrap_or(s).to_string();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (key, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches("expected ")
            .trim_start_matches("one of ")
            .replace('`', "'");
        let expected = if expected == "there are no fields" {
            "no keys here".to_string()
        } else {
            expected
        };
        return Some(ChecksErrorKind::UnknownKey {
            key: backticked(key),
            expected,
        });
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return Some(ChecksErrorKind::MissingKey {
            key: backticked(rest),
        });
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return Some(ChecksErrorKind::InvalidValue {
            found: format!("key '{}' twice", backticked(rest)),
            expected: "each key once".into(),
        });
    }
    for (prefix, wrong_type) in [("invalid type: ", true), ("invalid value: ", false)] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
            let (found, expected) = (tidy(found), tidy(expected));
            return Some(if wrong_type {
                ChecksErrorKind::WrongType { found, expected }
            } else {
                ChecksErrorKind::InvalidValue { found, expected }
            });
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return Some(ChecksErrorKind::InvalidValue {
            found: format!("'{}'", backticked(found)),
            expected: expected.replace('`', "'"),
        });
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        return Some(ChecksErrorKind::InvalidValue {
            found: format!("length {rest}"),
            expected: String::new(),
        });
    }
    None
}

/// The name of item `index` of the file's `list`, read leniently (the file may be wrong
/// elsewhere).
pub(crate) fn item_name(text: &str, format: Format, list: &str, index: usize) -> Option<String> {
    let file: serde_json::Value = match format {
        Format::Json => serde_json::from_str(text).ok()?,
        Format::Yaml => serde_norway::from_str(text).ok()?,
    };
    file.get(list)?
        .get(index)?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

/// The line where item `index` of the file's `list` starts (that of its first key). The readers give
/// positions only with errors, so this reads the file once more and stops with an error
/// at the start of that check: the reader stamps it with the check's position. One reading a check is cheap for
/// files of a few hundred checks, the size such files have.
pub(crate) fn item_line(text: &str, format: Format, list: &str, index: usize) -> Option<u64> {
    let probe = ProbeFile(list, index);
    let position = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let e = probe.deserialize(&mut de).err()?;
            (e.line() > 0).then_some(e.line() as u64)
        }
        Format::Yaml => {
            let de = serde_norway::Deserializer::from_str(text);
            let e = probe.deserialize(de).err()?;
            e.location().map(|l| l.line() as u64)
        }
    };
    position
}

/// Walks to the list `.0` and fails at the start of its element `.1`.
struct ProbeFile<'l>(&'l str, usize);

impl<'de> DeserializeSeed<'de> for ProbeFile<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProbeFile<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.0 {
                return map.next_value_seed(ProbeList(self.1));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct ProbeList(usize);

impl<'de> DeserializeSeed<'de> for ProbeList {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ProbeList {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for _ in 0..self.0 {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(ProbeStop).map(|_| ())
    }
}

/// Opens the element as a map and stops there with an error.
struct ProbeStop;

impl<'de> DeserializeSeed<'de> for ProbeStop {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProbeStop {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a check")
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<(), A::Error> {
        Err(de::Error::custom("here"))
    }
}
