//! What every chart shares: background, title block, themed grid and axes, a message when
//! there is nothing to draw, and crisp pixel-space marks clipped to the plot.

use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{mix, ChartStyle};
use super::ChartError;

/// Below this plot size a chart shows only its title: axes would not fit.
const MIN_PLOT: (u32, u32) = (120, 60);

/// Padding around the chart, in pixels.
pub(crate) const PAD: i32 = 12;

/// A chart builder on the plot body with the margins and label areas every chart shares.
pub(crate) fn plot_builder<'a, 'b, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    x_area: i32,
    y_area: i32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(body);
    builder
        .margin_left(PAD / 2)
        .margin_right(PAD + 6)
        .margin_bottom(PAD / 2)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area);
    builder
}

/// Width of `text` in pixels as the backend will draw it (the canvas measures real glyphs).
///
/// Measurements are remembered: in the browser plotters measures text by adding a `<span>`
/// to the page and forcing a layout, a few milliseconds each, and live charts redraw the
/// same labels many times a second.
pub(crate) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> i32 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static WIDTHS: RefCell<HashMap<(String, u64, String), i32>> = RefCell::new(HashMap::new());
    }
    let key = (
        text.to_string(),
        style.font.get_size().to_bits(),
        format!(
            "{}/{}",
            style.font.get_name(),
            style.font.get_style().as_str()
        ),
    );
    if let Some(w) = WIDTHS.with(|m| m.borrow().get(&key).copied()) {
        return w;
    }
    let width = area
        .estimate_text_size(text, style)
        .map(|(w, _)| w as i32)
        .unwrap_or(0);
    WIDTHS.with(|m| {
        let mut m = m.borrow_mut();
        // Bounded: labels of many datasets would otherwise pile up.
        if m.len() >= 8192 {
            m.clear();
        }
        m.insert(key, width);
    });
    width
}

/// Width in pixels of the widest tick label of a value axis.
pub(crate) fn widest_tick_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    axis: &super::axis::ValueAxis,
    style: &TextStyle,
) -> i32 {
    axis.ticks()
        .iter()
        .map(|t| text_width(area, &axis.label(*t), style))
        .max()
        .unwrap_or(0)
}

/// The width of the widest of `texts`, capped at `cap` pixels: the room a column of labels
/// needs before longer ones are cut with [`fit_text`].
pub(crate) fn widest_text<DB: DrawingBackend, S: AsRef<str>>(
    area: &DrawingArea<DB, Shift>,
    texts: &[S],
    style: &TextStyle,
    cap: i32,
) -> i32 {
    texts
        .iter()
        .map(|t| text_width(area, t.as_ref(), style))
        .max()
        .unwrap_or(0)
        .min(cap)
}

/// `text`, cut with an ellipsis so it fits `max_width` pixels.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: i32,
) -> String {
    if text_width(area, text, style) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    // Binary search on the kept prefix: each probe is a text measurement, which on the
    // canvas backend costs a DOM layout.
    let (mut keep, mut over) = (0usize, chars.len());
    while over - keep > 1 {
        let mid = (keep + over) / 2;
        let probe: String = chars[..mid].iter().chain(std::iter::once(&'…')).collect();
        if text_width(area, &probe, style) <= max_width {
            keep = mid;
        } else {
            over = mid;
        }
    }
    let mut out: String = chars[..keep].iter().collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Fills the background, draws the title and an optional subtitle at the top left, and
/// returns the area left for the plot.
pub(crate) fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    style: &ChartStyle,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    area.fill(&style.background)?;
    let (width, height) = area.dim_in_pixel();
    let max_width = width as i32 - 2 * PAD;
    let title_style = style.title().pos(Pos::new(HPos::Left, VPos::Top));
    let mut y = PAD - 2;
    let title = fit_text(area, title, &title_style, max_width);
    area.draw_text(&title, &title_style, (PAD, y))?;
    y += style.size() as i32 + 9;
    if !subtitle.is_empty() {
        let sub_style = style.muted().pos(Pos::new(HPos::Left, VPos::Top));
        let subtitle = fit_text(area, subtitle, &sub_style, max_width);
        area.draw_text(&subtitle, &sub_style, (PAD, y))?;
        y += style.size() as i32 + 6;
    }
    let top = (y + 6).min(height as i32);
    Ok(area
        .clone()
        .shrink((0, top), (width, (height as i32 - top).max(0) as u32)))
}

/// Whether `area` still has room for a plot once `left` and `bottom` pixels go to labels.
pub(crate) fn has_room<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    left: i32,
    bottom: i32,
) -> bool {
    let (w, h) = area.dim_in_pixel();
    w as i32 - left - 2 * PAD >= MIN_PLOT.0 as i32 && h as i32 - bottom - PAD >= MIN_PLOT.1 as i32
}

/// Draws a centred note in place of a plot and returns the matching error, so a canvas
/// never keeps a stale chart and the page can still show a banner.
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    reason: &'static str,
    style: &ChartStyle,
) -> ChartError {
    let drawn = titled(area, title, "", style).and_then(|body| {
        let (w, h) = body.dim_in_pixel();
        let note = style.muted().pos(Pos::new(HPos::Center, VPos::Center));
        body.draw_text(reason, &note, (w as i32 / 2, h as i32 / 2))?;
        Ok(())
    });
    match drawn {
        Ok(()) => ChartError::NoData(reason),
        Err(err) => err,
    }
}

