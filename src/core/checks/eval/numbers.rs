//! Checks of a number or date column's values and statistics: ranges, means, medians and
//! quantiles, read from the table's profile when the caller has one.

use super::*;

impl Ctx<'_> {
    /// A bound on a column's scale, refusing a number for a datetime column and a time
    /// for a numeric one (a number of epoch seconds would be easy to get wrong).
    pub(super) fn bound(
        &self,
        ci: usize,
        b: &Option<Bound>,
        key: &str,
    ) -> Result<Option<f64>, ChecksErrorKind> {
        let Some(b) = b else { return Ok(None) };
        let column = &self.table.columns[ci];
        match (column.kind, b) {
            (ColumnType::Datetime, Bound::Number(v)) => Err(ChecksErrorKind::InvalidValue {
                found: format!("{key} {}", number_text(*v)),
                expected: format!(
                    "a time such as \"2026-01-31T00:00:00Z\" ('{}' is a datetime column)",
                    column.name
                ),
            }),
            (ColumnType::Numeric, Bound::Time { text, .. }) => Err(ChecksErrorKind::InvalidValue {
                found: format!("{key} {text:?}"),
                expected: format!("a number ('{}' is a numeric column)", column.name),
            }),
            _ => Ok(Some(b.value())),
        }
    }

    pub(super) fn range(&self, r: &Range, ci: usize) -> Result<Outcome, ChecksErrorKind> {
        let (lo, hi) = (
            self.bound(ci, &r.min, "min")?,
            self.bound(ci, &r.max, "max")?,
        );
        let bad = |c: Cell| -> Option<String> {
            let v = match c {
                Cell::Number(v) | Cell::Time(v) => v,
                _ => return None,
            };
            if lo.is_some_and(|l| v < l) {
                Some(format!(
                    "below {}",
                    r.min.as_ref().map(Bound::text).unwrap_or_default()
                ))
            } else if hi.is_some_and(|h| v > h) {
                Some(format!(
                    "above {}",
                    r.max.as_ref().map(Bound::text).unwrap_or_default()
                ))
            } else {
                None
            }
        };
        // Within bounds at both ends, no value can be outside: no second pass.
        let inside = self.summary(ci).is_some_and(|s| {
            s.valid == 0 || (lo.is_none_or(|l| s.min >= l) && hi.is_none_or(|h| s.max <= h))
        });
        let found = if inside {
            (0, self.valid(ci), Vec::new())
        } else {
            self.offending(ci, &bad)
        };
        let what = match (&r.min, &r.max) {
            (Some(a), Some(b)) => format!("outside {} to {}", a.text(), b.text()),
            (Some(a), None) => format!("below {}", a.text()),
            (None, Some(b)) => format!("above {}", b.text()),
            (None, None) => "out of range".into(),
        };
        Ok(self.value_outcome(ci, r.tolerance, what, found))
    }

    /// A figure on the column's scale as JSON: a number, or ISO text for a date.
    pub(super) fn figure(&self, ci: usize, v: f64) -> (Value, String) {
        if self.table.columns[ci].kind == ColumnType::Datetime {
            let t = format_iso_seconds(v.floor() as i64);
            (json!(t), t)
        } else {
            (json!(v), number_text(v))
        }
    }

    pub(super) fn stat(
        &self,
        ci: usize,
        r: &Stat,
        what: &str,
        q: Option<f64>,
    ) -> Result<Outcome, ChecksErrorKind> {
        let (lo, hi) = (
            self.bound(ci, &r.min, "min")?,
            self.bound(ci, &r.max, "max")?,
        );
        let v = match (q, &self.table.columns[ci].data) {
            // A whole percentile is in the profile, computed by the same arithmetic.
            (Some(q), ColumnData::Numeric(_) | ColumnData::Datetime(_))
                if self.profile_percentile(ci, q).is_some() =>
            {
                self.profile_percentile(ci, q)
            }
            (Some(q), _) => self.with_values(ci, false, |v| v.quantile(q)),
            // The mean needs no order: the exact mean skips the NaN of missing cells.
            // The profile's mean is the same exact mean.
            (None, ColumnData::Numeric(_) | ColumnData::Datetime(_)) if self.profile.is_some() => {
                self.profile.expect("checked").columns[ci].mean
            }
            (None, ColumnData::Numeric(v) | ColumnData::Datetime(v)) => {
                crate::core::profile::exact_mean(v)
            }
            (None, _) => None,
        };
        let expected = between(
            r.min.as_ref().map(Bound::text),
            r.max.as_ref().map(Bound::text),
        );
        let name = &self.table.columns[ci].name;
        Ok(match v {
            Some(v) => {
                let (observed, text) = self.figure(ci, v);
                Outcome {
                    ok: lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h),
                    observed,
                    message: format!("the {what} of '{name}' is {text}; expected {expected}"),
                    expected,
                    evidence: Vec::new(),
                }
            }
            None => Outcome {
                ok: false,
                observed: Value::Null,
                message: format!("'{name}' has no values to take the {what} of"),
                expected,
                evidence: Vec::new(),
            },
        })
    }

    /// The profile's `q` quantile when `q` is a whole percentile (`k / 100` is the very
    /// number a checks file's "0.95" parses to, so the match is exact).
    pub(super) fn profile_percentile(&self, ci: usize, q: f64) -> Option<f64> {
        let p = &self.profile?.columns[ci].percentiles;
        let k = (q * 100.0).round();
        (p.len() == crate::core::profile::PERCENTILES
            && (0.0..=100.0).contains(&k)
            && k / 100.0 == q)
            .then(|| p[k as usize])
    }

    pub(super) fn quantile(
        &self,
        ci: usize,
        r: &Quantile,
        s: &Stat,
    ) -> Result<Outcome, ChecksErrorKind> {
        let what = format!("{} quantile", number_text(r.q.0));
        self.stat(ci, s, &what, Some(r.q.0))
    }
}
