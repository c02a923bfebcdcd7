//! One metric against its forecast band: the actual series, the expected line, the band
//! shaded between lower and upper, anomalies marked, and the training period greyed.

use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{padded_range, TimeAxis, ValueAxis};
use super::frame::{
    draw_mesh, fit_text, has_room, no_data, plot_builder, titled, widest_tick_label, Painter,
};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::detect::Point;

/// Opacity of the band's fill: light enough for the lines on top to read.
pub const BAND_ALPHA: f64 = 0.3;
/// Opacity of the training period's shade.
const TRAINING_ALPHA: f64 = 0.55;
/// Radius of an anomaly mark in pixels.
const ANOMALY_RADIUS: u32 = 4;

/// Where the plot landed on the drawing area, for pointer readouts and pixel tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandLayout {
    /// Plot rectangle: left, top, width, height in pixels.
    pub plot: (i32, i32, i32, i32),
    /// Stream time shown, ms (start, end).
    pub view_ms: (i64, i64),
    /// Value range of the y axis.
    pub y_range: (f64, f64),
    /// Points drawn (inside the view).
    pub points: usize,
    /// Anomaly marks drawn.
    pub anomalies: usize,
}

/// The colours the band chart uses for its marks, so tests and the page can find them.
pub fn band_colors(style: &ChartStyle) -> BandColors {
    BandColors {
        actual: style.text,
        expected: style.accent,
        band: style.accent,
        anomaly: style.density,
        training: style.grid,
    }
}

/// Mark colours of the band chart (the band and training shade are drawn translucent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandColors {
    /// The observed series.
    pub actual: RGBColor,
    /// The forecast line.
    pub expected: RGBColor,
    /// The band's fill before [`BAND_ALPHA`].
    pub band: RGBColor,
    /// Anomaly marks.
    pub anomaly: RGBColor,
    /// Training shade before its opacity.
    pub training: RGBColor,
}

