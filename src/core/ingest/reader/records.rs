//! Records into a typed table: the header's names, the first rows kept raw until column
//! types are inferred, then every cell straight into typed column storage.

use super::parser::Parser;
use super::INFER_ROWS;
use crate::core::ingest::builder::ColumnBuilder;
use crate::core::ingest::cell::is_missing;
use crate::core::ingest::error::IngestError;
use crate::core::ingest::infer::infer_type;
use crate::core::ingest::locale::{infer_reading, Reading};
use crate::core::ingest::table::{SkippedRows, Table};
use crate::core::ingest::ColumnType;

/// The first rows' cells, kept raw until column types are chosen.
#[derive(Default)]
pub(super) struct Sample {
    bytes: Vec<u8>,
    /// `ncols` end offsets into `bytes` per row.
    ends: Vec<usize>,
    lines: Vec<u64>,
}

/// Unique, non-empty column names: empty names become `column_N`, repeats get `_2`, `_3`.
/// A set of names taken, not a scan of them: headers have tens of thousands of columns.
fn unique_names(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut taken: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    // The next suffix to try per repeated name: counting up from 2 for every repeat made
    // a header of 15,000 repeats of ten names take seconds (quadratic). Names are never
    // freed, so a suffix passed over stays taken, and the names come out the same.
    let mut next: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name
        };
        let mut candidate = base.clone();
        if taken.contains(&candidate) {
            let n = next.entry(base.clone()).or_insert(2);
            loop {
                candidate = format!("{base}_{n}");
                *n += 1;
                if !taken.contains(&candidate) {
                    break;
                }
            }
        }
        taken.insert(candidate.clone());
        names.push(candidate);
    }
    names
}

/// The fields of a record laid out as [`Parser::record`] describes.
fn fields<'a>(out: &'a [u8], ends: &'a [usize], gap: usize) -> impl Iterator<Item = &'a str> {
    (0..ends.len()).map(move |i| {
        let start = if i == 0 { 0 } else { ends[i - 1] + gap };
        // Fields of validated input are UTF-8 (see `Parser::record`); a lossy view is only
        // a guard, never expected to change anything.
        std::str::from_utf8(&out[start..ends[i]]).unwrap_or("\u{FFFD}")
    })
}

/// Names for a file without a header.
pub(super) fn default_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("column_{i}")).collect()
}

impl Parser {
    /// Handles one complete record that began on `line`: field `i` is
    /// `out[ends[i - 1] + gap..ends[i]]` (the first starts at 0), where `gap` is 1 when
    /// the fields still have delimiters between them and 0 when csv-core removed them.
    #[inline]
    pub(super) fn record(
        &mut self,
        out: &[u8],
        ends: &[usize],
        gap: usize,
        line: u64,
    ) -> Result<(), IngestError> {
        if self.header_pending {
            self.header_pending = false;
            let raw = fields(out, ends, gap)
                .map(|f| f.trim().to_owned())
                .collect();
            self.next_line = line + 1;
            self.names = unique_names(raw);
            self.ncols = self.names.len();
            if let Some((name, _)) = self.types.iter().find(|(n, _)| !self.names.contains(n)) {
                return Err(IngestError::UnknownColumn {
                    name: name.clone(),
                    available: self.names.clone(),
                });
            }
            return Ok(());
        }
        if ends.len() != self.ncols {
            if self.skipped.count == 0 {
                self.first_skipped_fields = ends.len();
            }
            self.skipped.count += 1;
            if self.skipped.lines.len() < SkippedRows::KEEP {
                self.skipped.lines.push(line);
            }
            // Rows count on from the previous data row: the next one must say its line.
            self.next_line = 0;
            return Ok(());
        }
        if self.rows == 0 || line != self.next_line {
            self.line_starts.push((self.rows, line));
        }
        self.next_line = line + 1;
        self.rows += 1;
        if let Some(sample) = &mut self.sample {
            for field in fields(out, ends, gap) {
                sample.bytes.extend_from_slice(field.as_bytes());
                sample.ends.push(sample.bytes.len());
            }
            sample.lines.push(line);
            if self.rows == INFER_ROWS {
                self.decide()?;
            }
            return Ok(());
        }
        let mut start = 0;
        for (b, &end) in self.builders.iter_mut().zip(ends) {
            // SAFETY: the whole input passed UTF-8 validation before parsing (Utf8Stream), and
            // both csv-core and the fast path only drop or split at ASCII bytes, which never
            // fall inside a multi-byte character, so every field is valid UTF-8. Checking
            // again per cell would cost a measurable share of the parse.
            let cell = unsafe { std::str::from_utf8_unchecked(&out[start..end]) };
            start = end + gap;
            if b.push(cell) {
                b.set_first_invalid(line);
            }
        }
        Ok(())
    }

