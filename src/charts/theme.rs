//! Chart colours and fonts for the light and dark page themes.

use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBAColor, RGBColor, TextStyle};

/// Colours and font for one theme; the page passes light or dark to match its CSS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartStyle {
    /// Fill behind the whole chart.
    pub background: RGBColor,
    /// Titles, tick labels, medians.
    pub text: RGBColor,
    /// Grid lines, axis lines and the "other" bar.
    pub grid: RGBColor,
    /// Bars and boxes.
    pub accent: RGBColor,
    /// KDE curve.
    pub density: RGBColor,
    /// Outlier points.
    pub outlier: RGBColor,
    /// Scatter points.
    pub point: RGBColor,
    /// CSS font family of every text.
    pub font: &'static str,
    /// Size in pixels of tick labels; titles are drawn a little larger.
    pub font_size: u32,
}

impl ChartStyle {
    /// The light theme (GitHub Primer light palette).
    pub fn light() -> Self {
        ChartStyle {
            background: RGBColor(0xff, 0xff, 0xff),
            text: RGBColor(0x1f, 0x23, 0x28),
            grid: RGBColor(0xd8, 0xde, 0xe4),
            accent: RGBColor(0x09, 0x69, 0xda),
            density: RGBColor(0xd1, 0x24, 0x2f),
            outlier: RGBColor(0x82, 0x50, 0xdf),
            point: RGBColor(0x09, 0x69, 0xda),
            font: "sans-serif",
            font_size: 13,
        }
    }

    /// The dark theme (GitHub Primer dark palette).
    pub fn dark() -> Self {
        ChartStyle {
            background: RGBColor(0x0d, 0x11, 0x17),
            text: RGBColor(0xe6, 0xed, 0xf3),
            grid: RGBColor(0x30, 0x36, 0x3d),
            accent: RGBColor(0x58, 0xa6, 0xff),
            density: RGBColor(0xff, 0x7b, 0x72),
            outlier: RGBColor(0xd2, 0xa8, 0xff),
            point: RGBColor(0x58, 0xa6, 0xff),
            font: "sans-serif",
            font_size: 13,
        }
    }

    /// Font size in pixels, never below a legible minimum.
    pub(crate) fn size(&self) -> f64 {
        f64::from(self.font_size.max(8))
    }

    /// Tick labels and other plain text.
    pub(crate) fn label(&self) -> TextStyle<'static> {
        self.text_style(self.size(), FontStyle::Normal, self.text.into())
    }

    /// Secondary text (subtitles, counts at bar ends): the text colour, softened.
    pub(crate) fn muted(&self) -> TextStyle<'static> {
        self.text_style(self.size() - 1.0, FontStyle::Normal, mix(self.text, 0.72))
    }

    /// The chart title.
    pub(crate) fn title(&self) -> TextStyle<'static> {
        self.text_style(self.size() + 3.0, FontStyle::Bold, self.text.into())
    }

    fn text_style(&self, size: f64, style: FontStyle, color: RGBAColor) -> TextStyle<'static> {
        // Set the field directly: `TextStyle::color` wants a borrow as long as the style.
        let mut text = TextStyle::from(FontDesc::new(FontFamily::Name(self.font), size, style));
        text.color = color.to_backend_color();
        text
    }
}

impl Default for ChartStyle {
    fn default() -> Self {
        ChartStyle::light()
    }
}

/// `color` at the given opacity.
pub(crate) fn mix(color: RGBColor, alpha: f64) -> RGBAColor {
    RGBAColor(color.0, color.1, color.2, alpha)
}
