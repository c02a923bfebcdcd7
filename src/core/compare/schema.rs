//! Matching the reference's columns with the current's: by name, then renamed-looking
//! pairs among the columns left over.

use crate::core::ingest::table::{Column, ColumnType};

/// What a column holds, for matching: columns of different kinds are "retyped".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Numbers.
    Number,
    /// Dates and date-times (compared as epoch seconds).
    Date,
    /// Labels: categorical, boolean and text columns (one family, since inference may
    /// call the same labels categorical in one file and text in a larger one).
    Labels,
}

impl Kind {
    /// The kind of a column type.
    pub fn of(t: ColumnType) -> Kind {
        match t {
            ColumnType::Numeric => Kind::Number,
            ColumnType::Datetime => Kind::Date,
            ColumnType::Categorical | ColumnType::Boolean | ColumnType::Text => Kind::Labels,
        }
    }
}

/// A pairing of reference and current columns (indices into each table's columns).
#[derive(Debug, Clone, PartialEq)]
pub enum Pair {
    /// The same name on both sides (the k-th column of a name pairs with the k-th).
    Same(usize, usize),
    /// Only in the reference.
    Removed(usize),
    /// Only in the current.
    Added(usize),
}

/// Pairs columns by name, in the current file's order, then the reference's removed ones.
/// A name that appears several times pairs occurrence by occurrence.
pub fn match_by_name(reference: &[Column], current: &[Column]) -> Vec<Pair> {
    let mut taken = vec![false; reference.len()];
    let mut pairs = Vec::with_capacity(reference.len().max(current.len()));
    for (ci, c) in current.iter().enumerate() {
        match reference
            .iter()
            .enumerate()
            .position(|(ri, r)| !taken[ri] && r.name == c.name)
        {
            Some(ri) => {
                taken[ri] = true;
                pairs.push(Pair::Same(ri, ci));
            }
            None => pairs.push(Pair::Added(ci)),
        }
    }
    for (ri, t) in taken.iter().enumerate() {
        if !t {
            pairs.push(Pair::Removed(ri));
        }
    }
    pairs
}

/// A removed and an added column look like one renamed when they are of the same kind,
/// their values are distributed alike (the effect size, KS D or Jensen-Shannon distance,
/// is at most this) ...
pub const RENAME_MAX_EFFECT: f64 = 0.05;
/// ... and their distinct counts differ by at most this share of the larger.
pub const RENAME_MAX_DISTINCT_GAP: f64 = 0.1;

/// Greedy renamed-looking pairs: `candidates` holds (removed, added, effect) for the pairs
/// that pass both rules; the most alike pair is taken first, each column at most once.
pub fn pick_renames(mut candidates: Vec<(usize, usize, f64)>) -> Vec<(usize, usize, f64)> {
    candidates.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut out: Vec<(usize, usize, f64)> = Vec::new();
    for c in candidates {
        if out.iter().all(|o| o.0 != c.0 && o.1 != c.1) {
            out.push(c);
        }
    }
    out
}
