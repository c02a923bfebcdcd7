//! The profile as JSON (the command line's contract) and as CSV (one row a column).

use super::Profile;

fn csv_number(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

use crate::core::csv_cell::text as csv_text;

impl Profile {
    /// Pretty-printed JSON (missing figures and non-finite numbers are `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a profile always serialises")
    }

    /// One CSV row per column; `top` as `label (count)` items joined by "; ".
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "column", "type", "count", "missing", "invalid", "distinct", "min", "q1", "median",
            "q3", "max", "mean", "std", "skewness", "outliers", "top",
        ];
        w.write_record(header).expect("writing to memory");
        for c in &self.columns {
            let top = c
                .top
                .iter()
                .map(|(l, n)| format!("{l} ({n})"))
                .collect::<Vec<_>>()
                .join("; ");
            let row = [
                csv_text(&c.name),
                c.kind.name().to_string(),
                c.count.to_string(),
                c.missing.to_string(),
                c.invalid.to_string(),
                c.distinct.to_string(),
                csv_number(c.min),
                csv_number(c.q1),
                csv_number(c.median),
                csv_number(c.q3),
                csv_number(c.max),
                csv_number(c.mean),
                csv_number(c.std),
                csv_number(c.skewness),
                c.outliers.map(|o| o.to_string()).unwrap_or_default(),
                csv_text(&top),
            ];
            w.write_record(&row).expect("writing to memory");
        }
        String::from_utf8(w.into_inner().expect("writing to memory")).expect("input was UTF-8")
    }
}
