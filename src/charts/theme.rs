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
    /// Text that warns (a rate ratio whose interval lies above 1): red, at least 4.5:1
    /// against the background like every other text colour.
    pub alarm: RGBColor,
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
            alarm: RGBColor(0xcf, 0x22, 0x2e),
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
            alarm: RGBColor(0xff, 0x7b, 0x72),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2.1 relative luminance of an sRGB colour.
    fn luminance(c: RGBColor) -> f64 {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
    }

    fn contrast(a: RGBColor, b: RGBColor) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// A translucent text colour as it lands on the chart background.
    fn over(c: RGBAColor, bg: RGBColor) -> RGBColor {
        let m = |f: u8, b: u8| (c.3 * f64::from(f) + (1.0 - c.3) * f64::from(b)).round() as u8;
        RGBColor(m(c.0, bg.0), m(c.1, bg.1), m(c.2, bg.2))
    }

    #[test]
    fn every_text_colour_reads_at_4_5_to_1_in_both_themes() {
        for (name, s) in [("light", ChartStyle::light()), ("dark", ChartStyle::dark())] {
            let bg = s.background;
            let texts = [
                ("text", s.text),
                ("muted", over(mix(s.text, 0.72), bg)),
                ("alarm", s.alarm),
            ];
            for (what, c) in texts {
                let r = contrast(c, bg);
                assert!(
                    r >= 4.5,
                    "{name} theme: {what} text {c:?} on {bg:?} is {r:.2}:1"
                );
            }
        }
    }
}
