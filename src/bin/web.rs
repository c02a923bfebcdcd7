//! Entry point of the browser page (built by Trunk to wasm).

#[cfg(target_arch = "wasm32")]
fn main() {
    pipescope::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pipescope-web is the browser page; build it with `trunk build` (see README).");
}
