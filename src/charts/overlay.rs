//! A column of two files on one axis (the compare view): common-bin histograms of shares
//! for numbers and dates, side-by-side bars of shares for labels. Shares, not counts, so
//! a 1,000-row batch reads against a 100,000-row reference.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{CategoryAxis, TimeAxis, ValueAxis, EPOCH_FROM_S};
use super::frame::{
    draw_mesh, fit_text, has_room, no_data, plot_builder, text_width, titled, widest_tick_label,
    Painter, PAD,
};
use super::labels::{clean_label, format_count};
use super::theme::{mix, ChartStyle};
use super::ChartError;
use crate::core::compare::overlay::Overlay;

/// Longest label drawn in full on the label axis.
const MAX_LABEL_CHARS: usize = 28;

/// The colour of the current file's marks (the reference takes the accent).
pub fn current_color(style: &ChartStyle) -> RGBColor {
    style.outlier
}

/// Draws the reference and the current file's distributions of one column.
pub fn draw_overlay<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    overlay: &Overlay,
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let (nr, nc) = match overlay {
        Overlay::Numbers { counts, .. } | Overlay::Labels { counts, .. } => *counts,
    };
    if nr + nc == 0 {
        return Err(no_data(
            area,
            title,
            "neither file has a valid value in this column",
            style,
        ));
    }
    let subtitle = format!(
        "share of valid values · reference n = {} · current n = {}",
        format_count(nr as u64),
        format_count(nc as u64)
    );
    let body = titled(area, title, &subtitle, style)?;
    let body = legend(&body, style)?;
    match overlay {
        Overlay::Numbers {
            date,
            edges,
            reference,
            current,
            ..
        } => {
            let (lo, hi) = (edges[0], edges[edges.len() - 1]);
            if *date && lo >= EPOCH_FROM_S {
                let (w, _) = body.dim_in_pixel();
                let x = TimeAxis::new(lo, hi, (w as usize / 110).max(2));
                histograms(&body, x, edges, reference, current, style)
            } else {
                let (w, _) = body.dim_in_pixel();
                let x = ValueAxis::new(lo, hi, false, (w as usize / 90).max(2));
                histograms(&body, x, edges, reference, current, style)
            }
        }
        Overlay::Labels {
            labels,
            reference,
            current,
            other,
            ..
        } => {
            let mut rows: Vec<(String, f64, f64, bool)> = labels
                .iter()
                .zip(reference.iter().zip(current))
                .map(|(l, (r, c))| (clean_label(l, MAX_LABEL_CHARS), *r, *c, false))
                .collect();
            if let Some((r, c)) = other {
                rows.push(("other labels".into(), *r, *c, true));
            }
            label_bars(&body, &rows, style)
        }
    }
}

/// A swatch and a name for each file at the top of `body`; returns the area below.
fn legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, h) = body.dim_in_pixel();
    let text = style.label().pos(Pos::new(HPos::Left, VPos::Center));
    let size = style.size() as i32;
    let y = size / 2 + 2;
    let mut x = PAD;
    for (name, color) in [
        ("reference", mix(style.accent, 0.45)),
        ("current", mix(current_color(style), 1.0)),
    ] {
        body.draw(&Rectangle::new(
            [(x, y - 5), (x + 14, y + 5)],
            color.filled(),
        ))?;
        body.draw_text(name, &text, (x + 20, y))?;
        x += 20 + text_width(body, name, &text) + 18;
    }
    let top = (size + 8).min(h as i32);
    Ok(body
        .clone()
        .shrink((0, top), (w, (h as i32 - top).max(0) as u32)))
}

/// Reference bins filled, current bins as a stepped outline over them.
fn histograms<DB, X>(
    body: &DrawingArea<DB, Shift>,
    x_axis: X,
    edges: &[f64],
    reference: &[f64],
    current: &[f64],
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let (_, height) = body.dim_in_pixel();
    let top = reference
        .iter()
        .chain(current)
        .fold(0.0f64, |m, &s| m.max(s * 100.0))
        .max(1e-9)
        * 1.08;
    let y_axis = ValueAxis::new(0.0, top, false, (height as usize / 45).max(2));
    let label_w = widest_tick_label(body, &y_axis, &style.label());
    let y_area = label_w + 14 + style.size() as i32 + 6;
    let x_area = style.size() as i32 + 14;
    if !has_room(body, y_area, x_area) {
        return Ok(());
    }
    let mut chart = plot_builder(body, x_area, y_area).build_cartesian_2d(x_axis, y_axis)?;
    draw_mesh(&mut chart, style, "", "% of values", false, true, (10, 10))?;
    let painter = Painter::new(&chart);
    let base = chart.backend_coord(&(edges[0], 0.0)).1;
    for (i, &share) in reference.iter().enumerate() {
        if share <= 0.0 {
            continue;
        }
        let (x0, y) = chart.backend_coord(&(edges[i], share * 100.0));
        let x1 = chart.backend_coord(&(edges[i + 1], 0.0)).0;
        let gap = i32::from(x1 - x0 >= 3);
        painter.rect(
            (x0, y.min(base - 1)),
            ((x1 - gap).max(x0 + 1), base),
            mix(style.accent, 0.45),
        )?;
    }
    // The current file as a step line: one horizontal run a bin, joined by verticals.
    let line = mix(current_color(style), 1.0);
    let mut last_y = base;
    for (i, &share) in current.iter().enumerate() {
        let (x0, y) = chart.backend_coord(&(edges[i], share * 100.0));
        let x1 = chart.backend_coord(&(edges[i + 1], 0.0)).0;
        let y = if share > 0.0 { y.min(base - 2) } else { base };
        painter.vline(x0, last_y, y, 2, line)?;
        painter.hline(x0, x1, y, 2, line)?;
        last_y = y;
    }
    if let Some(&end) = edges.last() {
        let x = chart.backend_coord(&(end, 0.0)).0;
        painter.vline(x, last_y, base, 2, line)?;
    }
    Ok(())
}

