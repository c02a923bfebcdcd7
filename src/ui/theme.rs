//! Light and dark themes follow the system; charts get the matching colours.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// A signal that is true while the system prefers a dark colour scheme.
pub fn prefers_dark() -> ReadSignal<bool> {
    let mql = window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten();
    let (dark, set_dark) = signal(mql.as_ref().map(|m| m.matches()).unwrap_or(false));
    if let Some(mql) = mql {
        let cb = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(
            move |e: web_sys::MediaQueryListEvent| {
                set_dark.set(e.matches());
            },
        );
        let _ = mql.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        cb.forget();
    }
    dark
}

/// Chart colours for the current theme.
pub fn chart_style(dark: bool) -> crate::charts::ChartStyle {
    if dark {
        crate::charts::ChartStyle::dark()
    } else {
        crate::charts::ChartStyle::light()
    }
}
