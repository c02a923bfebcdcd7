//! Scatter plot of two numeric columns, sampled when large.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{padded_range, ValueAxis};
use super::frame::{
    draw_mesh, fit_text, has_room, no_data, plot_builder, titled, widest_tick_label, Painter, PAD,
};
use super::labels::{clean_label, format_count};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::distribution::ScatterSample;

/// Opacity of one point: overlapping points darken, so dense regions show.
const POINT_ALPHA: f64 = 0.35;

/// Longest axis name drawn before it is cut.
const MAX_AXIS_NAME: usize = 60;

/// Draws `sample` as translucent points with both axes named; the title gives n, or the
/// sample size and total when sampled.
pub fn draw_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    sample: &ScatterSample,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let (x_name, y_name) = (
        clean_label(x_label, MAX_AXIS_NAME),
        clean_label(y_label, MAX_AXIS_NAME),
    );
    let points: Vec<(f64, f64)> = sample
        .points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let title = format!("{y_name} vs {x_name}");
    if points.is_empty() {
        return Err(no_data(area, &title, "no rows have both values", style));
    }
    let shown = if sample.sampled && points.len() < sample.total {
        format!(
            "sample of {} of {} points",
            format_count(points.len() as u64),
            format_count(sample.total as u64)
        )
    } else {
        format!(
            "n = {}",
            format_count(sample.total.max(points.len()) as u64)
        )
    };
    let body = titled(area, &format!("{title} · {shown}"), "", style)?;
    let (width, height) = body.dim_in_pixel();

    let (x_lo, x_hi) = bounds(points.iter().map(|p| p.0));
    let (y_lo, y_hi) = bounds(points.iter().map(|p| p.1));
    let (x_lo, x_hi) = padded_range(x_lo, x_hi, 0.03);
    let (y_lo, y_hi) = padded_range(y_lo, y_hi, 0.04);
    let y_axis = ValueAxis::new(y_lo, y_hi, false, (height as usize / 50).max(2));
    let label_w = widest_tick_label(&body, &y_axis, &style.label());
    let desc = style.size() as i32 + 8;
    let y_area = label_w + 14 + desc;
    let x_area = style.size() as i32 + 14 + desc;
    if !has_room(&body, y_area, x_area) {
        return Ok(());
    }
    let x_axis = ValueAxis::new(
        x_lo,
        x_hi,
        false,
        ((width as i32 - y_area) as usize / 90).max(2),
    );
    let x_desc = fit_text(
        &body,
        &x_name,
        &style.muted(),
        width as i32 - y_area - 2 * PAD,
    );
    let y_desc = fit_text(&body, &y_name, &style.muted(), height as i32 - x_area - PAD);
    let mut chart = plot_builder(&body, x_area, y_area).build_cartesian_2d(x_axis, y_axis)?;
    draw_mesh(&mut chart, style, &x_desc, &y_desc, true, true, (10, 10))?;
    let painter = Painter::new(&chart);
    let color = mix(style.point, POINT_ALPHA);
    for p in &points {
        painter.dot(chart.backend_coord(p), 2, color)?;
    }
    Ok(())
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}
