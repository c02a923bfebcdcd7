//! The page inside a portal's frame: obeys `postMessage` commands from the origins its
//! deployer allowed (`<meta name="pipescope-embed-origins">`, see `core::embed`) and tells
//! the windows that subscribed what happens (status line, workspace, incidents). A page
//! that is not framed installs nothing, so a top-level tab has no message surface at all.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::embed::{
    parse, snapshot, AllowedOrigins, Binary, Command, EmbedError, FileData, IncidentTracker,
    Outgoing, Rejection, Request, ORIGINS_META,
};
use crate::ui::dispatch::Dispatch;
use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::route::{Route, View};
use crate::ui::shell::AppState;

/// A window told the page's events, and the origin it must have to read them.
struct Subscriber {
    window: web_sys::Window,
    origin: String,
}

#[derive(Clone, Copy)]
struct Embed {
    allowed: StoredValue<AllowedOrigins, LocalStorage>,
    subscribers: StoredValue<Vec<Subscriber>, LocalStorage>,
    tracker: StoredValue<IncidentTracker, LocalStorage>,
    incidents: IncidentsState,
    status: RwSignal<String>,
}

fn current_route() -> Route {
    Route::from_hash(&window().location().hash().unwrap_or_default())
}

/// Posts `msg` to `target`, readable only by a document of `origin` (so a frame that was
/// navigated elsewhere meanwhile never reads it).
fn post(target: &web_sys::Window, origin: &str, msg: &Outgoing) {
    if let Ok(v) = js_sys::JSON::parse(&msg.to_json().to_string()) {
        // A target closed meanwhile or an origin the browser cannot target ("null") throws:
        // there is then nobody to tell.
        let _ = target.post_message(&v, origin);
    }
}

impl Embed {
    fn broadcast(&self, msg: &Outgoing) {
        self.subscribers.with_value(|subs| {
            for s in subs {
                post(&s.window, &s.origin, msg);
            }
        });
    }

    /// Adds `window` as a subscriber unless it is one; true when it is new.
    fn subscribe(&self, window: &web_sys::Window, origin: &str) -> bool {
        let known = self.subscribers.with_value(|subs| {
            subs.iter()
                .any(|s| s.origin == origin && js_sys::Object::is(&s.window, window))
        });
        if known {
            return false;
        }
        if self.subscribers.with_value(Vec::is_empty) {
            // The first subscriber: start telling changes from the books as they are now.
            let now: Vec<_> = self.incidents.all().into_iter().map(|(_, i)| i).collect();
            self.tracker.update_value(|t| {
                t.changes(&now);
            });
        }
        self.subscribers.update_value(|subs| {
            subs.push(Subscriber {
                window: window.clone(),
                origin: origin.to_string(),
            })
        });
        true
    }

    /// `ready`, the status line, then every incident there is, to one window.
    fn greet(&self, window: &web_sys::Window, origin: &str) {
        post(
            window,
            origin,
            &Outgoing::Ready {
                version: env!("CARGO_PKG_VERSION").to_string(),
                workspace: current_route().slug(),
            },
        );
        let text = self.status.get_untracked();
        post(window, origin, &Outgoing::Status { text });
        let all: Vec<_> = self.incidents.all().into_iter().map(|(_, i)| i).collect();
        for m in snapshot(&all) {
            post(window, origin, &m);
        }
    }
}

/// What the `data` field holds besides JSON, and that value.
fn binary_of(msg: &JsValue) -> (Binary, JsValue) {
    let data = js_sys::Reflect::get(msg, &JsValue::from_str("data")).unwrap_or(JsValue::UNDEFINED);
    let kind = if let Some(file) = data.dyn_ref::<web_sys::File>() {
        Binary::Bytes {
            file_name: Some(file.name()),
        }
    } else if data.is_instance_of::<web_sys::Blob>()
        || data.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(&data)
    {
        Binary::Bytes { file_name: None }
    } else if data.is_function() || data.is_symbol() || data.is_bigint() {
        Binary::Unsupported(data.js_typeof().as_string().unwrap_or_default())
    } else {
        Binary::None
    };
    (kind, data)
}

