//! Text alternatives of the charts, computed from the same summaries the charts draw: a
//! short accessible name that says what is plotted and its headline figures, and the data
//! as a table a screen reader can walk and a person can copy. A canvas is only pixels;
//! these are what a reader without the pixels gets instead.

use super::labels::{format_count, format_value, Units};
use crate::core::compare::overlay::Overlay;
use crate::core::detect::Point;
use crate::core::distribution::{BoxStats, CategoryCounts, GroupedBoxes, Histogram, ScatterSample};

/// A chart's data as a table: a caption, column headers, and rows whose first cell is
/// the row's header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataTable {
    /// What the table holds.
    pub caption: String,
    /// Column headers, the row-header column first.
    pub head: Vec<String>,
    /// Rows of cells, as many as `head`.
    pub rows: Vec<Vec<String>>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        format_count(n as u64),
        if n == 1 { one } else { many }
    )
}

/// A bin edge as the reader sees it: real values on a log axis.
fn edge(hist: &Histogram, e: f64, units: Units) -> String {
    if hist.log {
        format_value(10f64.powf(e))
    } else {
        units.text(e)
    }
}

/// Width of one bin, computed as the chart's subtitle computes it so the two agree.
fn bin_width(hist: &Histogram) -> f64 {
    match (hist.edges.first(), hist.edges.last()) {
        (Some(a), Some(b)) if !hist.counts.is_empty() => (b - a) / hist.counts.len() as f64,
        _ => 0.0,
    }
}

/// The accessible name of a histogram: column, values counted, bins, range and the
/// tallest bin.
///
/// ```
/// use pipescope::charts::{describe::histogram_name, Units};
/// use pipescope::core::distribution::Histogram;
/// let h = Histogram { edges: vec![0.0, 1.0, 2.0], counts: vec![3, 5], log: false, excluded: 0 };
/// assert_eq!(
///     histogram_name("age", &h, Units::Number),
///     "Histogram of age: 8 values, 2 bins of 1 from 0 to 2, tallest bin 1 to 2 (5 values)"
/// );
/// ```
pub fn histogram_name(column: &str, hist: &Histogram, units: Units) -> String {
    let total: u64 = hist.counts.iter().sum();
    if total == 0 || hist.edges.len() != hist.counts.len() + 1 {
        return format!("Histogram of {column}: no values to show");
    }
    let units = if hist.log { Units::Number } else { units };
    let width = if hist.log {
        format!("{} log10 units", format_value(bin_width(hist)))
    } else {
        units.span(bin_width(hist))
    };
    let (peak, most) = hist
        .counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))
        .map(|(i, n)| (i, *n))
        .unwrap_or((0, 0));
    format!(
        "Histogram of {column}: {}, {} of {width} from {} to {}{}, tallest bin {} to {} ({})",
        plural(total as usize, "value", "values"),
        plural(hist.counts.len(), "bin", "bins"),
        edge(hist, hist.edges[0], units),
        edge(hist, hist.edges[hist.counts.len()], units),
        if hist.log { " on a log scale" } else { "" },
        edge(hist, hist.edges[peak], units),
        edge(hist, hist.edges[peak + 1], units),
        plural(most as usize, "value", "values"),
    )
}

/// A histogram's bins and counts, one row a bin.
pub fn histogram_table(column: &str, hist: &Histogram, units: Units) -> DataTable {
    let units = if hist.log { Units::Number } else { units };
    let last = hist.counts.len().saturating_sub(1);
    DataTable {
        caption: format!("Histogram of {column}: values per bin"),
        head: vec!["Bin".into(), "Count".into()],
        rows: hist
            .counts
            .iter()
            .enumerate()
            .filter(|_| hist.edges.len() == hist.counts.len() + 1)
            .map(|(i, n)| {
                // Bins are half-open but the last, which holds its right edge.
                let close = if i == last { "]" } else { ")" };
                vec![
                    format!(
                        "[{}, {}{close}",
                        edge(hist, hist.edges[i], units),
                        edge(hist, hist.edges[i + 1], units)
                    ),
                    format_count(*n),
                ]
            })
            .collect(),
    }
}

