//! Start / pause / speed / reset, fault injection, the metric editor and the live
//! incident summary.

use leptos::prelude::*;

use super::state::{SummaryLine, READ_ONLY_NOTE};
use super::MonState;

/// The visible note that says why a read-only tab's stream controls are off.
const READ_ONLY_ID: &str = "monitor-read-only-note";
use crate::core::simulator::{InjectionKind, MetricSpec, SimConfig};
use crate::core::stream::Speed;
use crate::core::time::{format_epoch_seconds, format_short_clock};
use crate::ui::choice::{options, Choice};

/// `m:ss` (or `h:mm:ss`) of stream time; the UTC date and time of an epoch time (a
/// replayed file's clock).
pub fn clock(ms: i64) -> String {
    let s = ms.div_euclid(1000);
    if s as f64 >= crate::charts::EPOCH_FROM_S {
        format_epoch_seconds(s as f64)
    } else {
        format_short_clock(s)
    }
}

/// Start, pause, step, speed, reset, training and evaluation windows, and the clock.
#[component]
pub fn Player() -> impl IntoView {
    let st = expect_context::<MonState>();
    let on_speed = move |v: String| {
        if let Some(s) = Speed::parse(&v) {
            st.set_speed(s);
        }
    };
    let on_train = move |v: String| {
        if let Ok(s) = v.parse::<i64>() {
            st.set_train_ms(s * 1000);
        }
    };
    let on_level = move |v: String| {
        if let Ok(l) = v.parse::<f64>() {
            st.set_level(l);
        }
    };
    let on_eval = move |v: String| {
        if let Ok(s) = v.parse::<i64>() {
            st.set_eval_ms(s * 1000);
        }
    };
    let speeds: Vec<(String, String)> = Speed::CHOICES
        .iter()
        .map(|s| (s.label(), s.label()))
        .collect();
    let is_file = move || st.file.with(|f| f.is_some());
    // A live stream's clock is the source's: no start, step or speed.
    let is_live = move || st.is_live();
    let span = move || {
        st.version.get();
        st.player.span().unwrap_or((0, 0))
    };
    let on_seek = move |e: leptos::ev::Event| {
        if let Ok(s) = event_target_value(&e).parse::<i64>() {
            st.seek(s.saturating_mul(1000));
        }
    };
    // In a tab that does not write the journal, the controls that would add events stay
    // focusable (so their reason is read on focus) but do nothing: aria-disabled, not
    // disabled, which would drop them from the Tab order and hide the why.
    let read_only = move || st.read_only();
    let off = move || read_only().then_some("true");
    let why = move || read_only().then_some(READ_ONLY_ID);
    let start_off = move || (read_only() && !st.playing.get()).then_some("true");
    view! {
        <div class="panel player" id="monitor-player" role="group" aria-label="Stream player">
            <button id="monitor-play" class="primary" on:click=move |_| st.toggle()
                aria-disabled=start_off aria-describedby=move || start_off().and(why())
                title=move || if start_off().is_some() { READ_ONLY_NOTE } else { "Play or pause (k)" }
                hidden=is_live>
                {move || if st.playing.get() { "❚❚ Pause" } else { "▶ Start" }}
            </button>
            <button id="monitor-step" on:click=move |_| st.step() hidden=is_live
                aria-disabled=off aria-describedby=why
                title=move || if read_only() { READ_ONLY_NOTE } else if is_file() { "One row forward" } else { "One simulator tick forward" }>"Step"</button>
            <button id="monitor-reset"
                on:click=move |_| if st.read_only_untracked() { st.app.status.set(READ_ONLY_NOTE.into()) } else { st.reset() }
                aria-disabled=off aria-describedby=why
                title=move || if read_only() {
                    READ_ONLY_NOTE
                } else if is_live() {
                    "Fetch the history again, with fresh detectors and incidents"
                } else {
                    "Restart the stream from its start with fresh detectors and incidents"
                }>"Reset"</button>
            <p class="read-only-note" id=READ_ONLY_ID hidden=move || !read_only()>{READ_ONLY_NOTE}</p>
            {move || is_file().then(|| view! {
                <label class="seek">"Position "
                    <input id="monitor-seek" type="range" step="1"
                        aria-label="Seek in the replayed file"
                        prop:min=move || (span().0.div_euclid(1000)).to_string()
                        prop:max=move || (span().1.div_euclid(1000)).to_string()
                        prop:value=move || st.position_ms.get().div_euclid(1000).to_string()
                        on:change=on_seek />
                </label>
                <button id="monitor-to-end" on:click=move |_| st.seek(i64::MAX) title="Feed the whole file now">"To end"</button>
            })}
            <span hidden=is_live>
                <Choice id="monitor-speed" label="Speed" options=speeds
                    value=Signal::derive(move || st.speed.get().label()) on_pick=on_speed />
            </span>
            <Choice id="monitor-train" label="Training"
                title="Each detector learns from this much stream time before it judges (restarts the stream)"
                options=options(&[("60", "1 min"), ("120", "2 min"), ("300", "5 min"), ("600", "10 min")])
                value=Signal::derive(move || (st.train_ms.get() / 1000).to_string()) on_pick=on_train />
            <Choice id="monitor-level" label="Band"
                title="Coverage of the forecast band: points outside it are anomalies (restarts the stream)"
                options=options(&[("0.8", "80%"), ("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%"), ("0.999", "99.9%")])
                value=Signal::derive(move || format!("{}", st.level.get())) on_pick=on_level />
            <label title="Seasonal period: auto (found from the data), none, or seconds, several separated by commas (restarts the stream)">"Period "
                <input id="monitor-period" type="text" size="9" placeholder="auto"
                    prop:value=move || st.periods.get().label()
                    on:change=move |e| st.set_periods(&event_target_value(&e)) />
            </label>
            <Choice id="monitor-eval-window" label="Evaluation window"
                title="MAE, MAPE and anomalies are counted per window of this much stream time (restarts the stream)"
                options=options(&[("10", "10 s"), ("30", "30 s"), ("60", "1 min"), ("300", "5 min")])
                value=Signal::derive(move || (st.eval_ms.get() / 1000).to_string()) on_pick=on_eval />
            <span class="clock" id="monitor-clock" data-ms=move || st.judged_ms.get().to_string()>
                {move || format!("stream time {}", clock(st.judged_ms.get()))}
            </span>
            // Nothing to time before the first frame: "0.0 ms per frame" read as a figure.
            <span class="muted" id="monitor-tick-ms" data-ms=move || format!("{:.2}", st.tick_work_ms.get())
                hidden=move || st.judged_ms.get() == 0
                title="Main-thread time of the last frame: reading, judging and drawing every metric">
                {move || format!("{:.1} ms per frame", st.tick_work_ms.get())}
            </span>
        </div>
    }
}

