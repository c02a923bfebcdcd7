//! One place where a dropped file and a single-key shortcut go: to the workspace on
//! screen. Every page stays mounted, so listeners of their own would all fire at once (a
//! file dropped on the Monitor was also loaded by Distribution); here one window listener
//! per event looks up the current route's handler. A portal's commands (`ui::embed`) come
//! through the same door: a file it passes is dropped here, a live source it names goes to
//! the Monitor's handler.

use super::route::Route;
use leptos::ev;
use leptos::prelude::*;
use std::rc::Rc;
use wasm_bindgen::JsCast;

type FileHandler = Rc<dyn Fn(web_sys::File)>;
type KeyHandler = Rc<dyn Fn(&web_sys::KeyboardEvent) -> bool>;
type SourceHandler = Rc<dyn Fn(Option<crate::core::live::PromSource>)>;
type FeedHandler = Rc<dyn Fn(Option<crate::core::live::events::EventFeed>)>;

/// The handlers by route; provided as context by the shell.
#[derive(Clone, Copy)]
pub struct Dispatch {
    files: StoredValue<Vec<(Route, FileHandler)>, LocalStorage>,
    keys: StoredValue<Vec<(Route, KeyHandler)>, LocalStorage>,
    source: StoredValue<Option<SourceHandler>, LocalStorage>,
    feed: StoredValue<Option<FeedHandler>, LocalStorage>,
    problems: StoredValue<Vec<(Route, RwSignal<Option<String>>)>, LocalStorage>,
}

fn current_route() -> Route {
    Route::from_hash(&window().location().hash().unwrap_or_default())
}

/// Shows the "drop here" hint on the whole page while a file is dragged over it.
fn set_dragging(on: bool) {
    if let Some(b) = document().body() {
        let _ = if on {
            b.class_list().add_1("dragging")
        } else {
            b.class_list().remove_1("dragging")
        };
    }
}

impl Dispatch {
    /// Installs the window listeners and provides the dispatcher; the shell calls this
    /// once, before the pages register.
    pub fn install() -> Dispatch {
        let d = Dispatch {
            files: StoredValue::new_local(Vec::new()),
            keys: StoredValue::new_local(Vec::new()),
            source: StoredValue::new_local(None),
            feed: StoredValue::new_local(None),
            problems: StoredValue::new_local(Vec::new()),
        };
        provide_context(d);
        let over = window_event_listener(ev::dragover, move |e: web_sys::DragEvent| {
            e.prevent_default();
            set_dragging(true);
        });
        let leave = window_event_listener(ev::dragleave, move |e: web_sys::DragEvent| {
            // Leaving the window (no related target) ends the hint.
            if e.related_target().is_none() {
                set_dragging(false);
            }
        });
        let drop = window_event_listener(ev::drop, move |e: web_sys::DragEvent| {
            e.prevent_default();
            set_dragging(false);
            let Some(file) = e
                .data_transfer()
                .and_then(|t| t.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            d.drop_file(current_route(), file);
        });
        let keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                        || el.has_attribute("contenteditable")
                });
            if typing || e.ctrl_key() || e.alt_key() || e.meta_key() {
                return;
            }
            let route = current_route();
            let handler = d
                .keys
                .with_value(|ks| ks.iter().find(|(r, _)| *r == route).map(|(_, h)| h.clone()));
            if handler.is_some_and(|h| h(&e)) {
                e.prevent_default();
            }
        });
        on_cleanup(move || {
            over.remove();
            leave.remove();
            drop.remove();
            keys.remove();
        });
        d
    }

    /// Sends `file` to the handler of `route`; a workspace that takes no files (Incidents)
    /// hands it to Distribution, which is then shown.
    pub fn drop_file(&self, route: Route, file: web_sys::File) {
        let find = |want: Route| {
            self.files
                .with_value(|fs| fs.iter().find(|(r, _)| *r == want).map(|(_, h)| h.clone()))
        };
        if let Some(h) = find(route) {
            h(file);
        } else if let Some(h) = find(Route::Distribution) {
            let _ = window().location().set_hash(&Route::Distribution.href());
            h(file);
        }
    }

    /// Files dropped while `route` is shown go to `handler`.
    pub fn on_file(&self, route: Route, handler: impl Fn(web_sys::File) + 'static) {
        self.files
            .update_value(|fs| fs.push((route, Rc::new(handler) as FileHandler)));
    }

    /// A live source to watch (None: stop watching) goes to `handler` (the Monitor's).
    pub fn on_source(&self, handler: impl Fn(Option<crate::core::live::PromSource>) + 'static) {
        self.source.set_value(Some(Rc::new(handler)));
    }

    /// Hands `source` to the Monitor (None stops its live source); false when no handler is
    /// registered yet.
    pub fn set_source(&self, source: Option<crate::core::live::PromSource>) -> bool {
        match self.source.get_value() {
            Some(h) => {
                h(source);
                true
            }
            None => false,
        }
    }

    /// An event feed to follow (None: stop following) goes to `handler` (the Monitor's).
    pub fn on_feed(
        &self,
        handler: impl Fn(Option<crate::core::live::events::EventFeed>) + 'static,
    ) {
        self.feed.set_value(Some(Rc::new(handler)));
    }

    /// Hands `feed` to the Monitor (None stops it); false when no handler is registered yet.
    pub fn set_feed(&self, feed: Option<crate::core::live::events::EventFeed>) -> bool {
        match self.feed.get_value() {
            Some(h) => {
                h(feed);
                true
            }
            None => false,
        }
    }

    /// `banner` is the error banner of `route`'s workspace (what failed: a file that could
    /// not be read, …), so a portal hears of it too.
    pub fn on_problem(&self, route: Route, banner: RwSignal<Option<String>>) {
        self.problems.update_value(|p| p.push((route, banner)));
    }

    /// Every workspace's error banner.
    pub fn problems(&self) -> Vec<(Route, RwSignal<Option<String>>)> {
        self.problems.get_value()
    }

    /// Keys pressed while `route` is shown, outside text fields and without Ctrl, Alt or
    /// Meta, go to `handler`; it returns whether it used the key.
    pub fn on_key(
        &self,
        route: Route,
        handler: impl Fn(&web_sys::KeyboardEvent) -> bool + 'static,
    ) {
        self.keys
            .update_value(|ks| ks.push((route, Rc::new(handler) as KeyHandler)));
    }
}
