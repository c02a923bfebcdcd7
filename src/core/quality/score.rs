//! The scoring definitions of the quality report, and the evaluation that applies them.
//!
//! - A point is *flagged* when the detector marks it an anomaly (outside the band).
//! - A window *matches* stream times `[start_ms, end_ms + grace)`, grace being
//!   [`ScoreConfig::grace_steps`] sampling steps: a flag just after a fault ends still
//!   belongs to it (the detector judges the first point after a spike against a band that
//!   has not moved yet, and a refit can land inside the fault).
//! - A *detection* is a run of flagged points in which consecutive flags are less than
//!   [`ScoreConfig::merge_steps`] steps apart: what a person looking at the chart would call
//!   one alarm. It is a true positive when its span `[first, last]` overlaps a matching
//!   window of a kind other than gap, a false positive when it overlaps none; one that
//!   overlaps only gap windows is a *gap alarm* (a false anomaly caused by missing data).
//! - A window is *detected* when at least one flagged point falls in its matching range;
//!   its *delay* is the first such point's time minus `start_ms`.
//! - An incident *opened for* a window when its `opened_ms` falls in the matching range.

use serde::{Deserialize, Serialize};

use crate::core::detect::{detect_series, Point};
use crate::core::incident::{Incident, IncidentConfig, IncidentEngine};
use crate::core::quality::real::QualityError;
use crate::core::quality::{LabelledSeries, Window};
use crate::core::simulator::InjectionKind;

/// The two tolerances of the definitions, in sampling steps of the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreConfig {
    /// Steps after a window's end during which a flag still counts for it (3).
    pub grace_steps: i64,
    /// Flags closer than this many steps belong to one detection (5).
    pub merge_steps: i64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            grace_steps: 3,
            merge_steps: 5,
        }
    }
}

/// One alarm: a run of flagged points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Time of its first flagged point.
    pub start_ms: i64,
    /// Time of its last flagged point.
    pub end_ms: i64,
    /// Flagged points in it.
    pub points: usize,
    /// Highest anomaly score in it.
    pub peak_score: f64,
    /// Index of the first non-gap window it overlaps (None: a false positive or gap alarm).
    pub window: Option<usize>,
    /// It overlaps a gap window and no other: a false anomaly caused by missing data.
    pub gap_alarm: bool,
}

/// What happened during one labelled window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowOutcome {
    /// The window.
    pub window: Window,
    /// First flagged point in the matching range.
    pub first_flag_ms: Option<i64>,
    /// Flagged points in the matching range.
    pub flagged_points: usize,
    /// Judged points inside the window proper, `[start, end)`.
    pub window_points: usize,
    /// Flagged points inside the window proper.
    pub window_flagged: usize,
    /// `first_flag_ms − start_ms`.
    pub delay_ms: Option<i64>,
    /// The delay in sampling steps.
    pub delay_steps: Option<f64>,
    /// An incident opened in the matching range.
    pub incident_opened: bool,
    /// Steps from the window's start to the first incident opened in its matching range.
    pub incident_delay_steps: Option<f64>,
}

impl WindowOutcome {
    /// At least one point was flagged in the matching range.
    pub fn detected(&self) -> bool {
        self.first_flag_ms.is_some()
    }
}

/// Everything measured on one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesScore {
    /// The series' name.
    pub name: String,
    /// Its metric or source.
    pub group: String,
    /// Its sampling step.
    pub step_ms: i64,
    /// Points judged (after training, value present).
    pub judged_points: usize,
    /// Stream time judged: from the first judged point to the last, plus one step.
    pub judged_ms: i64,
    /// Points flagged.
    pub flagged_points: usize,
    /// One outcome per labelled window, in label order.
    pub windows: Vec<WindowOutcome>,
    /// The detections, in time order.
    pub detections: Vec<Detection>,
    /// Incidents the engine opened.
    pub incidents: usize,
    /// Incidents that opened outside every non-gap window's matching range.
    pub false_incidents: usize,
    /// When each false incident opened.
    pub false_incident_ms: Vec<i64>,
}

