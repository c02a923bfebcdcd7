//! The Errors heatmap: codes as rows, time bins as columns, each cell coloured from the
//! candidate-minus-baseline difference (or log₂ rate ratio), diverging orange (more errors
//! in the candidate) through the background (no difference) to blue (fewer), with a legend.
//! Orange against blue stays apart under the common colour-vision deficiencies (protanopia,
//! deuteranopia, tritanopia), unlike red against green; it is ColorBrewer's PuOr/RdBu
//! choice of hues.
//!
//! A redraw of 32 codes × 720 bins must stay under a frame. The generic path (SVG export,
//! tests) draws cells as rectangles, merging equal neighbours of a row; on a canvas the page
//! instead asks for [`Cells::Image`], paints [`cell_image`] (one pixel per cell) and scales
//! it onto [`HeatLayout::cells`] in one call, because thousands of canvas fills cost tens
//! of milliseconds.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{fit_text, titled, PAD};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::errors::heatmap::{CodeTotals, HeatGrid, HeatMode};
use crate::core::time::format::CLOCK_BELOW_S;
use crate::core::time::{format_stream_seconds, Civil};

/// Orange for "more in the candidate" (ColorBrewer PuOr's dark end), light theme.
const MORE: RGBColor = RGBColor(0xb3, 0x58, 0x06);
/// Blue for "fewer in the candidate" (ColorBrewer RdBu's dark end), light theme.
const FEWER: RGBColor = RGBColor(0x21, 0x66, 0xac);
/// The same hues, lighter, so they stand out from a dark background.
const MORE_DARK: RGBColor = RGBColor(0xf1, 0xa3, 0x40);
const FEWER_DARK: RGBColor = RGBColor(0x67, 0xa9, 0xcf);
/// Shades per side: enough to read, few enough that equal neighbours merge.
const LEVELS: f64 = 16.0;
const LEGEND_W: i32 = 86;
/// Width of the per-code totals beside the rows: baseline, candidate, ratio [95% CI].
const TOTALS_W: i32 = 250;
const AXIS_H: i32 = 24;

/// How the cells are painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// As rectangles through the backend (any backend).
    Rects,
    /// Not at all: the caller paints [`cell_image`] onto [`HeatLayout::cells`].
    Image,
}

/// Where the cells landed, so the page can map a pointer position back to a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatLayout {
    /// Canvas rectangle (x, y, width, height) the grid's columns and rows cover, when its
    /// bins are contiguous (so one scaled image fits); None otherwise or when empty.
    pub cells: Option<(f64, f64, f64, f64)>,
    /// Left edge of the cell area, in canvas pixels.
    pub left: f64,
    /// Top edge of the cell area.
    pub top: f64,
    /// Width of the cell area.
    pub width: f64,
    /// Height of one row.
    pub row_height: f64,
    /// Number of rows drawn.
    pub rows: usize,
    /// Stream second at the left edge.
    pub span_start_s: i64,
    /// Stream second at the right edge.
    pub span_end_s: i64,
}

impl HeatLayout {
    /// The (row, stream second) under a canvas pixel, None outside the cells.
    pub fn locate(&self, x: f64, y: f64) -> Option<(usize, i64)> {
        let (dx, dy) = (x - self.left, y - self.top);
        if dx < 0.0 || dy < 0.0 || dx >= self.width || self.rows == 0 {
            return None;
        }
        let row = (dy / self.row_height) as usize;
        if row >= self.rows {
            return None;
        }
        let span = (self.span_end_s - self.span_start_s).max(1) as f64;
        Some((
            row,
            self.span_start_s + (dx / self.width * span).floor() as i64,
        ))
    }
}

