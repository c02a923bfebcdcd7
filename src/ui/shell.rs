//! The app shell: navigation bar, hash routing, workspaces and the status line.

use super::pages::incidents::{state::IncidentsState, IncidentsPage};
use super::pages::{
    checks::ChecksPage, distribution::DistributionPage, errors::ErrorsPage, monitor::MonitorPage,
};
use super::route::Route;
use super::skip::SkipLinks;
use super::theme::{Theme, ThemeSwitch};
use super::update::UpdateBanner;
use leptos::ev;
use leptos::prelude::*;

/// App-wide state shared through context.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The status line's text.
    pub status: RwSignal<String>,
    /// True while the page is drawn dark (the system's preference or the header's choice).
    pub dark: Memo<bool>,
    /// Servers the user added that the page talks to, by role ("Prometheus", "sinks"):
    /// the top bar must not say "no network" while any is there.
    pub remote: RwSignal<Vec<(&'static str, Vec<String>)>>,
    /// The rules file being edited (applied or not): one text for the app, edited in the
    /// Monitor's and the Errors workspace's Rules panels, each applying the rules that
    /// target its stream.
    pub rules_draft: RwSignal<String>,
}

impl AppState {
    /// The servers the page talks to for `role` (empty: none).
    pub fn set_remote(&self, role: &'static str, servers: Vec<String>) {
        self.remote.update(|r| {
            r.retain(|(k, _)| *k != role);
            if !servers.is_empty() {
                r.push((role, servers));
            }
        });
    }
}

/// True on a touch screen without a mouse, where "drop a file" means nothing.
fn coarse_pointer() -> bool {
    window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

fn current_route() -> Route {
    Route::from_hash(&window().location().hash().unwrap_or_default())
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let (route, set_route) = signal(current_route());
    let theme = Theme::install();
    provide_context(theme);
    let state = AppState {
        status: RwSignal::new(if coarse_pointer() {
            "Ready. Open a CSV or TSV file, or load the demo data. Nothing leaves this machine."
        } else {
            "Ready. Drop a CSV or TSV anywhere, or load the demo data. Nothing leaves this machine."
        }.into()),
        dark: theme.dark,
        remote: RwSignal::new(Vec::new()),
        rules_draft: RwSignal::new(crate::ui::rules_editor::stored_draft().unwrap_or_default()),
    };
    provide_context(state);
    provide_context(IncidentsState::new());
    super::dispatch::Dispatch::install();

    let hash_listener =
        window_event_listener(ev::hashchange, move |_| set_route.set(current_route()));
    // Alt+1..5 switch workspaces from anywhere.
    let key_listener = window_event_listener(ev::keydown, move |e| {
        if e.alt_key() && !e.ctrl_key() && !e.meta_key() {
            if let Some(i) = e
                .key()
                .parse::<usize>()
                .ok()
                .filter(|i| (1..=Route::ALL.len()).contains(i))
            {
                e.prevent_default();
                let _ = window().location().set_hash(&Route::ALL[i - 1].href());
            }
        }
    });
    on_cleanup(move || {
        hash_listener.remove();
        key_listener.remove();
    });

    Effect::new(move |_| {
        let title = format!("{} · pipescope", route.get().title());
        document().set_title(&title);
    });

    let page = view! {
        <div class="app">
            <SkipLinks route=route status=state.status />
            <header class="topbar">
                <div class="brand"><span class="brand-mark" aria-hidden="true"></span>"pipescope"</div>
                <nav class="nav" aria-label="Workspaces">
                    {Route::ALL
                        .into_iter()
                        .enumerate()
                        .map(|(i, r)| {
                            view! {
                                <a
                                    href=r.href()
                                    aria-current=move || (route.get() == r).then_some("page")
                                    title=format!("{} (Alt+{})", r.title(), i + 1)
                                >
                                    {r.title()}
                                    <kbd aria-hidden="true">{format!("Alt+{}", i + 1)}</kbd>
                                </a>
                            }
                        })
                        .collect_view()}
                </nav>
                <div class="spacer"></div>
                <div class="privacy" id="privacy" data-remote=move || (!state.remote.with(Vec::is_empty)).to_string()
                    title=move || state.remote.with(|r| if r.is_empty() {
                        "pipescope runs entirely in this browser tab: files are read here and nothing is sent anywhere".to_string()
                    } else {
                        format!("Besides this tab, the page talks only to servers you added: {}",
                            r.iter().map(|(k, v)| format!("{k}: {}", v.join(", "))).collect::<Vec<_>>().join("; "))
                    })>
                    {move || state.remote.with(|r| if r.is_empty() {
                        "Local only: no upload, no network".to_string()
                    } else {
                        format!("Local, plus servers you added: {}", r.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "))
                    })}
                </div>
                <ThemeSwitch />
            </header>
            <main id="main">
                // Distribution stays mounted so its dataset survives a visit to another workspace.
                <section data-workspace="distribution" hidden=move || route.get() != Route::Distribution>
                    <DistributionPage />
                </section>
                <section data-workspace="errors" hidden=move || route.get() != Route::Errors>
                    <ErrorsPage />
                </section>
                <section data-workspace="incidents" hidden=move || route.get() != Route::Incidents>
                    <IncidentsPage />
                </section>
                <section data-workspace="monitor" hidden=move || route.get() != Route::Monitor>
                    <MonitorPage />
                </section>
                <section data-workspace="checks" hidden=move || route.get() != Route::Checks>
                    <ChecksPage />
                </section>
            </main>
            <UpdateBanner />
            <footer class="statusbar">
                <span id="status" role="status" aria-live="polite">{move || state.status.get()}</span>
            </footer>
        </div>
    };
    // After the view is built: the pages have registered their file and source handlers.
    super::embed::install();
    page
}
