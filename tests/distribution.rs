//! Plot summaries (box, histogram, density, categories, scatter, groups) against
//! hand-computed values.

use pipescope::core::distribution::{
    category_counts, density, grouped_boxes, histogram, numeric_values, scatter_sample, BinRule,
    BoxStats,
};
use pipescope::core::ingest::table::{Column, ColumnData, ColumnType, Dictionary};

fn numeric(values: &[f64]) -> Column {
    Column {
        name: "x".into(),
        kind: ColumnType::Numeric,
        data: ColumnData::Numeric(values.to_vec()),
        missing: values.iter().filter(|v| v.is_nan()).count(),
        invalid: 0,
        first_invalid: None,
        reading: Default::default(),
        other_reading: None,
    }
}

fn labels(values: &[&str]) -> Column {
    let mut dict = Dictionary::default();
    for s in values {
        let code = if s.is_empty() {
            Dictionary::MISSING
        } else if let Some(i) = dict.values.iter().position(|v| v == s) {
            i as u32
        } else {
            dict.values.push(s.to_string());
            (dict.values.len() - 1) as u32
        };
        dict.codes.push(code);
    }
    Column {
        name: "g".into(),
        kind: ColumnType::Categorical,
        data: ColumnData::Labels(dict),
        missing: values.iter().filter(|s| s.is_empty()).count(),
        invalid: 0,
        first_invalid: None,
        reading: Default::default(),
        other_reading: None,
    }
}

