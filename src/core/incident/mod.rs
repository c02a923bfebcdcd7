//! The incident engine (Incidents workspace): per-point anomaly evidence in, incidents with
//! a severity out. A deterministic fold over stream time: the same evidence and clock moves
//! always give the same incidents.
//!
//! **Rule.** Every constant is counted in the metric's own *steps* (the median spacing of
//! its recent points), so the same defaults work at any cadence. Each metric has an
//! accumulator that rises by 1 for every flagged point and halves every `half_life_steps`
//! steps. A metric is *over* from the moment its accumulator reaches the level that K
//! flagged points in a row reach, where K is the number of steps in `min_duration_ms`
//! bounded to `[min_points, max_points]`, until it decays below `close_threshold`
//! (hysteresis: a metric hovering at the bar stays over instead of flapping). While any
//! counted metric is over an incident is open: severity 2 with one metric over, severity 1
//! as soon as `sev1_metrics` are over at once (an open severity 2 escalates; it never opens
//! a second incident). When no metric has been over for `quiet_steps` steps the incident
//! resolves; its end is the moment the last metric fell back.
//!
//! With the defaults (about five minutes, 2 to 5 points, half-life 5 steps, close at 1,
//! quiet 5 steps): K is 5 at every step up to a minute and 2 at 5 min; a single flagged
//! point never opens anything, and a lasting fault opens an incident within five steps at
//! every cadence.
//!
//! Regression alerts from the Errors engine open incidents too ([`IncidentEngine::sync_error_alerts`]).

mod alerts;
mod card;
mod checks;
mod config;
mod evidence;
pub mod export;
mod group;
pub mod notes;
mod reason;
mod rules;

pub use alerts::AlertPeak;
pub use card::{AnomalyRecord, Incident, IncidentError, IncidentSource, IncidentState};
pub use checks::CheckOutcome;
pub use config::{ConfigError, IncidentConfig};
pub use evidence::Evidence;
pub use group::{group_incidents, group_uids, GroupConfig, IncidentGroup};
pub use rules::RuleOutcome;

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Per-metric accumulator and the run of anomalies it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Accumulator {
    level: f64,
    at_ms: i64,
    over: bool,
    /// When it last fell below the close threshold after being over.
    under_since: Option<i64>,
    run_anomalies: u64,
    run_start_ms: Option<i64>,
    run_peak: f64,
    /// Time of the metric's last evidence, and its recent spacings (for its step).
    #[serde(default)]
    last_ms: Option<i64>,
    #[serde(default)]
    gaps: VecDeque<i64>,
    /// The metric's step: the median of `gaps` (0 until two points were seen).
    #[serde(default)]
    step_ms: f64,
}

/// Spacings the step is the median of.
const STEP_GAPS: usize = 15;
/// The step assumed before a metric has shown two points.
const DEFAULT_STEP_MS: f64 = 1000.0;

/// Below this level a metric's accumulator is at rest: its run of anomalies is over
/// (a lone full-score anomaly takes about 4.3 half-lives to get here).
const REST_LEVEL: f64 = 0.05;
/// Levels kept from before an incident opens, so its sparkline shows the rise.
const LEAD_POINTS: usize = 8;

impl Accumulator {
    fn new(t_ms: i64) -> Self {
        Accumulator {
            level: 0.0,
            at_ms: t_ms,
            over: false,
            under_since: None,
            run_anomalies: 0,
            run_start_ms: None,
            run_peak: 0.0,
            last_ms: None,
            gaps: VecDeque::new(),
            step_ms: 0.0,
        }
    }

    /// The metric's step in ms (a default until it has one).
    fn step(&self) -> f64 {
        if self.step_ms > 0.0 {
            self.step_ms
        } else {
            DEFAULT_STEP_MS
        }
    }

    /// Learns the spacing to a point at `t_ms`.
    fn observe(&mut self, t_ms: i64) {
        if let Some(last) = self.last_ms {
            let gap = t_ms.saturating_sub(last);
            if gap > 0 {
                if self.gaps.len() == STEP_GAPS {
                    self.gaps.pop_front();
                }
                self.gaps.push_back(gap);
                let mut g: Vec<i64> = self.gaps.iter().copied().collect();
                g.sort_unstable();
                self.step_ms = g[g.len() / 2] as f64;
            }
        }
        self.last_ms = Some(self.last_ms.map_or(t_ms, |l| l.max(t_ms)));
    }