/// The accessible name of a box plot: the five figures and the outliers.
pub fn box_name(column: &str, s: &BoxStats, units: Units) -> String {
    format!(
        "Box plot of {column}: {}, median {}, quartiles {} to {}, whiskers {} to {}, {} outside the fences",
        plural(s.count, "value", "values"),
        units.text(s.median),
        units.text(s.q1),
        units.text(s.q3),
        units.text(s.whisker_low),
        units.text(s.whisker_high),
        plural(s.outlier_count, "outlier", "outliers"),
    )
}

/// Five-number summaries and outlier counts, one row a box.
pub fn boxes_table(caption: String, boxes: &[(&str, &BoxStats)], units: Units) -> DataTable {
    DataTable {
        caption,
        head: ["Group", "n", "Min", "Q1", "Median", "Q3", "Max", "Outliers"]
            .map(String::from)
            .to_vec(),
        rows: boxes
            .iter()
            .map(|(name, s)| {
                vec![
                    name.to_string(),
                    format_count(s.count as u64),
                    units.text(s.min),
                    units.text(s.q1),
                    units.text(s.median),
                    units.text(s.q3),
                    units.text(s.max),
                    format_count(s.outlier_count as u64),
                ]
            })
            .collect(),
    }
}

/// The accessible name of grouped box plots: groups, and where the medians are highest
/// and lowest.
pub fn grouped_name(value: &str, by: &str, g: &GroupedBoxes) -> String {
    let hi = g
        .groups
        .iter()
        .max_by(|a, b| a.1.median.total_cmp(&b.1.median));
    let lo = g
        .groups
        .iter()
        .min_by(|a, b| a.1.median.total_cmp(&b.1.median));
    match (hi, lo) {
        (Some(hi), Some(lo)) if g.groups.len() > 1 => format!(
            "Box plots of {value} by {by}: {}, highest median {} ({}), lowest median {} ({})",
            plural(g.groups.len(), "group", "groups"),
            format_value(hi.1.median),
            hi.0,
            format_value(lo.1.median),
            lo.0
        ),
        (Some(one), _) => format!(
            "Box plots of {value} by {by}: 1 group, {} with median {}",
            one.0,
            format_value(one.1.median)
        ),
        _ => format!("Box plots of {value} by {by}: no groups"),
    }
}

/// The accessible name of a bar chart of category counts.
pub fn bars_name(column: &str, c: &CategoryCounts) -> String {
    let labels = c.top.len() + c.other_labels;
    let first = c
        .top
        .first()
        .map(|(l, n)| format!(", most frequent {l} ({})", format_count(*n)))
        .unwrap_or_default();
    format!(
        "Counts of {column}: {}{first}",
        plural(labels, "label", "labels")
    )
}

/// The bars' labels and counts, with "other" last.
pub fn bars_table(column: &str, c: &CategoryCounts) -> DataTable {
    let mut rows: Vec<Vec<String>> = c
        .top
        .iter()
        .map(|(l, n)| vec![l.clone(), format_count(*n)])
        .collect();
    if c.other > 0 {
        rows.push(vec![
            format!("other ({})", plural(c.other_labels, "label", "labels")),
            format_count(c.other),
        ]);
    }
    if c.missing > 0 {
        rows.push(vec!["missing".into(), format_count(c.missing)]);
    }
    DataTable {
        caption: format!("Counts of {column} per label"),
        head: vec!["Label".into(), "Count".into()],
        rows,
    }
}

/// The accessible name of a scatter plot: rows and the range of each axis.
pub fn scatter_name(x: &str, y: &str, s: &ScatterSample) -> String {
    let range = |pick: fn(&(f64, f64)) -> f64| {
        let vals = s.points.iter().map(pick).filter(|v| v.is_finite());
        let lo = vals.clone().fold(f64::INFINITY, f64::min);
        let hi = vals.fold(f64::NEG_INFINITY, f64::max);
        (lo <= hi).then(|| format!("{} to {}", format_value(lo), format_value(hi)))
    };
    match (range(|p| p.0), range(|p| p.1)) {
        (Some(rx), Some(ry)) => format!(
            "Scatter of {y} against {x}: {} with both values{}, {x} {rx}, {y} {ry}",
            plural(s.total, "row", "rows"),
            if s.sampled {
                format!(" ({} drawn)", format_count(s.points.len() as u64))
            } else {
                String::new()
            }
        ),
        _ => format!("Scatter of {y} against {x}: no rows with both values"),
    }
}

