//! One reading of time for every workspace (issue 13): the same cell, fed to each
//! workspace's reader, is the same instant in milliseconds.
//!
//! The readers are driven through their public entry points, as a file would reach them:
//! the Distribution's profile (ingest's cell typing: a datetime column, seconds since the
//! epoch), the Errors reader (its timestamp column) and the Monitor's replay reader (its
//! time column). A calendar time must read the same in all three. Clock times (`H:MM:SS`)
//! and epoch numbers are stream times: the Errors and Monitor readers take them, while a
//! profile keeps them as what they look like (text, numbers), not as dates.

use pipescope::core::errors::{self, ReadOptions};
use pipescope::core::ingest::{self, ColumnData, IngestOptions};
use pipescope::core::source::read_metrics_csv;

/// 2024-01-02T03:04:05Z in epoch milliseconds.
const B: i64 = 1_704_164_645_000;
/// 2024-01-02T00:00:00Z.
const DAY: i64 = 1_704_153_600_000;

/// Which readers take a cell as an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A calendar date or date-time: every reader, the profile included.
    Calendar,
    /// A stream time (clock or epoch number): the Errors and Monitor readers.
    Stream,
}

use Kind::{Calendar, Stream};

/// (cell, its instant in ms, which readers take it).
const CASES: &[(&str, i64, Kind)] = &[
    ("2024-01-02T03:04:05Z", B, Calendar),
    ("2024-01-02T03:04:05z", B, Calendar),
    ("2024-01-02t03:04:05", B, Calendar),
    ("2024-01-02 03:04:05", B, Calendar),
    (" 2024-01-02 03:04:05 ", B, Calendar),
    ("2024-01-02T05:04:05+02:00", B, Calendar),
    ("2024-01-02T05:04:05+0200", B, Calendar),
    ("2024-01-02T05:04:05+02", B, Calendar),
    ("2024-01-01T21:34:05-05:30", B, Calendar),
    ("2024-01-02T03:04:05.250Z", B + 250, Calendar),
    ("2024-01-02T03:04:05,5Z", B + 500, Calendar),
    ("2024-01-02T03:04:05.123456789Z", B + 123, Calendar),
    // Digits below the millisecond are dropped, never rounded into the next second.
    ("2024-01-02T03:04:05.9999Z", B + 999, Calendar),
    (
        "2024-01-02T03:04:05.9999999+01:00",
        B - 3_600_000 + 999,
        Calendar,
    ),
    ("2024-01-02T03:04", B - 5_000, Calendar),
    ("2024-01-02T03:04Z", B - 5_000, Calendar),
    ("2024-01-02", DAY, Calendar),
    // Slash dates: the profile and the Monitor read them, and now the Errors reader too.
    ("2024/01/02", DAY, Calendar),
    ("2024/01/02 03:04:05", B, Calendar),
    ("2024/01/02T05:04:05.5+02:00", B + 500, Calendar),
    ("2024-02-29T23:59:60Z", 1_709_251_200_000, Calendar),
    ("1969-12-31T23:59:59.5Z", -500, Calendar),
    ("1900-03-01", -2_203_891_200_000, Calendar),
    // Stream times.
    ("0:59:00", 3_540_000, Stream),
    ("12:00:01.250", 43_201_250, Stream),
    ("100:00:00", 360_000_000, Stream),
    ("1704164645", B, Stream),
    ("1704164645.5", B + 500, Stream),
    ("1704164645.0005", B, Stream),
    ("1704164645.9999", B + 999, Stream),
    ("-1.5", -1_500, Stream),
    ("1704164645123", B + 123, Stream),
    // Microseconds and nanoseconds, told from seconds and milliseconds by their size.
    ("1704164645123456", B + 123, Stream),
    ("1704164645123999", B + 123, Stream),
    ("1704164645123456789", B + 123, Stream),
];

