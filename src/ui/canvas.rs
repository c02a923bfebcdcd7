//! Drawing a chart function onto a `<canvas>` through plotters-canvas.

use crate::charts::ChartError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

/// Runs `draw` on the canvas (cleared first). Errors come back as text for the caption.
pub fn draw_on(
    canvas: &web_sys::HtmlCanvasElement,
    draw: impl FnOnce(&DrawingArea<CanvasBackend, Shift>) -> Result<(), ChartError>,
) -> Result<(), String> {
    let backend =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("canvas has no 2D context")?;
    let area = backend.into_drawing_area();
    draw(&area).map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())
}

/// Blanks a canvas when there is nothing to draw.
pub fn clear(canvas: &web_sys::HtmlCanvasElement, background: RGBColor) {
    if let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) {
        let area = backend.into_drawing_area();
        let _ = area.fill(&background);
    }
}

/// Paints an RGBA image (`w × h` pixels, row-major) scaled onto `dest` (x, y, width,
/// height) of the canvas, pixel-sharp: one `putImageData` on a scratch canvas and one
/// scaled `drawImage`, whatever the number of pixels.
pub fn paint_image(
    canvas: &web_sys::HtmlCanvasElement,
    scratch: &web_sys::HtmlCanvasElement,
    rgba: &[u8],
    (w, h): (u32, u32),
    dest: (f64, f64, f64, f64),
) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    if w == 0 || h == 0 {
        return Ok(());
    }
    let context =
        |c: &web_sys::HtmlCanvasElement| -> Result<web_sys::CanvasRenderingContext2d, String> {
            c.get_context("2d")
                .ok()
                .flatten()
                .and_then(|c| c.dyn_into().ok())
                .ok_or_else(|| "canvas has no 2D context".to_string())
        };
    scratch.set_width(w);
    scratch.set_height(h);
    let image =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(rgba), w, h)
            .map_err(|e| format!("{e:?}"))?;
    context(scratch)?
        .put_image_data(&image, 0.0, 0.0)
        .map_err(|e| format!("{e:?}"))?;
    let ctx = context(canvas)?;
    ctx.set_image_smoothing_enabled(false);
    ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        scratch,
        0.0,
        0.0,
        f64::from(w),
        f64::from(h),
        dest.0,
        dest.1,
        dest.2,
        dest.3,
    )
    .map_err(|e| format!("{e:?}"))
}

/// Whether the canvas is on screen or near it (within a quarter of the viewport above or below),
/// kept up to date by an IntersectionObserver: charts far from view can skip redraws and
/// draw as they come near, before the user sees them. True until the first report, and
/// where the browser has no IntersectionObserver.
pub fn near_view(
    canvas: leptos::prelude::NodeRef<leptos::html::Canvas>,
) -> leptos::prelude::ReadSignal<bool> {
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    let (near, set_near) = signal(true);
    let held = StoredValue::new_local(
        None::<(
            web_sys::IntersectionObserver,
            Closure<dyn Fn(js_sys::Array)>,
        )>,
    );
    Effect::new(move |_| {
        let Some(el) = canvas.get() else { return };
        let report = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            // The newest entry for this one target says where it is now.
            if let Some(e) = entries.iter().last() {
                let e: web_sys::IntersectionObserverEntry = e.unchecked_into();
                set_near.set(e.is_intersecting());
            }
        });
        let init = web_sys::IntersectionObserverInit::new();
        init.set_root_margin("25% 0px");
        let Ok(observer) =
            web_sys::IntersectionObserver::new_with_options(report.as_ref().unchecked_ref(), &init)
        else {
            return;
        };
        observer.observe(&el);
        if let Some((old, _)) = held
            .try_update_value(|h| h.replace((observer, report)))
            .flatten()
        {
            old.disconnect();
        }
    });
    on_cleanup(move || {
        if let Some((o, _)) = held.try_update_value(Option::take).flatten() {
            o.disconnect();
        }
    });
    near
}
