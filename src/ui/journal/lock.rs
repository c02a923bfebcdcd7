//! One writer per journal across tabs, through the Web Locks API: the first tab takes an
//! exclusive lock named after the database and holds it until it closes the journal or the
//! page goes away; a second tab asking with `ifAvailable` is told no at once and opens the
//! journal read-only. Called through `Reflect` because web-sys keeps `LockManager` behind
//! its unstable-API flag.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The outcome of asking for the writer's lock.
pub enum Writer {
    /// This tab writes; calling the function releases the lock.
    Granted(Function),
    /// Another tab holds the lock.
    Taken,
    /// The browser has no Web Locks (or refused the request): assume one tab.
    NoApi,
}

/// Ask for the exclusive lock `name` without waiting.
pub async fn acquire(name: &str) -> Writer {
    let Some(window) = web_sys::window() else {
        return Writer::NoApi;
    };
    let locks = Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(request) = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return Writer::NoApi;
    };
    let mut outcome = None;
    let told = Promise::new(&mut |resolve, _| outcome = Some(resolve));
    let Some(tell) = outcome else {
        return Writer::NoApi;
    };
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
    let Ok(pending) = request.call3(&locks, &name.into(), &options, &callback) else {
        return Writer::NoApi;
    };
    // A refused request (opaque origin, say) settles `told` with the error: no locks here.
    if let Some(catch) = Reflect::get(&pending, &"catch".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        let _ = catch.call1(&pending, &tell_failure);
    }
    match JsFuture::from(told).await {
        Ok(v) if v.is_null() => Writer::Taken,
        Ok(v) => match v.dyn_into::<Function>() {
            Ok(release) => Writer::Granted(release),
            Err(_) => Writer::NoApi,
        },
        Err(_) => Writer::NoApi,
    }
}

/// Wait until the lock `name` is free (the writing tab closed), then let it go at once:
/// a read-only tab learns it may reload and write. Returns false without Web Locks.
pub async fn wait_free(name: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let locks = Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(request) = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return false;
    };
    // The callback returns nothing, so the lock is released as soon as it was granted; the
    // request's promise settles then.
    let callback = Closure::once_into_js(move |_lock: JsValue| JsValue::UNDEFINED);
    let Ok(pending) = request.call2(&locks, &name.into(), &callback) else {
        return false;
    };
    match pending.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p).await.is_ok(),
        Err(_) => false,
    }
}
