//! CSV/TSV replay files: ingest's typed table, a time column, and every numeric column as
//! a metric. The rules are in the parent module's documentation.

use crate::core::ingest::locale::number_reading;
use crate::core::ingest::{read_bytes, Column, ColumnData, IngestOptions, Table};
use crate::core::text::clip;
use crate::core::time::{whole_ms, TimeCells, TimeFormat};

use super::{finish, s, MetricTable, Note, NoteKind, SourceError, SourceFormat, MAX_CELLS};

/// Header names taken for the time column first (compared without case).
const TIME_NAMES: [&str; 5] = ["time", "timestamp", "date", "datetime", "ts"];

/// Epoch numbers from here on can be a time column found by position alone: 1e9 seconds is
/// September 2001, so a column of small counts is not mistaken for times.
const EPOCH_FROM: f64 = 1e9;

/// Reads a CSV/TSV replay file. `time_column` None picks the time column by the rules in
/// the module documentation.
pub fn read_metrics_csv(
    bytes: &[u8],
    time_column: Option<&str>,
) -> Result<MetricTable, SourceError> {
    read_metrics_csv_with(bytes, time_column, &IngestOptions::default())
}

/// As [`read_metrics_csv`], with ingest's options (delimiter, quotes read literally, ...).
pub fn read_metrics_csv_with(
    bytes: &[u8],
    time_column: Option<&str>,
    options: &IngestOptions,
) -> Result<MetricTable, SourceError> {
    let table = read_bytes(bytes, options)?;
    let lines = table.row_lines();
    let mut notes = Vec::new();
    if table.skipped.count > 0 {
        let n = table.skipped.count;
        let first = table.skipped.lines.first().copied().unwrap_or(0);
        notes.push(Note::new(
            NoteKind::SkippedRows,
            format!(
                "{n} row{} with the wrong number of fields {} left out (first at line {first}).",
                s(n),
                if n == 1 { "was" } else { "were" }
            ),
        ));
    }

    let (time_index, times) = pick_time_column(&table, time_column)?;
    let time_name = &table.columns[time_index].name;
    let bad: Vec<usize> = (0..table.rows).filter(|&r| times[r].is_none()).collect();
    if let Some(&first) = bad.first() {
        if bad.len() * 2 > table.rows {
            return Err(SourceError::BadTimes {
                column: time_name.clone(),
                line: lines[first],
                value: cell_text(&table.columns[time_index], first),
                bad: bad.len(),
                rows: table.rows,
            });
        }
        notes.push(Note::new(
            NoteKind::BadTimes,
            format!(
                "{} row{} with a missing or unreadable time in '{}' {} left out (first at line {}).",
                bad.len(),
                s(bad.len()),
                clip(time_name),
                if bad.len() == 1 { "was" } else { "were" },
                lines[first]
            ),
        ));
    }

    let mut names = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut others = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        if i == time_index {
            continue;
        }
        match metric_values(column, &lines, table.rows) {
            Metric::Values { values, invalid } => {
                if let Some((count, line)) = invalid {
                    notes.push(Note::new(
                        NoteKind::NonNumeric,
                        format!(
                            "{count} cell{} in '{}' {} and {} treated as missing (first at line {line}).",
                            s(count),
                            clip(&column.name),
                            if count == 1 { "is not a number" } else { "are not numbers" },
                            if count == 1 { "is" } else { "are" }
                        ),
                    ));
                }
                names.push(column.name.clone());
                columns.push(values);
            }
            Metric::Not(what) => {
                notes.push(Note::new(
                    NoteKind::SkippedColumn,
                    format!(
                        "Column '{}' holds {what}, not numbers, and is not replayed.",
                        clip(&column.name)
                    ),
                ));
                others.push((column.name.clone(), what.to_string()));
            }
        }
    }
    if names.is_empty() {
        return Err(SourceError::NoMetrics {
            time_column: time_name.clone(),
            columns: others,
        });
    }

    // Stable sort of the rows with a time, then one row per distinct time.
    let mut order: Vec<usize> = (0..table.rows).filter(|&r| times[r].is_some()).collect();
    let time_of = |r: usize| times[r].unwrap_or(i64::MIN);
    let mut newest = i64::MIN;
    let (mut moved, mut first_moved) = (0usize, None);
    for &r in &order {
        let t = time_of(r);
        if t < newest {
            moved += 1;
            first_moved.get_or_insert(lines[r]);
        }
        newest = newest.max(t);
    }
    if moved > 0 {
        order.sort_by_key(|&r| time_of(r));
        notes.push(Note::new(
            NoteKind::Sorted,
            format!(
                "{moved} row{} earlier than a row above {} sorted into time order (first at line {}).",
                s(moved),
                if moved == 1 { "it was" } else { "them were" },
                first_moved.unwrap_or(0)
            ),
        ));
    }
    let distinct = 1 + order
        .windows(2)
        .filter(|w| time_of(w[0]) != time_of(w[1]))
        .count();
    if distinct.saturating_mul(names.len()) > MAX_CELLS {
        return Err(SourceError::TooLarge {
            rows: distinct,
            metrics: names.len(),
        });
    }
    let mut times_ms = Vec::with_capacity(distinct);
    let mut out: Vec<Vec<f64>> = vec![Vec::with_capacity(distinct); names.len()];
    let (mut merged, mut first_merged) = (0usize, u64::MAX);
    for &r in &order {
        let t = time_of(r);
        if times_ms.last() == Some(&t) {
            merged += 1;
            first_merged = first_merged.min(lines[r]);
            for (o, c) in out.iter_mut().zip(&columns) {
                // The last non-missing value in file order wins; the sort was stable, so
                // later rows of a group come later in the file.
                if !c[r].is_nan() {
                    if let Some(last) = o.last_mut() {
                        *last = c[r];
                    }
                }
            }
        } else {
            times_ms.push(t);
            for (o, c) in out.iter_mut().zip(&columns) {
                o.push(c[r]);
            }
        }
    }
    if merged > 0 {
        notes.push(Note::new(
            NoteKind::Duplicates,
            format!(
                "{merged} row{} repeated the time of an earlier row and {} merged into it: per metric the last non-missing value wins (first at line {first_merged}).",
                s(merged),
                if merged == 1 { "was" } else { "were" }
            ),
        ));
    }
    finish(names, times_ms, out, notes, SourceFormat::Csv)
}