    fn half_life_ms(&self, config: &IncidentConfig) -> f64 {
        config.half_life_steps * self.step()
    }

    fn level_at(&self, t_ms: i64, config: &IncidentConfig) -> f64 {
        let dt = t_ms.saturating_sub(self.at_ms).max(0) as f64;
        self.level * (-dt / self.half_life_ms(config)).exp2()
    }

    /// The level at which this metric goes over, at its cadence.
    fn open_level(&self, config: &IncidentConfig) -> f64 {
        // A hair below: K flags one step apart reach the level up to rounding.
        config.open_level(config.points_to_open(self.step())) * (1.0 - 1e-9)
    }
}

/// The incident engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEngine {
    config: IncidentConfig,
    names: Vec<String>,
    accumulators: BTreeMap<u32, Accumulator>,
    incidents: Vec<Incident>,
    /// Index of the open metric incident.
    open: Option<usize>,
    /// When the last over metric of the open incident fell back.
    quiet_since: Option<i64>,
    lead: VecDeque<(i64, f64)>,
    log: VecDeque<AnomalyRecord>,
    now_ms: Option<i64>,
    next_id: u64,
}

impl IncidentEngine {
    /// An empty book with the default settings and no series names (a rules-only or
    /// errors book, or a fresh start).
    pub fn with_defaults() -> Self {
        IncidentEngine::new(IncidentConfig::default(), Vec::new())
            .expect("the default incident config is valid")
    }

    /// An engine; `names` label series ids in cards and exports (missing ones print as
    /// `series N`).
    pub fn new(config: IncidentConfig, names: Vec<String>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(IncidentEngine {
            config,
            names,
            accumulators: BTreeMap::new(),
            incidents: Vec::new(),
            open: None,
            quiet_since: None,
            lead: VecDeque::new(),
            log: VecDeque::new(),
            now_ms: None,
            next_id: 1,
        })
    }

    /// The settings.
    pub fn config(&self) -> &IncidentConfig {
        &self.config
    }

    /// Change the settings from now on (which metrics count, thresholds, ...); accumulators
    /// and incidents are kept.
    pub fn set_config(&mut self, config: IncidentConfig) -> Result<(), ConfigError> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Series names by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Rename series (when the user edits metrics); existing incidents keep their names.
    pub fn set_names(&mut self, names: Vec<String>) {
        self.names = names;
    }

    /// The name of series `id`.
    pub fn name(&self, id: u32) -> String {
        self.names
            .get(id as usize)
            .cloned()
            .unwrap_or_else(|| format!("series {id}"))
    }

    /// Every incident, oldest first.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// Incidents for the cards: newest first, optionally only one severity and/or state.
    pub fn filtered(&self, severity: Option<u8>, state: Option<IncidentState>) -> Vec<&Incident> {
        self.incidents
            .iter()
            .rev()
            .filter(|i| severity.is_none_or(|s| i.severity == s))
            .filter(|i| state.is_none_or(|s| i.state == s))
            .collect()
    }

