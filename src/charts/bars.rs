//! Horizontal bar chart of category counts, most frequent first.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{CategoryAxis, ValueAxis};
use super::frame::{
    draw_mesh, fit_text, has_room, no_data, plot_builder, text_width, titled, Painter, PAD,
};
use super::labels::{clean_label, format_count, MAX_LABEL_CHARS};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::distribution::CategoryCounts;

/// Draws one horizontal bar per label in the order given, plus a gray "other (N labels)"
/// bar when labels were folded, with the count and share at each bar's end.
pub fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    counts: &CategoryCounts,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let mut rows: Vec<(String, u64, bool)> = counts
        .top
        .iter()
        .map(|(label, n)| (clean_label(label, MAX_LABEL_CHARS), *n, false))
        .collect();
    if counts.other > 0 {
        let plural = if counts.other_labels == 1 {
            "label"
        } else {
            "labels"
        };
        rows.push((
            format!(
                "other ({} {plural})",
                format_count(counts.other_labels as u64)
            ),
            counts.other,
            true,
        ));
    }
    let total: u64 = rows.iter().map(|r| r.1).sum();
    if rows.is_empty() || total == 0 {
        return Err(no_data(
            area,
            title,
            "the column has no non-missing values",
            style,
        ));
    }
    let distinct = counts.top.len() + counts.other_labels;
    let mut subtitle = format!(
        "n = {} · {} distinct",
        format_count(total),
        format_count(distinct as u64)
    );
    if counts.other > 0 {
        subtitle.push_str(&format!(" · top {} shown", counts.top.len()));
    }
    if counts.missing > 0 {
        subtitle.push_str(&format!(" · {} missing", format_count(counts.missing)));
    }
    let body = titled(area, title, &subtitle, style)?;
    let (width, height) = body.dim_in_pixel();
    let x_area = style.size() as i32 + 14;

    // Shrink the labels when rows get tight, so 31 bars still read in a 600px chart.
    let slot = (height as i32 - x_area - PAD) / rows.len() as i32;
    let mut row_style = *style;
    row_style.font_size = (slot - 3).clamp(8, style.font_size.max(8) as i32) as u32;
    let label_style = row_style.label();
    let max_label = (width as i32 * 2 / 5).max(40);
    for row in &mut rows {
        row.0 = fit_text(&body, &row.0, &label_style, max_label - 14);
    }
    let label_w = rows
        .iter()
        .map(|r| text_width(&body, &r.0, &label_style))
        .max()
        .unwrap_or(0);
    let y_area = label_w + 14;
    if !has_room(&body, y_area, x_area) {
        return Ok(());
    }

    let max_count = rows.iter().map(|r| r.1).max().unwrap_or(1) as f64;
    let note_style = row_style.muted();
    let notes: Vec<String> = rows.iter().map(|r| count_note(r.1, total)).collect();
    let note_w = notes
        .iter()
        .map(|n| text_width(&body, n, &note_style))
        .max()
        .unwrap_or(0);
    // Stretch the count axis so the longest end-of-bar note still fits inside the plot.
    let plot_w = (width as i32 - y_area - 2 * PAD - 6).max(1) as f64;
    let room = (plot_w - f64::from(note_w) - 10.0).max(plot_w / 3.0);
    let x_top = max_count * plot_w / room;
    let x_axis = ValueAxis::new(0.0, x_top, false, ((plot_w as usize) / 90).max(2));
    let y_labels: Vec<String> = rows.iter().rev().map(|r| r.0.clone()).collect();
    let n = rows.len();
    let mut chart = plot_builder(&body, x_area, y_area)
        .build_cartesian_2d(x_axis, CategoryAxis::new(y_labels))?;
    draw_mesh(&mut chart, &row_style, "", "", true, false, (10, n))?;
    let painter = Painter::new(&chart);
    for (i, ((_, count, other), note)) in rows.iter().zip(&notes).enumerate() {
        let slot_index = (n - 1 - i) as f64;
        let (x0, top) = chart.backend_coord(&(0.0, slot_index + 1.0));
        let (x1, bottom) = chart.backend_coord(&(*count as f64, slot_index));
        // Bars fill most of their row but stay slim when there are only a few.
        let inset = (((bottom - top) as f64 * 0.14).round() as i32).max((bottom - top - 30) / 2);
        let color = if *other {
            mix(style.grid, 1.0)
        } else {
            mix(style.accent, 1.0)
        };
        // Every non-zero count gets at least one pixel of bar.
        painter.rect((x0, top + inset), (x1.max(x0 + 1), bottom - inset), color)?;
        let at = (x1.max(x0 + 1) + 6, (top + bottom) / 2);
        painter.text(
            note,
            &note_style.pos(Pos::new(HPos::Left, VPos::Center)),
            at,
        )?;
    }
    Ok(())
}

fn count_note(count: u64, total: u64) -> String {
    let share = count as f64 * 100.0 / total.max(1) as f64;
    format!("{} ({share:.1}%)", format_count(count))
}
