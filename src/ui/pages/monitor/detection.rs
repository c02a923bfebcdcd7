//! Per-metric detector and sensitivity, and the incident book's rules, with a warning when
//! the rules can never open an incident at this stream's cadence. Every change restarts the
//! stream and is journaled with its settings.

use leptos::prelude::*;

use super::MonState;
use crate::core::detect::rarity::quarantine_points;
use crate::core::detect::{DetectorKind, Sensitivity};
use crate::core::incident::IncidentConfig;
use crate::core::source::duration;

/// The stream's step: a file's typical row spacing, or the simulator's tick.
fn step_ms(st: &MonState) -> i64 {
    match st.file.get() {
        Some(f) => f.table.step_ms().unwrap_or(1000).max(1),
        None => st.config.with(|c| c.tick_ms).max(1),
    }
}

/// One row per metric: its detector and its sensitivity.
#[component]
pub fn DetectorTable() -> impl IntoView {
    let st = expect_context::<MonState>();
    let names = move || st.metric_names();
    view! {
        <table class="data detectors" id="monitor-detectors">
            <thead><tr>
                <th>"metric"</th>
                <th title="Adaptive: flags values rare for this metric (range, shape, forecast). Band: flags values outside the forecast band.">"detector"</th>
                <th title="Adaptive detector: how rare a point must be to be flagged (low: 1 in 5,000; medium: 1 in 1,000; high: 1 in 300)">"sensitivity"</th>
                <th>"what it flags"</th>
            </tr></thead>
            <tbody>
                {move || names().into_iter().map(|name| {
                    let metric = name.clone();
                    let current = Memo::new(move |_| st.detector_of(&metric));
                    let (m1, m2) = (name.clone(), name.clone());
                    let on_kind = move |e: leptos::ev::Event| {
                        if let Some(k) = DetectorKind::parse(&event_target_value(&e)) {
                            st.set_detector(&m1, k, current.get_untracked().1);
                        }
                    };
                    let on_sens = move |e: leptos::ev::Event| {
                        if let Some(s) = Sensitivity::parse(&event_target_value(&e)) {
                            st.set_detector(&m2, current.get_untracked().0, s);
                        }
                    };
                    view! {
                        <tr data-metric=name.clone()>
                            <th scope="row">{name.clone()}</th>
                            <td><select class="detector-kind" aria-label=format!("Detector of {name}")
                                prop:value=move || current.get().0.name() on:change=on_kind>
                                {DetectorKind::ALL.into_iter().map(|k| view! {
                                    <option value=k.name() title=k.describe()>{k.name()}</option>
                                }).collect_view()}
                            </select></td>
                            <td><select class="detector-sensitivity" aria-label=format!("Sensitivity of {name}")
                                prop:value=move || current.get().1.name() on:change=on_sens
                                disabled=move || current.get().0 == DetectorKind::Band
                                title=move || if current.get().0 == DetectorKind::Band {
                                    "The band detector flags by the band's coverage (Band in the player bar)"
                                } else { "How rare a point must be to be flagged" }>
                                {Sensitivity::ALL.into_iter().map(|s| view! {
                                    <option value=s.name()>{s.name()}</option>
                                }).collect_view()}
                            </select></td>
                            <td class="muted">{move || current.get().0.describe()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A number field of the rules form.
#[component]
fn RuleField(
    id: &'static str,
    label: &'static str,
    title: &'static str,
    #[prop(into)] value: Signal<String>,
    on_set: Callback<String>,
) -> impl IntoView {
    view! {
        <label title=title>{label}" "
            <input id=id type="number" min="0" step="any" class="rule" prop:value=move || value.get()
                on:change=move |e| on_set.run(event_target_value(&e)) />
        </label>
    }
}

/// The incident rules, what they mean at this stream's step, and why they cannot page.
#[component]
pub fn RulesForm() -> impl IntoView {
    let st = expect_context::<MonState>();
    let draft = RwSignal::new(st.rules.get_untracked());
    // A restored or applied set of rules replaces the draft.
    Effect::new(move |_| draft.set(st.rules.get()));
    let bad = RwSignal::new(None::<String>);
    let set = move |field: &'static str, text: String, put: fn(&mut IncidentConfig, f64)| match text
        .trim()
        .parse::<f64>()
    {
        Ok(v) if v.is_finite() && v >= 0.0 => {
            bad.set(None);
            draft.update(|d| put(d, v));
        }
        _ => bad.set(Some(format!(
            "{field}: '{text}' is not a number of 0 or more"
        ))),
    };
    let field =
        move |f: fn(&IncidentConfig) -> f64| Signal::derive(move || format!("{}", draft.with(f)));
    let meaning = move || {
        let step = step_ms(&st);
        let rules = draft.get();
        let k = rules.points_to_open(step as f64);
        format!(
            "At this stream's step of {}, a metric goes over after {k} flagged points in a row (about {}); it resolves after {} quiet.",
            duration(step),
            duration(step * i64::from(k)),
            duration((rules.quiet_steps * step as f64).round() as i64),
        )
    };
    let warning = move || {
        let step = step_ms(&st);
        let rules = draft.get();
        if let Err(e) = rules.validate() {
            return Some(format!("These rules cannot run: {e}"));
        }
        // The adaptive detector stops flagging a lasting change after its quarantine.
        let adaptive = st
            .metric_names()
            .iter()
            .any(|m| st.detector_of(m).0 == DetectorKind::Adaptive);
        let lasting = if adaptive {
            quarantine_points(step as f64)
        } else {
            usize::MAX
        };
        rules
            .impossible(step as f64, lasting)
            .map(|why| format!("Incidents are impossible with these rules: {why}."))
    };
    let changed = move || draft.get() != st.rules.get();
    view! {
        <div class="rules" id="incident-rules" role="group" aria-label="Incident rules">
            <p class="muted">"Incidents open when a metric's flags last; one point alone never pages. Durations are in the stream's own steps, so the same rules hold at a 1 s and a 5 min cadence."</p>
            <div class="rule-fields">
                <RuleField id="rule-min-duration" label="Flags lasting (s)"
                    title="A metric goes over after flags lasting about this long (300 s)…"
                    value=field(|d| d.min_duration_ms as f64 / 1000.0)
                    on_set=Callback::new(move |t| set("Flags lasting", t, |d, v| d.min_duration_ms = (v * 1000.0).round() as i64)) />
                <RuleField id="rule-min-points" label="at least (points)"
                    title="…but at least this many flagged points (2: one point alone never pages)…"
                    value=field(|d| f64::from(d.min_points))
                    on_set=Callback::new(move |t| set("At least", t, |d, v| d.min_points = v.round().min(f64::from(u32::MAX)) as u32)) />
                <RuleField id="rule-max-points" label="at most (points)"
                    title="…and at most this many (5: a slow metric pages within five steps)"
                    value=field(|d| f64::from(d.max_points))
                    on_set=Callback::new(move |t| set("At most", t, |d, v| d.max_points = v.round().min(f64::from(u32::MAX)) as u32)) />
                <RuleField id="rule-half-life" label="half-life (steps)"
                    title="Steps for a metric's count of recent flags to halve (5)"
                    value=field(|d| d.half_life_steps)
                    on_set=Callback::new(move |t| set("Half-life", t, |d, v| d.half_life_steps = v)) />
                <RuleField id="rule-quiet" label="resolve after (steps)"
                    title="Steps with no metric over before an incident resolves (5)"
                    value=field(|d| d.quiet_steps)
                    on_set=Callback::new(move |t| set("Resolve after", t, |d, v| d.quiet_steps = v)) />
                <button id="rules-apply" class="primary" disabled=move || !changed()
                    on:click=move |_| st.set_rules(draft.get_untracked())>"Apply and restart"</button>
                <button id="rules-default" on:click=move |_| draft.set(IncidentConfig::default())>"Defaults"</button>
            </div>
            <p class="rules-meaning" id="rules-meaning">{meaning}</p>
            {move || bad.get().map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
            {move || warning().map(|m| view! { <p class="banner warn" role="alert" id="rules-warning">{m}</p> })}
        </div>
    }
}

/// Detection settings: the detector table and the incident rules.
#[component]
pub fn DetectionPanel() -> impl IntoView {
    view! {
        <details class="panel detection" id="monitor-detection">
            <summary>"Detectors and incident rules"</summary>
            <DetectorTable />
            <RulesForm />
        </details>
    }
}
