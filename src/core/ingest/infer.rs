//! Choosing a column's type from a sample of its cells.

use super::cell::{
    is_bool_word, is_missing, is_non_finite_number, parse_bool, parse_datetime, parse_number,
};
use super::table::ColumnType;
use rustc_hash::FxHashSet;

/// Most distinct labels a categorical column may have.
pub const MAX_CATEGORIES: usize = 1000;
/// Below this many non-missing values every label column counts as categorical: too few
/// values to tell repeated labels from free text.
const SMALL_SAMPLE: usize = 20;

/// Infers the type of a column from its sampled cells: numeric, then boolean, then
/// datetime, then categorical (few repeated labels), else text.
pub fn infer_type<'a>(cells: impl Iterator<Item = &'a [u8]>) -> ColumnType {
    let mut present = 0usize;
    let (mut numeric, mut boolean, mut bool_word, mut datetime) = (true, true, false, true);
    // `inf` or `1e400` keeps a column numeric (the cell is counted invalid), as long as
    // some cell is a usable number.
    let mut finite = false;
    let mut distinct: FxHashSet<&[u8]> = FxHashSet::default();
    let mut too_many = false;
    for cell in cells {
        if is_missing(cell) {
            continue;
        }
        present += 1;
        if numeric {
            if parse_number(cell).is_some() {
                finite = true;
            } else if !is_non_finite_number(cell) {
                numeric = false;
            }
        }
        if boolean {
            if parse_bool(cell).is_none() {
                boolean = false;
            } else if !bool_word && is_bool_word(cell) {
                bool_word = true;
            }
        }
        if datetime && parse_datetime(cell).is_none() {
            datetime = false;
        }
        if !too_many {
            distinct.insert(cell);
            too_many = distinct.len() > MAX_CATEGORIES;
        }
    }
    if present == 0 {
        // Nothing to go on: text accepts whatever later rows hold.
        return ColumnType::Text;
    }
    if numeric && finite {
        ColumnType::Numeric
    } else if boolean && bool_word {
        ColumnType::Boolean
    } else if datetime {
        ColumnType::Datetime
    } else if !too_many && (present < SMALL_SAMPLE || distinct.len() * 2 <= present) {
        ColumnType::Categorical
    } else {
        ColumnType::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(cells: &[&str]) -> ColumnType {
        infer_type(cells.iter().map(|c| c.as_bytes()))
    }

    #[test]
    fn each_type() {
        assert_eq!(infer(&["1", "2.5", "", "NA", "-3e2"]), ColumnType::Numeric);
        assert_eq!(infer(&["0", "1", "1", "0"]), ColumnType::Numeric);
        assert_eq!(infer(&["yes", "no", "Y", "", "1"]), ColumnType::Boolean);
        assert_eq!(
            infer(&["2024-01-01", "2024-01-02T10:00:00Z", "null"]),
            ColumnType::Datetime
        );
        assert_eq!(infer(&["0:00:00", "0:00:01"]), ColumnType::Categorical);
        assert_eq!(infer(&["", "NA"]), ColumnType::Text);
        let repeated: Vec<String> = (0..100).map(|i| format!("label{}", i % 7)).collect();
        let refs: Vec<&str> = repeated.iter().map(String::as_str).collect();
        assert_eq!(infer(&refs), ColumnType::Categorical);
        let unique: Vec<String> = (0..100).map(|i| format!("note {i}")).collect();
        let refs: Vec<&str> = unique.iter().map(String::as_str).collect();
        assert_eq!(infer(&refs), ColumnType::Text);
        // A number no f64 holds keeps the column numeric (the cell is counted invalid)...
        assert_eq!(infer(&["inf", "1", "2"]), ColumnType::Numeric);
        assert_eq!(
            infer(&["1e400", "-Infinity", "+INF", "3.5"]),
            ColumnType::Numeric
        );
        // ... but a column of nothing else is not numeric, and words stay words.
        assert_eq!(infer(&["inf", "-inf"]), ColumnType::Categorical);
        assert_eq!(infer(&["info", "1", "2"]), ColumnType::Categorical);
    }
}
