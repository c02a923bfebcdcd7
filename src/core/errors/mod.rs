//! The build-regression engine (Errors workspace): error events in, per-bin counts per
//! build and code, and regression alerts out. A deterministic, causal fold: feed events in
//! time order (or move the clock with [`ErrorEngine::advance_to`]) and alerts start and stop
//! as the stream moves; the same events always give the same state.

pub mod aggregate;
pub mod alerts;
pub mod cumulative;
pub mod heatmap;
pub mod live;
pub mod mean_threshold;
mod mixture;
pub mod read;
pub mod recent;
mod records;
mod roles;
pub mod snapshot;

use std::fmt;

pub use aggregate::{default_bin_seconds, Aggregator, Bin};
pub use alerts::{
    group_thousands, is_new_code, new_code_text, Alert, AlertSample, Method, MAX_ALERT_SAMPLES,
};
pub use cumulative::CumulativeTest;
pub use mean_threshold::MeanThreshold;
#[cfg(not(target_arch = "wasm32"))]
pub use read::read_path;
pub use read::{read_bytes, ErrorStream, ReadError, ReadOptions, Roles, RowProblem};
pub use recent::RecentTest;

use crate::core::event::{ErrorEvent, Event};
use crate::core::time::format_stream_seconds;

/// Which evidence the rate test weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Recent evidence (default): fresh tests every few seconds, summed (see [`recent`]);
    /// expected false alerts at most `false_alarm_rate` per code-hour.
    Recent,
    /// All evidence since the stream started (see [`cumulative`]); the probability of any
    /// false alarm at most `alpha`.
    Cumulative,
}

impl Evidence {
    /// Parse `recent` or `cumulative`.
    pub fn parse(s: &str) -> Option<Evidence> {
        match s {
            "recent" => Some(Evidence::Recent),
            "cumulative" => Some(Evidence::Cumulative),
            _ => None,
        }
    }

    /// The name `parse` reads.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Recent => "recent",
            Evidence::Cumulative => "cumulative",
        }
    }
}

/// Valid range of `false_alarm_rate` (expected false alerts per code-hour); the error
/// message spells it out.
pub const FALSE_ALARM_RATE_RANGE: (f64, f64) = (1e-9, 1.0);

/// Valid range of `restart_seconds`.
pub const RESTART_SECONDS_RANGE: (u32, u32) = (1, 3600);

/// Engine settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Config {
    /// Build id of the baseline.
    pub baseline: u32,
    /// Build id of the candidate.
    pub candidate: u32,
    /// Bin width in seconds (≥ 1).
    pub bin_seconds: u32,
    /// The detector.
    pub method: Method,
    /// rate-test: which evidence it weighs.
    pub evidence: Evidence,
    /// rate-test, recent evidence: expected false alerts per code per hour of stream, at most.
    pub false_alarm_rate: f64,
    /// rate-test, recent evidence: seconds between fresh tests of a code.
    pub restart_seconds: u32,
    /// rate-test, cumulative evidence: overall false-alarm probability over all codes and looks.
    pub alpha: f64,
    /// mean-threshold: the ratio threshold.
    pub threshold: f64,
    /// mean-threshold: window lengths in bins.
    pub windows: Vec<u32>,
}

impl Config {
    /// Defaults: rate-test on recent evidence, at most 0.01 expected false alerts per
    /// code-hour with a fresh test every 10 s (cumulative: α = 0.01); mean-threshold 1.25
    /// over 5 and 10 bins.
    pub fn new(baseline: u32, candidate: u32, bin_seconds: u32) -> Self {
        Config {
            baseline,
            candidate,
            bin_seconds,
            method: Method::RateTest,
            evidence: Evidence::Recent,
            false_alarm_rate: recent::DEFAULT_FALSE_ALARM_RATE,
            restart_seconds: recent::DEFAULT_RESTART_SECONDS,
            alpha: 0.01,
            threshold: 1.25,
            windows: vec![5, 10],
        }
    }

    /// Defaults for a stream read from a file: its builds and the bin width from its span.
    pub fn for_stream(stream: &ErrorStream) -> Self {
        Config::new(
            stream.baseline,
            stream.candidate,
            default_bin_seconds(stream.span_seconds()),
        )
    }
}