/// Reads a message's JSON part (without a binary `data`); `Ok(None)` when it is not for
/// the page.
fn read(msg: &JsValue) -> Result<Option<(Request, JsValue)>, Rejection> {
    if !msg.is_object()
        || !js_sys::Reflect::has(msg, &JsValue::from_str("pipescope")).unwrap_or(false)
    {
        return Ok(None);
    }
    let (binary, data) = binary_of(msg);
    let plain = if binary == Binary::None {
        msg.clone()
    } else {
        let copy = js_sys::Object::assign(&js_sys::Object::new(), msg.unchecked_ref());
        let _ = js_sys::Reflect::delete_property(&copy, &JsValue::from_str("data"));
        copy.into()
    };
    let not_plain = |why: String| Rejection {
        id: None,
        error: EmbedError::NotPlainData(why),
    };
    let text = js_sys::JSON::stringify(&plain)
        .map_err(|e| not_plain(js_sys::Error::from(e).message().into()))?
        .as_string()
        .unwrap_or_default();
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_plain(e.to_string()))?;
    Ok(parse(&value, &binary)?.map(|r| (r, data)))
}

/// Carries out `cmd`; Err says why it could not be.
fn run(
    embed: Embed,
    dispatch: Dispatch,
    cmd: Command,
    data: JsValue,
    from: (&web_sys::Window, &str),
) -> Result<(), String> {
    let location = window().location();
    match cmd {
        Command::Subscribe => {
            embed.subscribe(from.0, from.1);
            embed.greet(from.0, from.1);
        }
        Command::Open { workspace } => {
            let _ = location.set_hash(&workspace.href());
        }
        Command::File {
            name,
            workspace,
            data: contents,
        } => {
            let part = match contents {
                FileData::Text(t) => JsValue::from_str(&t),
                FileData::Bytes => data,
            };
            let file = web_sys::File::new_with_blob_sequence(&js_sys::Array::of1(&part), &name)
                .map_err(|e| format!("{name}: the browser could not make a file of data: {e:?}"))?;
            let route = workspace.unwrap_or_else(current_route);
            if route != current_route() {
                let _ = location.set_hash(&route.href());
            }
            dispatch.drop_file(route, file);
        }
        Command::Source { source } => {
            let _ = location.set_hash(&View::monitor_live(&source));
            if !dispatch.set_source(Some(source)) {
                return Err("the Monitor is not ready yet; send the source again".into());
            }
        }
        Command::Feed { feed } => {
            let _ = location.set_hash(&View::monitor_feed(&feed));
            if !dispatch.set_feed(Some(feed)) {
                return Err("the Monitor is not ready yet; send the source again".into());
            }
        }
        Command::Stop => {
            dispatch.set_source(None);
            dispatch.set_feed(None);
        }
    }
    Ok(())
}

/// The parent's origin when the browser says it (Chromium and Safari's
/// `location.ancestorOrigins`, else the referrer, which a portal may withhold).
fn parent_origin() -> Option<String> {
    let location = window().location();
    let ancestors = js_sys::Reflect::get(&location, &JsValue::from_str("ancestorOrigins")).ok();
    if let Some(first) = ancestors
        .filter(|a| a.is_object())
        .and_then(|a| js_sys::Reflect::get(&a, &JsValue::from_f64(0.0)).ok())
        .and_then(|o| o.as_string())
    {
        return Some(first);
    }
    let referrer = document().referrer();
    web_sys::Url::new(&referrer).ok().map(|u| u.origin())
}

