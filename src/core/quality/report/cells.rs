//! The report's cells: numbers, shares, durations and spans as the tables print them, and
//! the per-kind table's rows.

use std::fmt::Write;

use super::incident_config;
use crate::core::quality::score::{KindSummary, SeriesScore};
use crate::core::simulator::InjectionKind;

pub(super) fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.2}", v))
}

pub(super) fn num(x: Option<f64>, digits: usize) -> String {
    x.map_or("–".into(), |v| format!("{v:.digits$}"))
}

/// Seconds with a unit suited to the series' step (s, h or days).
pub(super) fn duration(ms: f64) -> String {
    let s = ms / 1000.0;
    if s.abs() < 3600.0 {
        format!("{s:.0} s")
    } else if s.abs() < 3.0 * 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.0} days", s / 86_400.0)
    }
}

/// The incident the engine is expected to open with its defaults, in words.
pub(super) fn expected_incident(kind: InjectionKind) -> String {
    let k = incident_config().points_to_open(2000.0);
    match kind {
        InjectionKind::TransientSpike => "none (by design: one tick pages no one)".into(),
        InjectionKind::Gap => "none (no data is no evidence)".into(),
        InjectionKind::ProlongedSpike | InjectionKind::LevelShift | InjectionKind::DropToZero => {
            format!("yes, when {k} ticks in a row are flagged")
        }
        InjectionKind::NoiseBurst => "when enough points in a row are flagged".into(),
    }
}

/// Median of the finite values, formatted; `–` when none.
pub(super) fn median_of(v: Vec<f64>, digits: usize) -> String {
    num(crate::core::quality::median(v), digits)
}

/// Stream time in the unit that reads best (s, min, h, days, weeks).
pub(super) fn span(ms: f64) -> String {
    let s = ms / 1000.0;
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 2.0 * 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 2.0 * 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < 14.0 * 86_400.0 {
        format!("{:.1} days", s / 86_400.0)
    } else {
        format!("{:.1} weeks", s / (7.0 * 86_400.0))
    }
}

/// Totals over clean series: judged ms, judged points, flagged points, false detections,
/// incidents.
pub(super) fn clean_totals(set: &[&SeriesScore]) -> (i64, usize, usize, usize, usize) {
    (
        set.iter().map(|s| s.judged_ms).sum(),
        set.iter().map(|s| s.judged_points).sum(),
        set.iter().map(|s| s.flagged_points).sum(),
        set.iter().map(|s| s.false_positives()).sum(),
        set.iter().map(|s| s.incidents).sum(),
    )
}

pub(super) fn kind_row(out: &mut String, label: &str, s: &KindSummary, chance: &KindSummary) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} |",
        s.windows,
        s.detected,
        pct(s.recall),
        if s.kind == InjectionKind::Gap {
            format!("{} / {}", chance.detected, chance.windows)
        } else {
            pct((chance.windows > 0).then(|| chance.detected as f64 / chance.windows as f64))
        },
        pct(s.flagged_share),
        s.detections,
        s.true_detections,
        pct(s.precision),
        num(s.median_delay_ms.map(|m| m / 1000.0), 1),
        num(s.median_delay_steps, 1),
        s.incidents_opened,
        s.windows,
        s.incidents - s.false_incidents,
        s.incidents,
    );
}

pub(super) const KIND_HEADER: &str = "| windows | detected | recall | by chance | flagged share in windows | detections | true | precision | median delay s | median delay steps | incidents opened for windows | incident precision (true / all) |";
pub(super) const KIND_ALIGN: &str =
    " ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
