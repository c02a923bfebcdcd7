//! One writer per journal across tabs. The first tab to ask becomes the writer and stays it
//! until it closes the journal or the page goes away; a tab that asks while another writes
//! is told no at once and opens the journal read-only, and [`wait_free`] tells it when the
//! writer has gone.
//!
//! Two ways to hold the writer's place, chosen here and nowhere else:
//!
//! * the Web Locks API, when the page has it: an exclusive lock named after the database,
//!   asked for with `ifAvailable`. The browser releases it when the tab dies, so it needs no
//!   upkeep. Called through `Reflect` because web-sys keeps `LockManager` behind its
//!   unstable-API flag.
//! * otherwise a lease in IndexedDB ([`lease`]). Web Locks exist only in secure contexts,
//!   so a page served over plain http from a LAN address has none, and two tabs that both
//!   assumed they were alone would both write the journal and lose one tab's events.

mod lease;

use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The outcome of asking to be the journal's writer.
pub enum Writer {
    /// This tab writes while the [`Hold`] lasts.
    Granted(Hold),
    /// Another tab writes.
    Taken,
    /// Neither Web Locks nor IndexedDB work here: assume one tab.
    NoApi,
}

/// This tab's place as the writer; cheap to clone.
#[derive(Clone)]
pub struct Hold(Rc<Held>);

enum Held {
    WebLock(std::cell::RefCell<Option<Function>>),
    Lease(Rc<lease::Lease>),
}

impl Hold {
    /// Whether this tab may write now. A Web Lock is never taken away; a lease may have
    /// lapsed while the tab was frozen, and is renewed first when it is close to its end.
    pub async fn confirm(&self) -> bool {
        match &*self.0 {
            Held::WebLock(_) => true,
            Held::Lease(l) => l.confirm().await,
        }
    }

    /// Call `f` once this tab has lost its place (another tab writes now).
    pub fn on_lost(&self, f: impl Fn() + 'static) {
        if let Held::Lease(l) = &*self.0 {
            l.on_lost(Rc::new(f));
        }
    }

    /// Let go: another tab may write. Idempotent.
    pub fn release(&self) {
        match &*self.0 {
            Held::WebLock(f) => {
                if let Some(f) = f.borrow_mut().take() {
                    let _ = f.call0(&JsValue::NULL);
                }
            }
            Held::Lease(l) => l.release(),
        }
    }
}

/// `navigator.locks` and its `request`, when the page has Web Locks.
fn web_locks() -> Option<(JsValue, Function)> {
    let window = web_sys::window()?;
    let locks = Reflect::get(&window.navigator(), &"locks".into()).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}

/// Ask to be the writer of `name` without waiting.
pub async fn acquire(name: &str) -> Writer {
    if let Some((locks, request)) = web_locks() {
        if let Some(w) = web_lock(&locks, &request, name).await {
            return w;
        }
    }
    lease::acquire(name).await.unwrap_or(Writer::NoApi)
}

/// The Web Lock `name` with `ifAvailable`; None when the browser refused the request.
async fn web_lock(locks: &JsValue, request: &Function, name: &str) -> Option<Writer> {
    let mut outcome = None;
    let told = Promise::new(&mut |resolve, _| outcome = Some(resolve));
    let tell = outcome?;
    let tell_failure = tell.clone();
    // Called once by the browser; the promise it returns keeps the lock until released.
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() || lock.is_undefined() {
            let _ = tell.call1(&JsValue::NULL, &JsValue::NULL);
            return JsValue::UNDEFINED;
        }
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        let _ = tell.call1(
            &JsValue::NULL,
            &release.map_or(JsValue::TRUE, JsValue::from),
        );
        held.into()
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let pending = request
        .call3(locks, &name.into(), &options, &callback)
        .ok()?;
    // A refused request (opaque origin, say) settles `told` with the error.
    if let Some(catch) = Reflect::get(&pending, &"catch".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        let _ = catch.call1(&pending, &tell_failure);
    }
    match JsFuture::from(told).await {
        Ok(v) if v.is_null() => Some(Writer::Taken),
        Ok(v) => v.dyn_into::<Function>().ok().map(|release| {
            Writer::Granted(Hold(Rc::new(Held::WebLock(std::cell::RefCell::new(Some(
                release,
            ))))))
        }),
        Err(_) => None,
    }
}

/// Wait until the writer of `name` has gone (closed, or crashed and its lease ran out):
/// a read-only tab learns it may reload and write. Returns false when it cannot tell.
pub async fn wait_free(name: &str) -> bool {
    if let Some((locks, request)) = web_locks() {
        // The callback returns nothing, so the lock is released as soon as it was granted;
        // the request's promise settles then.
        let callback = Closure::once_into_js(move |_lock: JsValue| JsValue::UNDEFINED);
        if let Some(p) = request
            .call2(&locks, &name.into(), &callback)
            .ok()
            .and_then(|p| p.dyn_into::<Promise>().ok())
        {
            if JsFuture::from(p).await.is_ok() {
                return true;
            }
        }
    }
    lease::wait_free(name).await
}
