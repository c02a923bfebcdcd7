//! Box plots of a numeric column per category, side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{CategoryAxis, ValueAxis};
use super::boxplot::{
    box_range, count_note, drawable, log_note, place, BoxMark, Orientation, Place,
};
use super::frame::{
    draw_mesh, fit_text, has_room, no_data, plot_builder, text_width, titled, Painter, PAD,
};
use super::labels::{clean_label, format_count, MAX_LABEL_CHARS};
use super::theme::ChartStyle;
use super::ChartError;
use crate::core::distribution::GroupedBoxes;

/// Draws one vertical box per group in the order given, group labels under the x axis
/// (turned upright and cut when they would collide), on a linear or log10 value axis.
pub fn draw_grouped_boxes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    value_label: &str,
    groups: &GroupedBoxes,
    log: bool,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let value_name = clean_label(value_label, 60);
    if !groups.groups.iter().any(|(_, s)| drawable(s)) {
        return Err(no_data(area, title, "no group has numeric values", style));
    }
    let Some((lo, hi)) = box_range(groups.groups.iter().map(|(_, s)| s), log) else {
        return Err(no_data(
            area,
            title,
            "no positive values to show on a log scale",
            style,
        ));
    };
    let title = if log {
        let non_positive = groups
            .groups
            .iter()
            .any(|(_, s)| drawable(s) && s.min <= 0.0);
        format!("{title}{}", log_note(non_positive))
    } else {
        title.to_string()
    };
    let n: usize = groups.groups.iter().map(|(_, s)| s.count).sum();
    let outliers: usize = groups.groups.iter().map(|(_, s)| s.outlier_count).sum();
    let subtitle = format!(
        "{} groups · {}",
        format_count(groups.groups.len() as u64),
        count_note(n, outliers)
    );
    let body = titled(area, &title, &subtitle, style)?;
    let (width, height) = body.dim_in_pixel();

    let y_axis = ValueAxis::new(lo, hi, log, (height as usize / 45).max(2));
    let label_style = style.label();
    let tick_w = y_axis
        .ticks()
        .iter()
        .map(|t| text_width(&body, &y_axis.label(*t), &label_style))
        .max()
        .unwrap_or(0);
    let y_area = tick_w + 14 + style.size() as i32 + 8;
    let count = groups.groups.len();
    let slot = (width as i32 - y_area - 2 * PAD - 6) / count as i32;
    let labels: Vec<String> = groups
        .groups
        .iter()
        .map(|(l, _)| clean_label(l, MAX_LABEL_CHARS))
        .collect();
    let upright = labels
        .iter()
        .any(|l| text_width(&body, l, &label_style) > slot - 8);
    let line = style.size() as i32 + 4;
    let x_area = if upright {
        let longest = labels
            .iter()
            .map(|l| text_width(&body, l, &label_style))
            .max()
            .unwrap_or(0);
        longest.min(height as i32 * 2 / 5) + 14
    } else {
        2 * line + 10
    };
    if !has_room(&body, y_area, x_area) {
        return Ok(());
    }
    let y_desc = fit_text(
        &body,
        &value_name,
        &style.muted(),
        height as i32 - x_area - PAD,
    );
    let mut chart = plot_builder(&body, x_area, y_area)
        .build_cartesian_2d(CategoryAxis::new(vec![String::new(); count]), y_axis)?;
    draw_mesh(&mut chart, style, "", &y_desc, false, true, (count, 10))?;
    let painter = Painter::new(&chart);
    let bottom = painter.clip().3;
    let half = (slot * 3 / 10).clamp(3, 40);
    let note_style = style.muted().pos(Pos::new(HPos::Center, VPos::Top));
    for (i, ((_, stats), label)) in groups.groups.iter().zip(&labels).enumerate() {
        let center = chart.backend_coord(&(i as f64 + 0.5, 0.0)).0;
        if drawable(stats) {
            let to_px = |v: f64| match place(v, log) {
                Place::At(p) => Some(chart.backend_coord(&(0.0, p)).1),
                Place::BelowAxis => Some(bottom + 2),
                Place::Nowhere => None,
            };
            BoxMark {
                stats,
                to_px,
                orientation: Orientation::Vertical,
                center,
                half,
            }
            .draw(&painter, style)?;
        }
        let label_top = bottom + 8;
        if upright {
            let cut = fit_text(&body, label, &label_style, x_area - 14);
            let turned = label_style
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            painter.text(&cut, &turned, (center, label_top))?;
        } else {
            painter.text(
                label,
                &label_style.pos(Pos::new(HPos::Center, VPos::Top)),
                (center, label_top),
            )?;
            let note = format!("n = {}", format_count(stats.count as u64));
            painter.text(&note, &note_style, (center, label_top + line))?;
        }
    }
    Ok(())
}