    /// The newest anomalies (at most `anomaly_log_len`), oldest first.
    pub fn anomaly_log(&self) -> impl ExactSizeIterator<Item = &AnomalyRecord> + '_ {
        self.log.iter()
    }

    /// A metric's accumulator level at the engine's clock (0 for a series never seen).
    pub fn level(&self, series: u32) -> f64 {
        match (self.accumulators.get(&series), self.now_ms) {
            (Some(a), Some(now)) => a.level_at(now, &self.config),
            _ => 0.0,
        }
    }

    /// The engine's stream clock (None before anything happened).
    pub fn now_ms(&self) -> Option<i64> {
        self.now_ms
    }

    /// Mark an incident acknowledged.
    pub fn acknowledge(&mut self, id: u64) -> Result<(), IncidentError> {
        self.set_acknowledged(id, true)
    }

    /// Mark an incident acknowledged or not (the user took an acknowledgement back).
    pub fn set_acknowledged(&mut self, id: u64, on: bool) -> Result<(), IncidentError> {
        self.find(id)?.acknowledged = on;
        Ok(())
    }

    /// Set an incident's note (replacing the previous one).
    pub fn set_note(&mut self, id: u64, text: &str) -> Result<(), IncidentError> {
        self.find(id)?.note = text.to_string();
        Ok(())
    }

    fn find(&mut self, id: u64) -> Result<&mut Incident, IncidentError> {
        self.incidents
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(IncidentError::UnknownId(id))
    }

    fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Fold one judged point. Evidence older than the engine's clock counts at the clock
    /// (accumulators never run backwards).
    pub fn apply(&mut self, ev: &Evidence) {
        let t = self.now_ms.map_or(ev.t_ms, |now| now.max(ev.t_ms));
        self.advance_to(t);
        self.now_ms = Some(t);
        let counted = self.config.counts(ev.series);
        let acc = self
            .accumulators
            .entry(ev.series)
            .or_insert_with(|| Accumulator::new(t));
        acc.observe(ev.t_ms);
        acc.level = acc.level_at(t, &self.config);
        acc.at_ms = t;
        if acc.level < REST_LEVEL && !acc.over {
            acc.run_anomalies = 0;
            acc.run_start_ms = None;
            acc.run_peak = 0.0;
        }
        let deviation = ev.deviation();
        if ev.anomaly {
            acc.level += 1.0;
            acc.run_anomalies += 1;
            acc.run_start_ms.get_or_insert(t);
            acc.run_peak = acc.run_peak.max(deviation);
        }
        let crossed = counted && !acc.over && acc.level >= acc.open_level(&self.config);
        if crossed {
            acc.over = true;
            acc.under_since = None;
            self.join(ev.series, t);
        } else if ev.anomaly && counted {
            if let Some(k) = self.open {
                let inc = &mut self.incidents[k];
                if inc.series.contains(&ev.series) {
                    inc.anomaly_count += 1;
                    inc.peak_deviation = inc.peak_deviation.max(deviation);
                }
            }
        }
        if ev.anomaly {
            let incident = self.open.and_then(|k| {
                let inc = &self.incidents[k];
                inc.series.contains(&ev.series).then_some(inc.id)
            });
            while !self.log.is_empty() && self.log.len() >= self.config.anomaly_log_len {
                self.log.pop_front();
            }
            if self.config.anomaly_log_len > 0 {
                self.log.push_back(AnomalyRecord {
                    evidence: *ev,
                    incident,
                });
            }
        }
        self.record_level(t);
    }

    /// Series `series` just went over at `t`: open an incident, or add it to the open one
    /// and escalate when enough metrics are over at once.
    fn join(&mut self, series: u32, t: i64) {
        let acc = &self.accumulators[&series];
        let (run_count, run_start, run_peak) = (
            acc.run_anomalies,
            acc.run_start_ms.unwrap_or(t),
            acc.run_peak,
        );
        let over = self
            .accumulators
            .iter()
            .filter(|(s, a)| a.over && self.config.counts(**s))
            .count();
        let severity = if over >= self.config.sev1_metrics {
            1
        } else {
            2
        };
        let name = self.name(series);
        self.quiet_since = None;
        match self.open {
            Some(k) => {
                let inc = &mut self.incidents[k];
                inc.severity = inc.severity.min(severity);
                if !inc.series.contains(&series) {
                    inc.series.push(series);
                    inc.metrics.push(name);
                    inc.anomaly_count += run_count;
                    inc.start_ms = inc.start_ms.min(run_start);
                } else {
                    // Back over within the quiet time: only the newest anomaly is new.
                    inc.anomaly_count += 1;
                }
                inc.peak_deviation = inc.peak_deviation.max(run_peak);
            }
            None => {
                let id = self.new_id();
                self.incidents.push(Incident {
                    id,
                    severity,
                    state: IncidentState::Open,
                    source: IncidentSource::Metrics,
                    metrics: vec![name],
                    series: vec![series],
                    start_ms: run_start,
                    opened_ms: t,
                    end_ms: None,
                    duration_ms: t.saturating_sub(run_start),
                    peak_deviation: run_peak,
                    anomaly_count: run_count,
                    sparkline: Vec::new(),
                    acknowledged: false,
                    note: String::new(),
                    silenced: None,
                });
                let k = self.incidents.len() - 1;
                for &p in &self.lead {
                    push_bounded(
                        &mut self.incidents[k].sparkline,
                        p,
                        self.config.sparkline_len,
                    );
                }
                self.open = Some(k);
            }
        }
    }

    /// The highest counted accumulator at `t`, kept for sparklines.
    fn record_level(&mut self, t: i64) {
        let level = self
            .accumulators
            .iter()
            .filter(|(s, _)| self.config.counts(**s))
            .map(|(_, a)| a.level_at(t, &self.config))
            .fold(0.0, f64::max);
        if self.lead.back().is_some_and(|&(bt, _)| bt == t) {
            self.lead.pop_back();
        }
        if self.lead.len() == LEAD_POINTS {
            self.lead.pop_front();
        }
        self.lead.push_back((t, level));
        if let Some(k) = self.open {
            let cap = self.config.sparkline_len;
            push_bounded(&mut self.incidents[k].sparkline, (t, level), cap);
        }
    }

    /// Move the stream clock to `t_ms` with no evidence (a timer tick): metrics decay,
    /// fall back below the close threshold, and the open incident may resolve.
    pub fn advance_to(&mut self, t_ms: i64) {
        if self.now_ms.is_some_and(|now| t_ms <= now) {
            return;
        }
        self.now_ms = Some(t_ms);
        let close = self.config.close_threshold;
        for acc in self.accumulators.values_mut() {
            if acc.over && acc.level_at(t_ms, &self.config) < close {
                acc.over = false;
                // The exact moment it fell back, so the state does not depend on how often
                // the clock is advanced.
                let ahead = (acc.half_life_ms(&self.config) * (acc.level / close).log2()).ceil();
                let ahead = if ahead.is_finite() {
                    ahead.max(0.0) as i64
                } else {
                    0
                };
                acc.under_since = Some((acc.at_ms.saturating_add(ahead)).min(t_ms));
            }
        }
        let Some(k) = self.open else { return };
        let counts = |s: &u32| self.config.counts(*s);
        let still_over = self.accumulators.iter().any(|(s, a)| a.over && counts(s));
        if still_over {
            self.quiet_since = None;
        } else {
            let fell_back = self.incidents[k]
                .series
                .iter()
                .filter_map(|s| self.accumulators.get(s).and_then(|a| a.under_since))
                .max()
                .unwrap_or(t_ms);
            let since = *self.quiet_since.get_or_insert(fell_back);
            let step = self.incidents[k]
                .series
                .iter()
                .filter_map(|s| self.accumulators.get(s))
                .map(Accumulator::step)
                .fold(0.0, f64::max);
            let quiet_ms = (self.config.quiet_steps * step).round() as i64;
            if t_ms.saturating_sub(since) >= quiet_ms {
                let inc = &mut self.incidents[k];
                inc.state = IncidentState::Resolved;
                inc.end_ms = Some(since);
                inc.duration_ms = since.saturating_sub(inc.start_ms);
                // The anomalies were this incident's: a later one starts a fresh run even
                // before the accumulator is back at rest.
                for s in &inc.series {
                    if let Some(a) = self.accumulators.get_mut(s) {
                        a.run_anomalies = 0;
                        a.run_start_ms = None;
                        a.run_peak = 0.0;
                    }
                }
                self.open = None;
                self.quiet_since = None;
                return;
            }
        }
        let inc = &mut self.incidents[k];
        inc.duration_ms = t_ms.saturating_sub(inc.start_ms);
    }
}

