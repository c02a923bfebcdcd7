//! Golden test: pipescope's profile of BankChurners.csv equals an independent reference
//! (Python's `statistics` module, tests/reference/profile_reference.py) bit for bit:
//! count, min, max, mean, median and type-7 quartiles of every numeric column.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use pipescope::core::ingest::{read_path, ColumnType, IngestOptions};
use pipescope::core::profile::profile;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/profile_reference.py"
);

fn python_reference(path: &str) -> BTreeMap<String, BTreeMap<String, serde_json::Value>> {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .arg(path)
        .output()
        .expect("python3 must be installed to run the golden test");
    assert!(
        out.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reference prints JSON")
}

fn float(v: &serde_json::Value) -> f64 {
    // The reference prints repr() strings; Rust's parser rounds them correctly.
    v.as_str()
        .expect("figures are repr strings")
        .parse()
        .expect("a float")
}

#[test]
fn bankchurners_numeric_figures_equal_python_statistics_exactly() {
    let reference = python_reference(DATA);
    let table =
        read_path(Path::new(DATA), &IngestOptions::default()).expect("BankChurners.csv reads");
    let p = profile(&table);
    assert_eq!(p.rows, 10_127);
    assert_eq!(p.columns.len(), 23);

    let ours: Vec<&str> = p
        .columns
        .iter()
        .filter(|c| c.kind == ColumnType::Numeric)
        .map(|c| c.name.as_str())
        .collect();
    let theirs: Vec<&str> = reference.keys().map(|k| k.as_str()).collect();
    let mut ours_sorted = ours.clone();
    ours_sorted.sort();
    assert_eq!(
        ours_sorted, theirs,
        "numeric columns differ from Python's view"
    );
    assert!(ours.len() >= 15);

    let mut checked = 0;
    for c in p.columns.iter().filter(|c| c.kind == ColumnType::Numeric) {
        let r = &reference[&c.name];
        assert_eq!(
            c.count as u64,
            r["count"].as_u64().unwrap(),
            "{}: count",
            c.name
        );
        for (figure, got) in [
            ("min", c.min),
            ("q1", c.q1),
            ("median", c.median),
            ("q3", c.q3),
            ("max", c.max),
            ("mean", c.mean),
        ] {
            let want = float(&r[figure]);
            let got = got.unwrap_or_else(|| panic!("{}: no {figure}", c.name));
            assert!(
                got == want,
                "{}: {figure} is {got:?}, Python says {want:?}",
                c.name
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6 * reference.len());
}

#[test]
fn mean_matches_python_on_data_where_naive_sums_drift() {
    // Decimal data whose naive running sum rounds differently from the exact one: checks the
    // correctly rounded mean on more than BankChurners' friendly values.
    let dir = std::env::temp_dir().join(format!("pipescope-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("drift.csv");
    let mut text = String::from("a,b\n");
    let mut s: u64 = 99;
    for i in 0..20_000u64 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let big = (s >> 11) % 1_000_000_007;
        text.push_str(&format!(
            "{}.{:03},{}e{}\n",
            big,
            i % 1000,
            (s >> 40) % 997,
            (s >> 20) % 9
        ));
    }
    std::fs::write(&path, text).unwrap();
    let reference = python_reference(path.to_str().unwrap());
    let table = read_path(&path, &IngestOptions::default()).unwrap();
    let p = profile(&table);
    for c in &p.columns {
        let r = &reference[&c.name];
        for (figure, got) in [
            ("mean", c.mean),
            ("median", c.median),
            ("q1", c.q1),
            ("q3", c.q3),
        ] {
            assert_eq!(got, Some(float(&r[figure])), "{}: {figure}", c.name);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