/// The colour of a cell value, None for an empty cell.
pub fn cell_color(value: f64, scale: f64, style: &ChartStyle) -> Option<RGBColor> {
    if value.is_nan() {
        return None;
    }
    let level = (value.abs() / scale.max(f64::MIN_POSITIVE)).min(1.0);
    let level = (level * LEVELS).round() / LEVELS;
    if level == 0.0 {
        // Events on either side but no difference: a faint neutral, so "no errors" and
        // "as many errors" stay apart.
        return Some(blend(style.background, style.grid, 0.55));
    }
    let dark = u32::from(style.background.0) + u32::from(style.background.1) < 256;
    let target = match (value > 0.0, dark) {
        (true, false) => MORE,
        (false, false) => FEWER,
        (true, true) => MORE_DARK,
        (false, true) => FEWER_DARK,
    };
    // Start a little away from the background so one-event differences are visible.
    Some(blend(style.background, target, 0.15 + 0.85 * level))
}

/// The cells as an RGBA image, one pixel per cell (row-major, `cols × rows`), empty cells
/// transparent so the chart's background shows through.
pub fn cell_image(grid: &HeatGrid, style: &ChartStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(grid.values.len() * 4);
    for &v in &grid.values {
        match cell_color(v, grid.scale, style) {
            Some(RGBColor(r, g, b)) => out.extend_from_slice(&[r, g, b, 255]),
            None => out.extend_from_slice(&[0, 0, 0, 0]),
        }
    }
    out
}

fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let mixc = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mixc(a.0, b.0), mixc(a.1, b.1), mixc(a.2, b.2))
}

/// A tick step in seconds giving at most `max_ticks` labels over `span_s`.
fn time_step(span_s: i64, max_ticks: i64) -> i64 {
    const STEPS: [i64; 18] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
        86_400,
    ];
    let want = (span_s / max_ticks.max(1)).max(1);
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= want)
        .unwrap_or_else(|| (want / 86_400 + 1) * 86_400)
}

