//! The Errors workspace on a live feed: the connect form, the status line, the polling
//! loop, and the write-ahead path of the events it brings (journal, wait until durable,
//! apply). The core reads the answers ([`FeedReader`]) and folds the events
//! ([`LiveErrors`]); this file fetches, paces and shows.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;

use super::state::Loaded;
use super::ErrState;
use crate::core::errors::live::{learn_name, LiveErrors, LiveSnapshot};
use crate::core::errors::snapshot::RuleState;
use crate::core::errors::{ErrorStream, Roles};
use crate::core::event::ErrorEvent;
use crate::core::journal::ahead::WriteAhead;
use crate::core::journal::{CatalogEntry, NameKind, SourceFile};
use crate::core::live::events::{Batch, EventFeed, FeedKind, FeedReader};
use crate::core::text::{clip, group_thousands};
use crate::core::time::{format_stream_ms, TimeFormat};
use crate::ui::event_feed::{self, FeedTarget, SseConn};
use crate::ui::pages::incidents::state::Source;

/// The journal's source slot holds this name (and the feed's settings as JSON) while the
/// workspace follows a live feed, so a recovery knows to resume the feed, not a file.
pub(super) const LIVE_SOURCE_NAME: &str = "pipescope live error feed.json";

/// Where the live feed stands (the status every live feed shares).
pub use crate::ui::event_feed::FeedStatus as LiveStatus;

/// What the feed's answers held besides new events, since connecting (not journaled: a
/// reload starts these counts again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedCounts {
    /// Lines that did not read.
    pub malformed: usize,
    /// Events dropped because they were already received (the `since` millisecond).
    pub repeated: usize,
    /// Events older than `since`, skipped.
    pub older: usize,
    /// The last answer's first bad lines, in words.
    pub problems: Vec<String>,
    /// When the last bad lines came (the poll's `since`, as text).
    pub problems_at: String,
}

/// One answer of the feed waiting for the disk: the names it gave (journaled before its
/// events) and its events, applied in that order as a journal replay applies them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    names: Vec<CatalogEntry>,
    events: Vec<ErrorEvent>,
}

/// An error stream with only a catalog, for the views while the events come live.
fn catalog_stream(builds: &[String], codes: &[String]) -> ErrorStream {
    ErrorStream {
        events: Vec::new(),
        builds: builds.to_vec(),
        codes: codes.to_vec(),
        baseline: 0,
        candidate: 1,
        roles: Roles {
            time: 0,
            build: 1,
            code: 2,
        },
        columns: vec!["ts".into(), "build".into(), "code".into()],
        has_header: true,
        time_format: TimeFormat::Iso8601,
        out_of_order: 0,
        skipped: 0,
        problems: Vec::new(),
        other_build_events: 0,
    }
}

impl ErrState {
    /// Whether the workspace follows a live feed.
    pub fn is_live(&self) -> bool {
        self.live.with_untracked(Option::is_some)
    }

    /// Starts following `feed` from scratch: a fresh comparison with the current detector
    /// settings, a journal holding only the feed's start, and a poll for everything the
    /// feed has.
    pub fn start_live(&self, feed: EventFeed) {
        self.pause();
        let live = match LiveErrors::new(self.config()) {
            Ok(l) => l,
            Err(e) => {
                self.error.set(Some(format!("Settings: {e}")));
                return;
            }
        };
        self.error.set(None);
        self.pick_builds.set(None);
        self.quote_offer.set(None);
        self.source.set_value(None);
        self.feed_counts.set(FeedCounts::default());
        let feed = Rc::new(feed);
        self.live_reader.set_value(FeedReader::default());
        self.live_state.set_value(Some(live));
        self.loaded.set(Some(Rc::new(Loaded {
            name: format!("live: {}", feed.url()),
            stream: catalog_stream(&[], &[]),
        })));
        self.live.set(Some(feed.clone()));
        self.incidents.reset_errors();
        // The rules run afresh with the comparison, naming builds and codes as they come.
        self.restart_rules();
        self.start_live_journal();
        self.publish();
        self.app
            .status
            .set(format!("Live feed: connecting to {}", clip(feed.url())));
        poll_loop(*self, feed);
    }

