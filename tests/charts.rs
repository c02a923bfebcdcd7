//! Charts rendered to SVG and checked for what a reader would notice: titles and axis
//! labels, how many bars, boxes, points and outliers were drawn, escaped hostile labels,
//! log axes that show real values, and no NaN or infinite coordinates on degenerate input.
//!
//! The summaries are built here by hand (from BankChurners.csv where realistic data
//! helps), so these tests do not depend on how `core::distribution` computes them.

use pipescope::charts::{
    draw_bars, draw_boxplot, draw_grouped_boxes, draw_histogram, draw_scatter, to_svg, ChartError,
    ChartStyle, Units,
};
use pipescope::core::distribution::{
    BoxStats, CategoryCounts, Density, GroupedBoxes, Histogram, ScatterSample,
};

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

// ---------------------------------------------------------------- summaries built by hand

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() {
        sorted[i] + (sorted[i + 1] - sorted[i]) * frac
    } else {
        sorted[i]
    }
}

fn box_stats(values: &[f64]) -> BoxStats {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (q1, median, q3) = (
        quantile(&sorted, 0.25),
        quantile(&sorted, 0.5),
        quantile(&sorted, 0.75),
    );
    let (lower_fence, upper_fence) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
    let inside: Vec<f64> = sorted
        .iter()
        .copied()
        .filter(|v| *v >= lower_fence && *v <= upper_fence)
        .collect();
    let outliers: Vec<f64> = sorted
        .iter()
        .copied()
        .filter(|v| *v < lower_fence || *v > upper_fence)
        .collect();
    BoxStats {
        count: sorted.len(),
        min: sorted[0],
        q1,
        median,
        q3,
        max: sorted[sorted.len() - 1],
        lower_fence,
        upper_fence,
        whisker_low: inside.first().copied().unwrap_or(q1),
        whisker_high: inside.last().copied().unwrap_or(q3),
        outlier_count: outliers.len(),
        outliers,
    }
}

fn histogram(values: &[f64], bins: usize, log: bool) -> Histogram {
    let axis: Vec<f64> = if log {
        values
            .iter()
            .filter(|v| **v > 0.0)
            .map(|v| v.log10())
            .collect()
    } else {
        values.to_vec()
    };
    let lo = axis.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = axis.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for v in &axis {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    Histogram {
        edges: (0..=bins).map(|i| lo + width * i as f64).collect(),
        counts,
        log,
        excluded: values.len() - axis.len(),
    }
}

fn density(hist: &Histogram, values: &[f64]) -> Density {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let bandwidth = 1.06 * sd * n.powf(-0.2);
    let width = hist.edges[1] - hist.edges[0];
    let (lo, hi) = (hist.edges[0], hist.edges[hist.edges.len() - 1]);
    let points = (0..=120)
        .map(|i| {
            let x = lo + (hi - lo) * i as f64 / 120.0;
            let k: f64 = values
                .iter()
                .map(|v| (-0.5 * ((x - v) / bandwidth).powi(2)).exp())
                .sum();
            (
                x,
                k / (bandwidth * (2.0 * std::f64::consts::PI).sqrt()) * width,
            )
        })
        .collect();
    Density { points, bandwidth }
}

struct Bank {
    age: Vec<f64>,
    credit: Vec<f64>,
    income: Vec<String>,
    education: Vec<String>,
}

fn bank() -> Bank {
    let mut reader = csv::Reader::from_path(BANK).expect("BankChurners.csv in ../shared/data");
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (age, credit, income, education) = (
        col("Customer_Age"),
        col("Credit_Limit"),
        col("Income_Category"),
        col("Education_Level"),
    );
    let mut out = Bank {
        age: vec![],
        credit: vec![],
        income: vec![],
        education: vec![],
    };
    for record in reader.records() {
        let record = record.unwrap();
        out.age.push(record[age].parse().unwrap());
        out.credit.push(record[credit].parse().unwrap());
        out.income.push(record[income].to_string());
        out.education.push(record[education].to_string());
    }
    out
}

fn category_counts(labels: &[String], top: usize) -> CategoryCounts {
    let mut counts: Vec<(String, u64)> = Vec::new();
    for label in labels {
        match counts.iter_mut().find(|(l, _)| l == label) {
            Some(entry) => entry.1 += 1,
            None => counts.push((label.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rest = counts.split_off(top.min(counts.len()));
    CategoryCounts {
        top: counts,
        other: rest.iter().map(|r| r.1).sum(),
        other_labels: rest.len(),
        missing: 0,
    }
}

fn grouped(values: &[f64], by: &[String]) -> GroupedBoxes {
    let mut labels: Vec<String> = by.to_vec();
    labels.sort();
    labels.dedup();
    let groups = labels
        .into_iter()
        .map(|label| {
            let vals: Vec<f64> = values
                .iter()
                .zip(by)
                .filter(|(_, l)| **l == label)
                .map(|(v, _)| *v)
                .collect();
            let stats = box_stats(&vals);
            (label, stats)
        })
        .collect();
    GroupedBoxes { groups }
}

// ---------------------------------------------------------------- reading the SVG

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Opening tags of one element kind (plotters writes one element per line).
fn tags<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.lines().filter(|l| l.starts_with(&open)).collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn num(tag: &str, name: &str) -> i64 {
    attr(tag, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric {name} in {tag}"))
}

/// Filled rectangles of a colour (and, when given, an opacity).
fn filled_rects<'a>(svg: &'a str, color: &str, opacity: Option<&str>) -> Vec<&'a str> {
    tags(svg, "rect")
        .into_iter()
        .filter(|t| {
            attr(t, "fill") == Some(color) && opacity.is_none_or(|o| attr(t, "opacity") == Some(o))
        })
        .collect()
}

fn circles<'a>(svg: &'a str, color: &str) -> Vec<&'a str> {
    tags(svg, "circle")
        .into_iter()
        .filter(|t| attr(t, "fill") == Some(color))
        .collect()
}

/// Text contents with their x, y, in drawing order.
fn texts(svg: &str) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("<text ") {
            let content = lines.next().unwrap_or("").to_string();
            out.push((content, num(line, "x"), num(line, "y")));
        }
    }
    out
}