/// Draws the grid over the stream span `[span_start_s, span_end_s)` (the heatmap keeps its
/// width as the stream grows into it), each row's totals beside it, and returns where the
/// cells are. `labels` and `totals` follow the grid's rows.
pub fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    grid: &HeatGrid,
    labels: &[String],
    totals: &[CodeTotals],
    span: (i64, i64),
    style: &ChartStyle,
    cells: Cells,
) -> Result<HeatLayout, ChartError> {
    let title = match grid.mode {
        HeatMode::Difference => "Candidate minus baseline, errors per bin",
        HeatMode::Ratio => "Candidate / baseline rate ratio per bin",
    };
    // Stable text: a subtitle that changed every frame would be measured every frame.
    let subtitle = format!("codes by bins of {} s", grid.bin_seconds);
    let body = titled(area, title, &subtitle, style)?;
    let (bw, bh) = body.dim_in_pixel();
    let label_style = style.label();
    // Widths estimated from character counts (a sans-serif digit is about 0.6 em): measuring
    // every label costs a page layout each in the browser, and codes appear while playing.
    let approx = |l: &str| (l.chars().count() as f64 * style.size() * 0.62).ceil() as i32;
    let label_w = labels
        .iter()
        .map(|l| approx(l))
        .max()
        .unwrap_or(0)
        .clamp(16, 160)
        + 8;
    let left = PAD + label_w;
    let right = bw as i32 - PAD - LEGEND_W - TOTALS_W;
    let top = style.size() as i32 + 8;
    let bottom = bh as i32 - AXIS_H;
    if right - left < 60 || bottom - top < 20 || grid.rows() == 0 {
        let note = style.muted().pos(Pos::new(HPos::Center, VPos::Center));
        let why = if grid.rows() == 0 {
            "no error codes yet"
        } else {
            "too small to draw"
        };
        body.draw_text(why, &note, (bw as i32 / 2, bh as i32 / 2))?;
        return Err(ChartError::NoData(if grid.rows() == 0 {
            "no error codes yet"
        } else {
            "too small to draw"
        }));
    }
    let (span_start, span_end) = (span.0, span.1.max(span.0 + 1));
    let width = f64::from(right - left);
    let row_h = f64::from(bottom - top) / grid.rows() as f64;
    let x_of =
        |s: i64| f64::from(left) + (s - span_start) as f64 / (span_end - span_start) as f64 * width;

    // Rows: labels (thinned when rows are too thin to hold text), then merged cell runs.
    let every = ((style.size() + 1.0) / row_h).ceil().max(1.0) as usize;
    let row_label = label_style.pos(Pos::new(HPos::Right, VPos::Center));
    for (r, label) in labels.iter().enumerate().take(grid.rows()) {
        let y0 = f64::from(top) + r as f64 * row_h;
        if r % every == 0 {
            let text = if approx(label) <= label_w - 8 {
                label.clone()
            } else {
                fit_text(&body, label, &row_label, label_w - 8)
            };
            body.draw_text(
                &text,
                &row_label,
                (left - 6, (y0 + row_h / 2.0).round() as i32),
            )?;
        }
        let (yt, yb) = (
            y0.round() as i32,
            (y0 + row_h).round() as i32 - i32::from(row_h >= 6.0),
        );
        let mut run: Option<(i32, i32, RGBColor)> = None;
        let cols = if cells == Cells::Rects {
            grid.cols()
        } else {
            0
        };
        for c in 0..cols {
            let start = grid.starts[c];
            let x0 = x_of(start).round() as i32;
            let x1 = x_of(start + grid.bin_seconds)
                .round()
                .max(f64::from(x0 + 1)) as i32;
            let color = cell_color(grid.value(r, c), grid.scale, style);
            run = match (run, color) {
                (Some((a, b, k)), Some(col)) if k == col && x0 <= b => Some((a, x1, k)),
                (prev, col) => {
                    if let Some((a, b, k)) = prev {
                        body.draw(&Rectangle::new([(a, yt), (b, yb)], k.filled()))?;
                    }
                    col.map(|k| (x0, x1, k))
                }
            };
        }
        if let Some((a, b, k)) = run {
            body.draw(&Rectangle::new([(a, yt), (b, yb)], k.filled()))?;
        }
        if r % every == 0 {
            if let Some(t) = totals.get(r) {
                draw_totals(&body, t, style, right, (y0 + row_h / 2.0).round() as i32)?;
            }
        }
    }
    let head = style.muted().pos(Pos::new(HPos::Right, VPos::Bottom));
    for (text, dx) in [
        ("baseline", 64),
        ("candidate", 134),
        ("ratio [95% CI]", TOTALS_W - 4),
    ] {
        body.draw_text(text, &head, (right + dx, top - 3))?;
    }

    // Time axis.
    let axis = mix(style.text, 0.45);
    body.draw(&Rectangle::new(
        [(left, bottom), (right, bottom + 1)],
        axis.filled(),
    ))?;
    let step = time_step(span_end - span_start, ((right - left) / 90).max(1) as i64);
    let tick_style = style.label().pos(Pos::new(HPos::Center, VPos::Top));
    let mut t = span_start.div_euclid(step) * step;
    if t < span_start {
        t += step;
    }
    while t <= span_end {
        let x = x_of(t).round() as i32;
        body.draw(&Rectangle::new(
            [(x, bottom), (x + 1, bottom + 4)],
            axis.filled(),
        ))?;
        body.draw_text(
            &tick_label(t, step, span_end - span_start),
            &tick_style,
            (x, bottom + 6),
        )?;
        t += step;
    }

    draw_legend(
        &body,
        grid,
        style,
        (right + TOTALS_W + 14, top),
        bottom - top,
    )?;
    let y_shift = (area.dim_in_pixel().1 - bh) as f64;
    let contiguous = grid
        .starts
        .windows(2)
        .all(|w| w[1] - w[0] == grid.bin_seconds);
    let cells_rect = (contiguous && grid.cols() > 0).then(|| {
        let x0 = x_of(grid.starts[0]);
        let x1 = x_of(grid.starts[grid.cols() - 1] + grid.bin_seconds);
        (
            x0,
            f64::from(top) + y_shift,
            x1 - x0,
            row_h * grid.rows() as f64,
        )
    });
    Ok(HeatLayout {
        cells: cells_rect,
        left: f64::from(left),
        top: f64::from(top) + y_shift,
        width,
        row_height: row_h,
        rows: grid.rows(),
        span_start_s: span_start,
        span_end_s: span_end,
    })
}

