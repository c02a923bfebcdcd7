//! Following a live event feed in the page, for every workspace that has one (the Errors
//! workspace's error events, the Monitor's metric points): NDJSON polled with `?since=`,
//! or Server-Sent Events with a stall watchdog. What a workspace does with an answer is
//! its own ([`FeedTarget`]); fetching, pacing, retrying with backoff, reconnecting and the
//! status the user sees are written once, here.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::core::live::events::{EventFeed, FeedKind};
use crate::core::live::{Backoff, LiveError};
use crate::core::text::clip;
use crate::core::time::format_stream_ms;

/// Event-stream messages arriving within this many ms are taken as one batch.
const SSE_BATCH_MS: u32 = 50;
/// Named event-stream messages that are only a sign of life (their data is ignored).
const HEARTBEATS: [&str; 2] = ["ping", "heartbeat"];

/// Where a live feed stands, for the status line.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FeedStatus {
    /// Not connected.
    #[default]
    Idle,
    /// First request under way (or the first after a reload).
    Connecting,
    /// The last poll was answered, or the stream is open and talking.
    Live,
    /// The event stream sent nothing (no event, no heartbeat) for `quiet_ms`: it was
    /// closed and opened again, and stays stalled until something arrives.
    Stalled {
        /// How long it had been quiet, ms.
        quiet_ms: i64,
    },
    /// The last poll failed; `retry_ms` is the wait before the next (None: no retry).
    Error {
        /// Short kind (`unreachable`, `blocked`, `http`, `stream`, …).
        kind: &'static str,
        /// What failed and what to change.
        message: String,
        /// Wait before retrying, ms.
        retry_ms: Option<i64>,
    },
    /// Stopped by the user; what was received stays on screen.
    Stopped,
}

impl FeedStatus {
    /// The `data-state` of the status line.
    pub fn state(&self) -> &'static str {
        match self {
            FeedStatus::Idle => "idle",
            FeedStatus::Connecting => "connecting",
            FeedStatus::Live => "live",
            FeedStatus::Stalled { .. } => "stalled",
            FeedStatus::Error {
                retry_ms: Some(_), ..
            } => "retrying",
            FeedStatus::Error { .. } => "error",
            FeedStatus::Stopped => "stopped",
        }
    }

    /// The `data-kind` of the status line: an error's kind, else empty.
    pub fn kind(&self) -> &'static str {
        match self {
            FeedStatus::Error { kind, .. } => kind,
            _ => "",
        }
    }

    /// The status line's words; `what` names the received things ("events", "points").
    pub fn text(&self, url: &str, what: &str) -> String {
        match self {
            FeedStatus::Idle => "Not connected.".to_string(),
            FeedStatus::Connecting => "Connecting…".to_string(),
            FeedStatus::Live => format!("Live: {}", clip(url)),
            FeedStatus::Stalled { quiet_ms } => format!(
                "Stalled: {} sent nothing for {} s (no {what} and no heartbeat); reconnected, \
                 waiting for data",
                clip(url),
                (quiet_ms + 999) / 1000
            ),
            FeedStatus::Error {
                message, retry_ms, ..
            } => match retry_ms {
                Some(ms) => format!(
                    "{message} (retrying in {} s; the {what} so far stay)",
                    (ms + 999) / 1000
                ),
                None => format!("{message}. Stopped; the {what} so far stay."),
            },
            FeedStatus::Stopped => format!("Stopped: the {what} received stay on screen."),
        }
    }
}

/// What a workspace does with its feed: the page's side of [`follow`].
pub trait FeedTarget: Copy + 'static {
    /// Whether `feed` is still the one the workspace follows (a loop for another ends).
    fn follows(&self, feed: &Rc<EventFeed>) -> bool;
    /// A new answer or connection begins: the reader starts its `since` rule, and this is
    /// the `since` to ask with.
    fn begin(&self) -> Option<i64>;
    /// Takes one answer (`more`: one message of an open stream); `at` names it in the
    /// reports of bad lines.
    fn take(&self, body: &[u8], at: &str, more: bool);
    /// Shows what the answers taken since the last call brought.
    fn publish(&self);
    /// Sets the status line.
    fn set_status(&self, status: FeedStatus);
    /// The current status.
    fn status(&self) -> FeedStatus;
    /// A final failure: the workspace stops following (what came stays).
    fn give_up(&self);
    /// Where the open event stream is kept.
    fn stream_slot(&self) -> StoredValue<Option<SseConn>, LocalStorage>;
}

/// Follows `feed` while it is the target's: polled, or as an event stream.
pub fn follow<T: FeedTarget>(target: T, feed: Rc<EventFeed>) {
    let backoff = Rc::new(RefCell::new(Backoff::new(js_sys::Date::now() as u64)));
    match feed.kind() {
        FeedKind::Sse => sse_connect(target, feed, backoff),
        FeedKind::Ndjson => poll_loop(target, feed, backoff),
    }
}