#[test]
fn box_stats_whiskers_stop_at_the_last_value_inside_the_fences() {
    // 1..=8 and 100: Q1 3, median 5, Q3 7, fences -3 and 13.
    let b =
        BoxStats::from_values(&[100.0, 8.0, f64::NAN, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
    assert_eq!(b.count, 9);
    assert_eq!(
        (b.min, b.q1, b.median, b.q3, b.max),
        (1.0, 3.0, 5.0, 7.0, 100.0)
    );
    assert_eq!((b.lower_fence, b.upper_fence), (-3.0, 13.0));
    assert_eq!((b.whisker_low, b.whisker_high), (1.0, 8.0));
    assert_eq!((b.outliers.clone(), b.outlier_count), (vec![100.0], 1));
    assert_eq!(BoxStats::from_values(&[f64::NAN]), None);
}

#[test]
fn many_outliers_are_subsampled_but_fully_counted() {
    // A spread core of 20,000 values and 3,000 far above it.
    let mut v: Vec<f64> = (0..20_000).map(|i| (i % 100) as f64).collect();
    v.extend((0..3_000).map(|i| 1e6 + i as f64));
    let b = BoxStats::from_values(&v).unwrap();
    assert_eq!(b.outlier_count, 3_000);
    assert_eq!(b.outliers.len(), BoxStats::MAX_OUTLIER_POINTS);
    assert!(b.outliers.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(b.whisker_high, 99.0);
}

#[test]
fn fixed_and_sturges_bins_count_every_value() {
    let v = [0.0, 0.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
    let h = histogram(&v, BinRule::Fixed(5), false).unwrap();
    assert_eq!(h.edges, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    // Bins are [0,2) [2,4) [4,6) [6,8) [8,10]: the right edge belongs to the last bin.
    assert_eq!(h.counts, vec![2, 2, 2, 2, 3]);
    let h = histogram(&v, BinRule::Sturges, false).unwrap();
    // ceil(log2 11) + 1 = 5.
    assert_eq!(h.counts.len(), 5);
    assert_eq!(h.counts.iter().sum::<u64>(), 11);
}

#[test]
fn freedman_diaconis_width_and_fallback() {
    // 0..=99: IQR = 74.25 - 24.75 = 49.5, width 2*49.5/100^(1/3) = 21.33, span 99 -> 5 bins.
    let v: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let h = histogram(&v, BinRule::FreedmanDiaconis, false).unwrap();
    let expected = (99.0 / (2.0 * 49.5 / 100f64.cbrt())).ceil() as usize;
    assert_eq!(h.counts.len(), expected);
    // IQR 0 (mostly one value) falls back to Sturges: 100 values -> 8 bins.
    let mut v = vec![5.0; 97];
    v.extend([1.0, 9.5, 20.0]);
    let h = histogram(&v, BinRule::FreedmanDiaconis, false).unwrap();
    assert_eq!(h.counts.len(), 8);
    // Bin count is capped.
    let h = histogram(&v, BinRule::Fixed(10_000), false).unwrap();
    assert_eq!(h.counts.len(), 200);
}

#[test]
fn integer_columns_get_whole_number_bins_centred_on_the_integers() {
    // Ages 26..=73 (48 distinct integers): 10 bins of 4.8 would hold alternately 4 and 5
    // ages; whole widths give every bin the same number of integers.
    let v: Vec<f64> = (0..2000).map(|i| (26 + (i * 37) % 48) as f64).collect();
    for rule in [
        BinRule::Fixed(10),
        BinRule::Sturges,
        BinRule::FreedmanDiaconis,
    ] {
        let h = histogram(&v, rule, false).unwrap();
        let width = h.edges[1] - h.edges[0];
        assert_eq!(width.fract(), 0.0, "{rule:?}: width {width}");
        assert!(
            h.edges.iter().all(|e| e.fract() == 0.5),
            "{rule:?}: {:?}",
            h.edges
        );
        assert!(h.edges.windows(2).all(|w| w[1] - w[0] == width));
        assert!(h.edges[0] < 26.0 && *h.edges.last().unwrap() > 73.0);
        assert_eq!(h.counts.iter().sum::<u64>(), 2000);
    }
    // Fixed(10) over 48 integers: width 5 (ceil 4.8), 10 bins, the first holding 26..=30.
    let h = histogram(&v, BinRule::Fixed(10), false).unwrap();
    assert_eq!((h.edges[0], h.edges[1], h.counts.len()), (25.5, 30.5, 10));
    // A wide integer range still respects the bin cap.
    let wide: Vec<f64> = (0..5000).map(|i| (i * 1_000_003) as f64).collect();
    let h = histogram(&wide, BinRule::Fixed(10_000), false).unwrap();
    assert!(h.counts.len() <= 200 && (h.edges[1] - h.edges[0]).fract() == 0.0);
    assert_eq!(h.counts.iter().sum::<u64>(), 5000);
    // One fraction anywhere and the bins are plain equal-width again.
    let mut frac = v.clone();
    frac.push(30.25);
    let h = histogram(&frac, BinRule::Fixed(10), false).unwrap();
    assert_eq!((h.edges[0], h.counts.len()), (26.0, 10));
}

#[test]
fn date_columns_get_bins_of_whole_days_from_midnight() {
    // 2024-01-01 .. 2024-03-31 as epoch seconds at midnight.
    let day0 = 1_704_067_200.0;
    let v: Vec<f64> = (0..91).map(|d| day0 + d as f64 * 86_400.0).collect();
    let h = histogram(&v, BinRule::Fixed(10), false).unwrap();
    let width = h.edges[1] - h.edges[0];
    assert_eq!(width % 86_400.0, 0.0, "width {width}");
    assert_eq!(h.edges[0], day0, "bins start at midnight of the first day");
    assert!(h.edges.iter().all(|e| e % 86_400.0 == 0.0));
    assert_eq!(h.counts.iter().sum::<u64>(), 91);
    // Every full bin holds the same number of days.
    let full = &h.counts[..h.counts.len() - 1];
    assert!(full.iter().all(|c| *c == full[0]), "{:?}", h.counts);
}

#[test]
fn constant_and_empty_data() {
    let h = histogram(&[3.0, 3.0, 3.0], BinRule::FreedmanDiaconis, false).unwrap();
    assert_eq!(
        (h.edges.clone(), h.counts.clone()),
        (vec![2.5, 3.5], vec![3])
    );
    assert_eq!(histogram(&[f64::NAN], BinRule::Sturges, false), None);
    assert_eq!(density(&[3.0, 3.0, 3.0], &h), None);
}

#[test]
fn log_scale_bins_log10_and_excludes_non_positive() {
    let h = histogram(
        &[1.0, 10.0, 100.0, 1000.0, 0.0, -5.0],
        BinRule::Fixed(3),
        true,
    )
    .unwrap();
    assert!(h.log);
    assert_eq!(h.excluded, 2);
    assert_eq!(h.edges, vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(h.counts, vec![1, 1, 2]);
}

#[test]
fn density_overlays_counts_and_uses_silverman_bandwidth() {
    // A symmetric sample: density area (in counts x bin width) must come out near n.
    let v: Vec<f64> = (0..1000)
        .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
        .collect();
    let h = histogram(&v, BinRule::Fixed(20), false).unwrap();
    let d = density(&v, &h).unwrap();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let mut sorted = v.clone();
    sorted.sort_by(f64::total_cmp);
    let (q1, _, q3) = pipescope::core::distribution::python_quartiles(&sorted).unwrap();
    let bw = 0.9 * sd.min((q3 - q1) / 1.34) * n.powf(-0.2);
    assert!((d.bandwidth - bw).abs() < 1e-12);
    assert_eq!(d.points.len(), 200);
    assert_eq!(d.points[0].0, h.edges[0]);
    // Uniform data: mid-range density ~ n / bins per bin = 50.
    let mid = d.points[100].1;
    assert!((mid - 50.0).abs() < 3.0, "mid density {mid}");
    assert!(d
        .points
        .iter()
        .all(|p| p.0.is_finite() && p.1.is_finite() && p.1 >= 0.0));
}

#[test]
fn binned_density_agrees_with_exact_density() {
    // Above 2,000 values the KDE uses linear binning; it must match the exact sum closely.
    let big: Vec<f64> = (0..20_000)
        .map(|i| (((i as u64 * 2654435761) % 10007) as f64).sqrt())
        .collect();
    let h = histogram(&big, BinRule::Fixed(30), false).unwrap();
    let binned = density(&big, &h).unwrap();
    let bw = binned.bandwidth;
    let n = big.len() as f64;
    let bin_width = h.edges[1] - h.edges[0];
    for &(x, y) in binned.points.iter().step_by(17) {
        let exact: f64 = big
            .iter()
            .map(|&v| (-0.5 * ((x - v) / bw).powi(2)).exp())
            .sum::<f64>()
            / (n * bw * (2.0 * std::f64::consts::PI).sqrt())
            * n
            * bin_width;
        assert!(
            (y - exact).abs() <= 1e-3 * exact.max(1.0),
            "x {x}: binned {y} exact {exact}"
        );
    }
}

#[test]
fn category_counts_fold_the_rest_into_other() {
    let c = labels(&["a", "b", "a", "c", "", "d", "a", "b", "e"]);
    let cc = category_counts(&c, 2);
    assert_eq!(cc.top, vec![("a".to_string(), 3), ("b".to_string(), 2)]);
    assert_eq!((cc.other, cc.other_labels, cc.missing), (3, 3, 1));
    // Numbers become their text; booleans become true/false.
    let cc = category_counts(&numeric(&[2.0, 2.0, 3.5, f64::NAN]), 30);
    assert_eq!(cc.top, vec![("2".to_string(), 2), ("3.5".to_string(), 1)]);
    assert_eq!(cc.missing, 1);
    let b = Column {
        data: ColumnData::Boolean(vec![0, 1, 1, 2]),
        kind: ColumnType::Boolean,
        ..numeric(&[])
    };
    let cc = category_counts(&b, 30);
    assert_eq!(
        cc.top,
        vec![("true".to_string(), 2), ("false".to_string(), 1)]
    );
}

#[test]
fn scatter_keeps_complete_pairs_and_samples_deterministically() {
    let x = numeric(&[1.0, f64::NAN, 3.0, 4.0]);
    let y = numeric(&[10.0, 20.0, f64::NAN, 40.0]);
    let s = scatter_sample(&x, &y, 100, 1);
    assert_eq!(
        (s.points.clone(), s.total, s.sampled),
        (vec![(1.0, 10.0), (4.0, 40.0)], 2, false)
    );

    let xs: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
    let x = numeric(&xs);
    let a = scatter_sample(&x, &x, 500, 7);
    let b = scatter_sample(&x, &x, 500, 7);
    let c = scatter_sample(&x, &x, 500, 8);
    assert_eq!((a.points.len(), a.total, a.sampled), (500, 10_000, true));
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Uniform: the sample's mean row sits near the middle, and rows stay in order.
    let mean = a.points.iter().map(|p| p.0).sum::<f64>() / 500.0;
    assert!((mean - 5000.0).abs() < 600.0, "mean {mean}");
    assert!(a.points.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn grouped_boxes_per_label_sorted_and_capped() {
    let v = numeric(&[1.0, 2.0, 3.0, 10.0, 20.0, f64::NAN, 5.0, 7.0]);
    let g = labels(&["b", "b", "b", "a", "a", "a", "", "c"]);
    let gb = grouped_boxes(&v, &g, 10);
    let names: Vec<&str> = gb.groups.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, vec!["a", "b", "c"]);
    assert_eq!(gb.groups[0].1.count, 2);
    assert_eq!(gb.groups[0].1.median, 15.0);
    assert_eq!(gb.groups[1].1.median, 2.0);
    // Only the 2 largest groups survive the cap, still ordered by label.
    let gb = grouped_boxes(&v, &g, 2);
    let names: Vec<&str> = gb.groups.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn numeric_values_only_for_number_columns() {
    assert_eq!(
        numeric_values(&numeric(&[1.0, f64::NAN, 2.0])),
        Some(vec![1.0, 2.0])
    );
    assert_eq!(numeric_values(&labels(&["a"])), None);
}

/// The linear-time path the page uses must agree exactly with the sorted path, outliers
/// and their subsample included.
#[test]
fn box_stats_from_values_equals_from_sorted() {
    let mut rng = pipescope::core::rng::SplitMix64::new(9);
    for (n, tail) in [
        (1usize, 0.0),
        (2, 0.0),
        (7, 0.3),
        (1000, 0.05),
        (50_000, 0.2),
    ] {
        let values: Vec<f64> = (0..n)
            .map(|i| {
                let x = (rng.normal() * 10.0).round() / 4.0;
                if rng.next_f64() < tail {
                    x * 40.0
                } else if i % 97 == 0 {
                    f64::NAN
                } else {
                    x
                }
            })
            .collect();
        let mut sorted: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let a = BoxStats::from_values(&values);
        let b = BoxStats::from_sorted(&sorted);
        assert_eq!(a, b, "n = {n}");
    }
    let big = BoxStats::from_values(
        &(0..20_000)
            .map(|i| if i % 5 == 0 { 1e6 + i as f64 } else { 1.0 })
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(big.outlier_count > BoxStats::MAX_OUTLIER_POINTS);
    assert_eq!(big.outliers.len(), BoxStats::MAX_OUTLIER_POINTS);
}

/// Given the profile's quartiles, the one-pass path gives the same box as the full one.
#[test]
fn box_stats_with_known_quartiles_equals_from_values() {
    let mut rng = pipescope::core::rng::SplitMix64::new(4);
    let values: Vec<f64> = (0..30_000)
        .map(|i| {
            if i % 50 == 0 {
                f64::NAN
            } else {
                (rng.normal() * 3.0).exp()
            }
        })
        .collect();
    let full = BoxStats::from_values(&values).unwrap();
    let known = BoxStats::with_quartiles(&values, full.q1, full.median, full.q3).unwrap();
    assert_eq!(full, known);
    assert!(full.outlier_count > 0);
    assert_eq!(BoxStats::with_quartiles(&[f64::NAN], 0.0, 0.0, 0.0), None);
}
