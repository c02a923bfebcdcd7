//! The test switch that makes storage fail on purpose, so end-to-end tests can check the
//! banner and that the stream goes on: `?journal=off` (IndexedDB unavailable) or
//! `?journal=quota:BYTES` (a quota the next flush past it breaks), in the page's query
//! string or after the route (`#/monitor?journal=off`), or the same text in
//! `window.__pipescopeJournalFault`, read once when the journal opens.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A storage failure to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// None: use IndexedDB normally.
    #[default]
    None,
    /// Behave as if IndexedDB were unavailable.
    Off,
    /// Refuse any flush that would leave more than this many bytes stored.
    Quota(u64),
}

/// Parse the switch's text (`off`, `quota:200000`); anything else is no fault.
pub fn parse(text: &str) -> Fault {
    let text = text.trim();
    if text == "off" {
        return Fault::Off;
    }
    text.strip_prefix("quota:")
        .and_then(|n| n.trim().parse::<u64>().ok())
        .map_or(Fault::None, Fault::Quota)
}

/// The `journal=` value of a query string (`a=1&journal=off`), if present.
fn from_query(query: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("journal="))
        .map(str::to_string)
}

/// The switch in force for this page, if any.
pub fn read() -> Fault {
    let Some(window) = web_sys::window() else {
        return Fault::None;
    };
    if let Ok(v) = Reflect::get(&window, &JsValue::from_str("__pipescopeJournalFault")) {
        if let Some(s) = v.as_string() {
            return parse(&s);
        }
    }
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let in_hash = hash.split_once('?').map(|(_, q)| q.to_string());
    from_query(&search)
        .or_else(|| in_hash.as_deref().and_then(from_query))
        .map_or(Fault::None, |s| parse(&s))
}
