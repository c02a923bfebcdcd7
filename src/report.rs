//! Self-contained HTML reports: one file with inline CSS and the plots as inline SVG, that
//! opens offline and makes no request (a Content-Security-Policy forbids any, and no
//! script is included). Every piece of text from the data (file name, column names, cell
//! values in labels) is escaped: a hostile cell is data, never markup.

use crate::charts::{
    draw_bars, draw_correlation, draw_histogram, draw_missing, to_svg, ChartStyle, Units,
};
use crate::core::compare::duplicates::duplicates;
use crate::core::distribution::{category_counts, density, histogram, numeric_values, BinRule};
use crate::core::ingest::table::{ColumnType, Table};
use crate::core::profile::correlation::{correlations, Method, MAX_ROWS};
use crate::core::profile::missing::{missing_matrix, MAX_BANDS};
use crate::core::profile::warnings::column_warnings;
use crate::core::profile::Profile;
use crate::core::time;

/// Columns that get a plot in the report; the rest are in the table only (and the report
/// says so), so a file of thousands of columns still gives a file a browser opens.
pub const MAX_PLOTTED_COLUMNS: usize = 60;
/// Bars in a category plot.
const TOP_BARS: usize = 20;

/// Text escaped for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff;margin:24px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
h3{font-size:14px;margin:18px 0 6px}.muted{color:#59636e}
.chips span{display:inline-block;border:1px solid #d8dee4;border-radius:12px;padding:1px 10px;margin:2px 4px 2px 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{border-bottom:1px solid #d8dee4;padding:3px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}thead th{background:#f6f8fa;position:sticky;top:0}
.badge{display:inline-block;border:1px solid #9a6700;border-radius:9px;padding:0 6px;font-size:11px;margin-left:4px;color:#1f2328}
.wrap{overflow-x:auto}figure{margin:10px 0}svg{max-width:100%;height:auto}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:10px}
@media print{thead th{position:static}}
";

fn chip(label: &str, value: String) -> String {
    format!("<span>{} <b>{}</b></span>", escape(label), escape(&value))
}

fn number(v: Option<f64>, kind: ColumnType) -> String {
    match v {
        None => "–".into(),
        Some(x) if kind == ColumnType::Datetime => time::format_epoch_seconds(x),
        Some(x) => crate::charts::labels::format_value(x),
    }
}

/// An SVG drawn by `draw`, inline (plotters escapes its text), or a note when it fails.
fn figure(
    caption: &str,
    width: u32,
    height: u32,
    draw: impl FnOnce(
        &plotters::prelude::DrawingArea<plotters::prelude::SVGBackend, plotters::coord::Shift>,
    ) -> Result<(), crate::charts::ChartError>,
) -> String {
    match to_svg(width, height, draw) {
        Ok(svg) => format!(
            "<figure role=\"img\" aria-label=\"{}\">{}</figure>",
            escape(caption),
            svg.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        ),
        Err(e) => format!(
            "<p class=\"muted\">{}: {}</p>",
            escape(caption),
            escape(&e.to_string())
        ),
    }
}

/// The profile of `table` as one HTML document: summary, duplicate rows, the profile table
/// with warnings, a plot per column, correlations and the missing-value matrix.
///
/// ```
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::profile::profile;
/// let t = read_bytes(b"a,b\n1,<script>\n2,x\n", &IngestOptions::default()).unwrap();
/// let html = pipescope::report::profile_html("data.csv", &t, &profile(&t));
/// assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
/// ```
pub fn profile_html(name: &str, table: &Table, profile: &Profile) -> String {
    let style = ChartStyle::light();
    let mut h = String::with_capacity(256 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // No script, no fetch, no outside image: the report is inert and self-contained.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.push_str(&format!(
        "<title>Profile of {}</title><style>{CSS}</style></head><body>",
        escape(name)
    ));
    h.push_str(&format!(
        "<h1>Profile of {}</h1><p class=\"muted\">Written by pipescope {}. One file: it opens offline and makes no request.</p>",
        escape(name),
        env!("CARGO_PKG_VERSION")
    ));
    let delimiter = match profile.delimiter.as_str() {
        "\t" => "tab".to_string(),
        d => d.to_string(),
    };
    h.push_str("<p class=\"chips\">");
    h.push_str(&chip(
        "rows",
        crate::charts::labels::format_count(profile.rows as u64),
    ));
    h.push_str(&chip("columns", profile.columns.len().to_string()));
    h.push_str(&chip(
        "bytes",
        crate::charts::labels::format_count(profile.bytes),
    ));
    h.push_str(&chip("delimiter", delimiter));
    h.push_str(&chip("encoding", profile.encoding.name().to_string()));
    if profile.skipped_rows > 0 {
        h.push_str(&chip(
            "ragged rows skipped",
            profile.skipped_rows.to_string(),
        ));
    }
    h.push_str("</p>");

    let dups = duplicates(table);
    h.push_str("<h2 id=\"duplicates\">Duplicate rows</h2>");
    if dups.count == 0 {
        h.push_str("<p>No duplicate rows.</p>");
    } else {
        let examples: Vec<String> = dups
            .examples
            .iter()
            .map(|(l, f)| format!("line {l} repeats line {f}"))
            .collect();
        h.push_str(&format!(
            "<p>{} rows repeat an earlier row in every cell: {}{}.</p>",
            dups.count,
            examples.join(", "),
            if dups.count > dups.examples.len() {
                ", …"
            } else {
                ""
            }
        ));
    }

    h.push_str("<h2 id=\"columns\">Columns</h2><div class=\"wrap\"><table><thead><tr>");
    for head in [
        "column",
        "type",
        "count",
        "missing",
        "invalid",
        "distinct",
        "min",
        "Q1",
        "median",
        "Q3",
        "max",
        "mean",
        "std",
        "skew",
        "most frequent",
        "warnings",
    ] {
        h.push_str(&format!("<th scope=\"col\">{head}</th>"));
    }
    h.push_str("</tr></thead><tbody>");
    for (c, p) in table.columns.iter().zip(&profile.columns) {
        let k = p.kind;
        let warnings: String = column_warnings(c, p, table.rows)
            .iter()
            .map(|w| {
                format!(
                    "<span class=\"badge\" title=\"{}\">{}</span> <span class=\"muted\">{}</span>",
                    escape(&w.explain),
                    w.kind.label(),
                    escape(&w.detail)
                )
            })
            .collect();
        let top = p
            .top
            .first()
            .map(|(l, n)| format!("{} ({n})", escape(l)))
            .unwrap_or_else(|| "–".into());
        let std = match (p.std, k) {
            (Some(s), ColumnType::Datetime) => {
                format!("{} days", crate::charts::labels::format_value(s / 86_400.0))
            }
            (s, _) => number(s, ColumnType::Numeric),
        };
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            escape(&p.name),
            k.name(),
            p.count,
            p.missing,
            p.invalid,
            p.distinct,
            number(p.min, k),
            number(p.q1, k),
            number(p.median, k),
            number(p.q3, k),
            number(p.max, k),
            number(p.mean, k),
            std,
            number(p.skewness, ColumnType::Numeric),
            top,
            warnings
        ));
    }
    h.push_str("</tbody></table></div>");

    h.push_str("<h2 id=\"plots\">Distributions</h2>");
    if table.columns.len() > MAX_PLOTTED_COLUMNS {
        h.push_str(&format!(
            "<p class=\"muted\">The first {MAX_PLOTTED_COLUMNS} of {} columns are plotted; all are in the table above.</p>",
            table.columns.len()
        ));
    }
    h.push_str("<div class=\"plots\">");
    for c in table.columns.iter().take(MAX_PLOTTED_COLUMNS) {
        let title = c.name.as_str();
        match c.kind {
            ColumnType::Numeric | ColumnType::Datetime => {
                let units = if c.kind == ColumnType::Datetime {
                    Units::Date
                } else {
                    Units::Number
                };
                let Some(values) = numeric_values(c) else {
                    continue;
                };
                let Some(hist) = histogram(&values, BinRule::FreedmanDiaconis, false) else {
                    continue;
                };
                let dens = density(&values, &hist);
                h.push_str(&figure(&format!("Histogram of {title}"), 560, 280, |a| {
                    draw_histogram(a, title, &hist, dens.as_ref(), units, &style)
                }));
            }
            ColumnType::Categorical | ColumnType::Boolean | ColumnType::Text => {
                let counts = category_counts(c, TOP_BARS);
                let height = (90 + 20 * counts.top.len().min(TOP_BARS + 1)) as u32;
                h.push_str(&figure(
                    &format!("Counts of {title}"),
                    560,
                    height.max(160),
                    |a| draw_bars(a, title, &counts, &style),
                ));
            }
        }
    }
    h.push_str("</div>");

    h.push_str("<h2 id=\"correlations\">Correlations</h2>");
    for method in [Method::Pearson, Method::Spearman, Method::Cramer] {
        let m = correlations(table, method, MAX_ROWS);
        if m.columns.len() < 2 {
            continue;
        }
        let side = (220 + 34 * m.columns.len()).min(1100) as u32;
        h.push_str(&figure(
            &format!("{} heatmap", method.label()),
            side + 200,
            side,
            |a| draw_correlation(a, &m, &style).map(|_| ()),
        ));
        let strongest: Vec<String> = m
            .strongest(5)
            .into_iter()
            .map(|(i, j, v)| {
                format!(
                    "{} × {} {}",
                    escape(&m.columns[i]),
                    escape(&m.columns[j]),
                    crate::charts::corr_text(Some(v))
                )
            })
            .collect();
        h.push_str(&format!(
            "<p>{} strongest pairs: {}{}.</p>",
            method.label(),
            strongest.join("; "),
            if m.sampled() {
                format!(
                    " (on a uniform sample of {} of {} rows)",
                    m.rows_used, m.rows_total
                )
            } else {
                String::new()
            }
        ));
    }

    h.push_str("<h2 id=\"missing\">Missing values</h2>");
    let mm = missing_matrix(table, MAX_BANDS);
    if mm.missing.iter().all(|&n| n == 0) {
        h.push_str("<p>No column has missing values.</p>");
    } else {
        h.push_str(&figure("Missing-value matrix", 900, 420, |a| {
            draw_missing(a, &mm, &style)
        }));
    }
    h.push_str("</body></html>\n");
    h
}