fn text_list(svg: &str) -> Vec<String> {
    texts(svg).into_iter().map(|t| t.0).collect()
}

fn has_text(svg: &str, needle: &str) -> bool {
    texts(svg).iter().any(|(t, _, _)| t.contains(needle))
}

/// Every number in every attribute is finite, and no label reads NaN or inf.
fn assert_clean(svg: &str) {
    for bad in ["NaN", "inf", "Infinity"] {
        assert!(!svg.contains(bad), "SVG contains {bad}");
    }
    assert!(svg.starts_with("<svg"), "not an SVG document");
}

fn save(name: &str, svg: &str) {
    let dir = std::path::Path::new(
        option_env!("CARGO_TARGET_DIR").unwrap_or(concat!(env!("CARGO_MANIFEST_DIR"), "/target")),
    )
    .join("chart-gallery");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
}

// ---------------------------------------------------------------- box plot

#[test]
fn boxplot_shows_box_whiskers_and_every_outlier() {
    let bank = bank();
    let stats = box_stats(&bank.age);
    assert!(stats.outlier_count > 0, "Customer_Age has Tukey outliers");
    for style in [ChartStyle::light(), ChartStyle::dark()] {
        let svg = to_svg(800, 300, |a| {
            draw_boxplot(a, "Customer_Age", &stats, false, Units::Number, &style)
        })
        .unwrap();
        assert_clean(&svg);
        assert!(has_text(&svg, "Customer_Age"));
        assert!(
            has_text(&svg, "n = 10,127"),
            "caption gives n: {:?}",
            text_list(&svg)
        );
        assert!(has_text(&svg, &format!("{} outliers", stats.outlier_count)));
        // Background first, in the theme colour.
        assert_eq!(
            attr(tags(&svg, "rect")[0], "fill"),
            Some(hex(style.background).as_str())
        );
        // One translucent box.
        assert_eq!(
            filled_rects(&svg, &hex(style.accent), Some("0.35")).len(),
            1
        );
        // Every outlier drawn.
        assert_eq!(
            circles(&svg, &hex(style.outlier)).len(),
            stats.outliers.len()
        );
        // A readable x axis: several tick labels that are plain numbers.
        let ticks = text_list(&svg)
            .into_iter()
            .filter(|t| t.parse::<f64>().is_ok())
            .count();
        assert!(ticks >= 4, "{:?}", text_list(&svg));
        save(
            if style == ChartStyle::light() {
                "boxplot"
            } else {
                "boxplot-dark"
            },
            &svg,
        );
    }
}

#[test]
fn boxplot_orders_marks_along_the_axis() {
    let stats = box_stats(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 40.0]);
    let style = ChartStyle::light();
    let svg = to_svg(600, 240, |a| {
        draw_boxplot(a, "v", &stats, false, Units::Number, &style)
    })
    .unwrap();
    let boxes = filled_rects(&svg, &hex(style.accent), Some("0.35"));
    let (left, right) = (
        num(boxes[0], "x"),
        num(boxes[0], "x") + num(boxes[0], "width"),
    );
    let outlier = circles(&svg, &hex(style.outlier));
    assert_eq!(outlier.len(), 1);
    assert!(
        num(outlier[0], "cx") > right,
        "the high outlier sits right of the box"
    );
    // The median line (text colour) lies inside the box.
    let median: Vec<_> = filled_rects(&svg, &hex(style.text), Some("1"));
    assert!(
        median
            .iter()
            .any(|m| num(m, "x") > left && num(m, "x") < right),
        "median inside the box"
    );
}

#[test]
fn boxplot_big_numbers_get_separators_or_suffixes() {
    let stats = box_stats(&[
        1_000_000.0,
        2_500_000.0,
        3_000_000.0,
        4_100_000.0,
        9_000_000.0,
    ]);
    let svg = to_svg(800, 260, |a| {
        draw_boxplot(
            a,
            "bytes",
            &stats,
            false,
            Units::Number,
            &ChartStyle::light(),
        )
    })
    .unwrap();
    assert!(
        text_list(&svg).iter().any(|t| t.ends_with('M')),
        "{:?}",
        text_list(&svg)
    );
    let small = box_stats(&[1200.0, 3400.0, 5600.0, 7800.0, 12000.0]);
    let svg = to_svg(800, 260, |a| {
        draw_boxplot(
            a,
            "amount",
            &small,
            false,
            Units::Number,
            &ChartStyle::light(),
        )
    })
    .unwrap();
    assert!(
        text_list(&svg).iter().any(|t| t.contains(",000")),
        "{:?}",
        text_list(&svg)
    );
}

#[test]
fn boxplot_log_scale_leaves_out_non_positive_values() {
    let mut values: Vec<f64> = (0..200).map(|i| 100.0 + i as f64).collect();
    values.extend([-5.0, 0.0, 1e4, 3e4]);
    let stats = box_stats(&values);
    let positive_outliers = stats.outliers.iter().filter(|v| **v > 0.0).count();
    assert!(positive_outliers < stats.outliers.len());
    let style = ChartStyle::light();
    let svg = to_svg(800, 300, |a| {
        draw_boxplot(a, "latency", &stats, true, Units::Number, &style)
    })
    .unwrap();
    assert_clean(&svg);
    assert!(has_text(&svg, "log scale"));
    assert!(has_text(&svg, "≤ 0 left out"));
    assert_eq!(circles(&svg, &hex(style.outlier)).len(), positive_outliers);
    // Ticks show real values (1,000, 10,000), not exponents (3, 4).
    let labels = text_list(&svg);
    assert!(
        labels.contains(&"1,000".to_string()) && labels.contains(&"10,000".to_string()),
        "{labels:?}"
    );
    assert!(!labels.iter().any(|t| t == "3" || t == "4"), "{labels:?}");
    save("boxplot-log", &svg);
}

