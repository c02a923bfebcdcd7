//! Column warnings ([`crate::core::profile::warnings`]) on both sides of a comparison, and
//! the ones that changed: a column that became constant, a missing share that went from
//! 2% to 40%. Each change says the figure on both sides and why it matters.

use serde::Serialize;

use crate::core::ingest::table::{Column, ColumnData};
use crate::core::profile::warnings::{ColumnWarning, WarningKind};
use crate::core::profile::ColumnProfile;

/// A warning one side has and the other has not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningChange {
    /// What it is about.
    pub kind: WarningKind,
    /// True when the current file has it and the reference had not; false when it cleared.
    pub appeared: bool,
    /// Short text with both figures: "became constant", "missing share 2.0% → 40.0%".
    pub text: String,
    /// Why it matters and the threshold, for a tooltip.
    pub explain: String,
}

/// One side's figures behind the warnings.
pub(super) struct Side<'a> {
    pub column: &'a Column,
    pub profile: &'a ColumnProfile,
    pub rows: usize,
    pub warnings: &'a [ColumnWarning],
}

impl Side<'_> {
    fn has(&self, kind: WarningKind) -> Option<&ColumnWarning> {
        self.warnings.iter().find(|w| w.kind == kind)
    }

    fn missing_share(&self) -> f64 {
        let p = self.profile;
        if self.rows == 0 {
            0.0
        } else {
            (p.missing + p.invalid) as f64 / self.rows as f64
        }
    }

    fn zeros_share(&self) -> f64 {
        let zeros = match &self.column.data {
            ColumnData::Numeric(v) => v.iter().filter(|&&x| x == 0.0).count(),
            _ => 0,
        };
        if self.profile.count == 0 {
            0.0
        } else {
            zeros as f64 / self.profile.count as f64
        }
    }
}

fn percent(s: f64) -> String {
    format!("{:.1}%", s * 100.0)
}

/// The warnings that differ between the reference `r` and the current side `c`, in
/// [`WarningKind`] order.
pub(super) fn changes(r: &Side, c: &Side) -> Vec<WarningChange> {
    let kinds = [
        WarningKind::Constant,
        WarningKind::Unique,
        WarningKind::HighCardinality,
        WarningKind::Missing,
        WarningKind::Skewed,
        WarningKind::Zeros,
    ];
    let mut out = Vec::new();
    for kind in kinds {
        let (wr, wc) = (r.has(kind), c.has(kind));
        let (appeared, w) = match (wr, wc) {
            (None, Some(w)) => (true, w),
            (Some(w), None) => (false, w),
            _ => continue,
        };
        let became = if appeared { "became" } else { "no longer" };
        let (rp, cp) = (r.profile, c.profile);
        let text = match kind {
            WarningKind::Constant => format!("{became} constant"),
            WarningKind::Unique => format!("{became} unique"),
            WarningKind::HighCardinality => format!("labels {} → {}", rp.distinct, cp.distinct),
            WarningKind::Missing => format!(
                "missing share {} → {}",
                percent(r.missing_share()),
                percent(c.missing_share())
            ),
            WarningKind::Skewed => format!(
                "skewness {} → {}",
                rp.skewness.map_or("–".into(), |s| format!("{s:.1}")),
                cp.skewness.map_or("–".into(), |s| format!("{s:.1}"))
            ),
            WarningKind::Zeros => format!(
                "zeros {} → {}",
                percent(r.zeros_share()),
                percent(c.zeros_share())
            ),
        };
        let side = if appeared {
            "In the current file"
        } else {
            "In the reference"
        };
        let explain = format!(
            "{side} only ({}): {} Distinct values {} → {}.",
            w.detail, w.explain, rp.distinct, cp.distinct
        );
        out.push(WarningChange {
            kind,
            appeared,
            text,
            explain,
        });
    }
    out
}