impl SeriesScore {
    /// Detections matched to a (non-gap) window.
    pub fn true_positives(&self) -> usize {
        self.detections
            .iter()
            .filter(|d| d.window.is_some())
            .count()
    }

    /// Detections matched to no window at all.
    pub fn false_positives(&self) -> usize {
        self.detections
            .iter()
            .filter(|d| d.window.is_none() && !d.gap_alarm)
            .count()
    }

    /// Detections caused by missing data (overlapping only gap windows).
    pub fn gap_alarms(&self) -> usize {
        self.detections.iter().filter(|d| d.gap_alarm).count()
    }

    /// Judged stream time in hours.
    pub fn judged_hours(&self) -> f64 {
        self.judged_ms as f64 / 3_600_000.0
    }
}

/// Groups flagged points into detections: flags less than `merge_ms` apart join one run.
/// Points may come in any order; detections come out in time order, unmatched.
pub fn group_detections(points: &[Point], merge_ms: i64) -> Vec<Detection> {
    let mut flagged: Vec<(i64, f64)> = points
        .iter()
        .filter(|p| p.anomaly)
        .map(|p| (p.t_ms, p.score))
        .collect();
    flagged.sort_by_key(|f| f.0);
    let mut out: Vec<Detection> = Vec::new();
    for (t, score) in flagged {
        match out.last_mut() {
            Some(d) if t.saturating_sub(d.end_ms) < merge_ms => {
                d.end_ms = t;
                d.points += 1;
                d.peak_score = d.peak_score.max(score);
            }
            _ => out.push(Detection {
                start_ms: t,
                end_ms: t,
                points: 1,
                peak_score: score,
                window: None,
                gap_alarm: false,
            }),
        }
    }
    out
}

fn matching_end(w: &Window, grace_ms: i64) -> i64 {
    w.end_ms.saturating_add(grace_ms)
}

/// Scores the detector's `points` and the engine's `incidents` on `series` (see the module
/// documentation for the definitions).
pub fn score_points(
    series: &LabelledSeries,
    points: &[Point],
    incidents: &[Incident],
    config: &ScoreConfig,
) -> SeriesScore {
    let step = series.step_ms().max(1);
    let grace_ms = config.grace_steps.max(0).saturating_mul(step);
    let merge_ms = config.merge_steps.max(1).saturating_mul(step);
    let mut detections = group_detections(points, merge_ms);
    for d in &mut detections {
        let overlaps =
            |w: &Window| d.start_ms < matching_end(w, grace_ms) && d.end_ms >= w.start_ms;
        d.window = series
            .windows
            .iter()
            .position(|w| w.kind != InjectionKind::Gap && overlaps(w));
        d.gap_alarm = d.window.is_none()
            && series
                .windows
                .iter()
                .any(|w| w.kind == InjectionKind::Gap && overlaps(w));
    }
    let windows = series
        .windows
        .iter()
        .map(|w| {
            let end = matching_end(w, grace_ms);
            let inside = |t: i64| t >= w.start_ms && t < end;
            let first = points
                .iter()
                .filter(|p| p.anomaly && inside(p.t_ms))
                .map(|p| p.t_ms)
                .min();
            let flagged_points = points
                .iter()
                .filter(|p| p.anomaly && inside(p.t_ms))
                .count();
            let delay_ms = first.map(|f| f - w.start_ms);
            let proper: Vec<&Point> = points
                .iter()
                .filter(|p| {
                    p.t_ms >= w.start_ms
                        && p.t_ms < w.end_ms
                        && p.expected.is_some()
                        && p.value.is_finite()
                })
                .collect();
            WindowOutcome {
                window: w.clone(),
                first_flag_ms: first,
                flagged_points,
                window_points: proper.len(),
                window_flagged: proper.iter().filter(|p| p.anomaly).count(),
                delay_ms,
                delay_steps: delay_ms.map(|d| d as f64 / step as f64),
                incident_opened: incidents.iter().any(|i| inside(i.opened_ms)),
                incident_delay_steps: incidents
                    .iter()
                    .map(|i| i.opened_ms)
                    .filter(|&t| inside(t))
                    .min()
                    .map(|t| (t - w.start_ms) as f64 / step as f64),
            }
        })
        .collect();
    let false_incident_ms: Vec<i64> = incidents
        .iter()
        .filter(|i| {
            !series.windows.iter().any(|w| {
                w.kind != InjectionKind::Gap
                    && i.opened_ms >= w.start_ms
                    && i.opened_ms < matching_end(w, grace_ms)
            })
        })
        .map(|i| i.opened_ms)
        .collect();
    let judged: Vec<i64> = points
        .iter()
        .filter(|p| p.expected.is_some() && p.value.is_finite())
        .map(|p| p.t_ms)
        .collect();
    let judged_ms = match (judged.iter().min(), judged.iter().max()) {
        (Some(a), Some(b)) => b - a + step,
        _ => 0,
    };
    SeriesScore {
        name: series.name.clone(),
        group: series.group.clone(),
        step_ms: step,
        judged_points: judged.len(),
        judged_ms,
        flagged_points: points.iter().filter(|p| p.anomaly).count(),
        windows,
        detections,
        incidents: incidents.len(),
        false_incidents: false_incident_ms.len(),
        false_incident_ms,
    }
}