/// Installs the listener when the page is framed. Call once, after the pages registered
/// their handlers with the [`Dispatch`].
pub fn install() {
    let w = window();
    let Some(parent) = w.parent().ok().flatten() else {
        return;
    };
    if js_sys::Object::is(&parent, &w) {
        return;
    }
    let own = w.location().origin().unwrap_or_default();
    let content = document()
        .query_selector(&format!("meta[name=\"{ORIGINS_META}\"]"))
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default();
    let (allowed, ignored) = AllowedOrigins::parse(&content, &own);
    for why in ignored {
        leptos::logging::warn!("pipescope: {why}");
    }
    let embed = Embed {
        allowed: StoredValue::new_local(allowed),
        subscribers: StoredValue::new_local(Vec::new()),
        tracker: StoredValue::new_local(IncidentTracker::default()),
        incidents: expect_context::<IncidentsState>(),
        status: expect_context::<AppState>().status,
    };
    let dispatch = expect_context::<Dispatch>();

    let listener = window_event_listener(ev::message, move |e: web_sys::MessageEvent| {
        let origin = e.origin();
        let Some(from) = e.source().map(|s| s.unchecked_into::<web_sys::Window>()) else {
            return;
        };
        let msg = e.data();
        if !msg.is_object()
            || !js_sys::Reflect::has(&msg, &JsValue::from_str("pipescope")).unwrap_or(false)
        {
            return;
        }
        if !embed.allowed.with_value(|a| a.allows(&origin)) {
            // Said to the sender (it learns nothing but that it is refused) and to the
            // deployer in the console.
            let error = EmbedError::OriginNotAllowed {
                origin: origin.clone(),
            };
            leptos::logging::warn!("pipescope: refused a message: {error}");
            post(
                &from,
                &origin,
                &Outgoing::rejection(&Rejection { id: None, error }),
            );
            return;
        }
        match read(&msg) {
            Ok(None) => {}
            Err(r) => post(&from, &origin, &Outgoing::rejection(&r)),
            Ok(Some((req, data))) => {
                // Whoever commands the page hears the answers and the events after.
                embed.subscribe(&from, &origin);
                let kind = req.command.kind();
                let answer = match run(embed, dispatch, req.command, data, (&from, &origin)) {
                    Ok(()) => Outgoing::Accepted {
                        id: req.id,
                        command: kind,
                    },
                    Err(message) => Outgoing::Error {
                        id: req.id,
                        code: "failed",
                        message,
                    },
                };
                post(&from, &origin, &answer);
            }
        }
    });
    let hash = window_event_listener(ev::hashchange, {
        let last = StoredValue::new_local(current_route());
        move |_| {
            let now = current_route();
            if last.get_value() != now {
                last.set_value(now);
                embed.broadcast(&Outgoing::Workspace {
                    workspace: now.slug(),
                });
            }
        }
    });
    on_cleanup(move || {
        listener.remove();
        hash.remove();
    });

    for (route, banner) in dispatch.problems() {
        Effect::new(move |first: Option<()>| {
            let message = banner.get();
            // Nothing to say about a workspace that starts without a problem.
            if first.is_some() || message.is_some() {
                embed.broadcast(&Outgoing::Problem {
                    workspace: route.slug(),
                    message,
                });
            }
        });
    }
    Effect::new(move |_| {
        let text = embed.status.get();
        embed.broadcast(&Outgoing::Status { text });
    });
    Effect::new(move |_| {
        embed.incidents.version.track();
        if embed.subscribers.with_value(Vec::is_empty) {
            return;
        }
        let now: Vec<_> = embed.incidents.all().into_iter().map(|(_, i)| i).collect();
        let news = embed
            .tracker
            .try_update_value(|t| t.changes(&now))
            .unwrap_or_default();
        for m in &news {
            embed.broadcast(m);
        }
    });

    // A parent of an allowed origin hears `ready` unasked; others subscribe (the JS API
    // does, in case the browser hides the parent's origin).
    if let Some(origin) = parent_origin().filter(|o| embed.allowed.with_value(|a| a.allows(o))) {
        embed.subscribe(&parent, &origin);
        embed.greet(&parent, &origin);
    }
}
