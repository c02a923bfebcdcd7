//! Edge cases of the comparison: empty and all-missing columns, one value, identical
//! files, constant columns, hostile names, different delimiters, schema changes.

use super::*;
use crate::core::ingest::{read_bytes, IngestOptions};

fn header() -> IngestOptions {
    IngestOptions::builder()
        .has_header(Some(true))
        .build()
        .unwrap()
}

fn table(text: &str) -> Table {
    read_bytes(text.as_bytes(), &header()).expect("test table reads")
}

fn run(a: &str, b: &str) -> CompareReport {
    compare(&table(a), &table(b), &DriftRule::default()).expect("compares")
}

fn col<'a>(r: &'a CompareReport, name: &str) -> &'a ColumnComparison {
    r.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn numbers(n: usize, f: impl Fn(usize) -> String) -> String {
    let mut s = String::from("x,k\n");
    for i in 0..n {
        s.push_str(&format!("{},{}\n", f(i), ["a", "b", "c"][i % 3]));
    }
    s
}

#[test]
fn identical_files_do_not_drift() {
    let text = numbers(500, |i| format!("{}", (i * 37) % 101));
    let r = run(&text, &text);
    for c in &r.columns {
        let t = c.test.as_ref().unwrap();
        assert_eq!(t.statistic, 0.0, "{}", c.name);
        assert_eq!(t.p_value, 1.0, "{}", c.name);
        assert_eq!(t.effect, 0.0);
        assert!(t.psi.unwrap().abs() < 1e-12);
        assert!(!c.drifted);
        assert_eq!(c.status, ColumnStatus::Matched);
    }
    assert_eq!(r.summary.columns_drifted, 0);
    assert_eq!(r.summary.columns_tested, 2);
    assert!(r.summary.notes.is_empty());
    let n = col(&r, "x")
        .test
        .as_ref()
        .unwrap()
        .numeric
        .as_ref()
        .unwrap();
    assert_eq!(n.wasserstein, 0.0);
    assert_eq!(n.wasserstein_normalised, Some(0.0));
}

#[test]
fn a_shift_drifts_and_sorts_first() {
    let a = numbers(400, |i| format!("{}", i % 100));
    let b = numbers(300, |i| format!("{}", 50 + i % 100));
    let r = run(&a, &b);
    assert_eq!(r.columns[0].name, "x");
    let x = col(&r, "x");
    assert!(x.drifted);
    let t = x.test.as_ref().unwrap();
    assert!((t.statistic - 0.5).abs() < 0.01, "{}", t.statistic);
    assert!(t.p_value < 1e-10);
    let n = t.numeric.as_ref().unwrap();
    assert!((n.wasserstein - 50.0).abs() < 1e-9, "{}", n.wasserstein);
    assert_eq!(n.wasserstein_scale, "iqr");
    assert!(!col(&r, "k").drifted);
}

#[test]
fn an_all_missing_column_is_not_tested() {
    let a = "x,y\n1,\n2,\n3,\n";
    let b = "x,y\n1,\n2,NA\n4,\n";
    let r = run(a, b);
    let y = col(&r, "y");
    assert!(y.test.is_none());
    assert!(!y.drifted);
    assert_eq!(y.score, 0.0);
    assert!(y.note.as_ref().unwrap().contains("no valid values"));
    assert_eq!(y.current.as_ref().unwrap().missing, 3);
    assert_eq!(y.current.as_ref().unwrap().missing_share, 1.0);
}

#[test]
fn empty_column_on_one_side() {
    // The column has values in the reference and none in the current file.
    let r = run("x,y\n1,5\n2,6\n", "x,y\n1,\n2,\n");
    let y = col(&r, "y");
    assert!(y.test.is_none() || y.status == ColumnStatus::Retyped);
    assert!(!y.drifted);
}

#[test]
fn one_value_on_each_side() {
    let r = run("x\n1\n", "x\n2\n");
    let t = col(&r, "x").test.as_ref().unwrap();
    assert_eq!(t.statistic, 1.0);
    // Exact: two samples of one value each, D = 1 has probability 1.
    assert_eq!(t.p_value, 1.0);
    assert!(!col(&r, "x").drifted, "one value each is no evidence");
    let n = t.numeric.as_ref().unwrap();
    assert_eq!(n.wasserstein, 1.0);
    assert_eq!(n.wasserstein_scale, "none");
    assert_eq!(n.wasserstein_normalised, None);
}

