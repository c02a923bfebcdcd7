//! The forecast model: recovery of known trend and seasonality, period detection, band
//! coverage, robustness, and the awkward inputs (constant, tiny, NaN, irregular, huge scale).

use pipescope::core::forecast::{detect_period, FitError, Model, Periods};
use pipescope::core::rng::SplitMix64;

const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// Trend with a kink, daily and weekly cycles: the shape of a busy service's traffic.
fn truth(t: f64) -> f64 {
    let days = t / DAY;
    let trend = 100.0
        + 0.8 * days
        + if days > 30.0 {
            0.6 * (days - 30.0)
        } else {
            0.0
        };
    trend
        + 12.0 * (2.0 * std::f64::consts::PI * t / DAY).sin()
        + 4.0 * (4.0 * std::f64::consts::PI * t / DAY).cos()
        + 6.0 * (2.0 * std::f64::consts::PI * t / (7.0 * DAY)).sin()
}

fn hourly(days: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let t: Vec<f64> = (0..days * 24).map(|i| 1.7e9 + i as f64 * HOUR).collect();
    let y = t
        .iter()
        .map(|&t| truth(t - 1.7e9) + noise * rng.normal())
        .collect();
    (t, y)
}

#[test]
fn recovers_trend_and_daily_weekly_seasonality_on_held_out_data() {
    let (t, y) = hourly(70, 2.0, 1);
    let split = 60 * 24;
    let m = Model::new().fit(&t[..split], &y[..split]).unwrap();
    let periods: Vec<f64> = m.seasonalities().iter().map(|s| s.period_s).collect();
    assert!(periods.contains(&DAY), "daily term missing: {periods:?}");
    assert!(
        periods.contains(&(7.0 * DAY)),
        "weekly term missing: {periods:?}"
    );
    let mae: f64 = t[split..]
        .iter()
        .map(|&ti| (m.predict(ti).expected - truth(ti - 1.7e9)).abs())
        .sum::<f64>()
        / (t.len() - split) as f64;
    // Noise σ is 2 and the seasonal swing ±22: a model that missed any component would be
    // off by several units.
    assert!(mae < 1.5, "held-out MAE against the true function: {mae}");
}

#[test]
fn trend_follows_a_changepoint() {
    let mut rng = SplitMix64::new(3);
    let t: Vec<f64> = (0..1000).map(|i| i as f64 * 60.0).collect();
    let f = |t: f64| {
        if t < 30_000.0 {
            t / 1000.0
        } else {
            30.0 + 4.0 * (t - 30_000.0) / 1000.0
        }
    };
    let y: Vec<f64> = t.iter().map(|&t| f(t) + 0.5 * rng.normal()).collect();
    let m = Model::new()
        .with_periods(Periods::Off)
        .fit(&t[..800], &y[..800])
        .unwrap();
    for &ti in &t[800..] {
        let e = m.predict(ti).expected;
        assert!((e - f(ti)).abs() < 4.0, "at {ti}: {e} vs {}", f(ti));
    }
}

#[test]
fn period_detection_finds_the_true_period() {
    let mut rng = SplitMix64::new(5);
    // A triangle wave of period 60 s sampled every 2 s, as the simulator makes.
    let t: Vec<f64> = (0..600).map(|i| i as f64 * 2.0).collect();
    let tri = |t: f64| {
        let ph = (t % 60.0) / 60.0;
        if ph < 0.5 {
            ph * 2.0
        } else {
            2.0 - ph * 2.0
        }
    };
    let y: Vec<f64> = t
        .iter()
        .map(|&t| 500.0 * tri(t) + 10.0 * rng.normal())
        .collect();
    assert_eq!(detect_period(&t, &y), Some(60.0));

    // A period that is no whole number of ticks, with irregular sampling.
    let mut t = Vec::new();
    let mut now = 0.0;
    for _ in 0..3000 {
        now += 0.5 + rng.next_f64();
        t.push(now);
    }
    let y: Vec<f64> = t
        .iter()
        .map(|&t| (2.0 * std::f64::consts::PI * t / 37.3).sin() + 0.3 * rng.normal())
        .collect();
    let p = detect_period(&t, &y).expect("a period");
    assert!((p - 37.3).abs() < 0.02 * 37.3, "found {p}");

    // Hourly data with a daily cycle.
    let (t, y) = hourly(20, 2.0, 9);
    assert_eq!(detect_period(&t, &y), Some(DAY));
}

#[test]
fn white_noise_has_no_period() {
    let mut rng = SplitMix64::new(11);
    let t: Vec<f64> = (0..2000).map(|i| i as f64).collect();
    let y: Vec<f64> = t.iter().map(|_| rng.normal()).collect();
    assert_eq!(detect_period(&t, &y), None);
}