#[test]
fn degenerate_boxes_do_not_panic_or_emit_nan() {
    let style = ChartStyle::light();
    let cases = [
        box_stats(&[7.0]),
        box_stats(&[3.0; 50]),
        box_stats(&[0.0, 0.0, 0.0]),
        box_stats(&[-1e300, 1e300]),
        box_stats(&[1e-300, 2e-300, 3e-300]),
        BoxStats {
            min: f64::NAN,
            max: f64::INFINITY,
            ..box_stats(&[1.0, 2.0, 3.0])
        },
    ];
    for stats in &cases {
        for log in [false, true] {
            for (w, h) in [(800, 300), (120, 60), (1, 1), (0, 0)] {
                match to_svg(w, h, |a| {
                    draw_boxplot(a, "x", stats, log, Units::Number, &style)
                }) {
                    Ok(svg) => assert_clean(&svg),
                    Err(ChartError::NoData(_)) => {}
                    Err(other) => panic!("{other}"),
                }
            }
        }
    }
    let empty = BoxStats {
        count: 0,
        q1: f64::NAN,
        median: f64::NAN,
        q3: f64::NAN,
        ..box_stats(&[1.0])
    };
    let err = to_svg(400, 200, |a| {
        draw_boxplot(a, "x", &empty, false, Units::Number, &style)
    })
    .unwrap_err();
    assert!(matches!(err, ChartError::NoData(_)));
    assert!(err.to_string().contains("nothing to plot"));
    let all_negative = box_stats(&[-3.0, -2.0, -1.0]);
    let err = to_svg(400, 200, |a| {
        draw_boxplot(a, "x", &all_negative, true, Units::Number, &style)
    })
    .unwrap_err();
    assert!(err.to_string().contains("log scale"), "{err}");
}

// ---------------------------------------------------------------- histogram

#[test]
fn histogram_draws_one_bar_per_populated_bin_and_the_density() {
    let bank = bank();
    let hist = histogram(&bank.age, 24, false);
    let dens = density(&hist, &bank.age);
    let style = ChartStyle::light();
    let svg = to_svg(800, 400, |a| {
        draw_histogram(a, "Customer_Age", &hist, Some(&dens), Units::Number, &style)
    })
    .unwrap();
    assert_clean(&svg);
    let bars = filled_rects(&svg, &hex(style.accent), Some("1"));
    let populated = hist.counts.iter().filter(|c| **c > 0).count();
    assert_eq!(bars.len(), populated);
    // The tallest bar is the fullest bin, and bars do not touch (1px gaps).
    let tallest = bars.iter().max_by_key(|b| num(b, "height")).unwrap();
    let fullest = hist
        .counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .max_by_key(|(_, c)| **c)
        .unwrap()
        .0;
    let order = hist.counts[..fullest].iter().filter(|c| **c > 0).count();
    assert_eq!(num(tallest, "x"), num(bars[order], "x"));
    for pair in bars.windows(2) {
        assert!(
            num(pair[0], "x") + num(pair[0], "width") < num(pair[1], "x"),
            "gap between bars"
        );
    }
    let curve: Vec<_> = tags(&svg, "polyline")
        .into_iter()
        .filter(|t| attr(t, "stroke") == Some(hex(style.density).as_str()))
        .collect();
    assert_eq!(curve.len(), 1, "one density curve");
    assert_eq!(attr(curve[0], "stroke-width"), Some("2"));
    assert!(has_text(&svg, "count"), "y axis named");
    assert!(has_text(&svg, "Customer_Age") && has_text(&svg, "n = 10,127"));
    save("histogram", &svg);
    let dark = ChartStyle::dark();
    let svg = to_svg(800, 400, |a| {
        draw_histogram(a, "Customer_Age", &hist, Some(&dens), Units::Number, &dark)
    })
    .unwrap();
    save("histogram-dark", &svg);
}

#[test]
fn histogram_log_ticks_show_real_values() {
    let bank = bank();
    let mut values = bank.credit.clone();
    values.extend([0.0, -1.0, -2.0]);
    let hist = histogram(&values, 30, true);
    let style = ChartStyle::light();
    let svg = to_svg(800, 400, |a| {
        draw_histogram(a, "Credit_Limit", &hist, None, Units::Number, &style)
    })
    .unwrap();
    assert_clean(&svg);
    assert!(
        has_text(&svg, "log scale; 3 values ≤ 0 left out"),
        "{:?}",
        text_list(&svg)
    );
    // Edges are log10 values (about 3.2 to 4.5); ticks must read as the real amounts.
    let labels = text_list(&svg);
    assert!(labels.iter().any(|t| t == "10,000"), "{labels:?}");
    assert!(!labels.iter().any(|t| t == "4" || t == "4.0"), "{labels:?}");
    save("histogram-log", &svg);
}

#[test]
fn degenerate_histograms_do_not_panic_or_emit_nan() {
    let style = ChartStyle::light();
    let one = Histogram {
        edges: vec![5.0, 5.0],
        counts: vec![1],
        log: false,
        excluded: 0,
    };
    let spike = Density {
        points: vec![(5.0, f64::INFINITY), (5.0, 1.0), (f64::NAN, 2.0)],
        bandwidth: 0.0,
    };
    let svg = to_svg(600, 300, |a| {
        draw_histogram(a, "x", &one, Some(&spike), Units::Number, &style)
    })
    .unwrap();
    assert_clean(&svg);
    assert_eq!(
        filled_rects(&svg, &hex(style.accent), Some("1")).len(),
        1,
        "a single value still shows a bar"
    );
    for bad in [
        Histogram {
            edges: vec![],
            counts: vec![],
            log: false,
            excluded: 0,
        },
        Histogram {
            edges: vec![0.0, 1.0],
            counts: vec![0],
            log: false,
            excluded: 0,
        },
        Histogram {
            edges: vec![0.0, 1.0, 2.0],
            counts: vec![3],
            log: false,
            excluded: 0,
        },
        Histogram {
            edges: vec![0.0, f64::NAN],
            counts: vec![3],
            log: false,
            excluded: 0,
        },
        Histogram {
            edges: vec![],
            counts: vec![],
            log: true,
            excluded: 12,
        },
    ] {
        let err = to_svg(600, 300, |a| {
            draw_histogram(a, "x", &bad, None, Units::Number, &style)
        })
        .unwrap_err();
        assert!(matches!(err, ChartError::NoData(_)), "{err}");
    }
    let huge = Histogram {
        edges: vec![-1e300, 0.0, 1e300],
        counts: vec![u64::MAX / 4, 1],
        log: false,
        excluded: 0,
    };
    for (w, h) in [(600, 300), (40, 20), (0, 0)] {
        assert_clean(
            &to_svg(w, h, |a| {
                draw_histogram(a, "x", &huge, None, Units::Number, &style)
            })
            .unwrap(),
        );
    }
}

