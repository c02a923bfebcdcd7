//! The heatmap canvas: redrawn from the engine's closed bins whenever the engine moves,
//! with a hover readout of the cell under the pointer.

use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ErrState;
use crate::charts::{cell_image, draw_heatmap, Cells, ChartStyle, HeatLayout};
use crate::core::errors::heatmap::{
    code_totals, file_difference_scale, heat_grid, row_order, HeatGrid, HeatMode,
};
use crate::core::time::format_stream_seconds;
use crate::ui::canvas::{draw_on, paint_image};

/// Canvas width in pixels; CSS scales it down on narrow screens.
const WIDTH: u32 = 1180;
/// Height of one code row.
const ROW_H: u32 = 18;
/// Title block, column heads and time axis around the rows.
const CHROME_H: u32 = 110;

/// A replayed file's difference scale: (file, (baseline, candidate), bin seconds, scale).
type FileScale = (usize, (u32, u32), u32, f64);

/// What the last redraw drew, for the hover readout.
struct Drawn {
    grid: HeatGrid,
    labels: Vec<String>,
    layout: HeatLayout,
}

/// The heatmap with its caption and hover readout.
#[component]
pub fn Heatmap() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let canvas = NodeRef::<html::Canvas>::new();
    let drawn: StoredValue<Option<Drawn>, LocalStorage> = StoredValue::new_local(None);
    let draw_ms = RwSignal::new(0.0f64);
    let hover = RwSignal::new(None::<(String, f64, f64)>);
    let shape = RwSignal::new((0usize, 0usize));
    // Where the cells are and which code each row is, for tests and tools reading pixels.
    let cells_attr = RwSignal::new(String::new());
    let rows_attr = RwSignal::new(String::new());
    // The counts drawn, for tests comparing two runs: per-row sums and a digest of cells.
    let counts_attr = RwSignal::new((String::new(), String::new()));
    // What each row's totals read beside it (drawn on the canvas), for tests and tools.
    let totals_attr = RwSignal::new(String::new());
    // The same totals as DOM text: selectable, copyable and read aloud, unlike the canvas.
    let totals_rows = RwSignal::new(Vec::<TotalsRow>::new());
    // Off-screen canvas the cell image is staged on before one scaled copy.
    let scratch: StoredValue<Option<web_sys::HtmlCanvasElement>, LocalStorage> =
        StoredValue::new_local(None);
    // A replayed file's difference scale, worked out once from the whole file (keyed by the
    // file, the builds compared and the bin width), so colours stay put while it plays.
    let file_scale: StoredValue<Option<FileScale>, LocalStorage> = StoredValue::new_local(None);

    Effect::new(move |_| {
        st.version.get();
        let mode = st.mode.get();
        let dark = st.app.dark.get();
        let (Some(loaded), Some(el)) = (st.loaded.get(), canvas.get()) else {
            return;
        };
        let start = window().performance().map(|p| p.now()).unwrap_or(0.0);
        let codes = &loaded.stream.codes;
        let live = st.live_state.with_value(Option::is_some);
        let builds = st.builds.get_untracked();
        let Some((mut grid, totals, alerted, span)) = st.with_engine(|engine| {
            let seen: Vec<u32> = row_order(codes)
                .into_iter()
                .filter(|&c| {
                    engine
                        .totals()
                        .get(c as usize)
                        .is_some_and(|t| t[0] + t[1] > 0)
                })
                .collect();
            let bin_s = engine.config().bin_seconds;
            let grid = heat_grid(engine.bins(), &seen, bin_s, mode);
            let totals = code_totals(engine.totals(), &seen);
            let alerted: Vec<u32> = engine.alerts().iter().map(|a| a.code).collect();
            let (first, last) = st.span_ms();
            let (first, last) = (first.div_euclid(1000), last.div_euclid(1000));
            // The span covers whole bins, so the last bin is as wide as the others.
            let b = i64::from(bin_s);
            let span = (first.div_euclid(b) * b, (last.div_euclid(b) + 1) * b);
            (grid, totals, alerted, span)
        }) else {
            return;
        };
        if mode == HeatMode::Difference && !live {
            let bin_s = grid.bin_seconds as u32;
            let key = (Rc::as_ptr(&loaded) as usize, builds, bin_s);
            let known =
                file_scale.with_value(|f| f.filter(|f| (f.0, f.1, f.2) == key).map(|f| f.3));
            let scale = known.unwrap_or_else(|| {
                let s = file_difference_scale(&loaded.stream.events, builds.0, builds.1, bin_s);
                file_scale.set_value(Some((key.0, key.1, key.2, s)));
                s
            });
            // Every cell so far is within the whole file's largest difference.
            grid.scale = scale;
        }
        let labels: Vec<String> = grid
            .codes
            .iter()
            .map(|&c| codes[c as usize].clone())
            .collect();
        let height = CHROME_H + ROW_H * grid.rows().max(3) as u32;
        if el.height() != height {
            el.set_height(height);
        }
        if el.width() != WIDTH {
            el.set_width(WIDTH);
        }
        let style = if dark {
            ChartStyle::dark()
        } else {
            ChartStyle::light()
        };
        let mut layout = None;
        let mut result = draw_on(&el, |area| {
            layout = Some(draw_heatmap(
                area,
                &grid,
                &labels,
                &totals,
                span,
                &style,
                Cells::Image,
            )?);
            Ok(())
        });
        if let (Ok(()), Some(rect)) = (&result, layout.and_then(|l| l.cells)) {
            if scratch.with_value(|s| s.is_none()) {
                let made = document()
                    .create_element("canvas")
                    .ok()
                    .and_then(|e| e.dyn_into().ok());
                scratch.set_value(made);
            }
            let image = cell_image(&grid, &style);
            let dims = (grid.cols() as u32, grid.rows() as u32);
            result = scratch.with_value(|s| match s {
                Some(s) => paint_image(&el, s, &image, dims, rect),
                None => Err("no scratch canvas".into()),
            });
        }
        shape.set((grid.rows(), grid.cols()));
        cells_attr.set(
            layout
                .and_then(|l| l.cells)
                .map(|(x, y, w, h)| format!("{x:.1},{y:.1},{w:.1},{h:.1}"))
                .unwrap_or_default(),
        );
        rows_attr.set(serde_json::to_string(&labels).unwrap_or_default());
        let summaries: Vec<String> = totals.iter().map(|t| t.summary()).collect();
        totals_attr.set(serde_json::to_string(&summaries).unwrap_or_default());
        totals_rows.set(
            labels
                .iter()
                .zip(&totals)
                .map(|(code, t)| TotalsRow {
                    code: code.clone(),
                    baseline: t.baseline,
                    candidate: t.candidate,
                    summary: t.summary(),
                    raised: t.raised(),
                    alerted: alerted.contains(&t.code),
                })
                .collect(),
        );
        counts_attr.set(count_attrs(&grid));
        match (result, layout) {
            (Ok(()), Some(layout)) => drawn.set_value(Some(Drawn {
                grid,
                labels,
                layout,
            })),
            _ => drawn.set_value(None),
        }
        let elapsed = window().performance().map(|p| p.now()).unwrap_or(0.0) - start;
        draw_ms.set(elapsed);
    });

    let on_move = move |e: leptos::ev::MouseEvent| {
        let Some(el) = canvas.get() else { return };
        let scale = f64::from(el.width()) / f64::from(el.client_width().max(1));
        let (x, y) = (
            f64::from(e.offset_x()) * scale,
            f64::from(e.offset_y()) * scale,
        );
        let text = drawn.with_value(|d| {
            let d = d.as_ref()?;
            let (row, second) = d.layout.locate(x, y)?;
            let col = d
                .grid
                .starts
                .partition_point(|&s| s + d.grid.bin_seconds <= second);
            let label = d.labels.get(row)?;
            if col >= d.grid.cols() || d.grid.starts[col] > second {
                return Some(format!(
                    "code {label} · {} · no closed bin yet",
                    format_stream_seconds(second)
                ));
            }
            let [b, c] = d.grid.count(row, col);
            let from = d.grid.starts[col];
            let value = match d.grid.mode {
                HeatMode::Difference => format!("difference {:+}", i64::from(c) - i64::from(b)),
                HeatMode::Ratio => {
                    format!("ratio {:.2}", (f64::from(c) + 0.5) / (f64::from(b) + 0.5))
                }
            };
            Some(format!(
                "code {label} · {}–{} · baseline {b} · candidate {c} · {value}",
                format_stream_seconds(from),
                format_stream_seconds(from + d.grid.bin_seconds)
            ))
        });
        hover.set(text.map(|t| (t, f64::from(e.offset_x()), f64::from(e.offset_y()))));
    };

    view! {
        <figure class="plot heatmap" id="fig-heatmap">
            <div class="plot-head">
                <h2>"Error codes over time"</h2>
                <span class="muted" id="heatmap-shape">{move || { let (r, c) = shape.get(); format!("{r} codes × {c} bins") }}</span>
                <span class="muted" id="heatmap-draw-ms" data-ms=move || format!("{:.2}", draw_ms.get())>
                    {move || format!("redrawn in {:.1} ms", draw_ms.get())}
                </span>
            </div>
            <div class="heatmap-wrap">
                <canvas node_ref=canvas id="heatmap" data-cells=move || cells_attr.get() data-rows=move || rows_attr.get() data-totals=move || totals_attr.get()
                    data-row-sums=move || counts_attr.get().0 data-digest=move || counts_attr.get().1 width=WIDTH height=CHROME_H + 3 * ROW_H role="img"
                    aria-label=move || {
                        let (r, c) = shape.get();
                        let (raised, alerted) = totals_rows.with(|rows| {
                            (rows.iter().filter(|r| r.raised).count(), rows.iter().filter(|r| r.alerted).count())
                        });
                        let what = match st.mode.get() {
                            HeatMode::Difference => "candidate minus baseline errors",
                            HeatMode::Ratio => "candidate to baseline error ratio",
                        };
                        format!("Heatmap of {what} per code and time bin: {r} codes × {c} bins; \
                            {raised} codes with a rate ratio interval above 1, {alerted} alerted; \
                            each code's totals are in the table below")
                    }
                    on:mousemove=on_move on:mouseleave=move |_| hover.set(None)></canvas>
                {move || hover.get().map(|(text, x, y)| view! {
                    <div class="tooltip" id="heatmap-tooltip" role="tooltip"
                        style=format!("left:{}px;top:{}px", x + 14.0, y + 14.0)>{text}</div>
                })}
            </div>
            <details class="heatmap-totals" id="heatmap-totals">
                <summary>"Totals and rate ratios per code, as a table"</summary>
                <table class="alerts-table">
                    <caption class="visually-hidden">"Totals per error code so far"</caption>
                    <thead><tr>
                        <th scope="col">"Code"</th>
                        <th scope="col" class="num">"Baseline"</th>
                        <th scope="col" class="num">"Candidate"</th>
                        <th scope="col" class="num">"Ratio [95% interval]"</th>
                        <th scope="col">"Interval above 1"</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || totals_rows.get() key=|r| r.clone() let:r>
                            <tr data-code=r.code.clone() data-raised=r.raised.to_string() data-alerted=r.alerted.to_string()>
                                <th scope="row" class="code">{r.code.clone()}</th>
                                <td class="num">{crate::ui::format::count(r.baseline as usize)}</td>
                                <td class="num">{crate::ui::format::count(r.candidate as usize)}</td>
                                <td class="num">{r.summary.clone()}</td>
                                <td>{match (r.raised, r.alerted) {
                                    (true, true) => "yes: more in the candidate, alerted",
                                    (true, false) => "yes, not alerted: this interval is for the code on its own; \
                                        an alert needs stronger evidence, because the alert test keeps false alarms \
                                        rare over every code and the whole stream",
                                    (false, true) => "no, now; alerted earlier in the stream",
                                    (false, false) => "no",
                                }}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </details>
            <figcaption>
                "Orange: the candidate build raised more errors of that code in the bin than the baseline; blue: fewer; \
                 grey: as many (orange and blue stay apart for red–green colour blindness). A replayed file's colour \
                 scale is set from the whole file, so a cell keeps its colour while the stream plays. Beside each row: the \
                 code's totals and its candidate/baseline rate ratio with a 95% interval (▲ in red when the interval lies \
                 above 1). An interval above 1 is not an alert: the alert test needs stronger evidence, as it keeps false \
                 alarms rare over every code and the whole stream (the table says which codes alerted)."
            </figcaption>
        </figure>
    }
}

/// One code's totals as the DOM table shows them.
#[derive(Clone, PartialEq, Eq, Hash)]
struct TotalsRow {
    code: String,
    baseline: u64,
    candidate: u64,
    summary: String,
    raised: bool,
    alerted: bool,
}

/// Per-row `[baseline, candidate]` sums as JSON, and an FNV-1a digest of every cell's
/// counts in row-major order (hex): two grids with equal digests hold the same counts.
fn count_attrs(grid: &HeatGrid) -> (String, String) {
    let mut sums = Vec::with_capacity(grid.rows());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in 0..grid.rows() {
        let mut sum = [0u64; 2];
        for c in 0..grid.cols() {
            let [b, k] = grid.count(r, c);
            sum[0] += u64::from(b);
            sum[1] += u64::from(k);
            for byte in b.to_le_bytes().into_iter().chain(k.to_le_bytes()) {
                h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        sums.push(sum);
    }
    (
        serde_json::to_string(&sums).unwrap_or_default(),
        format!("{h:016x}"),
    )
}
