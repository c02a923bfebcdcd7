//! Profile statistics on hand-built tables, checked against hand-computed figures.

use pipescope::core::ingest::table::{
    Column, ColumnData, ColumnType, Dialect, Dictionary, SkippedRows, Table,
};
use pipescope::core::profile::{exact_mean, profile, profile_column};

fn numeric(name: &str, values: &[f64]) -> Column {
    let missing = values.iter().filter(|v| v.is_nan()).count();
    Column {
        name: name.into(),
        kind: ColumnType::Numeric,
        data: ColumnData::Numeric(values.to_vec()),
        missing,
        invalid: 0,
        first_invalid: None,
        reading: Default::default(),
        other_reading: None,
    }
}

fn labels(name: &str, cells: &[Option<&str>]) -> Column {
    let mut dict = Dictionary::default();
    for c in cells {
        let code = match c {
            None => Dictionary::MISSING,
            Some(s) => match dict.values.iter().position(|v| v == s) {
                Some(i) => i as u32,
                None => {
                    dict.values.push(s.to_string());
                    (dict.values.len() - 1) as u32
                }
            },
        };
        dict.codes.push(code);
    }
    Column {
        name: name.into(),
        kind: ColumnType::Categorical,
        missing: cells.iter().filter(|c| c.is_none()).count(),
        data: ColumnData::Labels(dict),
        invalid: 0,
        first_invalid: None,
        reading: Default::default(),
        other_reading: None,
    }
}

fn table(columns: Vec<Column>) -> Table {
    let rows = match &columns[0].data {
        ColumnData::Numeric(v) => v.len(),
        ColumnData::Labels(d) => d.codes.len(),
        ColumnData::Boolean(v) => v.len(),
        ColumnData::Datetime(v) => v.len(),
    };
    Table {
        columns,
        rows,
        dialect: Dialect {
            delimiter: b';',
            has_header: true,
            encoding: Default::default(),
        },
        skipped: SkippedRows {
            count: 2,
            lines: vec![4, 9],
        },
        bytes: 1234,
        line_starts: Vec::new(),
    }
}

#[test]
fn five_number_summary_uses_type_7_quantiles() {
    // sorted: 1 2 3 4 5 6 7 8 100, n = 9: Q1 at rank 2 (0-based) = 3, median 5, Q3 at rank 6 = 7.
    let p = profile_column(&numeric(
        "x",
        &[7.0, 1.0, 100.0, 3.0, f64::NAN, 2.0, 5.0, 4.0, 6.0, 8.0],
    ));
    assert_eq!(p.count, 9);
    assert_eq!(p.missing, 1);
    assert_eq!(
        (p.min, p.q1, p.median, p.q3, p.max),
        (Some(1.0), Some(3.0), Some(5.0), Some(7.0), Some(100.0))
    );
    // IQR 4: fences -3 and 13; only 100 is outside.
    assert_eq!(p.outliers, Some(1));
    assert_eq!(p.distinct, 9);
    assert_eq!(p.mean, Some(136.0 / 9.0));
    assert!(p.top.is_empty());
}

#[test]
fn even_count_interpolates_quartiles_and_median() {
    // n = 4, m = 3: Q1 = (1*1 + 2*3)/4... i*m = 3 -> j 0, delta 3: (10*1 + 20*3)/4 = 17.5.
    let p = profile_column(&numeric("x", &[40.0, 10.0, 30.0, 20.0]));
    assert_eq!(p.q1, Some(17.5));
    assert_eq!(p.median, Some(25.0));
    assert_eq!(p.q3, Some(32.5));
    // sample sd of 10,20,30,40: sqrt(500/3).
    assert_eq!(p.std, Some((500.0f64 / 3.0).sqrt()));
    assert_eq!(p.skewness, Some(0.0));
}

