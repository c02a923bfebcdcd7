//! One band chart per metric, redrawn as the stream moves, with a shared time window
//! (zoom) and pan slider over the kept history.

use leptos::html;
use leptos::prelude::*;
use plotters::style::RGBColor;

use super::MonState;
use crate::charts::describe::{band_name, band_table, DataTable};
use crate::charts::{band_colors, draw_band, BandLayout, ChartStyle, BAND_ALPHA};
use crate::core::detect::Point;
use crate::core::monitor::Feed;
use crate::ui::canvas::draw_on;
use crate::ui::data_table::ChartData;
use crate::ui::format;

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

/// Points in a chart's data table: the newest in view.
const TABLE_POINTS: usize = 20;
/// Wall time between refills of an open data table while the stream plays, ms: a table
/// that changes at stream rate can be neither read nor copied, and costs every tick.
const TABLE_REFRESH_MS: f64 = 1_000.0;

/// Wall time between redraws of a live chart far from view, ms.
const FAR_REDRAW_MS: f64 = 5_000.0;

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
    let drawn_layout = RwSignal::new(None::<BandLayout>);
    // The point the tooltip explains, by its time; set by the pointer or the keyboard.
    let picked = RwSignal::new(None::<i64>);
    let title = name.clone();
    // The accessible name (latest value, forecast, flags in view), set from each drawing's
    // points; the data table only while its toggle is open, at most once a second.
    let label = RwSignal::new(format!("{name}: no points in view"));
    let table_open = RwSignal::new(false);
    let table = RwSignal::new(None::<DataTable>);
    let table_at = StoredValue::new(f64::NEG_INFINITY);
    let near = crate::ui::canvas::near_view(canvas);
    // Wall time of the last draw while far from view, ms.
    let drawn_far_at = StoredValue::new(f64::NEG_INFINITY);

    Effect::new(move |_| {
        st.version.get();
        let (w, p) = (window_ms.get(), pan.get());
        let open = table_open.get();
        let dark = st.app.dark.get();
        let Some(el) = canvas.get() else { return };
        // A live stream with many metrics redraws every poll: charts far from view are
        // drawn every few seconds only (and at once when they come near), which keeps a
        // poll of fifty series cheap. Replays and the simulator draw every chart always.
        let now = js_sys::Date::now();
        if !near.get() && st.is_live_untracked() {
            if now - drawn_far_at.get_value() < FAR_REDRAW_MS {
                return;
            }
            drawn_far_at.set_value(now);
        } else {
            // Charts that leave view together redraw at staggered times, not all in one poll.
            drawn_far_at.set_value(now - (index % 10) as f64 * FAR_REDRAW_MS / 10.0);
        }
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
            let text = band_name(&title, &points, view);
            if label.with_untracked(|l| *l != text) {
                label.set(text);
            }
            if open
                && (!st.playing.get_untracked()
                    || now - table_at.get_value() >= TABLE_REFRESH_MS
                    || table.with_untracked(Option::is_none))
            {
                table_at.set_value(now);
                table.set(Some(band_table(
                    &title,
                    &points,
                    view,
                    TABLE_POINTS,
                    super::controls::clock,
                )));
            }
            Some((drawn, layout, track.trained_from_ms.is_some()))
        });
        match result.flatten() {
            Some((drawn, layout, is_trained)) => {
                trained.set(is_trained);
                if let Some(l) = layout {
                    let (x, y, w, h) = l.plot;
                    plot.set(format!("{x},{y},{w},{h}"));
                    counts.set((l.points, l.anomalies));
                    drawn_layout.set(Some(l));
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
    let tip_id = format!("tip-{}", id_part(&name));
    // Pointer: the point nearest the pointer's time.
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let (Some(el), Some(l)) = (canvas.get_untracked(), drawn_layout.get_untracked()) else {
            return;
        };
        let scale = f64::from(el.width()) / f64::from(el.client_width().max(1));
        let px = f64::from(ev.offset_x()) * scale;
        let (x, _, w, _) = l.plot;
        if w <= 0 {
            return;
        }
        let (v0, v1) = l.view_ms;
        let t = v0 as f64 + (px - f64::from(x)) / f64::from(w) * (v1 - v0) as f64;
        let found = st
            .with_feed(|feed| {
                let h = &feed.tracks.get(index)?.history;
                nearest(h, t.round() as i64).map(|i| h[i].t_ms)
            })
            .flatten();
        picked.set(found);
    };
    // Keyboard: arrows step through points, Page Up / Page Down through anomalies.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        let moved = st
            .with_feed(|feed| {
                let h = &feed.tracks.get(index)?.history;
                let view = drawn_layout.get_untracked().map(|l| l.view_ms)?;
                let shown: Vec<usize> = (0..h.len())
                    .filter(|&i| h[i].t_ms >= view.0 && h[i].t_ms <= view.1)
                    .collect();
                let at = picked
                    .get_untracked()
                    .and_then(|t| shown.iter().position(|&i| h[i].t_ms == t));
                let anomaly = |i: &&usize| h[**i].anomaly;
                let to = match key.as_str() {
                    "ArrowLeft" => at.map_or(shown.last(), |a| shown.get(a.saturating_sub(1))),
                    "ArrowRight" => at.map_or(shown.last(), |a| shown.get(a + 1).or(shown.last())),
                    "Home" => shown.first(),
                    "End" => shown.last(),
                    "PageUp" => shown[..at.unwrap_or(shown.len())]
                        .iter()
                        .rev()
                        .find(anomaly),
                    "PageDown" => shown[at.map_or(0, |a| a + 1).min(shown.len())..]
                        .iter()
                        .find(anomaly),
                    _ => return None,
                };
                Some(to.map(|&i| h[i].t_ms))
            })
            .flatten();
        if key == "Escape" {
            picked.set(None);
        } else if let Some(to) = moved {
            ev.prevent_default();
            if to.is_some() {
                picked.set(to);
            }
        }
    };
    // Focus shows the newest anomaly in view, or the newest point.
    let on_focus = move |_| {
        if picked.get_untracked().is_some() {
            return;
        }
        let first = st
            .with_feed(|feed| {
                let h = &feed.tracks.get(index)?.history;
                let view = drawn_layout.get_untracked().map(|l| l.view_ms)?;
                let shown = h.iter().filter(|p| p.t_ms >= view.0 && p.t_ms <= view.1);
                shown
                    .clone()
                    .filter(|p| p.anomaly)
                    .last()
                    .or(shown.last())
                    .map(|p| p.t_ms)
            })
            .flatten();
        picked.set(first);
    };
    let tip = Memo::new(move |_| {
        st.version.get();
        let t = picked.get()?;
        let l = drawn_layout.get()?;
        let el = canvas.get()?;
        st.with_feed(|feed| {
            let track = feed.tracks.get(index)?;
            let h = &track.history;
            let i = h.partition_point(|p| p.t_ms < t);
            let p = h.get(i).filter(|p| p.t_ms == t)?;
            Some(Tip::of(p, track.detect_config(), &l, &el))
        })
        .flatten()
    });
    let (tip_for, tip_for2) = (tip_id.clone(), tip_id.clone());
    view! {
        <figure class="plot band" data-metric=name.clone()>
            <canvas node_ref=canvas id=id width=WIDTH height=HEIGHT role="img" tabindex="0"
                aria-describedby=move || tip.with(|t| t.is_some().then(|| tip_for.clone()))
                title="Point at the chart, or focus it and use ← →, Page Up / Page Down (anomalies), Home / End, to see why a point was or was not flagged"
                on:mousemove=on_move
                on:mouseleave=move |_| picked.set(None)
                on:keydown=on_key
                on:focus=on_focus
                on:blur=move |_| picked.set(None)
                aria-label=move || label.get()
                data-metric=name.clone()
                data-plot=move || plot.get()
                data-points=move || counts.get().0.to_string()
                data-anomalies=move || counts.get().1.to_string()
                data-trained=move || trained.get().to_string()
                data-band-color=band_hex
                data-anomaly-color=anomaly_hex></canvas>
            {move || tip.get().map(|t| {
                let side = if t.left_pct > 60.0 { "right" } else { "left" };
                // Percent of the canvas as a fraction of the figure's content box (10 px padding).
                let at = t.left_pct / 100.0;
                let pos = if side == "left" {
                    format!("left: calc(10px + (100% - 20px) * {at:.4} + 12px); top: {:.0}px", t.top_px)
                } else {
                    format!("right: calc(10px + (100% - 20px) * {:.4} + 12px); top: {:.0}px", 1.0 - at, t.top_px)
                };
                let marker = format!("left: calc(10px + (100% - 20px) * {at:.4} - 7px); top: {:.0}px", t.point_px - 7.0);
                view! {
                    <span class="tip-marker" class:anomaly=t.anomaly aria-hidden="true" style=marker></span>
                    <div class="chart-tip" class:anomaly=t.anomaly role="tooltip" id=tip_for2.clone() style=pos
                        data-t=t.t_ms.to_string() data-anomaly=t.anomaly.to_string()>
                        <dl>
                            <dt>"time"</dt><dd class="tip-time">{t.time.clone()}</dd>
                            <dt>"value"</dt><dd class="tip-value">{t.value.clone()}</dd>
                            <dt>"expected"</dt><dd class="tip-expected">{t.expected.clone()}</dd>
                            <dt>"band"</dt><dd class="tip-band">{t.band.clone()}</dd>
                            <dt>"score"</dt><dd class="tip-score">{t.score.clone()}</dd>
                        </dl>
                        <p class="tip-why">{t.why.clone()}</p>
                    </div>
                }
            })}
            <ChartData id=format!("data-{}", id_part(&name)) data=table.into()
                on_open=Callback::new(move |open: bool| {
                    table_open.set(open);
                    if !open {
                        table.set(None);
                    }
                }) />
            {move || problem.get().map(|m| view! { <figcaption class="banner error">{m}</figcaption> })}
        </figure>
    }
}

