//! Golden test of `core::compare` against SciPy and NumPy (tests/reference/compare_reference.py):
//! BankChurners.csv split by `Attrition_Flag` (existing customers as the reference,
//! attrited ones as the current batch), and synthetic pairs that reach the other p-value
//! paths (equal sizes, the asymptotic Kolmogorov distribution over 10,000 values a side).
//!
//! Tolerances: KS D equal to 1e-15 (both snap it to the same lattice); p-values within
//! 1e-9 relative (or 1e-300 absolute, for underflow); Wasserstein, chi-square statistic,
//! Jensen-Shannon distance, PSI and the reference IQR within 1e-12 relative (or 1e-12
//! absolute near 0). The split files are written to a temporary directory, never to the
//! repository.
//!
//! Python: `PIPESCOPE_PYTHON` if set, else Debian's /usr/bin/python3 (where
//! `apt-get install python3-scipy python3-numpy` puts SciPy; `make setup-test` does it),
//! else `python3` on PATH. The test fails, saying so, when none of them has SciPy.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pipescope::core::compare::{compare_paths, CompareReport, DriftRule, TestMethod};
use pipescope::core::ingest::IngestOptions;
use serde_json::Value;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/compare_reference.py"
);

fn python() -> String {
    common::reference_python("compare", "scipy.stats, scipy.spatial, numpy")
}

