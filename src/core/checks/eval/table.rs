//! Checks of the whole table: its row count, how fresh its newest instant is, its schema
//! against the expected one, and its drift from a reference table.

use super::*;

impl Ctx<'_> {
    pub(super) fn row_count(&self, r: &RowCount) -> Outcome {
        let n = self.table.rows as u64;
        let ok = r.min.is_none_or(|m| n >= m) && r.max.is_none_or(|m| n <= m);
        let expected = between(
            r.min.map(|m| count(m as usize)),
            r.max.map(|m| count(m as usize)),
        );
        Outcome {
            ok,
            observed: json!(n),
            message: format!("{} data rows; expected {expected}", count(n as usize)),
            expected,
            evidence: Vec::new(),
        }
    }

    pub(super) fn freshness(&self, r: &Freshness, ci: usize) -> Result<Outcome, ChecksErrorKind> {
        let now_ms = match &r.as_of {
            None => self.now_ms,
            Some(Bound::Time { ms, .. }) => *ms,
            Some(Bound::Number(v)) => {
                return Err(ChecksErrorKind::InvalidValue {
                    found: format!("as_of {}", number_text(*v)),
                    expected: "a time such as \"2026-01-31T00:00:00Z\"".into(),
                })
            }
        };
        let column = &self.table.columns[ci];
        let now_text = format_iso_seconds(now_ms.div_euclid(1000));
        let expected = format!(
            "latest value no older than {} before {now_text}",
            r.max_age.text
        );
        let latest = self.summary(ci).filter(|s| s.valid > 0).map(|s| s.max);
        let Some(latest) = latest else {
            return Ok(Outcome {
                ok: false,
                observed: Value::Null,
                message: format!("'{}' has no dates", column.name),
                expected,
                evidence: Vec::new(),
            });
        };
        let age_ms = now_ms as f64 - latest * 1000.0;
        let ok = age_ms <= r.max_age.ms as f64;
        let latest_text = format_iso_seconds(latest.floor() as i64);
        let mut evidence = Vec::new();
        if !ok {
            if let ColumnData::Datetime(v) = &column.data {
                if let Some(row) = v.iter().position(|&x| x == latest) {
                    evidence.push(Evidence {
                        line: Some(self.line(row)),
                        column: Some(column.name.clone()),
                        value: latest_text.clone(),
                        note: Some("the latest value".into()),
                    });
                }
            }
        }
        let age = if age_ms >= 0.0 {
            format!("{} old", age_text(age_ms))
        } else {
            format!("{} in the future", age_text(-age_ms))
        };
        Ok(Outcome {
            ok,
            observed: json!(latest_text),
            message: format!(
                "the latest value of '{}' is {latest_text}, {age} at {now_text} (limit {})",
                column.name, r.max_age.text
            ),
            expected,
            evidence,
        })
    }

    pub(super) fn schema(&self, r: &Schema) -> Outcome {
        let mut evidence = Vec::new();
        let (mut missing, mut retyped, mut unexpected) = (Vec::new(), Vec::new(), Vec::new());
        for (name, types) in &r.columns.0 {
            match self.index.get(name.as_str()) {
                None => {
                    missing.push(name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(name.clone()),
                        value: String::new(),
                        note: Some("required column is absent".into()),
                    });
                }
                Some(&i) if !types.allows(self.table.columns[i].kind) => {
                    let kind = self.table.columns[i].kind;
                    retyped.push(name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(name.clone()),
                        value: kind.name().into(),
                        note: Some(format!(
                            "read as {}; expected {}",
                            kind.name(),
                            types.describe()
                        )),
                    });
                }
                Some(_) => {}
            }
        }
        if !r.allow_extra {
            let listed: FxHashSet<&str> = r.columns.0.iter().map(|c| c.0.as_str()).collect();
            for c in &self.table.columns {
                if !listed.contains(c.name.as_str()) {
                    unexpected.push(c.name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(c.name.clone()),
                        value: c.kind.name().into(),
                        note: Some("not in the schema".into()),
                    });
                }
            }
        }
        let problems = missing.len() + retyped.len() + unexpected.len();
        evidence.truncate(EVIDENCE_COLUMNS);
        let mut parts = Vec::new();
        for (what, names) in [
            ("missing", &missing),
            ("retyped", &retyped),
            ("unexpected", &unexpected),
        ] {
            if !names.is_empty() {
                parts.push(format!("{what}: {}", crate::core::text::list(names)));
            }
        }
        Outcome {
            ok: problems == 0,
            observed: json!(problems),
            expected: format!(
                "{} columns of the listed types{}",
                r.columns.0.len(),
                if r.allow_extra { "" } else { ", no others" }
            ),
            message: if problems == 0 {
                "every listed column is present with a listed type".into()
            } else {
                format!("{problems} column problems ({})", parts.join("; "))
            },
            evidence,
        }
    }

    pub(super) fn drift(&self, r: &Drift) -> Result<Outcome, ChecksErrorKind> {
        let reference = self.reference.ok_or(ChecksErrorKind::NoReference)?;
        let ref_index = |name: &str| reference.columns.iter().position(|c| c.name == name);
        // The columns to test with their thresholds: listed ones first, then every other
        // column both files have when there is a threshold for all.
        let mut targets: Vec<(usize, usize, f64)> = Vec::new();
        if let Some(cols) = &r.columns {
            for (name, t) in &cols.0 {
                let ci = self.column(name)?;
                let ri = ref_index(name).ok_or_else(|| ChecksErrorKind::UnknownColumn {
                    column: format!("{name} (in the reference)"),
                    available: reference.columns.iter().map(|c| c.name.clone()).collect(),
                })?;
                targets.push((ci, ri, t.0));
            }
        }
        if let Some(all) = r.threshold {
            for (ci, c) in self.table.columns.iter().enumerate() {
                if targets.iter().any(|t| t.0 == ci) || self.index[c.name.as_str()] != ci {
                    continue;
                }
                if let Some(ri) = ref_index(&c.name) {
                    targets.push((ci, ri, all.0));
                }
            }
        }
        let alpha = r.alpha.map_or(0.05, |a| a.0);
        let mut drifted: Vec<(f64, Evidence)> = Vec::new();
        let mut tested = 0usize;
        let mut untested = Vec::new();
        for &(ci, ri, threshold) in &targets {
            let (cc, rc): (&Column, &Column) = (&self.table.columns[ci], &reference.columns[ri]);
            let Some(t) = crate::core::compare::column_drift(rc, cc) else {
                untested.push(cc.name.clone());
                continue;
            };
            let (figure, moved) = match r.metric {
                DriftMetric::Effect => (t.effect, t.effect > threshold && t.p_value < alpha),
                DriftMetric::Psi => match t.psi {
                    Some(p) => (p, p > threshold),
                    None => {
                        untested.push(cc.name.clone());
                        continue;
                    }
                },
            };
            tested += 1;
            if moved {
                let name = match r.metric {
                    DriftMetric::Effect => match t.method {
                        crate::core::compare::TestMethod::ChiSquare => "Jensen-Shannon distance",
                        _ => "KS D",
                    },
                    DriftMetric::Psi => "PSI",
                };
                drifted.push((
                    figure,
                    Evidence {
                        line: None,
                        column: Some(cc.name.clone()),
                        value: number_text(figure),
                        note: Some(format!(
                            "{name} {} > {} (p = {})",
                            number_text(figure),
                            number_text(threshold),
                            if t.p_value == 0.0 {
                                "0".to_string()
                            } else {
                                format!("{:.2e}", t.p_value)
                            }
                        )),
                    },
                ));
            }
        }
        drifted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let names: Vec<String> = drifted.iter().filter_map(|d| d.1.column.clone()).collect();
        let metric = match r.metric {
            DriftMetric::Effect => "effect",
            DriftMetric::Psi => "PSI",
        };
        let mut message = if drifted.is_empty() {
            format!("none of {tested} columns drifted")
        } else {
            format!(
                "{} of {tested} columns drifted: {}",
                drifted.len(),
                crate::core::text::list(&names)
            )
        };
        if !untested.is_empty() {
            message += &format!(
                "; not tested (no values, different types or too many labels): {}",
                crate::core::text::list(&untested)
            );
        }
        Ok(Outcome {
            ok: drifted.is_empty(),
            observed: json!(drifted.len()),
            expected: match (r.threshold, &r.columns) {
                (Some(t), None) => format!("{metric} <= {} in every column", number_text(t.0)),
                _ => format!("{metric} within each column's threshold"),
            },
            message,
            evidence: drifted
                .into_iter()
                .take(EVIDENCE_COLUMNS)
                .map(|d| d.1)
                .collect(),
        })
    }
}
