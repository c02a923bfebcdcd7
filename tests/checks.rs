//! Checks: every rule passing and failing on real data (BankChurners) and on small tables
//! where exact evidence is clearer; checks-file errors with their lines; suggested checks
//! round-tripping; JUnit XML that parses back with hostile text escaped.

use pipescope::core::checks::{
    parse, run, suggest, validate, CheckResult, Checks, ChecksErrorKind, Duration, Format, Status,
};
use pipescope::core::ingest::{read_bytes, read_path, IngestOptions, Table};

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

fn bank() -> Table {
    read_path(std::path::Path::new(BANK), &IngestOptions::default()).expect("BankChurners.csv")
}

fn table(csv: &str) -> Table {
    read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap()
}

/// A checks file of one check named `c` with the given rule (YAML flow text).
fn one(rule: &str) -> Checks {
    parse(
        &format!("version: 1\nchecks:\n  - name: c\n    {rule}\n"),
        Format::Yaml,
    )
    .unwrap_or_else(|e| panic!("{rule}: {e}"))
}

fn check(t: &Table, rule: &str) -> CheckResult {
    run(t, &one(rule), None, 0).checks.remove(0)
}

/// BankChurners' cells of one column with each row's file line (header on line 1; no
/// cell spans lines), read by the csv crate: an independent view of the data.
fn bank_column(name: &str) -> Vec<(u64, String)> {
    let mut r = csv::Reader::from_path(BANK).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records()
        .enumerate()
        .map(|(k, rec)| (k as u64 + 2, rec.unwrap()[i].to_string()))
        .collect()
}

fn bank_numbers(name: &str) -> Vec<(u64, f64)> {
    bank_column(name)
        .into_iter()
        .map(|(l, v)| (l, v.parse().unwrap()))
        .collect()
}

#[test]
fn row_count_passes_within_bounds_and_fails_outside() {
    let t = bank();
    assert_eq!(
        check(&t, "row_count: {min: 10000, max: 10127}").status,
        Status::Pass
    );
    let r = check(&t, "row_count: {min: 10128}");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, 10127);
    assert!(r.message.contains("10,127"), "{}", r.message);
}

#[test]
fn missing_share_with_lines_of_missing_rows() {
    let t = table("a,b\n1,x\n,y\n3,\n,z\n5,w\n");
    let r = check(&t, "missing: {column: a, max: 0.5}");
    assert_eq!(r.status, Status::Pass);
    assert_eq!(r.observed, 0.4);
    let r = check(&t, "missing: {column: a, max: 0.1}");
    assert_eq!(r.status, Status::Fail);
    let lines: Vec<_> = r.evidence.iter().map(|e| e.line.unwrap()).collect();
    assert_eq!(lines, [3, 5]);
    // Real data: BankChurners has no empty cells.
    assert_eq!(
        check(&bank(), "missing: {column: Customer_Age, max: 0}").status,
        Status::Pass
    );
}

#[test]
fn invalid_share_points_at_the_first_bad_cell() {
    let mut csv = String::from("n\n");
    for i in 0..50 {
        csv += &format!("{i}\n");
    }
    csv += "oops\n";
    // Declared numeric, so the stray label is an invalid cell (not a text column).
    let options = IngestOptions::builder()
        .has_header(Some(true))
        .column_type("n", pipescope::core::ingest::ColumnType::Numeric)
        .build()
        .unwrap();
    let t = read_bytes(csv.as_bytes(), &options).unwrap();
    assert_eq!(
        t.columns[0].invalid, 1,
        "the column reads as numbers with one bad cell"
    );
    assert_eq!(
        check(&t, "invalid: {column: n, max: 0.05}").status,
        Status::Pass
    );
    let r = check(&t, "invalid: {column: n, max: 0}");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.evidence[0].line, Some(52));
}

