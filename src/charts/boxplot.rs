//! Horizontal box plot of one numeric column, and the box mark shared with grouped boxes.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{padded_range, CategoryAxis, ValueAxis};
use super::frame::{draw_mesh, has_room, no_data, titled, Painter, PAD};
use super::labels::{format_count, Units};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::distribution::BoxStats;

/// Opacity of the box fill.
const BOX_FILL: f64 = 0.35;

/// Where a value sits on a value axis.
pub(crate) enum Place {
    /// On the axis at this axis-unit position.
    At(f64),
    /// Not representable on a log axis (<= 0): pinned just beyond the low end.
    BelowAxis,
    /// NaN or infinite: never drawn.
    Nowhere,
}

/// Axis position of a raw value: itself, or its log10 on a log axis.
pub(crate) fn place(v: f64, log: bool) -> Place {
    if !v.is_finite() {
        Place::Nowhere
    } else if !log {
        Place::At(v)
    } else if v > 0.0 {
        Place::At(v.log10())
    } else {
        Place::BelowAxis
    }
}

/// Axis range (axis units, padded) covering everything a box plot of `stats` draws.
pub(crate) fn box_range<'a>(
    all: impl IntoIterator<Item = &'a BoxStats>,
    log: bool,
) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for stats in all {
        let fixed = [
            stats.min,
            stats.max,
            stats.whisker_low,
            stats.whisker_high,
            stats.q1,
            stats.median,
            stats.q3,
        ];
        for v in fixed.iter().chain(stats.outliers.iter()) {
            if let Place::At(p) = place(*v, log) {
                lo = lo.min(p);
                hi = hi.max(p);
            }
        }
    }
    (lo.is_finite() && hi.is_finite()).then(|| padded_range(lo, hi, 0.05))
}

/// Whether a summary has anything to draw.
pub(crate) fn drawable(stats: &BoxStats) -> bool {
    stats.count > 0
        && [stats.q1, stats.median, stats.q3]
            .iter()
            .all(|v| v.is_finite())
}

/// Whether the direction of the value axis is x (horizontal box) or y (vertical box).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Orientation {
    Horizontal,
    Vertical,
}

/// One box in pixel space: `to_px` maps a raw value along the value axis (None: skip),
/// `center` and `half` place it across the axis.
pub(crate) struct BoxMark<'a, F: Fn(f64) -> Option<i32>> {
    pub stats: &'a BoxStats,
    pub to_px: F,
    pub orientation: Orientation,
    pub center: i32,
    pub half: i32,
}

impl<F: Fn(f64) -> Option<i32>> BoxMark<'_, F> {
    /// Draws whiskers with caps, the box, its median and the outliers.
    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        painter: &Painter<DB>,
        style: &ChartStyle,
    ) -> Result<(), ChartError> {
        let s = self.stats;
        let (c, half) = (self.center, self.half.max(2));
        let accent = mix(style.accent, 1.0);
        let at = |v: i32, across: i32| match self.orientation {
            Orientation::Horizontal => (v, across),
            Orientation::Vertical => (across, v),
        };
        let line = |from: i32, to: i32, across: i32, thickness: i32, color| match self.orientation {
            Orientation::Horizontal => painter.hline(from, to, across, thickness, color),
            Orientation::Vertical => painter.vline(across, from, to, thickness, color),
        };
        let cross = |v: i32, reach: i32, thickness: i32, color| match self.orientation {
            Orientation::Horizontal => painter.vline(v, c - reach, c + reach, thickness, color),
            Orientation::Vertical => painter.hline(c - reach, c + reach, v, thickness, color),
        };
        let (Some(q1), Some(med), Some(q3)) = (
            (self.to_px)(s.q1),
            (self.to_px)(s.median),
            (self.to_px)(s.q3),
        ) else {
            return Ok(());
        };
        let cap = (half / 2).max(2);
        for (whisker, quartile) in [(s.whisker_low, q1), (s.whisker_high, q3)] {
            if let Some(end) = (self.to_px)(whisker) {
                line(end, quartile, c, 2, accent)?;
                cross(end, cap, 2, accent)?;
            }
        }
        // At least 3px so all-equal quartiles still show as a visible box.
        let (lo, hi) = (q1.min(q3), q1.max(q3).max(q1.min(q3) + 3));
        let (a, b) = (at(lo - 1, c - half), at(hi + 1, c + half));
        painter.rect(a, b, mix(style.accent, BOX_FILL))?;
        painter.frame(a, b, 2, accent)?;
        cross(med, half - 1, 3, mix(style.text, 1.0))?;
        let many = s.outliers.len() > 40;
        // Crowds of outliers read better as smaller dots.
        let radius = if many { 2 } else { 3 };
        for (i, v) in s.outliers.iter().enumerate() {
            if let Some(p) = (self.to_px)(*v) {
                // Spread crowded outliers a little across the axis so their density shows;
                // a fixed hash keeps the picture identical between redraws.
                let jitter = if many {
                    (scramble(i as u64) % 1000) as i32 * half / 1600 - half * 5 / 16
                } else {
                    0
                };
                painter.dot(at(p, c + jitter), radius, mix(style.outlier, 1.0))?;
            }
        }
        Ok(())
    }
}