#[test]
fn band_covers_about_the_level_on_gaussian_noise() {
    let mut rng = SplitMix64::new(13);
    let t: Vec<f64> = (0..4000).map(|i| i as f64).collect();
    let y: Vec<f64> = t.iter().map(|_| 50.0 + 3.0 * rng.normal()).collect();
    for level in [0.8, 0.95, 0.99] {
        let m = Model::new().with_level(level).fit(&t, &y).unwrap();
        // Fresh draws over the training span and a short horizon past it.
        let fresh = 40_000;
        let inside = (0..fresh)
            .filter(|i| {
                let ti = (i % 4400) as f64;
                !m.predict(ti).is_outside(50.0 + 3.0 * rng.normal())
            })
            .count() as f64
            / fresh as f64;
        assert!(
            (inside - level).abs() < 0.02,
            "level {level}: {inside} of fresh points inside the band"
        );
    }
}

#[test]
fn a_few_training_outliers_neither_bend_the_fit_nor_blow_up_the_band() {
    let mut rng = SplitMix64::new(17);
    let t: Vec<f64> = (0..3000).map(|i| i as f64 * 10.0).collect();
    let clean: Vec<f64> = t
        .iter()
        .map(|&t| 20.0 + 5.0 * (2.0 * std::f64::consts::PI * t / 600.0).sin() + rng.normal())
        .collect();
    let mut dirty = clean.clone();
    // 30 outliers at random places (evenly spaced ones would look like a period).
    for _ in 0..30 {
        dirty[rng.below(3000) as usize] += 1000.0;
    }
    let a = Model::new().fit(&t, &clean).unwrap();
    let b = Model::new().fit(&t, &dirty).unwrap();
    assert_eq!(a.seasonalities(), b.seasonalities());
    for &ti in &t[..200] {
        let (pa, pb) = (a.predict(ti), b.predict(ti));
        assert!(
            (pa.expected - pb.expected).abs() < 0.3,
            "at {ti}: {pa:?} vs {pb:?}"
        );
        let (wa, wb) = (pa.upper - pa.lower, pb.upper - pb.lower);
        assert!(
            wb < 1.2 * wa,
            "band width {wb} with outliers vs {wa} without"
        );
    }
}

#[test]
fn constant_series_has_a_tight_band_and_any_change_scores_high() {
    let t: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let y = vec![42.0; 100];
    let m = Model::new().fit(&t, &y).unwrap();
    let p = m.predict(150.0);
    assert!((p.expected - 42.0).abs() < 1e-6, "{p:?}");
    assert_eq!(p.score(42.0), 0.0);
    assert!(p.score(43.0) > 0.99, "{}", p.score(43.0));
    assert!(p.score(41.0) > 0.99);
    // All zeros too (no scale to borrow from the level).
    let m = Model::new().fit(&t, &vec![0.0; 100]).unwrap();
    assert!(m.predict(120.0).score(0.5) > 0.99);
}

#[test]
fn bad_inputs_give_errors_that_say_what_to_do() {
    let m = Model::new();
    let e = m.fit(&[1.0, 2.0], &[1.0]).unwrap_err();
    assert_eq!(
        e,
        FitError::LengthMismatch {
            times: 2,
            values: 1
        }
    );
    let e = m
        .fit(&[1.0, 2.0, 3.0, 4.0], &[1.0, f64::NAN, f64::NAN, 2.0])
        .unwrap_err();
    assert_eq!(
        e,
        FitError::TooFewPoints {
            usable: 2,
            needed: 3
        }
    );
    assert!(e.to_string().contains("at least 3"), "{e}");
    let e = m.fit(&[5.0; 10], &[1.0; 10]).unwrap_err();
    assert!(matches!(e, FitError::NoTimeSpan { .. }), "{e}");
    let e = Model::new()
        .with_level(95.0)
        .fit(&[1.0, 2.0, 3.0], &[1.0; 3])
        .unwrap_err();
    assert!(e.to_string().contains("0.95"), "{e}");
    let e = Model::new()
        .with_periods(Periods::Fixed(vec![-5.0]))
        .fit(&[1.0, 2.0, 3.0], &[1.0; 3])
        .unwrap_err();
    assert_eq!(e, FitError::BadPeriod { period_s: -5.0 });
}