/// One row a label: the reference's bar above the current file's.
fn label_bars<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    rows: &[(String, f64, f64, bool)],
    style: &ChartStyle,
) -> Result<(), ChartError> {
    let (width, height) = body.dim_in_pixel();
    let x_area = style.size() as i32 + 14;
    let slot = (height as i32 - x_area - PAD) / rows.len().max(1) as i32;
    let mut row_style = *style;
    row_style.font_size = (slot / 2).clamp(8, style.font_size.max(8) as i32) as u32;
    let label_style = row_style.label();
    let max_label = (width as i32 * 2 / 5).max(40);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| fit_text(body, &r.0, &label_style, max_label - 14))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| text_width(body, l, &label_style))
        .max()
        .unwrap_or(0);
    let y_area = label_w + 14;
    if !has_room(body, y_area, x_area) {
        return Ok(());
    }
    let top = rows
        .iter()
        .fold(0.0f64, |m, r| m.max(r.1.max(r.2) * 100.0))
        .max(1e-9)
        * 1.08;
    let plot_w = (width as i32 - y_area - 2 * PAD - 6).max(1) as usize;
    let x_axis = ValueAxis::new(0.0, top, false, (plot_w / 90).max(2));
    let n = rows.len();
    let y_labels: Vec<String> = labels.into_iter().rev().collect();
    let mut chart = plot_builder(body, x_area, y_area)
        .build_cartesian_2d(x_axis, CategoryAxis::new(y_labels))?;
    draw_mesh(
        &mut chart,
        &row_style,
        "% of values",
        "",
        true,
        false,
        (10, n),
    )?;
    let painter = Painter::new(&chart);
    for (i, (_, r, c, other)) in rows.iter().enumerate() {
        let slot_index = (n - 1 - i) as f64;
        let (x0, y_top) = chart.backend_coord(&(0.0, slot_index + 1.0));
        let (_, y_bottom) = chart.backend_coord(&(0.0, slot_index));
        let inset = (((y_bottom - y_top) as f64 * 0.12).round() as i32).max(1);
        let mid = (y_top + y_bottom) / 2;
        let (rc, cc) = if *other {
            (mix(style.grid, 1.0), mix(style.text, 0.45))
        } else {
            (mix(style.accent, 0.45), mix(current_color(style), 1.0))
        };
        for (share, (a, b), color) in [
            (*r, (y_top + inset, mid), rc),
            (*c, (mid, y_bottom - inset), cc),
        ] {
            if share > 0.0 {
                let x1 = chart.backend_coord(&(share * 100.0, 0.0)).0;
                painter.rect((x0, a), (x1.max(x0 + 1), b), color)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::compare::overlay::overlay;
    use crate::core::ingest::{read_bytes, IngestOptions};

    fn svg(o: &Overlay) -> String {
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (640, 360)).into_drawing_area();
            draw_overlay(&area, "x", o, &ChartStyle::light()).unwrap();
        }
        out
    }

    #[test]
    fn numbers_draw_reference_bars_and_a_current_outline() {
        let r = read_bytes(b"x\n1.5\n2.5\n2.5\n3.5\n", &IngestOptions::default()).unwrap();
        let c = read_bytes(b"x\n3.5\n4.5\n4.5\n5.5\n", &IngestOptions::default()).unwrap();
        let o = overlay(&r.columns[0], &c.columns[0]).unwrap();
        let s = svg(&o);
        assert!(s.contains("#8250DF"), "the current file's colour");
        assert!(s.contains("#0969DA"), "the reference's colour");
        assert!(s.contains("reference n = 4"));
    }

    #[test]
    fn labels_draw_one_row_each() {
        let r = read_bytes(b"x\na\nb\nb\n", &IngestOptions::default()).unwrap();
        let c = read_bytes(b"x\n<b>\nb\nb\n", &IngestOptions::default()).unwrap();
        let s = svg(&overlay(&r.columns[0], &c.columns[0]).unwrap());
        // Hostile labels are text, escaped in the SVG.
        assert!(s.contains("&lt;b&gt;"));
        assert!(!s.contains("<b>"));
    }
}
