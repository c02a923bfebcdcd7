//! Where missing values sit: the table's rows cut into at most a few hundred consecutive
//! bands, and per band and column the share of cells missing (or invalid), for a
//! missing-value matrix that shows whether gaps cluster (a stretch of the file, a pair of
//! columns missing together) or scatter.

use serde::Serialize;

use crate::core::ingest::table::{Column, ColumnData, Dictionary, Table};

/// Most bands a matrix gets.
pub const MAX_BANDS: usize = 300;

/// Missing shares per row band and column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingMatrix {
    /// Column names, in file order.
    pub columns: Vec<String>,
    /// Rows in the table.
    pub rows: usize,
    /// First row of each band (0-based), ascending; band `b` runs to the next start.
    pub band_starts: Vec<usize>,
    /// `bands × columns` shares in 0..=1, row-major.
    pub shares: Vec<f32>,
    /// Missing cells per column.
    pub missing: Vec<usize>,
}

impl MissingMatrix {
    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.band_starts.len()
    }

    /// Share missing in band `b` of column `c`.
    pub fn share(&self, b: usize, c: usize) -> f32 {
        self.shares[b * self.columns.len() + c]
    }

    /// Rows of band `b` as a half-open range.
    pub fn band_rows(&self, b: usize) -> std::ops::Range<usize> {
        let end = self.band_starts.get(b + 1).copied().unwrap_or(self.rows);
        self.band_starts[b]..end
    }

    /// How many bands hold any missing cell of column `c`.
    pub fn bands_touched(&self, c: usize) -> usize {
        (0..self.bands())
            .filter(|&b| self.share(b, c) > 0.0)
            .count()
    }
}

fn is_missing(column: &Column, row: usize) -> bool {
    match &column.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.get(row).is_none_or(|x| x.is_nan()),
        ColumnData::Boolean(v) => v.get(row).is_none_or(|&b| b >= 2),
        ColumnData::Labels(d) => d.codes.get(row).is_none_or(|&c| c == Dictionary::MISSING),
    }
}

/// The matrix of `table` with at most `max_bands` bands of equal row counts (the first
/// bands one row longer when the rows do not divide evenly). Invalid cells count as
/// missing, as the profile leaves them out of every figure.
///
/// ```
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::profile::missing::missing_matrix;
/// let t = read_bytes(b"a,b\n1,\n2,\n3,x\n4,y\n", &IngestOptions::default()).unwrap();
/// let m = missing_matrix(&t, 2);
/// assert_eq!((m.share(0, 1), m.share(1, 1)), (1.0, 0.0));
/// ```
pub fn missing_matrix(table: &Table, max_bands: usize) -> MissingMatrix {
    let rows = table.rows;
    let bands = rows.min(max_bands.max(1));
    let band_starts: Vec<usize> = (0..bands).map(|b| b * rows / bands.max(1)).collect();
    let k = table.columns.len();
    let mut shares = vec![0f32; bands * k];
    let mut missing = vec![0usize; k];
    for (c, column) in table.columns.iter().enumerate() {
        for b in 0..bands {
            let end = band_starts.get(b + 1).copied().unwrap_or(rows);
            let start = band_starts[b];
            let n = (start..end).filter(|&r| is_missing(column, r)).count();
            missing[c] += n;
            shares[b * k + c] = n as f32 / (end - start).max(1) as f32;
        }
    }
    MissingMatrix {
        columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        rows,
        band_starts,
        shares,
        missing,
    }
}
