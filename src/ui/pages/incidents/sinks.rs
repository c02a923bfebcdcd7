//! Where incidents are sent besides this page: an Alertmanager and a webhook, set in the
//! Incidents workspace. A loop checks every second what each sink owes (`core::sink`
//! decides) and posts it; what each sink acknowledged is kept in localStorage, so a reload
//! neither loses nor repeats a delivery.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::state::{IncidentsState, Source};
use crate::core::incident::Incident;
use crate::core::sink::{read_answer, Ledger, Sink, SinkKind};

/// localStorage key of the sinks and their ledgers.
const STORE_KEY: &str = "pipescope-sinks";
/// How often the loop looks for due deliveries, ms.
const TICK_MS: u32 = 1_000;

/// One configured sink and what it acknowledged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configured {
    /// Where to.
    pub sink: Sink,
    /// Delivery record.
    pub ledger: Ledger,
    /// A POST is under way (not kept).
    #[serde(skip)]
    pub busy: bool,
}

/// The app's sinks, provided as context by the Incidents workspace.
#[derive(Clone, Copy)]
pub struct SinksState {
    /// The sinks, at most one of each kind.
    pub sinks: RwSignal<Vec<Configured>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load() -> Vec<Configured> {
    storage()
        .and_then(|s| s.get_item(STORE_KEY).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The page's address without its fragment: alerts link back to it.
fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

impl SinksState {
    /// The sinks kept from earlier visits, with the delivery loop running.
    pub fn start(incidents: IncidentsState) -> Self {
        let st = SinksState {
            sinks: RwSignal::new(load()),
        };
        if let Some(app) = use_context::<crate::ui::shell::AppState>() {
            Effect::new(move |_| {
                let urls = st
                    .sinks
                    .with(|s| s.iter().map(|c| c.sink.url().to_string()).collect());
                app.set_remote("alert sinks", urls);
            });
        }
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(TICK_MS).await;
                st.deliver(incidents);
            }
        });
        st
    }

    fn save(&self) {
        let text = self.sinks.with_untracked(|s| serde_json::to_string(s).ok());
        if let (Some(store), Some(text)) = (storage(), text) {
            // A full storage keeps delivering from memory; the sink's line says so.
            if store.set_item(STORE_KEY, &text).is_err() {
                self.sinks.update(|s| {
                    for c in s.iter_mut() {
                        c.ledger.last_error = Some(
                            "the browser's storage is full: deliveries go on, but a reload \
                             may send some incidents again"
                                .into(),
                        );
                    }
                });
            }
        }
    }

    /// Sets the sink of `kind` to `url` (replacing one of that kind); Err says why not.
    pub fn set(&self, kind: SinkKind, url: &str) -> Result<(), String> {
        let sink = Sink::new(kind, url).map_err(|e| e.to_string())?;
        self.sinks.update(|s| {
            s.retain(|c| c.sink.kind() != kind);
            s.push(Configured {
                sink,
                ledger: Ledger::new(now_ms() as u64),
                busy: false,
            });
        });
        self.save();
        Ok(())
    }

    /// Removes the sink of `kind`.
    pub fn remove(&self, kind: SinkKind) {
        self.sinks.update(|s| s.retain(|c| c.sink.kind() != kind));
        self.save();
    }

    /// Posts what each idle sink owes now.
    fn deliver(&self, incidents: IncidentsState) {
        if self.sinks.with_untracked(Vec::is_empty) {
            return;
        }
        let all: Vec<(String, Incident)> = incidents
            .all()
            .into_iter()
            .map(|(s, i)| (s.name().to_string(), i))
            .collect();
        // A source whose incidents carry epoch times runs on wall time (a live source, a
        // replay of dated rows); the simulator's start at 0 does not.
        let epoch = crate::charts::EPOCH_FROM_S * 1000.0;
        let wall_sources: Vec<String> = all
            .iter()
            .filter(|(_, i)| i.start_ms as f64 >= epoch)
            .map(|(s, _)| s.clone())
            .collect();
        let wall = move |s: &str| wall_sources.iter().any(|w| w == s);
        // The group is what a sink receives (core::sink::Ledger::due_grouped).
        let groups = incidents.group_uids();
        let group = move |_: &str, i: &Incident| groups.get(&i.uid()).cloned();
        let url = page_url();
        let now = now_ms();
        let count = self.sinks.with_untracked(Vec::len);
        for k in 0..count {
            let job = self.sinks.try_update(|s| {
                let c = s.get_mut(k)?;
                if c.busy {
                    return None;
                }
                c.ledger.keep_only(&all);
                let per_group = c.sink.kind() == SinkKind::Webhook;
                let batch = c
                    .ledger
                    .due_grouped(now, &all, &group, per_group, &wall, &url)?;
                c.busy = true;
                Some((c.sink.clone(), batch))
            });
            let Some(Some((sink, batch))) = job else {
                continue;
            };
            let st = *self;
            let body = sink.body(&batch, &url);
            spawn_local(async move {
                let result =
                    crate::ui::net::request("POST", &sink.endpoint(), Some(&body), sink.url())
                        .await
                        .and_then(|(status, bytes)| read_answer(&sink, status, &bytes));
                let done = now_ms();
                st.sinks.update(|s| {
                    if let Some(c) = s.iter_mut().find(|c| c.sink == sink) {
                        c.busy = false;
                        match &result {
                            Ok(()) => c.ledger.succeeded(&batch, done),
                            Err(e) => {
                                c.ledger.failed(e, done);
                            }
                        }
                    }
                });
                st.save();
            });
        }
    }