/// Fault injection: kind, metric (or all), length in ticks, and the log of injections.
#[component]
pub fn Inject() -> impl IntoView {
    let st = expect_context::<MonState>();
    let kind = RwSignal::new(InjectionKind::ProlongedSpike);
    let metric = RwSignal::new("all".to_string());
    let ticks = RwSignal::new(10u32);
    let names = move || {
        st.config
            .get()
            .metrics
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>()
    };
    // A metric removed by the editor falls back to "all".
    Effect::new(move |_| {
        let n = names();
        if metric.get_untracked() != "all" && !n.contains(&metric.get_untracked()) {
            metric.set("all".into());
        }
    });
    let on_ticks = move |e: leptos::ev::Event| match event_target_value(&e).trim().parse::<u32>() {
        Ok(n) if n >= 1 => ticks.set(n),
        _ => st.error.set(Some(
            "Inject: the length must be a whole number of ticks, 1 or more".into(),
        )),
    };
    view! {
        <div class="panel inject" id="monitor-inject" role="group" aria-label="Fault injection">
            <h2>"Inject a fault"</h2>
            <label>"Kind "
                <select id="inject-kind" prop:value=move || kind.get().name()
                    on:change=move |e| if let Some(k) = InjectionKind::parse(&event_target_value(&e)) { kind.set(k) }>
                    {InjectionKind::ALL.iter().map(|k| view! { <option value=k.name()>{k.name().replace('-', " ")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Metric "
                <select id="inject-metric" prop:value=move || metric.get() on:change=move |e| metric.set(event_target_value(&e))>
                    <option value="all">"all metrics"</option>
                    {move || names().into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Ticks "
                <input id="inject-ticks" type="number" min="1" max="10000" size="5"
                    disabled=move || kind.get() == InjectionKind::TransientSpike
                    title="How many simulator ticks the fault lasts (a transient spike is one tick)"
                    prop:value=move || ticks.get().to_string()
                    on:change=on_ticks />
            </label>
            <button id="inject" class="primary" on:click=move |_| st.inject(kind.get_untracked(), &metric.get_untracked(), ticks.get_untracked())
                aria-disabled=move || st.read_only().then_some("true")
                aria-describedby=move || st.read_only().then_some(READ_ONLY_ID)
                title=move || st.read_only().then_some(READ_ONLY_NOTE)>
                "Inject"
            </button>
            <ol id="inject-log" class="inject-log" aria-label="Injected faults">
                {move || st.injected.get().into_iter().rev().take(6).map(|(t, what)| view! {
                    <li><span class="mono">{clock(t)}</span>" "{what}</li>
                }).collect_view()}
            </ol>
        </div>
    }
}

/// Open incidents of this stream, with a link to their cards.
#[component]
pub fn IncidentSummaryPanel() -> impl IntoView {
    let st = expect_context::<MonState>();
    let s = move || st.summary.get();
    view! {
        <div class="panel monitor-incidents" id="monitor-incidents" aria-live="polite"
            data-open=move || s().open.to_string()
            data-severity=move || s().worst_open.map(|v| v.to_string()).unwrap_or_default()
            data-total=move || s().all.len().to_string()>
            <h2>"Incidents"</h2>
            <p class="incident-now">{move || match s().worst_open {
                Some(sev) => format!("{} open · highest severity {sev}", s().open),
                None => "none open".to_string(),
            }}</p>
            <ul class="incident-list">
                {move || s().lines.into_iter().rev().take(6).map(|line| match line {
                    SummaryLine::One(id, sev, open) => summary_item(id, sev, open).into_any(),
                    SummaryLine::Group { uid, headline, severity, open, members } => {
                        let state = if open { "open" } else { "resolved" };
                        let n = members.len();
                        // One line a group, as the Incidents workspace's group card; its
                        // members' items stay (inline) for whoever follows one incident.
                        view! {
                            <li class=format!("group {state}") data-group=uid.clone() data-members=n.to_string()
                                data-severity=severity.to_string() data-state=state>
                                <span class="group-line">{format!("{uid} · {headline} · severity {severity} · {state}")}</span>
                                <ul class="group-members-inline">
                                    {members.into_iter().map(|(id, sev, open)| summary_item(id, sev, open)).collect_view()}
                                </ul>
                            </li>
                        }.into_any()
                    }
                }).collect_view()}
            </ul>
            <a href="#/incidents">"See the incident cards"</a>
            <div class="anomaly-log" role="group" aria-label="Anomaly log">
                <span class="muted">{move || format!("Anomaly log: {} anomalies ", s().logged)}</span>
                <button class="small" id="anomaly-log-csv" on:click=move |_| export_log(st, false)
                    title="Every logged anomaly: time, metric, value, expected, band, score, deviation, incident">"CSV"</button>
                <button class="small" id="anomaly-log-json" on:click=move |_| export_log(st, true)>"JSON"</button>
            </div>
        </div>
    }
}

/// One incident of the summary.
fn summary_item(id: u64, sev: u8, open: bool) -> impl IntoView {
    let state = if open { "open" } else { "resolved" };
    view! {
        <li data-id=id.to_string() data-severity=sev.to_string() data-state=state class=state>
            {format!("monitor-{id} · severity {sev} · {state}")}
        </li>
    }
}

/// Downloads the Monitor book's anomaly log.
fn export_log(st: MonState, json: bool) {
    use crate::core::incident::export::{anomaly_log_csv, anomaly_log_json};
    use crate::ui::pages::incidents::state::Source;
    let body = st.incidents.read(Source::Monitor, |e| {
        if json {
            anomaly_log_json(e.anomaly_log(), e.names())
        } else {
            anomaly_log_csv(e.anomaly_log(), e.names())
        }
    });
    let Some(body) = body else { return };
    let (name, mime) = if json {
        ("anomalies.json", "application/json")
    } else {
        ("anomalies.csv", "text/csv")
    };
    if let Err(e) = crate::ui::download::text(name, mime, &body) {
        st.error.set(Some(format!("Export: {e}")));
    }
}

/// Add, remove and edit simulated metrics; applying restarts the stream.
#[component]
pub fn MetricsEditor() -> impl IntoView {
    let st = expect_context::<MonState>();
    let draft = RwSignal::new(st.config.get_untracked().metrics);
    let field = move |i: usize,
                      label: &'static str,
                      get: fn(&MetricSpec) -> f64,
                      set: fn(&mut MetricSpec, f64)| {
        let on_change =
            move |e: leptos::ev::Event| match event_target_value(&e).trim().parse::<f64>() {
                Ok(v) if v.is_finite() => draft.update(|d| {
                    if let Some(m) = d.get_mut(i) {
                        set(m, v)
                    }
                }),
                _ => st
                    .error
                    .set(Some(format!("Metrics: {label} must be a number"))),
            };
        view! {
            <td><input type="number" step="any" aria-label=label class=format!("metric-{label}")
                prop:value=move || draft.with(|d| d.get(i).map(|m| get(m).to_string()).unwrap_or_default())
                on:change=on_change /></td>
        }
    };
    let remove = move |i: usize| {
        draft.update(|d| {
            if i < d.len() {
                d.remove(i);
            }
        })
    };
    let add = move |_| {
        draft.update(|d| {
            let name = (1..)
                .map(|k| format!("metric_{k}"))
                .find(|n| d.iter().all(|m| &m.name != n))
                .unwrap_or_default();
            d.push(MetricSpec::new(&name, 0.0, 100.0, 5.0, 1.0));
        })
    };
    let apply = move |_| {
        let mut config: SimConfig = st.config.get_untracked();
        config.metrics = draft.get_untracked();
        st.apply_config(config);
    };
    view! {
        <details class="panel metrics-editor" id="metrics-editor">
            <summary>"Simulated metrics"</summary>
            <p class="muted">"Each metric rises from min to max at increment units per second and falls back, plus Gaussian noise. Applying restarts the stream."</p>
            <table class="metrics-table">
                <thead><tr><th>"name"</th><th>"min"</th><th>"max"</th><th>"increment /s"</th><th>"noise sd"</th><th></th></tr></thead>
                <tbody>
                    {move || (0..draft.with(|d| d.len())).map(|i| view! {
                        <tr>
                            <td><input type="text" aria-label="name" class="metric-name"
                                prop:value=move || draft.with(|d| d.get(i).map(|m| m.name.clone()).unwrap_or_default())
                                on:change=move |e| draft.update(|d| if let Some(m) = d.get_mut(i) { m.name = event_target_value(&e).trim().to_string() }) /></td>
                            {field(i, "min", |m| m.min, |m, v| m.min = v)}
                            {field(i, "max", |m| m.max, |m, v| m.max = v)}
                            {field(i, "increment", |m| m.increment, |m, v| m.increment = v)}
                            {field(i, "noise", |m| m.noise_sd, |m, v| m.noise_sd = v)}
                            <td><button class="metric-remove" on:click=move |_| remove(i)>"Remove"</button></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <button id="metric-add" on:click=add>"Add metric"</button>
            " "
            <button id="metrics-apply" class="primary" on:click=apply>"Apply and restart"</button>
            " "
            <button id="metrics-revert" on:click=move |_| draft.set(st.config.get_untracked().metrics)>"Revert"</button>
        </details>
    }
}