/// The reference's figures for each (reference, current) pair, in one Python run.
fn reference(python: &str, pairs: &[(PathBuf, PathBuf)]) -> Value {
    let out = Command::new(python)
        .arg(SCRIPT)
        .args(pairs.iter().flat_map(|(a, b)| [a, b]))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reference prints JSON")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-compare-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Largest differences seen, by figure, for the report printed with --nocapture.
#[derive(Default)]
struct Diffs(BTreeMap<&'static str, f64>);

impl Diffs {
    fn close(&mut self, what: &'static str, col: &str, got: f64, want: f64, rel: f64, abs: f64) {
        let d = (got - want).abs();
        let e = self.0.entry(what).or_insert(0.0);
        *e = e.max(d);
        assert!(
            d <= abs || d <= rel * want.abs().max(got.abs()),
            "{col}: {what} is {got:e}, SciPy/NumPy say {want:e} (diff {d:e})"
        );
    }
}

/// A float the reference printed as its repr() string (Rust's parser rounds correctly).
fn f(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a float string: {v}"))
}

/// Checks every column the reference script tested against pipescope's report.
fn check(report: &CompareReport, r: &Value, diffs: &mut Diffs) -> usize {
    let files = &r["files"];
    assert_eq!(
        report.summary.reference.rows as u64,
        files["reference"]["rows"].as_u64().unwrap()
    );
    assert_eq!(
        report.summary.current.rows as u64,
        files["current"]["rows"].as_u64().unwrap()
    );
    assert_eq!(
        report.summary.reference.duplicate_rows as u64,
        files["reference"]["duplicate_rows"].as_u64().unwrap()
    );
    assert_eq!(
        report.summary.current.duplicate_rows as u64,
        files["current"]["duplicate_rows"].as_u64().unwrap()
    );
    let mut checked = 0;
    for (name, want) in r["columns"].as_object().unwrap() {
        let c = report
            .columns
            .iter()
            .find(|c| &c.name == name)
            .unwrap_or_else(|| panic!("pipescope has no column {name}"));
        let t = c
            .test
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: pipescope ran no test"));
        match want["kind"].as_str().unwrap() {
            "number" => {
                assert!(matches!(
                    t.method,
                    TestMethod::KsExact | TestMethod::KsAsymptotic
                ));
                let n = t.numeric.as_ref().unwrap();
                diffs.close(
                    "ks_statistic",
                    name,
                    t.statistic,
                    f(&want["ks_statistic"]),
                    0.0,
                    1e-15,
                );
                diffs.close(
                    "ks_pvalue",
                    name,
                    t.p_value,
                    f(&want["ks_pvalue"]),
                    1e-9,
                    1e-300,
                );
                diffs.close(
                    "wasserstein",
                    name,
                    n.wasserstein,
                    f(&want["wasserstein"]),
                    1e-12,
                    1e-12,
                );
                let edges: Vec<f64> = want["psi_edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(f)
                    .collect();
                assert_eq!(n.psi_edges, edges, "{name}: PSI edges");
                diffs.close("psi", name, t.psi.unwrap(), f(&want["psi"]), 1e-12, 1e-12);
                let iqr = f(&want["iqr"]);
                if n.wasserstein_scale == "iqr" {
                    let got_iqr = n.wasserstein / n.wasserstein_normalised.unwrap();
                    diffs.close("iqr", name, got_iqr, iqr, 1e-12, 1e-12);
                } else {
                    assert_eq!(iqr, 0.0, "{name}: pipescope fell back from a non-zero IQR");
                }
            }
            _ => {
                assert_eq!(t.method, TestMethod::ChiSquare, "{name}");
                let l = t.labels.as_ref().unwrap();
                assert_eq!(
                    l.dof as u64,
                    want["chi2_dof"].as_u64().unwrap(),
                    "{name}: dof"
                );
                diffs.close(
                    "chi2_statistic",
                    name,
                    t.statistic,
                    f(&want["chi2_statistic"]),
                    1e-12,
                    1e-12,
                );
                diffs.close(
                    "chi2_pvalue",
                    name,
                    t.p_value,
                    f(&want["chi2_pvalue"]),
                    1e-9,
                    1e-300,
                );
                diffs.close(
                    "jensen_shannon",
                    name,
                    l.jensen_shannon,
                    f(&want["jensen_shannon"]),
                    1e-12,
                    1e-12,
                );
                diffs.close("psi", name, t.psi.unwrap(), f(&want["psi"]), 1e-12, 1e-12);
                assert_eq!(
                    c.new_categories.as_ref().unwrap().count as u64,
                    want["new_categories"].as_u64().unwrap()
                );
                assert_eq!(
                    c.vanished_categories.as_ref().unwrap().count as u64,
                    want["vanished_categories"].as_u64().unwrap()
                );
            }
        }
        checked += 1;
    }
    checked
}

/// Splits BankChurners.csv by Attrition_Flag into two files.
fn split_bankchurners(dir: &Path) -> (PathBuf, PathBuf) {
    let mut reader = csv::Reader::from_path(DATA).expect("BankChurners.csv in ../shared/data");
    let header = reader.headers().unwrap().clone();
    let flag = header.iter().position(|h| h == "Attrition_Flag").unwrap();
    let (a, b) = (dir.join("existing.csv"), dir.join("attrited.csv"));
    let mut wa = csv::Writer::from_path(&a).unwrap();
    let mut wb = csv::Writer::from_path(&b).unwrap();
    wa.write_record(&header).unwrap();
    wb.write_record(&header).unwrap();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if &rec[flag] == "Existing Customer" {
            wa.write_record(&rec).unwrap();
        } else {
            wb.write_record(&rec).unwrap();
        }
    }
    wa.flush().unwrap();
    wb.flush().unwrap();
    (a, b)
}

fn header() -> IngestOptions {
    IngestOptions::builder()
        .has_header(Some(true))
        .build()
        .unwrap()
}

#[test]
fn bankchurners_split_by_attrition_matches_scipy_and_reads_as_expected() {
    let py = python();
    let dir = temp_dir("bank");
    let (existing, attrited) = split_bankchurners(&dir);
    let want = reference(&py, &[(existing.clone(), attrited.clone())]);
    let report = compare_paths(
        &existing,
        &attrited,
        &IngestOptions::default(),
        &DriftRule::default(),
    )
    .expect("both halves read");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(report.summary.reference.rows, 8_500);
    assert_eq!(report.summary.current.rows, 1_627);
    let mut diffs = Diffs::default();
    let checked = check(&report, &want["pairs"][0], &mut diffs);
    assert_eq!(checked, 23, "every column compared with SciPy");
    eprintln!(
        "BankChurners vs SciPy {}: max abs diffs {:?}",
        want["versions"], diffs.0
    );

    // The human reading: transaction counts moved a lot, age barely.
    let col = |n: &str| report.columns.iter().find(|c| c.name == n).unwrap();
    let trans = col("Total_Trans_Ct");
    let age = col("Customer_Age");
    let (tt, at) = (trans.test.as_ref().unwrap(), age.test.as_ref().unwrap());
    eprintln!(
        "Total_Trans_Ct: D {} p {:e} W/IQR {:?} PSI {:?} drifted {}; Customer_Age: D {} p {:e} W/IQR {:?} PSI {:?} drifted {}",
        tt.statistic,
        tt.p_value,
        tt.numeric.as_ref().unwrap().wasserstein_normalised,
        tt.psi,
        trans.drifted,
        at.statistic,
        at.p_value,
        at.numeric.as_ref().unwrap().wasserstein_normalised,
        at.psi,
        age.drifted
    );
    assert!(trans.drifted);
    assert!(tt.statistic > 0.4 && tt.p_value < 1e-100);
    assert!(!age.drifted, "Customer_Age should not read as drifted");
    assert!(at.statistic < 0.1 && at.statistic * 5.0 < tt.statistic);
    // Sorted by how much they moved: the split column and transactions near the top, age low.
    let rank = |n: &str| report.columns.iter().position(|c| c.name == n).unwrap();
    assert!(
        rank("Total_Trans_Ct") < 5,
        "rank {}",
        rank("Total_Trans_Ct")
    );
    assert!(rank("Customer_Age") > 10, "rank {}", rank("Customer_Age"));
    assert_eq!(report.columns[0].name, "Attrition_Flag");
}

/// A deterministic sample: sums of uniforms, shifted and scaled.
fn synthetic(path: &Path, rows: usize, seed: u64, shift: f64) {
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text = String::from("a,b,c,plan\n");
    for _ in 0..rows {
        let a = (next() + next() + next()) * 100.0 + shift;
        let b = (next() * 1000.0).floor();
        let c = if next() < 0.1 {
            String::new()
        } else {
            format!("{:.2}", next() * 5.0 + shift / 50.0)
        };
        let u = next() + shift / 400.0;
        let plan = if u < 0.5 {
            "basic"
        } else if u < 0.8 {
            "plus"
        } else if u < 0.95 {
            "pro"
        } else {
            "team"
        };
        text.push_str(&format!("{a:.3},{b},{c},{plan}\n"));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn synthetic_pairs_reach_every_p_value_path_as_scipy() {
    let py = python();
    let dir = temp_dir("synth");
    let mut diffs = Diffs::default();
    let mut methods = Vec::new();
    let mut pairs = Vec::new();
    // (reference rows, current rows, shift): asymptotic (both over 10,000 is not needed,
    // one side is enough), equal sizes, small unequal sizes, and no shift at all.
    for (i, &(nr, nc, shift)) in [
        (12_000, 4_000, 2.0),
        (12_000, 11_000, 0.0),
        (600, 600, 8.0),
        (50, 37, 20.0),
        (3_000, 2_000, 0.0),
    ]
    .iter()
    .enumerate()
    {
        let (a, b) = (dir.join(format!("r{i}.csv")), dir.join(format!("c{i}.csv")));
        synthetic(&a, nr, 7 + i as u64, 0.0);
        synthetic(&b, nc, 1_000 + i as u64, shift);
        pairs.push((a, b));
    }
    let want = reference(&py, &pairs);
    for (i, (a, b)) in pairs.iter().enumerate() {
        let report = compare_paths(a, b, &header(), &DriftRule::default()).unwrap();
        assert_eq!(check(&report, &want["pairs"][i], &mut diffs), 4);
        methods.extend(
            report
                .columns
                .iter()
                .filter_map(|c| c.test.as_ref().map(|t| t.method)),
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(methods.contains(&TestMethod::KsAsymptotic));
    assert!(methods.contains(&TestMethod::KsExact));
    eprintln!("synthetic vs SciPy: max abs diffs {:?}", diffs.0);
}
