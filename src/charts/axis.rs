//! Axes the charts share: a numeric axis with readable ticks (linear or log10), a time
//! axis and a category axis, each one [`Axis`] over its own [`Scale`]. Hand-written over
//! plotters' `Ranged` because its built-in f64 axis labels ticks with `{:?}` ("35000.0")
//! and its log axis does not format real values.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::labels::{format_tick, format_value};
use crate::core::time::calendar::days_from_civil;
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
    /// Values are epoch seconds: ticks fall on calendar boundaries, labels read as dates.
    dates: bool,
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
                dates: false,
            },
        }
    }

    /// An axis over `lo..hi` epoch seconds (UTC) with ticks on whole days, months or
    /// years and labels written as dates, for datetime columns.
    pub(crate) fn dates(lo: f64, hi: f64, max_ticks: usize) -> Self {
        let mut axis = ValueAxis::new(lo, hi, false, max_ticks);
        axis.scale.dates = true;
        axis
    }
}

impl Scale for ValueScale {
    fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        if self.dates {
            return CalendarStep::pick(lo, hi, self.max_ticks).ticks(lo, hi);
        }
        if self.log {
            self.log_ticks(lo, hi)
        } else {
            linear_ticks(lo, hi, self.max_ticks)
        }
    }

    fn label(&self, lo: f64, hi: f64, v: f64) -> String {
        if self.dates {
            return CalendarStep::pick(lo, hi, self.max_ticks).label(v);
        }
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

/// The spacing of date ticks: a clock step under a day, else whole days, months or years,
/// so ticks land on midnights, month starts and new years (UTC).
#[derive(Debug, Clone, Copy, PartialEq)]
enum CalendarStep {
    Seconds(i64),
    Days(i64),
    Months(i64),
    Years(i64),
}

impl CalendarStep {
    /// The finest step giving at most `max_ticks` ticks over `lo..hi` epoch seconds.
    fn pick(lo: f64, hi: f64, max_ticks: usize) -> CalendarStep {
        use CalendarStep::*;
        const STEPS: [CalendarStep; 22] = [
            Seconds(60),
            Seconds(300),
            Seconds(900),
            Seconds(1800),
            Seconds(3600),
            Seconds(7200),
            Seconds(21600),
            Seconds(43200),
            Days(1),
            Days(2),
            Days(7),
            Days(14),
            Months(1),
            Months(2),
            Months(3),
            Months(6),
            Years(1),
            Years(2),
            Years(5),
            Years(10),
            Years(20),
            Years(50),
        ];
        let span = hi - lo;
        let fits = |s: &CalendarStep| span / s.approx_seconds() <= max_ticks.max(1) as f64;
        STEPS.iter().copied().find(fits).unwrap_or_else(|| {
            let years = (span / Years(1).approx_seconds() / max_ticks.max(1) as f64).ceil();
            Years(((years / 100.0).ceil() * 100.0) as i64)
        })
    }

    fn approx_seconds(self) -> f64 {
        match self {
            CalendarStep::Seconds(s) => s as f64,
            CalendarStep::Days(d) => d as f64 * 86_400.0,
            CalendarStep::Months(m) => m as f64 * 30.44 * 86_400.0,
            CalendarStep::Years(y) => y as f64 * 365.25 * 86_400.0,
        }
    }

    fn ticks(self, lo: f64, hi: f64) -> Vec<f64> {
        if !(lo.is_finite() && hi.is_finite()) {
            return Vec::new();
        }
        let inside = |t: &f64| *t >= lo && *t <= hi;
        let day = |y: i64, m: u32| days_from_civil(y, m, 1) as f64 * 86_400.0;
        let start = Civil::from_epoch_seconds(lo.floor() as i64);
        let ticks: Vec<f64> = match self {
            CalendarStep::Seconds(s) => {
                let first = (lo / s as f64).ceil() as i64;
                (first..first + 400).map(|k| (k * s) as f64).collect()
            }
            CalendarStep::Days(d) => {
                // Weeks start on Mondays (epoch day 4, 1970-01-05, was one).
                let offset = if d % 7 == 0 { 4 } else { 0 };
                let first = ((lo / 86_400.0).ceil() as i64 - offset).div_euclid(d) * d + offset;
                (first..first + 400 * d)
                    .step_by(d as usize)
                    .map(|day| (day * 86_400) as f64)
                    .collect()
            }
            CalendarStep::Months(k) => {
                let first = start.year * 12 + i64::from(start.month) - 1;
                (first..first + 400 * k)
                    .filter(|m| m.rem_euclid(k) == 0)
                    .map(|m| day(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32))
                    .collect()
            }
            CalendarStep::Years(k) => (start.year..start.year + 400 * k)
                .filter(|y| y.rem_euclid(k) == 0)
                .map(|y| day(y, 1))
                .collect(),
        };
        ticks
            .into_iter()
            .skip_while(|t| *t < lo)
            .take_while(|t| *t <= hi)
            .filter(inside)
            .collect()
    }

    fn label(self, v: f64) -> String {
        if !v.is_finite() {
            return String::new();
        }
        let c = Civil::from_epoch_seconds(v.round() as i64);
        match self {
            CalendarStep::Seconds(_) => format!("{} {:02}:{:02}", c.date(), c.hour, c.minute),
            CalendarStep::Days(_) => c.date(),
            CalendarStep::Months(_) => format!("{:04}-{:02}", c.year, c.month),
            CalendarStep::Years(_) => format!("{:04}", c.year),
        }
    }
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
    fn date_axes_tick_on_calendar_boundaries_and_read_as_dates() {
        // 2023-01-15 .. 2024-03-10: month or quarter starts, labelled YYYY-MM.
        let lo = 1_673_740_800.0;
        let hi = 1_710_028_800.0;
        let a = ValueAxis::dates(lo, hi, 6);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        assert!(labels.len() >= 3 && labels.len() <= 6, "{labels:?}");
        assert!(
            labels.iter().all(|l| l.len() == 7 && l.starts_with("202")),
            "{labels:?}"
        );
        assert!(!labels.iter().any(|l| l.contains('G') || l.contains('M')));
        // Ten years: whole years.
        let a = ValueAxis::dates(946_684_800.0, 1_262_304_000.0, 6);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        assert_eq!(labels, ["2000", "2002", "2004", "2006", "2008", "2010"]);
        // Three weeks: days.
        let a = ValueAxis::dates(1_709_251_200.0, 1_709_251_200.0 + 21.0 * 86_400.0, 4);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        // Weekly ticks on Mondays: 2024-03-04, 03-11, 03-18.
        assert_eq!(labels, ["2024-03-04", "2024-03-11", "2024-03-18"]);
        // One day: clock times with the date.
        let a = ValueAxis::dates(1_709_251_200.0, 1_709_251_200.0 + 86_400.0, 5);
        assert_eq!(a.label(a.ticks()[1]), "2024-03-01 06:00");
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