#[test]
fn skewness_is_adjusted_fisher_pearson() {
    // 1, 2, 3, 10: mean 4, deviations -3 -2 -1 6; m2 = 50/4, m3 = (-27-8-1+216)/4 = 45.
    let p = profile_column(&numeric("x", &[1.0, 2.0, 3.0, 10.0]));
    let (m2, m3) = (12.5f64, 45.0f64);
    let g1 = m3 / m2.powf(1.5);
    let expected = (4.0f64 * 3.0).sqrt() / 2.0 * g1;
    assert!(
        (p.skewness.unwrap() - expected).abs() < 1e-12,
        "{:?} vs {expected}",
        p.skewness
    );
    assert!(
        p.skewness.unwrap() > 1.0,
        "a long right tail is positive skew"
    );
}

#[test]
fn mean_is_exact_where_naive_summation_fails() {
    // Naive left-to-right summation loses the 1.0 entirely.
    assert_eq!(exact_mean(&[1e16, 1.0, -1e16]), Some(1.0 / 3.0));
    // Ten 0.1s sum naively to 0.9999999999999999; the exact mean is the double 0.1 itself.
    assert_eq!(exact_mean(&[0.1; 10]), Some(0.1));
    // Exact sum 1 + 3*2^-53 halves to a midpoint: ties go to the even neighbour.
    let e = 2f64.powi(-53);
    assert_eq!(exact_mean(&[1.0, 3.0 * e]), Some(0.5 + 2.0 * e));
    assert_eq!(exact_mean(&[]), None);
    // Huge values do not overflow the running sum.
    assert_eq!(exact_mean(&[f64::MAX, f64::MAX]), Some(f64::MAX));
    assert_eq!(exact_mean(&[f64::INFINITY, 1.0]), Some(f64::INFINITY));
}

#[test]
fn mean_is_correctly_rounded_on_random_data() {
    // Values k/1024 with integer k: the exact mean is sum(k)/(1024 n), so the result can be
    // checked with exact integer arithmetic at a 2^60 scale.
    let mut s: u64 = 12345;
    let scale = 2f64.powi(60);
    let mut checked = 0;
    for round in 0..300 {
        let n = 1 + (round * 37) % 500;
        let ks: Vec<i64> = (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % (1 << 52)) as i64 - (1 << 51)
            })
            .collect();
        let xs: Vec<f64> = ks.iter().map(|&k| k as f64 / 1024.0).collect();
        let m = exact_mean(&xs).unwrap() * 1024.0;
        if m.abs() < 1.0 {
            continue; // too small for the fixed 2^60 grid to be exact
        }
        let exact = |v: f64| (v * scale) as i128;
        let sum: i128 = ks.iter().map(|&k| k as i128).sum::<i128>() << 60;
        let n = n as i128;
        let d = sum - exact(m) * n;
        let room = if d >= 0 {
            exact(m.next_up()) - exact(m)
        } else {
            exact(m) - exact(m.next_down())
        };
        assert!(
            2 * d.abs() <= room * n,
            "round {round}: mean*1024 {m} is not the nearest double"
        );
        checked += 1;
    }
    assert!(checked > 250);
}

#[test]
fn labels_get_counts_distinct_and_top_five() {
    let cells: Vec<Option<&str>> = ["b", "a", "c", "a", "d", "e", "f", "b", "a"]
        .iter()
        .map(|s| Some(*s))
        .chain([None, None])
        .collect();
    let p = profile_column(&labels("city", &cells));
    assert_eq!(p.count, 9);
    assert_eq!(p.missing, 2);
    assert_eq!(p.distinct, 6);
    let top: Vec<(&str, u64)> = p.top.iter().map(|(l, c)| (l.as_str(), *c)).collect();
    assert_eq!(top, vec![("a", 3), ("b", 2), ("c", 1), ("d", 1), ("e", 1)]);
    assert_eq!(p.min, None);
    assert_eq!(p.mean, None);
}