#[test]
fn unique_names_the_rows_that_repeat() {
    let t = table("id\n1\n2\n1\n3\n2\n");
    let r = check(&t, "unique: {column: id}");
    assert_eq!(r.status, Status::Fail);
    let found: Vec<_> = r
        .evidence
        .iter()
        .map(|e| (e.line.unwrap(), e.value.as_str(), e.note.clone().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (4, "1", "repeats line 2".to_string()),
            (6, "2", "repeats line 3".to_string())
        ]
    );
    assert_eq!(
        check(&t, "unique: {column: id, min: 0.6}").status,
        Status::Pass
    );
    let b = bank();
    assert_eq!(
        check(&b, "unique: {column: CLIENTNUM}").status,
        Status::Pass
    );
    assert_eq!(check(&b, "unique: {column: Gender}").status, Status::Fail);
}

#[test]
fn allowed_values_count_and_show_the_others() {
    let b = bank();
    assert_eq!(
        check(&b, "allowed: {column: Gender, values: [M, F]}").status,
        Status::Pass
    );
    let gender = bank_column("Gender");
    let women: Vec<_> = gender.iter().filter(|g| g.1 == "F").collect();
    let r = check(&b, "allowed: {column: Gender, values: [M]}");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, women.len());
    assert_eq!(r.evidence.len(), 5);
    assert_eq!(r.evidence[0].line, Some(women[0].0));
    assert_eq!(r.evidence[0].value, "F");
    // A tolerance above the share of F rows lets it pass.
    let share = women.len() as f64 / gender.len() as f64;
    let lenient = format!(
        "allowed: {{column: Gender, values: [M], tolerance: {}}}",
        share + 0.01
    );
    assert_eq!(check(&b, &lenient).status, Status::Pass);
    // Numbers are compared as numbers.
    assert_eq!(
        check(
            &b,
            "allowed: {column: Dependent_count, values: [0, 1, 2, 3, 4, 5]}"
        )
        .status,
        Status::Pass
    );
    assert_eq!(
        check(
            &b,
            "allowed: {column: Dependent_count, values: [0, 1, 2, 3, 4]}"
        )
        .status,
        Status::Fail
    );
}

#[test]
fn pattern_matches_labels_and_numbers_as_written() {
    let b = bank();
    assert_eq!(
        check(&b, r"pattern: {column: CLIENTNUM, regex: '^\d{9}$'}").status,
        Status::Pass
    );
    let ids = bank_column("CLIENTNUM");
    let not7: Vec<_> = ids.iter().filter(|x| !x.1.starts_with('7')).collect();
    let r = check(&b, "pattern: {column: CLIENTNUM, regex: '^7'}");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, not7.len());
    assert_eq!(r.evidence[0].line, Some(not7[0].0));
    assert_eq!(r.evidence[0].value, not7[0].1);
    let r = check(
        &b,
        "pattern: {column: Income_Category, regex: '^(Less than )?\\$|Unknown'}",
    );
    assert_eq!(r.status, Status::Pass, "{}", r.message);
}

#[test]
fn range_counts_values_outside_with_their_lines() {
    let b = bank();
    assert_eq!(
        check(&b, "range: {column: Customer_Age, min: 18, max: 100}").status,
        Status::Pass
    );
    let ages = bank_numbers("Customer_Age");
    let outside: Vec<_> = ages.iter().filter(|a| a.1 < 30.0 || a.1 > 60.0).collect();
    let r = check(&b, "range: {column: Customer_Age, min: 30, max: 60}");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, outside.len());
    assert_eq!(r.evidence[0].line, Some(outside[0].0));
    assert!(r.evidence[0]
        .note
        .as_ref()
        .unwrap()
        .starts_with(if outside[0].1 < 30.0 {
            "below 30"
        } else {
            "above 60"
        }));
    // A text column cannot be ranged: an error, not a failure.
    let r = check(&b, "range: {column: Gender, min: 0}");
    assert_eq!(r.status, Status::Error);
    assert!(r.message.contains("numeric or datetime"), "{}", r.message);
}

