//! A comparison's figures as a person reads them, for the page's drift table and the HTML
//! report alike (so the two say the same thing in the same words).

use super::{CategoryChange, ColumnComparison, ColumnSide, ColumnStatus, TestMethod};

/// A p-value: small ones in scientific notation, 0 as "< 1e-300".
///
/// ```
/// use pipescope::core::compare::text::p_value;
/// assert_eq!(p_value(0.0123), "0.012");
/// assert_eq!(p_value(2.5e-9), "2.5e-9");
/// ```
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p == 0.0 {
        "< 1e-300".into()
    } else if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// A share of rows as a percentage.
pub fn share(s: f64) -> String {
    if s == 0.0 {
        "0%".into()
    } else if s < 0.001 {
        "< 0.1%".into()
    } else {
        format!("{:.1}%", s * 100.0)
    }
}

/// "reference → current" of one figure, the figure alone when equal, or the one side there
/// is.
pub fn both(c: &ColumnComparison, f: impl Fn(&ColumnSide) -> String) -> String {
    match (&c.reference, &c.current) {
        (Some(r), Some(k)) => {
            let (a, b) = (f(r), f(k));
            if a == b {
                a
            } else {
                format!("{a} → {b}")
            }
        }
        (Some(r), None) => f(r),
        (None, Some(k)) => f(k),
        (None, None) => "–".into(),
    }
}

/// The verdict: stable or drifted, or how the column's presence or type changed.
pub fn verdict(c: &ColumnComparison) -> String {
    match c.status {
        ColumnStatus::Matched if c.drifted => "drifted".into(),
        ColumnStatus::Matched => "stable".into(),
        ColumnStatus::Retyped => format!(
            "retyped {} → {}",
            c.reference.as_ref().map_or("?", |s| s.kind.name()),
            c.current.as_ref().map_or("?", |s| s.kind.name())
        ),
        ColumnStatus::Removed => "removed".into(),
        ColumnStatus::Added => "added".into(),
        ColumnStatus::Renamed if c.drifted => "renamed, drifted".into(),
        ColumnStatus::Renamed => "renamed".into(),
    }
}

/// The test's short name.
pub fn method(m: TestMethod) -> &'static str {
    match m {
        TestMethod::KsExact => "KS (exact)",
        TestMethod::KsAsymptotic => "KS",
        TestMethod::ChiSquare => "χ²",
    }
}

/// New and vanished labels with up to three examples each ("1 new (x); 2 vanished (a, b)"),
/// empty when none.
pub fn labels(c: &ColumnComparison) -> String {
    let part = |x: &Option<CategoryChange>, what: &str| {
        x.as_ref().filter(|x| x.count > 0).map(|x| {
            let ex: Vec<&str> = x.examples.iter().take(3).map(|e| e.0.as_str()).collect();
            format!(
                "{} {what} ({}{})",
                x.count,
                ex.join(", "),
                if x.count > ex.len() { ", …" } else { "" }
            )
        })
    };
    [
        part(&c.new_categories, "new"),
        part(&c.vanished_categories, "vanished"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ")
}
