//! The writer's place without Web Locks: a lease record `{owner, expires}` per lock name in
//! its own small IndexedDB database, plus a BroadcastChannel.
//!
//! * Taking, renewing and giving up the lease are each one read-write transaction that
//!   reads the record and decides on what it read. IndexedDB runs read-write transactions
//!   over the same store one after the other, so two tabs can never both see it free.
//! * The writer renews every [`HEARTBEAT_MS`] for [`TTL_MS`]. A tab that crashed stops
//!   renewing, and others may take the lease once it has expired.
//! * A renewal only succeeds while the record still names this tab: once another tab has
//!   written, this tab's copy of the journal is stale, and writing it would destroy theirs.
//! * Before every write the writer checks its own clock against the expiry it wrote, and
//!   renews first when less than [`SAFE_MS`] is left. A tab frozen past its expiry (a
//!   background tab, a laptop lid) thus finds out it lost before it writes, not after.
//! * A closing writer posts `released:<owner>` on the channel, so a waiting tab learns at
//!   once instead of after the expiry. Its removal of the record is not awaited in
//!   `pagehide` and often does not land, so it also notes the owner it gave up in
//!   localStorage (synchronous, shared by the origin's tabs): a record of that owner counts
//!   as free, also for the same tab reloaded, which no message reaches.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Interval;
use js_sys::{Date, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, IdbDatabase, IdbTransaction, IdbTransactionMode, MessageEvent};

use super::{Held, Hold, Writer};
use crate::ui::journal::idb;

const DB: &str = "pipescope-lease";
const STORE: &str = "leases";
const STORES: &[&str] = &[STORE];
/// How often the writer renews its lease.
pub const HEARTBEAT_MS: u32 = 2_000;
/// How long a lease lasts unrenewed: a few missed heartbeats (timers of background tabs
/// are slowed to about one a second) must not hand the journal to another tab.
pub const TTL_MS: f64 = 8_000.0;
/// The writer stops trusting its lease this long before it expires: room for a write
/// begun just before to commit, and for a slow clock tick.
const SAFE_MS: f64 = 3_000.0;
const RELEASED: &str = "released:";

thread_local! {
    // One connection per page: transactions on one connection run in the order they were
    // made, so a release is on disk before the same page's next acquire reads.
    static CONNECTION: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

async fn database() -> Option<IdbDatabase> {
    if let Some(db) = CONNECTION.with(|c| c.borrow().clone()) {
        return Some(db);
    }
    let db = idb::open_stores(DB, 1, STORES).await.ok()?;
    CONNECTION.with(|c| *c.borrow_mut() = Some(db.clone()));
    Some(db)
}

fn channel_name(name: &str) -> String {
    format!("pipescope-lease:{name}")
}

fn released_key(name: &str) -> String {
    format!("pipescope-lease:{name}:released")
}

/// The owner that last gave up the lease `name`.
fn released_owner(name: &str) -> Option<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(&released_key(name)).ok().flatten())
}

fn note_released(name: &str, owner: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(&released_key(name), owner);
    }
}

/// Whether the record leaves the lease to whoever asks: expired, or given up by its owner
/// (`released` names one that said so on the channel).
fn is_free(r: &Record, name: &str, released: Option<&str>) -> bool {
    r.expires <= Date::now()
        || released == Some(r.owner.as_str())
        || released_owner(name).as_deref() == Some(r.owner.as_str())
}

/// Unique enough among the tabs of one browser; `crypto.randomUUID` is secure-context only.
fn new_owner() -> String {
    let r = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    format!("{r:x}-{:x}", Date::now() as u64)
}

struct Record {
    owner: String,
    expires: f64,
}

impl Record {
    fn read(v: &JsValue) -> Option<Record> {
        let owner = Reflect::get(v, &"owner".into()).ok()?.as_string()?;
        let expires = Reflect::get(v, &"expires".into()).ok()?.as_f64()?;
        Some(Record { owner, expires })
    }

    fn to_js(&self) -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"owner".into(), &self.owner.as_str().into());
        let _ = Reflect::set(&o, &"expires".into(), &self.expires.into());
        o.into()
    }
}

enum Change {
    Keep,
    Put(Record),
    Delete,
}

