//! The "new version ready" banner: offline use (a service worker, pwa/sw.js) means a new
//! deployment arrives in the background, and this offers it. It never reloads by itself,
//! least of all under a running stream; the reload happens on the user's click.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/ui/update.js")]
extern "C" {
    fn watch_updates(on_offer: &js_sys::Function);
    fn apply_update();
}

/// Registers the service worker and shows the banner when a new version waits.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let offered = RwSignal::new(false);
    let dismissed = RwSignal::new(false);
    // The worker may offer again later (a newer deployment): show the banner again then.
    let on_offer = Closure::<dyn Fn()>::new(move || {
        offered.set(true);
        dismissed.set(false);
    });
    watch_updates(on_offer.as_ref().unchecked_ref());
    // Offers can come for as long as the page lives.
    on_offer.forget();

    let streaming = super::player::any_playing;
    view! {
        <Show when=move || offered.get() && !dismissed.get()>
            <div id="update-banner" class="banner info update-banner" role="status" aria-live="polite">
                <div class="msg">
                    <strong>"A new version of pipescope is ready — Reload to update"</strong>
                    {move || {
                        if streaming() {
                            "A stream is running: it keeps running, and nothing reloads until you click Reload."
                        } else {
                            "This version keeps working until you reload."
                        }
                    }}
                </div>
                <button id="update-reload" class="primary small" on:click=move |_| apply_update()>
                    "Reload"
                </button>
                <button id="update-dismiss" class="small" title="Keep this version for now" on:click=move |_| dismissed.set(true)>
                    "Not now"
                </button>
            </div>
        </Show>
    }
}