#[test]
fn missing_values_are_skipped_and_irregular_unsorted_times_are_fine() {
    let mut rng = SplitMix64::new(19);
    let mut t = Vec::new();
    let mut now = 0.0;
    for _ in 0..2000 {
        now += 1.0 + 20.0 * rng.next_f64().powi(4);
        t.push(now);
    }
    let f = |t: f64| 3.0 + 2.0 * (2.0 * std::f64::consts::PI * t / 300.0).sin();
    let mut y: Vec<f64> = t.iter().map(|&t| f(t) + 0.1 * rng.normal()).collect();
    for i in (0..2000).step_by(7) {
        y[i] = f64::NAN;
    }
    // Reverse the order: the fit must not depend on it.
    let (tr, yr): (Vec<f64>, Vec<f64>) = t
        .iter()
        .rev()
        .zip(y.iter().rev())
        .map(|(a, b)| (*a, *b))
        .unzip();
    let m = Model::new()
        .with_periods(Periods::Fixed(vec![300.0]))
        .fit(&tr, &yr)
        .unwrap();
    assert!(m.points() < 2000 && m.points() > 1700);
    for k in 0..50 {
        let ti = now + k as f64 * 13.0;
        assert!((m.predict(ti).expected - f(ti)).abs() < 0.3);
    }
}

#[test]
fn scaling_the_series_scales_the_forecast_exactly() {
    let (t, y) = hourly(30, 2.0, 23);
    let big: Vec<f64> = y.iter().map(|v| v * 1e6).collect();
    let tiny: Vec<f64> = y.iter().map(|v| v * 1e-6).collect();
    let a = Model::new().fit(&t, &y).unwrap();
    let b = Model::new().fit(&t, &big).unwrap();
    let c = Model::new().fit(&t, &tiny).unwrap();
    for k in 0..100 {
        let ti = t[t.len() - 1] + k as f64 * HOUR;
        let (pa, pb, pc) = (a.predict(ti), b.predict(ti), c.predict(ti));
        for (x, yb, yc) in [
            (pa.expected, pb.expected, pc.expected),
            (pa.lower, pb.lower, pc.lower),
            (pa.upper, pb.upper, pc.upper),
        ] {
            assert!(
                (yb / 1e6 - x).abs() <= 1e-6 * x.abs().max(1.0),
                "{x} vs {yb}"
            );
            assert!(
                (yc * 1e6 - x).abs() <= 1e-6 * x.abs().max(1.0),
                "{x} vs {yc}"
            );
        }
        let v = pa.upper + 0.5 * (pa.upper - pa.expected);
        assert!((a.predict(ti).score(v) - b.predict(ti).score(v * 1e6)).abs() < 1e-6);
    }
}

#[test]
fn score_separates_a_hair_outside_from_far_outside() {
    let mut rng = SplitMix64::new(29);
    let t: Vec<f64> = (0..500).map(|i| i as f64).collect();
    let y: Vec<f64> = t.iter().map(|_| 10.0 + rng.normal()).collect();
    let p = Model::new()
        .with_periods(Periods::Off)
        .fit(&t, &y)
        .unwrap()
        .predict(600.0);
    let half = p.upper - p.expected;
    let hair = p.score(p.upper + 0.01 * half);
    let one = p.score(p.upper + half);
    let far = p.score(p.upper + 5.0 * half);
    assert_eq!(p.score(p.expected), 0.0);
    assert!(hair > 0.0 && hair < 0.05, "{hair}");
    assert!(one > 0.5 && one < 0.75, "{one}");
    assert!(far > 0.99, "{far}");
    assert!(
        (p.score(p.lower - half) - one).abs() < 0.2,
        "both sides use their half-width"
    );
}

#[test]
fn fitted_model_round_trips_through_json() {
    let (t, y) = hourly(20, 1.0, 31);
    let m = Model::new().fit(&t, &y).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    let back: pipescope::core::forecast::FittedModel = serde_json::from_str(&json).unwrap();
    // serde_json may round the last bit of a float; predictions must not notice.
    for k in 0..100 {
        let ti = t[0] + k as f64 * 7.0 * HOUR;
        let (a, b) = (m.predict(ti), back.predict(ti));
        assert!((a.expected - b.expected).abs() < 1e-9 * a.expected.abs());
        assert!((a.upper - b.upper).abs() < 1e-9 * a.upper.abs());
    }
    assert_eq!(m.seasonalities(), back.seasonalities());
}

#[test]
fn periods_read_from_text_and_back() {
    use pipescope::core::forecast::Periods;
    assert_eq!(Periods::parse(" Auto "), Ok(Periods::Auto));
    assert_eq!(Periods::parse("off"), Ok(Periods::Off));
    assert_eq!(
        Periods::parse("86400, 604800"),
        Ok(Periods::Fixed(vec![86400.0, 604800.0]))
    );
    for bad in ["hourly", "0", "-5", "60,x", "NaN"] {
        let e = Periods::parse(bad).unwrap_err();
        assert!(e.contains("is not a period"), "{bad}: {e}");
    }
    for p in [
        Periods::Auto,
        Periods::Off,
        Periods::Fixed(vec![49.9, 39.6]),
    ] {
        assert_eq!(Periods::parse(&p.label()), Ok(p));
    }
}