    /// New detector settings (or the journal panel's clear) on a live feed: the comparison
    /// starts again from everything the feed has.
    pub(super) fn restart_live(&self) {
        if let Some(feed) = self.live.get_untracked() {
            self.start_live((*feed).clone());
        }
    }

    /// Stops following the feed; what was received stays on screen.
    pub fn stop_live(&self) {
        event_feed::close(*self);
        if self.is_live() {
            self.live.set(None);
            self.live_status.set(LiveStatus::Stopped);
            self.app
                .status
                .set("Live feed stopped; the events received stay on screen".into());
        }
    }

    /// Leaves live mode for a file or the demo: the feed is no longer asked.
    pub(super) fn leave_live(&self) {
        event_feed::close(*self);
        self.live.set(None);
        self.live_state.set_value(None);
        self.live_ahead.set_value(WriteAhead::default());
        self.live_status.set(LiveStatus::Idle);
    }

    /// Empties the journal and stores the feed's settings and the empty comparison as its
    /// start.
    fn start_live_journal(&self) {
        self.live_ahead.set_value(WriteAhead::new(0, 0));
        let Some(svc) = self.writable_journal() else {
            return;
        };
        let Some(feed) = self.live.get_untracked() else {
            return;
        };
        let _ = svc.clear();
        let bytes = serde_json::to_vec(feed.as_ref()).unwrap_or_default();
        let _ = svc.set_source(Some(&SourceFile {
            name: LIVE_SOURCE_NAME.into(),
            bytes,
        }));
        let _ = svc.append(&[]);
        let seq = svc.last_seq();
        self.live_ahead.set_value(WriteAhead::new(seq, 0));
        if let Some(snap) = self.live_snapshot() {
            self.write_live_checkpoint(&svc, seq, &snap);
        }
    }

    /// The checkpoint of the applied live state.
    pub(super) fn live_snapshot(&self) -> Option<LiveSnapshot> {
        let feed = self.live.get_untracked()?;
        let live = self.live_state.with_value(|l| l.clone())?;
        let rules = self.rules_state();
        let rules = match self.incidents.read(Source::Errors, Clone::clone) {
            Some(book) => RuleState { rules, book },
            None => RuleState::new(rules),
        };
        Some(LiveSnapshot::new(
            (*feed).clone(),
            live,
            self.mode.get_untracked(),
            rules,
        ))
    }

    /// Takes one answer of the feed (`more`: a message of an open stream): names new
    /// builds and codes, journals the new events and applies them once the journal holds
    /// them, without showing it; whether events came.
    fn live_take(&self, body: &[u8], answer: &str, more: bool) -> bool {
        let batch: Batch = self
            .live_reader
            .try_update_value(|r| {
                if more {
                    r.read_more(body)
                } else {
                    r.read_ndjson(body)
                }
            })
            .unwrap_or_default();
        let names: Vec<CatalogEntry> = (batch.new_builds.iter().map(|b| (NameKind::Build, b)))
            .chain(batch.new_codes.iter().map(|c| (NameKind::Code, c)))
            .map(|(kind, (id, name))| CatalogEntry {
                kind,
                id: *id,
                name: name.clone(),
            })
            .collect();
        if !names.is_empty() {
            if let Some(svc) = self.writable_journal() {
                for n in &names {
                    let _ = svc.name(n.kind, n.id, &n.name);
                }
            }
            let (builds, codes) = self
                .live_reader
                .with_value(|r| (r.builds().to_vec(), r.codes().to_vec()));
            if let Some(loaded) = self.loaded.get_untracked() {
                self.loaded.set(Some(Rc::new(Loaded {
                    name: loaded.name.clone(),
                    stream: catalog_stream(&builds, &codes),
                })));
            }
        }
        if batch.malformed + batch.repeated + batch.older > 0 {
            self.feed_counts.update(|c| {
                c.malformed += batch.malformed;
                c.repeated += batch.repeated;
                c.older += batch.older;
                if batch.malformed > 0 {
                    c.problems = batch
                        .problems
                        .iter()
                        .take(3)
                        .map(|p| p.to_string())
                        .collect();
                    if batch.malformed > c.problems.len() {
                        c.problems
                            .push(format!("… {} bad line(s) in that answer", batch.malformed));
                    }
                    c.problems_at = answer.to_string();
                }
            });
        }
        let Some(newest) = batch.events.last().map(|e| e.t_ms) else {
            // The reader names only what its events use, so names come with events.
            return false;
        };
        let seq = self.journal_events(&batch.events);
        let answer = Answer {
            names,
            events: batch.events,
        };
        self.live_ahead
            .update_value(|a| a.push(seq, newest, answer));
        self.apply_live_durable();
        true
    }