/// Closes the target's open event stream, if any.
pub fn close<T: FeedTarget>(target: T) {
    target
        .stream_slot()
        .try_with_value(|c| c.as_ref().map(SseConn::close));
}

async fn sleep(ms: i64) {
    gloo_timers::future::TimeoutFuture::new(ms.clamp(0, u32::MAX as i64) as u32).await;
}

/// Polls `feed` while it is the target's: each answer goes in, each failure is shown and
/// retried with backoff when retrying may help.
fn poll_loop<T: FeedTarget>(target: T, feed: Rc<EventFeed>, backoff: Rc<RefCell<Backoff>>) {
    target.set_status(FeedStatus::Connecting);
    spawn_local(async move {
        loop {
            if !target.follows(&feed) {
                return;
            }
            let since = target.begin();
            let url = feed.poll_url(since);
            let answer = match crate::ui::net::request("GET", &url, None, feed.url()).await {
                Ok((status, body)) if (200..300).contains(&status) => Ok(body),
                Ok((status, body)) => Err(LiveError::Http {
                    server: feed.url().to_string(),
                    status,
                    body: String::from_utf8_lossy(&body[..body.len().min(400)])
                        .trim()
                        .to_string(),
                }),
                Err(e) => Err(e),
            };
            if !target.follows(&feed) {
                return;
            }
            match answer {
                Ok(body) => {
                    backoff.borrow_mut().succeed();
                    target.set_status(FeedStatus::Live);
                    let at = since.map_or("the first answer".into(), |s| {
                        format!("the answer to since={s} ({})", format_stream_ms(s))
                    });
                    target.take(&body, &at, false);
                    target.publish();
                    sleep(feed.poll_ms()).await;
                }
                Err(e) => {
                    let retry = e.is_transient().then(|| backoff.borrow_mut().fail());
                    target.set_status(FeedStatus::Error {
                        kind: e.kind(),
                        message: e.to_string(),
                        retry_ms: retry,
                    });
                    match retry {
                        Some(ms) => sleep(ms).await,
                        None => {
                            // The address or the setup must change: stop, keep what came.
                            target.give_up();
                            return;
                        }
                    }
                }
            }
        }
    });
}

/// An open Server-Sent Events connection, the handlers it calls and its stall watchdog
/// (kept alive with it).
pub struct SseConn {
    source: web_sys::EventSource,
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _watchdog: Option<gloo_timers::callback::Interval>,
}

impl SseConn {
    /// Closes the connection; the handlers stay until the next connection replaces them,
    /// because this may run inside one of them.
    pub fn close(&self) {
        self.source.close();
    }
}

