//! The Monitor's live Prometheus source: the connect form, the status line, and the loop
//! that backfills the history, then polls each step (the core plans the requests and reads
//! the answers; this file only fetches and paces).

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::state::{LiveStatus, MonState};
use crate::core::live::{Answer, Backoff, Credentials, LiveError, PromSource, SeriesBook};
use crate::core::time::range::TimeRange;

/// Shows a source's time range in the form's From and To (empty when it has none).
fn show_range(source: &PromSource, from: RwSignal<String>, to: RwSignal<String>) {
    match source.time_range() {
        Some(r) => {
            from.set(r.from.text());
            to.set(if r.follows_now() {
                String::new()
            } else {
                r.to.text()
            });
        }
        None => {
            from.set(String::new());
            to.set(String::new());
        }
    }
}

async fn fetch_answer(
    source: &PromSource,
    r: &crate::core::live::RangeRequest,
) -> Result<Answer, LiveError> {
    let (status, body) =
        crate::ui::net::request("GET", &source.url(r), None, source.base()).await?;
    let signed = crate::ui::secrets::get(source.base()).is_some();
    source
        .read(status, &body)
        .map_err(|e| e.with_credentials_sent(signed))
}

fn now_epoch_ms() -> i64 {
    js_sys::Date::now() as i64
}

async fn sleep(ms: i64) {
    gloo_timers::future::TimeoutFuture::new(ms.clamp(0, u32::MAX as i64) as u32).await;
}

fn warnings(answers: &[Answer]) -> Vec<String> {
    let mut w: Vec<String> = answers
        .iter()
        .flat_map(|a| a.notes.iter())
        .filter(|n| n.kind == crate::core::source::NoteKind::Warning)
        .map(|n| n.message.clone())
        .collect();
    w.dedup();
    w
}

/// Fetches every request in order, retrying transient failures with backoff while the
/// source is still the stream's; None when the source was left or a failure is final.
async fn fetch_all(
    st: MonState,
    source: &Rc<PromSource>,
    requests: &[crate::core::live::RangeRequest],
    backoff: &mut Backoff,
    mut progress: impl FnMut(usize),
) -> Option<Vec<Answer>> {
    let mut answers = Vec::with_capacity(requests.len());
    let mut i = 0;
    while i < requests.len() {
        if !alive(st, source) {
            return None;
        }
        progress(i);
        match fetch_answer(source, &requests[i]).await {
            Ok(a) => {
                backoff.succeed();
                answers.push(a);
                i += 1;
            }
            Err(e) => {
                if !alive(st, source) {
                    return None;
                }
                let retry = e.is_transient().then(|| backoff.fail());
                st.live_status.set(LiveStatus::Error {
                    kind: e.kind(),
                    message: e.to_string(),
                    retry_ms: retry,
                });
                sleep(retry?).await;
            }
        }
    }
    Some(answers)
}

/// The source is the one the stream follows, or the one being connected.
fn alive(st: MonState, source: &Rc<PromSource>) -> bool {
    st.is_live_source(source)
        || st
            .connecting
            .with_value(|c| c.as_ref().is_some_and(|c| Rc::ptr_eq(c, source)))
}

/// Connects to `source`: backfills its history, starts the stream, then polls.
pub fn connect(st: MonState, source: PromSource) {
    let source = Rc::new(source);
    st.connecting.set_value(Some(source.clone()));
    st.live_status.set(LiveStatus::Connecting);
    spawn_local(async move {
        let mut backoff = Backoff::new(now_epoch_ms() as u64);
        let requests = source.backfill(now_epoch_ms());
        let total = requests.len();
        let answers = fetch_all(st, &source, &requests, &mut backoff, |done| {
            st.live_status.set(if done == 0 {
                LiveStatus::Connecting
            } else {
                LiveStatus::Backfilling { done, total }
            });
        })
        .await;
        let Some(answers) = answers else { return };
        let mut book = SeriesBook::default();
        let (events, _) = book.take(&answers);
        if book.names().is_empty() {
            st.connecting.set_value(None);
            st.live_status.set(LiveStatus::Error {
                kind: "empty",
                message: format!(
                    "{}: the queries matched no series in the {} fetched; check the \
                     metric names (the server's /graph page lists them) and the history",
                    source.base(),
                    crate::core::source::duration(source.span_ms(now_epoch_ms()))
                ),
                retry_ms: None,
            });
            return;
        }
        let w = warnings(&answers);
        st.connecting.set_value(None);
        let until = requests.iter().map(|r| r.end_ms).max();
        st.start_live(source.clone(), book.names().to_vec(), events, until);
        st.app.status.set(format!(
            "Prometheus: {} series, {} history",
            book.names().len(),
            crate::core::source::duration(source.span_ms(now_epoch_ms()))
        ));
        if source.is_replay() {
            replayed(st, &source, &requests, book.names().len());
            return;
        }
        poll(st, source, book, backoff, w).await;
    });
}