/// One row's totals, right-aligned in three columns; a ratio whose interval lies above 1
/// is drawn in the alarm colour after a ▲.
fn draw_totals<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    t: &CodeTotals,
    style: &ChartStyle,
    x: i32,
    y: i32,
) -> Result<(), ChartError> {
    let plain = style.label().pos(Pos::new(HPos::Right, VPos::Center));
    body.draw_text(&t.baseline.to_string(), &plain, (x + 64, y))?;
    body.draw_text(&t.candidate.to_string(), &plain, (x + 134, y))?;
    // Marked by a sign as well as a colour, so the mark does not rest on colour alone.
    let text = if t.raised() {
        format!("▲ {}", t.summary())
    } else {
        t.summary()
    };
    let mut ratio_style = plain.clone();
    if t.raised() {
        ratio_style.color = style.alarm.to_backend_color();
    }
    body.draw_text(&text, &ratio_style, (x + TOTALS_W - 4, y))?;
    Ok(())
}

/// A vertical colour bar: the candidate-heavy end on top.
fn draw_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    grid: &HeatGrid,
    style: &ChartStyle,
    (x, y): (i32, i32),
    height: i32,
) -> Result<(), ChartError> {
    let h = height.clamp(40, 220);
    let steps = 2 * LEVELS as i32 + 1;
    for i in 0..steps {
        let v = grid.scale * (1.0 - 2.0 * f64::from(i) / f64::from(steps - 1));
        let color = cell_color(v, grid.scale, style).unwrap_or(style.background);
        let (y0, y1) = (y + h * i / steps, y + h * (i + 1) / steps);
        body.draw(&Rectangle::new(
            [(x, y0), (x + 14, y1.max(y0 + 1))],
            color.filled(),
        ))?;
    }
    let (top, mid, low) = match grid.mode {
        HeatMode::Difference => {
            let s = grid.scale.round() as i64;
            (format!("+{s}"), "0".to_string(), format!("−{s}"))
        }
        HeatMode::Ratio => {
            let r = grid.scale.exp2().round() as i64;
            (format!("{r}×"), "1×".to_string(), format!("1/{r}×"))
        }
    };
    let text = style.label().pos(Pos::new(HPos::Left, VPos::Center));
    body.draw_text(&top, &text, (x + 20, y + 6))?;
    body.draw_text(&mid, &text, (x + 20, y + h / 2))?;
    body.draw_text(&low, &text, (x + 20, y + h - 6))?;
    let note = style.muted().pos(Pos::new(HPos::Left, VPos::Top));
    body.draw_text("candidate", &note, (x - 4, y + h + 6))?;
    body.draw_text(
        "more ▲ fewer ▼",
        &note,
        (x - 4, y + h + 6 + style.size() as i32),
    )?;
    Ok(())
}

/// A time-axis label: clock streams as `H:MM:SS`; epoch streams as the UTC time of day
/// (`HH:MM` on whole-minute steps), with the month and day when the span is over a day,
/// because a full date-time per tick is wider than the ticks are apart.
fn tick_label(t: i64, step: i64, span: i64) -> String {
    if (0..CLOCK_BELOW_S).contains(&t) {
        return format_stream_seconds(t);
    }
    let tod = t.rem_euclid(86_400);
    let (h, m, s) = (tod / 3600, tod / 60 % 60, tod % 60);
    if span > 86_400 {
        let date = Civil::from_epoch_seconds(t).date();
        format!("{} {h:02}:{m:02}", date.get(5..).unwrap_or(&date))
    } else if step % 60 == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tick_tests {
    use super::tick_label;

    #[test]
    fn epoch_ticks_are_short_and_clock_ticks_unchanged() {
        assert_eq!(tick_label(3_540, 60, 3_600), "0:59:00");
        assert_eq!(tick_label(1_796_589_480, 60, 600), "20:38");
        assert_eq!(tick_label(1_796_589_485, 5, 60), "20:38:05");
        assert_eq!(tick_label(1_796_589_480, 3_600, 3 * 86_400), "12-06 20:38");
    }
}
