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
