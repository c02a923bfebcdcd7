//! Golden test of `core::profile::correlation` against NumPy and SciPy
//! (tests/reference/correlation_reference.py): Pearson (`numpy.corrcoef`), Spearman
//! (`scipy.stats.spearmanr`) and Cramér's V (`scipy.stats.contingency.association`,
//! `correction=False`) on every numeric and categorical column of BankChurners.csv, and on
//! a generated file with missing cells so the pairwise complete rows differ per pair.
//!
//! Tolerance: 1e-12 absolute on every coefficient; undefined cells (a constant column)
//! must be undefined on both sides. Python is found by `common::reference_python`:
//! `PIPESCOPE_PYTHON`, else Debian's /usr/bin/python3, else `python3`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use pipescope::core::ingest::{read_path, ColumnType, IngestOptions};
use pipescope::core::profile::correlation::{correlations, CorrelationMatrix, Method, MAX_ROWS};
use serde_json::Value;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/correlation_reference.py"
);

fn python() -> String {
    common::reference_python("correlation", "scipy.stats, numpy")
}

/// Our three matrices and the reference's, compared cell by cell; returns the largest
/// difference seen.
fn check(path: &Path) -> f64 {
    let table = read_path(path, &IngestOptions::default()).expect("file reads");
    let names = |kinds: &[ColumnType]| {
        table
            .columns
            .iter()
            .filter(|c| kinds.contains(&c.kind))
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    let out = Command::new(python())
        .arg(SCRIPT)
        .arg(path)
        .arg(names(&[ColumnType::Numeric]))
        .arg(names(&[ColumnType::Categorical, ColumnType::Boolean]))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Value = serde_json::from_slice(&out.stdout).expect("reference prints JSON");
    let mut worst: f64 = 0.0;
    for method in Method::ALL {
        let ours: CorrelationMatrix = correlations(&table, method, MAX_ROWS);
        assert!(!ours.sampled());
        let theirs = reference[method.key()].as_array().expect("a matrix");
        assert_eq!(
            ours.columns.len(),
            theirs.len(),
            "{method:?}: {:?}",
            ours.columns
        );
        assert!(ours.columns.len() >= 2, "{method:?} has pairs to compare");
        for (i, row) in theirs.iter().enumerate() {
            for (j, cell) in row.as_array().unwrap().iter().enumerate() {
                let (a, b) = (&ours.columns[i], &ours.columns[j]);
                match (ours.get(i, j), cell.as_f64()) {
                    (Some(x), Some(y)) => {
                        let d = (x - y).abs();
                        worst = worst.max(d);
                        assert!(d <= 1e-12, "{method:?} {a} × {b}: ours {x}, reference {y}");
                    }
                    (None, None) => {}
                    (x, y) => panic!("{method:?} {a} × {b}: ours {x:?}, reference {y:?}"),
                }
            }
        }
    }
    worst
}

#[test]
fn bankchurners_correlations_match_numpy_and_scipy() {
    let worst = check(Path::new(DATA));
    println!("largest difference on BankChurners: {worst:e}");
    // What a person expects: the two credit columns move together, and Total_Trans_Ct
    // follows Total_Trans_Amt.
    let table = read_path(Path::new(DATA), &IngestOptions::default()).unwrap();
    let m = correlations(&table, Method::Pearson, MAX_ROWS);
    let at = |a: &str, b: &str| {
        let i = m.columns.iter().position(|c| c == a).unwrap();
        let j = m.columns.iter().position(|c| c == b).unwrap();
        m.get(i, j).unwrap()
    };
    assert!(at("Credit_Limit", "Avg_Open_To_Buy") > 0.99);
    assert!(at("Total_Trans_Amt", "Total_Trans_Ct") > 0.8);
    assert!(at("Customer_Age", "Months_on_book") > 0.7);
    let v = correlations(&table, Method::Cramer, MAX_ROWS);
    assert!(v.columns.contains(&"Attrition_Flag".to_string()));
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-corr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn pairwise_complete_rows_with_missing_cells_and_ties_match_the_reference() {
    use pipescope::core::rng::SplitMix64;
    let mut rng = SplitMix64::new(7);
    let mut text = String::from("x,y,ties,flat,colour,size,ok\n");
    let colours = ["red", "green", "blue", "teal"];
    let sizes = ["S", "M", "L"];
    for i in 0..600 {
        let x = rng.normal() * 10.0 + 50.0;
        let y = 0.5 * x + rng.normal() * 4.0;
        let ties = (x / 7.0).floor();
        let blank = |rng: &mut SplitMix64, p: f64| rng.next_f64() < p;
        let cell =
            |rng: &mut SplitMix64, p: f64, v: String| if blank(rng, p) { String::new() } else { v };
        let colour = colours[(i * 7 + (x as usize % 3)) % 4];
        let size = sizes[if x > 55.0 {
            2
        } else if x > 45.0 {
            1
        } else {
            0
        }];
        let ok = if y > 25.0 { "true" } else { "false" };
        text.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            cell(&mut rng, 0.05, format!("{x:.3}")),
            cell(&mut rng, 0.1, format!("{y:.3}")),
            cell(&mut rng, 0.02, format!("{ties}")),
            "4",
            cell(&mut rng, 0.08, colour.to_string()),
            cell(&mut rng, 0.05, size.to_string()),
            cell(&mut rng, 0.05, ok.to_string()),
        ));
    }
    let path = temp_file("missing.csv", &text);
    let table = read_path(&path, &IngestOptions::default()).unwrap();
    let kinds: Vec<_> = table.columns.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ColumnType::Numeric,
            ColumnType::Numeric,
            ColumnType::Numeric,
            ColumnType::Numeric,
            ColumnType::Categorical,
            ColumnType::Categorical,
            ColumnType::Boolean
        ]
    );
    check(&path);
    // The constant column has no correlation with anything, and pairs count their own rows.
    let m = correlations(&table, Method::Pearson, MAX_ROWS);
    assert_eq!(m.get(0, 3), None);
    assert!(m.pairs_at(0, 1) < 600 && m.pairs_at(0, 1) > 450);
    assert_ne!(m.pairs_at(0, 1), m.pairs_at(0, 2));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn large_tables_are_sampled_and_say_so() {
    let mut text = String::from("a,b\n");
    for i in 0..3000 {
        text.push_str(&format!("{i},{}\n", 3000 - i));
    }
    let path = temp_file("big.csv", &text);
    let table = read_path(&path, &IngestOptions::default()).unwrap();
    let m = correlations(&table, Method::Spearman, 1000);
    assert!(m.sampled());
    assert_eq!((m.rows_used, m.rows_total), (1000, 3000));
    assert_eq!(m.get(0, 1), Some(-1.0));
    let _ = std::fs::remove_file(&path);
}