/// A past range has been fetched and judged: nothing more will come, so nothing is polled.
fn replayed(
    st: MonState,
    source: &Rc<PromSource>,
    requests: &[crate::core::live::RangeRequest],
    series: usize,
) {
    let from_ms = requests.iter().map(|r| r.start_ms).min().unwrap_or(0);
    let to_ms = requests.iter().map(|r| r.end_ms).max().unwrap_or(0);
    if st.is_live_source(source) {
        st.live_status.set(LiveStatus::Replayed {
            series,
            from_ms,
            to_ms,
        });
    }
}

/// Polls the stream's live source after a recovery, from its newest journaled point.
pub fn resume(st: MonState, source: Rc<PromSource>) {
    let names = st.live_names.get_untracked();
    let newest = st.judged_ms.get_untracked();
    let book = SeriesBook::with_series(names.clone(), vec![newest; names.len()]);
    if source.is_replay() {
        // A recovered replay of a past range holds all of it already.
        let (from_ms, to_ms) = source
            .time_range()
            .map_or((0, newest), |r| r.resolve(now_epoch_ms()));
        st.live_status.set(LiveStatus::Replayed {
            series: names.len(),
            from_ms,
            to_ms,
        });
        return;
    }
    st.live_status.set(LiveStatus::Connecting);
    spawn_local(async move {
        let backoff = Backoff::new(now_epoch_ms() as u64);
        poll(st, source, book, backoff, Vec::new()).await;
    });
}

async fn poll(
    st: MonState,
    source: Rc<PromSource>,
    mut book: SeriesBook,
    mut backoff: Backoff,
    mut warn: Vec<String>,
) {
    loop {
        if !st.is_live_source(&source) {
            return;
        }
        st.live_status.set(LiveStatus::Live {
            series: book.names().len(),
            newest_ms: book.newest_ms().unwrap_or(0),
            warnings: warn.clone(),
        });
        sleep(source.poll_every_ms()).await;
        let now = now_epoch_ms();
        let after = book.newest_ms().unwrap_or(now - source.history_ms());
        let requests = source.poll(after, now);
        if requests.is_empty() {
            continue;
        }
        let Some(answers) = fetch_all(st, &source, &requests, &mut backoff, |_| {}).await else {
            if st.is_live_source(&source)
                && st
                    .live_status
                    .with_untracked(|s| matches!(s, LiveStatus::Error { retry_ms: None, .. }))
            {
                // A final failure (the query was refused): stop, keep what was judged.
                st.live.set(None);
            }
            return;
        };
        if !st.is_live_source(&source) {
            return;
        }
        warn = warnings(&answers);
        let known = book.names().len();
        let (events, fresh) = book.take(&answers);
        let fresh_names: Vec<String> = fresh
            .iter()
            .filter_map(|&id| book.names().get(id as usize).cloned())
            .collect();
        debug_assert!(fresh.iter().all(|&id| id as usize >= known));
        // The answers cover every evaluation time up to the requests' end: a series with
        // no point there has stopped reporting, and the stream's clock still moves.
        let until = requests.iter().map(|r| r.end_ms).max();
        st.live_receive(&fresh_names, events, until);
    }
}

/// Stops polling; the stream so far stays.
fn stop_live(st: MonState) {
    st.connecting.set_value(None);
    st.live.set(None);
    st.live_status.set(LiveStatus::Stopped);
    st.app
        .status
        .set("Prometheus: stopped; the stream so far stays on screen".into());
}

