//! The two sides of one column on one axis, for the compare view's overlay: shares of
//! each file's valid values per common bin (numbers, dates) or per label, so files of
//! different sizes read on one scale.

use serde::Serialize;

use super::{Profiled, Values};
use crate::core::ingest::table::Column;
use crate::core::profile::{ColumnProfiler, SortedValues};

/// Bins of a numeric overlay when the values are not small integers.
pub const OVERLAY_BINS: usize = 30;

/// Labels shown one by one; the rest are summed into "other".
pub const OVERLAY_LABELS: usize = 12;

/// One column's two distributions on common bins.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Overlay {
    /// Numbers or dates (epoch seconds) on common bins.
    Numbers {
        /// Values are dates (epoch seconds) and the axis shows dates.
        date: bool,
        /// Bin edges, one more than the bins, shared by both sides.
        edges: Vec<f64>,
        /// Share of the reference's valid values in each bin (sums to 1).
        reference: Vec<f64>,
        /// Share of the current file's valid values in each bin.
        current: Vec<f64>,
        /// Valid values on each side.
        counts: (usize, usize),
    },
    /// Labels, most common (on either side) first.
    Labels {
        /// The labels shown, then "other" when [`Overlay::Labels::other`] is set.
        labels: Vec<String>,
        /// Share of the reference's valid values per label.
        reference: Vec<f64>,
        /// Share of the current file's valid values per label.
        current: Vec<f64>,
        /// Shares of all the labels past [`OVERLAY_LABELS`], summed, per side.
        other: Option<(f64, f64)>,
        /// Valid values on each side.
        counts: (usize, usize),
    },
}

/// Overlays a reference column and a current one of the same kind; None when the kinds
/// differ (numbers against labels) or neither side has a valid value.
///
/// ```
/// use pipescope::core::compare::overlay::{overlay, Overlay};
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// let r = read_bytes(b"n\n1\n2\n2\n3\n", &IngestOptions::default()).unwrap();
/// let c = read_bytes(b"n\n3\n4\n4\n5\n", &IngestOptions::default()).unwrap();
/// let Some(Overlay::Numbers { edges, reference, current, .. }) = overlay(&r.columns[0], &c.columns[0]) else { panic!() };
/// assert_eq!(edges.len(), 6); // small integers: one bin each, 1 to 5
/// assert_eq!(reference[1], 0.5);
/// assert_eq!(current[3], 0.5);
/// ```
pub fn overlay(reference: &Column, current: &Column) -> Option<Overlay> {
    let (rp, ro) = ColumnProfiler::new(reference).finish_with_order();
    let (cp, co) = ColumnProfiler::new(current).finish_with_order();
    of_values(
        &Values::of(reference, &rp, ro.as_ref()),
        &Values::of(current, &cp, co.as_ref()),
    )
}

/// [`overlay`] of column `r` of the reference and `c` of the current file, read from their
/// profiles (nothing ordered again); None also when an index is out of range.
pub fn overlay_in(reference: Profiled, r: usize, current: Profiled, c: usize) -> Option<Overlay> {
    of_values(&reference.values_at(r)?, &current.values_at(c)?)
}

fn of_values(r: &Values, c: &Values) -> Option<Overlay> {
    match (r, c) {
        (
            Values::Numbers { sorted: r, date },
            Values::Numbers {
                sorted: c,
                date: d2,
            },
        ) => numbers(*r, *c, *date && *d2),
        (Values::Labels(r), Values::Labels(c)) => labels(r, c),
        _ => None,
    }
}

