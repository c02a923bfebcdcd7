//! Axes the charts share: a numeric axis with readable ticks (linear or log10), a time
//! axis and a category axis, each one [`Axis`] over its own [`Scale`]. Hand-written over
//! plotters' `Ranged` because its built-in f64 axis labels ticks with `{:?}` ("35000.0")
//! and its log axis does not format real values.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::labels::{format_tick, format_value};
use crate::core::time::{format_short_clock, Civil};

/// Maps `v` in `lo..hi` onto the pixel range; values far outside are clamped so the
/// pixel arithmetic can never overflow.
fn map_linear(v: f64, lo: f64, hi: f64, pixels: (i32, i32)) -> i32 {
    let frac = if v.is_finite() {
        ((v - lo) / (hi - lo)).clamp(-4.0, 5.0)
    } else {
        0.0
    };
    let size = f64::from(pixels.1 - pixels.0);
    pixels.0 + (frac * size).round() as i32
}

/// A range that is finite and not empty: constant data gets room around its one value.
pub(crate) fn usable_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    let scale = lo.abs().max(hi.abs());
    if hi - lo > scale * 1e-9 && hi - lo > f64::MIN_POSITIVE * 1e3 {
        return (lo, hi);
    }
    let half = if scale > 0.0 { scale * 0.1 } else { 0.5 };
    (lo - half, hi + half)
}

/// `lo..hi` widened by `frac` of its span on each side.
pub(crate) fn padded_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let (lo, hi) = usable_range(lo, hi);
    let pad = (hi - lo) * frac;
    (lo - pad, hi + pad)
}

/// What sets one kind of axis apart: where its ticks fall and how they read. Everything
/// else (mapping to pixels, plotters' traits) is [`Axis`]'s, written once.
pub(crate) trait Scale {
    /// Tick positions in axis units on an axis over `lo..hi`.
    fn ticks(&self, lo: f64, hi: f64) -> Vec<f64>;
    /// The label of a tick at `v` on an axis over `lo..hi`.
    fn label(&self, lo: f64, hi: f64, v: f64) -> String;
}

/// An axis over `lo..hi` (axis units) whose ticks and labels come from a [`Scale`]. A
/// wrapper rather than a blanket `impl<S: Scale> Ranged for S`: `Ranged` and
/// `ValueFormatter` are plotters' traits, and the orphan rule forbids implementing a
/// foreign trait for every type of a local bound.
#[derive(Debug, Clone)]
pub(crate) struct Axis<S> {
    lo: f64,
    hi: f64,
    scale: S,
}

impl<S: Scale> Axis<S> {
    /// Tick positions in axis units.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        self.scale.ticks(self.lo, self.hi)
    }

    /// The tick label of a value in axis units.
    pub(crate) fn label(&self, v: f64) -> String {
        self.scale.label(self.lo, self.hi, v)
    }
}

impl<S: Scale> Ranged for Axis<S> {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        map_linear(*value, self.lo, self.hi, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            return Vec::new();
        }
        self.ticks()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl<S: Scale> ValueFormatter<f64> for Axis<S> {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// A numeric axis in axis units: the value itself, or its log10 when `log`.
pub(crate) type ValueAxis = Axis<ValueScale>;

/// Ticks and labels of a numeric axis.
#[derive(Debug, Clone)]
pub(crate) struct ValueScale {
    log: bool,
    max_ticks: usize,
}

impl ValueAxis {
    /// An axis over `lo..hi` (axis units) with at most `max_ticks` labelled ticks.
    pub(crate) fn new(lo: f64, hi: f64, log: bool, max_ticks: usize) -> Self {
        let (lo, hi) = usable_range(lo, hi);
        Axis {
            lo,
            hi,
            scale: ValueScale {
                log,
                max_ticks: max_ticks.clamp(2, 40),
            },
        }
    }
}

impl Scale for ValueScale {
    fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        if self.log {
            self.log_ticks(lo, hi)
        } else {
            linear_ticks(lo, hi, self.max_ticks)
        }
    }

    fn label(&self, lo: f64, hi: f64, v: f64) -> String {
        if self.log {
            format_value(10f64.powf(v))
        } else {
            let step = nice_step((hi - lo) / self.max_ticks as f64);
            format_tick(v, step, lo.abs().max(hi.abs()))
        }
    }
}

impl ValueScale {
    /// Decades; or 1-2-5 within them; or every integer multiple; whichever is the richest
    /// set that fits. Narrow ranges (less than a few multiples) fall back to linear ticks
    /// of the real values, placed on the log axis.
    fn log_ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        let first = lo.floor() as i64;
        let last = hi.ceil() as i64;
        let decades = (last - first).max(1) as usize;
        if decades > self.max_ticks {
            let every = decades.div_ceil(self.max_ticks) as i64;
            return (first..=last)
                .filter(|d| d.rem_euclid(every) == 0)
                .map(|d| d as f64)
                .filter(|&t| t >= lo && t <= hi)
                .collect();
        }
        let mut best: Vec<f64> = Vec::new();
        for mults in [
            &[1.0][..],
            &[1.0, 2.0, 5.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        ] {
            let ticks: Vec<f64> = (first..=last)
                .flat_map(|d| mults.iter().map(move |m| d as f64 + f64::log10(*m)))
                .filter(|&t| t >= lo - 1e-9 && t <= hi + 1e-9)
                .collect();
            if ticks.len() > self.max_ticks {
                break;
            }
            best = ticks;
        }
        if best.len() >= 3 {
            return best;
        }
        let (real_lo, real_hi) = (10f64.powf(lo), 10f64.powf(hi));
        linear_ticks(real_lo, real_hi, self.max_ticks.min(6))
            .into_iter()
            .filter(|&t| t > 0.0)
            .map(f64::log10)
            .collect()
    }
}

fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| n >= norm - 1e-9)
        .unwrap_or(10.0);
    nice * mag
}