/// Opens an event stream for `feed` from the target's cursor on. The browser's own
/// reconnection is not used: on an error the stream is closed and opened again after a
/// backoff wait with the cursor's `since`, so the status says what happens and the wait
/// grows. A stream that sends nothing the page can see for [`EventFeed::stall_ms`] is
/// stalled: closed and opened again at once.
fn sse_connect<T: FeedTarget>(target: T, feed: Rc<EventFeed>, backoff: Rc<RefCell<Backoff>>) {
    if !target.follows(&feed) {
        return;
    }
    // The connection sends from the cursor's since: this is where dedupe starts.
    let url = feed.poll_url(target.begin());
    if !matches!(target.status(), FeedStatus::Stalled { .. }) {
        target.set_status(FeedStatus::Connecting);
    }
    crate::ui::net::watch_csp();
    let source = match web_sys::EventSource::new(&url) {
        Ok(s) => s,
        Err(_) => {
            target.set_status(FeedStatus::Error {
                kind: "setting",
                message: format!(
                    "{} is not an address an event stream can open",
                    clip(feed.url())
                ),
                retry_ms: None,
            });
            target.give_up();
            return;
        }
    };
    let heard = Rc::new(Cell::new(js_sys::Date::now()));
    let mut handlers: Vec<Closure<dyn FnMut(web_sys::Event)>> = Vec::new();
    let mut beats: Vec<Closure<dyn FnMut(web_sys::Event)>> = Vec::new();
    let mut on = |handler: Closure<dyn FnMut(web_sys::Event)>, set: &dyn Fn(&js_sys::Function)| {
        set(handler.as_ref().unchecked_ref());
        handlers.push(handler);
    };
    {
        let (feed, backoff, heard) = (feed.clone(), backoff.clone(), heard.clone());
        on(
            Closure::new(move |_| {
                heard.set(js_sys::Date::now());
                if target.follows(&feed) {
                    backoff.borrow_mut().succeed();
                    // A stalled stream stays stalled until it says something.
                    if !matches!(target.status(), FeedStatus::Stalled { .. }) {
                        target.set_status(FeedStatus::Live);
                    }
                }
            }),
            &|f| source.set_onopen(Some(f)),
        );
    }
    {
        let (feed, heard) = (feed.clone(), heard.clone());
        for name in HEARTBEATS {
            let (feed, heard) = (feed.clone(), heard.clone());
            let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                heard.set(js_sys::Date::now());
                if target.follows(&feed) && target.status() != FeedStatus::Live {
                    target.set_status(FeedStatus::Live);
                }
            });
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            beats.push(handler);
        }
        let heard = heard.clone();
        let source2 = source.clone();
        let mut n = 0u64;
        // Messages are taken together every few ms (a burst is thousands of them), so the
        // journal gets one append and the views one redraw per batch, not per message.
        let pending: Rc<RefCell<Vec<(String, String)>>> = Rc::new(RefCell::new(Vec::new()));
        on(
            Closure::new(move |e: web_sys::Event| {
                heard.set(js_sys::Date::now());
                if !target.follows(&feed) {
                    source2.close();
                    return;
                }
                n += 1;
                let e: web_sys::MessageEvent = e.unchecked_into();
                let data = e.data().as_string().unwrap_or_default();
                let id = e.last_event_id();
                let at = if id.is_empty() {
                    format!("stream message {n}")
                } else {
                    format!("stream message {n} (id {})", clip(&id))
                };
                let first = {
                    let mut p = pending.borrow_mut();
                    p.push((data, at));
                    p.len() == 1
                };
                if first {
                    let (pending, feed) = (pending.clone(), feed.clone());
                    gloo_timers::callback::Timeout::new(SSE_BATCH_MS, move || {
                        let messages = std::mem::take(&mut *pending.borrow_mut());
                        if !target.follows(&feed) {
                            return;
                        }
                        target.set_status(FeedStatus::Live);
                        for (data, at) in &messages {
                            target.take(data.as_bytes(), at, true);
                        }
                        target.publish();
                    })
                    .forget();
                }
            }),
            &|f| source.set_onmessage(Some(f)),
        );
    }
    {
        let source2 = source.clone();
        let (feed, backoff) = (feed.clone(), backoff.clone());
        on(
            Closure::new(move |_| {
                source2.close();
                if !target.follows(&feed) {
                    return;
                }
                if crate::ui::net::was_blocked(&url) {
                    target.set_status(FeedStatus::Error {
                        kind: "blocked",
                        message: LiveError::Blocked {
                            server: feed.url().to_string(),
                        }
                        .to_string(),
                        retry_ms: None,
                    });
                    target.give_up();
                    return;
                }
                let wait = backoff.borrow_mut().fail();
                target.set_status(FeedStatus::Error {
                    kind: "stream",
                    message: format!(
                        "the event stream from {} broke or was refused: the server is down or \
                         unreachable, answered an HTTP error, refused this origin (CORS), or \
                         did not answer text/event-stream. Check the address and that the \
                         server runs",
                        clip(feed.url())
                    ),
                    retry_ms: Some(wait),
                });
                let (feed, backoff) = (feed.clone(), backoff.clone());
                gloo_timers::callback::Timeout::new(
                    wait.clamp(0, u32::MAX as i64) as u32,
                    move || sse_connect(target, feed, backoff),
                )
                .forget();
            }),
            &|f| source.set_onerror(Some(f)),
        );
    }
    handlers.extend(beats);
    let watchdog = {
        let stall_ms = feed.stall_ms();
        let (source, feed, backoff) = (source.clone(), feed.clone(), backoff.clone());
        let every = (stall_ms / 4).clamp(250, 5_000) as u32;
        gloo_timers::callback::Interval::new(every, move || {
            let quiet = js_sys::Date::now() - heard.get();
            // Only an open stream can stall: a broken one is already being retried.
            if source.ready_state() != web_sys::EventSource::OPEN || (quiet as i64) < stall_ms {
                return;
            }
            source.close();
            if !target.follows(&feed) {
                return;
            }
            target.set_status(FeedStatus::Stalled {
                quiet_ms: quiet as i64,
            });
            // From a timer, never inside the handlers the new connection replaces.
            let (feed, backoff) = (feed.clone(), backoff.clone());
            gloo_timers::callback::Timeout::new(0, move || sse_connect(target, feed, backoff))
                .forget();
        })
    };
    // Replaces (and so frees) the previous connection's handlers and watchdog: this runs
    // from a timer or a click, never inside them.
    target.stream_slot().update_value(|c| {
        if let Some(old) = c.take() {
            old.close();
        }
        *c = Some(SseConn {
            source,
            _handlers: handlers,
            _watchdog: Some(watchdog),
        });
    });
}

/// The number of seconds typed in the input that fired `e` (a feed form's poll interval),
/// or None when it is not a finite number.
pub fn seconds(e: &leptos::ev::Event) -> Option<f64> {
    use wasm_bindgen::JsCast;
    let input: web_sys::HtmlInputElement = e.target()?.unchecked_into();
    input
        .value()
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
}
