//! The self-contained HTML report of a profile: one inert file (no script, no request),
//! every figure present, hostile cell text escaped; written by the page's export and by
//! `pipescope profile FILE --html OUT.html`.

use std::path::Path;
use std::process::Command;

use pipescope::core::ingest::{read_bytes, read_path, IngestOptions};
use pipescope::core::profile::profile;
use pipescope::report::profile_html;

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");
const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

/// Every URL-ish attribute in the document: none may point anywhere (the SVG namespace is
/// an identifier, not a request).
fn outside_references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "src='", "href='", "url(", "@import"] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            out.push(rest[i..(i + 60).min(rest.len())].to_string());
            rest = &rest[i + attr.len()..];
        }
    }
    out
}

#[test]
fn hostile_cells_and_names_are_text_in_the_report() {
    let csv = "id,\"<img src=x onerror=alert(2)>\",note\n\
               1,a,<script>alert(1)</script>\n\
               2,b,<script>alert(1)</script>\n\
               3,a,\"</svg><script>alert(3)</script>\"\n\
               4,b,&amp; \"\"quoted\"\"\n";
    let t = read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let html = profile_html("<b>evil</b>.csv", &t, &profile(&t));
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.contains("<script"), "a script tag made it through");
    assert!(!html.contains("<img"), "an img tag made it through");
    assert!(!html.contains("<b>evil"), "the file name became markup");
    assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;.csv"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the cell shows as text"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the column name shows as text"
    );
    assert!(
        outside_references(&html).is_empty(),
        "{:?}",
        outside_references(&html)
    );
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // One <html>, one <body>: the SVGs did not close the document early.
    assert_eq!(html.matches("</html>").count(), 1);
}

#[test]
fn the_bankchurners_report_has_every_section_and_a_plot_per_column() {
    let t = read_path(Path::new(BANK), &IngestOptions::default()).unwrap();
    let p = profile(&t);
    let html = profile_html("BankChurners.csv", &t, &p);
    for section in [
        "id=\"duplicates\"",
        "id=\"columns\"",
        "id=\"plots\"",
        "id=\"correlations\"",
        "id=\"missing\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert_eq!(
        html.matches("<svg").count(),
        t.columns.len() + 3,
        "a plot per column and three heatmaps"
    );
    assert_eq!(
        html.matches("<tr><th scope=\"row\">").count(),
        t.columns.len()
    );
    assert!(html.contains("No duplicate rows."));
    assert!(html.contains("<span class=\"badge\""), "warnings shown");
    assert!(
        html.contains("Credit_Limit × Avg_Open_To_Buy 1.00"),
        "strongest Pearson pair named"
    );
    assert!(html.contains("No column has missing values."));
    assert!(
        outside_references(&html).is_empty(),
        "{:?}",
        outside_references(&html)
    );
    assert!(!html.contains("NaN") && !html.contains("inf\""));
    assert!(html.len() < 4_000_000, "{} bytes", html.len());
}

#[test]
fn the_cli_writes_the_report_beside_the_json() {
    let dir = std::env::temp_dir().join(format!("pipescope-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("bank.html");
    let run = Command::new(BIN)
        .args(["profile", BANK, "--html"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run.stdout).expect("JSON on stdout as before");
    assert_eq!(json["rows"], 10127);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<h1>Profile of BankChurners.csv</h1>"));
    // A path that cannot be written is an error with exit code 2.
    let bad = Command::new(BIN)
        .args(["profile", BANK, "--html", "/nonexistent-dir/x.html"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot write /nonexistent-dir/x.html"));
    let _ = std::fs::remove_dir_all(&dir);
}