    /// Applies, oldest first, the journaled answers the disk holds: their names, then their
    /// events, to the comparison and the rules (`LiveErrors::push_judged`, as a journal
    /// replay applies them), writing rule incidents to the Errors book.
    pub(super) fn apply_live_durable(&self) {
        let durable = self.durable_seq();
        let mut answers: Vec<Answer> = Vec::new();
        self.live_ahead.update_value(|a| {
            a.drain(durable, |p| answers.push(p.batch));
        });
        if answers.is_empty() {
            return;
        }
        if self.incidents.read(Source::Errors, |_| ()).is_none() {
            self.incidents.reset_errors();
        }
        let mut rules = self.rules.get_value();
        let mut new_pair = None;
        self.incidents.with_book(Source::Errors, |book| {
            self.live_state.update_value(|l| {
                let Some(l) = l.as_mut() else { return };
                for answer in &answers {
                    for n in &answer.names {
                        learn_name(&mut rules, n);
                    }
                    for e in &answer.events {
                        if l.push_judged(*e, &mut rules, book) {
                            new_pair = l.pair();
                        }
                    }
                }
            });
        });
        self.rules.set_value(rules);
        // A new pair is a new comparison: its incidents (alerts and rules) started afresh.
        if let Some(pair) = new_pair {
            self.builds.set(pair);
        }
    }

    /// Resumes the journaled live stream: the comparison and cursor as the journal left
    /// them, then a poll from the cursor backfills what the feed sent meanwhile.
    pub(super) fn recover_live(
        &self,
        source: &SourceFile,
        snap: LiveSnapshot,
        catalog: &crate::core::journal::Catalog,
        note: &str,
    ) -> Result<(), String> {
        let feed: EventFeed = serde_json::from_slice(&source.bytes)
            .map_err(|e| format!("the stored feed settings do not read ({e})"))?;
        let names = |kind| {
            let mut v: Vec<(u32, String)> = catalog
                .names(kind)
                .map(|(id, n)| (id, n.to_string()))
                .collect();
            v.sort_by_key(|x| x.0);
            if v.iter().enumerate().any(|(i, x)| x.0 != i as u32) {
                return Err(format!("the journal's {} names have gaps", kind.word()));
            }
            Ok(v.into_iter().map(|x| x.1).collect::<Vec<String>>())
        };
        let builds = names(NameKind::Build)?;
        let codes = names(NameKind::Code)?;
        let LiveSnapshot {
            live,
            rules: state,
            heat_mode,
            ..
        } = snap;
        if live.seen().iter().any(|&b| b as usize >= builds.len()) {
            return Err("the journal names fewer builds than its events use".into());
        }
        let config = live.template().clone();
        self.show_settings(&config);
        if let Some(pair) = live.pair() {
            self.builds.set(pair);
        }
        self.mode.set(heat_mode);
        self.error.set(None);
        self.source.set_value(None);
        let events = live.events();
        let newest = live.newest_ms().unwrap_or(0);
        self.live_reader.set_value(FeedReader::resume(
            builds.clone(),
            codes.clone(),
            live.cursor().clone(),
        ));
        self.live_state.set_value(Some(live));
        let seq = self.journal.get_untracked().map_or(0, |s| s.last_seq());
        self.live_ahead.set_value(WriteAhead::new(seq, newest));
        let feed = Rc::new(feed);
        self.loaded.set(Some(Rc::new(Loaded {
            name: format!("live: {}", feed.url()),
            stream: catalog_stream(&builds, &codes),
        })));
        self.live.set(Some(feed.clone()));
        self.resume_rules(state);
        self.publish();
        self.app.status.set(format!(
            "Recovered {} live events up to {}{note}; asking {} for what came since",
            group_thousands(events),
            format_stream_ms(newest),
            clip(feed.url())
        ));
        poll_loop(*self, feed);
        Ok(())
    }
}