#[test]
fn booleans_are_zero_one_figures_with_true_false_labels() {
    let col = Column {
        name: "ok".into(),
        kind: ColumnType::Boolean,
        data: ColumnData::Boolean(vec![1, 0, 1, 2, 1]),
        missing: 1,
        invalid: 0,
        first_invalid: None,
        reading: Default::default(),
        other_reading: None,
    };
    let p = profile_column(&col);
    assert_eq!(p.count, 4);
    assert_eq!(p.distinct, 2);
    assert_eq!(p.mean, Some(0.75));
    assert_eq!((p.min, p.median, p.max), (Some(0.0), Some(1.0), Some(1.0)));
    assert_eq!(
        p.top,
        vec![("true".to_string(), 3), ("false".to_string(), 1)]
    );
}

#[test]
fn empty_and_single_value_columns_do_not_panic() {
    let p = profile_column(&numeric("x", &[f64::NAN, f64::NAN]));
    assert_eq!(
        (p.count, p.missing, p.min, p.mean, p.std),
        (0, 2, None, None, None)
    );
    let p = profile_column(&numeric("x", &[4.5]));
    assert_eq!(
        (p.min, p.q1, p.median, p.q3, p.max),
        (Some(4.5), Some(4.5), Some(4.5), Some(4.5), Some(4.5))
    );
    assert_eq!((p.std, p.skewness, p.outliers), (None, None, Some(0)));
    let p = profile_column(&labels("x", &[None]));
    assert_eq!((p.count, p.distinct, p.top.len()), (0, 0, 0));
}

#[test]
fn table_profile_carries_file_facts_and_exports() {
    let t = table(vec![
        numeric("Credit_Limit", &[1.0, 2.0, f64::NAN]),
        labels("=HYPERLINK(\"x\")", &[Some("a,b"), Some("a,b"), None]),
    ]);
    let p = profile(&t);
    assert_eq!(
        (p.rows, p.bytes, p.delimiter.as_str(), p.has_header),
        (3, 1234, ";", true)
    );
    assert_eq!((p.skipped_rows, p.skipped_lines.clone()), (2, vec![4, 9]));
    let json: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
    assert_eq!(json["columns"][0]["type"], "numeric");
    assert_eq!(json["columns"][0]["mean"], 1.5);
    assert_eq!(json["columns"][1]["min"], serde_json::Value::Null);
    assert_eq!(json["columns"][1]["top"][0][0], "a,b");
    let csv_text = p.to_csv();
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "Credit_Limit");
    assert_eq!(&rows[0][11], "1.5");
    // A spreadsheet must not run a column name as a formula.
    assert!(rows[1][0].starts_with('\''), "{}", &rows[1][0]);
    assert_eq!(&rows[1][15], "a,b (2)");
}

#[test]
fn order_statistics_agree_across_cardinalities_and_orders() {
    // Few distinct values (counted), many distinct values (sorted copy) and already
    // ascending data (used in place) must all give the figures of a plain sort.
    use pipescope::core::distribution::{python_median, python_quartiles};
    let mut s: u64 = 7;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for distinct in [3u64, 5_000, 1_000_000] {
        let mut v: Vec<f64> = (0..150_000)
            .map(|_| (next() % distinct) as f64 * 0.25 - 100.0)
            .collect();
        for i in (0..v.len()).step_by(97) {
            v[i] = f64::NAN;
        }
        let mut sorted: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let mut uniq = sorted.clone();
        uniq.dedup();
        let (q1, _, q3) = python_quartiles(&sorted).unwrap();
        let iqr = q3 - q1;
        let outliers = sorted
            .iter()
            .filter(|&&x| x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr)
            .count();
        let ascending: Vec<f64> = sorted.clone();
        for data in [v, ascending] {
            let p = profile_column(&numeric("x", &data));
            assert_eq!(p.count, sorted.len(), "distinct {distinct}");
            assert_eq!(p.distinct, uniq.len(), "distinct {distinct}");
            assert_eq!(
                (p.min, p.max),
                (sorted.first().copied(), sorted.last().copied())
            );
            assert_eq!(
                (p.q1, p.median, p.q3),
                (Some(q1), python_median(&sorted), Some(q3)),
                "distinct {distinct}"
            );
            assert_eq!(p.outliers, Some(outliers));
            assert_eq!(p.mean, exact_mean(&sorted));
        }
    }
}