/// A cell as text for a message ("" when missing).
fn cell_text(column: &Column, row: usize) -> String {
    match &column.data {
        ColumnData::Labels(d) => d.get(row).unwrap_or("").to_string(),
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v
            .get(row)
            .filter(|x| !x.is_nan())
            .map_or(String::new(), |x| x.to_string()),
        ColumnData::Boolean(v) => match v.get(row) {
            Some(0) => "false".into(),
            Some(1) => "true".into(),
            _ => String::new(),
        },
    }
}

/// The column's cells as stream ms (None = missing or unreadable), or None when the column
/// cannot hold times at all. The format is taken from the first cell and then enforced, so
/// epoch seconds cannot turn into milliseconds halfway down.
fn column_times(column: &Column) -> Option<Vec<Option<i64>>> {
    match &column.data {
        ColumnData::Numeric(v) => {
            let unit = TimeFormat::epoch_unit(*v.iter().find(|x| !x.is_nan())?);
            Some(v.iter().map(|&x| unit.epoch_ms(x)).collect())
        }
        ColumnData::Datetime(v) => Some(v.iter().map(|&x| whole_ms(x * 1000.0)).collect()),
        ColumnData::Labels(d) => {
            let reading = TimeCells::detect(d.values.first()?);
            // Each distinct label is parsed once.
            let parsed: Vec<Option<i64>> = d.values.iter().map(|v| reading.parse_ms(v)).collect();
            if parsed.iter().all(Option::is_none) {
                return None;
            }
            Some(
                d.codes
                    .iter()
                    .map(|&c| parsed.get(c as usize).copied().flatten())
                    .collect(),
            )
        }
        ColumnData::Boolean(_) => None,
    }
}

/// Whether more than half the rows have a time.
fn mostly(times: &[Option<i64>]) -> bool {
    times.iter().filter(|t| t.is_some()).count() * 2 > times.len()
}

