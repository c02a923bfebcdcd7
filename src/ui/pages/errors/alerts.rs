//! The alert list: every regression alert as it starts and stops, with exports in JSON
//! lines and in the original plain-text format.

use leptos::prelude::*;

use super::ErrState;
use crate::core::errors::{
    alert_json, alert_text, group_thousands, new_code_text, Alert, Evidence, Method,
};
use crate::core::time::format_stream_seconds;
use crate::ui::download;

fn method_name(a: &Alert) -> String {
    match (a.method, a.window_bins) {
        (Method::RateTest, _) => "rate test".into(),
        (Method::MeanThreshold, Some(k)) => format!("mean threshold, {k} bins"),
        (Method::MeanThreshold, None) => "mean threshold".into(),
    }
}

/// The list of alerts, newest state from the engine.
#[component]
pub fn AlertList() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let alerts = move || {
        st.version.get();
        st.with_engine(|e| e.alerts().to_vec()).unwrap_or_default()
    };
    let codes = move || {
        st.loaded
            .get()
            .map(|l| l.stream.codes.clone())
            .unwrap_or_default()
    };
    let as_text = move || {
        let codes = codes();
        alerts()
            .iter()
            .map(|a| alert_text(a, &codes))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let save = move |text: bool| {
        let codes = codes();
        let body: String = alerts()
            .iter()
            .map(|a| {
                if text {
                    alert_text(a, &codes) + "\n"
                } else {
                    alert_json(a, &codes) + "\n"
                }
            })
            .collect();
        let (name, mime) = if text {
            ("alerts.txt", "text/plain")
        } else {
            ("alerts.jsonl", "application/x-ndjson")
        };
        if let Err(e) = download::text(name, mime, &body) {
            st.error
                .set(Some(format!("Could not save the alerts: {e}")));
        }
    };
    view! {
        <section class="panel alerts" id="alerts">
            <div class="plot-head">
                <h2>"Alerts"</h2>
                <span class="muted" id="alert-count">{move || {
                    let a = alerts();
                    let open = a.iter().filter(|a| a.stop_s.is_none()).count();
                    format!("{} alert(s), {open} open", a.len())
                }}</span>
                <button id="alerts-text" on:click=move |_| save(true)>"Save as text"</button>
                <button id="alerts-jsonl" on:click=move |_| save(false)>"Save as JSON lines"</button>
            </div>
            <table class="alerts-table" id="alerts-table">
                <thead><tr>
                    <th>"Code"</th><th>"Method"</th><th>"Raised at"</th><th>"Start"</th><th>"Stop"</th>
                    <th>"Value"</th><th>"Threshold / p-value"</th><th>"Counts (base / cand)"</th><th>"State"</th>
                </tr></thead>
                <tbody>
                    {move || {
                        let codes = codes();
                        let list = alerts();
                        let evidence = st.with_engine(|e| e.config().evidence).unwrap_or(Evidence::Recent);
                        if list.is_empty() {
                            return view! { <tr><td colspan="9" class="muted">"No alert so far."</td></tr> }.into_any();
                        }
                        list.into_iter().map(|a| {
                            let code = codes.get(a.code as usize).cloned().unwrap_or_default();
                            // A code the baseline has none of reads as new, not as a ratio.
                            let value = match a.method {
                                _ if a.is_new_code() => new_code_text(a.candidate_count),
                                Method::RateTest => format!(
                                    "ratio {:.2} [{:.2}, {}]",
                                    a.value,
                                    a.ci_low.unwrap_or(0.0),
                                    a.ci_high.map_or("∞".into(), |h| format!("{h:.2}"))
                                ),
                                Method::MeanThreshold => format!("{:.2}", a.value),
                            };
                            let threshold = match (a.method, evidence) {
                                // Recent evidence reports 1/M against 1/A: show M and A.
                                (Method::RateTest, Evidence::Recent) => {
                                    let p = a.p_value.unwrap_or(1.0);
                                    // p is floored at the smallest f64: M beyond it is "huge".
                                    let m = if p <= f64::MIN_POSITIVE {
                                        "> 1e307".to_string()
                                    } else {
                                        format!("{:.1e}", 1.0 / p)
                                    };
                                    format!("evidence {m} (level {:.1e})", 1.0 / a.threshold)
                                }
                                (Method::RateTest, Evidence::Cumulative) => format!("p = {:.1e} (α_k {:.1e})", a.p_value.unwrap_or(1.0), a.threshold),
                                (Method::MeanThreshold, _) => format!("{}", a.threshold),
                            };
                            let new_code = a.is_new_code().to_string();
                            let state = a.state();
                            let code_attr = code.clone();
                            view! {
                                <tr data-code=code_attr data-state=state data-new-code=new_code>
                                    <td class="code">{code}</td>
                                    <td>{method_name(&a)}</td>
                                    <td>{format_stream_seconds(a.raised_at_s)}</td>
                                    <td>{format_stream_seconds(a.start_s)}</td>
                                    <td>{a.stop_s.map_or("—".into(), format_stream_seconds)}</td>
                                    <td class="value">{value}</td>
                                    <td>{threshold}</td>
                                    <td>{format!("{} / {}", group_thousands(a.baseline_count), group_thousands(a.candidate_count))}</td>
                                    <td><span class=format!("state {state}")>{state}</span></td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            <details>
                <summary>"Plain-text format"</summary>
                <pre id="alerts-plain">{as_text}</pre>
            </details>
        </section>
    }
}