/// A CSV field: quoted when it holds a comma.
fn field(cell: &str) -> String {
    if cell.contains(',') {
        format!("\"{cell}\"")
    } else {
        cell.to_string()
    }
}

/// The profile's reading (ingest's cell typing): Some(ms) when the column is a datetime
/// column, converted as the Monitor converts a datetime column (seconds × 1000, rounded).
fn profile_ms(cell: &str) -> Result<i64, String> {
    let csv = format!("when,n\n{},1\n{},2\n", field(cell), field(cell));
    let table =
        ingest::read_bytes(csv.as_bytes(), &IngestOptions::default()).map_err(|e| e.to_string())?;
    match &table.columns[0].data {
        ColumnData::Datetime(v) if v[0].is_finite() => Ok((v[0] * 1000.0).round() as i64),
        other => Err(format!("not a datetime column: {:?}", kind_of(other))),
    }
}

fn kind_of(data: &ColumnData) -> &'static str {
    match data {
        ColumnData::Numeric(_) => "numeric",
        ColumnData::Datetime(_) => "datetime",
        ColumnData::Labels(_) => "labels",
        ColumnData::Boolean(_) => "boolean",
    }
}

/// The Errors workspace's reading of its timestamp column.
fn errors_ms(cell: &str) -> Result<i64, String> {
    let csv = format!(
        "time,build,code\n{},1.0,E1\n{},1.1,E2\n",
        field(cell),
        field(cell)
    );
    let options = ReadOptions {
        has_header: Some(true),
        time: Some(0),
        build: Some(1),
        code: Some(2),
        ..Default::default()
    };
    let s = errors::read_bytes(csv.as_bytes(), &options).map_err(|e| e.to_string())?;
    if let Some(p) = s.problems.first() {
        return Err(p.to_string());
    }
    Ok(s.events[0].t_ms)
}

/// The Monitor's replay reading of its time column.
fn metrics_ms(cell: &str) -> Result<i64, String> {
    let csv = format!("time,value\n{},1\n", field(cell));
    let t = read_metrics_csv(csv.as_bytes(), Some("time")).map_err(|e| e.to_string())?;
    t.times_ms
        .first()
        .copied()
        .ok_or_else(|| "no row read".into())
}

#[test]
fn every_workspace_reads_a_time_as_the_same_instant() {
    let mut wrong = Vec::new();
    for &(cell, want, kind) in CASES {
        let mut check = |reader: &str, got: Result<i64, String>| {
            if got.as_ref() != Ok(&want) {
                wrong.push(format!("{reader:>8} read {cell:?} as {got:?}, not {want}"));
            }
        };
        check("errors", errors_ms(cell));
        check("metrics", metrics_ms(cell));
        match kind {
            Calendar => check("profile", profile_ms(cell)),
            Stream => {
                if let Ok(ms) = profile_ms(cell) {
                    wrong.push(format!(
                        " profile read the stream time {cell:?} as the date {ms}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreement(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// What no reader takes as a time stays no time in all of them.
#[test]
fn what_is_no_time_is_no_time_anywhere() {
    for cell in [
        "2023-02-29",
        "2024-13-01",
        "2024-01-02T24:00:00",
        "2024-01-02T03:60",
        "2024-01-02X03:04:05",
        "2024-01-02T03:04:05Q",
        "2024-01-02T03:04:05.",
        "2024-01-02T03:04:05+2",
        "2024-01-02T03:04:05+25:00",
        "2024-01-02T03:04:05+02:60",
        "2024-01/02",
        "20240102T030405",
        "0:60:00",
        "1:2:3",
        "12:00",
        "0:00:00x",
        "tomorrow",
    ] {
        assert!(errors_ms(cell).is_err(), "errors read {cell:?}");
        assert!(metrics_ms(cell).is_err(), "metrics read {cell:?}");
        assert!(profile_ms(cell).is_err(), "profile read {cell:?}");
    }
}