/// The accessible name of a metric's band chart: the latest point in view, its forecast
/// and band, and how many points in view were flagged.
pub fn band_name(metric: &str, points: &[Point], view: (i64, i64)) -> String {
    let shown = || {
        points
            .iter()
            .filter(move |p| p.t_ms >= view.0 && p.t_ms <= view.1)
    };
    let flagged = shown().filter(|p| p.anomaly).count();
    let Some(last) = shown().filter(|p| p.value.is_finite()).last() else {
        return format!("{metric}: no points in view");
    };
    let expected = match (last.expected, last.lower, last.upper) {
        (Some(e), Some(lo), Some(hi)) => format!(
            ", expected {} (band {} to {})",
            format_value(e),
            format_value(lo),
            format_value(hi)
        ),
        (Some(e), _, _) => format!(", expected {}", format_value(e)),
        _ => ", still training".into(),
    };
    format!(
        "{metric}: latest {}{expected}, {} flagged in view",
        format_value(last.value),
        plural(flagged, "point", "points")
    )
}

/// The last `n` points in view of a band chart, oldest first; `clock` writes a time.
pub fn band_table(
    metric: &str,
    points: &[Point],
    view: (i64, i64),
    n: usize,
    clock: impl Fn(i64) -> String,
) -> DataTable {
    let shown: Vec<&Point> = points
        .iter()
        .filter(|p| p.t_ms >= view.0 && p.t_ms <= view.1)
        .collect();
    let opt = |v: Option<f64>| v.map(format_value).unwrap_or_else(|| "–".into());
    DataTable {
        caption: format!(
            "{metric}: the last {} in view",
            plural(n.min(shown.len()), "point", "points")
        ),
        head: ["Time", "Value", "Expected", "Lower", "Upper", "Flagged"]
            .map(String::from)
            .to_vec(),
        rows: shown[shown.len().saturating_sub(n)..]
            .iter()
            .map(|p| {
                vec![
                    clock(p.t_ms),
                    if p.value.is_finite() {
                        format_value(p.value)
                    } else {
                        "missing".into()
                    },
                    opt(p.expected),
                    opt(p.lower),
                    opt(p.upper),
                    if p.anomaly { "yes" } else { "no" }.into(),
                ]
            })
            .collect(),
    }
}