/// Append to a sparkline of at most `cap` points; when full, neighbours are merged in
/// pairs (keeping the higher level) so the line keeps its whole time span.
fn push_bounded(line: &mut Vec<(i64, f64)>, point: (i64, f64), cap: usize) {
    if let Some(last) = line.last_mut().filter(|p| p.0 == point.0) {
        // Several metrics judged at one tick: the last level at that time covers them all.
        *last = point;
        return;
    }
    if line.len() >= cap && !line.is_empty() {
        // The first point stays, so the line keeps its start.
        let merged: Vec<(i64, f64)> = std::iter::once(line[0])
            .chain(line[1..].chunks(2).map(|p| {
                p.iter()
                    .copied()
                    .fold(p[0], |best, q| if q.1 > best.1 { q } else { best })
            }))
            .collect();
        *line = merged;
    }
    line.push(point);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_stays_bounded_and_keeps_the_peak() {
        let mut line = Vec::new();
        for cap in [3, 4, 16] {
            line.clear();
            for i in 0..1000 {
                push_bounded(&mut line, (i, if i == 500 { 9.0 } else { 1.0 }), cap);
                assert!(line.len() <= cap);
            }
            assert!(line.contains(&(500, 9.0)), "{cap}: {line:?}");
            assert_eq!(line.first().unwrap().0, 0);
        }
    }
}