/// Settings the engine cannot run with.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// Bin width of 0 seconds.
    ZeroBin,
    /// α outside (0, 1).
    Alpha(f64),
    /// A false-alarm rate outside [`FALSE_ALARM_RATE_RANGE`].
    FalseAlarmRate(f64),
    /// A restart interval outside [`RESTART_SECONDS_RANGE`].
    RestartSeconds(u32),
    /// A threshold that is not a positive number.
    Threshold(f64),
    /// No window, a window of 0 bins or over [`MAX_WINDOW_BINS`], or more than
    /// [`MAX_WINDOWS`] windows.
    Windows,
    /// A bin wider than [`MAX_BIN_SECONDS`].
    BinTooWide(u32),
    /// Baseline and candidate are the same build id.
    SameBuild,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroBin => write!(f, "--bin-seconds must be at least 1"),
            ConfigError::Alpha(a) => {
                write!(
                    f,
                    "--alpha (the false-alarm probability) must be between 0 and 1, got {a}"
                )
            }
            ConfigError::FalseAlarmRate(r) => write!(
                f,
                "--false-alarm-rate (expected false alerts per code-hour) must be from 1e-9 to 1, got {r}"
            ),
            ConfigError::RestartSeconds(g) => write!(
                f,
                "--restart-seconds must be a whole number of seconds from {} to {}, got {g}",
                RESTART_SECONDS_RANGE.0, RESTART_SECONDS_RANGE.1
            ),
            ConfigError::Threshold(t) => {
                write!(f, "--threshold must be a positive number, got {t}")
            }
            ConfigError::Windows => write!(
                f,
                "--windows needs 1 to {MAX_WINDOWS} window lengths of 1 to {MAX_WINDOW_BINS} bins, like 5,10"
            ),
            ConfigError::BinTooWide(b) => write!(
                f,
                "--bin-seconds must be from 1 to {MAX_BIN_SECONDS} (a day), got {b}"
            ),
            ConfigError::SameBuild => write!(f, "baseline and candidate must be different builds"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Longest mean-threshold window, in bins (a day of 10 s bins is 8,640).
pub const MAX_WINDOW_BINS: u32 = 10_000;
/// Most mean-threshold windows at once.
pub const MAX_WINDOWS: usize = 16;
/// Widest bin, seconds (a day).
pub const MAX_BIN_SECONDS: u32 = 86_400;

/// The regression engine: aggregation plus one detector.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorEngine {
    config: Config,
    agg: Aggregator,
    recent: RecentTest,
    cumulative: CumulativeTest,
    mean: MeanThreshold,
    alerts: Vec<Alert>,
    /// Alerts whose stop is not sampled yet (indices into `alerts`).
    sampling: Vec<usize>,
    /// Alerts given their first sample (the ones after are new).
    sampled: usize,
    /// The open second, None before the first event.
    second: Option<i64>,
    late: u64,
    ignored: u64,
    finished: bool,
}

