//! Drawing functions of the workspaces, generic over plotters'
//! `DrawingBackend`: the page draws them on a `<canvas>` (plotters-canvas), tests and the
//! "export SVG" button draw them to SVG. They take plot-ready summaries from
//! `core::distribution` and compute no statistics themselves.
//!
//! Every chart fills its background, draws a title, and never emits a NaN or infinite
//! coordinate: non-finite inputs are skipped and empty ranges are widened. When there is
//! nothing to draw, the area shows the reason and the function returns
//! [`ChartError::NoData`].

mod axis;
mod band;
mod bars;
mod boxplot;
mod correlation;
pub mod describe;
mod frame;
mod grouped;
mod heatmap;
mod histogram;
pub mod labels;
pub use labels::Units;
mod missing;
mod overlay;
mod scatter;
mod svg;
mod theme;

use std::fmt;

use plotters::drawing::DrawingAreaErrorKind;

pub use axis::EPOCH_FROM_S;
pub use band::{band_colors, draw_band, BandColors, BandLayout, BAND_ALPHA};
pub use bars::draw_bars;
pub use boxplot::draw_boxplot;
pub use correlation::{corr_color, corr_text, draw_correlation, CorrLayout};
pub use grouped::draw_grouped_boxes;
pub use heatmap::{cell_color, cell_image, draw_heatmap, Cells, HeatLayout};
pub use histogram::draw_histogram;
pub use missing::draw_missing;
pub use overlay::{current_color, draw_overlay};
pub use scatter::draw_scatter;
pub use svg::to_svg;
pub use theme::ChartStyle;

/// Why a chart could not be drawn.
#[derive(Debug)]
pub enum ChartError {
    /// The summary holds nothing drawable; the text says what is missing.
    NoData(&'static str),
    /// The drawing backend failed (canvas context lost, SVG buffer error).
    Backend(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::NoData(reason) => write!(f, "nothing to plot: {reason}"),
            ChartError::Backend(message) => write!(f, "could not draw the chart: {message}"),
        }
    }
}

impl std::error::Error for ChartError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(err: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Backend(err.to_string())
    }
}