    /// One line per sink on a card: how this incident stands with it.
    pub fn card_lines(
        &self,
        source: Source,
        incident: &Incident,
    ) -> Vec<(String, &'static str, String)> {
        self.sinks.with(|s| {
            s.iter()
                .map(|c| {
                    let name = kind_name(c.sink.kind()).to_string();
                    let key = crate::core::sink::key_of(source.name(), incident);
                    match c.ledger.delivered(&key) {
                        Some(d) => (
                            name,
                            "sent",
                            format!(
                                "{} {}",
                                d.state.name(),
                                crate::core::time::format_iso_seconds(d.at_ms.div_euclid(1000))
                            ),
                        ),
                        None if c.ledger.last_error.is_some() => {
                            (name, "failing", "not delivered yet, retrying".into())
                        }
                        None => (name, "pending", "sending…".into()),
                    }
                })
                .collect()
        })
    }
}

fn kind_name(kind: SinkKind) -> &'static str {
    match kind {
        SinkKind::Alertmanager => "Alertmanager",
        SinkKind::Webhook => "Webhook",
    }
}

/// One sink's row: its address, save and remove, and how its deliveries stand.
#[component]
fn SinkRow(
    kind: SinkKind,
    id: &'static str,
    placeholder: &'static str,
    help: &'static str,
) -> impl IntoView {
    let st = expect_context::<SinksState>();
    let current = move || {
        st.sinks
            .with(|s| s.iter().find(|c| c.sink.kind() == kind).cloned())
    };
    let text = RwSignal::new(
        current()
            .map(|c| c.sink.url().to_string())
            .unwrap_or_default(),
    );
    let problem = RwSignal::new(None::<String>);
    let save = move |_| match st.set(kind, &text.get_untracked()) {
        Ok(()) => problem.set(None),
        Err(e) => problem.set(Some(e)),
    };
    let state = move || match current() {
        None => "off",
        Some(c) if c.ledger.last_error.is_some() => "error",
        Some(_) => "ok",
    };
    let line = move || match current() {
        None => "Not set: incidents stay in this page.".to_string(),
        Some(c) => match &c.ledger.last_error {
            Some(e) => format!(
                "{e} (attempt {} failed; next at {})",
                c.ledger.failures(),
                crate::core::time::format_iso_seconds(c.ledger.retry_at_ms().div_euclid(1000))
            ),
            None => format!(
                "Sending to {}: {} message(s) delivered (firing, repeated and resolved).",
                c.sink.endpoint(),
                c.ledger.sent
            ),
        },
    };
    view! {
        <div class="sink" data-kind=kind_name(kind)>
            <label>{kind_name(kind)}" "
                <input id=format!("{id}-url") type="text" placeholder=placeholder title=help
                    prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e)) />
            </label>
            <button id=format!("{id}-save") on:click=save>"Send here"</button>
            <button id=format!("{id}-remove") class="link" disabled=move || current().is_none()
                on:click=move |_| { st.remove(kind); text.set(String::new()); }>"Stop sending"</button>
            <span id=format!("{id}-status") class="sink-status" role="status" data-state=state>{line}</span>
            {move || problem.get().map(|p| view! { <div class="problem" role="alert">{p}</div> })}
        </div>
    }
}

/// The sinks panel of the Incidents workspace.
#[component]
pub fn SinksPanel() -> impl IntoView {
    let st = expect_context::<SinksState>();
    // Open when a sink is set, so its state is in view; the user may fold it.
    let set = st.sinks.with_untracked(|s| !s.is_empty());
    view! {
        <details class="panel sinks" id="sinks" open=set>
            <summary>"Send incidents to Alertmanager or a webhook"</summary>
            <p class="hint">"Open incidents are sent when they open, again every minute while open, and when they \
                resolve. Labels: alertname, severity, source, incident_id, group, metric (code and method for \
                error regressions). Incidents of one group share its group label (route with group_by: [group] \
                for one notification per group); a webhook gets one payload per group. Nothing is sent anywhere unless you set a sink here."</p>
            <SinkRow kind=SinkKind::Alertmanager id="sink-am" placeholder="http://localhost:9093 or /alertmanager"
                help="The Alertmanager base URL (the part before /api/v2); alerts are POSTed to /api/v2/alerts" />
            <SinkRow kind=SinkKind::Webhook id="sink-hook" placeholder="https://hooks.example/pipescope"
                help="Any URL taking Alertmanager's webhook payload (version 4), e.g. a chat tool's incoming webhook" />
        </details>
    }
}
