//! The self-contained HTML report of a comparison, on BankChurners split by
//! `Attrition_Flag` (existing customers as the reference, comma-separated; attrited ones as
//! the current file, semicolon-separated) with a column whose name and labels are markup:
//! the drift table reads most moved first, hostile text stays text, nothing is requested,
//! and `pipescope compare --html` writes the document the library (and so the page) does.

mod common;

use std::path::Path;

use pipescope::core::checks::{self, Format};
use pipescope::core::compare::{compare, DriftRule, Profiled};
use pipescope::core::ingest::{read_path, IngestOptions};
use pipescope::core::profile::OrderedProfile;
use pipescope::report::compare::{compare_html, NamedFile};

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);
const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_LABEL: &str = "<script>alert(2)</script>";
const CHECKS: &str = "version: 1
checks:
  - name: enough customers
    row_count: {min: 1000}
  - name: transactions as usual
    mean: {column: Total_Trans_Ct, min: 55, max: 80}
";
/// The checks' clock, so the library and the command line judge at the same time.
const NOW: &str = "2026-12-01T00:00:00Z";

/// Writes the split to `dir` with one more column, named `HOSTILE_NAME`, whose labels
/// change between the files (the current file's are mostly `HOSTILE_LABEL`).
fn split(dir: &Path) -> (String, String) {
    let mut reader = csv::Reader::from_path(BANK).expect("BankChurners.csv in ../shared/data");
    let mut header = reader.headers().unwrap().clone();
    let flag = header.iter().position(|h| h == "Attrition_Flag").unwrap();
    header.push_field(HOSTILE_NAME);
    let (a, b) = (dir.join("existing.csv"), dir.join("attrited.csv"));
    let mut wa = csv::Writer::from_path(&a).unwrap();
    let mut wb = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_path(&b)
        .unwrap();
    wa.write_record(&header).unwrap();
    wb.write_record(&header).unwrap();
    for (i, rec) in reader.records().enumerate() {
        let mut rec = rec.unwrap();
        if &rec[flag] == "Existing Customer" {
            rec.push_field(["plain", "quiet"][i % 2]);
            wa.write_record(&rec).unwrap();
        } else {
            rec.push_field(if i % 4 == 0 { "plain" } else { HOSTILE_LABEL });
            wb.write_record(&rec).unwrap();
        }
    }
    wa.flush().unwrap();
    wb.flush().unwrap();
    (
        a.to_str().unwrap().to_string(),
        b.to_str().unwrap().to_string(),
    )
}

/// Every attribute or CSS value that makes (or could make) a request, with what follows:
/// a quoted `src`/`href` attribute (escaped data has no bare quote), any of them pointing
/// at `http` or `//`, and linked resources.
fn outside_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut hit = |i: usize| out.push(html[i..(i + 60).min(html.len())].to_string());
    for attr in ["src=", "href=", "url("] {
        for (i, _) in lower.match_indices(attr) {
            let rest = lower[i + attr.len()..].trim_start_matches([' ', '\'', '"']);
            let quoted = lower[i + attr.len()..].starts_with(['"', '\'']);
            if quoted || rest.starts_with("http") || rest.starts_with("//") {
                hit(i);
            }
        }
    }
    for tag in [
        "@import", "<link", "<script", "<iframe", "<img", "<object", "<embed",
    ] {
        for (i, _) in lower.match_indices(tag) {
            hit(i);
        }
    }
    out
}

/// The report without its time, the one part two runs on the same files may differ in.
fn without_time(html: &str) -> String {
    let start = html
        .find("<span id=\"generated\">")
        .expect("a generated-at time");
    let end = start + html[start..].find("</span>").unwrap() + "</span>".len();
    format!("{}{}", &html[..start], &html[end..])
}

/// The report as the library writes it, checks included, judged at `NOW`.
fn library_report(ref_path: &str, cur_path: &str) -> String {
    let options = IngestOptions::default();
    let (r, c) = (
        read_path(Path::new(ref_path), &options).unwrap(),
        read_path(Path::new(cur_path), &options).unwrap(),
    );
    let report = compare(&r, &c, &DriftRule::default()).unwrap();
    let (rp, cp) = (OrderedProfile::of(&r), OrderedProfile::of(&c));
    let spec = checks::parse(CHECKS, Format::Yaml).unwrap();
    let now = pipescope::core::time::parse_timestamp_ms(NOW).unwrap();
    let check_report = checks::run_with_profile(&c, &spec, Some(&r), now, &cp.profile);
    compare_html(
        NamedFile {
            name: "existing.csv",
            data: Profiled::new(&r, &rp),
        },
        NamedFile {
            name: "attrited.csv",
            data: Profiled::new(&c, &cp),
        },
        &report,
        Some(&check_report),
        Some(0),
    )
}