/// A BankChurners column read as numbers.
fn bank_column(name: &str) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(BANK).expect("BankChurners.csv in ../shared/data");
    let i = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[i].parse().unwrap())
        .collect()
}

/// Tick labels that are plain numbers ("8,000"), with their values.
fn numeric_labels(svg: &str) -> Vec<f64> {
    text_list(svg)
        .iter()
        .filter_map(|t| t.replace(',', "").parse::<f64>().ok())
        .collect()
}

#[test]
fn count_axis_is_in_counts_even_when_the_density_spikes() {
    // The second Naive Bayes column: almost every value near 1 and a few near 0, so the
    // kernel is far narrower than a bin and the density peaks hundreds of times above the
    // fullest bin. The count axis must still end near the fullest bin (of 10,127 rows),
    // with the bars filling the plot and the curve cut at the top.
    use pipescope::core::distribution as dist;
    let values = bank_column(
        "Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_Dependent_count_Education_Level_Months_Inactive_12_mon_2",
    );
    let hist = dist::histogram(&values, dist::BinRule::FreedmanDiaconis, false).unwrap();
    let dens = dist::density(&values, &hist).unwrap();
    let peak = *hist.counts.iter().max().unwrap() as f64;
    let curve_peak = dens.points.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(
        curve_peak > 10.0 * peak,
        "the case this test is about: {curve_peak} vs {peak}"
    );
    let style = ChartStyle::light();
    let svg = to_svg(800, 400, |a| {
        draw_histogram(
            a,
            "Naive_Bayes_2",
            &hist,
            Some(&dens),
            Units::Number,
            &style,
        )
    })
    .unwrap();
    assert_clean(&svg);
    save("histogram-spiky-density", &svg);
    let labels = text_list(&svg);
    let ticks = numeric_labels(&svg);
    let top_tick = ticks.iter().copied().fold(0.0, f64::max);
    assert!(
        top_tick <= peak * 1.08 && top_tick >= peak * 0.5,
        "count ticks {ticks:?} for a fullest bin of {peak}"
    );
    assert!(
        !labels.iter().any(|l| l.ends_with('M') || l.ends_with('K')),
        "{labels:?}"
    );
    let bars = filled_rects(&svg, &hex(style.accent), Some("1"));
    let tallest = bars.iter().map(|b| num(b, "height")).max().unwrap();
    assert!(
        tallest > 200,
        "the fullest bin fills most of the plot, got {tallest}px"
    );
    assert!(has_text(&svg, "(cut at the top)"), "{labels:?}");
}

#[test]
fn date_histograms_and_box_plots_show_dates_not_epoch_seconds() {
    use pipescope::core::distribution as dist;
    // One value a day from 2023-01-01 for 430 days, denser on weekdays.
    let day0 = 1_672_531_200.0;
    let values: Vec<f64> = (0..430)
        .flat_map(|d| std::iter::repeat_n(day0 + d as f64 * 86_400.0, 1 + (d % 7 < 5) as usize))
        .collect();
    let hist = dist::histogram(&values, dist::BinRule::FreedmanDiaconis, false).unwrap();
    let style = ChartStyle::light();
    let svg = to_svg(800, 400, |a| {
        draw_histogram(a, "shipped", &hist, None, Units::Date, &style)
    })
    .unwrap();
    assert_clean(&svg);
    save("histogram-dates", &svg);
    let labels = text_list(&svg);
    let dates: Vec<&String> = labels
        .iter()
        .filter(|l| l.len() == 7 && l.starts_with("202") && l.as_bytes()[4] == b'-')
        .collect();
    assert!(dates.len() >= 3, "month ticks such as 2023-04: {labels:?}");
    assert!(
        !labels.iter().any(|l| l.ends_with('G') || l.contains("1.6")),
        "{labels:?}"
    );
    assert!(has_text(&svg, "days"), "bin width in days: {labels:?}");
    let stats = box_stats(&values);
    let svg = to_svg(800, 240, |a| {
        draw_boxplot(a, "shipped", &stats, false, Units::Date, &style)
    })
    .unwrap();
    assert_clean(&svg);
    assert!(has_text(&svg, "median 2023-"), "{:?}", text_list(&svg));
    assert!(!text_list(&svg).iter().any(|l| l.ends_with('G')));
}

// ---------------------------------------------------------------- bars

#[test]
fn bars_show_every_category_with_counts_most_frequent_first() {
    let bank = bank();
    let counts = category_counts(&bank.income, 30);
    let style = ChartStyle::light();
    let svg = to_svg(800, 400, |a| {
        draw_bars(a, "Income_Category", &counts, &style)
    })
    .unwrap();
    assert_clean(&svg);
    let bars = filled_rects(&svg, &hex(style.accent), Some("1"));
    assert_eq!(bars.len(), counts.top.len());
    // Most frequent first: bars from top to bottom get shorter.
    let mut by_y = bars.clone();
    by_y.sort_by_key(|b| num(b, "y"));
    assert!(by_y
        .windows(2)
        .all(|p| num(p[0], "width") >= num(p[1], "width")));
    let labels = texts(&svg);
    for (label, n) in &counts.top {
        let (_, lx, ly) = labels
            .iter()
            .find(|t| &t.0 == label)
            .unwrap_or_else(|| panic!("label {label}"));
        // The label sits left of the bars, on the row of its bar.
        assert!(*lx <= num(bars[0], "x"));
        assert!(bars
            .iter()
            .any(|b| num(b, "y") <= *ly && *ly <= num(b, "y") + num(b, "height")));
        let count = pipescope::charts::labels::format_count(*n);
        assert!(
            labels
                .iter()
                .any(|t| t.0.starts_with(&format!("{count} ("))),
            "count {count} at bar end"
        );
    }
    assert!(has_text(&svg, "$60K - $80K"));
    save("bars", &svg);
}