#[test]
fn mean_median_quantile_within_bounds() {
    let b = bank();
    let ages: Vec<f64> = bank_numbers("Customer_Age")
        .into_iter()
        .map(|x| x.1)
        .collect();
    let mean = ages.iter().sum::<f64>() / ages.len() as f64;
    let r = check(&b, "mean: {column: Customer_Age, min: 46, max: 47}");
    assert_eq!(r.status, Status::Pass);
    assert!((r.observed.as_f64().unwrap() - mean).abs() < 1e-9);
    assert_eq!(
        check(&b, "mean: {column: Customer_Age, min: 47}").status,
        Status::Fail
    );
    let mut sorted = ages.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2]; // odd count
    let r = check(&b, "median: {column: Customer_Age, max: 60}");
    assert_eq!(r.observed.as_f64(), Some(median));
    assert_eq!(
        check(
            &b,
            &format!("median: {{column: Customer_Age, max: {}}}", median - 1.0)
        )
        .status,
        Status::Fail
    );
    let r = check(
        &b,
        "quantile: {column: Total_Trans_Ct, q: 0.95, min: 100, max: 110}",
    );
    assert_eq!(r.status, Status::Pass, "{}", r.message);
    assert_eq!(
        check(&b, "quantile: {column: Total_Trans_Ct, q: 0.95, max: 90}").status,
        Status::Fail
    );
}

#[test]
fn freshness_measures_from_now_or_as_of() {
    let t =
        table("time,v\n2026-01-01T08:00:00Z,1\n2026-01-01T10:30:00Z,2\n2026-01-01T09:00:00Z,3\n");
    let at = |s: &str| pipescope::core::time::parse_timestamp_ms(s).unwrap();
    let checks = one("freshness: {column: time, max_age: 2h}");
    let fresh = run(&t, &checks, None, at("2026-01-01T12:00:00Z"))
        .checks
        .remove(0);
    assert_eq!(fresh.status, Status::Pass, "{}", fresh.message);
    assert_eq!(fresh.observed, "2026-01-01T10:30:00Z");
    let stale = run(&t, &checks, None, at("2026-01-01T13:00:00Z"))
        .checks
        .remove(0);
    assert_eq!(stale.status, Status::Fail);
    assert!(stale.message.contains("2h 30m old"), "{}", stale.message);
    assert_eq!(stale.evidence[0].line, Some(3));
    let pinned = one("freshness: {column: time, max_age: 1d, as_of: '2026-01-03T00:00:00Z'}");
    assert_eq!(run(&t, &pinned, None, 0).checks[0].status, Status::Fail);
    let pinned = one("freshness: {column: time, max_age: 1d 14h, as_of: '2026-01-03T00:00:00Z'}");
    assert_eq!(run(&t, &pinned, None, 0).checks[0].status, Status::Pass);
    assert_eq!(
        check(&t, "freshness: {column: v, max_age: 1h}").status,
        Status::Error
    );
}

#[test]
fn durations_parse_with_units() {
    assert_eq!(Duration::parse("30m").unwrap().ms, 1_800_000);
    assert_eq!(Duration::parse("1.5h").unwrap().ms, 5_400_000);
    assert_eq!(Duration::parse("1w").unwrap().ms, 604_800_000);
    assert_eq!(Duration::parse("250ms").unwrap().ms, 250);
    assert!(Duration::parse("2x").is_err());
    assert!(Duration::parse("h").is_err());
    assert!(Duration::parse("").is_err());
}

#[test]
fn schema_reports_missing_retyped_and_unexpected_columns() {
    let b = bank();
    let ok =
        "schema: {columns: {CLIENTNUM: numeric, Gender: [categorical, text]}, allow_extra: true}";
    assert_eq!(check(&b, ok).status, Status::Pass);
    let r = check(
        &b,
        "schema: {columns: {CLIENTNUM: text, Gender: any, Loyalty: numeric}, allow_extra: true}",
    );
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, 2);
    let notes: Vec<_> = r
        .evidence
        .iter()
        .map(|e| (e.column.clone().unwrap(), e.note.clone().unwrap()))
        .collect();
    assert_eq!(
        notes[0],
        ("CLIENTNUM".into(), "read as numeric; expected text".into())
    );
    assert_eq!(
        notes[1],
        ("Loyalty".into(), "required column is absent".into())
    );
    // Without allow_extra every other column is unexpected.
    let r = check(&b, "schema: {columns: {CLIENTNUM: numeric}}");
    assert_eq!(r.observed, 22);
}

