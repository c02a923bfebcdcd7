//! The Monitor's event-feed source: the connect form, the status line, the counts and the
//! bad lines of a feed of metric points (`{"ts", "metric", "value"}` lines, polled or
//! pushed). The loop is the one every feed shares ([`crate::ui::event_feed`]).

use leptos::ev;
use leptos::prelude::*;

use super::state::{FeedCounts, MonState};
use crate::core::live::events::{EventFeed, FeedKind};
use crate::core::text::group_thousands;
use crate::ui::event_feed::FeedStatus;
use crate::ui::route::View;

/// The form that connects the Monitor to an event feed of metric points, and its status.
#[component]
pub fn FeedForm(open: RwSignal<bool>) -> impl IntoView {
    let st = expect_context::<MonState>();
    let url = RwSignal::new(String::new());
    let poll_s = RwSignal::new(2.0_f64);
    let kind = RwSignal::new(FeedKind::Ndjson);
    let problem = RwSignal::new(None::<String>);
    let fill = move |feed: &EventFeed| {
        url.set(feed.url().to_string());
        poll_s.set(feed.poll_ms() as f64 / 1000.0);
        kind.set(feed.kind());
        open.set(true);
    };
    // A shared link (`#/monitor?feed=…`) fills the form; a feed on this page's origin is
    // followed at once, another origin waits for the user's Connect.
    let pending = StoredValue::new_local(None::<EventFeed>);
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    match View::from_hash(&hash).event_feed() {
        Some(Ok(feed)) => {
            fill(&feed);
            if !feed.same_origin() {
                problem.set(Some(format!(
                    "This link asks to follow {} on another origin: check the address and press Connect.",
                    feed.url()
                )));
            } else {
                pending.set_value(Some(feed));
            }
        }
        Some(Err(e)) => {
            open.set(true);
            problem.set(Some(format!("The link's settings: {e}")));
        }
        None => {}
    }
    // A portal's `source` command with a `feed` (ui::embed) follows it at once.
    expect_context::<crate::ui::dispatch::Dispatch>().on_feed(move |feed| match feed {
        Some(feed) => {
            fill(&feed);
            problem.set(None);
            st.start_feed(feed);
        }
        None => st.stop_feed(),
    });
    // The link's feed is followed once the journal has been read, unless the journal
    // brought a stream back (its feed is then resumed instead).
    Effect::new(move |_| {
        if st.journal.with(Option::is_none) || st.recovering.get() {
            return;
        }
        if let Some(feed) = pending.try_update_value(Option::take).flatten() {
            if !st.is_live_untracked() {
                st.start_feed(feed);
            }
        }
    });
    // A recovered feed fills the form; with no loop yet, it is followed again from the
    // newest journaled point.
    Effect::new(move |_| {
        if let Some(feed) = st.event_feed.get() {
            fill(&feed);
            if st.feed_status.get() == FeedStatus::Idle && !st.recovering.get() {
                st.resume_feed();
            }
        }
    });
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let ms = (poll_s.get_untracked() * 1000.0).round() as i64;
        match EventFeed::new(&url.get_untracked(), ms) {
            Ok(feed) => {
                problem.set(None);
                st.start_feed(feed.with_kind(kind.get_untracked()));
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    view! {
        <Show when=move || open.get()>
            <form class="panel live-form" id="monfeed-form" on:submit=submit
                aria-label="Follow a live feed of metric points">
                <label>"Feed URL "
                    <input id="monfeed-url" type="text" size="40" placeholder="/metrics/feed or https://ci.example.com/points.ndjson"
                        title="An address that answers metric points, one {\"ts\", \"metric\", \"value\"} (or {\"ts\", \"values\": {…}}) object a line; asked with ?since=<ms of the newest point>"
                        prop:value=move || url.get()
                        on:input=move |e| url.set(event_target_value(&e)) />
                </label>
                <label>"Delivery "
                    <select id="monfeed-kind" prop:value=move || kind.get().name()
                        on:change=move |e| if let Some(k) = FeedKind::parse(&event_target_value(&e)) { kind.set(k) }>
                        <option value="ndjson">"NDJSON, polled"</option>
                        <option value="sse">"Server-Sent Events"</option>
                    </select>
                </label>
                <label title="NDJSON: the wait between polls. Server-Sent Events: how often the server sends something (a point or a ping); after three times this (at least 10 s) of silence the stream counts as stalled and is reopened">
                    {move || if kind.get() == FeedKind::Sse { "Heartbeat every, s " } else { "Poll every, s " }}
                    <input id="monfeed-poll" type="number" min="0.2" max="600" step="any" size="4"
                        prop:value=move || poll_s.get().to_string()
                        on:change=move |e| if let Some(v) = crate::ui::event_feed::seconds(&e) { poll_s.set(v) } />
                </label>
                <button id="monfeed-connect" type="submit" class="primary">"Connect"</button>
                <button id="monfeed-stop" type="button" class="link"
                    disabled=move || st.event_feed.with(Option::is_none)
                    on:click=move |_| st.stop_feed()>"Stop"</button>
                {move || problem.get().map(|p| view! { <div class="problem" role="alert">{p}</div> })}
            </form>
        </Show>
        <Show when=move || open.get() || st.feed_status.with(|s| *s != FeedStatus::Idle)>
            <FeedStatusLine />
        </Show>
    }
}

/// The feed's status line, its counts, and the lines that did not read.
#[component]
fn FeedStatusLine() -> impl IntoView {
    let st = expect_context::<MonState>();
    let url = move || {
        st.event_feed
            .with(|f| f.as_ref().map(|f| f.url().to_string()).unwrap_or_default())
    };
    view! {
        <div class="panel live-status" id="monfeed-status" role="status"
            data-state=move || st.feed_status.with(FeedStatus::state)
            data-kind=move || st.feed_status.with(FeedStatus::kind)>
            {move || st.event_feed.get().map(|f| view! {
                <a class="share" id="monfeed-link" href=View::monitor_feed(&f)
                    title="A link that opens this view and follows the same feed">"Link to this view"</a>
                " "
            })}
            {move || st.feed_status.get().text(&url(), "points")}
        </div>
        {move || {
            let c: FeedCounts = st.feed_counts.get();
            let series = st.live_names.with(Vec::len);
            st.version.get();
            let judged = st.judged_events();
            let mut text = format!(
                "{} points judged in this stream, {} series; {} received since connecting",
                group_thousands(judged),
                series,
                group_thousands(c.points)
            );
            if c.repeated + c.older + c.late > 0 {
                text += &format!(
                    "; skipped: {} repeated, {} older than since, {} late",
                    group_thousands(c.repeated as u64),
                    group_thousands(c.older as u64),
                    group_thousands(c.late as u64)
                );
            }
            view! {
                <div class="panel live-summary muted" id="monfeed-counts"
                    data-points=c.points.to_string() data-judged=judged.to_string() data-series=series.to_string()
                    data-malformed=c.malformed.to_string() data-repeated=c.repeated.to_string()
                    data-older=c.older.to_string() data-late=c.late.to_string()>
                    {text}
                </div>
            }
        }}
        {move || {
            let c = st.feed_counts.get();
            (c.malformed > 0).then(|| view! {
                <div class="banner warn" role="status" id="monfeed-problems" data-malformed=c.malformed.to_string()>
                    <div class="msg">
                        {format!("{} line(s) of the feed did not read and were skipped; the stream goes on. In {}: ",
                            group_thousands(c.malformed as u64), c.problems_at)}
                        <ul>{c.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                    </div>
                </div>
            })
        }}
    }
}
