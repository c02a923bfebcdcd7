//! Prometheus HTTP API JSON responses (`/api/v1/query`, `/api/v1/query_range`) read into a
//! metric table. The rules are in the parent module's documentation.
//!
//! Two readers share one result: a typed serde parse for well-formed `matrix` and `vector`
//! responses (fast: sample values are parsed straight from the borrowed bytes, with no
//! allocation per sample), and a walk over a `serde_json::Value` for everything else, which
//! can say where a response goes wrong by JSON path. The fast reader only ever accepts
//! responses the walk accepts the same way; when it declines, the walk decides.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{finish, s, MetricTable, Note, NoteKind, SourceError, SourceFormat, MAX_CELLS};
use crate::core::time::whole_ms;

/// Reads a Prometheus HTTP API JSON response (`resultType` `matrix`, `vector` or `scalar`).
pub fn read_prometheus_json(bytes: &[u8]) -> Result<MetricTable, SourceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let raw = match fast(bytes) {
        Some(raw) => raw,
        None => {
            let value: Value = serde_json::from_slice(bytes).map_err(json_error)?;
            walk(&value)?
        }
    };
    build(raw)
}

fn json_error(e: serde_json::Error) -> SourceError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the position goes in its own fields.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    SourceError::Json {
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// One sample value as Prometheus writes it: a string holding a float.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Num(f64),
    /// `NaN`, `+Inf`, `-Inf`.
    NonFinite,
    /// Not a number at all.
    Bad,
}