/// Runs the detector over `series` with its own [`crate::core::detect::DetectConfig`].
pub fn run_detector(series: &LabelledSeries) -> Result<Vec<Point>, QualityError> {
    detect_series(&series.detect, &series.times_ms, &series.values)
        .map_err(|e| QualityError::Detector(series.name.clone(), e))
}

/// Runs every judged point of `points` through a fresh incident engine, in time order,
/// and returns the incidents it opened.
pub fn run_incidents(
    points: &[Point],
    incidents: &IncidentConfig,
    name: &str,
) -> Result<Vec<Incident>, QualityError> {
    let mut engine = IncidentEngine::new(incidents.clone(), vec![name.to_string()])
        .map_err(QualityError::Incidents)?;
    let mut order: Vec<&Point> = points.iter().collect();
    order.sort_by_key(|p| p.t_ms);
    for p in &order {
        if let Some(ev) = p.evidence(0) {
            engine.advance_to(ev.t_ms);
            engine.apply(&ev);
        }
    }
    if let Some(last) = order.last() {
        engine.advance_to(last.t_ms);
    }
    Ok(engine.incidents().to_vec())
}

/// Runs the detector over `series`, then every judged point through an incident engine
/// with `incidents`' settings, and scores both.
pub fn evaluate(
    series: &LabelledSeries,
    incidents: &IncidentConfig,
    config: &ScoreConfig,
) -> Result<SeriesScore, QualityError> {
    let points = run_detector(series)?;
    let opened = run_incidents(&points, incidents, &series.group)?;
    Ok(score_points(series, &points, &opened, config))
}

/// What the same windows would score by chance: each faulty series' windows laid on a
/// clean series of the same group (round robin), with no fault in them. The share of such
/// windows "detected" is the recall a detector flagging at its clean rate gets for free.
pub fn chance_scores(
    faulty: &[LabelledSeries],
    clean: &[LabelledSeries],
    config: &ScoreConfig,
) -> Result<Vec<SeriesScore>, QualityError> {
    let mut clean_points = Vec::with_capacity(clean.len());
    for c in clean {
        clean_points.push(run_detector(c)?);
    }
    let mut next: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut out = Vec::new();
    for f in faulty {
        let same: Vec<usize> = (0..clean.len())
            .filter(|&i| clean[i].group == f.group)
            .collect();
        if same.is_empty() {
            continue;
        }
        let k = next.entry(f.group.as_str()).or_insert(0);
        let i = same[*k % same.len()];
        *k += 1;
        // A gap's own points are absent from the faulty series, so only the points after
        // it can be flagged there: lay just that part.
        let windows = f
            .windows
            .iter()
            .map(|w| Window {
                start_ms: if w.kind == InjectionKind::Gap {
                    w.end_ms
                } else {
                    w.start_ms
                },
                ..w.clone()
            })
            .collect();
        let laid = LabelledSeries {
            windows,
            name: f.name.clone(),
            ..clean[i].clone()
        };
        out.push(score_points(&laid, &clean_points[i], &[], config));
    }
    Ok(out)
}