/// SplitMix64 finaliser: consecutive indices map to unrelated values, so jitter shows
/// no diagonal streaks along sorted outliers.
fn scramble(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Subtitle facts shared by box charts: n and outliers.
pub(crate) fn count_note(count: usize, outliers: usize) -> String {
    let plural = if outliers == 1 { "outlier" } else { "outliers" };
    format!(
        "n = {} · {} {plural}",
        format_count(count as u64),
        format_count(outliers as u64)
    )
}

/// Title suffix for log scale.
pub(crate) fn log_note(has_non_positive: bool) -> &'static str {
    if has_non_positive {
        " (log scale; values ≤ 0 left out)"
    } else {
        " (log scale)"
    }
}

/// Draws a horizontal box plot of `stats`: Q1..Q3 box, median, whiskers with caps and
/// outliers, on a linear or log10 value axis (a date axis for `Units::Date`).
pub fn draw_boxplot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    stats: &BoxStats,
    log: bool,
    units: Units,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let log = log && units == Units::Number;
    if !drawable(stats) {
        return Err(no_data(
            area,
            title,
            "the column has no numeric values",
            style,
        ));
    }
    let Some((lo, hi)) = box_range([stats], log) else {
        return Err(no_data(
            area,
            title,
            "no positive values to show on a log scale",
            style,
        ));
    };
    let title = if log {
        format!("{title}{}", log_note(stats.min <= 0.0))
    } else {
        title.to_string()
    };
    let subtitle = format!(
        "{} · median {} · IQR {} – {} · whiskers {} – {}",
        count_note(stats.count, stats.outlier_count),
        units.text(stats.median),
        units.text(stats.q1),
        units.text(stats.q3),
        units.text(stats.whisker_low),
        units.text(stats.whisker_high),
    );
    let body = titled(area, &title, &subtitle, style)?;
    let x_area = style.size() as i32 + 14;
    if !has_room(&body, 0, x_area) {
        return Ok(());
    }
    let (width, _) = body.dim_in_pixel();
    let x_axis = match units {
        Units::Date => ValueAxis::dates(lo, hi, (width as usize / 130).max(2)),
        Units::Number => ValueAxis::new(lo, hi, log, (width as usize / 90).max(2)),
    };
    let mut chart = ChartBuilder::on(&body)
        .margin_left(PAD)
        .margin_right(PAD + 6)
        .margin_bottom(PAD / 2)
        .x_label_area_size(x_area)
        .build_cartesian_2d(x_axis, CategoryAxis::new(vec![String::new()]))?;
    draw_mesh(&mut chart, style, "", "", true, false, (10, 1))?;
    let painter = Painter::new(&chart);
    let (left, top, _, bottom) = painter.clip();
    let to_px = |v: f64| match place(v, log) {
        Place::At(p) => Some(chart.backend_coord(&(p, 0.5)).0),
        Place::BelowAxis => Some(left - 2),
        Place::Nowhere => None,
    };
    let center = (top + bottom) / 2;
    let half = ((bottom - top) / 4).clamp(4, 36);
    BoxMark {
        stats,
        to_px,
        orientation: Orientation::Horizontal,
        center,
        half,
    }
    .draw(&painter, style)?;
    Ok(())
}