fn linear_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    let step = nice_step((hi - lo) / max_ticks.max(1) as f64);
    let start = (lo / step).ceil();
    (0..=max_ticks * 3 + 2)
        .map(|i| (start + i as f64) * step)
        .take_while(|&t| t <= hi + step * 1e-9)
        .collect()
}

/// Seconds from which a time is read as epoch seconds (a clock time, 1970-04-26 on)
/// rather than stream time since 0:00:00.
pub const EPOCH_FROM_S: f64 = 1e7;

/// Tick steps of a time axis, seconds: 1-2-5-10-15-30 s, then minutes, hours and days.
const TIME_STEPS: [f64; 19] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    10800.0, 21600.0, 43200.0, 86400.0, 604800.0,
];

/// A time axis over `lo..hi` seconds with ticks at round clock times and labels as
/// clocks: `m:ss` / `h:mm:ss` of stream time, or the UTC time of day of epoch seconds
/// (with the date when the view spans days).
pub(crate) type TimeAxis = Axis<TimeScale>;

/// Ticks and labels of a time axis: its tick step in seconds.
#[derive(Debug, Clone)]
pub(crate) struct TimeScale {
    step: f64,
}

impl TimeAxis {
    /// An axis over `lo..hi` seconds with at most `max_ticks` labelled ticks.
    pub(crate) fn new(lo: f64, hi: f64, max_ticks: usize) -> Self {
        let (lo, hi) = usable_range(lo, hi);
        let raw = (hi - lo) / max_ticks.clamp(2, 40) as f64;
        let step = TIME_STEPS
            .iter()
            .copied()
            .find(|&s| s >= raw)
            .unwrap_or_else(|| (raw / 604_800.0).ceil() * 604_800.0);
        Axis {
            lo,
            hi,
            scale: TimeScale { step },
        }
    }

    /// Whether labels are epoch clock times (else stream time).
    pub(crate) fn is_epoch(&self) -> bool {
        self.lo >= EPOCH_FROM_S
    }
}

impl Scale for TimeScale {
    fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        let first = (lo / self.step).ceil() as i64;
        let last = (hi / self.step).floor() as i64;
        (first..=last.min(first + 200))
            .map(|k| k as f64 * self.step)
            .collect()
    }

    fn label(&self, lo: f64, hi: f64, t: f64) -> String {
        let s = t.round() as i64;
        if lo >= EPOCH_FROM_S {
            let c = Civil::from_epoch_seconds(s);
            let (month, day, h, m) = (c.month, c.day, c.hour, c.minute);
            if self.step >= 86_400.0 {
                format!("{month:02}-{day:02}")
            } else if hi - lo > 86_400.0 {
                format!("{month:02}-{day:02} {h:02}:{m:02}")
            } else if self.step < 60.0 {
                format!("{h:02}:{m:02}:{:02}", c.second)
            } else {
                format!("{h:02}:{m:02}")
            }
        } else {
            format_short_clock(s)
        }
    }
}

/// A category axis: slot `i` spans `i..i + 1`, labelled at its centre.
pub(crate) type CategoryAxis = Axis<CategoryScale>;

/// Ticks and labels of a category axis: one label per slot, in order from the origin.
#[derive(Debug, Clone)]
pub(crate) struct CategoryScale {
    labels: Vec<String>,
}

impl CategoryAxis {
    /// One slot per label, in order from the axis origin.
    pub(crate) fn new(labels: Vec<String>) -> Self {
        Axis {
            lo: 0.0,
            hi: labels.len().max(1) as f64,
            scale: CategoryScale { labels },
        }
    }
}

