//! The missing-value matrix section: computed when opened, drawn on a canvas, and told in
//! words (which columns miss values, how many, and whether the gaps cluster in a stretch
//! of rows or spread through the file).

use super::plots::deferred;
use super::state::DistState;
use crate::charts::draw_missing;
use crate::core::profile::missing::{missing_matrix, MissingMatrix, MAX_BANDS};
use crate::ui::canvas;
use crate::ui::format;
use crate::ui::theme::chart_style;
use leptos::html;
use leptos::prelude::*;

/// One sentence per column with missing cells.
fn column_lines(m: &MissingMatrix) -> Vec<(String, String)> {
    (0..m.columns.len())
        .filter(|&c| m.missing[c] > 0)
        .map(|c| {
            let touched = m.bands_touched(c);
            let first = (0..m.bands()).find(|&b| m.share(b, c) > 0.0).unwrap_or(0);
            let last = (0..m.bands())
                .rev()
                .find(|&b| m.share(b, c) > 0.0)
                .unwrap_or(0);
            let (from, to) = (m.band_rows(first).start + 1, m.band_rows(last).end);
            let spread = if touched * 4 <= m.bands() {
                format!(
                    "clustered: all in rows {}–{}",
                    format::count(from),
                    format::count(to)
                )
            } else {
                format!("spread over {touched} of {} bands", m.bands())
            };
            (
                m.columns[c].clone(),
                format!(
                    "{}: {} missing ({:.1}%), {spread}",
                    m.columns[c],
                    format::count(m.missing[c]),
                    m.missing[c] as f64 / m.rows.max(1) as f64 * 100.0
                ),
            )
        })
        .collect()
}

/// The missing-value matrix, collapsed until opened.
#[component]
pub fn MissingValues() -> impl IntoView {
    let st = expect_context::<DistState>();
    let open = RwSignal::new(false);
    let matrix = deferred(
        7,
        move || {
            if !open.get() {
                return None;
            }
            st.dataset.get()
        },
        |d| Some(missing_matrix(&d.table, MAX_BANDS)),
    );
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let style = chart_style(st.app.dark.get());
        let Some(el) = canvas_ref.get() else { return };
        let result = matrix.with(|m| match m {
            Some(m) => canvas::draw_on(&el, |area| draw_missing(area, m, &style)),
            None => {
                canvas::clear(&el, style.background);
                Ok(())
            }
        });
        error.set(result.err());
    });
    let summary = move || {
        matrix.with(|m| {
            let m = m.as_ref()?;
            let with = m.missing.iter().filter(|&&n| n > 0).count();
            Some(if with == 0 {
                "No column has missing values.".to_string()
            } else {
                format!(
                    "{with} of {} columns have missing values; {} cells missing in all. Rows cut into {} bands.",
                    m.columns.len(),
                    format::count(m.missing.iter().sum::<usize>()),
                    m.bands()
                )
            })
        })
    };
    view! {
        <details class="profile-extra" id="missing-values" on:toggle=move |e| {
            use wasm_bindgen::JsCast;
            let el: web_sys::HtmlDetailsElement = event_target::<web_sys::HtmlElement>(&e).unchecked_into();
            open.set(el.open());
        }>
            <summary><h2 class="section-title">"Missing values"</h2>
                <span class="hint">" · where in the file the gaps are"</span>
            </summary>
            <div class="corr-wrap">
                <canvas node_ref=canvas_ref id="missing-canvas" width=900 height=420 role="img"
                    // A short name: the summary and the per-column lines follow it as text.
                    aria-label=move || matrix.with(|m| m.as_ref().map(|m| format!(
                        "Missing-value matrix: {} columns by {} row bands, gaps described below",
                        m.columns.len(), m.bands())).unwrap_or_else(|| "Missing-value matrix".into()))></canvas>
            </div>
            <div id="missing-summary">
                <p>{move || error.get().map(|e| format!("Could not draw: {e}")).or_else(summary)}</p>
                <ul class="missing-list">
                    {move || matrix.with(|m| m.as_ref().map(column_lines).unwrap_or_default()).into_iter().map(|(c, line)| view! {
                        <li data-column=c>{line}</li>
                    }).collect_view()}
                </ul>
            </div>
        </details>
    }
}
