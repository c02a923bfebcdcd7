//! Incidents from the Errors engine's regression alerts.
//!
//! One incident per episode of (code, method): alerts of the same code and method whose
//! open periods overlap or chain (mean-threshold raises one per window length) form one
//! episode and one incident, which stays open while any of them is open and resolves when
//! the last one stops. A code that regresses again after resolving opens a new incident.
//!
//! **Severity rule.** Severity 1 when some alert of the episode has strong evidence of a
//! large regression at volume: the rate ratio's lower 95% bound (`ci_low`; the window mean
//! for mean-threshold, which has no interval) is at least `alert_sev1_ratio` (default 2:
//! the candidate at least doubled the code, with 95% confidence) **and** the candidate has
//! at least `alert_sev1_events` events of the code (default 100, so a handful of events
//! never pages anyone). Otherwise severity 2. Like metric incidents, it only escalates.
//!
//! The severity, its deciding figures, the peak and the sparkline are folded from the
//! samples the Errors engine keeps of each alert (at its raise, each bin end, its stop), so
//! a book synced every frame while the stream plays and one synced once after a seek agree.

use serde::{Deserialize, Serialize};

use crate::core::errors::{Alert, AlertSample, Method};

use super::{Incident, IncidentEngine, IncidentSource, IncidentState};

/// The alert figures that set an error incident's severity: the strongest evidence among
/// the engine's samples of its alerts (at each raise, each bin end and each stop), among
/// those of the severity it has (a severity 1 keeps the
/// figures that met the bar even after the ratio falls back, so the card can say so).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertPeak {
    /// Stream ms the figures were read (a sample's time).
    pub at_ms: i64,
    /// The severity these figures give under the rule.
    pub severity: u8,
    /// Rate ratio (mean-threshold: the window mean).
    pub ratio: f64,
    /// Lower 95% bound of the ratio (rate-test only).
    pub ci_low: Option<f64>,
    /// Candidate events of the code.
    pub candidate_count: u64,
}

impl AlertPeak {
    /// The figure the rule compares with its ratio bar: the lower bound, else the ratio.
    pub fn evidence(&self) -> f64 {
        self.ci_low.unwrap_or(self.ratio)
    }

    /// Whether `self` decides a severity rather than `other`: a more severe one, or the
    /// same severity with stronger evidence (the earlier one on a tie).
    fn beats(&self, other: &AlertPeak) -> bool {
        self.severity < other.severity
            || (self.severity == other.severity && self.evidence() > other.evidence())
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::RateTest => "rate-test",
        Method::MeanThreshold => "mean-threshold",
    }
}

/// Alerts of one (code, method) that overlap in time.
struct Episode {
    raised_s: i64,
    start_s: i64,
    end_s: Option<i64>,
    peak: f64,
    latest: usize,
    severity: u8,
    /// The alert figures that decide the severity, as read now.
    decided: AlertPeak,
    /// The members' samples (stream ms, value), for the sparkline.
    line: Vec<(i64, f64)>,
}

impl IncidentEngine {
    /// Severity of one alert under the configured rule (see the module doc).
    pub fn alert_severity(&self, alert: &Alert) -> u8 {
        self.reading(&alert.figures(alert.raised_at_s)).severity
    }

    /// One alert reading under the severity rule.
    fn reading(&self, s: &AlertSample) -> AlertPeak {
        let severity = if s.evidence() >= self.config.alert_sev1_ratio
            && s.candidate_count >= self.config.alert_sev1_events
        {
            1
        } else {
            2
        };
        AlertPeak {
            at_ms: s.at_s.saturating_mul(1000),
            severity,
            ratio: s.value,
            ci_low: s.ci_low,
            candidate_count: s.candidate_count,
        }
    }

    /// What an alert's severity is decided on: the engine's samples of it (a function of
    /// the events, whenever the book is synced), or for an alert made outside the engine,
    /// with none, its figures now (dated at its stop once stopped).
    fn readings(&self, a: &Alert, now_s: i64) -> Vec<AlertPeak> {
        if a.samples.is_empty() {
            vec![self.reading(&a.figures(a.stop_s.unwrap_or(now_s).min(now_s)))]
        } else {
            a.samples.iter().map(|s| self.reading(s)).collect()
        }
    }

