//! One band chart per metric, redrawn as the stream moves, with a shared time window
//! (zoom) and pan slider over the kept history.

use leptos::html;
use leptos::prelude::*;
use plotters::style::RGBColor;

use super::MonState;
use crate::charts::{band_colors, draw_band, ChartStyle, BAND_ALPHA};
use crate::core::monitor::Feed;
use crate::ui::canvas::draw_on;

/// Canvas size in pixels; CSS scales it down on narrow screens.
const WIDTH: u32 = 1180;
const HEIGHT: u32 = 250;

/// A name usable in an element id.
pub fn id_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// `top` at `alpha` over `bottom`, as the canvas composites it.
fn over(bottom: RGBColor, top: RGBColor, alpha: f64) -> RGBColor {
    let m = |b: u8, t: u8| (f64::from(b) * (1.0 - alpha) + f64::from(t) * alpha).round() as u8;
    RGBColor(m(bottom.0, top.0), m(bottom.1, top.1), m(bottom.2, top.2))
}

/// Stream time shown: the last `window_ms` of history moved back by `pan` (0 = oldest,
/// 100 = live edge); a window of 0 shows all of it.
fn view_of(feed: &Feed, window_ms: i64, pan: u32) -> (i64, i64) {
    let Some((first, last)) = feed.span_ms() else {
        return (0, window_ms.max(60_000));
    };
    if window_ms <= 0 {
        return (first, last.max(first + 1));
    }
    if last - first < window_ms {
        // Less history than the window: fill it from the first point, so time runs forward.
        return (first, first + window_ms);
    }
    let slack = last - first - window_ms;
    let end = last - slack * i64::from(100 - pan.min(100)) / 100;
    (end - window_ms, end)
}

/// The window and pan controls and one chart per metric.
#[component]
pub fn BandCharts() -> impl IntoView {
    let st = expect_context::<MonState>();
    let window_ms = RwSignal::new(300_000i64);
    let pan = RwSignal::new(100u32);
    let names = move || st.metric_names();
    let on_pan = move |e: leptos::ev::Event| {
        if let Ok(p) = event_target_value(&e).parse::<u32>() {
            pan.set(p.min(100));
        }
    };
    let on_window = move |e: leptos::ev::Event| {
        if let Ok(s) = event_target_value(&e).parse::<i64>() {
            window_ms.set(s * 1000);
        }
    };
    view! {
        <div class="panel band-controls" role="group" aria-label="Chart time window">
            <label>"Show "
                <select id="monitor-window" prop:value=move || (window_ms.get() / 1000).to_string()
                    on:change=on_window>
                    <option value="60">"last 1 min"</option>
                    <option value="120">"last 2 min"</option>
                    <option value="300">"last 5 min"</option>
                    <option value="900">"last 15 min"</option>
                    <option value="1800">"last 30 min"</option>
                    <option value="0">"all kept history"</option>
                </select>
            </label>
            <label class="pan">"Pan "
                <input id="monitor-pan" type="range" min="0" max="100" step="1"
                    aria-label="Pan over history (100 follows the live edge)"
                    prop:value=move || pan.get().to_string()
                    on:input=on_pan />
            </label>
            <button id="monitor-live" on:click=move |_| pan.set(100) disabled=move || pan.get() == 100>"Follow live"</button>
            <span class="muted">"Grey: training period · shaded: forecast band · red dots: anomalies"</span>
        </div>
        <div class="band-charts">
            {move || names().into_iter().enumerate().map(|(i, name)| view! {
                <BandChart index=i name=name window_ms=window_ms pan=pan />
            }).collect_view()}
        </div>
    }
}

/// The band chart of metric `index`.
#[component]
fn BandChart(
    index: usize,
    name: String,
    window_ms: RwSignal<i64>,
    pan: RwSignal<u32>,
) -> impl IntoView {
    let st = expect_context::<MonState>();
    let canvas = NodeRef::<html::Canvas>::new();
    let plot = RwSignal::new(String::new());
    let counts = RwSignal::new((0usize, 0usize));
    let trained = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let title = name.clone();
    Effect::new(move |_| {
        st.version.get();
        let (w, p) = (window_ms.get(), pan.get());
        let dark = st.app.dark.get();
        let Some(el) = canvas.get() else { return };
        let style = if dark {
            ChartStyle::dark()
        } else {
            ChartStyle::light()
        };
        let result = st.with_feed(|feed| {
            let track = feed.tracks.get(index)?;
            let view = view_of(feed, w, p);
            // Only the points in view (and their neighbours, so lines reach the edges).
            let from = track
                .history
                .partition_point(|q| q.t_ms < view.0)
                .saturating_sub(1);
            let to =
                (track.history.partition_point(|q| q.t_ms <= view.1) + 1).min(track.history.len());
            let points: Vec<_> = track.history.range(from..to).copied().collect();
            let mut layout = None;
            let drawn = draw_on(&el, |area| {
                layout = Some(draw_band(
                    area,
                    &title,
                    &points,
                    view,
                    track.trained_from_ms,
                    &style,
                )?);
                Ok(())
            });
            Some((drawn, layout, track.trained_from_ms.is_some()))
        });
        match result.flatten() {
            Some((drawn, layout, is_trained)) => {
                trained.set(is_trained);
                if let Some(l) = layout {
                    let (x, y, w, h) = l.plot;
                    plot.set(format!("{x},{y},{w},{h}"));
                    counts.set((l.points, l.anomalies));
                }
                problem.set(drawn.err().filter(|e| !e.starts_with("nothing to plot")));
            }
            None => problem.set(Some("no data for this metric".into())),
        }
    });
    let style = move || {
        if st.app.dark.get() {
            ChartStyle::dark()
        } else {
            ChartStyle::light()
        }
    };
    let band_hex = move || {
        let s = style();
        hex(over(s.background, band_colors(&s).band, BAND_ALPHA))
    };
    let anomaly_hex = move || hex(band_colors(&style()).anomaly);
    let id = format!("band-{}", id_part(&name));
    view! {
        <figure class="plot band" data-metric=name.clone()>
            <canvas node_ref=canvas id=id width=WIDTH height=HEIGHT role="img"
                aria-label=format!("{name}: actual, expected and forecast band over stream time, anomalies marked")
                data-metric=name.clone()
                data-plot=move || plot.get()
                data-points=move || counts.get().0.to_string()
                data-anomalies=move || counts.get().1.to_string()
                data-trained=move || trained.get().to_string()
                data-band-color=band_hex
                data-anomaly-color=anomaly_hex></canvas>
            {move || problem.get().map(|m| view! { <figcaption class="banner error">{m}</figcaption> })}
        </figure>
    }
}