fn number(e: &ev::Event) -> Option<f64> {
    let input: web_sys::HtmlInputElement = e.target()?.unchecked_into();
    input.value().trim().parse().ok()
}

/// The form that connects the Monitor to a Prometheus server, and the status line.
#[component]
pub fn LiveForm(open: RwSignal<bool>) -> impl IntoView {
    let st = expect_context::<MonState>();
    let url = RwSignal::new(String::new());
    let queries = RwSignal::new(String::new());
    let step_s = RwSignal::new(15.0_f64);
    let history_min = RwSignal::new(60.0_f64);
    // The time range as typed (`now-6h`, RFC 3339): From empty means the last History.
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let signin = SignIn::new();
    // A shared link (`#/monitor?prom=…&query=…`) fills the form; a server on this page's
    // origin is connected at once, another origin waits for the user's Connect.
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let fill = move |source: &PromSource| {
        url.set(source.base().to_string());
        signin.fill(source.base());
        queries.set(source.queries().join("\n"));
        step_s.set(source.step_ms() as f64 / 1000.0);
        history_min.set(source.history_ms() as f64 / 60_000.0);
        show_range(source, from, to);
        open.set(true);
    };
    match crate::ui::route::View::from_hash(&hash).prom_source() {
        Some(Ok(source)) => {
            fill(&source);
            if source.same_origin() && st.live.get_untracked().is_none() {
                connect(st, source);
            } else if !source.same_origin() {
                problem.set(Some(format!(
                    "This link asks to watch {} on another origin: check the address and press Connect.",
                    source.base()
                )));
            }
        }
        Some(Err(e)) => {
            open.set(true);
            problem.set(Some(format!("The link's settings: {e}")));
        }
        None => {}
    }
    // A portal's `source` command (ui::embed) comes from an origin the deployer allowed:
    // it connects at once, wherever the server is (the CSP still has the last word).
    expect_context::<crate::ui::dispatch::Dispatch>().on_source(move |source| match source {
        Some(source) => {
            fill(&source);
            problem.set(None);
            connect(st, source);
        }
        None => stop_live(st),
    });
    // New settings (or Reset) on a live stream: connect again, history and all.
    Effect::new(move |_| {
        if let Some(source) = st.live_restart.get() {
            st.live_restart.set(None);
            connect(st, (*source).clone());
        }
    });
    // A recovered (or reconnected) stream shows its source in the form, so Connect after
    // a failed resume (credentials asked again) needs no retyping.
    Effect::new(move |_| {
        if let Some(source) = st.live.get() {
            if url.get_untracked().trim().is_empty() {
                url.set(source.base().to_string());
                queries.set(source.queries().join("\n"));
                step_s.set(source.step_ms() as f64 / 1000.0);
                history_min.set(source.history_ms() as f64 / 60_000.0);
                show_range(&source, from, to);
                signin.fill(source.base());
            }
        }
    });
    Effect::new(move |_| {
        let servers = st
            .live
            .with(|l| l.iter().map(|l| l.base().to_string()).collect());
        st.app.set_remote("Prometheus", servers);
    });
    // After a recovery the stream is live with no loop: resume it.
    Effect::new(move |_| {
        if let Some(source) = st.live.get() {
            if st.live_status.get() == LiveStatus::Idle && !st.recovering.get() {
                resume(st, source);
            }
        }
    });
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let range = TimeRange::parse(Some(&from.get_untracked()), Some(&to.get_untracked()))
            .map_err(|e| LiveError::Setting {
                field: "Time range",
                message: e.to_string(),
            });
        let built = range.and_then(|range| {
            PromSource::builder()
                .base(&url.get_untracked())
                .queries(&queries.get_untracked())
                .step_ms((step_s.get_untracked() * 1000.0).round() as i64)
                .history_ms((history_min.get_untracked() * 60_000.0).round() as i64)
                .range(range)
                .build()
        });
        let signed = built.and_then(|source| signin.keep(source.base()).map(|note| (source, note)));
        match signed {
            Ok((source, note)) => {
                problem.set(note);
                connect(st, source);
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let stop = move |_| stop_live(st);
    view! {
        <Show when=move || open.get()>
            <form class="panel live-form" id="prom-form" on:submit=submit
                aria-label="Connect to a Prometheus server">
                <label>"Server "
                    <input id="prom-url" type="text" placeholder="http://localhost:9090 or /prometheus"
                        title="The Prometheus base URL (the part before /api/v1): an address, or a path on this page's server (a reverse proxy). Mimir, Thanos and VictoriaMetrics work too."
                        prop:value=move || url.get()
                        on:input=move |e| url.set(event_target_value(&e))
                        on:change=move |_| signin.fill(url.get_untracked().trim().trim_end_matches('/')) />
                </label>
                <label class="queries">"Queries (one PromQL per line) "
                    <textarea id="prom-queries" rows="2" placeholder="rate(http_requests_total[5m])"
                        prop:value=move || queries.get()
                        on:input=move |e| queries.set(event_target_value(&e))></textarea>
                </label>
                <label>"Step, s "
                    <input id="prom-step" type="number" min="0.1" step="any"
                        title="Seconds between points: the series' scrape interval (Prometheus' default is 15)"
                        prop:value=move || step_s.get().to_string()
                        on:change=move |e| if let Some(v) = number(&e) { step_s.set(v) } />
                </label>
                <label>"History, min "
                    <input id="prom-history" type="number" min="0" step="any"
                        disabled=move || !from.get().trim().is_empty()
                        title="Minutes of history fetched first, so the detectors have learnt the metric before the first live point"
                        prop:value=move || history_min.get().to_string()
                        on:change=move |e| if let Some(v) = number(&e) { history_min.set(v) } />
                </label>
                <label>"From "
                    <input id="prom-from" type="text" size="20" placeholder="now-1h"
                        title="Start of the range fetched first: an RFC 3339 time (2026-12-06T10:00:00Z) or relative to now (now-6h; units s, m, h, d, w). Empty: the last History minutes."
                        prop:value=move || from.get()
                        on:input=move |e| from.set(event_target_value(&e)) />
                </label>
                <label>"To "
                    <input id="prom-to" type="text" size="20" placeholder="now"
                        title="End of the range: empty or now follows the present (live polling); any other time replays that past range, fetched once and not polled."
                        prop:value=move || to.get()
                        on:input=move |e| to.set(event_target_value(&e)) />
                </label>
                <SignInFields signin open_when=Signal::derive(move || st.live_status.with(|s| matches!(s, LiveStatus::Error { kind: "auth", .. }))) />
                <button id="prom-connect" type="submit">"Connect"</button>
                <button id="prom-disconnect" type="button" class="link"
                    disabled=move || st.live.with(Option::is_none)
                    on:click=stop>"Stop"</button>
                {move || problem.get().map(|p| view! { <div class="problem" role="alert">{p}</div> })}
            </form>
        </Show>
        <Show when=move || open.get() || st.live_status.with(|s| *s != LiveStatus::Idle)>
            <div class="panel live-status" id="prom-status" role="status"
                data-state=move || st.live_status.with(LiveStatus::state)
                data-kind=move || st.live_status.with(|s| match s { LiveStatus::Error { kind, .. } => *kind, _ => "" })>
                {move || st.live.get().map(|l| view! {
                    <a class="share" id="prom-link" href=crate::ui::route::View::monitor_live(&l)
                        title="A link that opens this view and connects to the same server and queries">"Link to this view"</a>
                    " "
                })}
                {move || match st.live_status.get() {
                    LiveStatus::Idle => "Not connected.".to_string(),
                    LiveStatus::Connecting => "Connecting…".to_string(),
                    LiveStatus::Backfilling { done, total } => format!("Fetching history: {done} of {total} requests…"),
                    LiveStatus::Live { series, newest_ms, warnings } => {
                        let mut s = format!(
                            "Live: {series} series, newest sample {}",
                            crate::core::time::format_iso_seconds(newest_ms.div_euclid(1000))
                        );
                        if !warnings.is_empty() {
                            s.push_str(&format!(" · server warning: {}", warnings.join("; ")));
                        }
                        s
                    }
                    LiveStatus::Replayed { series, from_ms, to_ms } => format!(
                        "Replay of a past range: {series} series from {} to {}; not polling (the range has a fixed end).",
                        crate::core::time::format_iso_seconds(from_ms.div_euclid(1000)),
                        crate::core::time::format_iso_seconds(to_ms.div_euclid(1000))
                    ),
                    LiveStatus::Error { message, retry_ms, .. } => match retry_ms {
                        Some(ms) => format!("{message} (retrying in {} s)", (ms + 999) / 1000),
                        None => message,
                    },
                    LiveStatus::Stopped => "Stopped: the stream so far stays on screen.".to_string(),
                }}
            </div>
        </Show>
    }
}

/// The sign-in part of the form: no credentials, a token, or a user and password.
#[derive(Clone, Copy)]
struct SignIn {
    /// "none", "token" or "basic".
    kind: RwSignal<&'static str>,
    token: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    remember: RwSignal<bool>,
}

impl SignIn {
    fn new() -> Self {
        SignIn {
            kind: RwSignal::new("none"),
            token: RwSignal::new(String::new()),
            user: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            remember: RwSignal::new(false),
        }
    }

    /// Fills the fields with what this tab (or this device) holds for `server`.
    fn fill(&self, server: &str) {
        match crate::ui::secrets::get(server) {
            Some(Credentials::Bearer { token }) => {
                self.kind.set("token");
                self.token.set(token);
            }
            Some(Credentials::Basic { user, password }) => {
                self.kind.set("basic");
                self.user.set(user);
                self.password.set(password);
            }
            None => return,
        }
        self.remember.set(crate::ui::secrets::remembered(server));
    }

    /// Keeps the fields' credentials for `server` (in memory, or remembered); a note when
    /// the browser would not store them, or why they cannot be sent.
    fn keep(&self, server: &str) -> Result<Option<String>, LiveError> {
        let credentials = match self.kind.get_untracked() {
            "token" => Some(Credentials::bearer(&self.token.get_untracked())?),
            "basic" => Some(Credentials::basic(
                &self.user.get_untracked(),
                &self.password.get_untracked(),
            )?),
            _ => None,
        };
        Ok(crate::ui::secrets::set(server, credentials, self.remember.get_untracked()).err())
    }
}

#[component]
fn SignInFields(signin: SignIn, open_when: Signal<bool>) -> impl IntoView {
    let SignIn {
        kind,
        token,
        user,
        password,
        remember,
    } = signin;
    view! {
        <details class="signin" id="prom-signin" prop:open=move || open_when.get() || kind.get() != "none">
            <summary title="For a server (or a proxy in front of it) that asks for credentials">
                {move || match kind.get() { "token" => "Sign-in: token", "basic" => "Sign-in: user and password", _ => "Sign-in (optional)" }}
            </summary>
            <label>"Credentials "
                <select id="prom-auth" on:change=move |e| kind.set(match event_target_value(&e).as_str() {
                        "token" => "token", "basic" => "basic", _ => "none" })
                    prop:value=move || kind.get()>
                    <option value="none">"None"</option>
                    <option value="token">"Token (Bearer)"</option>
                    <option value="basic">"User and password (Basic)"</option>
                </select>
            </label>
            <Show when=move || kind.get() == "token">
                <label>"Token "
                    <input id="prom-token" type="password" autocomplete="off" spellcheck="false"
                        prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e)) />
                </label>
            </Show>
            <Show when=move || kind.get() == "basic">
                <label>"User "
                    <input id="prom-user" type="text" autocomplete="username"
                        prop:value=move || user.get() on:input=move |e| user.set(event_target_value(&e)) />
                </label>
                <label>"Password "
                    <input id="prom-password" type="password" autocomplete="current-password"
                        prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e)) />
                </label>
            </Show>
            <Show when=move || kind.get() != "none">
                <label class="check" title="Without this, the sign-in lasts until this tab closes; it is never put in a link, the journal or an export">
                    <input id="prom-remember" type="checkbox" prop:checked=move || remember.get()
                        on:change=move |e| remember.set(event_target_checked(&e)) />
                    " Remember on this device"
                </label>
            </Show>
            <p class="hint">"Sent only to this server, as the Authorization header. Kept in this tab's memory unless you tick Remember."</p>
        </details>
    }
}