impl FeedTarget for ErrState {
    fn follows(&self, feed: &Rc<EventFeed>) -> bool {
        self.live
            .try_with_untracked(|l| l.as_ref().is_some_and(|l| Rc::ptr_eq(l, feed)))
            .unwrap_or(false)
    }

    fn begin(&self) -> Option<i64> {
        self.live_reader
            .try_update_value(|r| {
                r.begin();
                r.cursor().since()
            })
            .flatten()
    }

    fn take(&self, body: &[u8], at: &str, more: bool) {
        self.live_take(body, at, more);
    }

    fn publish(&self) {
        ErrState::publish(self);
    }

    fn set_status(&self, status: LiveStatus) {
        self.live_status.set(status);
    }

    fn status(&self) -> LiveStatus {
        self.live_status.get_untracked()
    }

    fn give_up(&self) {
        self.live.set(None);
    }

    fn stream_slot(&self) -> StoredValue<Option<SseConn>, LocalStorage> {
        self.sse
    }
}

/// Follows `feed` (polled or as an event stream) while it is the workspace's.
fn poll_loop(st: ErrState, feed: Rc<EventFeed>) {
    event_feed::follow(st, feed);
}

/// The form that connects the workspace to a live feed, and the feed's status.
#[component]
pub fn LiveForm(open: RwSignal<bool>) -> impl IntoView {
    let st = expect_context::<ErrState>();
    let url = RwSignal::new(String::new());
    let poll_s = RwSignal::new(2.0_f64);
    let kind = RwSignal::new(FeedKind::Ndjson);
    let problem = RwSignal::new(None::<String>);
    // A recovered feed fills the form with its settings and shows it, with its Stop.
    Effect::new(move |_| {
        if let Some(feed) = st.live.get() {
            url.set(feed.url().to_string());
            poll_s.set(feed.poll_ms() as f64 / 1000.0);
            kind.set(feed.kind());
            open.set(true);
        }
    });
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let ms = (poll_s.get_untracked() * 1000.0).round() as i64;
        match EventFeed::new(&url.get_untracked(), ms) {
            Ok(feed) => {
                let feed = feed.with_kind(kind.get_untracked());
                problem.set(None);
                st.start_live(feed);
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let summary = move || {
        st.version.get();
        let counts = st.feed_counts.get();
        let loaded = st.loaded.get();
        st.live_state.with_value(|l| {
            let l = l.as_ref()?;
            let builds = loaded
                .as_ref()
                .map(|x| x.stream.builds.clone())
                .unwrap_or_default();
            let name = |id: u32| {
                builds
                    .get(id as usize)
                    .map_or("?".to_string(), |b| clip(b).into_owned())
            };
            let compare = match (l.pair(), l.seen()) {
                (Some((b, c)), _) => format!(
                    "comparing baseline {} with candidate {} since {}",
                    name(b),
                    name(c),
                    format_stream_ms(l.pair_since_ms().unwrap_or(0))
                ),
                (None, [one]) => format!(
                    "only build {} so far; waiting for a second build to compare",
                    name(*one)
                ),
                (None, _) => "no event yet".to_string(),
            };
            let mut text = format!(
                "{} events received, {} builds; {compare}",
                group_thousands(l.events()),
                l.seen().len()
            );
            if let Some(n) = l.newest_ms() {
                text += &format!("; newest {}", format_stream_ms(n));
            }
            if counts.repeated + counts.older > 0 {
                text += &format!(
                    "; {} repeated and {} older event(s) skipped",
                    group_thousands(counts.repeated as u64),
                    group_thousands(counts.older as u64)
                );
            }
            Some((text, l.events(), l.seen().len(), counts))
        })
    };
    view! {
        <Show when=move || open.get()>
            <form class="panel live-form" id="errlive-form" on:submit=submit
                aria-label="Follow a live error-event feed">
                <label>"Feed URL "
                    <input id="errlive-url" type="text" size="40" placeholder="/errors/feed or https://ci.example.com/errors.ndjson"
                        title="An address that answers NDJSON error events, one {\"ts\", \"build\", \"code\"} object a line; polled with ?since=<ms of the newest event>"
                        prop:value=move || url.get()
                        on:input=move |e| url.set(event_target_value(&e)) />
                </label>
                <label>"Delivery "
                    <select id="errlive-kind" prop:value=move || kind.get().name()
                        on:change=move |e| if let Some(k) = FeedKind::parse(&event_target_value(&e)) { kind.set(k) }>
                        <option value="ndjson">"NDJSON, polled"</option>
                        <option value="sse">"Server-Sent Events"</option>
                    </select>
                </label>
                <label hidden=move || kind.get() == FeedKind::Sse>"Poll every, s "
                    <input id="errlive-poll" type="number" min="0.2" max="600" step="any" size="4"
                        prop:value=move || poll_s.get().to_string()
                        on:change=move |e| if let Some(v) = event_feed::seconds(&e) { poll_s.set(v) } />
                </label>
                <button id="errlive-connect" type="submit" class="primary">"Connect"</button>
                <button id="errlive-stop" type="button" class="link"
                    disabled=move || st.live.with(Option::is_none)
                    on:click=move |_| st.stop_live()>"Stop"</button>
                {move || problem.get().map(|p| view! { <div class="problem" role="alert">{p}</div> })}
            </form>
        </Show>
        <Show when=move || open.get() || st.live_status.with(|s| *s != LiveStatus::Idle)>
            <div class="panel live-status" id="errlive-status" role="status"
                data-state=move || st.live_status.with(LiveStatus::state)
                data-kind=move || st.live_status.with(LiveStatus::kind)>
                {move || st.live_status.get().text(&st.live.get().map_or(String::new(), |f| f.url().to_string()), "events")}
            </div>
            {move || summary().map(|(text, events, builds, counts)| view! {
                <div class="panel live-summary muted" id="errlive-counts"
                    data-events=events.to_string() data-builds=builds.to_string()
                    data-malformed=counts.malformed.to_string()
                    data-repeated=counts.repeated.to_string() data-older=counts.older.to_string()>
                    {text}
                </div>
            })}
            {move || {
                let c = st.feed_counts.get();
                (c.malformed > 0).then(|| view! {
                    <div class="banner warn" role="status" id="errlive-problems" data-malformed=c.malformed.to_string()>
                        <div class="msg">
                            {format!("{} line(s) of the feed did not read and were skipped; the stream goes on. In {}: ",
                                group_thousands(c.malformed as u64), c.problems_at)}
                            <ul>{c.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                        </div>
                    </div>
                })
            }}
        </Show>
    }
}