/// BankChurners split by Attrition_Flag: existing (reference) vs attrited (current).
fn split() -> (Table, Table) {
    let text = std::fs::read_to_string(BANK).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut existing, mut attrited) = (format!("{header}\n"), format!("{header}\n"));
    for l in lines {
        if l.contains("Existing Customer") {
            existing += l;
            existing += "\n";
        } else {
            attrited += l;
            attrited += "\n";
        }
    }
    (table(&existing), table(&attrited))
}

#[test]
fn drift_against_a_reference_flags_what_moved() {
    let (existing, attrited) = split();
    let checks = one("drift: {columns: {Total_Trans_Ct: 0.2, Customer_Age: 0.1}}");
    let r = run(&attrited, &checks, Some(&existing), 0).checks.remove(0);
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.observed, 1);
    assert_eq!(r.evidence[0].column.as_deref(), Some("Total_Trans_Ct"));
    let age = one("drift: {columns: {Customer_Age: 0.1}}");
    assert_eq!(
        run(&attrited, &age, Some(&existing), 0).checks[0].status,
        Status::Pass
    );
    // Against itself nothing moves, with a threshold for every column.
    let all = one("drift: {threshold: 0.05}");
    let same = run(&existing, &all, Some(&existing), 0).checks.remove(0);
    assert_eq!(same.status, Status::Pass, "{}", same.message);
    // PSI as the metric.
    let psi = one("drift: {metric: psi, columns: {Total_Trans_Ct: 0.25}}");
    assert_eq!(
        run(&attrited, &psi, Some(&existing), 0).checks[0].status,
        Status::Fail
    );
    // No reference: an error saying what is needed.
    let r = run(&attrited, &all, None, 0).checks.remove(0);
    assert_eq!(r.status, Status::Error);
    assert!(r.message.contains("--reference"));
}

#[test]
fn a_column_the_data_lacks_is_an_error_with_the_check_line() {
    let checks = parse(
        "version: 1\nchecks:\n  - name: rows\n    row_count: {min: 1}\n  - name: ages\n    range: {column: Age, min: 0}\n",
        Format::Yaml,
    )
    .unwrap();
    let b = bank();
    let errors = validate(&b, &checks, None);
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e.line, Some(5));
    assert!(matches!(&e.kind, ChecksErrorKind::UnknownColumn { column, .. } if column == "Age"));
    let text = e.to_string();
    assert!(text.starts_with("line 5: check 'ages'"), "{text}");
    assert!(text.contains("Customer_Age"), "{text}");
    let report = run(&b, &checks, None, 0);
    assert_eq!(report.checks[1].status, Status::Error);
    assert_eq!(report.checks[1].check_line, Some(5));
    assert_eq!(report.worst(), Status::Error);
}

/// Parses and returns the error, which must exist.
fn error(text: &str, format: Format) -> pipescope::core::checks::ChecksError {
    parse(text, format).expect_err(text)
}

