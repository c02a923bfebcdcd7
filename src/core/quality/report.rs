//! The markdown report: definitions, per-kind tables on the simulated corpus, false
//! positives on clean series, the corpus at other cadences and with a daily cycle, one
//! table per real series, and the NAB benchmark's scores.

use std::fmt::Write;

use crate::core::incident::IncidentConfig;
use crate::core::quality::cadence::{self, CadenceConfig};
use crate::core::quality::corpus::{self, CorpusConfig};
use crate::core::quality::nab::{self, NabResults};
use crate::core::quality::real::{Manifest, RealSeries};
use crate::core::quality::score::{summarize, KindSummary, ScoreConfig, SeriesScore};
use crate::core::simulator::InjectionKind;
use crate::core::time::format_date_ms;

/// What the report says about how it was made (the core reads no clock: the caller does).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    /// The command that regenerates it.
    pub command: String,
    /// When it ran (UTC, as the caller formats it).
    pub date: String,
    /// pipescope's version.
    pub version: String,
    /// Hand-written discussion of the figures, appended as its own section.
    pub notes: Option<String>,
}

/// Everything measured, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// Corpus size used.
    pub corpus: CorpusConfig,
    /// Tolerances used.
    pub score: ScoreConfig,
    /// Scores of the faulty simulated series.
    pub faulty: Vec<SeriesScore>,
    /// Scores of the clean simulated series.
    pub clean: Vec<SeriesScore>,
    /// The faulty series' windows scored on clean series (see [`super::chance_scores`]).
    pub chance: Vec<SeriesScore>,
    /// The real series' manifest and their results (same order as `manifest.series`).
    pub real: Option<(Manifest, Vec<RealResult>)>,
    /// Size of the cadence section.
    pub cadence: CadenceConfig,
    /// The corpus at other cadences, in [`cadence::CADENCES_MS`] order.
    pub cadences: Vec<CadenceResult>,
    /// The minute-level clean series with a daily cycle.
    pub daily: Vec<SeriesScore>,
    /// The NAB benchmark's scores, or why they are missing.
    pub nab: Result<NabResults, String>,
}

/// The simulated corpus at one cadence.
#[derive(Debug, Clone, PartialEq)]
pub struct CadenceResult {
    /// The step.
    pub step_ms: i64,
    /// Scores of the faulty series.
    pub faulty: Vec<SeriesScore>,
    /// Scores of the clean series.
    pub clean: Vec<SeriesScore>,
}

/// One real series' results.
#[derive(Debug, Clone, PartialEq)]
pub struct RealResult {
    /// Its manifest entry.
    pub series: RealSeries,
    /// Rows read.
    pub points: usize,
    /// Scores with the default incident engine.
    pub score: SeriesScore,
}

impl RealResult {
    /// Points the detector needs before its first fit.
    fn series_min_train(&self) -> usize {
        crate::core::detect::DetectConfig::default().min_train_points
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.2}", v))
}

fn num(x: Option<f64>, digits: usize) -> String {
    x.map_or("–".into(), |v| format!("{v:.digits$}"))
}

/// Seconds with a unit suited to the series' step (s, h or days).
fn duration(ms: f64) -> String {
    let s = ms / 1000.0;
    if s.abs() < 3600.0 {
        format!("{s:.0} s")
    } else if s.abs() < 3.0 * 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.0} days", s / 86_400.0)
    }
}

/// The incident the engine is expected to open with its defaults, in words.
fn expected_incident(kind: InjectionKind) -> String {
    let k = incident_config().points_to_open(2000.0);
    match kind {
        InjectionKind::TransientSpike => "none (by design: one tick pages no one)".into(),
        InjectionKind::Gap => "none (no data is no evidence)".into(),
        InjectionKind::ProlongedSpike | InjectionKind::LevelShift | InjectionKind::DropToZero => {
            format!("yes, when {k} ticks in a row are flagged")
        }
        InjectionKind::NoiseBurst => "when enough points in a row are flagged".into(),
    }
}

/// Median of the finite values, formatted; `–` when none.
fn median_of(v: Vec<f64>, digits: usize) -> String {
    num(super::median(v), digits)
}

