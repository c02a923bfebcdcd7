//! Duplicate rows: rows equal in every cell to an earlier row of the same table.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::core::ingest::table::{ColumnData, Table};

/// Examples a [`Duplicates`] keeps.
pub const MAX_EXAMPLES: usize = 5;

/// The duplicate rows of a table: how many, and the first few with where they repeat from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Duplicates {
    /// Rows equal to an earlier row (pandas `DataFrame.duplicated().sum()`).
    pub count: usize,
    /// Up to [`MAX_EXAMPLES`] duplicates in row order: (file line of the duplicate, file
    /// line of the first row it repeats).
    pub examples: Vec<(u64, u64)>,
}

/// How many rows repeat an earlier row exactly (every cell equal; missing equals missing).
pub fn duplicate_rows(table: &Table) -> usize {
    duplicates(table).count
}

/// The duplicate rows of `table` with up to [`MAX_EXAMPLES`] examples and their lines.
///
/// ```
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::compare::duplicates::duplicates;
/// let t = read_bytes(b"a,b\n1,x\n2,y\n1,x\n", &IngestOptions::default()).unwrap();
/// let d = duplicates(&t);
/// assert_eq!((d.count, d.examples.clone()), (1, vec![(4, 2)]));
/// ```
pub fn duplicates(table: &Table) -> Duplicates {
    if table.rows == 0 || table.columns.is_empty() {
        return Duplicates::default();
    }
    let width = table.columns.len();
    // Each distinct row once, with the first row that has it.
    let mut seen: FxHashMap<Vec<u64>, usize> = FxHashMap::default();
    seen.reserve(table.rows);
    let mut count = 0;
    let mut rows = Vec::new();
    let mut key = Vec::with_capacity(width);
    for row in 0..table.rows {
        key.clear();
        for c in &table.columns {
            key.push(match &c.data {
                // One bit pattern for every NaN, and 0.0 == -0.0.
                ColumnData::Numeric(v) | ColumnData::Datetime(v) => match v.get(row) {
                    Some(x) if x.is_nan() => u64::MAX,
                    Some(x) => (x + 0.0).to_bits(),
                    None => u64::MAX,
                },
                ColumnData::Boolean(v) => v.get(row).copied().unwrap_or(2) as u64,
                ColumnData::Labels(d) => d.codes.get(row).copied().unwrap_or(u32::MAX) as u64,
            });
        }
        match seen.get(&key) {
            Some(&first) => {
                count += 1;
                if rows.len() < MAX_EXAMPLES {
                    rows.push((row, first));
                }
            }
            None => {
                seen.insert(key.clone(), row);
            }
        }
    }
    let examples = if rows.is_empty() {
        Vec::new()
    } else {
        let lines = table.row_lines();
        rows.into_iter()
            .map(|(r, f)| (lines[r], lines[f]))
            .collect()
    };
    Duplicates { count, examples }
}
