//! `pipescope check` end to end: exit codes 0 (pass or only warnings), 1 (a failing
//! check) and 2 (an error), the JUnit file a CI system reads, the JSON report and
//! `--suggest`.

mod common;

use common::{run, scratch, stderr, stdout, write};

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

const PASSING: &str = "version: 1
checks:
  - name: rows
    row_count: {min: 10000}
  - name: ages
    range: {column: Customer_Age, min: 18, max: 100}
  - name: genders
    allowed: {column: Gender, values: [M, F]}
";

#[test]
fn all_passing_exits_0_with_a_table() {
    let dir = scratch("pass");
    let checks = write(&dir, "c.yaml", PASSING);
    let o = run(&["check", BANK, "--checks", &checks]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("STATUS"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("PASS")).count(),
        3,
        "{out}"
    );
    assert!(
        out.contains("3 passed, 0 warned, 0 failed, 0 errors"),
        "{out}"
    );
}

#[test]
fn a_broken_warn_check_still_exits_0() {
    let dir = scratch("warn");
    let text = format!(
        "{PASSING}  - name: young\n    level: warn\n    mean: {{column: Customer_Age, max: 30}}\n"
    );
    let checks = write(&dir, "c.yaml", &text);
    let o = run(&["check", BANK, "--checks", &checks]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("WARN"), "{}", stdout(&o));
}

#[test]
fn a_failing_check_exits_1_and_the_junit_file_shows_every_check() {
    let dir = scratch("fail");
    let text = format!(
        "{PASSING}  - name: young\n    level: warn\n    mean: {{column: Customer_Age, max: 30}}\n  - name: only men\n    allowed: {{column: Gender, values: [M]}}\n"
    );
    let checks = write(&dir, "c.yaml", &text);
    let junit = dir.join("out.xml");
    let json = dir.join("out.json");
    let o = run(&[
        "check",
        BANK,
        "--checks",
        &checks,
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("line 3, Gender = \"F\""),
        "evidence with the line: {out}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, ["rows", "ages", "genders", "young", "only men"]);
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["only men"]);
    let root = doc.root_element();
    assert_eq!(
        (root.attribute("tests"), root.attribute("failures")),
        (Some("5"), Some("1"))
    );

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let statuses: Vec<_> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "pass", "pass", "warn", "fail"]);
}

