//! Duplicate rows: rows equal in every cell to an earlier row of the same table.

use rustc_hash::FxHashSet;

use crate::core::ingest::table::{ColumnData, Table};

/// How many rows repeat an earlier row exactly (every cell equal; missing equals missing).
pub fn duplicate_rows(table: &Table) -> usize {
    if table.rows == 0 || table.columns.is_empty() {
        return 0;
    }
    let width = table.columns.len();
    let mut seen: FxHashSet<Vec<u64>> = FxHashSet::default();
    seen.reserve(table.rows);
    let mut dups = 0;
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
        if seen.contains(&key) {
            dups += 1;
        } else {
            seen.insert(key.clone());
        }
    }
    dups
}
