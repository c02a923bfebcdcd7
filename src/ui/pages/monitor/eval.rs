//! MAE, MAPE and anomaly count per metric per evaluation window: the latest closed window
//! in a table, and every kept window as small series beside it.

use leptos::prelude::*;

use super::MonState;
use crate::core::monitor::EvalRecord;

/// Small series are drawn from at most this many recent windows.
const SPARK_WINDOWS: usize = 60;

/// One table row.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    last: Option<EvalRecord>,
    windows: usize,
    total_anomalies: u64,
    mae: Vec<f64>,
    mape: Vec<f64>,
    anomalies: Vec<f64>,
}

/// An inline SVG polyline of `values` (oldest first), scaled to its own range.
fn sparkline(values: &[f64], class: &'static str) -> impl IntoView {
    let (w, h) = (120.0, 24.0);
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let hi = finite.iter().copied().fold(0.0f64, f64::max);
    let n = values.len();
    let points: String = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| {
            let x = if n > 1 {
                w * i as f64 / (n - 1) as f64
            } else {
                w / 2.0
            };
            let y = if hi > 0.0 {
                h - 2.0 - (h - 4.0) * v / hi
            } else {
                h - 2.0
            };
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg class=format!("spark {class}") width="120" height="24" viewBox="0 0 120 24" role="img"
            aria-label=format!("{n} windows, highest {hi:.3}")>
            <polyline points=points fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}

fn fmt(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The evaluation table.
#[component]
pub fn EvalTable() -> impl IntoView {
    let st = expect_context::<MonState>();
    let rows = Memo::new(move |_| {
        st.version.get();
        st.with_feed(|feed| {
            feed.tracks
                .iter()
                .map(|t| {
                    let recent: Vec<&EvalRecord> = t
                        .evals
                        .iter()
                        .skip(t.evals.len().saturating_sub(SPARK_WINDOWS))
                        .collect();
                    Row {
                        name: t.name.clone(),
                        last: t.evals.back().copied(),
                        windows: t.evals.len(),
                        total_anomalies: t.total_anomalies,
                        mae: recent.iter().map(|r| r.mae).collect(),
                        mape: recent.iter().map(|r| r.mape.unwrap_or(f64::NAN)).collect(),
                        anomalies: recent.iter().map(|r| f64::from(r.anomalies)).collect(),
                    }
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    let window_s = move || st.eval_ms.get() / 1000;
    view! {
        // Focusable: on a phone the table scrolls sideways inside the figure, by keyboard too.
        <figure class="plot eval" tabindex="0" aria-label="Forecast error per evaluation window">
            <div class="plot-head">
                <h2>"Forecast error per evaluation window"</h2>
                <span class="muted">{move || format!("windows of {} s of stream time; the last closed window, and the last {SPARK_WINDOWS} as small series", window_s())}</span>
            </div>
            <table id="eval-table" class="data eval-table">
                <thead>
                    <tr class="groups">
                        <th rowspan="2" scope="col">"metric"</th>
                        <th colspan="4" scope="colgroup">"last closed window"</th>
                        <th colspan="2" scope="colgroup">"since the start"</th>
                        <th colspan="3" scope="colgroup">{format!("last {SPARK_WINDOWS} windows")}</th>
                    </tr>
                    <tr>
                        <th scope="col">"window start"</th><th class="num" scope="col">"MAE"</th><th class="num" scope="col">"MAPE %"</th>
                        <th class="num" scope="col">"anomalies"</th><th class="num" scope="col">"windows"</th><th class="num" scope="col">"anomalies"</th>
                        <th scope="col">"MAE"</th><th scope="col">"MAPE"</th><th scope="col">"anomalies"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows.get().into_iter().map(|r| {
                        let last = r.last;
                        view! {
                            <tr data-metric=r.name.clone() data-windows=r.windows.to_string()
                                data-mae=last.map(|l| l.mae.to_string()).unwrap_or_default()
                                data-mape=last.and_then(|l| l.mape).map(|v| v.to_string()).unwrap_or_default()
                                data-anomalies=last.map(|l| l.anomalies.to_string()).unwrap_or_default()>
                                <th scope="row">{r.name.clone()}</th>
                                <td class="mono">{last.map(|l| super::controls::clock(l.start_ms)).unwrap_or_else(|| "training…".into())}</td>
                                <td class="num">{last.map(|l| fmt(l.mae)).unwrap_or_default()}</td>
                                <td class="num">{last.map(|l| l.mape.map(fmt).unwrap_or_else(|| "–".into())).unwrap_or_default()}</td>
                                <td class="num">{last.map(|l| l.anomalies.to_string()).unwrap_or_default()}</td>
                                <td class="num">{r.windows.to_string()}</td>
                                <td class="num">{r.total_anomalies.to_string()}</td>
                                <td>{sparkline(&r.mae, "mae")}</td>
                                <td>{sparkline(&r.mape, "mape")}</td>
                                <td>{sparkline(&r.anomalies, "anomalies")}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}
