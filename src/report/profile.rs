//! The profile of one file as a self-contained HTML report.

use super::{
    chip, delimiter_text, escape, figure, number, page_end, page_start, MAX_PLOTTED_COLUMNS,
};
use crate::charts::{draw_bars, draw_correlation, draw_histogram, draw_missing, ChartStyle, Units};
use crate::core::compare::duplicates::duplicates;
use crate::core::distribution::{category_counts, density, histogram, numeric_values, BinRule};
use crate::core::ingest::table::{ColumnType, Table};
use crate::core::profile::correlation::{correlations, Method, MAX_ROWS};
use crate::core::profile::missing::{missing_matrix, MAX_BANDS};
use crate::core::profile::warnings::column_warnings;
use crate::core::profile::Profile;

/// Bars in a category plot.
const TOP_BARS: usize = 20;

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
    let mut h = page_start(&format!("Profile of {name}"), None);
    let delimiter = delimiter_text(&profile.delimiter);
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
    page_end(h)
}