    /// Open, update or resolve one incident per episode of (code, method) from the Errors
    /// engine's alerts (all of them, as [`crate::core::errors::ErrorEngine::alerts`] returns),
    /// with `codes` the stream's code labels and `now_s` its clock in stream seconds.
    /// Calling it again with the same alerts changes nothing but durations.
    pub fn sync_error_alerts(&mut self, alerts: &[Alert], codes: &[String], now_s: i64) {
        let label = |c: u32| {
            codes
                .get(c as usize)
                .cloned()
                .unwrap_or_else(|| format!("code {c}"))
        };
        // Keys in order of first appearance, so new incidents get ids in a stable order.
        let mut keys: Vec<(u32, Method)> = Vec::new();
        for a in alerts {
            if !keys.contains(&(a.code, a.method)) {
                keys.push((a.code, a.method));
            }
        }
        let now_ms = now_s.saturating_mul(1000);
        let mut all: Vec<(Episode, u32, Method)> = Vec::new();
        for (code, method) in keys {
            let mut group: Vec<usize> = (0..alerts.len())
                .filter(|&i| alerts[i].code == code && alerts[i].method == method)
                .collect();
            group.sort_by_key(|&i| alerts[i].raised_at_s);
            let mut episodes: Vec<Episode> = Vec::new();
            for i in group {
                let a = &alerts[i];
                let readings = self.readings(a, now_s);
                let sev = readings.iter().map(|r| r.severity).min().unwrap_or(2);
                let best = readings
                    .iter()
                    .copied()
                    .reduce(|best, r| if r.beats(&best) { r } else { best })
                    .unwrap_or_else(|| self.reading(&a.figures(now_s)));
                let peak = readings.iter().map(|r| r.ratio).fold(f64::MIN, f64::max);
                match episodes.last_mut() {
                    Some(e) if e.end_s.is_none_or(|end| a.raised_at_s <= end) => {
                        e.start_s = e.start_s.min(a.start_s);
                        e.end_s = match (e.end_s, a.stop_s) {
                            (Some(x), Some(y)) => Some(x.max(y)),
                            _ => None,
                        };
                        e.peak = e.peak.max(peak);
                        e.latest = i;
                        e.severity = e.severity.min(sev);
                        if best.beats(&e.decided) {
                            e.decided = best;
                        }
                        e.line
                            .extend(a.samples.iter().map(|s| (s.at_s * 1000, s.value)));
                    }
                    _ => episodes.push(Episode {
                        raised_s: a.raised_at_s,
                        start_s: a.start_s.min(a.raised_at_s),
                        end_s: a.stop_s,
                        peak,
                        latest: i,
                        severity: sev,
                        decided: best,
                        line: a.samples.iter().map(|s| (s.at_s * 1000, s.value)).collect(),
                    }),
                }
            }
            all.extend(episodes.into_iter().map(|e| (e, code, method)));
        }
        // New incidents take ids in the order their episodes were raised, as a book synced
        // while the stream played would give them; a stable sort keeps ties in key order.
        all.sort_by_key(|(e, _, _)| e.raised_s);
        for (e, code, method) in all {
            self.apply_episode(&e, &alerts[e.latest], &label(code), method, now_ms);
        }
    }

    fn apply_episode(
        &mut self,
        e: &Episode,
        latest: &Alert,
        code: &str,
        method: Method,
        now_ms: i64,
    ) {
        let method = method_name(method);
        let opened_ms = e.raised_s.saturating_mul(1000);
        let start_ms = e.start_s.saturating_mul(1000);
        let end_ms = e.end_s.map(|s| s.saturating_mul(1000));
        let mut source = IncidentSource::ErrorAlert {
            code: code.to_string(),
            method: method.to_string(),
            ratio: latest.value,
            ci_low: latest.ci_low,
            baseline_count: latest.baseline_count,
            candidate_count: latest.candidate_count,
            decided: Some(e.decided),
        };
        let state = if end_ms.is_some() {
            IncidentState::Resolved
        } else {
            IncidentState::Open
        };
        let duration_ms = end_ms
            .unwrap_or(now_ms.max(start_ms))
            .saturating_sub(start_ms);
        let point = (end_ms.unwrap_or(now_ms.max(opened_ms)), latest.value);
        let cap = self.config.sparkline_len;
        let existing = self.incidents.iter_mut().find(|i| {
            i.opened_ms == opened_ms
                && matches!(&i.source, IncidentSource::ErrorAlert { code: c, method: m, .. }
                    if c == code && m == method)
        });
        match existing {
            Some(inc) => {
                // Severity only escalates: the figures that set it stay until stronger ones
                // come (a ratio that falls back does not take the reason away).
                if let (
                    IncidentSource::ErrorAlert {
                        decided: Some(was), ..
                    },
                    IncidentSource::ErrorAlert { decided: now, .. },
                ) = (&inc.source, &mut source)
                {
                    if !now.is_some_and(|n| n.beats(was)) {
                        *now = Some(*was);
                    }
                }
                inc.severity = inc.severity.min(e.severity);
                inc.state = state;
                inc.end_ms = end_ms;
                inc.start_ms = start_ms;
                inc.duration_ms = duration_ms;
                inc.peak_deviation = inc.peak_deviation.max(e.peak);
                inc.anomaly_count = latest.candidate_count;
                inc.source = source;
                match sparkline(&e.line, cap) {
                    Some(line) => inc.sparkline = line,
                    None => {
                        if inc
                            .sparkline
                            .last()
                            .is_none_or(|&(t, v)| t < point.0 && v != point.1)
                        {
                            super::push_bounded(&mut inc.sparkline, point, cap);
                        }
                    }
                }
            }
            None => {
                let id = self.new_id();
                self.incidents.push(Incident {
                    id,
                    severity: e.severity,
                    state,
                    source,
                    metrics: vec![code.to_string()],
                    series: Vec::new(),
                    start_ms,
                    opened_ms,
                    end_ms,
                    duration_ms,
                    peak_deviation: e.peak,
                    anomaly_count: latest.candidate_count,
                    sparkline: sparkline(&e.line, cap).unwrap_or_else(|| vec![point]),
                    acknowledged: false,
                    note: String::new(),
                    silenced: None,
                });
            }
        }
    }
}

/// The sparkline of an episode from its members' samples, oldest first, one point a time
/// (the highest), thinned to `cap` like every sparkline; None without samples.
fn sparkline(samples: &[(i64, f64)], cap: usize) -> Option<Vec<(i64, f64)>> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut line = Vec::with_capacity(cap);
    for p in sorted {
        // Equal times sort lowest first, so the highest one is kept.
        super::push_bounded(&mut line, p, cap);
    }
    Some(line)
}