#[test]
fn bad_files_name_the_check_its_line_and_what_was_expected() {
    let yaml = |body: &str| {
        format!("version: 1\nchecks:\n  - name: first\n    row_count: {{min: 1}}\n  - name: second\n{body}")
    };
    // Unknown key.
    let e = error(&yaml("    rnage: {column: a}\n"), Format::Yaml);
    assert!(
        matches!(&e.kind, ChecksErrorKind::UnknownKey { key, expected } if key == "rnage" && expected.contains("'range'"))
    );
    assert_eq!(
        (e.line, e.item.as_ref().unwrap().name.as_deref()),
        (Some(6), Some("second"))
    );
    // Wrong type.
    let e = error(
        &yaml("    range:\n      column: a\n      min: [1]\n"),
        Format::Yaml,
    );
    assert!(matches!(e.kind, ChecksErrorKind::WrongType { .. }), "{e}");
    assert_eq!(e.line, Some(8));
    assert_eq!(e.path.as_deref(), Some("checks[1].range.min"));
    // A share above 1.
    let e = error(&yaml("    missing: {column: a, max: 1.5}\n"), Format::Yaml);
    assert!(
        matches!(&e.kind, ChecksErrorKind::InvalidValue { expected, .. } if expected.contains("between 0 and 1"))
    );
    assert_eq!(e.line, Some(6));
    // min > max.
    let e = error(
        &yaml("    range: {column: a, min: 5, max: 1}\n"),
        Format::Yaml,
    );
    assert!(matches!(e.kind, ChecksErrorKind::MinAboveMax { .. }));
    assert_eq!(e.line, Some(5));
    assert!(e.to_string().starts_with("line 5: check 'second'"), "{e}");
    // A bad regular expression.
    let e = error(
        &yaml("    pattern: {column: a, regex: 'x(['}\n"),
        Format::Yaml,
    );
    assert!(
        matches!(&e.kind, ChecksErrorKind::InvalidValue { expected, .. } if expected.contains("regular expression"))
    );
    assert_eq!(e.line, Some(6));
    // A bad duration and level.
    let e = error(
        &yaml("    freshness: {column: a, max_age: soon}\n"),
        Format::Yaml,
    );
    assert!(e.to_string().contains("duration"), "{e}");
    let e = error(
        &yaml("    level: fatal\n    row_count: {min: 1}\n"),
        Format::Yaml,
    );
    assert!(e.to_string().contains("'warn' or 'fail'"), "{e}");
    // Unsupported version, even when the rest is of another shape.
    let e = error(
        "version: 2\nchecks:\n  - name: a\n    new_rule: {}\n",
        Format::Yaml,
    );
    assert_eq!(
        e.kind,
        ChecksErrorKind::UnsupportedVersion { found: "2".into() }
    );
    assert_eq!(e.line, Some(1));
    // No rule, two rules, duplicate names.
    assert_eq!(
        error(&yaml("    level: warn\n"), Format::Yaml).kind,
        ChecksErrorKind::NoRule
    );
    let e = error(
        &yaml("    row_count: {min: 1}\n    unique: {column: a}\n"),
        Format::Yaml,
    );
    assert!(
        matches!(e.kind, ChecksErrorKind::SeveralRules { ref rules } if rules == &["row_count", "unique"])
    );
    let e = error("version: 1\nchecks:\n  - name: a\n    row_count: {min: 1}\n  - name: a\n    row_count: {max: 9}\n", Format::Yaml);
    assert_eq!(
        (e.kind, e.line),
        (
            ChecksErrorKind::DuplicateName {
                first_line: Some(3)
            },
            Some(5)
        )
    );
    // Not YAML at all.
    let e = error("version: 1\nchecks: [\n", Format::Yaml);
    assert!(matches!(e.kind, ChecksErrorKind::Syntax { .. }));
}

#[test]
fn json_files_get_the_same_errors_with_json_lines() {
    let json = "{\n  \"version\": 1,\n  \"checks\": [\n    {\"name\": \"rows\", \"row_count\": {\"min\": 1}},\n    {\n      \"name\": \"ages\",\n      \"range\": {\"column\": \"Customer_Age\", \"min\": 0, \"max\": \"old\"}\n    }\n  ]\n}\n";
    let e = error(json, Format::Json);
    assert_eq!(e.line, Some(7));
    assert_eq!(e.item.unwrap().name.as_deref(), Some("ages"));
    let e = error(&json.replace("\"range\"", "\"ragne\""), Format::Json);
    assert!(matches!(e.kind, ChecksErrorKind::UnknownKey { .. }));
    assert_eq!(e.line, Some(7));
    let ok = parse(&json.replace("\"old\"", "120"), Format::Json).unwrap();
    // A check's line is that of its first key (the `{` alone on line 5 does not count).
    assert_eq!(
        ok.checks.iter().map(|c| c.line).collect::<Vec<_>>(),
        [Some(4), Some(6)]
    );
    let e = error(
        &json
            .replace("\"min\": 0", "\"min\": 200")
            .replace("\"old\"", "120"),
        Format::Json,
    );
    assert_eq!(
        (
            e.line,
            matches!(e.kind, ChecksErrorKind::MinAboveMax { .. })
        ),
        (Some(6), true)
    );
    assert!(matches!(
        error("{\"version\": 1, \"checks\": []} {}", Format::Json).kind,
        ChecksErrorKind::Syntax { .. }
    ));
    assert_eq!(Format::sniff("  {\"version\": 1}"), Format::Json);
    assert_eq!(Format::from_name("x.YML"), Some(Format::Yaml));
}

