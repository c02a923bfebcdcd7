//! The selected column's two distributions on one canvas, with PNG and SVG export.

use super::state::ChecksState;
use crate::charts;
use crate::charts::describe::{overlay_name, overlay_table};
use crate::core::compare::overlay::{overlay_in, Overlay as Spec};
use crate::ui::canvas;
use crate::ui::data_table::ChartData;
use crate::ui::download;
use crate::ui::theme::chart_style;
use leptos::html;
use leptos::prelude::*;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 380;

/// The overlay of the column selected in the drift table.
#[component]
pub fn Overlay() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    // (column title, overlay) of the selection; None when the column is on one side only.
    let spec = Memo::new(move |_| {
        let name = st.selected.get()?;
        let report = st.report.get()?;
        let entry = report.columns.iter().find(|c| c.name == name)?;
        let ref_name = entry.renamed_from.clone().unwrap_or_else(|| name.clone());
        let r = st.reference.get()?;
        let c = st.current.get()?;
        let ri = r.table.columns.iter().position(|x| x.name == ref_name)?;
        let ci = c.table.columns.iter().position(|x| x.name == name)?;
        let title = match &entry.renamed_from {
            Some(f) => format!("{name} (reference: {f})"),
            None => name.clone(),
        };
        overlay_in(r.profiled(), ri, c.profiled(), ci).map(|o| (title, o))
    });
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let style = chart_style(st.app.dark.get());
        let Some(el) = canvas_ref.get() else { return };
        let result = spec.with(|s| match s {
            Some((title, o)) => {
                canvas::draw_on(&el, |area| charts::draw_overlay(area, title, o, &style))
            }
            None => {
                canvas::clear(&el, style.background);
                Ok(())
            }
        });
        error.set(result.err());
    });
    let caption = move || {
        let name = st.selected.get().unwrap_or_default();
        spec.with(|s| match s {
            Some((_, Spec::Numbers { date, .. })) => format!(
                "{name}: share of each file's valid values per common bin{}; reference as filled bars, current as an outline",
                if *date { " (dates)" } else { "" }
            ),
            Some((_, Spec::Labels { .. })) => format!(
                "{name}: share of each file's valid values per label, reference above current in each row"
            ),
            None if name.is_empty() => "Choose a column in the table to overlay its two distributions".into(),
            None => format!("{name} is in one file only, or its two sides are of different kinds: nothing to overlay"),
        })
    };
    // The canvas's name carries the figures (values per side, the widest gap); the caption
    // says how to read the drawing, so the two are never the same words read twice.
    let name = move || {
        let column = st.selected.get().unwrap_or_default();
        spec.with(|s| s.as_ref().map(|(_, o)| overlay_name(&column, o)))
    };
    let data = Signal::derive(move || {
        let column = st.selected.get().unwrap_or_default();
        spec.with(|s| s.as_ref().map(|(_, o)| overlay_table(&column, o)))
    });
    let file_base = move || {
        download::safe_name(&format!(
            "{}-overlay",
            st.selected.get_untracked().unwrap_or_default()
        ))
    };
    let export_png = move |_| {
        let Some(el) = canvas_ref.get_untracked() else {
            return;
        };
        let result = download::canvas_png(&el, &file_base());
        report(st, "PNG", result);
    };
    let export_svg = move |_| {
        let style = chart_style(st.app.dark.get_untracked());
        let result = spec.with_untracked(|s| match s {
            Some((title, o)) => charts::to_svg(WIDTH, HEIGHT, |area| {
                charts::draw_overlay(area, title, o, &style)
            })
            .map_err(|e| e.to_string()),
            None => Err("nothing to export".into()),
        });
        let result = result
            .and_then(|svg| download::text(&format!("{}.svg", file_base()), "image/svg+xml", &svg));
        report(st, "SVG", result);
    };
    view! {
        <figure class="plot" id="fig-overlay" data-column=move || st.selected.get().unwrap_or_default()
            data-kind=move || spec.with(|s| match s {
                Some((_, Spec::Numbers { .. })) => "numbers",
                Some((_, Spec::Labels { .. })) => "labels",
                None => "none",
            })>
            <div class="plot-head">
                <h2>"Reference and current, overlaid"</h2>
                <button class="small export-png" on:click=export_png aria-label="Export the overlay as PNG">"PNG"</button>
                <button class="small export-svg" on:click=export_svg aria-label="Export the overlay as SVG">"SVG"</button>
            </div>
            <canvas id="overlay-canvas" node_ref=canvas_ref width=WIDTH height=HEIGHT role="img"
                aria-label=move || name()
                aria-labelledby=move || name().is_none().then_some("overlay-caption")></canvas>
            <ChartData id="overlay-data".to_string() data=data />
            <figcaption id="overlay-caption">{move || error.get().map(|e| format!("Could not draw: {e}")).unwrap_or_else(caption)}</figcaption>
        </figure>
    }
}

fn report(st: ChecksState, what: &str, result: Result<(), String>) {
    match result {
        Ok(()) => st.app.status.set(format!("Exported the overlay as {what}")),
        Err(e) => st.app.status.set(format!("{what} export failed: {e}")),
    }
}
