//! The report's later sections: the corpus at other cadences, with a daily cycle, and the
//! NAB benchmark's scores.

use std::fmt::Write;

use super::cells::*;
use super::incident_config;
use super::Results;
use crate::core::quality::cadence;
use crate::core::quality::nab::{self, NabResults};
use crate::core::quality::score::SeriesScore;
use crate::core::quality::WindowOutcome;
use crate::core::simulator::InjectionKind;

/// The corpus at other cadences.
pub(super) fn render_cadences(o: &mut String, r: &Results) {
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
            let outcomes: Vec<&WindowOutcome> = cr
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
            let in_time = |w: &WindowOutcome| w.incident_delay_steps.is_some_and(|d| d <= 5.0);
            let first: Vec<&WindowOutcome> = own.iter().filter_map(|s| s.windows.first()).collect();
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
pub(super) fn render_daily(o: &mut String, r: &Results) {
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
pub(super) fn render_nab(o: &mut String, nab_run: &Result<NabResults, String>) {
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