#[test]
fn thirty_one_bars_stay_readable_and_other_is_gray() {
    let top: Vec<(String, u64)> = (0..30)
        .map(|i| (format!("category number {i}"), 1000 - i * 30))
        .collect();
    let counts = CategoryCounts {
        top,
        other: 420,
        other_labels: 57,
        missing: 12,
    };
    let style = ChartStyle::light();
    let svg = to_svg(800, 600, |a| draw_bars(a, "Merchant", &counts, &style)).unwrap();
    assert_clean(&svg);
    let mut bars = filled_rects(&svg, &hex(style.accent), Some("1"));
    let other = filled_rects(&svg, &hex(style.grid), Some("1"));
    assert_eq!(bars.len(), 30);
    assert_eq!(other.len(), 1, "one gray 'other' bar");
    assert!(has_text(&svg, "other (57 labels)"));
    assert!(has_text(&svg, "12 missing"));
    bars.extend(other);
    bars.sort_by_key(|b| num(b, "y"));
    for pair in bars.windows(2) {
        assert!(num(pair[0], "height") >= 8, "bars at least 8px tall");
        assert!(
            num(pair[0], "y") + num(pair[0], "height") < num(pair[1], "y"),
            "bars do not overlap"
        );
    }
    for i in 0..30 {
        assert!(has_text(&svg, &format!("category number {i}")), "label {i}");
    }
    save("bars-31", &svg);
}

#[test]
fn hostile_labels_are_escaped_and_cut() {
    let long = "a very long category label that goes on and on and on".to_string();
    let counts = CategoryCounts {
        top: vec![
            ("<script>alert(1)</script>".into(), 9),
            ("=HYPERLINK(\"http://x\")".into(), 7),
            (long.clone(), 5),
            ("line\nbreak & <b>bold</b>".into(), 3),
            (String::new(), 1),
        ],
        other: 0,
        other_labels: 0,
        missing: 0,
    };
    let svg = to_svg(800, 400, |a| {
        draw_bars(
            a,
            "<img src=x onerror=alert(1)>",
            &counts,
            &ChartStyle::light(),
        )
    })
    .unwrap();
    assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<img"));
    assert!(svg.contains("&lt;script&gt;"));
    assert!(svg.contains("&lt;img src=x"));
    let labels = text_list(&svg);
    assert!(
        labels
            .iter()
            .any(|t| t.ends_with('…') && t.chars().count() <= 28),
        "{labels:?}"
    );
    assert!(!labels.contains(&long));
    assert!(labels.iter().any(|t| t == "(empty)"));
    assert!(
        labels.iter().any(|t| t.starts_with("line break &amp;")),
        "{labels:?}"
    );
    save("bars-hostile", &svg);
}

#[test]
fn degenerate_bars_do_not_panic() {
    let style = ChartStyle::dark();
    let empty = CategoryCounts {
        top: vec![],
        other: 0,
        other_labels: 0,
        missing: 10,
    };
    assert!(matches!(
        to_svg(400, 300, |a| draw_bars(a, "x", &empty, &style)),
        Err(ChartError::NoData(_))
    ));
    let only_other = CategoryCounts {
        top: vec![],
        other: 5,
        other_labels: 5,
        missing: 0,
    };
    let one = CategoryCounts {
        top: vec![("x".repeat(500), u64::MAX / 2)],
        other: 0,
        other_labels: 0,
        missing: 0,
    };
    for counts in [&only_other, &one] {
        for (w, h) in [(800, 600), (100, 50), (0, 0)] {
            assert_clean(&to_svg(w, h, |a| draw_bars(a, "x", counts, &style)).unwrap());
        }
    }
}

// ---------------------------------------------------------------- scatter

#[test]
fn scatter_draws_every_point_and_names_axes() {
    let bank = bank();
    let points: Vec<(f64, f64)> = bank
        .age
        .iter()
        .copied()
        .zip(bank.credit.iter().copied())
        .collect();
    let sample = ScatterSample {
        total: points.len(),
        points,
        sampled: false,
    };
    let style = ChartStyle::light();
    let svg = to_svg(800, 500, |a| {
        draw_scatter(a, "Customer_Age", "Credit_Limit", &sample, &style)
    })
    .unwrap();
    assert_clean(&svg);
    let dots = circles(&svg, &hex(style.point));
    assert_eq!(dots.len(), sample.points.len());
    assert!(dots
        .iter()
        .all(|d| attr(d, "opacity") == Some("0.35") && attr(d, "r") == Some("2")));
    assert!(has_text(&svg, "n = 10,127"));
    let labels = text_list(&svg);
    assert!(
        labels.contains(&"Customer_Age".to_string())
            && labels.contains(&"Credit_Limit".to_string())
    );
    save("scatter", &svg);
}

#[test]
fn sampled_scatter_says_so_and_skips_bad_points() {
    let mut points: Vec<(f64, f64)> = (0..5000)
        .map(|i| (i as f64, ((i * 7919) % 1000) as f64))
        .collect();
    points.push((f64::NAN, 1.0));
    points.push((1.0, f64::INFINITY));
    let sample = ScatterSample {
        points,
        total: 1_234_567,
        sampled: true,
    };
    let style = ChartStyle::dark();
    let svg = to_svg(800, 500, |a| draw_scatter(a, "x", "y", &sample, &style)).unwrap();
    assert_clean(&svg);
    assert!(
        has_text(&svg, "sample of 5,000 of 1,234,567 points"),
        "{:?}",
        text_list(&svg)
    );
    assert_eq!(circles(&svg, &hex(style.point)).len(), 5000);
    save("scatter-sampled-dark", &svg);
    let one = ScatterSample {
        points: vec![(3.0, 3.0)],
        total: 1,
        sampled: false,
    };
    let svg = to_svg(400, 300, |a| draw_scatter(a, "x", "y", &one, &style)).unwrap();
    assert_clean(&svg);
    assert_eq!(circles(&svg, &hex(style.point)).len(), 1);
    let none = ScatterSample {
        points: vec![(f64::NAN, 0.0)],
        total: 1,
        sampled: false,
    };
    assert!(matches!(
        to_svg(400, 300, |a| draw_scatter(a, "x", "y", &none, &style)),
        Err(ChartError::NoData(_))
    ));
}

