//! SVG rendering for tests and the "export SVG" button.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ChartError;

/// Renders any of the above to an SVG string of the given size.
pub fn to_svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root =
            SVGBackend::with_string(&mut out, (width.max(1), height.max(1))).into_drawing_area();
        draw(&root)?;
        root.present()?;
    }
    Ok(out)
}