#[test]
fn bankchurners_split_reads_most_moved_first_with_hostile_text_as_text_and_no_request() {
    let dir = common::scratch("report-compare");
    let (ref_path, cur_path) = split(&dir);
    let html = library_report(&ref_path, &cur_path);

    // Most moved first: the number of transactions moved far, the age barely.
    let row = |name: &str| {
        html.find(&format!("<tr data-column=\"{name}\""))
            .unwrap_or_else(|| panic!("a row for {name}"))
    };
    assert!(row("Total_Trans_Ct") < row("Customer_Age"));
    assert!(html.contains("<tr data-column=\"Total_Trans_Ct\" data-drifted=\"true\">"));
    assert!(html.contains("<tr data-column=\"Customer_Age\" data-drifted=\"false\">"));
    // The drifted column is overlaid as an inline SVG; the stable one is not.
    assert!(html.contains(
        "aria-label=\"Total_Trans_Ct: distribution in the reference and the current file\"><svg"
    ));
    assert!(!html.contains("aria-label=\"Customer_Age:"));
    // Summary: each file's rows, and the delimiters read differently, noted.
    assert!(html.contains("<th scope=\"row\">rows</th><td>8,500</td><td>1,627</td><td>−6,873</td>"));
    assert!(html.contains(
        "<th scope=\"row\">delimiter</th><td>,</td><td>;</td><td class=\"bad\">differs</td>"
    ));
    assert!(html.contains("<ul id=\"notes\"><li>the reference is &#39;,&#39;-delimited"));
    // The checks' table: the attrited customers made fewer transactions.
    assert!(html.contains("<tr data-check=\"transactions as usual\" data-status=\"fail\">"));
    assert!(html.contains("<tr data-check=\"enough customers\" data-status=\"pass\">"));

    // Hostile text is text: in the table, the note, the labels and the SVG's title.
    assert!(!html.contains("<img"), "an img tag made it through");
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "a script tag made it through"
    );
    assert!(html.contains("data-column=\"&lt;img src=x onerror=alert(1)&gt;\""));
    assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    let hostile_overlay = "aria-label=\"&lt;img src=x onerror=alert(1)&gt;: labels in the reference and the current file\"><svg";
    assert!(
        html.contains(hostile_overlay),
        "the hostile column drifted and is overlaid"
    );
    // Nothing points anywhere: no src, href, url() or linked resource at all.
    assert_eq!(outside_references(&html), Vec::<String>::new());
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    assert_eq!(html.matches("</html>").count(), 1);
    assert!(!html.contains("NaN"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_writes_the_library_report_beside_its_table_and_json() {
    let dir = common::scratch("report-compare-cli");
    let (ref_path, cur_path) = split(&dir);
    let checks_path = common::write(&dir, "nightly.checks.yaml", CHECKS);
    let out = dir.join("report.html");
    let json = dir.join("report.json");
    let run = common::run(&[
        "compare",
        &ref_path,
        &cur_path,
        "--html",
        out.to_str().unwrap(),
        "--checks",
        &checks_path,
        "--now",
        NOW,
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::stderr(&run));
    let cli = std::fs::read_to_string(&out).unwrap();
    assert!(
        cli.contains("<span id=\"generated\">at 20"),
        "the report says when"
    );
    // One core: the same document but for its time.
    assert_eq!(
        without_time(&cli),
        without_time(&library_report(&ref_path, &cur_path))
    );
    // The JSON report is written as before.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["current"]["rows"], 1627);

    // A bad checks file: its line, exit 2, and no report.
    let bad = common::write(
        &dir,
        "bad.checks.yaml",
        "version: 1\nchecks:\n  - name: ages\n    range: {column: Customer_Age, min: 90, max: 10}\n",
    );
    let out2 = dir.join("not-written.html");
    let run = common::run(&[
        "compare",
        &ref_path,
        &cur_path,
        "--html",
        out2.to_str().unwrap(),
        "--checks",
        &bad,
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        common::stderr(&run).contains("line 3: check 'ages'"),
        "{}",
        common::stderr(&run)
    );
    assert!(!out2.exists());
    // --checks without --html is refused: it would be run for nothing.
    let run = common::run(&["compare", &ref_path, &cur_path, "--checks", &checks_path]);
    assert_eq!(run.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_in_different_encodings_and_delimiters_are_each_read_by_their_own_rules_and_the_difference_noted(
) {
    let dir = common::scratch("report-compare-encodings");
    let rows: Vec<String> = (0..300)
        .map(|i| format!("{i},{},{}", 20 + i % 40, ["a", "b", "c"][i % 3]))
        .collect();
    let utf8 = format!("id,age,plan\n{}\n", rows.join("\n"));
    // The same rows as Excel's "Unicode text": UTF-16 LE with its byte order mark, tabs.
    let tabbed = utf8.replace(',', "\t");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
    let r = common::write(&dir, "ref.csv", utf8);
    let c = common::write(&dir, "cur.txt", utf16);
    let out = dir.join("enc.html");
    let run = common::run(&["compare", &r, &c, "--html", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", common::stderr(&run));
    let text = common::stdout(&run);
    assert!(
        text.contains("note: the reference is ','-delimited and the current file tab-delimited"),
        "{text}"
    );
    assert!(
        text.contains("note: the reference is UTF-8 and the current file UTF-16 LE"),
        "{text}"
    );
    assert!(
        text.contains("drifted: 0 of 3 tested columns"),
        "the same data read alike: {text}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains(
        "<th scope=\"row\">encoding</th><td>UTF-8</td><td>UTF-16 LE</td><td class=\"bad\">differs</td>"
    ));
    assert!(html.contains(
        "<th scope=\"row\">delimiter</th><td>,</td><td>tab</td><td class=\"bad\">differs</td>"
    ));
    assert!(html.contains("<th scope=\"row\">rows</th><td>300</td><td>300</td><td>same</td>"));
    let _ = std::fs::remove_dir_all(&dir);
}
