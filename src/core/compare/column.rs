//! One column's side of a comparison and its drift test: the valid values read for the
//! tests, each side's figures, and the test its kind calls for (see the module above).

use rustc_hash::FxHashMap;

use super::schema::Kind;
use super::{drift, ks, warnings};
use super::{
    CategoryChange, ColumnComparison, ColumnSide, ColumnStatus, DriftRule, DriftTest, LabelDrift,
    NumericDrift, Profiled, Side, TestMethod, MAX_TEST_LABELS,
};
use crate::core::ingest::table::{Column, ColumnData, Table};
use crate::core::profile::{ColumnOrder, ColumnProfile, ColumnProfiler, Profile, SortedValues};

/// A column's valid values, ready for the tests.
pub(super) enum Values<'a> {
    /// Numbers in order (dates as epoch seconds), NaN dropped.
    Numbers {
        sorted: SortedValues<'a>,
        date: bool,
    },
    /// Label counts in order of first appearance.
    Labels(Vec<(String, u64)>),
}

impl<'a> Values<'a> {
    pub(super) fn of_table(p: Profiled<'a>) -> Vec<Values<'a>> {
        p.table
            .columns
            .iter()
            .zip(&p.profile.profile.columns)
            .zip(&p.profile.orders)
            .map(|((c, cp), order)| Values::of(c, cp, order.as_ref()))
            .collect()
    }

    /// From the column's profile: its order (numbers), or its label counts.
    pub(super) fn of(
        column: &'a Column,
        p: &ColumnProfile,
        order: Option<&'a ColumnOrder>,
    ) -> Values<'a> {
        match &column.data {
            ColumnData::Numeric(_) | ColumnData::Datetime(_) => Values::Numbers {
                sorted: order.map_or(SortedValues::Sorted(&[]), |o| o.view(column)),
                date: matches!(column.data, ColumnData::Datetime(_)),
            },
            ColumnData::Boolean(_) => {
                let count = |l: &str| p.top.iter().find(|x| x.0 == l).map_or(0, |x| x.1);
                Values::Labels(
                    ["false", "true"]
                        .into_iter()
                        .map(|l| (l.to_string(), count(l)))
                        .filter(|x| x.1 > 0)
                        .collect(),
                )
            }
            ColumnData::Labels(d) => Values::Labels(
                d.values
                    .iter()
                    .zip(&p.label_counts)
                    .filter(|x| *x.1 > 0)
                    .map(|(l, &n)| (l.clone(), n))
                    .collect(),
            ),
        }
    }

    pub(super) fn distinct(&self) -> usize {
        match self {
            Values::Numbers { sorted, .. } => sorted.distinct(),
            Values::Labels(l) => l.len(),
        }
    }

    fn median(&self) -> Option<serde_json::Value> {
        match self {
            Values::Numbers { sorted, date } => {
                let m = drift::quantile_linear_at(sorted.len(), 0.5, |r| sorted.at(r))?;
                Some(value(m, *date))
            }
            Values::Labels(_) => None,
        }
    }
}

