//! Incidents from data checks: a check that does not pass on a file opens an incident
//! (severity 1 for a check at level `fail`, 2 for `warn`), kept open while the check keeps
//! failing on the files that follow and resolved by the first file it passes on. One
//! incident per episode of a check, so a check that fails again after passing opens a new
//! one, as an error code that regresses again does.

use super::{Incident, IncidentEngine, IncidentSource, IncidentState};

/// One check's result on one file, as the incident book needs it (the checks module's
/// report maps onto this; the book does not depend on it).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The check's name, unique in its checks file.
    pub check: String,
    /// `fail` or `warn`: the level it was written with.
    pub level: String,
    /// Whether it passed.
    pub passed: bool,
    /// The column it looks at, if one.
    pub column: Option<String>,
    /// What was found, as text ("missing share 12.5%").
    pub observed: String,
    /// What the check asks for ("at most 5%").
    pub expected: String,
}

impl IncidentEngine {
    /// Opens, updates or resolves one incident per failing check from the outcomes of the
    /// checks run on `file` at `now_ms` (wall-clock epoch ms). Checks absent from
    /// `outcomes` leave their incidents as they are.
    pub fn sync_checks(&mut self, file: &str, outcomes: &[CheckOutcome], now_ms: i64) {
        for o in outcomes {
            let open = self.incidents.iter().position(|i| {
                i.state == IncidentState::Open
                    && matches!(&i.source, IncidentSource::Check { check, .. } if *check == o.check)
            });
            let severity = if o.level == "fail" { 1 } else { 2 };
            let source = IncidentSource::Check {
                check: o.check.clone(),
                level: o.level.clone(),
                column: o.column.clone(),
                observed: o.observed.clone(),
                expected: o.expected.clone(),
                file: file.to_string(),
            };
            match (open, o.passed) {
                (Some(k), true) => {
                    let inc = &mut self.incidents[k];
                    inc.state = IncidentState::Resolved;
                    inc.end_ms = Some(now_ms);
                    inc.duration_ms = now_ms.saturating_sub(inc.start_ms);
                }
                (Some(k), false) => {
                    let cap = self.config.sparkline_len;
                    let inc = &mut self.incidents[k];
                    inc.severity = inc.severity.min(severity);
                    inc.duration_ms = now_ms.saturating_sub(inc.start_ms);
                    inc.anomaly_count += 1;
                    inc.source = source;
                    super::push_bounded(&mut inc.sparkline, (now_ms, 1.0), cap);
                }
                (None, false) => {
                    let id = self.new_id();
                    self.incidents.push(Incident {
                        id,
                        severity,
                        state: IncidentState::Open,
                        source,
                        metrics: vec![o.check.clone()],
                        series: Vec::new(),
                        start_ms: now_ms,
                        opened_ms: now_ms,
                        end_ms: None,
                        duration_ms: 0,
                        peak_deviation: 1.0,
                        anomaly_count: 1,
                        sparkline: vec![(now_ms, 1.0)],
                        acknowledged: false,
                        note: String::new(),
                        silenced: None,
                    });
                }
                (None, true) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::incident::IncidentConfig;

    fn outcome(check: &str, level: &str, passed: bool) -> CheckOutcome {
        CheckOutcome {
            check: check.into(),
            level: level.into(),
            passed,
            column: Some("age".into()),
            observed: "missing 12%".into(),
            expected: "at most 5%".into(),
        }
    }

    #[test]
    fn a_failing_check_opens_once_and_resolves_when_it_passes() {
        let mut e = IncidentEngine::new(IncidentConfig::default(), Vec::new()).unwrap();
        e.sync_checks(
            "a.csv",
            &[
                outcome("nulls", "fail", false),
                outcome("rows", "warn", true),
            ],
            1_000,
        );
        assert_eq!(e.incidents().len(), 1);
        let i = &e.incidents()[0];
        assert_eq!(
            (i.severity, i.state, i.uid()),
            (1, IncidentState::Open, "checks-1".to_string())
        );
        // Failing again on the next file keeps the one incident.
        e.sync_checks("b.csv", &[outcome("nulls", "fail", false)], 2_000);
        assert_eq!(e.incidents().len(), 1);
        assert_eq!(e.incidents()[0].anomaly_count, 2);
        assert!(
            matches!(&e.incidents()[0].source, IncidentSource::Check { file, .. } if file == "b.csv")
        );
        e.sync_checks("c.csv", &[outcome("nulls", "fail", true)], 3_000);
        let i = &e.incidents()[0];
        assert_eq!(
            (i.state, i.end_ms, i.duration_ms),
            (IncidentState::Resolved, Some(3_000), 2_000)
        );
        // Failing after passing is a new episode; a warn is severity 2.
        e.sync_checks("d.csv", &[outcome("nulls", "warn", false)], 4_000);
        assert_eq!(e.incidents().len(), 2);
        assert_eq!(e.incidents()[1].severity, 2);
    }
}
