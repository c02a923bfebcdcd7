//! Light and dark themes: the system's by default, or the one chosen in the header,
//! remembered in this browser. Charts get the matching colours.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// localStorage key of the chosen theme; absent means "follow the system".
const KEY: &str = "pipescope-theme";

/// What the user chose in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Follow the system's light or dark preference.
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in the order the switch offers them.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// Value stored and used in the switch's `<option>`.
    pub fn key(self) -> &'static str {
        match self {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }

    /// Name shown in the switch.
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "System theme",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }

    fn parse(s: &str) -> ThemeChoice {
        ThemeChoice::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .unwrap_or(ThemeChoice::System)
    }
}

/// The theme in force: the choice, the system preference, and whether the page is dark.
#[derive(Clone, Copy)]
pub struct Theme {
    /// What the user chose (System until they choose).
    pub choice: RwSignal<ThemeChoice>,
    /// True while the page is drawn dark, whichever way that was decided.
    pub dark: Memo<bool>,
}

impl Theme {
    /// Reads the remembered choice, follows the system, and keeps `<html data-theme>` (which
    /// the stylesheet keys its colours and `color-scheme` on) in step.
    pub fn install() -> Theme {
        let storage = window().local_storage().ok().flatten();
        let stored = storage
            .as_ref()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .map_or(ThemeChoice::System, |v| ThemeChoice::parse(&v));
        let choice = RwSignal::new(stored);
        let system = prefers_dark();
        let dark = Memo::new(move |_| match choice.get() {
            ThemeChoice::System => system.get(),
            ThemeChoice::Light => false,
            ThemeChoice::Dark => true,
        });
        Effect::new(move |_| {
            let dark = dark.get();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
            }
        });
        Effect::new(move |first: Option<()>| {
            let c = choice.get();
            // Nothing to write until the user picks (a stored choice stays as it was).
            if first.is_some() {
                if let Some(s) = &storage {
                    let _ = match c {
                        ThemeChoice::System => s.remove_item(KEY),
                        _ => s.set_item(KEY, c.key()),
                    };
                }
            }
        });
        Theme { choice, dark }
    }
}

/// A signal that is true while the system prefers a dark colour scheme.
fn prefers_dark() -> ReadSignal<bool> {
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

/// The header's theme switch.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let theme = expect_context::<Theme>();
    view! {
        <select id="theme-choice" class="theme-choice" aria-label="Colour theme"
            title="Light or dark colours; System follows this device's setting"
            prop:value=move || theme.choice.get().key()
            on:change=move |e| theme.choice.set(ThemeChoice::parse(&event_target_value(&e)))>
            {ThemeChoice::ALL
                .into_iter()
                .map(|c| view! {
                    <option value=c.key() selected=move || theme.choice.get() == c>{c.label()}</option>
                })
                .collect_view()}
        </select>
    }
}

/// Chart colours for the current theme.
pub fn chart_style(dark: bool) -> crate::charts::ChartStyle {
    if dark {
        crate::charts::ChartStyle::dark()
    } else {
        crate::charts::ChartStyle::light()
    }
}
