//! Self-contained HTML reports: one file with inline CSS and the plots as inline SVG, that
//! opens offline and makes no request (a Content-Security-Policy forbids any, and no
//! script is included). Every piece of text from the data (file names, column names, cell
//! values in labels) is escaped: a hostile cell is data, never markup.
//!
//! The page shell, styles, escaping and inline-SVG figures live here, once; [`profile`] and
//! [`compare`] fill them. The page's exports and the command line's `--html` call the same
//! functions, so both write the same document.

pub mod compare;
pub mod profile;

pub use compare::compare_html;
pub use profile::profile_html;

use crate::core::ingest::table::ColumnType;
use crate::core::time;

/// Columns that get a plot in a report; the rest are in the table only (and the report
/// says so), so a file of thousands of columns still gives a file a browser opens.
pub const MAX_PLOTTED_COLUMNS: usize = 60;

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
.chips span.bad{border-color:#cf222e}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{border-bottom:1px solid #d8dee4;padding:3px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}thead th{background:#f6f8fa;position:sticky;top:0}
td.text{text-align:left}tbody th{max-width:18em;overflow-wrap:anywhere}td.bad{color:#cf222e;font-weight:600}
.badge{display:inline-block;border:1px solid #9a6700;border-radius:9px;padding:0 6px;font-size:11px;margin-left:4px;color:#1f2328}
.badge.pass{border-color:#1a7f37}.badge.fail,.badge.error{border-color:#cf222e;color:#cf222e}
.wrap{overflow-x:auto}figure{margin:10px 0}svg{max-width:100%;height:auto}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:10px}
@media print{thead th{position:static}}
";

/// The document's head and title: `title` as the page title and heading, then the
/// "written by" line, with `generated` (a time, or anything else a reader should know
/// about when it was written) in its own element so two reports compare without it.
pub fn page_start(title: &str, generated: Option<&str>) -> String {
    let mut h = String::with_capacity(256 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // No script, no fetch, no outside image: the report is inert and self-contained.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.push_str(&format!(
        "<title>{}</title><style>{CSS}</style></head><body>",
        escape(title)
    ));
    let at = generated
        .map(|g| format!(" <span id=\"generated\">at {}</span>", escape(g)))
        .unwrap_or_default();
    h.push_str(&format!(
        "<h1>{}</h1><p class=\"muted\">Written by pipescope {}{at}. One file: it opens offline and makes no request.</p>",
        escape(title),
        env!("CARGO_PKG_VERSION")
    ));
    h
}

/// Closes the document opened by [`page_start`].
pub fn page_end(mut h: String) -> String {
    h.push_str("</body></html>\n");
    h
}

/// A labelled figure in a row of chips.
fn chip(label: &str, value: String) -> String {
    format!("<span>{} <b>{}</b></span>", escape(label), escape(&value))
}

/// A delimiter as a person names it.
fn delimiter_text(d: &str) -> String {
    match d {
        "\t" => "tab".to_string(),
        d => d.to_string(),
    }
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
    match crate::charts::to_svg(width, height, draw) {
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
