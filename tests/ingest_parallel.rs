//! `read_path` splits files of 16 MiB and more across two threads; whatever the file holds,
//! the table must equal the one a sequential parse of the same bytes gives.

use pipescope::core::ingest::{
    read_bytes, read_path, ColumnData, ColumnType, Dictionary, IngestError, IngestOptions, Table,
};
use std::fmt::Write;
use std::path::PathBuf;

const MIN_BYTES: usize = 17 << 20;

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "pipescope-parallel-{}-{name}.csv",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Reads `bytes` from a file with `read_path` and from memory in one push.
fn both(name: &str, bytes: &[u8]) -> (Result<Table, IngestError>, Result<Table, IngestError>) {
    assert!(
        bytes.len() >= MIN_BYTES,
        "{name} must be large enough to be split"
    );
    let path = temp(name, bytes);
    let split = read_path(&path, &IngestOptions::default());
    std::fs::remove_file(&path).ok();
    (split, read_bytes(bytes, &IngestOptions::default()))
}

/// One data row of a varied file: `late` rows use labels the early rows never had.
fn row(out: &mut String, i: usize, late: bool) {
    let label = if late {
        format!("late{}", i % 7)
    } else {
        format!("cat{}", i % 5)
    };
    // Invalid cells only after the rows sampled for type inference, which must all parse.
    let bad = i >= 12_000;
    let amount = match if bad { i % 211 } else { 3 } {
        0 => "n/a?".to_string(), // invalid
        1 => String::new(),      // missing
        2 => "NA".to_string(),
        _ => format!("{}.{}", i % 1000, i % 100),
    };
    let when = if bad && i.is_multiple_of(307) {
        "soon".to_string()
    } else {
        format!("2024-0{}-1{} 10:00:00", 1 + i % 9, i % 10)
    };
    let flag = if bad && i.is_multiple_of(401) {
        "maybe"
    } else if i.is_multiple_of(2) {
        "true"
    } else {
        "false"
    };
    let _ = match i % 997 {
        0 => write!(
            out,
            "{i},\"{label}, with a comma\nand a newline\",{amount},{when},{flag}\r\n"
        ),
        1 => writeln!(out, "{i},{label}"), // ragged
        2 => write!(
            out,
            "{i},\"say \"\"hi\"\"\",{amount},{when},{flag},extra\r\n"
        ), // ragged, quoted
        3 => writeln!(out, "\n{i},{label},{amount},{when},{flag}"), // blank line first
        _ => writeln!(out, "{i},{label},{amount},{when},{flag}"),
    };
}

fn rows(from: usize, bytes: usize, late: bool) -> String {
    let mut out = String::with_capacity(bytes + 256);
    let mut i = from;
    while out.len() < bytes {
        row(&mut out, i, late);
        i += 1;
    }
    out
}

const HEADER: &str = "id,name,amount,when,flag\r\n";

/// Cells as comparable values: numbers by their bits, since NaN (a missing cell) never
/// equals itself and `Table`'s PartialEq would fail on any table with a missing number.
fn cells(data: &ColumnData) -> (Vec<u64>, Option<&Dictionary>, Option<&[u8]>) {
    match data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
            (v.iter().map(|x| x.to_bits()).collect(), None, None)
        }
        ColumnData::Labels(d) => (Vec::new(), Some(d), None),
        ColumnData::Boolean(v) => (Vec::new(), None, Some(v)),
    }
}

/// Equality of everything a user sees, failing with the first difference.
fn assert_same(split: &Table, whole: &Table) {
    assert_eq!(split.rows, whole.rows, "rows");
    assert_eq!(split.skipped, whole.skipped, "skipped rows");
    assert_eq!(
        (split.dialect, split.bytes),
        (whole.dialect, whole.bytes),
        "dialect and bytes"
    );
    assert_eq!(split.columns.len(), whole.columns.len());
    for (a, b) in split.columns.iter().zip(&whole.columns) {
        let name = &b.name;
        assert_eq!((&a.name, a.kind), (&b.name, b.kind));
        assert_eq!(
            (a.missing, a.invalid, &a.first_invalid),
            (b.missing, b.invalid, &b.first_invalid),
            "{name}"
        );
        let (ca, cb) = (cells(&a.data), cells(&b.data));
        if ca != cb {
            let (da, db) = (format!("{:?}", a.data), format!("{:?}", b.data));
            let at = da
                .bytes()
                .zip(db.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let from = at.saturating_sub(200);
            panic!(
                "column {name} differs: {} vs {}",
                &da[from..(at + 200).min(da.len())],
                &db[from..(at + 200).min(db.len())]
            );
        }
    }
}

fn assert_varied(t: &Table) {
    let kinds: Vec<ColumnType> = t.columns.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ColumnType::Numeric,
            ColumnType::Categorical,
            ColumnType::Numeric,
            ColumnType::Datetime,
            ColumnType::Boolean
        ]
    );
    assert!(t.skipped.count > 100, "ragged rows in both halves");
    assert!(t
        .columns
        .iter()
        .all(|c| c.first_invalid.is_some() || c.name == "id" || c.name == "name"));
}