/// Start one read-write transaction that reads the record of `name`, lets `decide` choose
/// what to do with it, and does it. The returned cell holds `decide`'s answer once the
/// transaction commits. Synchronous up to the commit so that it can run in `pagehide`.
fn start_swap<T: 'static>(
    db: &IdbDatabase,
    name: &str,
    decide: impl FnOnce(Option<Record>) -> (Change, T) + 'static,
) -> Option<(IdbTransaction, Rc<RefCell<Option<T>>>)> {
    let tx = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .ok()?;
    let store = tx.object_store(STORE).ok()?;
    let key = JsValue::from(name);
    let read = store.get(&key).ok()?;
    let answer = Rc::new(RefCell::new(None));
    let on_read = Closure::once_into_js({
        let (answer, read, tx) = (answer.clone(), read.clone(), tx.clone());
        move || {
            let current = read.result().ok().and_then(|v| Record::read(&v));
            let (change, value) = decide(current);
            let done = match change {
                Change::Keep => Ok(()),
                Change::Put(r) => store.put_with_key(&r.to_js(), &key).map(drop),
                Change::Delete => store.delete(&key).map(drop),
            };
            match done {
                Ok(()) => *answer.borrow_mut() = Some(value),
                Err(_) => {
                    let _ = tx.abort();
                }
            }
        }
    });
    read.set_onsuccess(Some(on_read.unchecked_ref()));
    Some((tx, answer))
}

/// [`start_swap`] and wait for the commit; None when the transaction failed.
async fn swap<T: 'static>(
    db: &IdbDatabase,
    name: &str,
    decide: impl FnOnce(Option<Record>) -> (Change, T) + 'static,
) -> Option<T> {
    let (tx, answer) = start_swap(db, name, decide)?;
    idb::committed(&tx).await.ok()?;
    let value = answer.borrow_mut().take();
    value
}

/// Take the lease `name` if it is free or has expired. None without IndexedDB.
pub async fn acquire(name: &str) -> Option<Writer> {
    let db = database().await?;
    let owner = new_owner();
    let mine = owner.clone();
    let key = name.to_string();
    let expires = swap(&db, name, move |current| match current {
        Some(r) if !is_free(&r, &key, None) => (Change::Keep, None),
        _ => {
            let expires = Date::now() + TTL_MS;
            (
                Change::Put(Record {
                    owner: mine,
                    expires,
                }),
                Some(expires),
            )
        }
    })
    .await?;
    let Some(expires) = expires else {
        return Some(Writer::Taken);
    };
    let lease = Lease::start(db, name, owner, expires);
    Some(Writer::Granted(Hold(Rc::new(Held::Lease(lease)))))
}