/// Draws `points` (oldest first) within `view_ms`. `trained_from_ms` is the first judged
/// point's time: everything before it is shaded as the training period (None: still
/// training, so the whole view is shaded up to the newest point).
pub fn draw_band<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    points: &[Point],
    view_ms: (i64, i64),
    trained_from_ms: Option<i64>,
    style: &ChartStyle,
) -> Result<BandLayout, ChartError> {
    let (v0, v1) = (
        view_ms.0.min(view_ms.1),
        view_ms.0.max(view_ms.1).max(view_ms.0.min(view_ms.1) + 1),
    );
    let shown: Vec<&Point> = points
        .iter()
        .filter(|p| p.t_ms >= v0 && p.t_ms <= v1)
        .collect();
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
    let values = shown.iter().flat_map(|p| {
        [
            finite(Some(p.value)),
            finite(p.lower),
            finite(p.upper),
            finite(p.expected),
        ]
        .into_iter()
        .flatten()
    });
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return Err(no_data(
            area,
            title,
            "no points in this time window yet",
            style,
        ));
    }
    let anomalies = shown.iter().filter(|p| p.anomaly).count();
    let subtitle = format!(
        "{} points · {} anomal{} · band {}",
        shown.len(),
        anomalies,
        if anomalies == 1 { "y" } else { "ies" },
        match trained_from_ms {
            Some(_) => "from the forecast",
            None => "after training",
        }
    );
    let body = titled(area, title, &subtitle, style)?;
    let (width, height) = body.dim_in_pixel();
    // A constant metric's band is a hair wide (1e-9 of its level): show it at a readable
    // scale around the value rather than zoomed in to the hair.
    let (lo, hi) = if hi - lo <= 1e-6 * lo.abs().max(hi.abs()) {
        let mid = lo + (hi - lo) / 2.0;
        (mid, mid)
    } else {
        (lo, hi)
    };
    let (y_lo, y_hi) = padded_range(lo, hi, 0.06);
    let y_axis = ValueAxis::new(y_lo, y_hi, false, (height as usize / 45).max(2));
    let label_w = widest_tick_label(&body, &y_axis, &style.label());
    // The y axis carries the metric's name, so a chart read alone says what it measures.
    let y_area = label_w + 14 + style.size() as i32 + 6;
    let x_area = style.size() as i32 + 24;
    let (x_lo, x_hi) = (v0 as f64 / 1000.0, v1 as f64 / 1000.0);
    let mut layout = BandLayout {
        plot: (0, 0, 0, 0),
        view_ms: (v0, v1),
        y_range: (y_lo, y_hi),
        points: shown.len(),
        anomalies: 0,
    };
    if !has_room(&body, y_area, x_area) {
        return Ok(layout);
    }
    let x_axis = TimeAxis::new(x_lo, x_hi, ((width as i32 - y_area) as usize / 90).max(2));
    let x_desc = if x_axis.is_epoch() {
        "time (UTC)"
    } else {
        "stream time"
    };
    let mut chart = plot_builder(&body, x_area, y_area).build_cartesian_2d(x_axis, y_axis)?;
    let y_desc = fit_text(&body, title, &style.muted(), height as i32 - x_area - 8);
    draw_mesh(&mut chart, style, x_desc, &y_desc, true, true, (10, 8))?;
    let painter = Painter::new(&chart);
    let (cx0, cy0, cx1, cy1) = painter.clip();
    layout.plot = (cx0, cy0, cx1 - cx0, cy1 - cy0);
    let at = |t_ms: i64, v: f64| chart.backend_coord(&(t_ms as f64 / 1000.0, v));
    let colors = band_colors(style);

    // Training period: from the first point shown up to the first judged point.
    if let Some(first) = shown.first() {
        let until = trained_from_ms.unwrap_or_else(|| shown.last().map_or(first.t_ms, |p| p.t_ms));
        if until > first.t_ms {
            let (x0, _) = at(first.t_ms.max(v0), y_hi);
            let (x1, _) = at(until.min(v1), y_hi);
            painter.rect((x0, cy0), (x1, cy1), mix(colors.training, TRAINING_ALPHA))?;
        }
    }

    // Runs of consecutive points: a gap (missing ticks, or no band yet) breaks lines and band.
    let step = shown
        .windows(2)
        .map(|w| w[1].t_ms - w[0].t_ms)
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(1);
    let breaks = |a: &Point, b: &Point| b.t_ms - a.t_ms > step.saturating_mul(5) / 2;

    // Band: one polygon per run of points that have a finite band.
    let mut run: Vec<&Point> = Vec::new();
    let band_fill = mix(colors.band, BAND_ALPHA);
    let flush_band = |run: &mut Vec<&Point>| -> Result<(), ChartError> {
        if run.len() >= 2 {
            let mut poly: Vec<(i32, i32)> = run
                .iter()
                .map(|p| at(p.t_ms, p.upper.unwrap_or(y_hi)))
                .collect();
            poly.extend(
                run.iter()
                    .rev()
                    .map(|p| at(p.t_ms, p.lower.unwrap_or(y_lo))),
            );
            let poly: Vec<(i32, i32)> = poly
                .into_iter()
                .map(|(x, y)| (x.clamp(cx0, cx1), y.clamp(cy0, cy1)))
                .collect();
            painter_polygon(&chart, poly, band_fill)?;
        }
        run.clear();
        Ok(())
    };
    for p in &shown {
        let banded = finite(p.lower).is_some() && finite(p.upper).is_some();
        if !banded || run.last().is_some_and(|q| breaks(q, p)) {
            flush_band(&mut run)?;
        }
        if banded {
            run.push(p);
        }
    }
    flush_band(&mut run)?;

    // Expected and actual lines, broken at gaps.
    for (get, color, width) in [
        (
            (|p: &Point| p.expected) as fn(&Point) -> Option<f64>,
            colors.expected,
            2u32,
        ),
        (|p: &Point| Some(p.value), colors.actual, 1u32),
    ] {
        let mut line: Vec<(i32, i32)> = Vec::new();
        let mut prev: Option<&Point> = None;
        for p in &shown {
            let v = finite(get(p));
            if v.is_none() || prev.is_some_and(|q| breaks(q, p)) {
                painter.polyline(std::mem::take(&mut line), width, color.into())?;
            }
            if let Some(v) = v {
                line.push(at(p.t_ms, v));
            }
            prev = Some(p);
        }
        painter.polyline(line, width, color.into())?;
    }

    for p in shown.iter().filter(|p| p.anomaly && p.value.is_finite()) {
        painter.dot(at(p.t_ms, p.value), ANOMALY_RADIUS, colors.anomaly.into())?;
        layout.anomalies += 1;
    }
    Ok(layout)
}

/// A filled polygon in backend pixels over the chart's plot.
fn painter_polygon<DB, X, Y>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: Vec<(i32, i32)>,
    color: RGBAColor,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    X: Ranged,
    Y: Ranged,
{
    let screen = chart.plotting_area().use_screen_coord();
    screen.draw(&Polygon::new(points, color.filled()))?;
    Ok(())
}