// ---------------------------------------------------------------- grouped boxes

#[test]
fn grouped_boxes_draw_one_box_per_group_with_labels() {
    let bank = bank();
    let groups = grouped(&bank.credit, &bank.income);
    let style = ChartStyle::light();
    let svg = to_svg(900, 450, |a| {
        draw_grouped_boxes(
            a,
            "Credit_Limit by Income_Category",
            "Credit_Limit",
            &groups,
            false,
            &style,
        )
    })
    .unwrap();
    assert_clean(&svg);
    let boxes = filled_rects(&svg, &hex(style.accent), Some("0.35"));
    assert_eq!(boxes.len(), groups.groups.len());
    let outliers: usize = groups.groups.iter().map(|(_, s)| s.outliers.len()).sum();
    assert_eq!(circles(&svg, &hex(style.outlier)).len(), outliers);
    // Boxes side by side, each above its label.
    let labels = texts(&svg);
    for (label, _) in &groups.groups {
        let (_, lx, _) = labels
            .iter()
            .find(|t| &t.0 == label)
            .unwrap_or_else(|| panic!("label {label}"));
        assert!(
            boxes
                .iter()
                .any(|b| num(b, "x") <= *lx && *lx <= num(b, "x") + num(b, "width")),
            "{label} under its box"
        );
    }
    assert!(has_text(&svg, "Credit_Limit"), "value axis named");
    save("grouped", &svg);
    let dark = ChartStyle::dark();
    let svg = to_svg(900, 450, |a| {
        draw_grouped_boxes(
            a,
            "Credit_Limit by Income_Category",
            "Credit_Limit",
            &groups,
            true,
            &dark,
        )
    })
    .unwrap();
    assert_clean(&svg);
    assert!(has_text(&svg, "(log scale)"));
    assert_eq!(
        filled_rects(&svg, &hex(dark.accent), Some("0.35")).len(),
        groups.groups.len()
    );
    save("grouped-log-dark", &svg);
}

#[test]
fn many_groups_turn_their_labels_upright() {
    let groups = GroupedBoxes {
        groups: (0..40)
            .map(|i| {
                let values: Vec<f64> = (0..20).map(|j| (i * 10 + j) as f64).collect();
                (format!("a rather long group label {i}"), box_stats(&values))
            })
            .collect(),
    };
    let svg = to_svg(900, 500, |a| {
        draw_grouped_boxes(a, "v by g", "v", &groups, false, &ChartStyle::light())
    })
    .unwrap();
    assert_clean(&svg);
    let mut lines = svg.lines();
    let mut turned = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("<text ")
            && attr(line, "transform").is_some_and(|v| v.starts_with("rotate(270"))
        {
            turned.push(lines.next().unwrap_or("").to_string());
        }
    }
    // Every group label is turned upright (the value axis name is too).
    assert_eq!(
        turned
            .iter()
            .filter(|t| t.starts_with("a rather long"))
            .count(),
        40,
        "{turned:?}"
    );
    assert_eq!(
        filled_rects(&svg, &hex(ChartStyle::light().accent), Some("0.35")).len(),
        40
    );
    save("grouped-40", &svg);
}

#[test]
fn degenerate_groups_do_not_panic() {
    let style = ChartStyle::light();
    let empty = BoxStats {
        count: 0,
        q1: f64::NAN,
        median: f64::NAN,
        q3: f64::NAN,
        ..box_stats(&[1.0])
    };
    let mixed = GroupedBoxes {
        groups: vec![
            ("none".into(), empty.clone()),
            ("one".into(), box_stats(&[4.0])),
            ("flat".into(), box_stats(&[2.0; 9])),
        ],
    };
    for log in [false, true] {
        for (w, h) in [(600, 400), (90, 60), (0, 0)] {
            assert_clean(
                &to_svg(w, h, |a| {
                    draw_grouped_boxes(a, "t", "v", &mixed, log, &style)
                })
                .unwrap(),
            );
        }
    }
    let svg = to_svg(600, 400, |a| {
        draw_grouped_boxes(a, "t", "v", &mixed, false, &style)
    })
    .unwrap();
    assert_eq!(
        filled_rects(&svg, &hex(style.accent), Some("0.35")).len(),
        2,
        "groups without values draw no box"
    );
    let nothing = GroupedBoxes {
        groups: vec![("none".into(), empty)],
    };
    assert!(matches!(
        to_svg(600, 400, |a| draw_grouped_boxes(
            a, "t", "v", &nothing, false, &style
        )),
        Err(ChartError::NoData(_))
    ));
    let none = GroupedBoxes { groups: vec![] };
    assert!(matches!(
        to_svg(600, 400, |a| draw_grouped_boxes(
            a, "t", "v", &none, false, &style
        )),
        Err(ChartError::NoData(_))
    ));
}

#[test]
fn long_titles_are_cut_to_fit_the_chart() {
    let title = "Total_Revolving_Bal_".repeat(20);
    let stats = box_stats(&[1.0, 2.0, 3.0]);
    let svg = to_svg(400, 200, |a| {
        draw_boxplot(
            a,
            &title,
            &stats,
            false,
            Units::Number,
            &ChartStyle::light(),
        )
    })
    .unwrap();
    let shown = text_list(&svg)
        .into_iter()
        .find(|t| t.starts_with("Total_Revolving_Bal_"))
        .unwrap();
    assert!(
        shown.ends_with('…') && shown.chars().count() < title.chars().count(),
        "{shown}"
    );
}

// ---------------------------------------------------------------- errors heatmap

mod heatmap {
    use super::*;
    use pipescope::charts::{cell_color, cell_image, draw_heatmap, Cells};
    use pipescope::core::errors::heatmap::{code_totals, heat_grid, HeatMode};
    use pipescope::core::errors::Bin;