/// Figures for one kind of incident (or one variant of it) over many series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindSummary {
    /// The kind.
    pub kind: InjectionKind,
    /// Labelled windows of the kind.
    pub windows: usize,
    /// Windows detected (for gaps: windows with false anomalies in their matching range).
    pub detected: usize,
    /// `detected / windows`; None for gaps, which the detector does not judge by design.
    pub recall: Option<f64>,
    /// Detections in the series labelled with only this kind (and variant).
    pub detections: usize,
    /// Of those, the ones matched to a window.
    pub true_detections: usize,
    /// `true_detections / detections`; None for gaps or when nothing was flagged.
    pub precision: Option<f64>,
    /// Median delay over detected windows, ms.
    pub median_delay_ms: Option<f64>,
    /// Median delay over detected windows, in sampling steps.
    pub median_delay_steps: Option<f64>,
    /// Flagged share of the judged points inside the windows proper.
    pub flagged_share: Option<f64>,
    /// Windows for which the incident engine opened an incident.
    pub incidents_opened: usize,
    /// Incidents opened in the series labelled with only this kind (and variant).
    pub incidents: usize,
    /// Of those, the ones that opened outside every window (false incidents).
    pub false_incidents: usize,
    /// Stream time judged in the series of this kind, hours.
    pub judged_hours: f64,
}

/// The median of `v` (mean of the middle two for an even count); None when empty.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Pools the windows of `kind` (and of `variant`, when given) over `scores`. Precision
/// pools the series whose windows are all of that kind (and variant), so every detection
/// in them, true or false, is charged to the kind.
pub fn summarize(
    scores: &[SeriesScore],
    kind: InjectionKind,
    variant: Option<&str>,
) -> KindSummary {
    let wanted = |w: &Window| w.kind == kind && variant.is_none_or(|v| w.variant == v);
    let outcomes: Vec<&WindowOutcome> = scores
        .iter()
        .flat_map(|s| s.windows.iter())
        .filter(|o| wanted(&o.window))
        .collect();
    let detected: Vec<&&WindowOutcome> = outcomes.iter().filter(|o| o.detected()).collect();
    let own: Vec<&SeriesScore> = scores
        .iter()
        .filter(|s| !s.windows.is_empty() && s.windows.iter().all(|o| wanted(&o.window)))
        .collect();
    let detections: usize = own.iter().map(|s| s.detections.len()).sum();
    let true_detections: usize = own.iter().map(|s| s.true_positives()).sum();
    let is_gap = kind == InjectionKind::Gap;
    KindSummary {
        kind,
        windows: outcomes.len(),
        detected: detected.len(),
        recall: (!is_gap && !outcomes.is_empty())
            .then(|| detected.len() as f64 / outcomes.len() as f64),
        detections,
        true_detections,
        precision: (!is_gap && detections > 0).then(|| true_detections as f64 / detections as f64),
        median_delay_ms: median(
            detected
                .iter()
                .filter_map(|o| o.delay_ms.map(|d| d as f64))
                .collect(),
        ),
        median_delay_steps: median(detected.iter().filter_map(|o| o.delay_steps).collect()),
        flagged_share: {
            let n: usize = outcomes.iter().map(|o| o.window_points).sum();
            let f: usize = outcomes.iter().map(|o| o.window_flagged).sum();
            (n > 0).then(|| f as f64 / n as f64)
        },
        incidents_opened: outcomes.iter().filter(|o| o.incident_opened).count(),
        incidents: own.iter().map(|s| s.incidents).sum(),
        false_incidents: own.iter().map(|s| s.false_incidents).sum(),
        judged_hours: own.iter().map(|s| s.judged_hours()).sum(),
    }
}