/// A number as JSON, or a date's ISO 8601 text.
fn value(v: f64, date: bool) -> serde_json::Value {
    if date {
        serde_json::Value::String(crate::core::time::format_iso_seconds(v.floor() as i64))
    } else {
        serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

fn side(table: &Table, column: &Column, profile: &ColumnProfile, values: &Values) -> ColumnSide {
    let share = |n: usize| {
        if table.rows == 0 {
            0.0
        } else {
            n as f64 / table.rows as f64
        }
    };
    let count = match values {
        Values::Numbers { sorted, .. } => sorted.len(),
        Values::Labels(l) => l.iter().map(|x| x.1 as usize).sum(),
    };
    ColumnSide {
        kind: column.kind,
        count,
        missing: column.missing,
        invalid: column.invalid,
        missing_share: share(column.missing),
        invalid_share: share(column.invalid),
        // The profile's count: the same definition (0.0 and -0.0 as one), already known.
        distinct: profile.distinct,
        median: values.median(),
        warnings: crate::core::profile::warnings::column_warnings(column, profile, table.rows),
    }
}

pub(super) fn one_side(
    table: &Table,
    column: &Column,
    profile: &ColumnProfile,
    values: &Values,
    which: Side,
) -> ColumnComparison {
    let s = Some(side(table, column, profile, values));
    let (reference, current, status) = match which {
        Side::Reference => (s, None, ColumnStatus::Removed),
        Side::Current => (None, s, ColumnStatus::Added),
    };
    ColumnComparison {
        name: column.name.clone(),
        renamed_from: None,
        status,
        reference,
        current,
        test: None,
        new_categories: None,
        vanished_categories: None,
        drifted: false,
        score: 1.0,
        note: None,
        warning_changes: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn pair_entry(
    (reference, rprof): (&Table, &Profile),
    (current, cprof): (&Table, &Profile),
    rv: &[Values],
    cv: &[Values],
    r: usize,
    c: usize,
    renamed_from: Option<String>,
    rule: &DriftRule,
) -> ColumnComparison {
    let (rc, cc) = (&reference.columns[r], &current.columns[c]);
    let (rvals, cvals) = (&rv[r], &cv[c]);
    let (rp, cp) = (&rprof.columns[r], &cprof.columns[c]);
    let (rside, cside) = (side(reference, rc, rp, rvals), side(current, cc, cp, cvals));
    let warning_changes = warnings::changes(
        &warnings::Side {
            column: rc,
            profile: rp,
            rows: reference.rows,
            warnings: &rside.warnings,
        },
        &warnings::Side {
            column: cc,
            profile: cp,
            rows: current.rows,
            warnings: &cside.warnings,
        },
    );
    let mut entry = ColumnComparison {
        name: cc.name.clone(),
        status: if renamed_from.is_some() {
            ColumnStatus::Renamed
        } else {
            ColumnStatus::Matched
        },
        renamed_from,
        reference: Some(rside),
        current: Some(cside),
        test: None,
        new_categories: None,
        vanished_categories: None,
        drifted: false,
        score: 0.0,
        note: None,
        warning_changes,
    };
    if Kind::of(rc.kind) != Kind::of(cc.kind) {
        entry.status = ColumnStatus::Retyped;
        entry.score = 1.0;
        entry.note = Some(format!(
            "read as {} in the reference and {} in the current file; not tested",
            rc.kind.name(),
            cc.kind.name()
        ));
        return entry;
    }
    if let (Values::Labels(a), Values::Labels(b)) = (rvals, cvals) {
        entry.new_categories = Some(category_change(b, a));
        entry.vanished_categories = Some(category_change(a, b));
    }
    entry.test = test(rvals, cvals);
    match &entry.test {
        Some(t) => {
            entry.score = t.effect;
            entry.drifted = t.p_value < rule.alpha && t.effect >= rule.min_effect;
        }
        None => {
            entry.note = Some(match (rvals, cvals) {
                (Values::Labels(a), Values::Labels(b)) if !a.is_empty() && !b.is_empty() => {
                    format!(
                        "more than {MAX_TEST_LABELS} distinct labels: free text, compared by counts and new labels only"
                    )
                }
                _ => "no valid values on one side; not tested".to_string(),
            })
        }
    }
    entry
}

/// Labels of `side` that `other` lacks.
fn category_change(side: &[(String, u64)], other: &[(String, u64)]) -> CategoryChange {
    let known: rustc_hash::FxHashSet<&str> = other.iter().map(|x| x.0.as_str()).collect();
    let mut only: Vec<(String, u64)> = side
        .iter()
        .filter(|x| !known.contains(x.0.as_str()))
        .cloned()
        .collect();
    only.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let count = only.len();
    let rows = only.iter().map(|x| x.1).sum();
    only.truncate(CategoryChange::KEEP);
    CategoryChange {
        count,
        rows,
        examples: only,
    }
}

/// The drift test of one reference column against one current column, as [`compare`]
/// runs it for a matched pair; None when their kinds differ (number, date, labels), one
/// side has no values, or labels are too many to test. The checks' `drift` rule reads it.
pub fn column_drift(reference: &Column, current: &Column) -> Option<DriftTest> {
    if Kind::of(reference.kind) != Kind::of(current.kind) {
        return None;
    }
    let (rp, ro) = ColumnProfiler::new(reference).finish_with_order();
    let (cp, co) = ColumnProfiler::new(current).finish_with_order();
    test(
        &Values::of(reference, &rp, ro.as_ref()),
        &Values::of(current, &cp, co.as_ref()),
    )
}

/// The drift test for two columns of the same kind, or None when one side has no values
/// (or labels are too many).
pub(super) fn test(r: &Values, c: &Values) -> Option<DriftTest> {
    match (r, c) {
        (Values::Numbers { sorted: a, date }, Values::Numbers { sorted: b, .. }) => {
            numeric_test(*a, *b, *date)
        }
        (Values::Labels(a), Values::Labels(b)) => label_test(a, b),
        _ => None,
    }
}

fn numeric_test(a: SortedValues, b: SortedValues, date: bool) -> Option<DriftTest> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    // One walk over the pooled values for both statistics.
    let mut ks_walk = ks::KsWalk::new(a.len(), b.len());
    let mut w_walk = drift::WassersteinWalk::new(a.len(), b.len());
    drift::pooled_walk(a, b, |v, i, j| {
        ks_walk.visit(v, i, j);
        w_walk.visit(v, i, j);
    });
    let (k, w) = (ks_walk.finish(), w_walk.total);
    // The standard deviation (a pass over every value) only when the IQR is 0.
    let (scale, scale_name) = match drift::iqr(a) {
        Some(i) if i > 0.0 => (Some(i), "iqr"),
        _ => match drift::std_dev(a) {
            Some(s) if s > 0.0 => (Some(s), "std"),
            _ => (None, "none"),
        },
    };
    let normalised = match scale {
        Some(s) => Some(w / s),
        None if w == 0.0 => Some(0.0),
        None => None,
    };
    let edges = drift::decile_edges(a);
    let psi = drift::psi(&drift::bin_counts(a, &edges), &drift::bin_counts(b, &edges));
    Some(DriftTest {
        method: if k.exact {
            TestMethod::KsExact
        } else {
            TestMethod::KsAsymptotic
        },
        statistic: k.statistic,
        p_value: k.p_value,
        effect: k.statistic,
        psi,
        numeric: Some(NumericDrift {
            ks_location: value(k.location, date),
            ks_sign: k.sign,
            wasserstein: w,
            wasserstein_normalised: normalised,
            wasserstein_scale: scale_name,
            psi_edges: edges,
        }),
        labels: None,
    })
}

fn label_test(a: &[(String, u64)], b: &[(String, u64)]) -> Option<DriftTest> {
    // Union of labels: the reference's in order, then the current's new ones.
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    for (l, _) in a.iter().chain(b) {
        let next = index.len();
        index.entry(l.as_str()).or_insert(next);
    }
    if index.len() > MAX_TEST_LABELS {
        return None;
    }
    let mut rc = vec![0u64; index.len()];
    let mut cc = vec![0u64; index.len()];
    for (l, n) in a {
        rc[index[l.as_str()]] += n;
    }
    for (l, n) in b {
        cc[index[l.as_str()]] += n;
    }
    let chi = drift::chi_square(&rc, &cc)?;
    let js = drift::jensen_shannon(&rc, &cc)?;
    Some(DriftTest {
        method: TestMethod::ChiSquare,
        statistic: chi.statistic,
        p_value: chi.p_value,
        effect: js,
        psi: drift::psi(&rc, &cc),
        numeric: None,
        labels: Some(LabelDrift {
            dof: chi.dof,
            jensen_shannon: js,
        }),
    })
}