/// Stream time in the unit that reads best (s, min, h, days, weeks).
fn span(ms: f64) -> String {
    let s = ms / 1000.0;
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 2.0 * 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 2.0 * 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < 14.0 * 86_400.0 {
        format!("{:.1} days", s / 86_400.0)
    } else {
        format!("{:.1} weeks", s / (7.0 * 86_400.0))
    }
}

/// Totals over clean series: judged ms, judged points, flagged points, false detections,
/// incidents.
fn clean_totals(set: &[&SeriesScore]) -> (i64, usize, usize, usize, usize) {
    (
        set.iter().map(|s| s.judged_ms).sum(),
        set.iter().map(|s| s.judged_points).sum(),
        set.iter().map(|s| s.flagged_points).sum(),
        set.iter().map(|s| s.false_positives()).sum(),
        set.iter().map(|s| s.incidents).sum(),
    )
}

fn kind_row(out: &mut String, label: &str, s: &KindSummary, chance: &KindSummary) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} |",
        s.windows,
        s.detected,
        pct(s.recall),
        if s.kind == InjectionKind::Gap {
            format!("{} / {}", chance.detected, chance.windows)
        } else {
            pct((chance.windows > 0).then(|| chance.detected as f64 / chance.windows as f64))
        },
        pct(s.flagged_share),
        s.detections,
        s.true_detections,
        pct(s.precision),
        num(s.median_delay_ms.map(|m| m / 1000.0), 1),
        num(s.median_delay_steps, 1),
        s.incidents_opened,
        s.windows,
        s.incidents - s.false_incidents,
        s.incidents,
    );
}

const KIND_HEADER: &str = "| windows | detected | recall | by chance | flagged share in windows | detections | true | precision | median delay s | median delay steps | incidents opened for windows | incident precision (true / all) |";
const KIND_ALIGN: &str =
    " ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