#[test]
fn the_example_files_parse_and_run_on_bankchurners() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/");
    let text = std::fs::read_to_string(format!("{dir}bankchurners.checks.yaml")).unwrap();
    let checks = parse(&text, Format::Yaml).unwrap();
    let (existing, attrited) = split();
    let report = run(&existing, &checks, Some(&existing), 0);
    let not_passed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| (&c.name, &c.message))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:?}");
    let report = run(&attrited, &checks, Some(&existing), 0);
    assert_eq!(report.worst(), Status::Fail);
    let text = std::fs::read_to_string(format!("{dir}events.checks.json")).unwrap();
    assert_eq!(parse(&text, Format::Json).unwrap().checks.len(), 4);
}

#[test]
fn suggested_checks_round_trip_and_pass_on_their_table() {
    let b = bank();
    let s = suggest(&b);
    for (text, format) in [(s.to_yaml(), Format::Yaml), (s.to_json(), Format::Json)] {
        let mut back = parse(&text, format).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for c in &mut back.checks {
            assert!(c.line.is_some());
            c.line = None;
        }
        assert_eq!(back, s);
    }
    let report = run(&b, &s, None, 0);
    assert_eq!(
        report.counts.passed,
        report.checks.len(),
        "{}",
        report.to_text()
    );
    let names: Vec<&str> = s.checks.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"CLIENTNUM: unique"), "{names:?}");
    assert!(!names.contains(&"Customer_Age: unique"));
    assert!(names.contains(&"Gender: allowed values"));
    assert!(names.contains(&"Credit_Limit: range"));
    // A batch far off the profile breaks the suggested checks.
    let (_, attrited) = split();
    assert_eq!(run(&attrited, &s, None, 0).worst(), Status::Fail);
}

#[test]
fn junit_has_one_testcase_a_check_and_escapes_hostile_text() {
    let t = table("name,v\n\"<script>&\"\"x'\u{1}\",1\nok,200\n");
    let checks = parse(
        "version: 1\nchecks:\n  - name: \"a <b> & \\\"c\\\" ]]> 'd'\"\n    allowed: {column: name, values: [ok]}\n  - name: ranged\n    level: warn\n    range: {column: v, max: 100}\n  - name: fine\n    row_count: {min: 1}\n  - name: lost\n    missing: {column: nope, max: 0}\n",
        Format::Yaml,
    )
    .unwrap();
    let report = run(&t, &checks, None, 0);
    let xml = report.to_junit("data <1>.csv");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 4);
    assert_eq!(cases[0].attribute("name"), Some("a <b> & \"c\" ]]> 'd'"));
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        failure.text().unwrap().contains(r#"<script>&\"x'\u{1}"#),
        "{:?}",
        failure.text()
    );
    // The warn check passes, with its message kept in system-out.
    assert!(cases[1].children().all(|n| !n.has_tag_name("failure")));
    let out = cases[1]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert!(out.text().unwrap().starts_with("warning:"));
    assert!(cases[2]
        .children()
        .all(|n| !n.has_tag_name("failure") && !n.has_tag_name("error")));
    assert!(cases[3].children().any(|n| n.has_tag_name("error")));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("data <1>.csv"));
    assert_eq!(
        (suite.attribute("failures"), suite.attribute("errors")),
        (Some("1"), Some("1"))
    );
}