/// A `window` event listener, kept to be removed again.
type PageListener = (&'static str, Closure<dyn FnMut(JsValue)>);

/// The writer's side of a lease it holds.
pub struct Lease {
    db: IdbDatabase,
    name: String,
    owner: String,
    /// The expiry this tab last wrote (wall clock, as every tab reads it).
    expires: Cell<f64>,
    lost: Cell<bool>,
    released: Cell<bool>,
    on_lost: RefCell<Vec<Rc<dyn Fn()>>>,
    heartbeat: RefCell<Option<Interval>>,
    channel: Option<BroadcastChannel>,
    page_events: RefCell<Vec<PageListener>>,
}

impl Lease {
    fn start(db: IdbDatabase, name: &str, owner: String, expires: f64) -> Rc<Lease> {
        let lease = Rc::new(Lease {
            db,
            name: name.to_string(),
            owner,
            expires: Cell::new(expires),
            lost: Cell::new(false),
            released: Cell::new(false),
            on_lost: RefCell::new(Vec::new()),
            heartbeat: RefCell::new(None),
            channel: BroadcastChannel::new(&channel_name(name)).ok(),
            page_events: RefCell::new(Vec::new()),
        });
        let weak = Rc::downgrade(&lease);
        *lease.heartbeat.borrow_mut() = Some(Interval::new(HEARTBEAT_MS, move || {
            if let Some(l) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move {
                    l.renew().await;
                });
            }
        }));
        lease.watch_page(Rc::downgrade(&lease));
        lease
    }

    /// Give the lease up when the page goes away: the browser would not, as it does a Web
    /// Lock. A page restored from the back/forward cache had given it up, and another tab
    /// may have written since, so it counts as lost.
    fn watch_page(&self, weak: Weak<Lease>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let hide = {
            let weak = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
                if let Some(l) = weak.upgrade() {
                    l.release();
                }
            })
        };
        let show = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let restored = Reflect::get(&e, &"persisted".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if let (true, Some(l)) = (restored, weak.upgrade()) {
                l.lose();
            }
        });
        for (event, f) in [("pagehide", hide), ("pageshow", show)] {
            let _ = window.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
            self.page_events.borrow_mut().push((event, f));
        }
    }

    fn unwatch_page(&self) {
        let events = std::mem::take(&mut *self.page_events.borrow_mut());
        if let Some(window) = web_sys::window() {
            for (event, f) in &events {
                let _ =
                    window.remove_event_listener_with_callback(event, f.as_ref().unchecked_ref());
            }
        }
    }

    /// Whether this tab still holds the lease with room to write; renews it when near its
    /// end.
    pub async fn confirm(&self) -> bool {
        if self.lost.get() || self.released.get() {
            return false;
        }
        if Date::now() < self.expires.get() - SAFE_MS {
            return true;
        }
        // Checked again after the renewal: the tab may have been frozen between its commit
        // and now, and the caller writes right after this returns, in the same task.
        self.renew().await && Date::now() < self.expires.get() - SAFE_MS
    }

    /// Extend the lease if the record still names this tab; else this tab has lost it.
    async fn renew(&self) -> bool {
        if self.lost.get() || self.released.get() {
            return false;
        }
        let owner = self.owner.clone();
        let renewed = swap(&self.db, &self.name, move |current| match current {
            Some(r) if r.owner == owner => {
                let expires = Date::now() + TTL_MS;
                (Change::Put(Record { owner, expires }), Some(expires))
            }
            _ => (Change::Keep, None),
        })
        .await;
        match renewed {
            Some(Some(expires)) => {
                self.expires.set(self.expires.get().max(expires));
                true
            }
            Some(None) => {
                self.lose();
                false
            }
            // The transaction failed, so nothing is known: trust the lease while it lasts.
            None => Date::now() < self.expires.get() - SAFE_MS,
        }
    }

    /// Register `f` to hear that this tab lost the lease.
    pub fn on_lost(&self, f: Rc<dyn Fn()>) {
        if self.lost.get() {
            f();
        } else {
            self.on_lost.borrow_mut().push(f);
        }
    }

    fn lose(&self) {
        if self.released.get() || self.lost.replace(true) {
            return;
        }
        self.stop();
        let listeners = std::mem::take(&mut *self.on_lost.borrow_mut());
        for f in listeners {
            f();
        }
    }

    fn stop(&self) {
        self.heartbeat.borrow_mut().take();
        self.unwatch_page();
    }

    /// Give the lease up and tell the waiting tabs. Idempotent.
    pub fn release(&self) {
        if self.released.replace(true) {
            return;
        }
        self.stop();
        if self.lost.get() {
            return;
        }
        note_released(&self.name, &self.owner);
        let owner = self.owner.clone();
        // Not awaited: in `pagehide` there is no later.
        let _ = start_swap(&self.db, &self.name, move |current| match current {
            Some(r) if r.owner == owner => (Change::Delete, ()),
            _ => (Change::Keep, ()),
        });
        if let Some(c) = &self.channel {
            let _ = c.post_message(&format!("{RELEASED}{}", self.owner).into());
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.release();
        if let Some(c) = &self.channel {
            c.close();
        }
    }
}

/// Wait until the lease `name` is free: its writer said it released it, or it expired.
/// False without IndexedDB.
pub async fn wait_free(name: &str) -> bool {
    let Some(db) = database().await else {
        return false;
    };
    let Some(window) = web_sys::window() else {
        return false;
    };
    let channel = BroadcastChannel::new(&channel_name(name)).ok();
    let free = loop {
        // A message or the next heartbeat, whichever comes first.
        let woke = JsFuture::from(Promise::new(&mut |resolve, _| {
            if let Some(c) = &channel {
                c.set_onmessage(Some(&resolve));
            }
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                HEARTBEAT_MS as i32,
            );
        }))
        .await;
        let released = woke
            .ok()
            .and_then(|e| e.dyn_into::<MessageEvent>().ok())
            .and_then(|e| e.data().as_string())
            .and_then(|s| s.strip_prefix(RELEASED).map(str::to_string));
        let key = name.to_string();
        let verdict = swap(&db, name, move |current| match current {
            None => (Change::Keep, true),
            Some(r) => (Change::Keep, is_free(&r, &key, released.as_deref())),
        })
        .await;
        match verdict {
            Some(true) => break true,
            Some(false) => {}
            None => break false,
        }
    };
    if let Some(c) = channel {
        c.set_onmessage(None);
        c.close();
    }
    free
}
