//! Credentials for the servers the user added, by server address: held in this tab's
//! memory, and in localStorage only for servers the user asked to remember (a shared
//! machine must not keep a token the user typed once). Never journaled, never in a link.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::core::live::Credentials;

/// localStorage key of the remembered credentials.
const KEY: &str = "pipescope-credentials";

thread_local! {
    static MEMORY: RefCell<HashMap<String, Credentials>> = RefCell::new(HashMap::new());
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn remembered_all() -> HashMap<String, Credentials> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The credentials for `server`: from memory, or remembered on this device.
pub fn get(server: &str) -> Option<Credentials> {
    if let Some(c) = MEMORY.with(|m| m.borrow().get(server).cloned()) {
        return Some(c);
    }
    let c = remembered_all().remove(server)?;
    MEMORY.with(|m| m.borrow_mut().insert(server.to_string(), c.clone()));
    Some(c)
}

/// Whether `server`'s credentials are remembered on this device.
pub fn remembered(server: &str) -> bool {
    remembered_all().contains_key(server)
}

/// Sets (or with None forgets) `server`'s credentials; `remember` keeps them on this
/// device, otherwise any remembered copy is removed. Fails only when storage refuses the
/// write (full, or disabled): the credentials then stay in memory.
pub fn set(server: &str, credentials: Option<Credentials>, remember: bool) -> Result<(), String> {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        match &credentials {
            Some(c) => m.insert(server.to_string(), c.clone()),
            None => m.remove(server),
        }
    });
    let mut all = remembered_all();
    let changed = match (&credentials, remember) {
        (Some(c), true) => all.insert(server.to_string(), c.clone()).as_ref() != Some(c),
        _ => all.remove(server).is_some(),
    };
    if !changed {
        return Ok(());
    }
    let Some(s) = storage() else {
        return Err(
            "this browser keeps no local storage: the sign-in lasts until the tab closes".into(),
        );
    };
    let written = if all.is_empty() {
        s.remove_item(KEY)
    } else {
        s.set_item(KEY, &serde_json::to_string(&all).unwrap_or_default())
    };
    written.map_err(|_| {
        "the browser refused to store the sign-in (storage full or disabled): it lasts until \
         the tab closes"
            .to_string()
    })
}
