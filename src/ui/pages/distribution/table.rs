//! The sortable profile table: one row per column, a click opens its plots.

use super::state::DistState;
use crate::core::ingest::ColumnType;
use crate::core::profile::warnings::{column_warnings, ColumnWarning};
use crate::core::profile::ColumnProfile;
use crate::core::time;
use crate::ui::download;
use crate::ui::format;
use leptos::ev;
use leptos::prelude::*;
use std::cmp::Ordering;

/// Widest table whose columns get warning badges.
const WARNED_COLUMNS: usize = 1_000;

/// Columns of the table: (field, header, tooltip).
const FIELDS: [(&str, &str, &str); 16] = [
    ("name", "column", "Column name"),
    (
        "type",
        "type",
        "Inferred type; change it to re-read the column",
    ),
    ("count", "count", "Valid non-missing values"),
    ("missing", "missing", "Empty, NA, N/A, null or NaN cells"),
    ("distinct", "distinct", "Distinct values"),
    ("min", "min", "Smallest value"),
    ("q1", "Q1", "First quartile (linear interpolation, type 7)"),
    ("median", "median", "Median"),
    ("q3", "Q3", "Third quartile (linear interpolation, type 7)"),
    ("max", "max", "Largest value"),
    ("mean", "mean", "Arithmetic mean"),
    ("std", "std", "Sample standard deviation (n - 1)"),
    ("skewness", "skew", "Adjusted Fisher-Pearson skewness"),
    (
        "outliers",
        "outliers",
        "Values outside the Tukey fences (1.5 IQR beyond Q1 and Q3)",
    ),
    (
        "invalid",
        "invalid",
        "Cells that did not parse as the column's type",
    ),
    (
        "top",
        "most frequent",
        "Most frequent label and its count (labels and booleans)",
    ),
];

fn numeric_field(p: &ColumnProfile, field: &str) -> Option<f64> {
    match field {
        "count" => Some(p.count as f64),
        "missing" => Some(p.missing as f64),
        "distinct" => Some(p.distinct as f64),
        "min" => p.min,
        "q1" => p.q1,
        "median" => p.median,
        "q3" => p.q3,
        "max" => p.max,
        "mean" => p.mean,
        "std" => p.std,
        "skewness" => p.skewness,
        "outliers" => p.outliers.map(|o| o as f64),
        "invalid" => Some(p.invalid as f64),
        "top" => p.top.first().map(|(_, n)| *n as f64),
        _ => None,
    }
}

