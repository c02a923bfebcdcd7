//! The missing-value matrix: columns across, bands of consecutive rows down, each cell
//! shaded by the share of its cells missing (the background where none is, the theme's
//! text colour where all are), so gaps that cluster read as blocks and stripes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{fit_text, no_data, text_width, titled, widest_text, PAD};
use super::labels::format_count;
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::profile::missing::MissingMatrix;

const MAX_LABEL_W: i32 = 150;
const MAX_COL_W: i32 = 48;

fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// Draws the matrix; consecutive bands of one column with the same shade are merged into
/// one rectangle, so a mostly complete table costs a handful of fills.
pub fn draw_missing<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &MissingMatrix,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let title = "Missing values by row band";
    let k = m.columns.len();
    if k == 0 || m.rows == 0 {
        return Err(no_data(area, title, "the table has no rows", style));
    }
    let total: usize = m.missing.iter().sum();
    let subtitle = format!(
        "{} missing of {} cells · {} bands of about {} rows · darker: more missing",
        format_count(total as u64),
        format_count((m.rows * k) as u64),
        m.bands(),
        format_count(m.rows.div_ceil(m.bands().max(1)) as u64)
    );
    let body = titled(area, title, &subtitle, style)?;
    let (w, h) = body.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label = style.label();
    let widest = widest_text(&body, &m.columns, &label, MAX_LABEL_W);
    let row_labels = text_width(&body, &format_count(m.rows as u64), &label) + 34;
    let left = PAD + row_labels;
    let top = widest + 8;
    let col_w = ((w - left - PAD) / k as i32).clamp(1, MAX_COL_W);
    let height = h - top - PAD;
    if height < 20 || col_w < 1 {
        return Ok(());
    }
    let bands = m.bands() as i32;
    let y_of = |b: i32| top + (i64::from(b) * i64::from(height) / i64::from(bands.max(1))) as i32;
    let col_label = label
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let full = style.text;
    for (c, name) in m.columns.iter().enumerate() {
        let x = left + c as i32 * col_w;
        if col_w >= 10 {
            let cut = fit_text(&body, name, &label, MAX_LABEL_W);
            body.draw_text(&cut, &col_label, (x + col_w / 2, top - 6))?;
        }
        // Present cells: the background with a faint tint, so the grid's extent shows.
        body.draw(&Rectangle::new(
            [(x, top), (x + col_w - 1, top + height)],
            blend(style.background, style.grid, 0.35).filled(),
        ))?;
        let mut b = 0;
        while b < bands {
            let share = m.share(b as usize, c);
            let level = (f64::from(share) * 8.0).ceil() / 8.0;
            let mut e = b + 1;
            while e < bands && (f64::from(m.share(e as usize, c)) * 8.0).ceil() / 8.0 == level {
                e += 1;
            }
            if level > 0.0 {
                let color = blend(style.background, full, 0.25 + 0.75 * level);
                body.draw(&Rectangle::new(
                    [(x, y_of(b)), (x + col_w - 1, y_of(e).max(y_of(b) + 1))],
                    color.filled(),
                ))?;
            }
            b = e;
        }
    }
    body.draw(&Rectangle::new(
        [(left, top), (left + k as i32 * col_w - 1, top + height)],
        mix(style.grid, 1.0).stroke_width(1),
    ))?;
    let tick = style.muted().pos(Pos::new(HPos::Right, VPos::Center));
    for (frac, row) in [(0.0, 1), (0.5, m.rows.div_ceil(2)), (1.0, m.rows)] {
        let y = top + (frac * f64::from(height)) as i32;
        body.draw_text(
            &format!("row {}", format_count(row as u64)),
            &tick,
            (left - 6, y),
        )?;
    }
    Ok(())
}
