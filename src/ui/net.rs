//! Requests to servers the user or the deployer added (live sources, sinks): one fetch with a
//! timeout, whose failures say what went wrong in [`LiveError`]'s terms.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::live::{prometheus::TIMEOUT_MS, LiveError};

thread_local! {
    /// URLs the page's Content-Security-Policy refused lately: a refused fetch fails like
    /// an unreachable server, and this tells the two apart.
    static BLOCKED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Listens once for Content-Security-Policy violations (call before a connection that
/// [`was_blocked`] may be asked about).
pub fn watch_csp() {
    thread_local!(static ON: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if ON.with(|o| o.replace(true)) {
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let f = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::SecurityPolicyViolationEvent)>::new(
        |e: web_sys::SecurityPolicyViolationEvent| {
            BLOCKED.with(|b| {
                let mut b = b.borrow_mut();
                b.push(e.blocked_uri());
                let n = b.len();
                if n > 20 {
                    b.drain(..n - 20);
                }
            });
        },
    );
    let _ =
        doc.add_event_listener_with_callback("securitypolicyviolation", f.as_ref().unchecked_ref());
    f.forget();
}

/// Whether the page's Content-Security-Policy lately refused a connection to `url` (an
/// EventSource's error says nothing more).
pub fn was_blocked(url: &str) -> bool {
    watch_csp();
    let full = absolute(url);
    BLOCKED.with(|b| {
        b.borrow()
            .iter()
            .any(|u| !u.is_empty() && full.starts_with(u.trim_end_matches('/')))
    })
}

/// The page's own origin.
fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Whether `url` (absolute, or a path on this origin) leaves the page's origin.
fn cross_origin(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !lower.starts_with(&format!("{}/", page_origin().to_ascii_lowercase()))
        && lower != page_origin().to_ascii_lowercase()
}

/// Resolves a same-origin base written as a path against the page (`./prom` from a
/// sub-path stays under it).
fn absolute(url: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    web_sys::Url::new_with_base(url, &base)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_string())
}

/// One request (`GET`, or `POST` of a JSON `body`) to `url`, on behalf of `server` (named
/// in errors and signed with its credentials, if the user gave any): the status and the
/// body, or why there is none. Times out after
/// [`TIMEOUT_MS`]; a refusal by the page's Content-Security-Policy is told apart from an
/// unreachable server.
pub async fn request(
    method: &str,
    url: &str,
    body: Option<&str>,
    server: &str,
) -> Result<(u16, Vec<u8>), LiveError> {
    watch_csp();
    let server = server.to_string();
    let window = web_sys::window().ok_or(LiveError::Unreachable {
        server: server.clone(),
        cross_origin: false,
    })?;
    let ctrl = web_sys::AbortController::new().ok();
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = js_sys::Object::new();
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
    }
    let credentials = super::secrets::get(&server);
    if let Some(c) = &credentials {
        let _ = js_sys::Reflect::set(&headers, &"Authorization".into(), &c.authorization().into());
    }
    init.set_headers(&headers);
    if let Some(c) = &ctrl {
        init.set_signal(Some(&c.signal()));
    }
    let timed_out = Rc::new(std::cell::Cell::new(false));
    let _timer = {
        let (flag, ctrl) = (timed_out.clone(), ctrl.clone());
        gloo_timers::callback::Timeout::new(TIMEOUT_MS as u32, move || {
            flag.set(true);
            if let Some(c) = ctrl {
                c.abort();
            }
        })
    };
    let full = absolute(url);
    let failed = |timed_out: bool| {
        if timed_out {
            return LiveError::Timeout {
                server: server.clone(),
                after_ms: TIMEOUT_MS,
            };
        }
        let blocked = BLOCKED.with(|b| {
            b.borrow()
                .iter()
                .any(|u| !u.is_empty() && full.starts_with(u.trim_end_matches('/')))
        });
        if blocked {
            LiveError::Blocked {
                server: server.clone(),
            }
        } else {
            LiveError::Unreachable {
                server: server.clone(),
                cross_origin: cross_origin(&full),
            }
        }
    };
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r,
        Err(_) => {
            // The violation event is queued after the rejection: let it land.
            gloo_timers::future::TimeoutFuture::new(0).await;
            return Err(failed(timed_out.get()));
        }
    };
    let response: web_sys::Response = response.unchecked_into();
    let status = response.status();

    let body = match response.array_buffer() {
        Ok(p) => JsFuture::from(p)
            .await
            .map_err(|_| failed(timed_out.get()))?,
        Err(_) => JsValue::UNDEFINED,
    };
    let bytes = if body.is_undefined() {
        Vec::new()
    } else {
        js_sys::Uint8Array::new(&body).to_vec()
    };
    Ok((status, bytes))
}
