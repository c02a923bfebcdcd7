//! Skip links: the first Tab stops of the page jump past the header and a workspace's
//! controls to its main regions (table, plots, heatmap, …), so a keyboard user does not tab
//! through dozens of sort headers and selects to reach a chart.

use super::route::Route;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The regions of a workspace worth jumping to: (name, CSS selector inside its section,
/// link text).
fn regions(route: Route) -> &'static [(&'static str, &'static str, &'static str)] {
    match route {
        Route::Distribution => &[
            ("table", "#profile-table", "Skip to the table"),
            ("plots", ".plots", "Skip to the plots"),
        ],
        Route::Monitor => &[
            ("charts", ".band-charts", "Skip to the charts"),
            ("evaluation", "#eval-table", "Skip to the evaluation table"),
        ],
        Route::Errors => &[
            ("heatmap", "#fig-heatmap", "Skip to the heatmap"),
            ("alerts", "#alerts", "Skip to the alerts"),
        ],
        Route::Incidents => &[("incidents", "#incident-list", "Skip to the incidents")],
        Route::Checks => &[
            ("drift", "#drift-table", "Skip to the drift table"),
            ("overlay", "#fig-overlay", "Skip to the overlay"),
        ],
    }
}

/// Moves focus to `selector` in the shown workspace, or, when that region is not there yet
/// (nothing loaded), to the workspace's heading with a word in the status line.
fn skip(route: Route, selector: &str, status: RwSignal<String>) {
    let doc = document();
    let section = format!("main section[data-workspace=\"{}\"]", route.slug());
    let found = if selector.is_empty() {
        None
    } else {
        doc.query_selector(&format!("{section} {selector}"))
            .ok()
            .flatten()
    };
    let missing = found.is_none() && !selector.is_empty();
    let Some(target) =
        found.or_else(|| doc.query_selector(&format!("{section} h1")).ok().flatten())
    else {
        return;
    };
    if missing {
        status.set(format!(
            "Nothing to skip to yet: that part of {} appears once something is loaded.",
            route.title()
        ));
    }
    // A region that is not focusable itself takes focus from the script only, so Tab
    // carries on from inside it.
    if !target.has_attribute("tabindex") {
        let _ = target.set_attribute("tabindex", "-1");
    }
    if let Ok(el) = target.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
        el.scroll_into_view();
    }
}

/// The skip links of the shown workspace, visible only while one has keyboard focus.
#[component]
pub fn SkipLinks(route: ReadSignal<Route>, status: RwSignal<String>) -> impl IntoView {
    view! {
        <nav class="skip-links" aria-label="Skip links">
            {move || {
                let r = route.get();
                std::iter::once(("workspace", "", "Skip to the workspace"))
                    .chain(regions(r).iter().copied())
                    .map(|(name, selector, text)| {
                        // Followed without the script (a new tab), the link still opens
                        // the workspace: the router ignores the query.
                        view! {
                            <a href=format!("{}?skip={name}", r.href()) data-skip=name on:click=move |e| {
                                e.prevent_default();
                                skip(r, selector, status);
                            }>{text}</a>
                        }
                    })
                    .collect_view()
            }}
        </nav>
    }
}