impl ErrorEngine {
    /// An engine with these settings.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        if config.bin_seconds == 0 {
            return Err(ConfigError::ZeroBin);
        }
        if !(config.alpha > 0.0 && config.alpha < 1.0) {
            return Err(ConfigError::Alpha(config.alpha));
        }
        let (lo, hi) = FALSE_ALARM_RATE_RANGE;
        if !(config.false_alarm_rate >= lo && config.false_alarm_rate <= hi) {
            return Err(ConfigError::FalseAlarmRate(config.false_alarm_rate));
        }
        let (lo, hi) = RESTART_SECONDS_RANGE;
        if !(lo..=hi).contains(&config.restart_seconds) {
            return Err(ConfigError::RestartSeconds(config.restart_seconds));
        }
        if !(config.threshold.is_finite() && config.threshold > 0.0) {
            return Err(ConfigError::Threshold(config.threshold));
        }
        if config.bin_seconds > MAX_BIN_SECONDS {
            return Err(ConfigError::BinTooWide(config.bin_seconds));
        }
        // Checked before anything is allocated: each window keeps a buffer of its length.
        if config.windows.is_empty()
            || config.windows.len() > MAX_WINDOWS
            || config
                .windows
                .iter()
                .any(|&w| w == 0 || w > MAX_WINDOW_BINS)
        {
            return Err(ConfigError::Windows);
        }
        if config.baseline == config.candidate {
            return Err(ConfigError::SameBuild);
        }
        Ok(ErrorEngine {
            agg: Aggregator::new(config.bin_seconds),
            recent: RecentTest::new(
                config.alpha,
                config.false_alarm_rate,
                config.restart_seconds,
            ),
            cumulative: CumulativeTest::new(config.alpha),
            mean: MeanThreshold::new(config.threshold, &config.windows),
            alerts: Vec::new(),
            sampling: Vec::new(),
            sampled: 0,
            second: None,
            late: 0,
            ignored: 0,
            finished: false,
            config,
        })
    }

    /// Apply one stream event; metric events are not this engine's and are ignored.
    pub fn apply(&mut self, event: &Event) {
        if let Event::Error(e) = event {
            self.push(*e);
        }
    }

    /// Count one error event. Events of other builds are ignored (counted). An event older
    /// than the open second (out of order) is counted in the open second, because earlier
    /// seconds were already tested and the detectors never look back; it is counted as late.
    #[inline]
    pub fn push(&mut self, e: ErrorEvent) {
        let side = if e.build == self.config.baseline {
            0
        } else if e.build == self.config.candidate {
            1
        } else {
            self.ignored += 1;
            return;
        };
        if self.finished {
            self.late += 1;
            return;
        }
        let sec = e.t_ms.div_euclid(1000);
        match self.second {
            Some(open) if sec == open => {}
            Some(open) if sec < open => self.late += 1,
            _ => self.advance_second(sec),
        }
        self.agg.count(e.code, side);
    }

    /// Move the stream clock to `t_ms` with no event (a timer tick): every second before
    /// it is closed and tested, and bins that ended are closed.
    pub fn advance_to(&mut self, t_ms: i64) {
        let sec = t_ms.div_euclid(1000);
        if !self.finished && self.second.is_some_and(|open| sec > open) {
            self.advance_second(sec);
        }
    }

    /// End of stream: close the open second and bin. Alerts still open stay open.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        if self.second.is_some() {
            self.close_second();
            self.close_bins(None);
        }
        self.finished = true;
    }

    fn close_second(&mut self) {
        let Some(sec) = self.second else { return };
        self.agg.close_second();
        let agg = &self.agg;
        match (self.config.method, self.config.evidence) {
            (Method::RateTest, Evidence::Recent) => {
                for (&code, &counts) in agg.changed().iter().zip(agg.changed_counts()) {
                    let rank = agg.rank(code).unwrap_or(0);
                    let totals = agg.totals()[code as usize];
                    self.recent
                        .update(code, rank, counts, totals, sec, &mut self.alerts);
                }
            }
            (Method::RateTest, Evidence::Cumulative) => {
                for &code in agg.changed() {
                    let rank = agg.rank(code).unwrap_or(0);
                    let totals = agg.totals()[code as usize];
                    self.cumulative
                        .update(code, rank, totals, sec, &mut self.alerts);
                }
            }
            (Method::MeanThreshold, _) => {}
        }
        self.agg.clear_dirty();
        sample_new(&mut self.alerts, &mut self.sampling, &mut self.sampled);
    }

    fn close_bins(&mut self, next: Option<i64>) {
        let method = self.config.method;
        let bin_s = self.config.bin_seconds as i64;
        let (mean, alerts) = (&mut self.mean, &mut self.alerts);
        let (sampling, sampled) = (&mut self.sampling, &mut self.sampled);
        self.agg.close_bins_until(next, |bin, totals| {
            if method == Method::MeanThreshold {
                mean.on_bin(bin, totals.len(), bin_s, alerts);
            }
            sample_new(alerts, sampling, sampled);
            let end = bin.start_s + bin_s;
            sampling.retain(|&i| {
                let a = &mut alerts[i];
                a.record(a.stop_s.map_or(end, |s| s.min(end)));
                a.stop_s.is_none()
            });
        });
    }

    fn advance_second(&mut self, sec: i64) {
        self.close_second();
        let next_bin = self.agg.bin_of(sec);
        match self.agg.open_bin() {
            None => self.agg.open(next_bin),
            Some(open) if open != next_bin => self.close_bins(Some(next_bin)),
            Some(_) => {}
        }
        self.second = Some(sec);
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Alerts so far, in the order they were raised.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Closed bins, oldest first.
    pub fn bins(&self) -> &[Bin] {
        self.agg.bins()
    }

    /// `[baseline, candidate]` totals per code id over closed seconds.
    pub fn totals(&self) -> &[[u64; 2]] {
        self.agg.totals()
    }

    /// Events that arrived older than the open second (counted in the open second).
    pub fn late_events(&self) -> u64 {
        self.late
    }

    /// Events of builds that are neither baseline nor candidate.
    pub fn ignored_events(&self) -> u64 {
        self.ignored
    }
}