    fn bins() -> Vec<Bin> {
        // Code 0: the candidate has 6 more in the third bin; code 1: 3 fewer in the first;
        // code 2: equal counts in the second; everything else empty.
        let mut out = Vec::new();
        for (i, counts) in [
            vec![[1, 1], [3, 0], [0, 0]],
            vec![[0, 0], [0, 0], [2, 2]],
            vec![[1, 7], [0, 0], [0, 0]],
            vec![[0, 0], [0, 0], [0, 0]],
        ]
        .into_iter()
        .enumerate()
        {
            out.push(Bin {
                start_s: i as i64 * 10,
                counts,
            });
        }
        out
    }

    #[test]
    fn cells_are_orange_where_the_candidate_has_more_and_blue_where_fewer() {
        let style = ChartStyle::light();
        let grid = heat_grid(&bins(), &[0, 1, 2], 10, HeatMode::Difference);
        let labels: Vec<String> = ["3", "-1", "E_TLS"].iter().map(|s| s.to_string()).collect();
        // Code 2's totals: a code only the candidate raised.
        let totals = code_totals(&[[2, 8], [3, 0], [0, 1352]], &[0, 1, 2]);
        let mut layout = None;
        let svg = to_svg(900, 260, |area| {
            layout = Some(draw_heatmap(
                area,
                &grid,
                &labels,
                &totals,
                (0, 40),
                &style,
                Cells::Rects,
            )?);
            Ok(())
        })
        .unwrap();
        save("heatmap", &svg);
        assert_clean(&svg);
        let red = hex(cell_color(6.0, grid.scale, &style).unwrap());
        let green = hex(cell_color(-3.0, grid.scale, &style).unwrap());
        let grey = hex(cell_color(0.0, grid.scale, &style).unwrap());
        let (r, g) = (
            u8::from_str_radix(&red[1..3], 16).unwrap(),
            u8::from_str_radix(&red[3..5], 16).unwrap(),
        );
        assert!(
            r > 190 && g > 130 && g < 180,
            "6 of a scale of 10 'more' is orange: {red}"
        );
        let full = hex(cell_color(grid.scale, grid.scale, &style).unwrap());
        let fewest = hex(cell_color(-grid.scale, grid.scale, &style).unwrap());
        let rgb = |h: &str| [1, 3, 5].map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap());
        let [r, g, b] = rgb(&full);
        assert!(
            r > 150 && g < 110 && b < 40,
            "full-scale 'more' is orange, not red: {full}"
        );
        let [r, g, b] = rgb(&fewest);
        assert!(
            b > 150 && r < 60 && g < 120,
            "full-scale 'fewer' is blue, not green: {fewest}"
        );
        let layout = layout.unwrap();
        // Cells only: the legend repeats the colours to the right of them.
        let in_cells = |color: &str| -> Vec<&str> {
            filled_rects(&svg, color, None)
                .into_iter()
                .filter(|t| (num(t, "x") as f64) < layout.left + layout.width)
                .collect()
        };
        let reds = in_cells(&red);
        let greens = in_cells(&green);
        assert_eq!(reds.len(), 1, "one cell with 6 more");
        assert_eq!(greens.len(), 1, "one cell with 3 fewer");
        assert_eq!(in_cells(&grey).len(), 2, "two cells with as many errors");
        // The red cell is in the first row and the third of four columns.
        let x = num(reds[0], "x");
        assert!(
            x as f64 >= layout.left + layout.width * 0.5 - 1.0
                && (x as f64) < layout.left + layout.width * 0.75
        );
        let green_x = num(greens[0], "x") as f64;
        assert!(
            (green_x - layout.left).abs() <= 1.0,
            "the green cell starts the second row"
        );
        for needle in [
            "E_TLS",
            "-1",
            "0:00:00",
            "+10",
            "−10",
            "baseline",
            "candidate",
            "ratio [95% CI]",
        ] {
            assert!(
                has_text(&svg, needle),
                "missing {needle}: {:?}",
                text_list(&svg)
            );
        }
        // Code 1 (3 baseline, 0 candidate) has a ratio interval below 1; code 0 above.
        assert!(
            texts(&svg).iter().any(|(t, _, _)| t.starts_with("3.40 [")),
            "{:?}",
            text_list(&svg)
        );
        // A new code reads as new with its counts, in the "more" colour, not as a ratio.
        let new_line = svg
            .lines()
            .zip(svg.lines().skip(1))
            .find(|(_, content)| content.contains("new: 0 → 1,352"))
            .map(|(tag, _)| tag)
            .unwrap_or_else(|| panic!("no new-code summary: {:?}", text_list(&svg)));
        assert!(new_line.contains("#CF222E"), "{new_line}");
        assert!(
            !has_text(&svg, "2705"),
            "the Haldane ratio of a new code is not shown"
        );
    }

    #[test]
    fn the_layout_maps_pointer_positions_back_to_cells() {
        let style = ChartStyle::light();
        let grid = heat_grid(&bins(), &[0, 1, 2], 10, HeatMode::Difference);
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut layout = None;
        to_svg(900, 260, |area| {
            layout = Some(draw_heatmap(
                area,
                &grid,
                &labels,
                &[],
                (0, 40),
                &style,
                Cells::Image,
            )?);
            Ok(())
        })
        .unwrap();
        let l = layout.unwrap();
        let (x, y, w, h) = l.cells.expect("contiguous bins give one image rectangle");
        assert!(
            (w - l.width).abs() < 1e-9
                && (h - 3.0 * l.row_height).abs() < 1e-9
                && x == l.left
                && y == l.top
        );
        // Middle of row 1, a quarter of the way in: second 10..20 → the second bin.
        let (row, second) = l
            .locate(l.left + l.width * 0.3, l.top + l.row_height * 1.5)
            .unwrap();
        assert_eq!((row, second / 10), (1, 1));
        assert_eq!(l.locate(l.left - 2.0, l.top + 1.0), None);
        assert_eq!(l.locate(l.left + 1.0, l.top + l.row_height * 3.5), None);
    }

    #[test]
    fn the_cell_image_has_one_pixel_per_cell_and_empty_cells_are_transparent() {
        let style = ChartStyle::dark();
        let grid = heat_grid(&bins(), &[0, 1, 2], 10, HeatMode::Ratio);
        let img = cell_image(&grid, &style);
        assert_eq!(img.len(), 3 * 4 * 4);
        let px = |row: usize, col: usize| &img[(row * 4 + col) * 4..(row * 4 + col) * 4 + 4];
        assert!(
            px(0, 2)[0] > px(0, 2)[1] && px(0, 2)[1] > px(0, 2)[2],
            "7 vs 1 is orange: {:?}",
            px(0, 2)
        );
        assert!(
            px(1, 0)[2] > px(1, 0)[1] && px(1, 0)[1] > px(1, 0)[0],
            "0 vs 3 is blue: {:?}",
            px(1, 0)
        );
        assert_eq!(px(0, 1)[3], 0, "an empty cell is transparent");
        assert_eq!(px(2, 3)[3], 0);
        let svg = to_svg(600, 200, |area| {
            draw_heatmap(
                area,
                &grid,
                &["a".into(), "b".into(), "c".into()],
                &[],
                (0, 40),
                &style,
                Cells::Image,
            )?;
            Ok(())
        })
        .unwrap();
        assert!(
            has_text(&svg, "8×") && has_text(&svg, "1/8×"),
            "{:?}",
            text_list(&svg)
        );
    }
}