    /// Chooses column types from the sample, then moves the sampled cells into typed storage.
    fn decide(&mut self) -> Result<(), IngestError> {
        let Some(sample) = self.sample.take() else {
            return Ok(());
        };
        let ncols = self.ncols;
        let rows = sample.lines.len();
        let cell = |row: usize, col: usize| -> &[u8] {
            let k = row * ncols + col;
            let start = if k == 0 { 0 } else { sample.ends[k - 1] };
            &sample.bytes[start..sample.ends[k]]
        };
        if let Some((name, _)) = self.types.iter().find(|(n, _)| !self.names.contains(n)) {
            return Err(IngestError::UnknownColumn {
                name: name.clone(),
                available: self.names.clone(),
            });
        }
        // Rows expected in the whole file, from the sample's bytes per row; a little over so
        // one allocation holds them, and never more rows than bytes left could hold.
        let capacity = match self.expected_bytes {
            Some(total) if rows > 0 && total > self.offset => {
                let per_row = self.offset as f64 / rows as f64;
                let left = total - self.offset;
                // Saturating: a parser that starts mid-file (the split parse) has read
                // nothing yet, and its per-row estimate is infinite.
                let estimate = ((left as f64 / per_row * 1.02) as u64).saturating_add(16);
                rows + estimate.min(left / 2 + 1) as usize
            }
            // Without a size, `decide` runs at the end of the file or at INFER_ROWS rows:
            // either way the rows so far are all that is known. Reserving INFER_ROWS here
            // cost 80 KB a column, over a gigabyte for a wide file of a few rows.
            _ => rows,
        };
        let mut plans = Vec::with_capacity(ncols);
        for col in 0..ncols {
            let name = &self.names[col];
            let chosen = self
                .readings
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|r| r.1);
            let plan = match self.types.iter().rev().find(|(n, _)| n == name) {
                Some((_, kind)) => (*kind, chosen.unwrap_or_default(), None),
                None if chosen.is_some_and(|r| r != Reading::Standard) => {
                    let r = chosen.unwrap_or_default();
                    let kind = match r {
                        Reading::DecimalComma | Reading::ThousandsComma => ColumnType::Numeric,
                        _ => ColumnType::Datetime,
                    };
                    (kind, r, r.other())
                }
                None => {
                    let kind = infer_type((0..rows).map(|r| cell(r, col)));
                    // Labels that all read as a locale's numbers or dates are those.
                    let local = (chosen.is_none()
                        && matches!(kind, ColumnType::Categorical | ColumnType::Text))
                    .then(|| infer_reading((0..rows).map(|r| cell(r, col)), is_missing))
                    .flatten();
                    match local {
                        Some((
                            r @ (Reading::DecimalComma | Reading::ThousandsComma),
                            ambiguous,
                        )) => (
                            ColumnType::Numeric,
                            r,
                            ambiguous.then(|| r.other()).flatten(),
                        ),
                        Some((r, ambiguous)) => (
                            ColumnType::Datetime,
                            r,
                            ambiguous.then(|| r.other()).flatten(),
                        ),
                        None => (kind, Reading::Standard, None),
                    }
                }
            };
            plans.push((plan, chosen));
        }
        // A file that writes decimal commas groups thousands with dots: there, a column of
        // `1.234` and `2.000` holds thousands, not three decimals. Read it so, and offer the
        // standard reading (unless the user chose it).
        if plans
            .iter()
            .any(|((_, r, other), _)| *r == Reading::DecimalComma && other.is_none())
        {
            for (col, ((kind, reading, other), chosen)) in plans.iter_mut().enumerate() {
                if *kind == ColumnType::Numeric
                    && *reading == Reading::Standard
                    && chosen.is_none()
                    && thousands_dots((0..rows).map(|r| cell(r, col)))
                {
                    (*reading, *other) = (Reading::DecimalComma, Some(Reading::Standard));
                }
            }
        }
        let mut builders = Vec::with_capacity(ncols);
        for (col, ((kind, reading, other), _)) in plans.into_iter().enumerate() {
            let name = self.names[col].clone();
            let mut b = ColumnBuilder::new(name, kind, capacity).with_reading(reading, other);
            for (row, &line) in sample.lines.iter().enumerate() {
                let text = std::str::from_utf8(cell(row, col)).unwrap_or("\u{FFFD}");
                if b.push(text) {
                    b.set_first_invalid(line);
                }
            }
            builders.push(b);
        }
        self.builders = builders;
        Ok(())
    }

    /// The table from everything parsed so far (the input must have been flushed).
    pub(super) fn into_table(mut self, bytes: u64) -> Result<Table, IngestError> {
        if self.header_pending {
            return Err(IngestError::Empty);
        }
        if self.rows == 0 {
            if self.skipped.count > 0 {
                return Err(IngestError::AllRowsRagged {
                    expected: self.ncols,
                    skipped: self.skipped.count,
                    first_line: self.skipped.lines[0],
                    found: self.first_skipped_fields,
                });
            }
            if self.dialect.has_header {
                return Err(IngestError::HeaderOnly {
                    columns: self.ncols,
                });
            }
            return Err(IngestError::Empty);
        }
        self.decide()?;
        Ok(Table {
            columns: self
                .builders
                .into_iter()
                .map(ColumnBuilder::finish)
                .collect(),
            rows: self.rows,
            dialect: self.dialect,
            skipped: self.skipped,
            bytes,
            line_starts: self.line_starts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::unique_names;

    #[test]
    fn repeated_names_get_the_first_free_suffix_in_linear_time() {
        let raw = ["a", "a", "a_2", "a", "", "b", "a"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            unique_names(raw),
            ["a", "a_2", "a_2_2", "a_3", "column_5", "b", "a_4"]
        );
        let many = vec!["x".to_string(); 100_000];
        let started = std::time::Instant::now();
        let names = unique_names(many);
        assert_eq!(names[99_999], "x_100000");
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
}

/// Whether a numeric column's sample reads as whole numbers with `.` grouping thousands:
/// every present cell reads with a decimal comma, and some cell has a dot.
fn thousands_dots<'a>(cells: impl Iterator<Item = &'a [u8]> + Clone) -> bool {
    let present = || cells.clone().filter(|c| !is_missing(c));
    present().any(|c| c.contains(&b'.'))
        && present().all(|c| crate::core::ingest::locale::parse_decimal_comma(c).is_some())
}