/// Renders the whole report.
pub fn render(meta: &ReportMeta, r: &Results) -> String {
    let mut o = String::new();
    let g = r.score.grace_steps;
    let m = r.score.merge_steps;
    let _ = writeln!(o, "# Detection quality (issues 3 and 12)\n");
    let _ = writeln!(
        o,
        "Regenerate with `make quality` (it runs `{}`). Generated {} by pipescope {}.{}\n",
        meta.command,
        meta.date,
        meta.version,
        match &r.real {
            Some((man, _)) => format!(
                " Real series exported by `{}` (Python {}; {}).",
                man.generated_by,
                man.python,
                man.packages
                    .iter()
                    .map(|(k, v)| format!("PyPI `{k}` {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => " Simulated corpus only (no `--data`).".into(),
        }
    );
    let inc = incident_config();
    let d = crate::core::detect::DetectConfig::default();
    let _ = writeln!(
        o,
        "Every series runs through `core::detect::detect_series` (the causal detector of the page and `pipescope detect`) with the product's detector: `DetectConfig::default()`, kind `{}`, sensitivity `{}` — a point is flagged when its surprise (−log10 of its tail probability under the rarest of its views of the metric's own history: its range, its recent shape, its forecast errors) reaches {:.1}, rarer than one in {:.0}; the forecast band (Prophet-style, trained on the first {} min and at least {} points, refitted every {} min on the last {} min) draws the chart and feeds the forecast view. Every judged point then goes through `core::incident::IncidentEngine` with `IncidentConfig::default()`, counted in the metric's own steps: a metric goes over after flags lasting about {} minutes of its steps, at least {} and at most {} flagged points in a row ({} at a 1 s to 1 min step, {} at 5 min), its accumulator halves every {} steps, it is back to normal below {}, and an incident resolves after {} quiet steps — as `pipescope incidents` and the page do. One set of defaults for every cadence; nothing is tuned for this report.\n",
        d.kind.name(),
        d.sensitivity.name(),
        d.sensitivity.surprise(),
        10f64.powf(d.sensitivity.surprise()),
        d.train_ms / 60_000,
        d.min_train_points,
        d.refit_every_ms / 60_000,
        d.window_ms / 60_000,
        inc.min_duration_ms / 60_000,
        inc.min_points,
        inc.max_points,
        inc.points_to_open(60_000.0),
        inc.points_to_open(300_000.0),
        inc.half_life_steps,
        inc.close_threshold,
        inc.quiet_steps,
    );

    let _ = writeln!(o, "## Definitions\n");
    let _ = writeln!(o, "Step: the series' median spacing (2 s for the simulator). A labelled window is stream time `[start, end)`.\n");
    let _ = writeln!(
        o,
        "- **Flagged point**: the detector's `anomaly` is 1 (its surprise reached the sensitivity's bar; the band on the chart is not the criterion)."
    );
    let _ = writeln!(o, "- **Matching range** of a window: `[start, end + {g} steps)` (grace of {g} steps: a refit or the band's lag can put the flag just after a short fault).");
    let _ = writeln!(o, "- **Recall** (per kind) = windows with at least one flagged point in their matching range / windows.");
    let _ = writeln!(o, "- **Detection**: flagged points grouped in time order; a flag less than {m} steps after the previous one joins its detection. A detection spans `[first flag, last flag]`.");
    let _ = writeln!(o, "- **True / false positive**: a detection is true when its span overlaps the matching range of a window of any kind but gap, false when it overlaps none. One that overlaps only gap windows is a **gap alarm**.");
    let _ = writeln!(o, "- **Precision** (per kind) = true detections / all detections, counted over the series whose windows are all of that kind (every simulated series has one kind and one variant; a real series with several kinds is reported on its own). False positives are also given per series group and per hour of judged stream time.");
    let _ = writeln!(o, "- **Delay** of a detected window = time of the first flagged point in its matching range − start; the table gives the median over detected windows, in seconds and in steps (0 = flagged at the first faulty point).");
    let _ = writeln!(o, "- **Incident opened**: the incident engine opened an incident (`opened_ms`) inside the window's matching range. An incident opened elsewhere is a false incident.");
    let _ = writeln!(o, "- **Gap** (missing data): the detector does not judge what is not there, by design, so a gap has no recall and no precision. The simulator's stream has no event in a gap (`pipescope simulate` prints empty cells, which `pipescope detect` leaves unjudged); what is measured here is the harm a gap does: flagged points in its matching range (false anomalies caused by the gap, expected 0) and incidents opened there.");
    let _ = writeln!(o, "- **Judged** stream time: from the first point judged (after training) to the last, plus one step.\n");

    // Simulated corpus.
    let c = &r.corpus;
    let _ = writeln!(o, "## Simulated corpus\n");
    let _ = writeln!(
        o,
        "Built in Rust from `core::simulator` (`core::quality::corpus`), deterministic: seeds are fixed, so every run scores the same series. Each faulty series is one metric alone, ticking every 2 s: 5 minutes of training, then {} faults of one kind and variant, {} s apart, each delayed by a seeded 0–{} s jitter so faults hit every phase of the wave. {} seeds per (metric, kind, variant): {} faulty series, {} windows per kind. Detector: `DetectConfig::default()` (the page's defaults: train 5 min, period detected, refit every 5 min on the last 10 min).\n",
        c.windows_per_series,
        c.spacing_ms / 1000,
        corpus::JITTER_MS / 1000,
        c.seeds,
        r.faulty.len(),
        corpus::metrics().len() as u64
            * corpus::variants(InjectionKind::LevelShift).len() as u64
            * c.seeds
            * c.windows_per_series as u64,
    );
    let _ = writeln!(o, "| metric | min | max | rate /s | noise sd | cycle |");
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for mm in corpus::metrics() {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {:.1} s |",
            mm.name,
            mm.min,
            mm.max,
            mm.increment,
            mm.noise_sd,
            mm.period_s()
        );
    }
    let _ = writeln!(o, "\nMagnitudes are in units of the metric's range (max − min), so they mean the same on every scale.\n");

    let _ = writeln!(o, "### Per injection kind\n");
    let _ = writeln!(o, "| kind {KIND_HEADER} incident expected |");
    let _ = writeln!(o, "| --- |{KIND_ALIGN} --- |");
    for kind in InjectionKind::ALL {
        let s = summarize(&r.faulty, kind, None);
        let chance = summarize(&r.chance, kind, None);
        let mut row = String::new();
        kind_row(&mut row, kind.name(), &s, &chance);
        let _ = writeln!(o, "{} {} |", row.trim_end(), expected_incident(kind));
    }
    let _ = writeln!(o, "\n- *by chance*: the share of the same windows (same times, same matching range) that hold a flagged point when laid on a clean series of the same metric — what flagging at the clean rate alone would score. Recall means something only well above it; the delay and the flagged share in windows tell a real detection from a lucky one.");
    let clean_all: Vec<&SeriesScore> = r.clean.iter().collect();
    let (_, cj, cf, _, _) = clean_totals(&clean_all);
    let _ = writeln!(o, "- *flagged share in windows*: flagged / judged points inside the windows proper (`[start, end)`, no grace); on clean series it is the flagged share below ({:.2}%).", 100.0 * cf as f64 / cj.max(1) as f64);
    let _ = writeln!(o, "- *incident precision*: incidents that opened for a window / all incidents opened in the series of that kind.");
    let _ = writeln!(o, "- Gap rows: *detected* counts windows with false anomalies in their matching range, *by chance* the same count on clean series; the delay is that of the first false anomaly. Recall and precision do not apply (see Definitions).\n");

    let _ = writeln!(o, "### Per variant\n");
    let _ = writeln!(o, "| kind | variant {KIND_HEADER}");
    let _ = writeln!(o, "| --- | --- |{KIND_ALIGN}");
    for kind in InjectionKind::ALL {
        for v in corpus::variants(kind) {
            let label = v.label(kind);
            let s = summarize(&r.faulty, kind, Some(&label));
            let chance = summarize(&r.chance, kind, Some(&label));
            kind_row(&mut o, &format!("{} | {label}", kind.name()), &s, &chance);
        }
    }

    let _ = writeln!(o, "\n### Recall per metric\n");
    let metrics = corpus::metrics();
    let _ = write!(o, "| kind |");
    for mm in &metrics {
        let _ = write!(o, " {} |", mm.name);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "| --- |{}", " ---: |".repeat(metrics.len()));
    for kind in InjectionKind::ALL {
        let _ = write!(o, "| {} |", kind.name());
        for mm in &metrics {
            let group: Vec<SeriesScore> = r
                .faulty
                .iter()
                .filter(|s| s.group == mm.name)
                .cloned()
                .collect();
            let s = summarize(&group, kind, None);
            let cell = match s.recall {
                Some(x) => format!("{x:.2} (precision {})", pct(s.precision)),
                None => format!("{} / {} with false anomalies", s.detected, s.windows),
            };
            let _ = write!(o, " {cell} |");
        }
        let _ = writeln!(o);
    }

    // Clean series.
    let _ = writeln!(o, "\n### Clean series: false positives\n");
    let _ = writeln!(
        o,
        "{} clean series per metric, each judged for {} minutes after its 5 minutes of training.\n",
        c.clean_series,
        c.clean_ms / 60_000
    );
    let _ = writeln!(o, "| metric | judged hours | judged points | flagged points | flagged share | false detections | per hour | incidents | incidents per hour |");
    let _ = writeln!(
        o,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut groups: Vec<String> = metrics.iter().map(|m| m.name.clone()).collect();
    groups.push("all".into());
    for gname in &groups {
        let set: Vec<&SeriesScore> = r
            .clean
            .iter()
            .filter(|s| gname == "all" || &s.group == gname)
            .collect();
        let hours: f64 = set.iter().map(|s| s.judged_hours()).sum();
        let judged: usize = set.iter().map(|s| s.judged_points).sum();
        let flagged: usize = set.iter().map(|s| s.flagged_points).sum();
        let fp: usize = set.iter().map(|s| s.false_positives()).sum();
        let inc: usize = set.iter().map(|s| s.incidents).sum();
        let _ = writeln!(
            o,
            "| {gname} | {hours:.1} | {judged} | {flagged} | {:.2}% | {fp} | {:.1} | {inc} | {:.2} |",
            100.0 * flagged as f64 / judged.max(1) as f64,
            fp as f64 / hours.max(1e-9),
            inc as f64 / hours.max(1e-9),
        );
    }
    let fhours: f64 = r.faulty.iter().map(|s| s.judged_hours()).sum();
    let ffp: usize = r.faulty.iter().map(|s| s.false_positives()).sum();
    let finc: usize = r.faulty.iter().map(|s| s.false_incidents).sum();
    let _ = writeln!(
        o,
        "\nOn the faulty series, outside the fault windows: {ffp} false detections and {finc} false incidents in {fhours:.1} judged hours ({:.1} and {:.2} per hour).",
        ffp as f64 / fhours.max(1e-9),
        finc as f64 / fhours.max(1e-9),
    );

    let mut listed = Vec::new();
    for sc in &r.faulty {
        for &t in &sc.false_incident_ms {
            let before = sc.windows.iter().filter(|w| w.window.start_ms <= t).last();
            listed.push(format!(
                "{} at {} s{}",
                sc.name,
                t / 1000,
                before.map_or(String::new(), |w| format!(
                    " ({} s after the end of the {} window before it)",
                    (t - w.window.end_ms) / 1000,
                    w.window.kind.name()
                ))
            ));
        }
    }
    if !listed.is_empty() {
        let _ = writeln!(o, "\nThe false incidents on faulty series (series are named metric/kind/variant/seed, the variant numbered from 0 in the order of the per-variant table):\n");
        for l in listed {
            let _ = writeln!(o, "- {l}");
        }
    }

    render_cadences(&mut o, r);
    render_daily(&mut o, r);

    // Real series.
    let _ = writeln!(o, "\n## Real series\n");
    match &r.real {
        None => {
            let _ = writeln!(o, "Not run: `pipescope quality` was given no `--data` directory (`make quality` exports the series first).");
        }
        Some((_, reals)) => {
            let _ = writeln!(o, "Each series is read from files shipped inside a PyPI package (no download at run time), exported by `tests/quality/export.py` to `target/quality-data/` (not kept in the repository). The detector trains on the first quarter of each series' span (`pipescope detect` trains on its 5 minutes or 100 points, whichever is longer; on a yearly or monthly series that is 100 points, the whole of the shortest one); the periods are set per series as listed (and why, in `export.py`).\n");
            let _ = writeln!(
                o,
                "| series | what | points | step | source | detector periods | training |"
            );
            let _ = writeln!(o, "| --- | --- | ---: | --- | --- | --- | --- |");
            for RealResult {
                series: rs, points, ..
            } in reals
            {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    rs.name,
                    rs.title,
                    points,
                    rs.step,
                    rs.source,
                    rs.detector.periods.describe(),
                    rs.detector
                        .train_ms
                        .map_or("first quarter of the span".into(), |t| duration(t as f64)),
                );
            }
            let _ = writeln!(o, "\n### Known incidents\n");
            let _ = writeln!(o, "| series | kind | incident | window | detected | delay | delay steps | incident opened (steps after start) | label source |");
            let _ = writeln!(
                o,
                "| --- | --- | --- | --- | --- | ---: | ---: | --- | --- |"
            );
            for RealResult {
                series: rs, score, ..
            } in reals
            {
                for (l, w) in rs.labels.iter().zip(&score.windows) {
                    let _ = writeln!(
                        o,
                        "| {} | {} | {} | {} – {} | {} | {} | {} | {} | {} |",
                        rs.name,
                        l.kind.name(),
                        l.what,
                        format_date_ms(l.start_ms),
                        format_date_ms(l.end_ms - 1),
                        if w.detected() {
                            format!("yes ({} flagged)", w.flagged_points)
                        } else {
                            "no".into()
                        },
                        w.delay_ms.map_or("–".into(), |d| duration(d as f64)),
                        num(w.delay_steps, 1),
                        match w.incident_delay_steps {
                            Some(d) => format!("yes ({d:.0})"),
                            None => "no".into(),
                        },
                        l.reference,
                    );
                }
            }
            let _ = writeln!(o, "\n### Detections and false positives\n");
            let _ = writeln!(o, "| series | judged points | flagged points | detections | true | false | precision | false per 100 judged points | incidents | false incidents |");
            let _ = writeln!(
                o,
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
            );
            for RealResult {
                series: rs,
                score: s,
                ..
            } in reals
            {
                let n = s.detections.len();
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} |",
                    rs.name,
                    s.judged_points,
                    s.flagged_points,
                    n,
                    s.true_positives(),
                    s.false_positives(),
                    pct((n > 0).then(|| s.true_positives() as f64 / n as f64)),
                    100.0 * s.false_positives() as f64 / s.judged_points.max(1) as f64,
                    s.incidents,
                    s.false_incidents,
                );
            }
            for rr in reals.iter().filter(|rr| rr.score.judged_points == 0) {
                let _ = writeln!(o, "\n{} has no judged point: the detector waits for {} points before its first fit, and the series has {}.", rr.series.name, rr.series_min_train(), rr.points);
            }
            let _ = writeln!(o, "\nThe incident engine runs with its defaults here too: it counts in each series' own steps, so on weekly, monthly or yearly points (where 5 minutes is less than one step) a metric goes over after {} flagged points in a row, its accumulator halves every {} steps and an incident resolves after {} quiet steps.", inc.points_to_open(86_400_000.0), inc.half_life_steps, inc.quiet_steps);
            let _ = writeln!(o, "\nDetections in time order (first flag – last flag, flagged points, matched window):\n");
            for RealResult {
                series: rs,
                score: s,
                ..
            } in reals
            {
                let list: Vec<String> = s
                    .detections
                    .iter()
                    .map(|d| {
                        format!(
                            "{}{} ({}{})",
                            format_date_ms(d.start_ms),
                            if d.end_ms > d.start_ms {
                                format!("–{}", format_date_ms(d.end_ms))
                            } else {
                                String::new()
                            },
                            d.points,
                            match d.window {
                                Some(i) => format!(", {}", rs.labels[i].kind.name()),
                                None => ", false".into(),
                            }
                        )
                    })
                    .collect();
                let _ = writeln!(
                    o,
                    "- {}: {}",
                    rs.name,
                    if list.is_empty() {
                        "none".into()
                    } else {
                        list.join("; ")
                    }
                );
            }
        }
    }
    render_nab(&mut o, &r.nab);
    if let Some(notes) = &meta.notes {
        let _ = writeln!(o, "\n{}", notes.trim_end());
    }
    o
}