#[test]
fn json_report_carries_status_observed_expected_and_evidence() {
    let t = table("a\n1\n500\n");
    let report = run(&t, &one("range: {column: a, max: 100}"), None, 0);
    let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(v["version"], 1);
    let c = &v["checks"][0];
    assert_eq!(
        (
            c["status"].as_str(),
            c["level"].as_str(),
            c["rule"].as_str()
        ),
        (Some("fail"), Some("fail"), Some("range"))
    );
    assert_eq!(c["observed"], 1);
    assert_eq!(c["expected"], "none above 100");
    assert_eq!(c["evidence"][0]["line"], 3);
    assert_eq!(c["evidence"][0]["value"], "500");
    assert_eq!(v["counts"]["failed"], 1);
}

#[test]
fn quantiles_by_selection_equal_those_of_a_sorted_copy() {
    // Decimals with repeats, negative values and missing cells, in no order.
    let mut csv = String::from("x,k\n");
    let mut values = Vec::new();
    let mut state = 7u64;
    for i in 0..2_001 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let v = ((state >> 33) % 4000) as f64 / 8.0 - 100.0;
        if i % 97 == 0 {
            csv += ",1\n";
        } else {
            csv += &format!("{v},{}\n", ((state >> 40) % 50) as i64 - 25);
            values.push(v);
        }
    }
    let t = table(&csv);
    values.sort_by(f64::total_cmp);
    for q in [0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 0.95, 1.0] {
        let expected = pipescope::core::compare::drift::quantile_linear(&values, q).unwrap();
        let r = check(&t, &format!("quantile: {{column: x, q: {q}, min: -1000}}"));
        assert_eq!(r.observed.as_f64(), Some(expected), "q = {q}");
    }
    // Distinct counts: whole numbers (counted in a bitmap) and decimals (sorted).
    let mut ks: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    ks.sort();
    ks.dedup();
    let r = check(&t, "unique: {column: k, min: 0}");
    assert!(
        r.message
            .starts_with(&format!("{} distinct of 2,001 values", ks.len())),
        "{}",
        r.message
    );
    let mut xs = values.clone();
    xs.dedup();
    let r = check(&t, "unique: {column: x, min: 0}");
    assert!(
        r.message.starts_with(&format!(
            "{} distinct of",
            pipescope::core::text::group_thousands(xs.len() as u64)
        )),
        "{}",
        r.message
    );
}

#[test]
fn a_profile_gives_the_same_report_as_the_data() {
    let b = bank();
    let mut checks = suggest(&b);
    let extra = parse(
        "version: 1\nchecks:\n  - name: mean age\n    mean: {column: Customer_Age, min: 47}\n  - name: ids\n    unique: {column: CLIENTNUM}\n  - name: limits\n    range: {column: Credit_Limit, max: 30000}\n  - name: q\n    quantile: {column: Total_Trans_Ct, q: 0.9, max: 90}\n  - name: q5\n    quantile: {column: Credit_Limit, q: 0.05, min: 1500}\n  - name: third\n    quantile: {column: Credit_Limit, q: 0.333, max: 4000}\n  - name: median\n    median: {column: Avg_Open_To_Buy, max: 3000}\n  - name: tiers\n    allowed: {column: Card_Category, values: [Blue, Gold]}\n  - name: income\n    pattern: {column: Income_Category, regex: '^\\$'}\n",
        Format::Yaml,
    )
    .unwrap();
    checks.checks.extend(extra.checks);
    let profile = pipescope::core::profile::profile(&b);
    let plain = run(&b, &checks, None, 0);
    let profiled = pipescope::core::checks::run_with_profile(&b, &checks, None, 0, &profile);
    assert_eq!(plain, profiled);
    // Whole percentiles and label counts come from the profile, a third from the data.
    assert!(plain.counts.failed >= 7, "{}", plain.to_text());
    // A profile of another table is not used.
    let other = pipescope::core::profile::profile(&table("a\n1\n"));
    assert_eq!(
        pipescope::core::checks::run_with_profile(&b, &checks, None, 0, &other),
        plain
    );
}
