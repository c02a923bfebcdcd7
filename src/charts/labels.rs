//! Text shown on charts: numbers a person can read at a glance, and category labels made
//! safe and short enough to draw.

use crate::core::text::group_digits;

/// Longest category label drawn before it is cut with an ellipsis.
pub const MAX_LABEL_CHARS: usize = 28;

/// A count with thousands separators: `10127` becomes "10,127".
pub fn format_count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// What the values on a chart's value axis are: plain numbers, or instants in epoch
/// seconds (a datetime column) that are written as UTC dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Units {
    /// Plain numbers.
    #[default]
    Number,
    /// Epoch seconds, shown as dates.
    Date,
}

impl Units {
    /// One value as text: [`format_value`], or `YYYY-MM-DD` (with the time of day when
    /// it is not midnight) for dates.
    pub fn text(self, v: f64) -> String {
        match self {
            Units::Number => format_value(v),
            Units::Date if !v.is_finite() => String::new(),
            Units::Date => {
                let secs = v.round() as i64;
                let c = crate::core::time::Civil::from_epoch_seconds(secs);
                if secs.rem_euclid(86_400) == 0 {
                    c.date()
                } else {
                    c.date_time(' ')
                }
            }
        }
    }

    /// A distance on the axis (a bin width) as text: days, hours or seconds for dates.
    pub fn span(self, d: f64) -> String {
        match self {
            Units::Number => format_value(d),
            Units::Date => {
                let plural = |n: f64, unit: &str| {
                    let text = format_value(n);
                    if text == "1" {
                        format!("1 {unit}")
                    } else {
                        format!("{text} {unit}s")
                    }
                };
                if d >= 86_400.0 {
                    plural(d / 86_400.0, "day")
                } else if d >= 3600.0 {
                    plural(d / 3600.0, "hour")
                } else {
                    plural(d, "second")
                }
            }
        }
    }
}

/// A number shown on its own (a median, a bandwidth): four significant digits,
/// thousands separators, and SI suffixes from a million up ("1.23M").
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let abs = v.abs();
    if abs >= 1e6 {
        let (unit, suffix) = si_unit(abs);
        return format!("{}{}", trim_zeros(&format!("{:.2}", v / unit)), suffix);
    }
    if abs >= 1000.0 {
        return signed(group_digits(&format!("{:.0}", abs)), v);
    }
    if abs == 0.0 {
        return "0".to_string();
    }
    if abs < 1e-4 {
        return format!("{:.2e}", v);
    }
    let decimals = (3 - abs.log10().floor() as i32).clamp(0, 8) as usize;
    let text = trim_zeros(&format!("{:.*}", decimals, abs));
    if text == "0" {
        text
    } else {
        signed(text, v)
    }
}

/// A tick label on a linear axis whose ticks are `step` apart and whose largest absolute
/// value is `max_abs`; all ticks of one axis share one unit so they line up ("0.5M", "1M").
pub fn format_tick(v: f64, step: f64, max_abs: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if !(step.is_finite() && step > 0.0) {
        return format_value(v);
    }
    // Snap float noise such as 1e-17 to a clean zero.
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    if max_abs >= 1e6 {
        let (unit, suffix) = si_unit(max_abs);
        let text = format!("{:.*}", decimals_for(step / unit), v / unit);
        return if v == 0.0 {
            "0".to_string()
        } else {
            format!("{text}{suffix}")
        };
    }
    if max_abs > 0.0 && max_abs < 1e-3 {
        return if v == 0.0 {
            "0".to_string()
        } else {
            format!("{:.1e}", v)
        };
    }
    let text = format!("{:.*}", decimals_for(step), v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = group_digits(int);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A category label made safe to draw: control characters become spaces, an empty label
/// reads "(empty)", and anything over `max` characters is cut with an ellipsis.
pub fn clean_label(label: &str, max: usize) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        return "(empty)".to_string();
    }
    let max = max.max(2);
    if trimmed.chars().count() <= max {
        trimmed.to_string()
    } else {
        let mut cut: String = trimmed.chars().take(max - 1).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        cut
    }
}

/// Fewest decimals that show `step` exactly (0.25 needs 2, 500 needs 0).
fn decimals_for(step: f64) -> usize {
    (0..=10)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() <= 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(10)
}

fn si_unit(abs: f64) -> (f64, &'static str) {
    if abs >= 1e15 {
        (1e15, "P")
    } else if abs >= 1e12 {
        (1e12, "T")
    } else if abs >= 1e9 {
        (1e9, "G")
    } else {
        (1e6, "M")
    }
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

fn signed(text: String, v: f64) -> String {
    if v < 0.0 {
        format!("-{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(10127), "10,127");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

    #[test]
    fn ticks_share_a_unit_and_show_the_step() {
        assert_eq!(format_tick(5000.0, 5000.0, 35000.0), "5,000");
        assert_eq!(format_tick(0.25, 0.25, 1.0), "0.25");
        assert_eq!(format_tick(1_500_000.0, 500_000.0, 3e6), "1.5M");
        assert_eq!(format_tick(1e-17, 0.5, 3.0), "0.0");
        assert_eq!(format_tick(-2000.0, 1000.0, 3000.0), "-2,000");
        assert_eq!(format_tick(f64::NAN, 1.0, 1.0), "");
    }

    #[test]
    fn values_are_short() {
        assert_eq!(format_value(1.99999), "2");
        assert_eq!(format_value(34516.0), "34,516");
        assert_eq!(format_value(-0.0123456), "-0.01235");
        assert_eq!(format_value(1_234_567.0), "1.23M");
        assert_eq!(format_value(f64::INFINITY), "");
    }

    #[test]
    fn labels_are_cut_and_cleaned() {
        assert_eq!(clean_label("$60K - $80K", 28), "$60K - $80K");
        assert_eq!(clean_label("a\nb", 28), "a b");
        assert_eq!(clean_label("   ", 28), "(empty)");
        let long = "x".repeat(100);
        let cut = clean_label(&long, 28);
        assert_eq!(cut.chars().count(), 28);
        assert!(cut.ends_with('…'));
    }
}