/// Incident settings the report uses (the engine's defaults).
pub fn incident_config() -> IncidentConfig {
    IncidentConfig::default()
}

/// The corpus at other cadences.
fn render_cadences(o: &mut String, r: &Results) {
    let c = &r.cadence;
    let inc = incident_config();
    let _ = writeln!(o, "\n## Cadences\n");
    let _ = writeln!(
        o,
        "The same three metrics sampled every {}, built the same way (`core::quality::cadence`, seeded), with the detector's and the engine's defaults unchanged. Each metric's rate is scaled with the step so one cycle of its wave holds as many points as at 2 s (20 to 36), so the detector sees the same shape in steps; what changes is how many steps ten minutes, the training and the refits are. The detector judges from its 5 minutes of training or its {} points, whichever is longer.\n",
        cadence::CADENCES_MS
            .iter()
            .map(|&s| cadence::step_name(s))
            .collect::<Vec<_>>()
            .join(", "),
        crate::core::detect::DetectConfig::default().min_train_points,
    );
    let _ = writeln!(o, "Faulty series: per cadence, metric and fault, {} seeds of {} faults each; a prolonged fault lasts {} min, a transient spike one point. Each fault starts 10 min plus 30 min or 100 steps (whichever is longer) after the previous one's start, plus a seeded jitter of up to {} steps. The engine must open an incident for a fault of 10 minutes or more within 5 steps of its start; an incident counts for a fault when it opens in the fault's matching range (its span plus {} steps). Clean series: {} per metric and cadence, each judged for {} points after training.\n",
        c.seeds,
        c.windows_per_series,
        cadence::FAULT_MS / 60_000,
        cadence::JITTER_STEPS,
        r.score.grace_steps,
        c.clean_series,
        c.clean_points,
    );
    let _ = writeln!(o, "### Clean series\n");
    let _ = writeln!(o, "| step | points to open | training | judged time | judged points | flagged points | flagged share | false detections | incidents | false incidents per simulated week |");
    let _ = writeln!(
        o,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut rows: Vec<(i64, Vec<&SeriesScore>)> = vec![(2000, r.clean.iter().collect())];
    for cr in &r.cadences {
        rows.push((cr.step_ms, cr.clean.iter().collect()));
    }
    rows.sort_by_key(|x| x.0);
    for (step, set) in rows {
        let (ms, judged, flagged, fp, incidents) = clean_totals(&set);
        let _ = writeln!(
            o,
            "| {}{} | {} | {} | {} | {judged} | {flagged} | {:.2}% | {fp} | {incidents} | {:.2} |",
            cadence::step_name(step),
            if step == 2000 { " (corpus above)" } else { "" },
            inc.points_to_open(step as f64),
            span(cadence::training_ms(step) as f64),
            span(ms as f64),
            100.0 * flagged as f64 / judged.max(1) as f64,
            incidents as f64 * cadence::WEEK_MS as f64 / (ms.max(1)) as f64,
        );
    }
    let _ = writeln!(o, "\n### Faults of ten minutes and blips\n");
    let _ = writeln!(o, "| step | fault | windows | flagged (recall) | incidents opened for the fault | within 5 steps | first faults: incident within 5 steps | later faults: incident within 5 steps | incident delay steps: median | max | other incidents in these series |");
    let _ = writeln!(
        o,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for cr in &r.cadences {
        for (kind, magnitude) in cadence::faults() {
            let outcomes: Vec<&super::WindowOutcome> = cr
                .faulty
                .iter()
                .flat_map(|s| s.windows.iter())
                .filter(|w| w.window.kind == kind)
                .collect();
            let own: Vec<&SeriesScore> = cr
                .faulty
                .iter()
                .filter(|s| {
                    !s.windows.is_empty() && s.windows.iter().all(|w| w.window.kind == kind)
                })
                .collect();
            let delays: Vec<f64> = outcomes
                .iter()
                .filter_map(|w| w.incident_delay_steps)
                .collect();
            let within = delays.iter().filter(|&&d| d <= 5.0).count();
            let in_time =
                |w: &super::WindowOutcome| w.incident_delay_steps.is_some_and(|d| d <= 5.0);
            let first: Vec<&super::WindowOutcome> =
                own.iter().filter_map(|s| s.windows.first()).collect();
            let first_ok = first.iter().filter(|w| in_time(w)).count();
            let later = outcomes.len() - first.len();
            let later_ok = within - first_ok;
            let max = delays
                .iter()
                .copied()
                .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
            let detected = outcomes.iter().filter(|w| w.detected()).count();
            let label = match kind {
                InjectionKind::DropToZero => format!("{}, 10 min", kind.name()),
                InjectionKind::TransientSpike => {
                    format!(
                        "{} {magnitude:+.2}×range, 1 point (expected: no incident)",
                        kind.name()
                    )
                }
                _ => format!("{} {magnitude:+.2}×range, 10 min", kind.name()),
            };
            let _ = writeln!(
                o,
                "| {} | {label} | {} | {detected} ({}) | {} | {} | {} | {} | {} | {} | {} |",
                cadence::step_name(cr.step_ms),
                outcomes.len(),
                pct((!outcomes.is_empty()).then(|| detected as f64 / outcomes.len() as f64)),
                delays.len(),
                if cadence::is_prolonged(kind) {
                    format!("{within} / {}", outcomes.len())
                } else {
                    "–".into()
                },
                if cadence::is_prolonged(kind) {
                    format!("{first_ok} / {}", first.len())
                } else {
                    "–".into()
                },
                if cadence::is_prolonged(kind) {
                    format!("{later_ok} / {later}")
                } else {
                    "–".into()
                },
                median_of(delays.clone(), 1),
                num(max, 0),
                own.iter().map(|s| s.false_incidents).sum::<usize>(),
            );
        }
    }
    let _ = writeln!(o, "\n- *flagged*: windows with a flagged point in their matching range. *Incident delay*: steps from the fault's first point to the incident's opening (0 = opened at the first faulty point). *First faults*: the first fault of each series, met by a detector that has seen no fault; *later faults*: the same fault again, 30 min or more after the previous one ended, met by a detector whose history holds it. *Other incidents*: incidents opened outside every fault's matching range in the same series (when a fault ends and the metric returns to its level, or elsewhere).");
}

/// The minute-level clean series with a daily cycle.
fn render_daily(o: &mut String, r: &Results) {
    let c = &r.cadence;
    let _ = writeln!(o, "\n## Daily cycle at a 1-minute step\n");
    let _ = writeln!(o, "Clean series of the same three metrics with one rise and fall per day (a triangle wave, 1,440 points per cycle, noise 1% of the range), {} per metric, each judged for {} days after its training ({}), default detector and engine. A detector whose forecast windows are shorter than a day sees the cycle as a slow trend.\n",
        c.daily_series,
        c.daily_days,
        span(cadence::training_ms(cadence::DAILY_STEP_MS) as f64),
    );
    let _ = writeln!(o, "| metric | judged time | judged points | flagged points | flagged share | false detections | incidents | false incidents per simulated week |");
    let _ = writeln!(
        o,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut groups: Vec<String> = cadence::daily_metrics()
        .iter()
        .map(|m| m.name.clone())
        .collect();
    groups.push("all".into());
    for g in &groups {
        let set: Vec<&SeriesScore> = r
            .daily
            .iter()
            .filter(|s| g == "all" || &s.group == g)
            .collect();
        let (ms, judged, flagged, fp, incidents) = clean_totals(&set);
        let _ = writeln!(
            o,
            "| {g} | {} | {judged} | {flagged} | {:.2}% | {fp} | {incidents} | {:.2} |",
            span(ms as f64),
            100.0 * flagged as f64 / judged.max(1) as f64,
            incidents as f64 * cadence::WEEK_MS as f64 / (ms.max(1)) as f64,
        );
    }
}

/// The NAB section.
fn render_nab(o: &mut String, nab_run: &Result<NabResults, String>) {
    let _ = writeln!(o, "\n## NAB (Numenta Anomaly Benchmark v1.1)\n");
    let n = match nab_run {
        Ok(n) => n,
        Err(why) => {
            let _ = writeln!(o, "Not run: {why}");
            return;
        }
    };
    let _ = writeln!(o, "58 real and artificial series (AWS CloudWatch, ad exchange, traffic, tweets, known-cause failures, artificial), 116 labelled anomaly windows, scored by NAB's own optimizer, scorer and normalisation through the harness kept outside the repository (`../shared/nab/`, beside the clone; NAB is AGPL-3.0 and nothing of it is committed). `make quality` runs, from the repository's directory:\n");
    let _ = writeln!(o, "```\n{}\n```\n", n.command);
    let _ = writeln!(o, "Each file goes through `pipescope detect FILE --time timestamp --value value` (the CLI's defaults: the adaptive detector, medium sensitivity, training on the first 5 minutes or 100 points, whichever is longer) and its `score` column is NAB's anomaly score; one parameter set for every file, causal. Scores are normalised: 0 = NAB's null detector, 100 = perfect. NAB {}; thresholds chosen by NAB's optimizer per profile.\n",
        if n.summary.nab_commit.is_empty() { "v1.1".to_string() } else { format!("commit {}", n.summary.nab_commit) },
    );
    let _ = writeln!(
        o,
        "| profile | pipescope | target | NAB scoreboard best | threshold |"
    );
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: |");
    for (key, label, target, best) in nab::PROFILES {
        let _ = writeln!(
            o,
            "| {label} | {} | > {target:.0} | {best:.1} | {} |",
            num(n.summary.normalized.get(key).copied(), 1),
            num(n.summary.threshold.get(key).copied(), 3),
        );
    }
    let _ = writeln!(
        o,
        "\nScoreboard best: ARTime (standard 74.9, low_FN 80.4) and CAD OSE (low_FP 67.0).\n"
    );
    let _ = writeln!(o, "### Per category (standard profile)\n");
    let _ = writeln!(o, "TP, FP and FN are NAB's point counts at the standard threshold: points above it inside a window, points above it outside every window, window points below it (so FN is large even when every window is caught: NAB rewards only the first detection in a window). The score is the sum of the files' raw standard scores: each window adds up to +1 when caught early and −1 when missed, each false positive costs about 0.11.\n");
    let _ = writeln!(o, "| category | files | TP | FP | FN | raw score |");
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for c in nab::by_category(&n.files) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {:.2} |",
            c.name, c.files, c.tp, c.fp, c.fn_, c.score
        );
    }
    let _ = writeln!(
        o,
        "\n### The five files that lose most (lowest standard score)\n"
    );
    let _ = writeln!(o, "| file | raw score | TP | FP | FN |");
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: |");
    for f in nab::worst(&n.files, 5) {
        let _ = writeln!(
            o,
            "| {} | {:.2} | {} | {} | {} |",
            f.file, f.score, f.tp, f.fp, f.fn_
        );
    }
}
