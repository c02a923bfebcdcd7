//! A chart's data as a real table behind a "Show data" toggle: the text alternative that
//! carries a canvas's numbers to a screen reader, and lets anyone read or copy them.

use crate::charts::describe::DataTable;
use leptos::prelude::*;

/// The table of `data` in a closed `<details>`; `on_open` hears the toggle, so a chart
/// that updates at stream rate can fill its table only while it is open.
#[component]
pub fn ChartData(
    /// Element id of the `<details>`.
    id: String,
    /// The table; None shows nothing.
    data: Signal<Option<DataTable>>,
    /// Told whether the toggle is open.
    #[prop(optional)]
    on_open: Option<Callback<bool>>,
) -> impl IntoView {
    view! {
        <details class="chart-data" id=id on:toggle=move |e| {
            use wasm_bindgen::JsCast;
            let el: web_sys::HtmlDetailsElement = event_target::<web_sys::HtmlElement>(&e).unchecked_into();
            if let Some(f) = on_open { f.run(el.open()) }
        }>
            <summary>"Show data"</summary>
            {move || data.with(|d| d.as_ref().map(|d| view! {
                <div class="table-wrap">
                    <table class="chart-data-table">
                        <caption>{d.caption.clone()}</caption>
                        <thead><tr>{d.head.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {d.rows.iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.first().cloned().unwrap_or_default()}</th>
                                    {r.iter().skip(1).map(|c| view! { <td>{c.clone()}</td> }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }))}
        </details>
    }
}