mod band {
    use super::*;
    use pipescope::charts::{band_colors, draw_band, BandLayout};
    use pipescope::core::detect::Point;

    /// 100 points 2 s apart: a wave, a ±1 band from point 20 on (the first 20 train), and
    /// values pushed 10 above the band at points 40, 60 and 80.
    fn series() -> Vec<Point> {
        (0..100)
            .map(|i| {
                let t_ms = i as i64 * 2000;
                let clean = 10.0 + (i as f64 / 8.0).sin();
                let spiked = [40, 60, 80].contains(&i);
                let judged = i >= 20;
                Point {
                    t_ms,
                    value: if spiked { clean + 10.0 } else { clean + 0.1 },
                    expected: judged.then_some(clean),
                    lower: judged.then_some(clean - 1.0),
                    upper: judged.then_some(clean + 1.0),
                    score: if spiked { 1.0 } else { 0.0 },
                    anomaly: spiked && judged,
                    why: None,
                }
            })
            .collect()
    }

    fn hex(c: plotters::style::RGBColor) -> String {
        format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
    }

    /// The SVG (lower-cased) and the layout.
    fn draw(points: &[Point], view: (i64, i64), trained: Option<i64>) -> (String, BandLayout) {
        let mut layout = None;
        let svg = to_svg(900, 260, |area| {
            layout = Some(draw_band(
                area,
                "energy_price",
                points,
                view,
                trained,
                &ChartStyle::light(),
            )?);
            Ok(())
        })
        .unwrap();
        (svg.to_lowercase(), layout.unwrap())
    }

    /// Elements of `tag` whose attributes mention `color`.
    fn count(svg: &str, tag: &str, color: &str) -> usize {
        svg.split('<')
            .filter(|e| e.starts_with(tag) && e.contains(color))
            .count()
    }

    #[test]
    fn band_is_shaded_anomalies_marked_and_training_greyed() {
        let colors = band_colors(&ChartStyle::light());
        let (svg, layout) = draw(&series(), (0, 198_000), Some(40_000));
        assert!(svg.contains("energy_price"), "titled with the metric");
        assert!(svg.contains("stream time"), "x axis named");
        // 0..198 s: ticks on round clock times, labelled m:ss.
        assert!(
            svg.contains("1:00") && svg.contains("2:00"),
            "clock ticks: {svg}"
        );
        assert!(!svg.contains("nan") && !svg.contains("inf"));
        assert_eq!(layout.points, 100);
        assert_eq!(layout.anomalies, 3);
        assert_eq!(
            count(&svg, "circle", &hex(colors.anomaly)),
            3,
            "one mark per anomaly"
        );
        assert_eq!(
            count(&svg, "polygon", &hex(colors.band)),
            1,
            "one band polygon"
        );
        assert_eq!(
            count(&svg, "rect", &hex(colors.training)),
            1,
            "training shaded"
        );
        let (x, y, w, h) = layout.plot;
        assert!(x > 0 && y > 0 && w > 500 && h > 100, "{:?}", layout.plot);
        assert!(
            layout.y_range.1 > 20.0,
            "the spikes fit the y axis: {:?}",
            layout.y_range
        );
    }

    #[test]
    fn the_view_limits_what_is_drawn_and_a_gap_breaks_the_band() {
        let colors = band_colors(&ChartStyle::light());
        // Points 45..59 only: no spike in view, and training long over (no shade).
        let (svg, layout) = draw(&series(), (90_000, 118_000), Some(40_000));
        assert_eq!(layout.points, 15);
        assert_eq!(layout.anomalies, 0);
        assert_eq!(count(&svg, "circle", &hex(colors.anomaly)), 0);
        assert_eq!(count(&svg, "rect", &hex(colors.training)), 0);
        // Ten missing ticks in the middle split the band in two.
        let gapped: Vec<Point> = series()
            .into_iter()
            .filter(|p| !(50 * 2000..60 * 2000).contains(&p.t_ms))
            .collect();
        let (svg, _) = draw(&gapped, (0, 198_000), Some(40_000));
        assert_eq!(count(&svg, "polygon", &hex(colors.band)), 2);
    }

    #[test]
    fn nothing_in_view_says_so_and_missing_values_are_skipped() {
        let mut layout = None;
        let err = to_svg(600, 200, |area| {
            layout = Some(draw_band(
                area,
                "m",
                &series(),
                (500_000, 600_000),
                None,
                &ChartStyle::light(),
            )?);
            Ok(())
        });
        assert!(matches!(err, Err(ChartError::NoData(_))), "{err:?}");
        let mut holes = series();
        holes[30].value = f64::NAN;
        holes[31].expected = Some(f64::INFINITY);
        let (svg, layout) = draw(&holes, (0, 198_000), None);
        assert!(!svg.contains("nan") && !svg.contains("inf"));
        assert_eq!(layout.anomalies, 3);
    }
}
