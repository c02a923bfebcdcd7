//! Settings (column roles, builds, bins, detector) and the replay controls.

use leptos::prelude::*;

use super::ErrState;
use crate::core::errors::heatmap::HeatMode;
use crate::core::errors::{
    Evidence, Method, ReadOptions, FALSE_ALARM_RATE_RANGE, RESTART_SECONDS_RANGE,
};
use crate::core::stream::Speed;
use crate::core::time::format_stream_ms;

/// Asks for baseline and candidate when the file has more than two builds.
#[component]
pub fn BuildPicker() -> impl IntoView {
    let st = expect_context::<ErrState>();
    move || {
        st.pick_builds.get().map(|builds| {
            let mut by_version = builds.clone();
            by_version.sort_by(|a, b| crate::core::errors::read::compare_versions(a, b));
            let n = by_version.len();
            let base = RwSignal::new(by_version[n.saturating_sub(2)].clone());
            let cand = RwSignal::new(by_version[n - 1].clone());
            let options = move || builds.iter().map(|b| view! { <option value=b.clone()>{b.clone()}</option> }).collect_view();
            let compare = move |_| {
                let mut o: ReadOptions = st.read_options.get_untracked();
                o.baseline = Some(base.get_untracked());
                o.candidate = Some(cand.get_untracked());
                st.reread(o);
            };
            view! {
                <div class="panel build-picker" id="build-picker">
                    <label>"Baseline "
                        <select id="pick-baseline" prop:value=move || base.get() on:change=move |e| base.set(event_target_value(&e))>{options.clone()}</select>
                    </label>
                    <label>"Candidate "
                        <select id="pick-candidate" prop:value=move || cand.get() on:change=move |e| cand.set(event_target_value(&e))>{options}</select>
                    </label>
                    <button class="primary" id="pick-compare" on:click=compare>"Compare these builds"</button>
                </div>
            }
        })
    }
}

