//! The correlation heatmap of the Distribution workspace: one cell per column pair,
//! coloured on a diverging blue–orange scale (blue negative, orange positive, the
//! background at 0), which stays readable with the common colour-vision deficiencies
//! (no red against green); Cramér's V (0..1) uses the orange half only. Values are written
//! in the cells when they fit; undefined cells are hatched-free and left empty with a
//! thin outline.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{fit_text, no_data, titled, widest_text, PAD};
use super::labels::format_count;
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::profile::correlation::CorrelationMatrix;

/// Negative end of the scale (ColorBrewer PuOr-like blue), light theme.
pub const NEGATIVE: RGBColor = RGBColor(0x21, 0x66, 0xac);
/// Positive end of the scale (orange).
pub const POSITIVE: RGBColor = RGBColor(0xb3, 0x58, 0x06);
/// Longest label, in pixels, before it is cut.
const MAX_LABEL_W: i32 = 170;
const LEGEND_W: i32 = 58;
/// Largest cell side.
const MAX_CELL: i32 = 56;

/// Where the cells landed, so the page can map a pointer to a pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorrLayout {
    /// Left edge of the grid, canvas pixels.
    pub left: f64,
    /// Top edge of the grid.
    pub top: f64,
    /// Side of one cell.
    pub cell: f64,
    /// Columns (and rows) of the grid.
    pub size: usize,
}

impl CorrLayout {
    /// The (row, column) pair under a canvas pixel, None outside the grid.
    pub fn locate(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (dx, dy) = (x - self.left, y - self.top);
        if dx < 0.0 || dy < 0.0 || self.cell <= 0.0 {
            return None;
        }
        let (j, i) = ((dx / self.cell) as usize, (dy / self.cell) as usize);
        (i < self.size && j < self.size).then_some((i, j))
    }

    /// Centre of the cell (i, j) in canvas pixels.
    pub fn centre(&self, i: usize, j: usize) -> (f64, f64) {
        (
            self.left + (j as f64 + 0.5) * self.cell,
            self.top + (i as f64 + 0.5) * self.cell,
        )
    }
}

fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// The colour of a coefficient: blue for negative, orange for positive, the background at 0.
pub fn corr_color(value: f64, style: &ChartStyle) -> RGBColor {
    let t = value.abs().min(1.0);
    let end = if value < 0.0 { NEGATIVE } else { POSITIVE };
    blend(style.background, end, t)
}

/// Black or white, whichever reads better on `bg`.
fn ink(bg: RGBColor) -> RGBColor {
    let l = 0.2126 * f64::from(bg.0) + 0.7152 * f64::from(bg.1) + 0.0722 * f64::from(bg.2);
    if l > 140.0 {
        RGBColor(0x1f, 0x23, 0x28)
    } else {
        RGBColor(0xff, 0xff, 0xff)
    }
}

/// A coefficient as the cells and tooltips write it: two decimals, a real minus sign.
pub fn corr_text(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) => {
            let t = format!("{:.2}", v);
            match t.strip_prefix('-') {
                Some("0.00") => "0.00".into(),
                Some(rest) => format!("−{rest}"),
                None => t,
            }
        }
    }
}

/// Draws the matrix with row labels on the left, column labels turned upright on top and
/// a legend, and returns where the cells are.
pub fn draw_correlation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &CorrelationMatrix,
    style: &ChartStyle,
) -> Result<CorrLayout, ChartError> {
    let title = format!("Correlations: {}", m.method.label());
    let k = m.columns.len();
    if k < 2 {
        return Err(no_data(
            area,
            &title,
            if m.method.signed() {
                "fewer than two numeric columns"
            } else {
                "fewer than two categorical columns"
            },
            style,
        ));
    }
    let subtitle = if m.sampled() {
        format!(
            "{} columns · a uniform sample of {} of {} rows · pairwise complete rows",
            k,
            format_count(m.rows_used as u64),
            format_count(m.rows_total as u64)
        )
    } else {
        format!(
            "{} columns · {} rows · pairwise complete rows",
            k,
            format_count(m.rows_total as u64)
        )
    };
    let body = titled(area, &title, &subtitle, style)?;
    let (w, h) = body.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label = style.label();
    let widest = widest_text(&body, &m.columns, &label, MAX_LABEL_W);
    let left = PAD + widest + 8;
    let top = widest + 8;
    let cell = ((w - left - LEGEND_W - PAD) / k as i32)
        .min((h - top - PAD) / k as i32)
        .min(MAX_CELL);
    if cell < 3 {
        return Ok(CorrLayout {
            left: 0.0,
            top: 0.0,
            cell: 0.0,
            size: 0,
        });
    }
    let (x0, y0) = body.get_base_pixel();
    let layout = CorrLayout {
        left: f64::from(x0 + left),
        top: f64::from(y0 + top),
        cell: f64::from(cell),
        size: k,
    };
    let row_label = label.pos(Pos::new(HPos::Right, VPos::Center));
    let col_label = label
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let value_size = (f64::from(cell) * 0.36).clamp(8.0, style.size());
    let show_values = cell >= 26;
    for (i, name) in m.columns.iter().enumerate() {
        let cut = fit_text(&body, name, &label, MAX_LABEL_W);
        let c = i as i32 * cell + cell / 2;
        body.draw_text(&cut, &row_label, (left - 6, top + c))?;
        body.draw_text(&cut, &col_label, (left + c, top - 6))?;
    }
    for i in 0..k {
        for j in 0..k {
            let (cx, cy) = (left + j as i32 * cell, top + i as i32 * cell);
            let v = m.get(i, j);
            match v {
                Some(v) => {
                    let fill = corr_color(v, style);
                    body.draw(&Rectangle::new(
                        [(cx, cy), (cx + cell - 1, cy + cell - 1)],
                        fill.filled(),
                    ))?;
                    if show_values {
                        let color = ink(fill);
                        let text = TextStyle::from((style.font, value_size).into_font())
                            .color(&color)
                            .pos(Pos::new(HPos::Center, VPos::Center));
                        body.draw_text(&corr_text(Some(v)), &text, (cx + cell / 2, cy + cell / 2))?;
                    }
                }
                None => {
                    body.draw(&Rectangle::new(
                        [(cx + 1, cy + 1), (cx + cell - 2, cy + cell - 2)],
                        mix(style.grid, 1.0).stroke_width(1),
                    ))?;
                }
            }
        }
    }
    // Legend: a vertical ramp from the top value down to the bottom one.
    let lx = left + k as i32 * cell + 16;
    let span = (k as i32 * cell).min(220).max(40);
    let (hi, lo) = if m.method.signed() {
        (1.0, -1.0)
    } else {
        (1.0, 0.0)
    };
    for y in 0..span {
        let v = hi - (hi - lo) * f64::from(y) / f64::from(span - 1);
        body.draw(&Rectangle::new(
            [(lx, top + y), (lx + 12, top + y + 1)],
            corr_color(v, style).filled(),
        ))?;
    }
    body.draw(&Rectangle::new(
        [(lx, top), (lx + 12, top + span)],
        mix(style.grid, 1.0).stroke_width(1),
    ))?;
    let tick = style.muted().pos(Pos::new(HPos::Left, VPos::Center));
    let mut ticks = vec![(hi, top), (lo, top + span - 1)];
    if m.method.signed() {
        ticks.push((0.0, top + span / 2));
    }
    for (v, y) in ticks {
        body.draw_text(&corr_text(Some(v)), &tick, (lx + 16, y))?;
    }
    Ok(layout)
}