/// Gives each alert raised since the last call its first sample, dated at its raise, and
/// watches it until its stop is sampled.
fn sample_new(alerts: &mut [Alert], sampling: &mut Vec<usize>, sampled: &mut usize) {
    for (i, a) in alerts.iter_mut().enumerate().skip(*sampled) {
        a.record(a.raised_at_s);
        sampling.push(i);
    }
    *sampled = alerts.len();
}

/// Run a whole stream through a fresh engine and finish it.
pub fn analyze(stream: &ErrorStream, config: Config) -> Result<ErrorEngine, ConfigError> {
    let mut engine = ErrorEngine::new(config)?;
    for e in &stream.events {
        engine.push(*e);
    }
    engine.finish();
    Ok(engine)
}

/// One alert as a JSON line: `code` (label), `method`, `raised_at_s`, `start_s`, `stop_s`,
/// `value`, `ci_low`, `ci_high`, `p_value`, `threshold`, `window_bins`, counts, `new_code`
/// (the baseline has no events in the counts, so `value` is no ratio to read) and `state`.
pub fn alert_json(alert: &Alert, codes: &[String]) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        code: &'a str,
        method: Method,
        raised_at_s: i64,
        start_s: i64,
        stop_s: Option<i64>,
        value: f64,
        ci_low: Option<f64>,
        ci_high: Option<f64>,
        p_value: Option<f64>,
        threshold: f64,
        window_bins: Option<u32>,
        baseline_count: u64,
        candidate_count: u64,
        new_code: bool,
        state: &'a str,
    }
    let line = Line {
        code: codes.get(alert.code as usize).map_or("?", String::as_str),
        method: alert.method,
        raised_at_s: alert.raised_at_s,
        start_s: alert.start_s,
        stop_s: alert.stop_s,
        value: alert.value,
        ci_low: alert.ci_low,
        ci_high: alert.ci_high,
        p_value: alert.p_value,
        threshold: alert.threshold,
        window_bins: alert.window_bins,
        baseline_count: alert.baseline_count,
        candidate_count: alert.candidate_count,
        new_code: alert.is_new_code(),
        state: alert.state(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// One alert in the original plain format, one field a line. Numeric codes print as
/// `Error_Code_<n>`, other labels as they are; an open alert's stop prints as `open`; a
/// code with no baseline events in the alert's counts prints `Value: new: 0 → 1,352`.
pub fn alert_text(alert: &Alert, codes: &[String]) -> String {
    let title = match alert.method {
        Method::MeanThreshold => "Mean Threshold Exceeded",
        Method::RateTest => "Rate Test Significant",
    };
    let stop = alert
        .stop_s
        .map_or_else(|| "open".to_string(), format_stream_seconds);
    let threshold = match alert.method {
        Method::MeanThreshold => format!("Threshold: {}", alert.threshold),
        Method::RateTest => format!("P-Value: {:.3e}", alert.p_value.unwrap_or(1.0)),
    };
    let value = if alert.is_new_code() {
        new_code_text(alert.candidate_count)
    } else {
        round_value(alert.value).to_string()
    };
    format!(
        "Alert: {title}\nStart Timestamp: {}\nStop Timestamp: {stop}\nError Code: {}\nValue: {value}\n{threshold}\n",
        format_stream_seconds(alert.start_s),
        code_label(codes.get(alert.code as usize).map_or("?", String::as_str)),
    )
}

fn code_label(label: &str) -> std::borrow::Cow<'_, str> {
    if label.parse::<i64>().is_ok() {
        format!("Error_Code_{label}").into()
    } else {
        label.into()
    }
}

/// Values print with at most 3 decimals (`1.9`, not `1.9000000000000001`).
fn round_value(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