#[test]
fn json_to_stdout_replaces_the_table() {
    let dir = scratch("json");
    let checks = write(
        &dir,
        "c.json",
        r#"{"version": 1, "checks": [{"name": "rows", "row_count": {"max": 10}}]}"#,
    );
    let o = run(&["check", BANK, "--checks", &checks, "--json", "-"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is only JSON");
    assert_eq!(v["checks"][0]["observed"], 10127);
}

#[test]
fn a_bad_checks_file_exits_2_naming_the_check_and_line() {
    let dir = scratch("bad");
    let checks = write(
        &dir,
        "c.yaml",
        "version: 1\nchecks:\n  - name: rows\n    row_count: {min: 1}\n  - name: share\n    missing: {column: Gender, max: 1.5}\n",
    );
    let o = run(&["check", BANK, "--checks", &checks]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("line 6") && err.contains("check 'share'") && err.contains("between 0 and 1"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing is run: {}", stdout(&o));
}

#[test]
fn a_column_the_data_lacks_exits_2_after_reporting_the_rest() {
    let dir = scratch("column");
    let checks = write(
        &dir,
        "c.yaml",
        &format!("{PASSING}  - name: loyalty\n    missing: {{column: Loyalty, max: 0}}\n"),
    );
    let junit = dir.join("out.xml");
    let o = run(&[
        "check",
        BANK,
        "--checks",
        &checks,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("line 9: check 'loyalty'") && err.contains("no column 'Loyalty'"),
        "{err}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("error"))
            .count(),
        1
    );
}

#[test]
fn missing_files_and_arguments_exit_2() {
    let dir = scratch("missing");
    let checks = write(&dir, "c.yaml", PASSING);
    let o = run(&[
        "check",
        BANK,
        "--checks",
        dir.join("nope.yaml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.yaml"));
    let o = run(&[
        "check",
        dir.join("nope.csv").to_str().unwrap(),
        "--checks",
        &checks,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["check", BANK]);
    assert_eq!(o.status.code(), Some(2), "--checks is required");
    let o = run(&["check", BANK, "--checks", &checks, "--now", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn drift_needs_the_reference_and_reads_it() {
    let dir = scratch("drift");
    let text = std::fs::read_to_string(BANK).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut existing, mut attrited) = (format!("{header}\n"), format!("{header}\n"));
    for l in lines {
        let side = if l.contains("Existing Customer") {
            &mut existing
        } else {
            &mut attrited
        };
        side.push_str(l);
        side.push('\n');
    }
    let reference = write(&dir, "existing.csv", &existing);
    let current = write(&dir, "attrited.csv", &attrited);
    let checks = write(
        &dir,
        "c.yaml",
        "version: 1\nchecks:\n  - name: moved\n    drift: {columns: {Total_Trans_Ct: 0.2}}\n",
    );
    let o = run(&[
        "check",
        &current,
        "--checks",
        &checks,
        "--reference",
        &reference,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("Total_Trans_Ct"), "{}", stdout(&o));
    let o = run(&[
        "check",
        &reference,
        "--checks",
        &checks,
        "--reference",
        &reference,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["check", &current, "--checks", &checks]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reference"), "{}", stderr(&o));
}

#[test]
fn freshness_reads_now_from_the_flag() {
    let dir = scratch("fresh");
    let data = write(
        &dir,
        "d.csv",
        "time,v\n2026-03-01T10:00:00Z,1\n2026-03-01T11:00:00Z,2\n",
    );
    let checks = write(
        &dir,
        "c.yaml",
        "version: 1\nchecks:\n  - name: fresh\n    freshness: {column: time, max_age: 30m}\n",
    );
    let o = run(&[
        "check",
        &data,
        "--checks",
        &checks,
        "--now",
        "2026-03-01T11:20:00Z",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&[
        "check",
        &data,
        "--checks",
        &checks,
        "--now",
        "2026-03-01T12:00:00Z",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("1h 0m old"), "{}", stdout(&o));
}

#[test]
fn suggest_writes_a_checks_file_the_data_passes() {
    let dir = scratch("suggest");
    let o = run(&["check", BANK, "--suggest"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = stdout(&o);
    assert!(yaml.starts_with("version: 1\n"), "{yaml}");
    let checks = write(&dir, "suggested.yaml", &yaml);
    let o = run(&["check", BANK, "--checks", &checks]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&["check", BANK, "--suggest", "--format", "json"]);
    let checks = write(&dir, "suggested.json", &stdout(&o));
    let o = run(&["check", BANK, "--checks", &checks, "--json", "-"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["checks"].as_array().unwrap().len() > 40);
}

/// (rule, check, severity, value, silenced) of each rule incident among `out`'s JSON lines.
fn rule_lines(out: &str) -> Vec<(String, String, u64, f64, bool)> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter_map(|v| {
            let r = v["source"].get("rule")?;
            Some((
                r["rule"].as_str()?.to_string(),
                r["target"].as_str()?.to_string(),
                v["severity"].as_u64()?,
                r["value"].as_f64()?,
                !v["silenced"].is_null(),
            ))
        })
        .collect()
}

const CHECK_RULES: &str = "version: 1
rules:
  - name: too few rows
    check: rows
    below: 20000
    severity: 1
  - name: any warning
    check: '*'
    fails: true
";

#[test]
fn rules_on_check_results_print_their_incidents_and_a_page_exits_1() {
    let dir = scratch("check-rules");
    let text = format!("{PASSING}  - name: young\n    level: warn\n    mean: {{column: Customer_Age, max: 30}}\n");
    let checks = write(&dir, "c.yaml", &text);
    let rules = write(&dir, "r.rules.yaml", CHECK_RULES);
    let o = run(&["check", BANK, "--checks", &checks, "--rules", &rules]);
    // The checks only warn (exit 0 alone); the severity-1 rule on the row count pages.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("STATUS"), "the table first: {out}");
    let got = rule_lines(&out);
    let mean_age = got.iter().find(|g| g.1 == "young").map(|g| g.3).unwrap_or(0.0);
    assert_eq!(
        got,
        [
            ("too few rows".into(), "rows".into(), 1, 10127.0, false),
            ("any warning".into(), "young".into(), 2, mean_age, false),
        ],
        "{out}"
    );
    assert!((mean_age - 46.33).abs() < 0.01, "the observed mean: {mean_age}");

    // A silence on the paging rule: still printed, marked, and the run passes.
    let silenced = format!(
        "{CHECK_RULES}silences:\n  - matchers: ['rule=\"too few rows\"']\n    end: \"2100-01-01T00:00:00Z\"\n    comment: shrinking on purpose\n"
    );
    let rules = write(&dir, "s.rules.yaml", &silenced);
    let o = run(&["check", BANK, "--checks", &checks, "--rules", &rules]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = rule_lines(&stdout(&o));
    assert_eq!(got.iter().map(|g| g.4).collect::<Vec<_>>(), [true, false]);
}

#[test]
fn a_check_rule_with_for_or_no_matching_check_is_refused_with_its_line() {
    let dir = scratch("check-rules-bad");
    let checks = write(&dir, "c.yaml", PASSING);
    let rules = write(
        &dir,
        "r.rules.yaml",
        "version: 1\nrules:\n  - name: slow rows\n    check: rows\n    below: 5\n    for: 10m\n  - name: typo\n    check: 'gendr*'\n    fails: true\n",
    );
    let o = run(&["check", BANK, "--checks", &checks, "--rules", &rules]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("line 3: rule 'slow rows' (rules[0].for): 'for' does not apply here; it needs a metric or error-code stream; a check rule fires on the run of the checks whose result meets it and resolves on the first run that does not"),
        "{err}"
    );
    assert!(
        err.contains("line 7: rule 'typo' (rules[1].check): 'gendr*' matches no check of the checks file; expected one of: rows, ages, genders"),
        "{err}"
    );
    assert!(!stdout(&o).contains("STATUS"), "nothing run: {}", stdout(&o));
}