/// Draws grid lines, axes and tick labels in the theme's colours.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: &ChartStyle,
    x_desc: &str,
    y_desc: &str,
    x_grid: bool,
    y_grid: bool,
    ticks: (usize, usize),
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let grid = ShapeStyle::from(&style.grid).stroke_width(1);
    let axis = ShapeStyle::from(&mix(style.text, 0.45)).stroke_width(1);
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(grid)
        .light_line_style(TRANSPARENT)
        .axis_style(axis)
        .label_style(style.label())
        .axis_desc_style(style.muted())
        .x_labels(ticks.0)
        .y_labels(ticks.1)
        .set_all_tick_mark_size(4);
    if !x_desc.is_empty() {
        mesh.x_desc(x_desc);
    }
    if !y_desc.is_empty() {
        mesh.y_desc(y_desc);
    }
    if !x_grid {
        mesh.disable_x_mesh();
    }
    if !y_grid {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    Ok(())
}

/// Draws marks in backend pixels, clipped to the plot rectangle. Lines are thin filled
/// rectangles rather than strokes: on a canvas a 1px stroke on integer coordinates is
/// smeared over two half-tone pixels, while a filled rectangle keeps the exact colour.
pub(crate) struct Painter<DB: DrawingBackend> {
    screen: DrawingArea<DB, Shift>,
    clip: (i32, i32, i32, i32),
}

impl<DB: DrawingBackend> Painter<DB> {
    /// A painter over the plotting area of `chart`.
    pub(crate) fn new<X: Ranged, Y: Ranged>(
        chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    ) -> Self {
        let plot = chart.plotting_area();
        let (x0, y0) = plot.get_base_pixel();
        let (w, h) = plot.dim_in_pixel();
        Painter {
            screen: plot.use_screen_coord(),
            clip: (x0, y0, x0 + w as i32, y0 + h as i32),
        }
    }

    /// Left, top, right, bottom of the plot in backend pixels.
    pub(crate) fn clip(&self) -> (i32, i32, i32, i32) {
        self.clip
    }

    /// A filled rectangle between two corners (any order), clipped.
    pub(crate) fn rect(
        &self,
        a: (i32, i32),
        b: (i32, i32),
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let (cx0, cy0, cx1, cy1) = self.clip;
        let x0 = a.0.min(b.0).max(cx0);
        let x1 = a.0.max(b.0).min(cx1);
        let y0 = a.1.min(b.1).max(cy0);
        let y1 = a.1.max(b.1).min(cy1);
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        self.screen
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))?;
        Ok(())
    }

    /// A horizontal line `thickness` pixels thick centred on row `y`.
    pub(crate) fn hline(
        &self,
        x0: i32,
        x1: i32,
        y: i32,
        thickness: i32,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let top = y - thickness / 2;
        self.rect((x0.min(x1), top), (x0.max(x1) + 1, top + thickness), color)
    }

    /// A vertical line `thickness` pixels thick centred on column `x`.
    pub(crate) fn vline(
        &self,
        x: i32,
        y0: i32,
        y1: i32,
        thickness: i32,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let left = x - thickness / 2;
        self.rect(
            (left, y0.min(y1)),
            (left + thickness, y0.max(y1) + 1),
            color,
        )
    }

    /// The outline of a rectangle, drawn inside its bounds.
    pub(crate) fn frame(
        &self,
        a: (i32, i32),
        b: (i32, i32),
        thickness: i32,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        let t = thickness
            .min((x1 - x0 + 1) / 2)
            .min((y1 - y0 + 1) / 2)
            .max(1);
        self.rect((x0, y0), (x1, y0 + t), color)?;
        self.rect((x0, y1 - t), (x1, y1), color)?;
        self.rect((x0, y0 + t), (x0 + t, y1 - t), color)?;
        self.rect((x1 - t, y0 + t), (x1, y1 - t), color)
    }

    /// A filled circle, skipped when its centre lies outside the plot.
    pub(crate) fn dot(
        &self,
        center: (i32, i32),
        radius: u32,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let (cx0, cy0, cx1, cy1) = self.clip;
        if center.0 < cx0 || center.0 > cx1 || center.1 < cy0 || center.1 > cy1 {
            return Ok(());
        }
        self.screen
            .draw(&Circle::new(center, radius, color.filled()))?;
        Ok(())
    }

    /// A polyline with its points held inside the plot.
    pub(crate) fn polyline(
        &self,
        points: Vec<(i32, i32)>,
        width: u32,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        if points.len() < 2 {
            return Ok(());
        }
        let (cx0, cy0, cx1, cy1) = self.clip;
        let points: Vec<(i32, i32)> = points
            .into_iter()
            .map(|(x, y)| (x.clamp(cx0, cx1), y.clamp(cy0, cy1)))
            .collect();
        self.screen
            .draw(&PathElement::new(points, color.stroke_width(width)))?;
        Ok(())
    }

    /// Text at a backend pixel position (not clipped: labels may sit in the margins).
    pub(crate) fn text(
        &self,
        text: &str,
        style: &TextStyle,
        at: (i32, i32),
    ) -> Result<(), ChartError> {
        // `draw_text` offsets by the area's corner, unlike `draw`, which honours the
        // screen coordinate spec; undo the offset so both take backend pixels.
        self.screen
            .draw_text(text, style, (at.0 - self.clip.0, at.1 - self.clip.1))?;
        Ok(())
    }
}