impl Scale for CategoryScale {
    fn ticks(&self, _lo: f64, _hi: f64) -> Vec<f64> {
        (0..self.labels.len()).map(|i| i as f64 + 0.5).collect()
    }

    fn label(&self, _lo: f64, _hi: f64, v: f64) -> String {
        let slot = v.floor();
        if slot >= 0.0 && (slot as usize) < self.labels.len() {
            self.labels[slot as usize].clone()
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_axis_ticks_fall_on_round_clock_times() {
        // Five minutes of stream time: ticks every minute, labelled m:ss.
        let a = TimeAxis::new(95.0, 395.0, 6);
        assert_eq!(a.ticks(), vec![120.0, 180.0, 240.0, 300.0, 360.0]);
        assert_eq!(a.label(120.0), "2:00");
        assert_eq!(TimeAxis::new(0.0, 7200.0, 4).label(5400.0), "1:30:00");
        // Epoch seconds: UTC time of day; the date once the view spans days.
        let e = TimeAxis::new(1_793_491_200.0, 1_793_491_200.0 + 3600.0, 6);
        assert!(e.is_epoch());
        assert_eq!(e.label(1_793_491_200.0 + 600.0), "00:10");
        let days = TimeAxis::new(1_793_491_200.0, 1_793_491_200.0 + 3.0 * 86_400.0, 4);
        assert_eq!(days.label(1_793_491_200.0 + 86_400.0), "11-02");
    }

    #[test]
    fn every_axis_kind_maps_and_labels_through_plotters_alike() {
        use plotters::coord::ranged1d::BoldPoints;
        fn check<S: Scale>(axis: &Axis<S>, lo: f64, hi: f64) {
            assert_eq!(axis.range(), lo..hi);
            assert_eq!(axis.map(&lo, (10, 110)), 10);
            assert_eq!(axis.map(&hi, (10, 110)), 110);
            assert_eq!(axis.map(&((lo + hi) / 2.0), (10, 110)), 60);
            // Far-off and NaN values stay on the canvas's integer grid.
            assert!(axis.map(&f64::MAX, (10, 110)) <= 10 + 5 * 100);
            assert_eq!(axis.map(&f64::NAN, (10, 110)), 10);
            let ticks = axis.key_points(BoldPoints(10));
            assert!(!ticks.is_empty());
            assert_eq!(ticks, axis.ticks());
            assert!(axis.key_points(BoldPoints(0)).is_empty());
            for t in &ticks {
                assert!(*t >= lo && *t <= hi, "{t} outside {lo}..{hi}");
                assert_eq!(axis.format_ext(t), axis.label(*t));
                assert!(!axis.label(*t).is_empty());
            }
        }
        check(&ValueAxis::new(0.0, 50.0, false, 6), 0.0, 50.0);
        check(&ValueAxis::new(0.0, 3.0, true, 6), 0.0, 3.0);
        check(&TimeAxis::new(0.0, 600.0, 6), 0.0, 600.0);
        let slots = CategoryAxis::new(vec!["a".into(), "b".into()]);
        check(&slots, 0.0, 2.0);
        assert_eq!(slots.label(1.5), "b");
        assert_eq!(slots.label(2.5), "");
    }

    #[test]
    fn constant_data_gets_a_usable_range() {
        let (lo, hi) = usable_range(5.0, 5.0);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = usable_range(0.0, 0.0);
        assert!(lo < 0.0 && hi > 0.0);
        let (lo, hi) = usable_range(f64::NAN, f64::INFINITY);
        assert!(lo.is_finite() && hi.is_finite() && lo < hi);
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        let axis = ValueAxis::new(1438.3, 34516.0, false, 8);
        let ticks = axis.ticks();
        assert!(ticks.len() >= 3 && ticks.len() <= 9, "{ticks:?}");
        assert!(ticks.iter().all(|t| *t >= 1438.3 && *t <= 34516.0));
        assert_eq!(axis.label(ticks[0]), "5,000");
    }

    #[test]
    fn log_ticks_show_real_values() {
        let axis = ValueAxis::new(0.0, 6.0, true, 10);
        let labels: Vec<String> = axis.ticks().iter().map(|t| axis.label(*t)).collect();
        assert_eq!(labels.first().map(String::as_str), Some("1"));
        assert!(labels.contains(&"1,000".to_string()), "{labels:?}");
        assert_eq!(labels.last().map(String::as_str), Some("1M"));
        // A narrow log range still gets several ticks.
        let narrow = ValueAxis::new(2.0, 2.2, true, 8);
        assert!(narrow.ticks().len() >= 3, "{:?}", narrow.ticks());
    }
}