fn numbers(r: SortedValues, c: SortedValues, date: bool) -> Option<Overlay> {
    let finite = |v: SortedValues| -> Option<(f64, f64)> {
        let lo = v.runs().map(|x| x.0).find(|x| x.is_finite())?;
        let n = v.len();
        let hi = (0..n).rev().map(|i| v.at(i)).find(|x| x.is_finite())?;
        Some((lo, hi))
    };
    let (lo, hi) = match (finite(r), finite(c)) {
        (Some(a), Some(b)) => (a.0.min(b.0), a.1.max(b.1)),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let integers = !date
        && r.runs()
            .chain(c.runs())
            .all(|(x, _)| !x.is_finite() || x.fract() == 0.0);
    // Whole numbers over a short span get one bin per value, so a count column never
    // shows a bar straddling two integers.
    let edges: Vec<f64> = if integers && hi - lo < 2.0 * OVERLAY_BINS as f64 {
        (0..=(hi - lo) as usize + 1)
            .map(|i| lo - 0.5 + i as f64)
            .collect()
    } else if hi == lo {
        vec![lo - 0.5, lo + 0.5]
    } else {
        let w = (hi - lo) / OVERLAY_BINS as f64;
        (0..=OVERLAY_BINS).map(|i| lo + w * i as f64).collect()
    };
    let shares = |v: SortedValues| -> Vec<f64> {
        let mut counts = vec![0u64; edges.len() - 1];
        let mut n = 0u64;
        for (x, k) in v.runs().filter(|x| x.0.is_finite()) {
            // The last bin is closed on the right, so the maximum lands in it.
            let i = edges.partition_point(|&e| e <= x).clamp(1, counts.len()) - 1;
            counts[i] += k as u64;
            n += k as u64;
        }
        counts
            .iter()
            .map(|&k| if n == 0 { 0.0 } else { k as f64 / n as f64 })
            .collect()
    };
    Some(Overlay::Numbers {
        date,
        reference: shares(r),
        current: shares(c),
        counts: (r.len(), c.len()),
        edges,
    })
}

fn labels(r: &[(String, u64)], c: &[(String, u64)]) -> Option<Overlay> {
    let (nr, nc) = (
        r.iter().map(|x| x.1).sum::<u64>(),
        c.iter().map(|x| x.1).sum::<u64>(),
    );
    if nr + nc == 0 {
        return None;
    }
    let share = |k: u64, n: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let mut all: Vec<(String, f64, f64)> = Vec::new();
    let mut index = rustc_hash::FxHashMap::default();
    for (l, k) in r {
        index.insert(l.as_str(), all.len());
        all.push((l.clone(), share(*k, nr), 0.0));
    }
    for (l, k) in c {
        match index.get(l.as_str()) {
            Some(&i) => all[i].2 = share(*k, nc),
            None => all.push((l.clone(), 0.0, share(*k, nc))),
        }
    }
    all.sort_by(|a, b| {
        b.1.max(b.2)
            .total_cmp(&a.1.max(a.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    let rest = all.split_off(all.len().min(OVERLAY_LABELS));
    let other = (!rest.is_empty()).then(|| {
        (
            rest.iter().map(|x| x.1).sum::<f64>(),
            rest.iter().map(|x| x.2).sum::<f64>(),
        )
    });
    Some(Overlay::Labels {
        labels: all.iter().map(|x| x.0.clone()).collect(),
        reference: all.iter().map(|x| x.1).collect(),
        current: all.iter().map(|x| x.2).collect(),
        other,
        counts: (nr as usize, nc as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{read_bytes, IngestOptions};

    /// The first column of `csv`, whose first line is always the header (a file of short
    /// labels alone looks headerless to the sniffer).
    fn col(csv: &str) -> Column {
        let options = IngestOptions::builder()
            .has_header(Some(true))
            .build()
            .unwrap();
        read_bytes(csv.as_bytes(), &options)
            .unwrap()
            .columns
            .remove(0)
    }

    #[test]
    fn wide_numbers_share_thirty_bins_and_each_side_sums_to_one() {
        let r = col(&format!(
            "x\n{}",
            (0..1000).map(|i| format!("{}.5\n", i)).collect::<String>()
        ));
        let c = col(&format!(
            "x\n{}",
            (500..700).map(|i| format!("{}.5\n", i)).collect::<String>()
        ));
        let Some(Overlay::Numbers {
            edges,
            reference,
            current,
            counts,
            ..
        }) = overlay(&r, &c)
        else {
            panic!("numbers")
        };
        assert_eq!(edges.len(), OVERLAY_BINS + 1);
        assert_eq!(counts, (1000, 200));
        assert!((reference.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((current.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // The current file sits in the middle: nothing in the first or last bins.
        assert_eq!(current[0], 0.0);
        assert_eq!(current[OVERLAY_BINS - 1], 0.0);
        assert!(reference[0] > 0.0 && reference[OVERLAY_BINS - 1] > 0.0);
    }

    #[test]
    fn labels_keep_the_most_common_and_sum_the_rest() {
        let many: String = (0..20).map(|i| format!("l{i:02}\n")).collect();
        let r = col(&format!("x\n{}a\na\na\n", many));
        let c = col("x\nb\nb\na\n");
        let Some(Overlay::Labels {
            labels,
            reference,
            current,
            other,
            ..
        }) = overlay(&r, &c)
        else {
            panic!("labels")
        };
        assert_eq!(labels.len(), OVERLAY_LABELS);
        assert_eq!(labels[0], "b"); // 2/3 of the current file
        assert_eq!(labels[1], "a");
        assert_eq!(reference[0], 0.0);
        assert!(
            (current[0] - 2.0 / 3.0).abs() < 1e-9,
            "{labels:?} {current:?}"
        );
        let (or, oc) = other.unwrap();
        assert!(or > 0.0 && oc == 0.0);
        assert!((reference.iter().sum::<f64>() + or - 1.0).abs() < 1e-9);
    }

    #[test]
    fn numbers_against_labels_have_no_overlay() {
        assert!(overlay(&col("x\n1\n2\n"), &col("x\nfoo\nbar\n")).is_none());
    }
}
