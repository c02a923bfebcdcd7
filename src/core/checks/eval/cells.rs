//! Checks of a column's cells one by one: missing and invalid shares, uniqueness, allowed
//! values and patterns. Labels are judged once per distinct label, not once per row.

use super::*;

impl Ctx<'_> {
    pub(super) fn missing(&self, r: &ShareRule, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let s = share(column.missing, self.table.rows);
        let mut evidence = Vec::new();
        let ok = s <= r.max.0;
        if !ok {
            // A numeric or datetime cell that did not parse is stored as missing too, so
            // with invalid cells about the evidence says "missing or invalid".
            let note = if column.invalid > 0 {
                "missing or invalid"
            } else {
                "missing"
            };
            for row in 0..self.table.rows {
                if self.cell(ci, row).is_none() {
                    evidence.push(Evidence {
                        line: Some(self.line(row)),
                        column: Some(column.name.clone()),
                        value: String::new(),
                        note: Some(note.into()),
                    });
                    if evidence.len() >= EVIDENCE_ROWS {
                        break;
                    }
                }
            }
        }
        Outcome {
            ok,
            observed: json!(s),
            expected: format!("<= {}", number_text(r.max.0)),
            message: format!(
                "{} of {} rows ({}) are missing in '{}'",
                count(column.missing),
                count(self.table.rows),
                percent(s),
                column.name
            ),
            evidence,
        }
    }

    pub(super) fn invalid(&self, r: &ShareRule, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let s = share(column.invalid, self.table.rows);
        let ok = s <= r.max.0;
        let evidence = match (&column.first_invalid, ok) {
            (Some(p), false) => vec![Evidence {
                line: Some(p.line),
                column: Some(p.column.clone()),
                value: String::new(),
                note: Some(format!("the first cell that is not {}", column.kind.name())),
            }],
            _ => Vec::new(),
        };
        Outcome {
            ok,
            observed: json!(s),
            expected: format!("<= {}", number_text(r.max.0)),
            message: format!(
                "{} of {} rows ({}) in '{}' did not read as {}",
                count(column.invalid),
                count(self.table.rows),
                percent(s),
                column.name,
                column.kind.name()
            ),
            evidence,
        }
    }

    pub(super) fn unique(&self, r: &Unique, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let valid = self.valid(ci);
        let distinct = match &column.data {
            ColumnData::Labels(_) => self.counts(ci).iter().filter(|&&n| n > 0).count(),
            ColumnData::Boolean(_) => self.with_values(ci, true, |s| {
                s.v.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!s.v.is_empty())
            }),
            _ => self.distinct_numbers(ci),
        };
        let min = r.min.unwrap_or(Share(1.0)).0;
        let observed = if valid == 0 {
            1.0
        } else {
            distinct as f64 / valid as f64
        };
        let ok = observed >= min;
        let mut evidence = Vec::new();
        if !ok {
            // Rows that repeat an earlier row's value, with the line of the first.
            let mut first: FxHashMap<u64, usize> = FxHashMap::default();
            for row in 0..self.table.rows {
                let key = match &column.data {
                    ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
                        if v[row].is_nan() {
                            continue;
                        }
                        (v[row] + 0.0).to_bits()
                    }
                    ColumnData::Boolean(v) if v[row] < 2 => v[row] as u64,
                    ColumnData::Labels(d) if d.codes[row] != u32::MAX => d.codes[row] as u64,
                    _ => continue,
                };
                match first.get(&key) {
                    Some(&at) => {
                        let cell = self.cell(ci, row).expect("a valid cell");
                        evidence.push(Evidence {
                            line: Some(self.line(row)),
                            column: Some(column.name.clone()),
                            value: cell.text(),
                            note: Some(format!("repeats line {}", self.line(at))),
                        });
                        if evidence.len() >= EVIDENCE_ROWS {
                            break;
                        }
                    }
                    None => {
                        first.insert(key, row);
                    }
                }
            }
        }
        Outcome {
            ok,
            observed: json!(observed),
            expected: format!(">= {} distinct", number_text(min)),
            message: format!(
                "{} distinct of {} values in '{}' ({} repeat an earlier value)",
                count(distinct),
                count(valid),
                column.name,
                count(valid - distinct)
            ),
            evidence,
        }
    }

    /// The shared ending of the value rules (allowed, pattern, range).
    pub(super) fn value_outcome(
        &self,
        ci: usize,
        tolerance: Option<Share>,
        what: String,
        found: (usize, usize, Vec<Evidence>),
    ) -> Outcome {
        let (bad, valid, evidence) = found;
        let tolerance = tolerance.map_or(0.0, |t| t.0);
        let s = share(bad, valid);
        let ok = s <= tolerance;
        let expected = if tolerance == 0.0 {
            format!("none {what}")
        } else {
            format!("at most {} {what}", percent(tolerance))
        };
        Outcome {
            ok,
            observed: json!(bad),
            message: format!(
                "{} of {} values in '{}' ({}) are {what}",
                count(bad),
                count(valid),
                self.table.columns[ci].name,
                percent(s)
            ),
            expected,
            evidence,
        }
    }

    pub(super) fn allowed(&self, r: &Allowed, ci: usize) -> Outcome {
        let texts: FxHashSet<&str> = r.values.iter().map(|s| s.0.as_str()).collect();
        let numbers: Vec<f64> = r
            .values
            .iter()
            .filter_map(|s| s.0.trim().parse::<f64>().ok())
            .collect();
        let times: Vec<f64> = r
            .values
            .iter()
            .filter_map(|s| crate::core::time::parse_timestamp_ms(&s.0).ok())
            .map(|ms| ms as f64 / 1000.0)
            .collect();
        let bools: Vec<bool> = r
            .values
            .iter()
            .filter_map(|s| crate::core::ingest::cell::parse_bool(s.0.as_bytes()))
            .collect();
        let bad = |c: Cell| -> Option<String> {
            let allowed = match c {
                Cell::Text(t) => texts.contains(t),
                Cell::Number(v) => numbers.contains(&v),
                Cell::Time(v) => times.contains(&v),
                Cell::Bool(b) => bools.contains(&b),
            };
            (!allowed).then(|| "not an allowed value".to_string())
        };
        let found = self.offending(ci, &bad);
        self.value_outcome(ci, r.tolerance, "outside the allowed values".into(), found)
    }

    pub(super) fn pattern(&self, r: &PatternRule, ci: usize) -> Outcome {
        let bad = |c: Cell| -> Option<String> {
            let ok = match c {
                Cell::Text(t) => r.regex.regex.is_match(t),
                other => r.regex.regex.is_match(&other.text()),
            };
            (!ok).then(|| "does not match".to_string())
        };
        let found = self.offending(ci, &bad);
        self.value_outcome(
            ci,
            r.tolerance,
            format!("not matching /{}/", r.regex.source),
            found,
        )
    }
}