/// The rows of an overlay: (bin or label, reference share, current share).
fn overlay_rows(o: &Overlay) -> Vec<(String, f64, f64)> {
    match o {
        Overlay::Numbers {
            date,
            edges,
            reference,
            current,
            ..
        } => {
            let units = if *date { Units::Date } else { Units::Number };
            let last = reference.len().saturating_sub(1);
            (0..reference.len().min(current.len()))
                .filter(|&i| i + 1 < edges.len())
                .map(|i| {
                    let close = if i == last { "]" } else { ")" };
                    (
                        format!(
                            "[{}, {}{close}",
                            units.text(edges[i]),
                            units.text(edges[i + 1])
                        ),
                        reference[i],
                        current[i],
                    )
                })
                .collect()
        }
        Overlay::Labels {
            labels,
            reference,
            current,
            other,
            ..
        } => labels
            .iter()
            .zip(reference.iter().zip(current))
            .map(|(l, (r, c))| (l.clone(), *r, *c))
            .chain(other.map(|(r, c)| ("other".to_string(), r, c)))
            .collect(),
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The accessible name of a reference-versus-current overlay: values per side, and the
/// bin or label where the two shares differ most.
pub fn overlay_name(column: &str, o: &Overlay) -> String {
    let (counts, what) = match o {
        Overlay::Numbers { counts, edges, .. } => {
            (counts, plural(edges.len().saturating_sub(1), "bin", "bins"))
        }
        Overlay::Labels {
            counts,
            labels,
            other,
            ..
        } => (
            counts,
            plural(
                labels.len() + usize::from(other.is_some()),
                "label",
                "labels",
            ),
        ),
    };
    let gap = overlay_rows(o)
        .into_iter()
        .max_by(|a, b| (a.1 - a.2).abs().total_cmp(&(b.1 - b.2).abs()))
        .map(|(at, r, c)| {
            format!(
                "; largest difference at {at}: reference {}, current {}",
                percent(r),
                percent(c)
            )
        })
        .unwrap_or_default();
    format!(
        "Overlay of {column}, reference {} and current {} values over {what}{gap}",
        format_count(counts.0 as u64),
        format_count(counts.1 as u64)
    )
}

/// An overlay's shares per bin or label, both sides.
pub fn overlay_table(column: &str, o: &Overlay) -> DataTable {
    DataTable {
        caption: format!("{column}: share of each file's valid values"),
        head: ["Bin or label", "Reference", "Current"]
            .map(String::from)
            .to_vec(),
        rows: overlay_rows(o)
            .into_iter()
            .map(|(at, r, c)| vec![at, percent(r), percent(c)])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(t_ms: i64, value: f64, anomaly: bool) -> Point {
        Point {
            t_ms,
            value,
            expected: Some(0.5),
            lower: Some(0.41),
            upper: Some(0.59),
            score: 0.0,
            anomaly,
            why: None,
        }
    }

    #[test]
    fn histogram_text_names_the_column_and_its_bins() {
        let h = Histogram {
            edges: vec![26.0, 28.5, 31.0, 33.5],
            counts: vec![10, 40, 5],
            log: false,
            excluded: 0,
        };
        let name = histogram_name("Customer_Age", &h, Units::Number);
        assert_eq!(
            name,
            "Histogram of Customer_Age: 55 values, 3 bins of 2.5 from 26 to 33.5, tallest bin 28.5 to 31 (40 values)"
        );
        let t = histogram_table("Customer_Age", &h, Units::Number);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0], vec!["[26, 28.5)", "10"]);
        assert_eq!(t.rows[2], vec!["[31, 33.5]", "5"]);
    }

    #[test]
    fn log_histograms_read_in_real_values() {
        let h = Histogram {
            edges: vec![0.0, 1.0, 2.0],
            counts: vec![1, 2],
            log: true,
            excluded: 4,
        };
        let name = histogram_name("x", &h, Units::Number);
        assert!(name.contains("from 1 to 100 on a log scale"), "{name}");
        assert!(name.contains("1 log10 units"), "{name}");
    }

    #[test]
    fn band_text_gives_latest_expected_and_flags_in_view() {
        let pts = vec![
            point(0, 9.0, true),
            point(1000, 0.6, true),
            point(2000, 0.53, false),
            point(3000, 0.7, true),
        ];
        assert_eq!(
            band_name("cpu_load", &pts, (500, 2500)),
            "cpu_load: latest 0.53, expected 0.5 (band 0.41 to 0.59), 1 point flagged in view"
        );
        let t = band_table("cpu_load", &pts, (0, 3000), 2, |ms| format!("{ms}"));
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1], vec!["3000", "0.7", "0.5", "0.41", "0.59", "yes"]);
        assert_eq!(
            band_name("m", &pts, (10_000, 20_000)),
            "m: no points in view"
        );
    }

    #[test]
    fn grouped_text_names_extreme_medians() {
        let s = |m: f64| BoxStats::from_values(&[m - 1.0, m, m + 1.0]).unwrap();
        let g = GroupedBoxes {
            groups: vec![("a".into(), s(3.0)), ("b".into(), s(10.0))],
        };
        assert_eq!(
            grouped_name("v", "k", &g),
            "Box plots of v by k: 2 groups, highest median 10 (b), lowest median 3 (a)"
        );
        let t = boxes_table("c".into(), &[("a", &g.groups[0].1)], Units::Number);
        assert_eq!(t.rows[0], vec!["a", "3", "2", "2.5", "3", "3.5", "4", "0"]);
    }
}
