//! The Incidents workspace: every incident the detectors opened, as cards ranked open
//! first, then by severity, then newest first, with filters, acknowledge, notes, and exports (CSV, JSON, Alertmanager JSON).

pub mod silence;
mod sinks;
pub mod state;

use leptos::prelude::*;

use crate::core::incident::export::{
    alertmanager_json_grouped, incidents_csv_grouped, incidents_json_grouped,
};
use crate::core::incident::{Incident, IncidentGroup, IncidentSource, IncidentState};
use crate::core::time::{format_iso_seconds, format_stream_ms};
use crate::ui::download;
use state::{IncidentsState, Source};

fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s / 60) % 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// An inline SVG polyline of the evidence, scaled to its own range.
fn sparkline(points: &[(i64, f64)]) -> String {
    let (w, h) = (160.0, 32.0);
    let finite: Vec<(i64, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    if finite.len() < 2 {
        return String::new();
    }
    let (t0, t1) = (finite[0].0, finite[finite.len() - 1].0.max(finite[0].0 + 1));
    let hi = finite
        .iter()
        .map(|p| p.1)
        .fold(f64::MIN, f64::max)
        .max(1e-12);
    finite
        .iter()
        .map(|&(t, v)| {
            let x = (t - t0) as f64 / (t1 - t0) as f64 * w;
            let y = h - 2.0 - (v.max(0.0) / hi) * (h - 4.0);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cards (groups) shown at first, and added by each "Show more".
const PAGE: usize = 60;
/// Groups of at most this many members open with their members shown.
const EXPANDED_UP_TO: usize = 4;

/// Open before resolved, the most severe first, then newest first.
fn pressing(a: &Incident, b: &Incident) -> std::cmp::Ordering {
    (a.state != IncidentState::Open)
        .cmp(&(b.state != IncidentState::Open))
        .then(a.severity.cmp(&b.severity))
        .then(b.opened_ms.cmp(&a.opened_ms))
}

/// The Incidents workspace page.
#[component]
pub fn IncidentsPage() -> impl IntoView {
    let st = expect_context::<IncidentsState>();
    provide_context(sinks::SinksState::start(st));
    provide_context(Folds(RwSignal::new(Default::default())));
    let severity = RwSignal::new(String::from("all"));
    let status = RwSignal::new(String::from("all"));
    let source = RwSignal::new(String::from("all"));
    // Hundreds of cards (mean-threshold alerts on a long stream) come a page at a time, the
    // most pressing first.
    let shown_max = RwSignal::new(PAGE);
    // Groups (core::incident::group) with their members that pass the filters; a group
    // none of whose members pass is not shown.
    let shown = move || {
        st.version.get();
        let (sev, state, src) = (severity.get(), status.get(), source.get());
        let mut by_key: std::collections::BTreeMap<(&'static str, u64), Incident> = st
            .all()
            .into_iter()
            .filter(|(s, i)| {
                (sev == "all" || i.severity.to_string() == sev)
                    && (state == "all" || i.state.name() == state)
                    && (src == "all" || s.name() == src)
            })
            .map(|(s, i)| ((s.name(), i.id), i))
            .collect();
        let mut list: Vec<(Source, IncidentGroup, Vec<Incident>)> = st
            .groups()
            .into_iter()
            .filter_map(|(s, g)| {
                let mut members: Vec<Incident> = g
                    .members
                    .iter()
                    .filter_map(|&id| by_key.remove(&(s.name(), id)))
                    .collect();
                members.sort_by(pressing);
                (!members.is_empty()).then_some((s, g, members))
            })
            .collect();
        // Open before resolved, the most severe first, then newest first.
        list.sort_by(|a, b| {
            (a.1.state != IncidentState::Open)
                .cmp(&(b.1.state != IncidentState::Open))
                .then(a.1.severity.cmp(&b.1.severity))
                .then(b.1.last_opened_ms.cmp(&a.1.last_opened_ms))
        });
        list
    };
    let counts = move || {
        st.version.get();
        let all = st.all();
        let open = all
            .iter()
            .filter(|(_, i)| i.state == IncidentState::Open)
            .count();
        let sev1 = all
            .iter()
            .filter(|(_, i)| i.state == IncidentState::Open && i.severity == 1)
            .count();
        let groups = st.groups().len();
        format!(
            "{} incident(s): {open} open, {sev1} open at severity 1; in {groups} group(s)",
            all.len()
        )
    };
    let export = move |kind: &'static str| {
        let list: Vec<Incident> = shown().into_iter().flat_map(|(_, _, m)| m).collect();
        let groups = st.group_uids();
        let (name, mime, body) = match kind {
            "csv" => (
                "incidents.csv",
                "text/csv",
                incidents_csv_grouped(&list, &groups),
            ),
            "json" => (
                "incidents.json",
                "application/json",
                incidents_json_grouped(&list, &groups),
            ),
            _ => {
                // Simulator stream times are mapped so the latest one is now: Alertmanager
                // wants wall-clock RFC 3339 times.
                let latest = list
                    .iter()
                    .map(|i| i.end_ms.unwrap_or(i.opened_ms + i.duration_ms))
                    .max()
                    .unwrap_or(0);
                // A replayed file's times are already wall-clock (epoch) times.
                let origin = if latest as f64 >= crate::charts::EPOCH_FROM_S * 1000.0 {
                    0
                } else {
                    js_sys::Date::now() as i64 - latest
                };
                (
                    "alertmanager.json",
                    "application/json",
                    alertmanager_json_grouped(&list, origin, &groups),
                )
            }
        };
        let _ = download::text(name, mime, &body);
    };
    let select = |id: &'static str,
                  label: &'static str,
                  sig: RwSignal<String>,
                  options: &'static [(&'static str, &'static str)]| {
        view! {
            <label>{label}" "
                <select id=id prop:value=move || sig.get() on:change=move |e| sig.set(event_target_value(&e))>
                    {options.iter().map(|(v, t)| view! { <option value=*v>{*t}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <div class="workspace-head">
            <h1>"Incidents"</h1>
            <span class="muted" id="incident-counts">{counts}</span>
        </div>
        <div class="panel incident-filters">
            {select("filter-severity", "Severity", severity, &[("all", "all"), ("1", "1 (page)"), ("2", "2")])}
            {select("filter-state", "State", status, &[("all", "all"), ("open", "open"), ("resolved", "resolved")])}
            {select("filter-source", "Source", source, &[("all", "all"), ("monitor", "Monitor"), ("errors", "Errors"), ("checks", "Checks")])}
            <span class="spacer"></span>
            <button id="export-incidents-csv" on:click=move |_| export("csv")>"Export CSV"</button>
            <button id="export-incidents-json" on:click=move |_| export("json")>"Export JSON"</button>
            <button id="export-alertmanager" on:click=move |_| export("am")
                title="Alertmanager's alert JSON (labels, annotations, startsAt, endsAt), ready to POST to /api/v2/alerts">
                "Export for Alertmanager"</button>
        </div>
        <sinks::SinksPanel />
        {move || st.notes_problem.get().map(|p| view! { <div class="problem" id="notes-problem" role="alert">{p}</div> })}
        <div class="incident-grid" id="incident-list">
            {move || {
                let list = shown();
                if list.is_empty() {
                    return view! {
                        <p class="placeholder muted" id="no-incidents">
                            "No incident matches. Incidents open here by themselves: from the Monitor workspace when \
                             metrics stay outside their forecast band, and from the Errors workspace when a build \
                             raises an error code."
                        </p>
                    }.into_any();
                }
                let total = list.len();
                let cards = list.into_iter().take(shown_max.get()).map(|(src, g, mut members)| {
                    if members.len() == 1 {
                        view! { <Card source=src incident=members.remove(0) group=g.uid() /> }.into_any()
                    } else {
                        view! { <GroupCard source=src group=g members=members /> }.into_any()
                    }
                }).collect_view();
                let left = total.saturating_sub(shown_max.get());
                view! {
                    {cards}
                    {(left > 0).then(|| view! {
                        <p class="more">
                            <button id="incidents-more" on:click=move |_| shown_max.update(|n| *n += PAGE)>
                                {format!("Show {} more ({left} not shown)", left.min(PAGE))}
                            </button>
                        </p>
                    })}
                }.into_any()
            }}
        </div>
    }
}

/// Which groups the user opened or folded, by group uid.
#[derive(Clone, Copy)]
struct Folds(RwSignal<std::collections::HashMap<String, bool>>);

/// Several incidents of one source that opened close together (core::incident::group): a
/// header with what they share, their members inside (shown or hidden), and acknowledge
/// and silence for all of them.
#[component]
fn GroupCard(source: Source, group: IncidentGroup, members: Vec<Incident>) -> impl IntoView {
    let st = expect_context::<IncidentsState>();
    let uid = group.uid();
    let n = members.len();
    // Kept by the page, so a card redrawn as the stream moves stays as the user left it.
    let folds = expect_context::<Folds>().0;
    let default_open = n <= EXPANDED_UP_TO;
    let key = uid.clone();
    let expanded = Memo::new(move |_| folds.with(|m| m.get(&key).copied().unwrap_or(default_open)));
    let fold_key = uid.clone();
    let toggle = move |_| {
        let now = expanded.get_untracked();
        folds.update(|m| {
            m.insert(fold_key.clone(), !now);
        });
    };
    let body_id = format!("{uid}-members");
    let member_group = uid.clone();
    let unacked: Vec<u64> = members
        .iter()
        .filter(|i| !i.acknowledged)
        .map(|i| i.id)
        .collect();
    let open = group.state == IncidentState::Open;
    let open_now = members
        .iter()
        .filter(|i| i.state == IncidentState::Open)
        .count();
    let silenced = members.iter().filter(|i| i.silenced.is_some()).count();
    let headline = group.headline();
    let end = group.end_ms.map_or("ongoing".to_string(), format_stream_ms);
    let silence_form = (open && st.can_silence(source))
        .then(|| view! { <silence::SilenceForm source=source matchers=silence::matchers_for_group(&members) /> });
    let members = StoredValue::new(members);
    let toggle_label = move || {
        if expanded.get() {
            format!("Hide the {n} incidents")
        } else {
            format!("Show the {n} incidents")
        }
    };
    view! {
        <section class="incident-group" data-group=uid.clone() data-source=source.name()
            data-severity=group.severity.to_string() data-state=group.state.name() data-members=n.to_string()
            aria-label=format!("Group {uid}: {n} incidents")>
            <header>
                <span class=format!("sev sev{}", group.severity)>{format!("SEV {}", group.severity)}</span>
                <span class=format!("state {}", group.state.name())>{group.state.name()}</span>
                <span class="muted uid" title="The group label every member is sent to Alertmanager with">{uid.clone()}</span>
            </header>
            <h3 class="what">{headline}</h3>
            <p class="group-span">{format!("{} to {end} · {open_now} open", format_stream_ms(group.start_ms))}
                {(silenced > 0).then(|| format!(" · {silenced} silenced (not sent)"))}</p>
            <div class="row group-actions">
                <button class="group-toggle" aria-expanded=move || expanded.get().to_string()
                    aria-controls=body_id.clone() on:click=toggle>{toggle_label}</button>
                {if unacked.is_empty() {
                    view! { <span class="acked">"All acknowledged"</span> }.into_any()
                } else {
                    let k = unacked.len();
                    view! {
                        <button class="ack-group" on:click=move |_| st.acknowledge_all(source, &unacked)
                            title="Acknowledge every incident of the group">{format!("Acknowledge all {k}")}</button>
                    }.into_any()
                }}
                {silence_form}
            </div>
            <div class="group-members incident-grid" id=body_id>
                {move || expanded.get().then(|| members.with_value(|m| m.iter().cloned().map(|i| {
                    view! { <Card source=source incident=i group=member_group.clone() /> }
                }).collect_view()))}
            </div>
        </section>
    }
}

/// One incident.
#[component]
fn Card(source: Source, incident: Incident, group: String) -> impl IntoView {
    let st = expect_context::<IncidentsState>();
    let sinks = expect_context::<sinks::SinksState>();
    let i = incident;
    let id = i.id;
    let for_sinks = i.clone();
    let open = i.state == IncidentState::Open;
    let (what, detail) = match &i.source {
        IncidentSource::Metrics => (
            i.metrics.join(", "),
            format!("peak deviation {:.1}× the band · {} anomalies", i.peak_deviation, i.anomaly_count),
        ),
        // A code the baseline has none of reads as new with its counts, not as a ratio.
        IncidentSource::ErrorAlert { code, method, baseline_count: 0, candidate_count, .. } if *candidate_count > 0 => (
            format!("error code {code}"),
            format!("{method}: {}", crate::core::errors::new_code_text(*candidate_count)),
        ),
        IncidentSource::Check { check, level, column, observed, expected, file } => (
            format!("check {check}{}", column.as_ref().map(|c| format!(" on {c}")).unwrap_or_default()),
            format!("{level} · {file}: found {observed}; expected {expected} · failed on {} file{}",
                i.anomaly_count, if i.anomaly_count == 1 { "" } else { "s" }),
        ),
        IncidentSource::Rule { rule, condition, target, .. } => (
            format!("rule {rule} on {target}"),
            format!("{condition} · {}", i.source.rule_evidence().unwrap_or_default()),
        ),
        IncidentSource::ErrorAlert { code, method, ratio, ci_low, baseline_count, candidate_count, .. } => (
            format!("error code {code}"),
            format!(
                "{method}: rate ratio {ratio:.2}{} · baseline {baseline_count} / candidate {candidate_count}",
                ci_low.map_or(String::new(), |l| format!(" (95% lower bound {l:.2})"))
            ),
        ),
    };
    // Severity is decided at the episode's peak and only escalates: say what decided it.
    let reason = st.read(source, |e| i.severity_reason(e.config())).flatten();
    let end = i.end_ms.map_or("ongoing".to_string(), format_stream_ms);
    let spark = sparkline(&i.sparkline);
    let note = i.note.clone();
    let silenced = i.silenced.clone();
    let silence_form = (open && st.can_silence(source)).then(
        || view! { <silence::SilenceForm source=source matchers=silence::matchers_for(&i) /> },
    );
    view! {
        <article class="incident-card" data-uid=i.uid() data-group=group data-source=source.name() data-severity=i.severity.to_string()
            data-state=i.state.name() data-metrics=i.metrics.join(",") data-acknowledged=i.acknowledged.to_string()
            data-silenced=i.silenced.is_some().to_string()>
            <header>
                <span class=format!("sev sev{}", i.severity)>{format!("SEV {}", i.severity)}</span>
                <span class=format!("state {}", i.state.name())>{i.state.name()}</span>
                <span class="muted uid" title="Unique across workspaces; the incident_id label sent to Alertmanager">{i.uid()}</span>
            </header>
            <h3 class="what">{what}</h3>
            <dl>
                <dt>"Start"</dt><dd class="start">{format_stream_ms(i.start_ms)}</dd>
                <dt>"End"</dt><dd class="end">{end}</dd>
                <dt>"Duration"</dt><dd>{duration(i.duration_ms)}</dd>
            </dl>
            <p class="detail">{detail}</p>
            {reason.map(|r| view! { <p class="severity-reason">{r}</p> })}
            {silenced.map(|s| view! {
                <p class="silenced-mark" title="Recorded here, not sent to any sink while the silence lasts">
                    <strong>"Silenced"</strong>{format!(" by {s}: not sent to any sink")}</p>
            })}
            {silence_form}
            {(!spark.is_empty()).then(|| view! {
                <svg class="spark" viewBox="0 0 160 32" width="160" height="32" role="img" aria-label="Evidence over time">
                    <polyline points=spark fill="none" stroke="currentColor" stroke-width="1.5" />
                </svg>
            })}
            {move || {
                let lines = sinks.card_lines(source, &for_sinks);
                (!lines.is_empty()).then(|| view! {
                    <ul class="delivery">
                        {lines.into_iter().map(|(name, state, text)| view! {
                            <li data-sink=name.clone() data-delivery=state>{format!("{name}: {text}")}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <footer>
                {if i.acknowledged {
                    let when = st.acknowledged_at(source, &i).map(|ms| format!(" at {}", format_iso_seconds(ms.div_euclid(1000))));
                    view! {
                        <span class="acked" title="Acknowledged on this device; kept across reloads">
                            {format!("Acknowledged{}", when.unwrap_or_default())}</span>
                        <button class="unack link" on:click=move |_| st.unacknowledge(source, id)
                            title="Take the acknowledgement back">"Undo"</button>
                    }.into_any()
                } else {
                    view! {
                        <button class="ack" on:click=move |_| st.acknowledge(source, id)
                            title="Mark as seen by a person; kept across reloads, and can be undone">"Acknowledge"</button>
                    }.into_any()
                }}
                <input class="note" type="text" placeholder="Add a note…" aria-label="Note" prop:value=note
                    on:change=move |e| st.set_note(source, id, &event_target_value(&e)) />
            </footer>
            {open.then(|| view! { <span class="visually-hidden">"open incident"</span> })}
        </article>
    }
}