/// Index of the point of `history` nearest time `t`.
fn nearest(history: &std::collections::VecDeque<Point>, t: i64) -> Option<usize> {
    let i = history.partition_point(|p| p.t_ms < t);
    [i.checked_sub(1), (i < history.len()).then_some(i)]
        .into_iter()
        .flatten()
        .min_by_key(|&j| (history[j].t_ms - t).abs())
}

/// What the tooltip shows about one point, and where.
#[derive(Debug, Clone, PartialEq)]
struct Tip {
    t_ms: i64,
    anomaly: bool,
    time: String,
    value: String,
    expected: String,
    band: String,
    score: String,
    why: String,
    /// Across the canvas, percent of its width.
    left_pct: f64,
    /// Below the canvas top, CSS pixels: the tooltip's top and the point's height.
    top_px: f64,
    point_px: f64,
}

impl Tip {
    fn of(
        p: &Point,
        config: &crate::core::detect::DetectConfig,
        l: &BandLayout,
        el: &web_sys::HtmlCanvasElement,
    ) -> Tip {
        let (x, y, w, h) = l.plot;
        let (v0, v1) = l.view_ms;
        let span = (v1 - v0).max(1) as f64;
        let px = f64::from(x) + f64::from(w) * (p.t_ms - v0) as f64 / span;
        let (y_lo, y_hi) = l.y_range;
        let frac = if p.value.is_finite() && y_hi > y_lo {
            ((y_hi - p.value) / (y_hi - y_lo)).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let py = f64::from(y) + f64::from(h) * frac;
        let css = f64::from(el.client_height().max(1)) / f64::from(el.height().max(1));
        let opt = |v: Option<f64>| v.map_or_else(|| "–".to_string(), format::value);
        Tip {
            t_ms: p.t_ms,
            anomaly: p.anomaly,
            time: super::controls::clock(p.t_ms),
            value: format::value(p.value),
            expected: opt(p.expected),
            band: match (p.lower, p.upper) {
                (Some(lo), Some(hi)) => format!("{} to {}", format::value(lo), format::value(hi)),
                _ => "– (training)".into(),
            },
            score: format!("{:.2}", p.score),
            why: p.explain(config),
            left_pct: 100.0 * px / f64::from(el.width().max(1)),
            top_px: 10.0 + (f64::from(y) + 8.0) * css,
            point_px: 10.0 + py * css,
        }
    }
}