#[test]
fn constant_columns() {
    let same = "x,k\n5,a\n5,a\n5,a\n5,a\n";
    let r = run(same, same);
    for c in &r.columns {
        let t = c.test.as_ref().unwrap();
        assert_eq!(t.p_value, 1.0);
        assert_eq!(t.psi, Some(0.0));
        assert!(!c.drifted);
    }
    assert_eq!(r.summary.reference.duplicate_rows, 3);
    // A constant that moves: D = 1, no scale to normalise by.
    let moved = run(same, "x,k\n6,a\n6,a\n6,a\n6,a\n");
    let x = col(&moved, "x").test.as_ref().unwrap();
    assert_eq!(x.statistic, 1.0);
    assert_eq!(x.numeric.as_ref().unwrap().wasserstein_normalised, None);
    assert!(x.psi.unwrap() > 1.0);
}

#[test]
fn hostile_column_names_survive() {
    let a = "\"a,b\",\"q\"\"uote\",\"line\nbreak\",é名\n1,x,2,3\n2,y,3,4\n";
    let r = run(a, a);
    let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"a,b"));
    assert!(names.contains(&"q\"uote"));
    assert!(names.contains(&"line\nbreak"));
    assert!(names.contains(&"é名"));
    let text = r.to_text();
    assert!(text.contains("line?break"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["columns"].as_array().unwrap().len(), 4);
}

#[test]
fn different_delimiters_are_read_each_its_way_and_noted() {
    let a = numbers(50, |i| i.to_string());
    let b = a.replace(',', ";");
    let r = run(&a, &b);
    assert_eq!(r.summary.notes.len(), 1, "{:?}", r.summary.notes);
    assert!(r.summary.notes[0].contains("';'"));
    assert_eq!(r.summary.reference.delimiter, ",");
    assert_eq!(r.summary.current.delimiter, ";");
    assert_eq!(col(&r, "x").test.as_ref().unwrap().statistic, 0.0);
}

#[test]
fn utf16_current_is_decoded_and_noted() {
    let a = numbers(30, |i| i.to_string());
    let mut b = vec![0xFF, 0xFE];
    for u in a.encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    let cur = read_bytes(&b, &header()).unwrap();
    let r = compare(&table(&a), &cur, &DriftRule::default()).unwrap();
    assert!(
        r.summary.notes.iter().any(|n| n.contains("UTF-16")),
        "{:?}",
        r.summary.notes
    );
    assert_eq!(col(&r, "x").test.as_ref().unwrap().statistic, 0.0);
}

#[test]
fn schema_changes() {
    let a = "id,age,plan,gone\n1,30,a,x\n2,40,b,y\n3,50,a,z\n4,60,b,w\n";
    let b = "id,years,plan,new\n1,30,2020-01-01,p\n2,40,2020-01-02,q\n3,50,2020-01-03,r\n4,60,2020-01-04,s\n";
    let r = run(a, b);
    let years = col(&r, "years");
    assert_eq!(years.status, ColumnStatus::Renamed);
    assert_eq!(years.renamed_from.as_deref(), Some("age"));
    assert_eq!(years.test.as_ref().unwrap().statistic, 0.0);
    assert_eq!(col(&r, "plan").status, ColumnStatus::Retyped);
    assert_eq!(col(&r, "gone").status, ColumnStatus::Removed);
    assert_eq!(col(&r, "new").status, ColumnStatus::Added);
    assert_eq!(r.summary.columns_renamed, 1);
    assert_eq!(r.summary.columns_retyped, 1);
    assert_eq!(r.summary.columns_added, 1);
    assert_eq!(r.summary.columns_removed, 1);
    assert!(r.columns.iter().all(|c| c.name != "age"));
}

