//! Silences as both Rules panels show them (the Monitor's and the Errors workspace's): a
//! form to make one from matchers, a duration of stream time and a comment, and the list of
//! the file's and the page's silences with "Expire now" and "Delete" on the page's. Each
//! workspace runs the silences on its own stream; element ids start with the panel's
//! `prefix` (none in the Monitor: `silence-form`, `silences-list`; `errors-` in the Errors
//! workspace).

use leptos::ev;
use leptos::prelude::*;

use crate::core::rules::{parse_matchers, Alerting, Silence, SilenceOrigin};
use crate::core::time::Duration;

/// Whether a silence mutes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    /// Not started yet, or outside its daily window.
    Waiting,
    /// Muting now.
    Active,
    /// Ended for good.
    Expired,
}

impl SilenceState {
    /// As the list writes it.
    pub fn name(self) -> &'static str {
        match self {
            SilenceState::Waiting => "waiting",
            SilenceState::Active => "active",
            SilenceState::Expired => "expired",
        }
    }
}

/// One silence as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    /// Index among the page's silences (None: from the rules file).
    pub page: Option<usize>,
    /// The matchers as written.
    pub matchers: String,
    /// The comment.
    pub comment: String,
    /// Whether it mutes now.
    pub state: SilenceState,
    /// Its window (and time left), in the workspace's words.
    pub when: String,
}

/// Every silence `a` runs at stream time `now`, the file's first; `when` words a silence's
/// window.
pub fn silence_rows(a: &Alerting, now: i64, when: impl Fn(&Silence) -> String) -> Vec<SilenceRow> {
    a.silences()
        .into_iter()
        .map(|(origin, s)| SilenceRow {
            page: match origin {
                SilenceOrigin::Page(k) => Some(k),
                SilenceOrigin::File => None,
            },
            matchers: s
                .matchers
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            comment: s.comment.clone(),
            state: if s.expired(now) {
                SilenceState::Expired
            } else if s.active(now) {
                SilenceState::Active
            } else {
                SilenceState::Waiting
            },
            when: when(s),
        })
        .collect()
}

/// A silence made on the page: `matchers` (`rule="x", metric=y`) from stream time `now` for
/// `duration` (`1h`), with what it silences in words (`maintenance for 1h`).
pub fn page_silence(
    matchers: &str,
    duration: &str,
    comment: &str,
    now: i64,
) -> Result<(Silence, String), String> {
    let matchers = parse_matchers(matchers)?;
    let d = Duration::parse(duration).map_err(|e| format!("duration: {e}"))?;
    if d.ms <= 0 {
        return Err("duration: expected more than 0".into());
    }
    let silence = Silence {
        matchers,
        start_ms: Some(now),
        end_ms: Some(now.saturating_add(d.ms)),
        daily: None,
        comment: comment.trim().to_string(),
        line: None,
    };
    let words = format!("{} for {}", silence.describe(), d.text);
    Ok((silence, words))
}

/// What a user typed into the silence form: matchers, duration, comment.
pub type SilenceInput = (String, String, String);

/// The form to make a silence, and the list.
#[component]
pub fn Silences(
    /// Id prefix: `errors-` gives `errors-silence-form`, `errors-silence-matchers`,
    /// `errors-silence-duration`, `errors-silence-comment`, `errors-silence-add`,
    /// `errors-silence-problem` and `errors-silences-list`.
    prefix: &'static str,
    /// The silences, as the workspace publishes them.
    #[prop(into)]
    rows: Signal<Vec<SilenceRow>>,
    /// An example of matchers for this workspace's labels.
    placeholder: &'static str,
    /// The labels and operators matchers take here, as the field's tooltip.
    matchers_title: &'static str,
    /// Makes a silence; Err says why not.
    on_add: Callback<SilenceInput, Result<String, String>>,
    /// Ends the page's silence `k` now.
    on_expire: Callback<usize>,
    /// Removes the page's silence `k`.
    on_delete: Callback<usize>,
) -> impl IntoView {
    let id = move |what: &str| format!("{prefix}{what}");
    let matchers = RwSignal::new(String::new());
    let duration = RwSignal::new("1h".to_string());
    let comment = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |e: ev::SubmitEvent| {
        e.prevent_default();
        match on_add.run((
            matchers.get_untracked(),
            duration.get_untracked(),
            comment.get_untracked(),
        )) {
            Ok(_) => {
                problem.set(None);
                matchers.set(String::new());
                comment.set(String::new());
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let problem_id = id("silence-problem");
    let list_id = id("silences-list");
    view! {
        <div class="silences">
            <h3>"Silences"</h3>
            <form id=id("silence-form") class="row" on:submit=add>
                <label>"Matchers "
                    <input id=id("silence-matchers") type="text" size="24" placeholder=placeholder
                        title=matchers_title
                        prop:value=move || matchers.get() on:input=move |e| matchers.set(event_target_value(&e)) />
                </label>
                <label>"For "
                    <input id=id("silence-duration") type="text" size="5" title="Stream time, such as 30m, 1h, 1h30m"
                        prop:value=move || duration.get() on:input=move |e| duration.set(event_target_value(&e)) />
                </label>
                <label>"Comment "
                    <input id=id("silence-comment") type="text" size="16" placeholder="maintenance"
                        prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e)) />
                </label>
                <button id=id("silence-add") type="submit">"Silence"</button>
            </form>
            {move || problem.get().map(|p| view! { <p class="problem" role="alert" id=problem_id.clone()>{p}</p> })}
            {move || {
                let rows = rows.get();
                (!rows.is_empty()).then(|| view! {
                    <ul id=list_id.clone() class="silences-list">
                        {rows.into_iter().map(|s| {
                            let page = s.page;
                            let state = s.state.name();
                            view! {
                                <li data-state=state data-origin=if page.is_some() { "page" } else { "file" }>
                                    <b>{state}</b>" "<span class="mono">{s.matchers.clone()}</span>
                                    {(!s.comment.is_empty()).then(|| format!(" · {}", s.comment))}
                                    <span class="hint">{format!(" · {}", s.when)}{page.is_none().then_some(" · from the rules file")}</span>
                                    {page.map(|k| view! {
                                        {(s.state != SilenceState::Expired).then(|| view! {
                                            <button class="small silence-expire" on:click=move |_| on_expire.run(k)>"Expire now"</button>
                                        })}
                                        <button class="small silence-delete" on:click=move |_| on_delete.run(k)>"Delete"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}
