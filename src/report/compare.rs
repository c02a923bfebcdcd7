//! A comparison of a current file with its reference as a self-contained HTML report: the
//! dataset summary, the drift table most moved first, the two distributions of every
//! drifted column overlaid, and the checks' results when a checks file was run.

use super::{chip, delimiter_text, escape, figure, page_end, page_start, MAX_PLOTTED_COLUMNS};
use crate::charts::{draw_overlay, ChartStyle};
use crate::core::checks::report::{evidence_text, observed_text};
use crate::core::checks::{CheckReport, Status};
use crate::core::compare::overlay::{overlay_in, Overlay};
use crate::core::compare::text::{both, labels, method, p_value, share, verdict};
use crate::core::compare::{ColumnComparison, ColumnStatus, CompareReport, Profiled, TableSummary};
use crate::core::text::{figure as value, group_thousands};

/// Overlay size, as the page draws it.
const OVERLAY_WIDTH: u32 = 900;
const OVERLAY_HEIGHT: u32 = 380;

/// Most moved tested columns plotted when none drifted.
const PLOTTED_WHEN_STABLE: usize = 3;

/// One of the two files: the name the report shows and its data with its profile.
#[derive(Clone, Copy)]
pub struct NamedFile<'a> {
    /// File name as the user knows it (no directory, so the page and the command line
    /// write the same report).
    pub name: &'a str,
    /// The table and its profile.
    pub data: Profiled<'a>,
}

/// The comparison `report` of `current` with `reference` as one HTML document, with the
/// `checks` run on the current file when there are any. `generated_ms` (epoch
/// milliseconds) is written as the report's time; two reports of the same files differ
/// only in it and, between the page and the command line, in where chart text sits (the
/// browser measures glyphs, native code estimates them).
///
/// ```
/// use pipescope::core::compare::{compare, DriftRule, Profiled};
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::profile::OrderedProfile;
/// use pipescope::report::compare::{compare_html, NamedFile};
/// let r = read_bytes(b"n,plan\n1,a\n2,b\n3,a\n", &IngestOptions::default()).unwrap();
/// let c = read_bytes(b"n,plan\n7,a\n8,<i>\n9,a\n", &IngestOptions::default()).unwrap();
/// let report = compare(&r, &c, &DriftRule::default()).unwrap();
/// let (rp, cp) = (OrderedProfile::of(&r), OrderedProfile::of(&c));
/// let html = compare_html(
///     NamedFile { name: "ref.csv", data: Profiled::new(&r, &rp) },
///     NamedFile { name: "cur.csv", data: Profiled::new(&c, &cp) },
///     &report, None, None,
/// );
/// assert!(html.contains("id=\"drift-table\"") && html.contains("&lt;i&gt;"));
/// assert!(!html.contains("<i>"));
/// ```
pub fn compare_html(
    reference: NamedFile,
    current: NamedFile,
    report: &CompareReport,
    checks: Option<&CheckReport>,
    generated_ms: Option<i64>,
) -> String {
    let generated =
        generated_ms.map(|ms| crate::core::time::format_iso_seconds(ms.div_euclid(1000)));
    let mut h = page_start(
        &format!("Comparison of {} with {}", current.name, reference.name),
        generated.as_deref(),
    );
    summary(&mut h, reference.name, current.name, report);
    drift_table(&mut h, report);
    overlays(&mut h, reference, current, report);
    if let Some(c) = checks {
        checks_table(&mut h, current.name, c);
    }
    page_end(h)
}