impl Val {
    fn parse(s: &str) -> Val {
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Val::Num(v),
            Ok(_) => Val::NonFinite,
            Err(_) => Val::Bad,
        }
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Val;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sample value string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
                Ok(Val::parse(v))
            }
            // Some exporters write the value as a JSON number; the walk takes those too.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val, E> {
                Ok(Val::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val, E> {
                Ok(Val::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val, E> {
                Ok(Val::Num(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[time in epoch seconds, "value"]`.
#[derive(Deserialize)]
struct Sample(f64, Val);

#[derive(Deserialize)]
struct FastSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: Option<Sample>,
    values: Option<Vec<Sample>>,
    histogram: Option<IgnoredAny>,
    histograms: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct FastData<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    result: Vec<FastSeries>,
}

#[derive(Deserialize)]
struct FastResponse<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<FastData<'a>>,
    warnings: Option<Vec<String>>,
    infos: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Matrix,
    Vector,
    Scalar,
}

struct RawSeries {
    labels: BTreeMap<String, String>,
    samples: Vec<(f64, Val)>,
}

struct Raw {
    kind: Kind,
    series: Vec<RawSeries>,
    notes: Vec<Note>,
}

fn warning_notes(warnings: &[&str], infos: &[&str]) -> Vec<Note> {
    // The server's text is shown as it came, cut short: a proxy can answer anything.
    let clip = |m: &&str| crate::core::text::clip_to(m, 500).into_owned();
    let w = warnings
        .iter()
        .map(|m| format!("Prometheus warned: {}", clip(m)));
    let i = infos
        .iter()
        .map(|m| format!("Prometheus noted: {}", clip(m)));
    w.chain(i)
        .map(|m| Note::new(NoteKind::Warning, m))
        .collect()
}

/// The typed reader; None when the response is anything but a well-formed success.
fn fast(bytes: &[u8]) -> Option<Raw> {
    let r: FastResponse = serde_json::from_slice(bytes).ok()?;
    if r.status.as_deref() != Some("success") {
        return None;
    }
    let data = r.data?;
    let kind = match &*data.result_type {
        "matrix" => Kind::Matrix,
        "vector" => Kind::Vector,
        _ => return None,
    };
    let mut series = Vec::with_capacity(data.result.len());
    for s in data.result {
        if s.histogram.is_some() || s.histograms.is_some() {
            return None;
        }
        let samples = match (kind, s.value, s.values) {
            (Kind::Matrix, None, Some(v)) => v.into_iter().map(|Sample(t, v)| (t, v)).collect(),
            (Kind::Vector, Some(Sample(t, v)), None) => vec![(t, v)],
            _ => return None,
        };
        series.push(RawSeries {
            labels: s.metric,
            samples,
        });
    }
    let strs = |v: &Option<Vec<String>>| -> Vec<String> { v.clone().unwrap_or_default() };
    let (w, i) = (strs(&r.warnings), strs(&r.infos));
    let notes = warning_notes(
        &w.iter().map(String::as_str).collect::<Vec<_>>(),
        &i.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    Some(Raw {
        kind,
        series,
        notes,
    })
}

/// What a JSON value is, for messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the value {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a JSON string".into(),
        Value::Array(a) if a.is_empty() => "an empty JSON array".into(),
        Value::Array(_) => "a JSON array".into(),
        Value::Object(m) if m.is_empty() => "an empty object".into(),
        Value::Object(m) => {
            let keys: Vec<_> = m
                .keys()
                .take(8)
                .map(|k| crate::core::text::clip(k))
                .collect();
            let more = if m.len() > 8 { ", …" } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

fn shape(path: impl Into<String>, message: impl Into<String>) -> SourceError {
    SourceError::Shape {
        path: path.into(),
        message: message.into(),
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// The reference reader: every shape check, with the JSON path of what is wrong.
fn walk(root: &Value) -> Result<Raw, SourceError> {
    let Value::Object(top) = root else {
        return Err(SourceError::NotPrometheus {
            found: describe(root),
        });
    };
    let status = top.get("status");
    if status.and_then(Value::as_str) == Some("error") {
        let text = |k: &str| match top.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "unknown".into(),
            Some(other) => other.to_string(),
        };
        return Err(SourceError::Prometheus {
            error_type: text("errorType"),
            error: text("error"),
        });
    }
    let data = top.get("data");
    if status.is_none() && data.is_none() {
        return Err(SourceError::NotPrometheus {
            found: describe(root),
        });
    }
    match status {
        Some(Value::String(s)) if s == "success" => {}
        None => {}
        Some(other) => {
            return Err(shape(
                "status",
                format!("expected \"success\" or \"error\", found {}", short(other)),
            ))
        }
    }
    let data = match data {
        Some(Value::Object(d)) => d,
        Some(other) => {
            return Err(shape(
                "data",
                format!(
                    "expected an object with resultType and result, found {}",
                    describe(other)
                ),
            ))
        }
        None => return Err(shape("data", "the response has a status but no data")),
    };
    let kind = match data.get("resultType") {
        Some(Value::String(t)) => match t.as_str() {
            "matrix" => Kind::Matrix,
            "vector" => Kind::Vector,
            "scalar" => Kind::Scalar,
            "string" => {
                return Err(SourceError::Unsupported {
                    path: "data.resultType".into(),
                    message: "a string result holds no numbers to replay; query a metric instead"
                        .into(),
                })
            }
            other => {
                return Err(shape(
                    "data.resultType",
                    format!(
                        "unknown result type '{}'; expected matrix, vector or scalar",
                        crate::core::text::clip(other)
                    ),
                ))
            }
        },
        Some(other) => {
            return Err(shape(
                "data.resultType",
                format!(
                    "expected \"matrix\", \"vector\" or \"scalar\", found {}",
                    short(other)
                ),
            ))
        }
        None => {
            return Err(SourceError::NotPrometheus {
                found: format!(
                    "data as {} without resultType",
                    describe(&Value::Object(data.clone()))
                ),
            })
        }
    };
    let result = data
        .get("result")
        .ok_or_else(|| shape("data.result", "the response has no result"))?;
    let series = if kind == Kind::Scalar {
        vec![RawSeries {
            labels: BTreeMap::new(),
            samples: vec![sample(result, "data.result")?],
        }]
    } else {
        let Value::Array(items) = result else {
            return Err(shape(
                "data.result",
                format!("expected a list of series, found {}", describe(result)),
            ));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("data.result[{i}]");
            let Value::Object(obj) = item else {
                return Err(shape(
                    path,
                    format!("expected a series object, found {}", describe(item)),
                ));
            };
            for key in ["histogram", "histograms"] {
                if obj.contains_key(key) {
                    return Err(SourceError::Unsupported {
                        path: format!("{path}.{key}"),
                        message: "native histograms are not supported; query a float series, \
                                  such as histogram_quantile(0.9, rate(m[5m])) or a _count or _sum series"
                            .into(),
                    });
                }
            }
            let mut labels = BTreeMap::new();
            match obj.get("metric") {
                None | Some(Value::Null) => {}
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        let Value::String(v) = v else {
                            return Err(shape(
                                format!("{path}.metric.{}", crate::core::text::clip(k)),
                                format!("a label value must be a string, found {}", describe(v)),
                            ));
                        };
                        labels.insert(k.clone(), v.clone());
                    }
                }
                Some(other) => {
                    return Err(shape(
                        format!("{path}.metric"),
                        format!("expected an object of labels, found {}", describe(other)),
                    ))
                }
            }
            let samples = match kind {
                Kind::Matrix => match obj.get("values") {
                    Some(Value::Array(vs)) => vs
                        .iter()
                        .enumerate()
                        .map(|(j, v)| sample(v, &format!("{path}.values[{j}]")))
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(other) => {
                        return Err(shape(
                            format!("{path}.values"),
                            format!(
                                "expected a list of [time, \"value\"] pairs, found {}",
                                describe(other)
                            ),
                        ))
                    }
                    None => {
                        return Err(shape(
                            path,
                            "a matrix series needs \"values\": [[time, \"value\"], ...]",
                        ))
                    }
                },
                _ => match obj.get("value") {
                    Some(v) => vec![sample(v, &format!("{path}.value"))?],
                    None => {
                        return Err(shape(
                            path,
                            "a vector series needs \"value\": [time, \"value\"]",
                        ))
                    }
                },
            };
            out.push(RawSeries { labels, samples });
        }
        out
    };
    let notes = warning_notes(&strings(top.get("warnings")), &strings(top.get("infos")));
    Ok(Raw {
        kind,
        series,
        notes,
    })
}

/// `[time, "value"]`; the time may also be a string holding a number.
fn sample(v: &Value, path: &str) -> Result<(f64, Val), SourceError> {
    let expected = || {
        shape(
            path,
            format!(
                "expected [time in epoch seconds, \"value\"], found {}",
                short(v)
            ),
        )
    };
    let Value::Array(pair) = v else {
        return Err(expected());
    };
    let [t, x] = pair.as_slice() else {
        return Err(expected());
    };
    let t = match t {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(expected)?;
    let x = match x {
        Value::String(s) => Val::parse(s),
        Value::Number(n) => n.as_f64().map_or(Val::Bad, Val::Num),
        _ => return Err(expected()),
    };
    Ok((t, x))
}

/// A JSON value as text for a message, cut short.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Prometheus' own text form: `name{a="x",b="y"}`, labels sorted, values escaped.
fn series_name(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    if rest.is_empty() && !name.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", rest.join(","))
    }
}

fn build(raw: Raw) -> Result<MetricTable, SourceError> {
    let Raw {
        kind,
        series,
        mut notes,
    } = raw;
    let result_type = match kind {
        Kind::Matrix => "matrix",
        Kind::Vector => "vector",
        Kind::Scalar => "scalar",
    };
    let sample_path = |i: usize, j: usize| match kind {
        Kind::Matrix => format!("data.result[{i}].values[{j}]"),
        Kind::Vector => format!("data.result[{i}].value"),
        Kind::Scalar => "data.result".to_string(),
    };

    let mut names: Vec<String> = Vec::with_capacity(series.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in &series {
        let base = if kind == Kind::Scalar {
            "scalar".to_string()
        } else {
            series_name(&s.labels)
        };
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        names.push(if *n == 1 {
            base
        } else {
            format!("{base} ({n})")
        });
    }

    // Per series: times to ms, values checked, samples sorted and made distinct.
    let (mut non_finite, mut first_non_finite) = (0usize, None);
    let (mut bad, mut first_bad) = (0usize, None);
    let (mut moved, mut first_moved) = (0usize, None);
    let (mut dups, mut first_dup) = (0usize, None);
    let mut cleaned: Vec<Vec<(i64, f64)>> = Vec::with_capacity(series.len());
    for (i, s) in series.iter().enumerate() {
        let mut out: Vec<(i64, f64)> = Vec::with_capacity(s.samples.len());
        let mut newest = i64::MIN;
        for (j, &(t, v)) in s.samples.iter().enumerate() {
            let Some(ms) = whole_ms(t * 1000.0) else {
                return Err(shape(
                    sample_path(i, j),
                    format!("{t} is not a time in epoch seconds"),
                ));
            };
            let value = match v {
                Val::Num(x) => x,
                Val::NonFinite => {
                    non_finite += 1;
                    first_non_finite.get_or_insert_with(|| sample_path(i, j));
                    f64::NAN
                }
                Val::Bad => {
                    bad += 1;
                    first_bad.get_or_insert_with(|| sample_path(i, j));
                    f64::NAN
                }
            };
            if ms < newest {
                moved += 1;
                first_moved.get_or_insert_with(|| sample_path(i, j));
            }
            newest = newest.max(ms);
            out.push((ms, value));
        }
        out.sort_by_key(|p| p.0);
        // A repeated time keeps the last sample (the sort is stable, so file order).
        let mut distinct: Vec<(i64, f64)> = Vec::with_capacity(out.len());
        for (j, p) in out.into_iter().enumerate() {
            match distinct.last_mut() {
                Some(last) if last.0 == p.0 => {
                    dups += 1;
                    first_dup.get_or_insert_with(|| {
                        format!(
                            "{} ({})",
                            sample_path(i, j),
                            crate::core::text::clip(&names[i])
                        )
                    });
                    if !p.1.is_nan() {
                        last.1 = p.1;
                    }
                }
                _ => distinct.push(p),
            }
        }
        cleaned.push(distinct);
    }
    if bad > 0 {
        notes.push(Note::new(
            NoteKind::NonNumeric,
            format!(
                "{bad} sample value{} {} treated as missing (first at {}).",
                s(bad),
                if bad == 1 {
                    "is not a number and is"
                } else {
                    "are not numbers and are"
                },
                first_bad.unwrap_or_default()
            ),
        ));
    }
    if non_finite > 0 {
        notes.push(Note::new(
            NoteKind::NonFinite,
            format!(
                "{non_finite} sample value{} {} NaN or ±Inf and {} treated as missing (first at {}).",
                s(non_finite),
                if non_finite == 1 { "is" } else { "are" },
                if non_finite == 1 { "is" } else { "are" },
                first_non_finite.unwrap_or_default()
            ),
        ));
    }
    if moved > 0 {
        notes.push(Note::new(
            NoteKind::Sorted,
            format!(
                "{moved} sample{} earlier than the one before {} sorted into time order (first at {}).",
                s(moved),
                if moved == 1 { "it was" } else { "them were" },
                first_moved.unwrap_or_default()
            ),
        ));
    }
    if dups > 0 {
        notes.push(Note::new(
            NoteKind::Duplicates,
            format!(
                "{dups} sample{} repeated the time of another sample of the same series; the last non-missing one is kept (first at {}).",
                s(dups),
                first_dup.unwrap_or_default()
            ),
        ));
    }

    let mut times: Vec<i64> = cleaned.iter().flatten().map(|p| p.0).collect();
    times.sort_unstable();
    times.dedup();
    if times.is_empty() {
        return Err(SourceError::NoSamples {
            result_type: result_type.into(),
        });
    }
    if times.len().saturating_mul(names.len()) > MAX_CELLS {
        return Err(SourceError::TooLarge {
            rows: times.len(),
            metrics: names.len(),
        });
    }
    let columns: Vec<Vec<f64>> = cleaned
        .iter()
        .map(|samples| {
            let mut column = vec![f64::NAN; times.len()];
            // Both lists are sorted: one merge pass places every sample.
            let mut row = 0;
            for &(t, v) in samples {
                while times[row] < t {
                    row += 1;
                }
                column[row] = v;
            }
            column
        })
        .collect();
    let format = match kind {
        Kind::Matrix => SourceFormat::PrometheusMatrix,
        Kind::Vector | Kind::Scalar => SourceFormat::PrometheusVector,
    };
    finish(names, times, columns, notes, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader and the walk give the same table for the shapes both take.
    #[test]
    fn fast_and_walk_agree() {
        let docs = [
            r#"{"status":"success","warnings":["w1"],"data":{"resultType":"matrix","result":[
                {"metric":{"__name__":"up","job":"a\"b"},"values":[[1,"1"],[3,"NaN"],[2,"x"],[2,"4"]]},
                {"metric":{},"values":[[1.5,"+Inf"],[2,"2"]]}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"__name__":"up"},"value":[10,"1"]},{"metric":{"__name__":"up"},"value":[10,"2"]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"__name__":"up"},"values":[[10,1],[11,2.5],[12,"3"]]}]}}"#,
        ];
        for doc in docs {
            let fast_raw = fast(doc.as_bytes()).expect("fast reader takes it");
            let value: Value = serde_json::from_str(doc).unwrap();
            let walked = walk(&value).unwrap();
            // Debug text compares NaN cells as equal, where PartialEq would not.
            let a = format!("{:?}", build(fast_raw).unwrap());
            let b = format!("{:?}", build(walked).unwrap());
            assert_eq!(a, b);
        }
    }
}
