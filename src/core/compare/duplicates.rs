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

/// [`duplicates`] of a profiled table: when a column has a distinct valid value on every
/// row (an id), no row can repeat another, and no row is looked at.
pub fn duplicates_profiled(table: &Table, profile: &crate::core::profile::Profile) -> Duplicates {
    let unique = |p: &crate::core::profile::ColumnProfile| {
        table.rows > 0 && p.count == table.rows && p.distinct == table.rows
    };
    if profile.rows == table.rows && profile.columns.iter().any(unique) {
        return Duplicates::default();
    }
    duplicates(table)
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
    // Each row hashed a column at a time (one tight loop per column), then each distinct
    // hash mapped to the first row that has it. A row whose hash was seen is compared cell
    // by cell with the rows of that hash, so a collision never counts as a duplicate.
    let mut hashes = vec![0x243F_6A88_85A3_08D3u64; table.rows];
    for c in &table.columns {
        // One loop per kind, so the kind is not matched per cell.
        match &c.data {
            ColumnData::Numeric(v) | ColumnData::Datetime(v) if v.len() == table.rows => {
                for (h, x) in hashes.iter_mut().zip(v) {
                    let bits = if x.is_nan() {
                        u64::MAX
                    } else {
                        (x + 0.0).to_bits()
                    };
                    *h = mix(*h ^ bits);
                }
            }
            ColumnData::Labels(d) if d.codes.len() == table.rows => {
                for (h, &code) in hashes.iter_mut().zip(&d.codes) {
                    *h = mix(*h ^ code as u64);
                }
            }
            data => {
                for (row, h) in hashes.iter_mut().enumerate() {
                    *h = mix(*h ^ cell(data, row));
                }
            }
        }
    }
    let mut first: FxHashMap<u64, usize> = FxHashMap::default();
    first.reserve(table.rows);
    // Other distinct rows sharing a hash with an earlier one (almost never any).
    let mut others: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    let same = |a: usize, b: usize| {
        table
            .columns
            .iter()
            .all(|c| cell(&c.data, a) == cell(&c.data, b))
    };
    let mut count = 0;
    let mut rows = Vec::new();
    for (row, &h) in hashes.iter().enumerate() {
        let earlier = match first.entry(h) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(row);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(o) => *o.get(),
        };
        let found = if same(row, earlier) {
            Some(earlier)
        } else {
            let list = others.entry(h).or_default();
            let found = list.iter().copied().find(|&r| same(row, r));
            if found.is_none() {
                list.push(row);
            }
            found
        };
        if let Some(f) = found {
            count += 1;
            if rows.len() < MAX_EXAMPLES {
                rows.push((row, f));
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

/// One cell as 64 bits: every NaN (missing number) one pattern, 0.0 equal to -0.0,
/// missing labels and booleans their own value.
#[inline]
fn cell(data: &ColumnData, row: usize) -> u64 {
    match data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => match v.get(row) {
            Some(x) if x.is_nan() => u64::MAX,
            Some(x) => (x + 0.0).to_bits(),
            None => u64::MAX,
        },
        ColumnData::Boolean(v) => v.get(row).copied().unwrap_or(2) as u64,
        ColumnData::Labels(d) => d.codes.get(row).copied().unwrap_or(u32::MAX) as u64,
    }
}

/// SplitMix64's finaliser: every input bit reaches every output bit, which a plain
/// multiply (as FxHash does) does not for floats whose low bits are all zero.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{read_bytes, IngestOptions};

    #[test]
    fn duplicates_follow_pandas_duplicated() {
        // Missing equals missing, -0 equals 0, and the first of equal rows is no duplicate.
        let t = read_bytes(
            b"a,b,c\n1,x,\n2,y,3\n1,x,\n-0,z,1\n0,z,1\n2,y,4\n1,x,\n",
            &IngestOptions::default(),
        )
        .unwrap();
        let d = duplicates(&t);
        assert_eq!(d.count, 3);
        assert_eq!(d.examples, vec![(4, 2), (6, 5), (8, 2)]);
        let p = crate::core::profile::profile(&t);
        assert_eq!(duplicates_profiled(&t, &p), d);
    }

    #[test]
    fn a_unique_column_rules_duplicates_out() {
        let t = read_bytes(b"id,b\n1,x\n2,x\n3,x\n", &IngestOptions::default()).unwrap();
        let p = crate::core::profile::profile(&t);
        assert_eq!(duplicates_profiled(&t, &p), duplicates(&t));
        assert_eq!(duplicates(&t).count, 0);
        let t = read_bytes(b"id,b\n1,x\n,x\n,x\n", &IngestOptions::default()).unwrap();
        let p = crate::core::profile::profile(&t);
        assert_eq!(
            duplicates_profiled(&t, &p).count,
            1,
            "missing cells are not distinct ids"
        );
    }
}