#[test]
fn new_and_vanished_categories() {
    let r = run("k\na\na\nb\nc\n", "k\na\nd\nd\ne\n");
    let k = col(&r, "k");
    let new = k.new_categories.as_ref().unwrap();
    assert_eq!(new.count, 2);
    assert_eq!(new.rows, 3);
    assert_eq!(new.examples[0], ("d".to_string(), 2));
    let gone = k.vanished_categories.as_ref().unwrap();
    assert_eq!(gone.count, 2);
    assert_eq!(k.test.as_ref().unwrap().labels.as_ref().unwrap().dof, 4);
}

#[test]
fn dates_are_compared_as_numbers_and_reported_as_dates() {
    let mut a = String::from("d\n");
    let mut b = String::from("d\n");
    for i in 1..=28 {
        a.push_str(&format!("2024-01-{i:02}\n"));
        b.push_str(&format!("2024-02-{i:02}\n"));
    }
    let r = run(&a, &b);
    let d = col(&r, "d");
    assert_eq!(
        d.reference.as_ref().unwrap().kind,
        crate::core::ingest::ColumnType::Datetime
    );
    let t = d.test.as_ref().unwrap();
    assert_eq!(t.statistic, 1.0);
    assert!(d.drifted);
    let n = t.numeric.as_ref().unwrap();
    assert!(
        n.ks_location.as_str().unwrap().starts_with("2024-01-28"),
        "{:?}",
        n.ks_location
    );
    assert_eq!(n.wasserstein, 31.0 * 86_400.0);
    assert!(d
        .reference
        .as_ref()
        .unwrap()
        .median
        .as_ref()
        .unwrap()
        .as_str()
        .unwrap()
        .starts_with("2024-01-14"));
}

#[test]
fn large_files_do_not_flag_trivial_moves() {
    // 20,000 values a side, shifted by 3% of the range: significant, but D under 0.1.
    let a = numbers(20_000, |i| format!("{}", i % 1000));
    let b = numbers(20_000, |i| format!("{}", 30 + i % 1000));
    let r = run(&a, &b);
    let x = col(&r, "x");
    let t = x.test.as_ref().unwrap();
    assert_eq!(t.method, TestMethod::KsAsymptotic);
    assert!(t.p_value < 0.05, "{}", t.p_value);
    assert!(t.effect < 0.1);
    assert!(!x.drifted);
}

#[test]
fn rule_out_of_range_is_an_error() {
    let t = table("x\n1\n");
    let bad = DriftRule {
        alpha: 1.5,
        min_effect: 0.1,
    };
    let e = compare(&t, &t, &bad).unwrap_err();
    assert!(e.to_string().contains("alpha"));
}

#[test]
fn warnings_of_each_side_and_their_changes() {
    // x: varied in the reference, one value in the current file; m: 2 of 100 missing in
    // the reference, 40 in the current file.
    let mut a = String::from("x,m\n");
    let mut b = String::from("x,m\n");
    for i in 0..100 {
        let m = |gone: bool| {
            if gone {
                String::new()
            } else {
                format!("{}", i % 7 + 1)
            }
        };
        a.push_str(&format!("{},{}\n", i % 13, m(i < 2)));
        b.push_str(&format!("5,{}\n", m(i < 40)));
    }
    let r = run(&a, &b);
    let x = col(&r, "x");
    let kinds = |s: &Option<ColumnSide>| -> Vec<&'static str> {
        s.as_ref()
            .unwrap()
            .warnings
            .iter()
            .map(|w| w.kind.key())
            .collect()
    };
    assert_eq!(kinds(&x.reference), Vec::<&str>::new());
    assert_eq!(kinds(&x.current), vec!["constant"]);
    assert_eq!(x.warning_changes.len(), 1);
    assert_eq!(x.warning_changes[0].text, "became constant");
    assert!(x.warning_changes[0].appeared);
    assert!(x.warning_changes[0].explain.contains("current file"));
    let m = col(&r, "m");
    assert_eq!(kinds(&m.current), vec!["missing"]);
    assert_eq!(m.warning_changes[0].text, "missing share 2.0% → 40.0%");
    // Swapped, the same warnings clear.
    let back = run(&b, &a);
    assert_eq!(
        col(&back, "x").warning_changes[0].text,
        "no longer constant"
    );
    assert!(!col(&back, "x").warning_changes[0].appeared);
    assert!(r.to_json().contains("\"warning_changes\""));
}
