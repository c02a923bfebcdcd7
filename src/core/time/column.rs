//! Time columns: the format of a column's first cell, enforced down the column, so a
//! column of epoch seconds cannot silently switch to milliseconds halfway. Shared by the
//! Monitor's replay reader and the command-line tool, so a column that replays on the page
//! is the column `pipescope detect` reads.

use super::parse::{TimeFormat, MAX_MS};

/// Milliseconds held as a float (a datetime column, a Prometheus sample time) as a whole
/// number, rounded to the nearest; None when not finite or beyond [`MAX_MS`].
pub fn whole_ms(ms: f64) -> Option<i64> {
    (ms.is_finite() && ms.abs() <= MAX_MS as f64).then(|| ms.round() as i64)
}

/// How a column's time cells read: the format of its first cell, then enforced down the
/// column, so a column of epoch seconds cannot silently switch to milliseconds halfway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCells {
    format: Option<TimeFormat>,
}

impl TimeCells {
    /// The reading of a column whose first non-missing cell is `first`.
    pub fn detect(first: &str) -> TimeCells {
        TimeCells {
            format: TimeFormat::detect(first),
        }
    }

    /// The format detected, or None when the first cell was no [`TimeFormat`] (then only
    /// calendar dates are read).
    pub fn format(self) -> Option<TimeFormat> {
        self.format
    }

    /// One cell as stream milliseconds; None when it does not read in the column's format.
    pub fn parse_ms(self, cell: &str) -> Option<i64> {
        match self.format {
            Some(f) => f.parse_ms(cell).ok(),
            // A column that starts with no time still reads the calendar dates below it.
            None => TimeFormat::Iso8601.parse_ms(cell).ok(),
        }
    }

    /// Every cell of a column (None = missing) as stream milliseconds, in order, the format
    /// taken from the first present cell.
    pub fn parse_column<S: AsRef<str>>(cells: &[Option<S>]) -> Vec<Option<i64>> {
        let Some(first) = cells.iter().flatten().next() else {
            return vec![None; cells.len()];
        };
        let reading = TimeCells::detect(first.as_ref());
        cells
            .iter()
            .map(|c| c.as_ref().and_then(|s| reading.parse_ms(s.as_ref())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_reads_to_the_same_instant() {
        let at = 1_764_338_700_000; // 2025-11-28T14:05:00Z
        for cell in [
            "1764338700",
            "1764338700000",
            "2025-11-28T14:05:00Z",
            "2025-11-28 15:05:00+01:00",
            "2025/11/28 14:05",
            " 2025/11/28 14:05:00 ",
        ] {
            assert_eq!(TimeCells::detect(cell).parse_ms(cell), Some(at), "{cell}");
        }
        assert_eq!(
            TimeCells::detect("0:01:02").parse_ms("1:00:00"),
            Some(3_600_000)
        );
    }

    #[test]
    fn the_first_cell_sets_the_format_for_the_column() {
        // Epoch seconds first: an ISO time further down is not read.
        let times = TimeCells::parse_column(&[
            None,
            Some("1764338700"),
            Some("1764338701"),
            Some("2025-11-28T14:05:02Z"),
            Some("soon"),
        ]);
        assert_eq!(
            times,
            [
                None,
                Some(1_764_338_700_000),
                Some(1_764_338_701_000),
                None,
                None
            ]
        );
        let clock = TimeCells::detect("0:00:01");
        assert_eq!(clock.format(), Some(TimeFormat::Clock));
        assert_eq!(clock.parse_ms("1764338700"), None);
        // Slash dates are ISO 8601 dates like any other.
        let slash = TimeCells::detect("2025/11/28");
        assert_eq!(slash.format(), Some(TimeFormat::Iso8601));
        assert_eq!(slash.parse_ms("0:00:01"), None);
        assert_eq!(slash.parse_ms("2025/11/29"), Some(1_764_374_400_000));
        // A first cell that is no time leaves only calendar dates readable.
        let word = TimeCells::detect("soon");
        assert_eq!(word.format(), None);
        assert_eq!(word.parse_ms("0:00:01"), None);
        assert_eq!(word.parse_ms("1764338700"), None);
        assert_eq!(word.parse_ms("2025-11-29"), Some(1_764_374_400_000));
    }

    #[test]
    fn a_column_without_cells_has_no_times() {
        let empty: [Option<String>; 2] = [None, None];
        assert_eq!(TimeCells::parse_column(&empty), [None, None]);
        assert!(TimeCells::parse_column::<&str>(&[]).is_empty());
    }

    #[test]
    fn milliseconds_beyond_the_page_range_are_refused() {
        assert_eq!(whole_ms(1.5), Some(2));
        assert_eq!(whole_ms(-1.5), Some(-2));
        assert_eq!(whole_ms(MAX_MS as f64), Some(8_640_000_000_000_000));
        assert_eq!(whole_ms(MAX_MS as f64 * 1.01), None);
        assert_eq!(whole_ms(f64::NAN), None);
    }
}
