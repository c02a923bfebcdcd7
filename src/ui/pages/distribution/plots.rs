//! The plots of the Distribution workspace: box plot, histogram with density, category
//! bars, scatter and grouped box plots, each on a canvas with PNG and SVG export.

use super::state::DistState;
use crate::charts::describe::{self, DataTable};
use crate::charts::{self, ChartError, ChartStyle, Units};
use crate::core::distribution::{
    category_counts, density, grouped_boxes, histogram, numeric_values, scatter_sample, BinRule,
    BoxStats, CategoryCounts, Density, GroupedBoxes, Histogram, ScatterSample,
};
use crate::core::ingest::{Column, ColumnData, ColumnType};
use crate::ui::canvas;
use crate::ui::data_table::ChartData;
use crate::ui::download;
use crate::ui::format;
use crate::ui::loader::yield_now;
use crate::ui::theme::chart_style;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Labels shown as bars before the rest is folded into "other".
const TOP_BARS: usize = 30;
/// Points drawn in a scatter plot before sampling.
const SCATTER_POINTS: usize = 5_000;
/// Groups drawn side by side in a grouped box plot.
const MAX_GROUPS: usize = 30;

/// What one figure draws; the same value draws on the canvas and into an SVG export.
#[derive(Debug, Clone, PartialEq)]
enum PlotSpec {
    Box {
        title: String,
        column: String,
        stats: BoxStats,
        log: bool,
        units: Units,
    },
    Hist {
        title: String,
        column: String,
        hist: Histogram,
        density: Option<Density>,
        units: Units,
    },
    Bars {
        title: String,
        column: String,
        counts: CategoryCounts,
    },
    Scatter {
        x: String,
        y: String,
        sample: ScatterSample,
    },
    Grouped {
        title: String,
        value: String,
        by: String,
        groups: GroupedBoxes,
        log: bool,
    },
}

impl PlotSpec {
    /// What an exported file is named after: the plot and its columns, so two exports of
    /// one file never share a name.
    fn file_part(&self) -> String {
        match self {
            PlotSpec::Box { column, .. } => format!("{column}-box"),
            PlotSpec::Hist { hist, column, .. } => {
                format!("{column}-histogram{}", if hist.log { "-log" } else { "" })
            }
            PlotSpec::Bars { column, .. } => format!("{column}-counts"),
            PlotSpec::Scatter { x, y, .. } => format!("{y}-vs-{x}"),
            PlotSpec::Grouped { title, .. } => title.replace(' ', "-"),
        }
    }

    /// The canvas's accessible name: what is plotted and its headline figures.
    fn name(&self) -> String {
        match self {
            PlotSpec::Box {
                column,
                stats,
                units,
                ..
            } => describe::box_name(column, stats, *units),
            PlotSpec::Hist {
                column,
                hist,
                units,
                ..
            } => describe::histogram_name(column, hist, *units),
            PlotSpec::Bars { column, counts, .. } => describe::bars_name(column, counts),
            PlotSpec::Scatter { x, y, sample } => describe::scatter_name(x, y, sample),
            PlotSpec::Grouped {
                value, by, groups, ..
            } => describe::grouped_name(value, by, groups),
        }
    }

