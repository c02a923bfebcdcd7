//! The markdown report: definitions, per-kind tables on the simulated corpus, false
//! positives on clean series, the corpus at other cadences and with a daily cycle, one
//! table per real series, and the NAB benchmark's scores.

mod cells;
mod sections;

use std::fmt::Write;

use self::cells::*;
use self::sections::{render_cadences, render_daily, render_nab};

use crate::core::incident::IncidentConfig;
use crate::core::quality::cadence::CadenceConfig;
use crate::core::quality::corpus::{self, CorpusConfig};
use crate::core::quality::nab::NabResults;
use crate::core::quality::real::{Manifest, RealSeries};
use crate::core::quality::score::{summarize, ScoreConfig, SeriesScore};
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