#[test]
fn a_varied_file_split_in_two_equals_the_sequential_parse() {
    let half = MIN_BYTES / 2 + 4096;
    let text = format!(
        "{HEADER}{}{}",
        rows(0, half, false),
        rows(1_000_000, half, true)
    );
    let (split, whole) = both("varied", text.as_bytes());
    let (split, whole) = (split.unwrap(), whole.unwrap());
    assert_varied(&whole);
    let name = whole.column("name").unwrap();
    let late = name.data.clone();
    match late {
        ColumnData::Labels(d) => {
            assert!(
                d.values.iter().any(|v| v.starts_with("late")),
                "labels first seen in the second half"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_same(&split, &whole);
}

#[test]
fn a_quoted_field_spanning_the_midpoint_still_equals_the_sequential_parse() {
    let half = MIN_BYTES / 2;
    let head = rows(0, half, false);
    let tail = rows(0, half, true);
    // A long quoted cell full of newlines and delimiters, placed where the midpoint falls.
    let inner: String = (0..40_000).map(|i| format!("{i},x\n")).collect();
    let text = format!("{HEADER}{head}7,\"{inner}\",1.5,2024-01-01,true\n{tail}");
    let start = HEADER.len() + head.len();
    let mid = text.len() / 2;
    assert!(
        start < mid && mid < start + inner.len(),
        "the midpoint lies inside the quoted cell"
    );
    let (split, whole) = both("spanning", text.as_bytes());
    let (split, whole) = (split.unwrap(), whole.unwrap());
    assert_varied(&whole);
    assert_same(&split, &whole);
}

#[test]
fn invalid_utf8_in_the_second_half_is_reported_as_sequentially() {
    let half = MIN_BYTES / 2 + 4096;
    let mut bytes = format!("{HEADER}{}", rows(0, half, false)).into_bytes();
    // A megabyte past the midpoint, so it is met by the second thread.
    bytes.extend_from_slice(rows(0, 1 << 20, false).as_bytes());
    bytes.extend_from_slice(b"5,cat\xff,1.0,2024-01-01,true\n");
    bytes.extend_from_slice(rows(0, half - (1 << 20), false).as_bytes());
    let (split, whole) = both("utf8", &bytes);
    let err = whole.unwrap_err();
    assert!(matches!(err, IngestError::InvalidUtf8 { .. }), "{err:?}");
    assert_eq!(split.unwrap_err(), err);
}

#[test]
fn line_numbers_after_the_split_count_every_line_of_the_first_half() {
    // Only the second half has ragged rows and invalid cells, so every reported line
    // comes from the second thread.
    // The clean rows run past the midpoint, so the split falls between two of them.
    let half = MIN_BYTES / 2 + (1 << 16);
    let clean: String = (0..)
        .map(|i| format!("{i},c{},{i}.5,2024-01-01,true\n", i % 3))
        .take_while({
            let mut n = 0;
            move |s: &String| {
                n += s.len();
                n < half
            }
        })
        .collect();
    let text = format!("{HEADER}{clean}{}", rows(1, MIN_BYTES / 2, true));
    assert!(HEADER.len() + clean.len() > text.len() / 2 + 1000);
    let (split, whole) = both("lines", text.as_bytes());
    let (split, whole) = (split.unwrap(), whole.unwrap());
    let first_ragged = whole.skipped.lines[0];
    assert!(
        first_ragged as usize > clean.lines().count(),
        "first ragged row is in the second half"
    );
    assert_same(&split, &whole);
}
