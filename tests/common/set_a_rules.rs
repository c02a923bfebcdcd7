//! ErrorStreamSetA with its rules file (tests/data/error_stream_a.rules.yaml): the rule
//! incidents as (rule, code, start, fired, resolved) in stream seconds, and what
//! `pipescope errors SetA --rules` fires, which the file replay, the page's slices and a
//! live feed must all fire too.

use pipescope::core::incident::{Incident, IncidentSource};

/// The stream.
pub const SET_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);

/// Its rules: a candidate rate rule and a k x baseline rule.
pub const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/error_stream_a.rules.yaml"
);

/// (rule, target, start s, fired s, resolved s) of one rule incident.
pub type Firing = (String, String, i64, i64, Option<i64>);

/// The rule incidents of `book`, sorted.
pub fn firings(book: &[Incident]) -> Vec<Firing> {
    let mut out: Vec<Firing> = book
        .iter()
        .filter_map(|i| match &i.source {
            IncidentSource::Rule { rule, target, .. } => Some((
                rule.clone(),
                target.clone(),
                i.start_ms / 1000,
                i.opened_ms / 1000,
                i.end_ms.map(|e| e / 1000),
            )),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

fn f(rule: &str, code: &str, start: &str, fired: &str, resolved: &str) -> Firing {
    let s = |t: &str| pipescope::core::time::parse_timestamp_ms(t).unwrap() / 1000;
    (
        rule.into(),
        code.into(),
        s(start),
        s(fired),
        Some(s(resolved)),
    )
}

/// What the rules fire on SetA: the rate rule where the candidate's code 5 passes 5.4 a
/// minute for 30 s, the ratio rule where code 4 stays above 3 times the baseline's for 1
/// minute.
pub fn expected_firings() -> Vec<Firing> {
    let (c4, c5) = ("code 4 worse than baseline", "code 5 surges");
    vec![
        f(c4, "4", "0:01:45", "0:02:45", "0:06:01"),
        f(c4, "4", "0:21:06", "0:22:07", "0:27:34"),
        f(c4, "4", "0:45:07", "0:46:07", "0:49:39"),
        f(c4, "4", "0:56:07", "0:57:07", "0:59:25"),
        f(c5, "5", "0:55:00", "0:55:30", "0:55:33"),
        f(c5, "5", "0:59:04", "0:59:34", "0:59:57"),
    ]
}