fn pick_time_column(
    table: &Table,
    asked: Option<&str>,
) -> Result<(usize, Vec<Option<i64>>), SourceError> {
    let names = || table.columns.iter().map(|c| c.name.clone()).collect();
    if let Some(name) = asked {
        let i = table
            .columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| {
                table
                    .columns
                    .iter()
                    .position(|c| c.name.trim() == name.trim())
            })
            .ok_or_else(|| SourceError::UnknownTimeColumn {
                name: name.to_string(),
                available: names(),
            })?;
        // A column with no time at all is every row failing: the BadTimes error names it.
        let times = column_times(&table.columns[i]).unwrap_or_else(|| vec![None; table.rows]);
        return Ok((i, times));
    }
    let by_name = table.columns.iter().enumerate().filter(|(_, c)| {
        let n = c.name.trim().to_ascii_lowercase();
        TIME_NAMES.contains(&n.as_str())
    });
    // A time column where only some rows read as times: taken when nothing better is
    // found, so the user hears which line breaks it rather than that there is no time.
    let mut weak = None;
    for (i, c) in by_name {
        match column_times(c) {
            Some(t) if mostly(&t) => return Ok((i, t)),
            Some(t) => {
                weak.get_or_insert((i, t));
            }
            None => {}
        }
    }
    for (i, c) in table.columns.iter().enumerate() {
        let dated = match &c.data {
            ColumnData::Datetime(_) => true,
            ColumnData::Labels(d) => d.values.first().is_some_and(|v| {
                matches!(
                    TimeFormat::detect(v),
                    Some(TimeFormat::Clock | TimeFormat::Iso8601)
                )
            }),
            _ => false,
        };
        if dated {
            match column_times(c) {
                Some(t) if mostly(&t) => return Ok((i, t)),
                Some(t) => {
                    weak.get_or_insert((i, t));
                }
                None => {}
            }
        }
    }
    if let Some(c) = table.columns.first() {
        if let ColumnData::Numeric(v) = &c.data {
            if v.iter()
                .find(|x| !x.is_nan())
                .is_some_and(|x| *x >= EPOCH_FROM)
            {
                if let Some(t) = column_times(c).filter(|t| mostly(t)) {
                    return Ok((0, t));
                }
            }
        }
    }
    weak.ok_or_else(|| SourceError::NoTimeColumn { columns: names() })
}

enum Metric {
    /// A metric: its values, and (count, first line) of cells that were not numbers.
    Values {
        values: Vec<f64>,
        invalid: Option<(usize, u64)>,
    },
    /// Not a metric: what the column holds instead.
    Not(&'static str),
}

fn metric_values(column: &Column, lines: &[u64], rows: usize) -> Metric {
    match &column.data {
        ColumnData::Numeric(v) => Metric::Values {
            values: v.clone(),
            invalid: (column.invalid > 0).then(|| {
                let line = column.first_invalid.as_ref().map_or(0, |p| p.line);
                (column.invalid, line)
            }),
        },
        ColumnData::Labels(d) => {
            // By ingest's one rule for a column taken as numbers: decimal commas too.
            let (reading, _) = number_reading(d.values.iter().map(String::as_str));
            let parsed: Vec<Option<f64>> = d
                .values
                .iter()
                .map(|v| reading.number(v.as_bytes()))
                .collect();
            let value = |c: u32| parsed.get(c as usize).copied().flatten();
            let (mut numbers, mut others, mut first_other) = (0usize, 0usize, None);
            for (r, &c) in d.codes.iter().enumerate() {
                if c == crate::core::ingest::Dictionary::MISSING {
                    continue;
                }
                if value(c).is_some() {
                    numbers += 1;
                } else {
                    others += 1;
                    first_other.get_or_insert(r);
                }
            }
            if numbers == 0 && others == 0 {
                // An empty column is an all-missing metric: dropped later with a note.
                return Metric::Values {
                    values: vec![f64::NAN; rows],
                    invalid: None,
                };
            }
            if numbers <= others {
                return Metric::Not("labels");
            }
            Metric::Values {
                values: d
                    .codes
                    .iter()
                    .map(|&c| value(c).unwrap_or(f64::NAN))
                    .collect(),
                invalid: first_other.map(|r| (others, lines.get(r).copied().unwrap_or(0))),
            }
        }
        ColumnData::Datetime(_) => Metric::Not("dates"),
        ColumnData::Boolean(_) => Metric::Not("true/false values"),
    }
}