    /// The plotted data as a table; the bars have their list (see [`BarData`]) and a
    /// scatter's thousands of points are summed up by its name.
    fn table(&self) -> Option<DataTable> {
        match self {
            PlotSpec::Box {
                column,
                stats,
                units,
                ..
            } => Some(describe::boxes_table(
                format!("Box plot of {column}: five-number summary and outliers"),
                &[(column.as_str(), stats)],
                *units,
            )),
            PlotSpec::Hist {
                column,
                hist,
                units,
                ..
            } => Some(describe::histogram_table(column, hist, *units)),
            PlotSpec::Grouped {
                value, by, groups, ..
            } => {
                let rows: Vec<(&str, &BoxStats)> =
                    groups.groups.iter().map(|(g, s)| (g.as_str(), s)).collect();
                Some(describe::boxes_table(
                    format!(
                        "Box plots of {value} by {by}: five-number summary and outliers per group"
                    ),
                    &rows,
                    Units::Number,
                ))
            }
            PlotSpec::Bars { .. } | PlotSpec::Scatter { .. } => None,
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> Result<(), ChartError> {
        match self {
            PlotSpec::Box {
                title,
                stats,
                log,
                units,
                ..
            } => charts::draw_boxplot(area, title, stats, *log, *units, style),
            PlotSpec::Hist {
                title,
                hist,
                density,
                units,
                ..
            } => charts::draw_histogram(area, title, hist, density.as_ref(), *units, style),
            PlotSpec::Bars { title, counts, .. } => charts::draw_bars(area, title, counts, style),
            PlotSpec::Scatter { x, y, sample } => charts::draw_scatter(area, x, y, sample, style),
            PlotSpec::Grouped {
                title,
                value,
                groups,
                log,
                ..
            } => charts::draw_grouped_boxes(area, title, value, groups, *log, style),
        }
    }
}

fn is_numeric(c: &Column) -> bool {
    matches!(c.kind, ColumnType::Numeric | ColumnType::Datetime)
}

/// Datetime columns are epoch seconds drawn on date axes.
fn units_of(c: &Column) -> Units {
    if c.kind == ColumnType::Datetime {
        Units::Date
    } else {
        Units::Number
    }
}

fn is_grouping(c: &Column) -> bool {
    matches!(c.kind, ColumnType::Categorical | ColumnType::Boolean)
}

fn rule_name(rule: BinRule) -> String {
    match rule {
        BinRule::FreedmanDiaconis => "Freedman-Diaconis".into(),
        BinRule::Sturges => "Sturges".into(),
        BinRule::Fixed(n) => format!("fixed {n}"),
    }
}

/// All plots for the current dataset.
#[component]
pub fn Plots() -> impl IntoView {
    let st = expect_context::<DistState>();
    let selected_column = move || {
        let d = st.dataset.get()?;
        let i = st.selected.get()?;
        d.table.columns.get(i).map(|c| (c.name.clone(), c.kind))
    };
    // Each plot is computed in a task of its own (see `deferred`), so a multi-million-row
    // column never computes all five in one long main-thread task.
    let box_spec = deferred(
        0,
        move || Some((st.dataset.get()?, st.selected.get()?, st.log.get())),
        |(d, i, log)| {
            let c = d.table.columns.get(i).filter(|c| is_numeric(c))?;
            let p = d.profile.columns.get(i)?;
            // The profile already holds the exact quartiles: reuse them, one pass left.
            let stats = match (&c.data, p.q1, p.median, p.q3) {
                (ColumnData::Numeric(v) | ColumnData::Datetime(v), Some(q1), Some(m), Some(q3)) => {
                    BoxStats::with_quartiles(v, q1, m, q3)?
                }
                _ => BoxStats::from_values(&numeric_values(c)?)?,
            };
            let units = units_of(c);
            Some(PlotSpec::Box {
                title: format!("{}: box plot", c.name),
                column: c.name.clone(),
                stats,
                log: log && units == Units::Number,
                units,
            })
        },
    );
    let hist_spec = deferred(
        1,
        move || {
            Some((
                st.dataset.get()?,
                st.selected.get()?,
                st.bin_rule(),
                st.log.get(),
            ))
        },
        |(d, i, rule, log)| {
            let c = d.table.columns.get(i).filter(|c| is_numeric(c))?;
            let v = numeric_values(c)?;
            let units = units_of(c);
            let hist = histogram(&v, rule, log && units == Units::Number)?;
            let density = density(&v, &hist);
            Some(PlotSpec::Hist {
                title: format!("{}: histogram ({})", c.name, rule_name(rule)),
                column: c.name.clone(),
                hist,
                density,
                units,
            })
        },
    );
    let bars_spec = deferred(
        2,
        move || Some((st.dataset.get()?, st.selected.get()?)),
        |(d, i)| {
            let c = d.table.columns.get(i).filter(|c| !is_numeric(c))?;
            let counts = category_counts(c, TOP_BARS);
            Some(PlotSpec::Bars {
                title: format!("{}: counts", c.name),
                column: c.name.clone(),
                counts,
            })
        },
    );
    let scatter_spec = deferred(
        3,
        move || Some((st.dataset.get()?, st.scatter_x.get()?, st.scatter_y.get()?)),
        |(d, xi, yi)| {
            let x = d.table.columns.get(xi).filter(|c| is_numeric(c))?;
            let y = d.table.columns.get(yi).filter(|c| is_numeric(c))?;
            let sample = scatter_sample(x, y, SCATTER_POINTS, 1);
            Some(PlotSpec::Scatter {
                x: x.name.clone(),
                y: y.name.clone(),
                sample,
            })
        },
    );
    let grouped_spec = deferred(
        4,
        move || {
            Some((
                st.dataset.get()?,
                st.group_value.get()?,
                st.group_by.get()?,
                st.log.get(),
            ))
        },
        |(d, vi, bi, log)| {
            let v = d.table.columns.get(vi).filter(|c| is_numeric(c))?;
            let by = d.table.columns.get(bi).filter(|c| is_grouping(c))?;
            let groups = grouped_boxes(v, by, MAX_GROUPS);
            Some(PlotSpec::Grouped {
                title: format!("{} by {}", v.name, by.name),
                value: v.name.clone(),
                by: by.name.clone(),
                groups,
                log,
            })
        },
    );

    let box_caption = Signal::derive(move || {
        match box_spec.get() {
        Some(PlotSpec::Box { stats: s, column, units, .. }) => format!(
            "{}: n = {}, median {}, Q1 {}, Q3 {}, whiskers {} to {}, {} outlier{} outside the Tukey fences {} and {}.",
            column,
            format::count(s.count),
            units.text(s.median),
            units.text(s.q1),
            units.text(s.q3),
            units.text(s.whisker_low),
            units.text(s.whisker_high),
            format::count(s.outlier_count),
            if s.outlier_count == 1 { "" } else { "s" },
            units.text(s.lower_fence),
            units.text(s.upper_fence),
        ),
        _ => String::new(),
    }
    });
    let hist_caption = Signal::derive(move || match hist_spec.get() {
        Some(PlotSpec::Hist {
            hist,
            density,
            units,
            ..
        }) => {
            // Computed and written as the chart's subtitle does, so the two never disagree
            // in the last digit.
            let width = hist
                .edges
                .last()
                .zip(hist.edges.first())
                .map(|(b, a)| (b - a) / hist.counts.len().max(1) as f64)
                .unwrap_or(0.0);
            let peak = hist.counts.iter().copied().max().unwrap_or(0);
            format!(
                "{} bins of width {}{}, tallest bin {} values{}{}",
                hist.counts.len(),
                units.span(width),
                if hist.log { " (log10 units)" } else { "" },
                format::count(peak as usize),
                density
                    .as_ref()
                    .map(|d| format!(
                        "; density: Gaussian KDE, Silverman bandwidth {}",
                        units.span(d.bandwidth)
                    ))
                    .unwrap_or_default(),
                if hist.excluded > 0 {
                    format!(
                        "; {} non-positive values left out of the log scale",
                        format::count(hist.excluded)
                    )
                } else {
                    String::new()
                }
            )
        }
        _ => String::new(),
    });
    let bars_caption = Signal::derive(move || match bars_spec.get() {
        Some(PlotSpec::Bars { counts, .. }) => {
            let labels = counts.top.len() + counts.other_labels;
            let first = counts
                .top
                .first()
                .map(|(l, n)| format!("; most frequent: {l} ({})", format::count(*n as usize)));
            format!(
                "{} distinct label{}{}{}{}",
                format::count(labels),
                if labels == 1 { "" } else { "s" },
                first.unwrap_or_default(),
                if counts.other > 0 {
                    format!(
                        "; {} more labels folded into \"other\" ({})",
                        counts.other_labels,
                        format::count(counts.other as usize)
                    )
                } else {
                    String::new()
                },
                if counts.missing > 0 {
                    format!("; {} missing", format::count(counts.missing as usize))
                } else {
                    String::new()
                }
            )
        }
        _ => String::new(),
    });
    let scatter_caption = Signal::derive(move || match scatter_spec.get() {
        Some(PlotSpec::Scatter { x, y, sample }) => {
            if sample.sampled {
                format!(
                    "{y} against {x}: a uniform sample of {} of {} rows with both values",
                    format::count(sample.points.len()),
                    format::count(sample.total)
                )
            } else {
                format!(
                    "{y} against {x}: n = {} rows with both values",
                    format::count(sample.total)
                )
            }
        }
        _ => "Pick two numeric columns.".into(),
    });
    let grouped_caption = Signal::derive(move || match grouped_spec.get() {
        Some(PlotSpec::Grouped { title, groups, .. }) => {
            let medians: Vec<String> = groups
                .groups
                .iter()
                .map(|(g, s)| {
                    format!(
                        "{g}: median {} (n = {})",
                        format::value(s.median),
                        format::count(s.count)
                    )
                })
                .collect();
            format!(
                "{title}: {} groups. {}",
                groups.groups.len(),
                medians.join("; ")
            )
        }
        _ => "Pick a numeric column and a categorical one.".into(),
    });

    let numeric_options = move || {
        st.dataset
            .get()
            .map(|d| {
                d.table
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| is_numeric(c))
                    .map(|(i, c)| (i, c.name.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let grouping_options = move || {
        st.dataset
            .get()
            .map(|d| {
                d.table
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| is_grouping(c))
                    .map(|(i, c)| (i, c.name.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    view! {
        <h2 class="section-title">
            {move || selected_column().map(|(n, k)| format!("Column {n} ({})", k.name())).unwrap_or_else(|| "Pick a column in the table".into())}
        </h2>
        <div class="plots">
            <Show when=move || box_spec.with(Option::is_some)>
                <Figure id="fig-box" heading="Box plot" spec=box_spec caption=box_caption width=720 height=300>
                    <label><input id="log-scale" type="checkbox" prop:checked=move || st.log.get()
                        on:change=move |e| st.log.set(event_target_checked(&e)) />"log scale"</label>
                </Figure>
            </Show>
            <Show when=move || hist_spec.with(Option::is_some)>
                <Figure id="fig-hist" heading="Histogram and density" spec=hist_spec caption=hist_caption width=720 height=300>
                    <label>"bins"
                        <select id="bin-rule" prop:value=move || st.bin_rule.get()
                            on:change=move |e| st.bin_rule.set(match event_target_value(&e).as_str() {
                                "sturges" => "sturges",
                                "fixed" => "fixed",
                                _ => "fd",
                            })>
                            <option value="fd">"Freedman-Diaconis"</option>
                            <option value="sturges">"Sturges"</option>
                            <option value="fixed">"fixed count"</option>
                        </select>
                    </label>
                    <label>"count"
                        <input id="bin-count" type="number" min="1" max="500" prop:value=move || st.bin_count.get().to_string()
                            disabled=move || st.bin_rule.get() != "fixed"
                            on:change=move |e| {
                                if let Ok(n) = event_target_value(&e).trim().parse::<usize>() {
                                    st.bin_count.set(n.clamp(1, 500));
                                }
                            } />
                    </label>
                </Figure>
            </Show>
            <Show when=move || bars_spec.with(Option::is_some)>
                <Figure id="fig-bars" heading="Category counts" spec=bars_spec caption=bars_caption width=720 height=560>
                    <span class="hint">{format!("top {TOP_BARS} and \"other\"")}</span>
                    <BarData spec=bars_spec />
                </Figure>
            </Show>
            <Figure id="fig-scatter" heading="Scatter" spec=scatter_spec caption=scatter_caption width=720 height=420>
                <ColumnSelect id="scatter-x" label="x" value=st.scatter_x options=Signal::derive(numeric_options) />
                <ColumnSelect id="scatter-y" label="y" value=st.scatter_y options=Signal::derive(numeric_options) />
            </Figure>
            <Figure id="fig-grouped" heading="Grouped box plots" spec=grouped_spec caption=grouped_caption width=720 height=420>
                <ColumnSelect id="group-value" label="value" value=st.group_value options=Signal::derive(numeric_options) />
                <ColumnSelect id="group-by" label="by" value=st.group_by options=Signal::derive(grouping_options) />
            </Figure>
        </div>
    }
}

/// A plot's data computed off the reactive path: `inputs` is read reactively (cheap: the
/// dataset handle and control values), and `compute` runs `slot + 1` macrotasks later, so each plot's
/// work is a separate short task and the browser can paint in between. A newer input
/// supersedes a computation that has not run yet.
pub(super) fn deferred<I: 'static, T: Send + Sync + PartialEq + 'static>(
    slot: u32,
    inputs: impl Fn() -> Option<I> + 'static,
    compute: impl Fn(I) -> Option<T> + Copy + 'static,
) -> RwSignal<Option<T>> {
    let out = RwSignal::new(None);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let input = inputs();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            // Plots take turns (slot 0 first), one macrotask apart, so two never share a task.
            for _ in 0..=slot {
                yield_now().await;
            }
            if generation.try_get_value() != Some(mine) {
                return;
            }
            let value = input.and_then(compute);
            if out.with_untracked(|o| o != &value) {
                out.set(value);
            }
        });
    });
    out
}

/// A select of columns bound to an index signal.
#[component]
fn ColumnSelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<Option<usize>>,
    options: Signal<Vec<(usize, String)>>,
) -> impl IntoView {
    view! {
        <label>{label}
            <select id=id prop:value=move || value.get().map(|i| i.to_string()).unwrap_or_default()
                on:change=move |e| value.set(event_target_value(&e).parse().ok())>
                <option value="">"–"</option>
                {move || options.get().into_iter().map(|(i, name)| {
                    view! { <option value=i.to_string() selected=move || value.get() == Some(i)>{name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// The bars' labels and counts as a list, for screen readers and for checking the DOM.
#[component]
fn BarData(spec: RwSignal<Option<PlotSpec>>) -> impl IntoView {
    move || match spec.get() {
        Some(PlotSpec::Bars { counts, .. }) => Some(view! {
            <ol class="bar-data visually-hidden" aria-label="Bar chart data">
                {counts.top.iter().map(|(l, n)| view! { <li data-label=l.clone() data-count=n.to_string()>{format!("{l}: {n}")}</li> }).collect_view()}
                {(counts.other > 0).then(|| view! {
                    <li data-label="other" data-count=counts.other.to_string()>{format!("other ({} labels): {}", counts.other_labels, counts.other)}</li>
                })}
            </ol>
        }),
        _ => None,
    }
}

/// One plot: heading, controls, canvas, caption and export buttons.
#[component]
fn Figure(
    id: &'static str,
    heading: &'static str,
    spec: RwSignal<Option<PlotSpec>>,
    caption: Signal<String>,
    width: u32,
    height: u32,
    children: Children,
) -> impl IntoView {
    let st = expect_context::<DistState>();
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let style = chart_style(st.app.dark.get());
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        let result = spec.with(|s| match s {
            Some(s) => canvas::draw_on(&canvas, |area| s.draw(area, &style)),
            None => {
                canvas::clear(&canvas, style.background);
                Ok(())
            }
        });
        error.set(result.err());
    });
    let name = Signal::derive(move || spec.with(|s| s.as_ref().map(PlotSpec::name)));
    let data = Signal::derive(move || spec.with(|s| s.as_ref().and_then(PlotSpec::table)));
    let caption_id = format!("{id}-caption");
    let file_base = move || {
        let name = st
            .dataset
            .with_untracked(|d| d.as_ref().map(|d| d.name.clone()))
            .unwrap_or_default();
        let what = spec
            .with_untracked(|s| s.as_ref().map(PlotSpec::file_part))
            .unwrap_or_else(|| id.trim_start_matches("fig-").to_string());
        download::safe_name(&format!("{}-{what}", name.trim_end_matches(".csv")))
    };
    let export_png = move |_| {
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        let result = download::canvas_png(&canvas, &file_base());
        report(st, "PNG", result);
    };
    let export_svg = move |_| {
        let style = chart_style(st.app.dark.get_untracked());
        let result = spec.with_untracked(|s| match s {
            Some(s) => charts::to_svg(width, height, |area| s.draw(area, &style))
                .map_err(|e| e.to_string()),
            None => Err("nothing to export".into()),
        });
        let result = result
            .and_then(|svg| download::text(&format!("{}.svg", file_base()), "image/svg+xml", &svg));
        report(st, "SVG", result);
    };
    view! {
        <figure class="plot" id=id>
            <div class="plot-head">
                <h2>{heading}</h2>
                <button class="small export-png" on:click=export_png aria-label=format!("Export {heading} as PNG")>"PNG"</button>
                <button class="small export-svg" on:click=export_svg aria-label=format!("Export {heading} as SVG")>"SVG"</button>
            </div>
            <div class="controls">{children()}</div>
            // The name gives the headline figures and the caption the detail, so neither is
            // read twice; with nothing drawn the caption (a hint) names the empty canvas.
            <canvas node_ref=canvas_ref width=width height=height role="img"
                aria-label=move || name.get()
                aria-labelledby=move || name.with(Option::is_none).then(|| caption_id.clone())></canvas>
            <ChartData id=format!("{id}-data") data=data />
            <figcaption id=format!("{id}-caption")>{move || error.get().map(|e| format!("Could not draw: {e}")).unwrap_or_else(|| caption.get())}</figcaption>
        </figure>
    }
}

fn report(st: DistState, what: &str, result: Result<(), String>) {
    match result {
        Ok(()) => st.app.status.set(format!("Exported the plot as {what}")),
        Err(e) => st.app.status.set(format!("{what} export failed: {e}")),
    }
}