/// Column roles, builds, bin width, detector and colour mode.
#[component]
pub fn Settings() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let columns = move || {
        st.loaded
            .get()
            .map(|l| l.stream.columns.clone())
            .unwrap_or_default()
    };
    let roles = move || st.loaded.get().map(|l| l.stream.roles);
    let builds = move || {
        st.loaded
            .get()
            .map(|l| l.stream.builds.clone())
            .unwrap_or_default()
    };

    let role_select = move |label: &'static str,
                            id: &'static str,
                            get: fn(&crate::core::errors::Roles) -> usize,
                            set: fn(&mut ReadOptions, usize)| {
        view! {
            <label>{label}" "
                <select id=id
                    prop:value=move || roles().map(|r| get(&r).to_string()).unwrap_or_default()
                    on:change=move |e| {
                        if let Ok(i) = event_target_value(&e).parse::<usize>() {
                            let mut o = st.read_options.get_untracked();
                            // Pin all three roles so changing one does not re-guess the others.
                            if let Some(r) = roles() {
                                o.time = Some(r.time);
                                o.build = Some(r.build);
                                o.code = Some(r.code);
                            }
                            set(&mut o, i);
                            st.reread(o);
                        }
                    }>
                    {move || columns().into_iter().enumerate().map(|(i, c)| view! { <option value=i.to_string()>{c}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let build_select = move |label: &'static str, id: &'static str, candidate: bool| {
        view! {
            <label>{label}" "
                <select id=id
                    prop:value=move || { let (b, c) = st.builds.get(); (if candidate { c } else { b }).to_string() }
                    on:change=move |e| {
                        if let Ok(i) = event_target_value(&e).parse::<u32>() {
                            st.builds.update(|(b, c)| {
                                if candidate {
                                    if i == *b { *b = *c; }
                                    *c = i;
                                } else {
                                    if i == *c { *c = *b; }
                                    *b = i;
                                }
                            });
                            st.rebuild();
                        }
                    }>
                    {move || builds().into_iter().enumerate().map(|(i, b)| view! { <option value=i.to_string()>{b}</option> }).collect_view()}
                </select>
            </label>
        }
    };

    let on_bin = move |e: leptos::ev::Event| match event_target_value(&e).trim().parse::<u32>() {
        Ok(b) if (1..=86_400).contains(&b) => {
            st.bin_seconds.set(b);
            st.rebuild();
        }
        _ => st.error.set(Some(
            "Bin width: enter a whole number of seconds from 1 to 86400.".into(),
        )),
    };
    let on_method = move |e: leptos::ev::Event| {
        if let Some(m) = Method::parse(&event_target_value(&e)) {
            st.method.set(m);
            st.rebuild();
        }
    };
    let on_threshold =
        move |e: leptos::ev::Event| match event_target_value(&e).trim().parse::<f64>() {
            Ok(t) if t.is_finite() && t > 0.0 => {
                st.threshold.set(t);
                st.rebuild();
            }
            _ => st.error.set(Some(
                "Threshold: enter a positive number, for example 1.25.".into(),
            )),
        };
    let on_windows = move |e: leptos::ev::Event| {
        let text = event_target_value(&e);
        let parsed: Result<Vec<u32>, _> =
            text.split(',').map(|w| w.trim().parse::<u32>()).collect();
        match parsed {
            Ok(w)
                if !w.is_empty()
                    && w.len() <= crate::core::errors::MAX_WINDOWS
                    && w.iter().all(|&b| (1..=crate::core::errors::MAX_WINDOW_BINS).contains(&b)) =>
            {
                st.windows.set(w);
                st.rebuild();
            }
            _ => st.error.set(Some(format!(
                "Windows: '{text}' is not a list of 1 to {} bin counts of 1 to {} each, such as 5,10.",
                crate::core::errors::MAX_WINDOWS,
                crate::core::errors::MAX_WINDOW_BINS
            ))),
        }
    };
    let on_alpha = move |e: leptos::ev::Event| match event_target_value(&e).trim().parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => {
            st.alpha.set(a);
            st.rebuild();
        }
        _ => st.error.set(Some(
            "Settings: α (false alarms of the stream-start test): enter a number between 0 and 1, \
             for example 0.01."
                .into(),
        )),
    };
    let on_evidence = move |e: leptos::ev::Event| {
        if let Some(v) = Evidence::parse(&event_target_value(&e)) {
            st.evidence.set(v);
            st.rebuild();
        }
    };
    let on_rate = move |e: leptos::ev::Event| {
        let (lo, hi) = FALSE_ALARM_RATE_RANGE;
        match event_target_value(&e).trim().parse::<f64>() {
            Ok(f) if (lo..=hi).contains(&f) => {
                st.false_alarm_rate.set(f);
                st.rebuild();
            }
            _ => st.error.set(Some(
                "Settings: false alerts per code-hour: enter a number from 1e-9 to 1, for example \
                 0.002."
                    .into(),
            )),
        }
    };
    let on_restart = move |e: leptos::ev::Event| {
        let (lo, hi) = RESTART_SECONDS_RANGE;
        match event_target_value(&e).trim().parse::<u32>() {
            Ok(g) if (lo..=hi).contains(&g) => {
                st.restart_seconds.set(g);
                st.rebuild();
            }
            _ => st.error.set(Some(format!(
                "Settings: restart every: enter a whole number of seconds from {lo} to {hi}, for \
                 example 10."
            ))),
        }
    };
    let mean = move || st.method.get() == Method::MeanThreshold;
    let cumulative = move || st.evidence.get() == Evidence::Cumulative;
    let windows_text = move || {
        let w: Vec<String> = st.windows.get().iter().map(|w| w.to_string()).collect();
        w.join(",")
    };

    view! {
        <div class="panel settings" id="errors-settings">
            <fieldset hidden=move || st.live.with(Option::is_some) || st.live_status.with(|s| *s != super::live::LiveStatus::Idle)>
                <legend>"Columns"</legend>
                {role_select("Time", "role-time", |r| r.time, |o, i| o.time = Some(i))}
                {role_select("Build", "role-build", |r| r.build, |o, i| o.build = Some(i))}
                {role_select("Code", "role-code", |r| r.code, |o, i| o.code = Some(i))}
            </fieldset>
            <fieldset hidden=move || st.live_status.with(|s| *s != super::live::LiveStatus::Idle)>
                <legend>"Builds"</legend>
                {build_select("Baseline", "build-baseline", false)}
                {build_select("Candidate", "build-candidate", true)}
            </fieldset>
            <fieldset>
                <legend>"Detection"</legend>
                <label>"Bin (s) "<input id="bin-seconds" type="number" min="1" max="86400" size="5"
                    prop:value=move || st.bin_seconds.get().to_string() on:change=on_bin /></label>
                <label>"Method "
                    <select id="method" prop:value=move || if mean() { "mean-threshold" } else { "rate-test" } on:change=on_method>
                        <option value="rate-test">"rate test (default)"</option>
                        <option value="mean-threshold">"mean threshold"</option>
                    </select>
                </label>
                <label hidden=mean>"Evidence "
                    <select id="evidence" prop:value=move || st.evidence.get().name() on:change=on_evidence
                        title="recent: raises a rise about a minute after it starts, however late; cumulative: weighs everything since the stream started">
                        <option value="recent">"recent (default)"</option>
                        <option value="cumulative">"since the start"</option>
                    </select>
                </label>
                <label hidden=move || mean() || cumulative()
                    title="Expected false alerts per code per hour of stream from the restarted tests, at most (1e-9 to 1)">
                    "False alerts / code-hour "<input id="false-alarm-rate" type="number" step="0.001" min="0.000000001" max="1" size="6"
                    prop:value=move || st.false_alarm_rate.get().to_string() on:change=on_rate /></label>
                <label hidden=move || mean() || cumulative()
                    title="Seconds between fresh tests of a code (1 to 3600)">
                    "Restart every (s) "<input id="restart-seconds" type="number" step="1" min="1" max="3600" size="4"
                    prop:value=move || st.restart_seconds.get().to_string() on:change=on_restart /></label>
                <label hidden=mean
                    title="False alarms of the test since the stream started, over all codes: expected (recent) or the probability of any (since the start)">
                    "α "<input id="alpha" type="number" step="0.001" min="0.0001" max="0.5" size="6"
                    prop:value=move || st.alpha.get().to_string() on:change=on_alpha /></label>
                <label hidden=move || !mean()>"Threshold "<input id="threshold" type="number" step="0.05" min="0.01" size="5"
                    prop:value=move || st.threshold.get().to_string() on:change=on_threshold /></label>
                <label hidden=move || !mean()>"Windows (bins) "<input id="windows" type="text" size="6"
                    prop:value=windows_text on:change=on_windows /></label>
            </fieldset>
            <fieldset>
                <legend>"Colour"</legend>
                <label><input type="radio" name="heat-mode" id="mode-diff" prop:checked=move || st.mode.get() == HeatMode::Difference
                    on:change=move |_| st.mode.set(HeatMode::Difference) />" difference"</label>
                <label><input type="radio" name="heat-mode" id="mode-ratio" prop:checked=move || st.mode.get() == HeatMode::Ratio
                    on:change=move |_| st.mode.set(HeatMode::Ratio) />" rate ratio"</label>
            </fieldset>
        </div>
    }
}

/// Play, pause, step, speed and seek over the stream, with the stream time reached.
#[component]
pub fn Player() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let span = move || {
        st.loaded.get().map_or((0, 0), |l| {
            let ev = &l.stream.events;
            (
                ev.first().map_or(0, |e| e.t_ms),
                ev.last().map_or(0, |e| e.t_ms),
            )
        })
    };
    let total = move || st.loaded.get().map_or(0, |l| l.stream.events.len());
    let on_seek = move |e: leptos::ev::Event| {
        if let Ok(s) = event_target_value(&e).parse::<i64>() {
            st.seek(s * 1000);
        }
    };
    let on_speed = move |e: leptos::ev::Event| {
        if let Some(s) = Speed::parse(&event_target_value(&e)) {
            st.set_speed(s);
        }
    };
    view! {
        <div class="panel player" id="errors-player" role="group" aria-label="Replay">
            <button id="play" class="primary" aria-keyshortcuts="k"
                on:click=move |_| st.toggle()
                title=move || if st.playing.get() { "Pause (k)" } else { "Play (k)" }>
                {move || if st.playing.get() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button id="step" on:click=move |_| st.step() title="Step one bin forward">"Step"</button>
            <button id="to-end" on:click=move |_| st.seek(i64::MAX) title="Apply the whole stream now">"To end"</button>
            <label>"Speed "
                <select id="speed" prop:value=move || st.speed.get().label() on:change=on_speed>
                    {Speed::CHOICES.iter().map(|s| view! { <option value=s.label()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <input id="seek" type="range" aria-label="Stream position (seconds)"
                min=move || (span().0 / 1000).to_string()
                max=move || (span().1 / 1000).to_string()
                prop:value=move || (st.position_ms.get() / 1000).to_string()
                on:change=on_seek />
            <span class="clock" id="stream-time">
                {move || format!("{} / {}", format_stream_ms(st.position_ms.get()), format_stream_ms(span().1))}
            </span>
            <span class="muted" id="events-applied">
                {move || format!("{} / {} events", st.applied.get(), total())}
            </span>
        </div>
    }
}
