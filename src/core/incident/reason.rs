//! What decided an incident's severity, in one sentence for its card: severity is decided at
//! an episode's peak and only escalates, so the figures a card shows now (the latest ratio,
//! say) may sit under the bar that made it severity 1; this sentence names the figures that
//! did.

use super::{Incident, IncidentConfig, IncidentSource};
use crate::core::time::format_stream_ms;

impl Incident {
    /// Why this incident has its severity, under `config` (the book's rules), or None for
    /// sources whose severity is fixed (checks, rules) or an error incident kept before its
    /// deciding figures were.
    ///
    /// ```
    /// use pipescope::core::errors::{Alert, Method};
    /// use pipescope::core::incident::{IncidentConfig, IncidentEngine};
    /// let mut book = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    /// let alert = Alert {
    ///     code: 0, method: Method::RateTest, window_bins: None, raised_at_s: 724,
    ///     start_s: 700, stop_s: None, value: 3.1, ci_low: Some(2.4), ci_high: Some(4.0),
    ///     p_value: Some(1e-6), threshold: 0.01, baseline_count: 50, candidate_count: 155,
    ///     samples: Vec::new(),
    /// };
    /// book.sync_error_alerts(&[alert], &["-10".to_string()], 730);
    /// let why = book.incidents()[0].severity_reason(book.config()).unwrap();
    /// assert_eq!(why, "severity 1: code -10's rate ratio 3.10× with a 95% lower bound of \
    ///     2.40 (bar 2) and 155 candidate events (at least 100) at 0:12:10");
    /// ```
    pub fn severity_reason(&self, config: &IncidentConfig) -> Option<String> {
        let sev = self.severity;
        match &self.source {
            IncidentSource::Metrics => Some(metrics_reason(self, config)),
            IncidentSource::ErrorAlert {
                code,
                decided: Some(d),
                ..
            } => {
                let at = format_stream_ms(d.at_ms);
                let bar = config.alert_sev1_ratio;
                let min = config.alert_sev1_events;
                let figure = match d.ci_low {
                    Some(lo) => format!(
                        "rate ratio {:.2}× with a 95% lower bound of {lo:.2}",
                        d.ratio
                    ),
                    None => format!("window mean {:.2}", d.ratio),
                };
                let n = d.candidate_count;
                Some(if sev == 1 {
                    format!(
                        "severity 1: code {code}'s {figure} (bar {bar}) and {n} candidate \
                         events (at least {min}) at {at}"
                    )
                } else {
                    let why = match (d.evidence() >= bar, n >= min) {
                        (false, false) => {
                            format!("stayed under the bar of {bar} and under {min} events")
                        }
                        (false, true) => format!("stayed under the bar of {bar}"),
                        _ => format!("met the bar of {bar} with fewer than {min} events"),
                    };
                    format!(
                        "severity 2: code {code}'s strongest evidence, {figure} and {n} \
                         candidate events at {at}, {why}"
                    )
                })
            }
            _ => None,
        }
    }
}

/// Metric incidents: severity counts the metrics over their bands at once.
fn metrics_reason(i: &Incident, config: &IncidentConfig) -> String {
    let need = config.sev1_metrics;
    let peak = format!("peak deviation {:.1}× the band", i.peak_deviation);
    match (i.severity, i.metrics.as_slice()) {
        (2, [one]) => format!(
            "severity 2: {one} went over its band at {} ({peak}); severity 1 takes {need} metrics over at once",
            format_stream_ms(i.opened_ms)
        ),
        (2, many) => format!(
            "severity 2: {} went over their bands, never {need} at once ({peak})",
            many.join(", ")
        ),
        (_, all) => format!(
            "severity 1: {need} metrics were over their bands at once ({}; {peak})",
            all.join(", ")
        ),
    }
}