fn compare(a: &ColumnProfile, b: &ColumnProfile, field: &str) -> Ordering {
    match field {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "type" => a.kind.name().cmp(b.kind.name()),
        // Missing figures sort last in either direction, so compare them apart.
        f => match (numeric_field(a, f), numeric_field(b, f)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

/// The profile table with sort headers, type selects and export buttons.
#[component]
pub fn ProfileTable() -> impl IntoView {
    let st = expect_context::<DistState>();
    // (field, ascending); None keeps file order.
    let sort = RwSignal::new(None::<(&'static str, bool)>);
    let order = Memo::new(move |_| {
        st.dataset.with(|d| {
            let Some(d) = d else { return Vec::new() };
            let mut idx: Vec<usize> = (0..d.profile.columns.len()).collect();
            if let Some((field, asc)) = sort.get() {
                idx.sort_by(|&a, &b| {
                    let (pa, pb) = (&d.profile.columns[a], &d.profile.columns[b]);
                    let o = compare(pa, pb, field);
                    let o = if asc { o } else { o.reverse() };
                    // Missing figures stay last whichever way the sort runs.
                    match (
                        numeric_field(pa, field).is_none(),
                        numeric_field(pb, field).is_none(),
                    ) {
                        (true, false) if !matches!(field, "name" | "type") => Ordering::Greater,
                        (false, true) if !matches!(field, "name" | "type") => Ordering::Less,
                        _ => o,
                    }
                });
            }
            idx
        })
    });
    // Warnings per column, in profile order: computed once per dataset, not per sort.
    // Tables wider than WARNED_COLUMNS get none: thousands of badges (every column of a
    // three-row file is "constant") would cost the table's first render seconds.
    let warnings = Memo::new(move |_| {
        st.dataset.with(|d| {
            d.as_ref()
                .filter(|d| d.table.columns.len() <= WARNED_COLUMNS)
                .map(|d| {
                    d.table
                        .columns
                        .iter()
                        .zip(&d.profile.columns)
                        .map(|(c, p)| column_warnings(c, p, d.table.rows))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let export = move |json: bool| {
        st.dataset.with_untracked(|d| {
            if let Some(d) = d {
                let base = download::safe_name(d.name.trim_end_matches(".csv"));
                let result = if json {
                    download::text(
                        &format!("{base}.profile.json"),
                        "application/json",
                        &d.profile.to_json(),
                    )
                } else {
                    download::text(
                        &format!("{base}.profile.csv"),
                        "text/csv",
                        &d.profile.to_csv(),
                    )
                };
                match result {
                    Ok(()) => st.app.status.set(format!(
                        "Exported the profile of {} as {}",
                        d.name,
                        if json { "JSON" } else { "CSV" }
                    )),
                    Err(e) => st.app.status.set(format!("Export failed: {e}")),
                }
            }
        })
    };

    let export_html = move || {
        st.dataset.with_untracked(|d| {
            let Some(d) = d else { return };
            let base = download::safe_name(d.name.trim_end_matches(".csv"));
            let html = crate::report::profile_html(&d.name, &d.table, &d.profile);
            match download::text(&format!("{base}.profile.html"), "text/html", &html) {
                Ok(()) => st.app.status.set(format!(
                    "Exported the profile of {} as an HTML report",
                    d.name
                )),
                Err(e) => st.app.status.set(format!("Export failed: {e}")),
            }
        })
    };

    view! {
        <div class="workspace-head" style="margin: 8px 0 6px">
            <h2 class="section-title" style="margin: 0; flex: 1">"Profile of every column"
                <span class="hint" style="font-weight: normal; font-size: 12px">
                    " · click a row (or Enter) to open its plots; click a header to sort"
                </span>
            </h2>
            <button id="export-json" class="small" on:click=move |_| export(true)>"Export JSON"</button>
            <button id="export-csv" class="small" on:click=move |_| export(false)>"Export CSV"</button>
            <button id="export-html" class="small" on:click=move |_| export_html()
                title="One HTML file with the table, a plot per column, correlations and missing values; it opens offline">"Export HTML report"</button>
        </div>
        <div class="table-wrap">
            <table id="profile-table" class="profile">
                <thead>
                    <tr>
                        {FIELDS
                            .iter()
                            .map(|&(field, label, tip)| {
                                let arrow = move || match sort.get() {
                                    Some((f, true)) if f == field => "▲",
                                    Some((f, false)) if f == field => "▼",
                                    _ => "",
                                };
                                let aria = move || match sort.get() {
                                    Some((f, true)) if f == field => "ascending",
                                    Some((f, false)) if f == field => "descending",
                                    _ => "none",
                                };
                                view! {
                                    <th class=field scope="col" aria-sort=aria title=tip>
                                        <button data-sort=field on:click=move |_| {
                                            sort.update(|s| {
                                                *s = match *s {
                                                    Some((f, asc)) if f == field => Some((field, !asc)),
                                                    _ => Some((field, matches!(field, "name" | "type"))),
                                                }
                                            })
                                        }>
                                            {label}<span class="arrow">{arrow}</span>
                                        </button>
                                    </th>
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let d = st.dataset.get()?;
                        let w = warnings.get();
                        Some(order.get().into_iter().map(|i| row(st, &d.profile.columns[i], i, w.get(i).map(Vec::as_slice).unwrap_or(&[]))).collect_view())
                    }}
                </tbody>
            </table>
        </div>
    }
}

fn row(
    st: DistState,
    p: &ColumnProfile,
    index: usize,
    warnings: &[ColumnWarning],
) -> impl IntoView {
    let badges = warnings
        .iter()
        .map(|w| {
            view! {
                <span class="warn-badge" data-warning=w.kind.key()
                    title=format!("{}: {}", w.detail, w.explain)>{w.kind.label()}</span>
                <span class="visually-hidden">{format!(" ({})", w.detail)}</span>
            }
        })
        .collect_view();
    let name = p.name.clone();
    let kind = p.kind;
    let cells = FIELDS[2..]
        .iter()
        .map(|&(field, _, _)| {
            let v = numeric_field(p, field);
            let text = match (field, v) {
                (_, None) => "–".to_string(),
                ("min" | "q1" | "median" | "q3" | "max" | "mean", Some(x))
                    if kind == ColumnType::Datetime =>
                {
                    time::format_epoch_seconds(x)
                }
                ("std", Some(x)) if kind == ColumnType::Datetime => format::duration(x),
                ("top", Some(_)) => p
                    .top
                    .first()
                    .map(|(l, n)| format!("{l} ({})", format::count(*n as usize)))
                    .unwrap_or_default(),
                ("count" | "missing" | "distinct" | "outliers" | "invalid", Some(x)) => {
                    format::count(x as usize)
                }
                (_, Some(x)) => format::value(x),
            };
            let title = match field {
                "top" => p
                    .top
                    .iter()
                    .map(|(l, n)| format!("{l}: {n}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => v.map(|x| format!("{x}")).unwrap_or_default(),
            };
            let class = match (field, v) {
                (_, None) => "na",
                ("invalid", Some(x)) if x > 0.0 => "bad",
                _ => "",
            };
            view! { <td data-field=field class=class title=title>{text}</td> }
        })
        .collect_view();
    let select = move || st.selected.set(Some(index));
    let on_key = move |e: ev::KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            select();
        }
    };
    let change_name = name.clone();
    let on_type = move |e: ev::Event| {
        if let Some(k) = ColumnType::parse(&event_target_value(&e)) {
            st.override_type(&change_name, k);
        }
    };
    view! {
        <tr data-column=name.clone() tabindex="0" aria-selected=move || (st.selected.get() == Some(index)).to_string()
            on:click=move |_| select() on:keydown=on_key>
            <td class="name" data-field="name" title=name.clone()>{name.clone()}{badges}</td>
            <td class="type" data-field="type">
                <select aria-label=format!("Type of {name}") on:change=on_type on:click=|e| e.stop_propagation() on:keydown=|e| e.stop_propagation()>
                    {ColumnType::ALL
                        .into_iter()
                        .map(|t| view! { <option value=t.name() selected=t == kind>{t.name()}</option> })
                        .collect_view()}
                </select>
            </td>
            {cells}
        </tr>
    }
}
