//! The correlation section of the Distribution workspace: a heatmap of Pearson,
//! Spearman or Cramér's V between columns, computed only once the section is opened (so
//! the profile of a big file never waits for it), with the value of a cell on hover and
//! on keyboard focus, and the whole matrix as a table for screen readers and copying.

use super::plots::deferred;
use super::state::DistState;
use crate::charts::{corr_text, draw_correlation, CorrLayout};
use crate::core::profile::correlation::{correlations, CorrelationMatrix, Method, MAX_ROWS};
use crate::ui::canvas;
use crate::ui::format;
use crate::ui::theme::chart_style;
use leptos::html;
use leptos::prelude::*;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 640;

/// One cell as a sentence: "A × B: Pearson r = 0.87 on 10,127 rows".
fn describe(m: &CorrelationMatrix, i: usize, j: usize) -> String {
    let value = match m.get(i, j) {
        Some(v) => format!("{} = {}", m.method.label(), corr_text(Some(v))),
        None => format!(
            "{} undefined (a constant column or too few rows)",
            m.method.label()
        ),
    };
    format!(
        "{} × {}: {value} on {} rows",
        m.columns[i],
        m.columns[j],
        format::count(m.pairs_at(i, j))
    )
}

/// The correlations section, collapsed until the user opens it.
#[component]
pub fn Correlations() -> impl IntoView {
    let st = expect_context::<DistState>();
    let open = RwSignal::new(false);
    let method = RwSignal::new(Method::Pearson);
    let matrix = deferred(
        5,
        move || {
            if !open.get() {
                return None;
            }
            Some((st.dataset.get()?, method.get()))
        },
        |(d, m)| Some(correlations(&d.table, m, MAX_ROWS)),
    );
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let layout = RwSignal::new(None::<CorrLayout>);
    let error = RwSignal::new(None::<String>);
    // The cell the readout explains: set by the pointer or by the arrow keys.
    let focus = RwSignal::new(None::<(usize, usize)>);
    Effect::new(move |_| {
        let style = chart_style(st.app.dark.get());
        let Some(el) = canvas_ref.get() else { return };
        let mut drawn = None;
        let result = matrix.with(|m| match m {
            Some(m) => canvas::draw_on(&el, |area| {
                drawn = Some(draw_correlation(area, m, &style)?);
                Ok(())
            }),
            None => {
                canvas::clear(&el, style.background);
                Ok(())
            }
        });
        layout.set(drawn);
        error.set(result.err());
        focus.set(None);
    });
    let readout = move || {
        let (i, j) = focus.get()?;
        matrix.with(|m| {
            m.as_ref()
                .filter(|m| i < m.columns.len() && j < m.columns.len())
                .map(|m| describe(m, i, j))
        })
    };
    // The focused cell's box, in percent of the canvas so it follows CSS scaling.
    let ring = move || {
        let (i, j) = focus.get()?;
        let l = layout.get()?;
        let (cx, cy) = l.centre(i, j);
        let half = l.cell / 2.0;
        Some(format!(
            "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
            (cx - half) / f64::from(WIDTH) * 100.0,
            (cy - half) / f64::from(HEIGHT) * 100.0,
            l.cell / f64::from(WIDTH) * 100.0,
            l.cell / f64::from(HEIGHT) * 100.0,
        ))
    };
    let on_move = move |e: leptos::ev::MouseEvent| {
        let Some(el) = canvas_ref.get() else { return };
        let scale = f64::from(el.width()) / f64::from(el.client_width().max(1));
        let at = layout.with(|l| {
            l.and_then(|l| {
                l.locate(
                    f64::from(e.offset_x()) * scale,
                    f64::from(e.offset_y()) * scale,
                )
            })
        });
        if at.is_some() {
            focus.set(at);
        }
    };
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        let size = layout.with(|l| l.map(|l| l.size).unwrap_or(0));
        if size == 0 {
            return;
        }
        let (i, j) = focus.get().unwrap_or((0, 0));
        let last = size - 1;
        let next = match e.key().as_str() {
            "ArrowLeft" => (i, j.saturating_sub(1)),
            "ArrowRight" => (i, (j + 1).min(last)),
            "ArrowUp" => (i.saturating_sub(1), j),
            "ArrowDown" => ((i + 1).min(last), j),
            "Home" => (i, 0),
            "End" => (i, last),
            _ => return,
        };
        e.prevent_default();
        focus.set(Some(next));
    };
    let on_focus = move |_| {
        if focus.get_untracked().is_none()
            && layout.with_untracked(|l| l.is_some_and(|l| l.size > 1))
        {
            focus.set(Some((0, 1)));
        }
    };
    let summary = move || {
        matrix.with(|m| {
            let m = m.as_ref()?;
            let strongest: Vec<String> = m
                .strongest(3)
                .into_iter()
                .map(|(i, j, v)| {
                    format!("{} × {} {}", m.columns[i], m.columns[j], corr_text(Some(v)))
                })
                .collect();
            let mut text = format!(
                "{} between {} columns{}",
                m.method.label(),
                m.columns.len(),
                if strongest.is_empty() {
                    String::new()
                } else {
                    format!("; strongest: {}", strongest.join(", "))
                }
            );
            if m.sampled() {
                text.push_str(&format!(
                    ". Computed on a uniform sample of {} of {} rows",
                    format::count(m.rows_used),
                    format::count(m.rows_total)
                ));
            }
            if !m.left_out.is_empty() {
                let names: Vec<String> = m
                    .left_out
                    .iter()
                    .map(|(n, why)| format!("{n} ({why})"))
                    .collect();
                text.push_str(&format!(". Left out: {}", names.join(", ")));
            }
            Some(text)
        })
    };
    view! {
        <details class="profile-extra" id="correlations" on:toggle=move |e| {
            use wasm_bindgen::JsCast;
            let el: web_sys::HtmlDetailsElement = event_target::<web_sys::HtmlElement>(&e).unchecked_into();
            open.set(el.open());
        }>
            <summary><h2 class="section-title">"Correlations"</h2>
                <span class="hint">" · computed when opened, on at most "{format::count(MAX_ROWS)}" rows"</span>
            </summary>
            <div class="controls">
                <label>"method "
                    <select id="corr-method" on:change=move |e| {
                        if let Some(m) = Method::from_key(&event_target_value(&e)) { method.set(m) }
                    }>
                        {Method::ALL.into_iter().map(|m| view! {
                            <option value=m.key() selected=move || method.get() == m>{m.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <span class="hint">"Pearson and Spearman over numeric columns, Cramér's V (without bias or continuity correction) over categorical ones; each pair on the rows where both are present. Blue: negative, orange: positive."</span>
            </div>
            <div class="corr-wrap">
                <canvas node_ref=canvas_ref id="corr-canvas" width=WIDTH height=HEIGHT tabindex="0" role="img"
                    aria-label=move || summary().unwrap_or_else(|| "Correlation heatmap".into())
                    aria-describedby="corr-readout"
                    on:mousemove=on_move on:keydown=on_key on:focus=on_focus></canvas>
                {move || ring().map(|s| view! { <div class="corr-ring" aria-hidden="true" style=s></div> })}
            </div>
            <p id="corr-readout" class="corr-readout" aria-live="polite">
                {move || error.get().map(|e| format!("Could not draw: {e}")).or_else(readout).unwrap_or_else(|| "Point at a cell, or focus the chart and use the arrow keys, to read its value.".into())}
            </p>
            // The canvas's name already says this: hidden from screen readers, read once.
            <p class="hint" id="corr-summary" aria-hidden="true">{summary}</p>
            <details class="corr-table-wrap">
                <summary>"The matrix as a table"</summary>
                <CorrTable matrix=matrix />
            </details>
        </details>
    }
}

/// The matrix as an HTML table: the text alternative to the heatmap.
#[component]
fn CorrTable(matrix: RwSignal<Option<CorrelationMatrix>>) -> impl IntoView {
    move || {
        matrix.with(|m| {
            let m = m.as_ref()?;
            let k = m.columns.len();
            Some(view! {
                <div class="table-wrap">
                    <table id="corr-table" class="profile">
                        <caption>{format!("{} between columns (rows × columns)", m.method.label())}</caption>
                        <thead><tr><td></td>{m.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {(0..k).map(|i| view! {
                                <tr>
                                    <th scope="row">{m.columns[i].clone()}</th>
                                    {(0..k).map(|j| view! {
                                        <td data-value=m.get(i, j).map(|v| v.to_string()).unwrap_or_default()
                                            title=describe(m, i, j)>{corr_text(m.get(i, j))}</td>
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })
        })
    }
}
