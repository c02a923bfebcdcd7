//! Incidents from user-written rules (core::rules): a rule firing on a target opens an
//! incident (source `rule`, the rule's name and condition, the value that crossed) kept
//! open until the rule resolves on that target; one incident per rule and target at a time.
//! Also the labels silences match on, and marking incidents silenced.

use super::{Incident, IncidentEngine, IncidentSource, IncidentState};

/// A rule firing or resolving on one target, as the book needs it (the rules evaluator
/// makes these; the book does not depend on it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleOutcome {
    /// The rule's name, unique in its file.
    pub rule: String,
    /// 1 or 2.
    pub severity: u8,
    /// The metric's name or the error code's label.
    pub target: String,
    /// The metric's series id (None for an error code).
    pub series: Option<u32>,
    /// The error code's label (None for a metric).
    pub code: Option<String>,
    /// The condition in words (`above 900 for 1m, recovers at 850`).
    pub condition: String,
    /// The value that crossed (firing) or recovered (resolving); seconds of silence for
    /// an absent rule.
    pub value: f64,
    /// Stream ms the breach began.
    pub start_ms: i64,
    /// Stream ms it fired or resolved.
    pub at_ms: i64,
    /// Fired (true) or resolved (false).
    pub firing: bool,
}

impl IncidentEngine {
    /// Opens an incident for each rule that fired and resolves the one of each rule that
    /// resolved, on its target.
    pub fn sync_rules(&mut self, outcomes: &[RuleOutcome]) {
        for o in outcomes {
            let open = self.incidents.iter().position(|i| {
                i.state == IncidentState::Open
                    && matches!(&i.source, IncidentSource::Rule { rule, target, .. }
                        if *rule == o.rule && *target == o.target)
            });
            match (open, o.firing) {
                (Some(k), false) => {
                    let inc = &mut self.incidents[k];
                    inc.state = IncidentState::Resolved;
                    inc.end_ms = Some(o.at_ms);
                    inc.duration_ms = o.at_ms.saturating_sub(inc.start_ms);
                    if o.value.is_finite() {
                        inc.sparkline.push((o.at_ms, o.value));
                    }
                }
                (None, true) => {
                    let id = self.new_id();
                    self.incidents.push(Incident {
                        id,
                        severity: o.severity,
                        state: IncidentState::Open,
                        source: IncidentSource::Rule {
                            rule: o.rule.clone(),
                            condition: o.condition.clone(),
                            target: o.target.clone(),
                            code: o.code.clone(),
                            value: o.value,
                        },
                        metrics: vec![o.target.clone()],
                        series: o.series.into_iter().collect(),
                        start_ms: o.start_ms,
                        opened_ms: o.at_ms,
                        end_ms: None,
                        duration_ms: o.at_ms.saturating_sub(o.start_ms),
                        peak_deviation: o.value,
                        anomaly_count: 1,
                        sparkline: vec![(o.at_ms, o.value)],
                        acknowledged: false,
                        note: String::new(),
                        silenced: None,
                    });
                }
                _ => {}
            }
        }
    }

    /// Marks silenced every open incident not yet marked that `by` silences (returning
    /// what silences it); a silenced incident stays in the book but no sink receives it.
    pub fn mark_silenced(&mut self, by: impl Fn(&Incident) -> Option<String>) {
        for inc in &mut self.incidents {
            if inc.state == IncidentState::Open && inc.silenced.is_none() {
                inc.silenced = by(inc);
            }
        }
    }
}

impl IncidentSource {
    /// What a rule's value says, for cards and alerts: `crossed at 950`, or for an absent
    /// rule (whose value is the seconds without a sample) `no sample for 10.1 s`; None for
    /// other sources.
    ///
    /// ```
    /// use pipescope::core::incident::IncidentSource;
    /// let absent = IncidentSource::Rule {
    ///     rule: "quiet".into(),
    ///     condition: "absent for 10s".into(),
    ///     target: "cpu".into(),
    ///     code: None,
    ///     value: 10.083,
    /// };
    /// assert_eq!(absent.rule_evidence().unwrap(), "no sample for 10.1 s");
    /// ```
    pub fn rule_evidence(&self) -> Option<String> {
        let IncidentSource::Rule {
            condition, value, ..
        } = self
        else {
            return None;
        };
        // The condition's words come from core::rules (`absent for 5m`).
        Some(if condition == crate::core::rules::FAILS_TEXT {
            "the check did not pass".to_string()
        } else if condition.starts_with("absent") {
            format!("no sample for {value:.1} s")
        } else {
            format!("crossed at {}", crate::core::rules::format_value(*value))
        })
    }
}

impl Incident {
    /// The labels silences match on: `source` (`metrics`, `error-alert`, `check` or
    /// `rule`), `severity` (`1` or `2`), one `metric` per metric, and `rule`, `code` and
    /// `check` where they apply.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("source", self.source.kind().to_string()),
            ("severity", self.severity.to_string()),
        ];
        match &self.source {
            IncidentSource::Metrics => {}
            IncidentSource::ErrorAlert { code, .. } => out.push(("code", code.clone())),
            IncidentSource::Check { check, .. } => out.push(("check", check.clone())),
            IncidentSource::Rule { rule, code, .. } => {
                out.push(("rule", rule.clone()));
                if let Some(c) = code {
                    out.push(("code", c.clone()));
                }
            }
        }
        let metrics = !matches!(
            &self.source,
            IncidentSource::ErrorAlert { .. } | IncidentSource::Rule { code: Some(_), .. }
        );
        if metrics {
            out.extend(self.metrics.iter().map(|m| ("metric", m.clone())));
        }
        out
    }
}