fn summary(h: &mut String, reference: &str, current: &str, report: &CompareReport) {
    let s = &report.summary;
    h.push_str("<p class=\"chips\" id=\"verdict\">");
    h.push_str(&format!(
        "<span{}><b>{}</b> of {} tested columns drifted</span>",
        if s.columns_drifted > 0 {
            " class=\"bad\""
        } else {
            ""
        },
        s.columns_drifted,
        s.columns_tested
    ));
    for (n, what) in [
        (s.columns_added, "added"),
        (s.columns_removed, "removed"),
        (s.columns_renamed, "renamed"),
        (s.columns_retyped, "retyped"),
    ] {
        if n > 0 {
            h.push_str(&chip("columns", format!("{n} {what}")));
        }
    }
    h.push_str(&chip(
        "drift rule",
        format!(
            "p < {} and effect ≥ {}",
            report.rule.alpha, report.rule.min_effect
        ),
    ));
    h.push_str("</p>");

    h.push_str("<h2 id=\"files\">The two files</h2><div class=\"wrap\"><table id=\"summary\"><thead><tr><th scope=\"col\">figure</th>");
    h.push_str(&format!(
        "<th scope=\"col\">Reference: {}</th><th scope=\"col\">Current: {}</th><th scope=\"col\">Difference</th></tr></thead><tbody>",
        escape(reference),
        escape(current)
    ));
    let (r, c) = (&s.reference, &s.current);
    let count_row = |h: &mut String, what: &str, f: fn(&TableSummary) -> usize| {
        let (a, b) = (f(r), f(c));
        let diff = if a == b {
            "same".to_string()
        } else if b > a {
            format!("+{}", group_thousands((b - a) as u64))
        } else {
            format!("−{}", group_thousands((a - b) as u64))
        };
        h.push_str(&format!(
            "<tr><th scope=\"row\">{what}</th><td>{}</td><td>{}</td><td>{diff}</td></tr>",
            group_thousands(a as u64),
            group_thousands(b as u64)
        ));
    };
    count_row(h, "rows", |t| t.rows);
    count_row(h, "columns", |t| t.columns);
    count_row(h, "duplicate rows", |t| t.duplicate_rows);
    count_row(h, "ragged rows skipped", |t| t.skipped_rows);
    let text_row = |h: &mut String, what: &str, a: String, b: String| {
        let diff = if a == b { "same" } else { "differs" };
        let class = if a == b { "" } else { " class=\"bad\"" };
        h.push_str(&format!(
            "<tr><th scope=\"row\">{what}</th><td>{}</td><td>{}</td><td{class}>{diff}</td></tr>",
            escape(&a),
            escape(&b)
        ));
    };
    text_row(
        h,
        "delimiter",
        delimiter_text(&r.delimiter),
        delimiter_text(&c.delimiter),
    );
    text_row(
        h,
        "encoding",
        r.encoding.name().to_string(),
        c.encoding.name().to_string(),
    );
    h.push_str("</tbody></table></div>");
    if !s.notes.is_empty() {
        h.push_str("<p>Read differently:</p><ul id=\"notes\">");
        for n in &s.notes {
            h.push_str(&format!("<li>{}</li>", escape(n)));
        }
        h.push_str("</ul>");
    }
}

/// The column's warnings that changed, or a one-sided column's own warnings.
fn warnings_cell(c: &ColumnComparison) -> String {
    let mut out: String = c
        .warning_changes
        .iter()
        .map(|w| {
            format!(
                "<span class=\"badge\" title=\"{}\">{}</span>",
                escape(&w.explain),
                escape(&w.text)
            )
        })
        .collect();
    if let (Some(s), None) | (None, Some(s)) = (&c.reference, &c.current) {
        for w in &s.warnings {
            out.push_str(&format!(
                "<span class=\"badge\" title=\"{}: {}\">{}</span>",
                escape(&w.detail),
                escape(&w.explain),
                w.kind.label()
            ));
        }
    }
    out
}

fn drift_table(h: &mut String, report: &CompareReport) {
    h.push_str("<h2 id=\"columns\">Columns, most moved first</h2>");
    h.push_str("<p class=\"muted\">KS: two-sample Kolmogorov-Smirnov (numbers and dates); χ²: chi-square test of homogeneity (labels). Effect: KS D, or Jensen-Shannon distance in bits, in [0, 1], the sort key. Wasserstein: distance divided by the reference's interquartile range. PSI over the reference's deciles or the labels.</p>");
    h.push_str("<div class=\"wrap\"><table id=\"drift-table\"><thead><tr>");
    for head in [
        "column",
        "verdict",
        "type",
        "test",
        "statistic",
        "p-value",
        "effect",
        "Wasserstein",
        "PSI",
        "missing",
        "invalid",
        "distinct",
        "labels new / vanished",
        "warnings",
    ] {
        h.push_str(&format!("<th scope=\"col\">{head}</th>"));
    }
    h.push_str("</tr></thead><tbody>");
    for c in &report.columns {
        let t = c.test.as_ref();
        let dash = || "–".to_string();
        let renamed = c
            .renamed_from
            .as_ref()
            .map(|f| format!(" <span class=\"muted\">← {}</span>", escape(f)))
            .unwrap_or_default();
        let note = c
            .note
            .as_ref()
            .map(|n| format!("<br><span class=\"muted\">{}</span>", escape(n)))
            .unwrap_or_default();
        let moved = c.drifted || c.status != ColumnStatus::Matched;
        h.push_str(&format!(
            "<tr data-column=\"{}\" data-drifted=\"{}\"><th scope=\"row\">{}{renamed}{note}</th><td class=\"text{}\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
            escape(&c.name),
            c.drifted,
            escape(&c.name),
            if moved { " bad" } else { "" },
            escape(&verdict(c)),
            escape(&both(c, |s| s.kind.name().to_string())),
            t.map_or_else(dash, |t| method(t.method).to_string()),
            t.map_or_else(dash, |t| value(t.statistic)),
            t.map_or_else(dash, |t| p_value(t.p_value)),
            t.map_or_else(dash, |t| format!("{:.3}", t.effect)),
            t.and_then(|t| t.numeric.as_ref())
                .and_then(|n| n.wasserstein_normalised)
                .map_or_else(dash, |w| format!("{w:.3}")),
            t.and_then(|t| t.psi).map_or_else(dash, |p| format!("{p:.3}")),
            both(c, |s| share(s.missing_share)),
            both(c, |s| share(s.invalid_share)),
            both(c, |s| group_thousands(s.distinct as u64)),
            escape(&labels(c)),
            warnings_cell(c),
        ));
    }
    h.push_str("</tbody></table></div>");
}

