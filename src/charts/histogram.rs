//! Histogram of one numeric column with an optional density curve on top.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::ValueAxis;
use super::frame::{
    draw_mesh, has_room, no_data, plot_builder, titled, widest_tick_label, Painter,
};
use super::labels::{format_count, Units};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::distribution::{Density, Histogram};

/// Draws the bins of `hist` as bars with 1px gaps and `density` as a 2px curve; in log
/// mode the x ticks show real values (10^edge), with `Units::Date` they read as dates.
/// The count axis is scaled to the bars alone: a density curve peaking higher (a narrow
/// kernel on a spike) is cut at the top and the subtitle says so, so bars never shrink
/// to nothing under an axis sized for the curve.
pub fn draw_histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    hist: &Histogram,
    density: Option<&Density>,
    units: Units,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    // Dates have no log axis; the page never asks for one.
    let units = if hist.log { Units::Number } else { units };
    let bins_ok = !hist.counts.is_empty()
        && hist.edges.len() == hist.counts.len() + 1
        && hist.edges.iter().all(|e| e.is_finite())
        && hist.edges.windows(2).all(|w| w[0] <= w[1]);
    let total: u64 = hist.counts.iter().sum();
    let title = match (hist.log, hist.excluded) {
        (false, _) => title.to_string(),
        (true, 0) => format!("{title} (log scale)"),
        (true, n) => format!(
            "{title} (log scale; {} values ≤ 0 left out)",
            format_count(n as u64)
        ),
    };
    if !bins_ok || total == 0 {
        let reason = if hist.log && hist.excluded > 0 {
            "no positive values to show on a log scale"
        } else {
            "the column has no numeric values"
        };
        return Err(no_data(area, &title, reason, style));
    }
    let (lo, hi) = (hist.edges[0], hist.edges[hist.edges.len() - 1]);
    let curve: Vec<(f64, f64)> = density
        .map(|d| {
            d.points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect()
        })
        .unwrap_or_default();
    let max_count = hist.counts.iter().copied().max().unwrap_or(0) as f64;
    let max_curve = curve.iter().map(|p| p.1).fold(0.0, f64::max);
    let y_top = (max_count * 1.08).max(1.0);
    let curve_cut = max_curve > y_top;

    let mut subtitle = format!("n = {} · {} bins", format_count(total), hist.counts.len());
    if !hist.log {
        subtitle.push_str(&format!(
            " of width {}",
            units.span((hi - lo) / hist.counts.len() as f64)
        ));
    }
    if let Some(d) = density {
        if !curve.is_empty() {
            subtitle.push_str(&format!(
                " · curve: Gaussian KDE density, bandwidth {}{}",
                units.span(d.bandwidth),
                if curve_cut { " (cut at the top)" } else { "" }
            ));
        }
    }
    let body = titled(area, &title, &subtitle, style)?;
    let (width, height) = body.dim_in_pixel();
    // No more ticks than whole counts, so the count axis never reads "0.5".
    let y_ticks = (height as usize / 45).clamp(2, (y_top.floor() as usize).max(2));
    let y_axis = ValueAxis::new(0.0, y_top, false, y_ticks);
    let label_w = widest_tick_label(&body, &y_axis, &style.label());
    let y_area = label_w + 14 + style.size() as i32 + 6;
    let x_area = style.size() as i32 + 14;
    if !has_room(&body, y_area, x_area) {
        return Ok(());
    }
    let x_ticks = ((width as i32 - y_area) as usize / 90).max(2);
    let x_axis = match units {
        Units::Date => ValueAxis::dates(lo, hi, (x_ticks * 2 / 3).max(2)),
        Units::Number => ValueAxis::new(lo, hi, hist.log, x_ticks),
    };
    let mut chart = plot_builder(&body, x_area, y_area).build_cartesian_2d(x_axis, y_axis)?;
    draw_mesh(&mut chart, style, "", "count", false, true, (10, 10))?;
    let painter = Painter::new(&chart);
    // A curve cut at the top rises as a near-vertical line over its spike, which would
    // hide the narrow bar under it: then it goes behind the bars instead of over them.
    let draw_curve = || {
        let points: Vec<(i32, i32)> = curve
            .iter()
            .map(|&(x, y)| chart.backend_coord(&(x, y.min(y_top))))
            .collect();
        painter.polyline(points, 2, mix(style.density, 1.0))
    };
    if curve_cut {
        draw_curve()?;
    }
    let base = chart.backend_coord(&(lo, 0.0)).1;
    for (i, &count) in hist.counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let (x0, top) = chart.backend_coord(&(hist.edges[i], count as f64));
        let x1 = chart.backend_coord(&(hist.edges[i + 1], 0.0)).0;
        // A 1px gap separates bins wide enough to spare it; a count too small for a
        // pixel still gets one, so no populated bin looks empty.
        let gap = i32::from(x1 - x0 >= 3);
        painter.rect(
            (x0, top.min(base - 1)),
            ((x1 - gap).max(x0 + 1), base),
            mix(style.accent, 1.0),
        )?;
    }
    if !curve_cut {
        draw_curve()?;
    }
    Ok(())
}
