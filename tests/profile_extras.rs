//! The profile's extras on real and generated files: per-column warnings at their
//! documented thresholds, and duplicate rows with the file lines of examples.

use std::path::Path;

use pipescope::core::compare::duplicates::duplicates;
use pipescope::core::ingest::{read_bytes, read_path, IngestOptions};
use pipescope::core::profile::profile;
use pipescope::core::profile::warnings::{table_warnings, WarningKind};

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

fn kinds_of(csv: &str) -> Vec<(String, Vec<WarningKind>)> {
    let t = read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let p = profile(&t);
    table_warnings(&t, &p)
        .into_iter()
        .map(|(c, w)| (c, w.into_iter().map(|w| w.kind).collect()))
        .collect()
}

#[test]
fn bankchurners_flags_the_id_and_the_balances_that_are_often_zero() {
    let t = read_path(Path::new(BANK), &IngestOptions::default()).unwrap();
    let p = profile(&t);
    let w = table_warnings(&t, &p);
    let of = |name: &str| {
        w.iter()
            .find(|(c, _)| c == name)
            .map(|(_, w)| w.iter().map(|w| w.kind).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(of("CLIENTNUM"), [WarningKind::Unique]);
    // 2,470 of 10,127 customers have no revolving balance.
    assert_eq!(of("Total_Revolving_Bal"), [WarningKind::Zeros]);
    let zeros = w.iter().find(|(c, _)| c == "Total_Revolving_Bal").unwrap();
    assert_eq!(zeros.1[0].detail, "24.4% zeros");
    // Ordinary columns stay quiet.
    for quiet in [
        "Customer_Age",
        "Gender",
        "Education_Level",
        "Months_on_book",
    ] {
        assert!(of(quiet).is_empty(), "{quiet}: {:?}", of(quiet));
    }
}

#[test]
fn each_warning_fires_at_its_threshold_and_not_below() {
    let mut csv = String::from("id,flat,sparse,almost,tail,code,zero\n");
    for i in 0..100 {
        let sparse = if i < 20 { String::new() } else { i.to_string() };
        let almost = if i < 19 { String::new() } else { i.to_string() };
        let tail = if i == 0 { 10_000 } else { i % 3 };
        let code = format!("c{}", i % 60);
        let zero = if i < 10 { 0 } else { i };
        csv.push_str(&format!("{i},7,{sparse},{almost},{tail},{code},{zero}\n"));
    }
    let w = kinds_of(&csv);
    let of = |name: &str| {
        w.iter()
            .find(|(c, _)| c == name)
            .map(|(_, k)| k.clone())
            .unwrap_or_default()
    };
    assert_eq!(of("id"), [WarningKind::Unique]);
    assert_eq!(of("flat"), [WarningKind::Constant]);
    assert_eq!(
        of("sparse"),
        [WarningKind::Missing],
        "20% missing is flagged"
    );
    assert!(
        of("almost").is_empty(),
        "19% missing is not: {:?}",
        of("almost")
    );
    assert_eq!(of("tail"), [WarningKind::Skewed, WarningKind::Zeros]);
    assert_eq!(of("code"), [WarningKind::HighCardinality]);
    assert_eq!(of("zero"), [WarningKind::Zeros], "10% zeros is flagged");
}

#[test]
fn duplicates_count_every_repeat_and_give_the_lines_of_the_first_five() {
    // Line 1 is the header; a quoted cell spanning two lines shifts later rows' lines.
    let mut csv = String::from("a,b\n1,x\n2,\"two\nlines\"\n1,x\n");
    for _ in 0..6 {
        csv.push_str("2,\"two\nlines\"\n");
    }
    csv.push_str("3,z\n1,x\n");
    let t = read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let d = duplicates(&t);
    assert_eq!(d.count, 8);
    assert_eq!(d.examples, [(5, 2), (6, 3), (8, 3), (10, 3), (12, 3)]);
    let bank = read_path(Path::new(BANK), &IngestOptions::default()).unwrap();
    assert_eq!(duplicates(&bank).count, 0);
}

#[test]
fn the_missing_matrix_puts_a_block_of_gaps_in_the_bands_that_hold_it() {
    use pipescope::core::profile::missing::{missing_matrix, MAX_BANDS};
    // 1,000 rows; `b` missing in rows 400..500 only, `c` missing in every tenth row.
    let mut csv = String::from("a,b,c\n");
    for i in 0..1000 {
        let b = if (400..500).contains(&i) {
            String::new()
        } else {
            i.to_string()
        };
        let c = if i % 10 == 0 {
            String::new()
        } else {
            "x".into()
        };
        csv.push_str(&format!("{i},{b},{c}\n"));
    }
    let t = read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let m = missing_matrix(&t, MAX_BANDS);
    assert_eq!(m.bands(), 300);
    assert_eq!(m.missing, [0, 100, 100]);
    // Bands partition the rows.
    assert_eq!(m.band_rows(0).start, 0);
    assert_eq!(m.band_rows(m.bands() - 1).end, 1000);
    let rows: usize = (0..m.bands()).map(|b| m.band_rows(b).len()).sum();
    assert_eq!(rows, 1000);
    // Every band inside 400..500 is fully missing in b, none outside is touched.
    for b in 0..m.bands() {
        let r = m.band_rows(b);
        let inside = r.start >= 400 && r.end <= 500;
        let outside = r.end <= 400 || r.start >= 500;
        if inside {
            assert_eq!(m.share(b, 1), 1.0, "band {b} {r:?}");
        }
        if outside {
            assert_eq!(m.share(b, 1), 0.0, "band {b} {r:?}");
        }
    }
    assert!(m.bands_touched(1) <= 32, "{}", m.bands_touched(1));
    assert!(m.bands_touched(2) >= 90, "{}", m.bands_touched(2));
    // A short table gets one band a row.
    let small = read_bytes(b"a\n1\n\n3\n", &IngestOptions::default()).unwrap();
    assert_eq!(missing_matrix(&small, MAX_BANDS).bands(), small.rows);
}