fn overlays(h: &mut String, reference: NamedFile, current: NamedFile, report: &CompareReport) {
    h.push_str("<h2 id=\"overlays\">Reference and current, overlaid</h2>");
    let drifted: Vec<&ColumnComparison> = report.columns.iter().filter(|c| c.drifted).collect();
    let plotted: Vec<&ColumnComparison> = if drifted.is_empty() {
        let most: Vec<_> = report
            .columns
            .iter()
            .filter(|c| c.test.is_some())
            .take(PLOTTED_WHEN_STABLE)
            .collect();
        if most.is_empty() {
            h.push_str("<p>No column is in both files with a drift test: nothing to overlay.</p>");
            return;
        }
        h.push_str(&format!(
            "<p>No column drifted; the {} most moved are shown.</p>",
            most.len()
        ));
        most
    } else {
        if drifted.len() > MAX_PLOTTED_COLUMNS {
            h.push_str(&format!(
                "<p class=\"muted\">The {MAX_PLOTTED_COLUMNS} most moved of {} drifted columns are plotted; all are in the table above.</p>",
                drifted.len()
            ));
        }
        drifted.into_iter().take(MAX_PLOTTED_COLUMNS).collect()
    };
    h.push_str("<p class=\"muted\">Share of each file's valid values per common bin (numbers, dates) or per label: reference as filled bars, current as an outline.</p>");
    let style = ChartStyle::light();
    let index =
        |t: &crate::core::ingest::Table, name: &str| t.columns.iter().position(|c| c.name == name);
    for c in plotted {
        let ref_name = c.renamed_from.as_deref().unwrap_or(&c.name);
        let spec = index(reference.data.table, ref_name)
            .zip(index(current.data.table, &c.name))
            .and_then(|(r, k)| overlay_in(reference.data, r, current.data, k));
        let Some(spec) = spec else { continue };
        let title = match &c.renamed_from {
            Some(f) => format!("{} (reference: {f})", c.name),
            None => c.name.clone(),
        };
        let kind = match spec {
            Overlay::Numbers { .. } => "distribution",
            Overlay::Labels { .. } => "labels",
        };
        h.push_str(&figure(
            &format!("{title}: {kind} in the reference and the current file"),
            OVERLAY_WIDTH,
            OVERLAY_HEIGHT,
            |a| draw_overlay(a, &title, &spec, &style),
        ));
    }
}

fn checks_table(h: &mut String, current: &str, report: &CheckReport) {
    let k = report.counts;
    h.push_str(&format!(
        "<h2 id=\"checks\">Checks on {}</h2>",
        escape(current)
    ));
    h.push_str(&format!(
        "<p class=\"chips\"><span><b>{}</b> passed</span><span><b>{}</b> warned</span><span{}><b>{}</b> failed</span>{}<span>freshness measured from <b>{}</b></span></p>",
        k.passed,
        k.warned,
        if k.failed > 0 { " class=\"bad\"" } else { "" },
        k.failed,
        if k.errors > 0 {
            format!("<span class=\"bad\"><b>{}</b> could not run</span>", k.errors)
        } else {
            String::new()
        },
        escape(&report.now)
    ));
    h.push_str("<div class=\"wrap\"><table id=\"checks-table\"><thead><tr>");
    for head in [
        "check", "status", "level", "rule", "column", "observed", "expected", "evidence",
    ] {
        h.push_str(&format!("<th scope=\"col\">{head}</th>"));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &report.checks {
        let error = r.status == Status::Error;
        let evidence: Vec<String> = r.evidence.iter().map(evidence_text).collect();
        h.push_str(&format!(
            "<tr data-check=\"{}\" data-status=\"{}\"><th scope=\"row\">{}{}</th><td class=\"text\"><span class=\"badge {}\">{}</span></td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
            escape(&r.name),
            r.status.name(),
            escape(&r.name),
            r.check_line
                .map(|l| format!(" <span class=\"muted\">(line {l})</span>"))
                .unwrap_or_default(),
            r.status.name(),
            r.status.name(),
            r.level.name(),
            r.rule,
            escape(r.column.as_deref().unwrap_or("")),
            escape(&if error {
                "–".to_string()
            } else {
                observed_text(&r.observed)
            }),
            escape(&r.expected),
            escape(&if error {
                r.message.clone()
            } else {
                evidence.join("; ")
            }),
        ));
    }
    h.push_str("</tbody></table></div>");
}
