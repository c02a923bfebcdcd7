//! The Distribution workspace: load a CSV, read the profile of every column, open plots.

mod correlations;
mod duplicates;
mod missing;
mod plots;
mod state;
mod table;

use crate::core::demo;
use crate::core::ingest::locale::Reading;
use crate::ui::format;
use crate::ui::loader::{LoadProgress, Source};
use crate::ui::shell::AppState;
use leptos::ev;
use leptos::prelude::*;
use state::DistState;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// The Distribution workspace page.
#[component]
pub fn DistributionPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = DistState::new(app);
    provide_context(st);

    // A file dropped anywhere while this workspace (or one that takes no files) is shown.
    let dispatch = expect_context::<crate::ui::dispatch::Dispatch>();
    dispatch.on_file(crate::ui::route::Route::Distribution, move |file| {
        st.load(Source::File(file), Default::default())
    });
    dispatch.on_problem(crate::ui::route::Route::Distribution, st.error);
    // The dataset of the last session, kept in this browser, comes back.
    st.restore_kept();

    let on_pick = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            st.load(Source::File(file), Default::default());
        }
        // Picking the same file again must fire change again.
        input.set_value("");
    };
    let on_demo = move |_| {
        let csv = demo::pipeline_runs_csv(5_000, 42);
        st.load(
            Source::Bytes {
                name: demo::DEMO_TABLE_NAME.into(),
                bytes: Rc::new(csv.into_bytes()),
            },
            Default::default(),
        );
    };

    view! {
        <div class="workspace-head">
            <h1>"Distribution"</h1>
            <span class="button primary file-picker">
                "Open CSV / TSV…"
                <input id="file-input" type="file" accept=".csv,.tsv,.txt,.psv,text/csv,text/tab-separated-values,text/plain"
                    aria-label="Open a CSV or TSV file" on:change=on_pick />
            </span>
            <button id="demo-data" on:click=on_demo>"Load demo data"</button>
            <span class="hint for-pointer">"or drop a file anywhere on the page"</span>
            <span class="dataset-name">{move || st.dataset.get().map(|d| d.name.clone())}</span>
        </div>
        <Progress />
        <ErrorBanner />
        {move || match st.dataset.get() {
            None => view! {
                <div class="dropzone-hint">
                    <p>
                        <strong class="for-pointer">"Drop a CSV or TSV file here"</strong>
                        <strong class="for-touch">"Choose a CSV or TSV file with Open CSV / TSV…"</strong>
                        " to see the shape of every column."
                    </p>
                    <p>"Delimiter and header are detected; types are inferred and can be changed. \
                        The file is read in this tab and never uploaded."</p>
                </div>
            }.into_any(),
            Some(_) => view! {
                <Summary />
                <duplicates::DuplicateRows />
                <table::ProfileTable />
                <plots::Plots />
                <correlations::Correlations />
                <missing::MissingValues />
            }.into_any(),
        }}
    }
}

/// Progress bar, rate and cancel button while a file loads.
#[component]
fn Progress() -> impl IntoView {
    let st = expect_context::<DistState>();
    move || {
        st.progress.get().map(|p: LoadProgress| {
            let secs = (p.elapsed_ms / 1000.0).max(1e-3);
            let rate = format!(
                "{} rows · {} rows/s · {}{}",
                format::count(p.rows as usize),
                format::count((p.rows as f64 / secs) as usize),
                format::rate(p.bytes, secs),
                if p.profiled > 0 {
                    format!(" · profiled {} columns", p.profiled)
                } else {
                    String::new()
                }
            );
            view! {
                <div class="progress-row">
                    <span>{move || st.loading_name.get().unwrap_or_default()}</span>
                    <progress id="parse-progress" max=p.total.max(1) as f64 value=p.bytes as f64
                        aria-label="Parsing progress"></progress>
                    <span id="parse-rate" class="rate">{rate}</span>
                    <button id="cancel-parse" on:click=move |_| st.cancel()>"Cancel"</button>
                </div>
            }
        })
    }
}

/// The error banner of the last failed load; the previous dataset stays below it.
#[component]
fn ErrorBanner() -> impl IntoView {
    let st = expect_context::<DistState>();
    move || {
        st.error.get().map(|msg| {
            view! {
                <div class="banner error" role="alert">
                    <div class="msg"><strong>"Could not load the file"</strong>{msg}</div>
                    {move || st.quote_offer.get().map(|line| view! {
                        <button id="literal-quotes" class="small"
                            title="Take every \" from this line on as an ordinary character, so the rows after it are read as rows"
                            on:click=move |_| st.read_quotes_literally()>
                            {format!("Read quotes literally from line {line}")}
                        </button>
                    })}
                    <button class="small" on:click=move |_| st.error.set(None) aria-label="Dismiss">"Dismiss"</button>
                </div>
            }
        })
    }
}

/// Rows, columns, dialect, and warnings about skipped rows or invalid cells.
#[component]
fn Summary() -> impl IntoView {
    let st = expect_context::<DistState>();
    move || {
        st.dataset.get().map(|d| {
            let t = &d.table;
            let delim = match t.dialect.delimiter {
                b'\t' => "tab".to_string(),
                b => format!("'{}'", b as char),
            };
            let skipped = (t.skipped.count > 0).then(|| {
                let lines: Vec<String> = t.skipped.lines.iter().take(20).map(|l| l.to_string()).collect();
                let more = if t.skipped.count > lines.len() { ", …" } else { "" };
                format!(
                    "{} ragged row{} skipped (field count differs from the header), at line{} {}{}. The other rows were kept.",
                    format::count(t.skipped.count),
                    if t.skipped.count == 1 { "" } else { "s" },
                    if t.skipped.count == 1 { "" } else { "s" },
                    lines.join(", "),
                    more
                )
            });
            // Columns read a locale's way (decimal commas, day-first dates), with the other
            // reading when the cells fit it too.
            // A reading the user chose is listed too (even the standard one), so it can be
            // handed back to the cells.
            let chosen = |name: &str| d.options.readings().iter().any(|(n, _)| n == name);
            let local: Vec<(String, Reading, Option<Reading>, bool)> = t
                .columns
                .iter()
                .filter(|c| c.reading != Reading::Standard || chosen(&c.name))
                .map(|c| (c.name.clone(), c.reading, c.other_reading, chosen(&c.name)))
                .collect();
            let invalid: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.invalid > 0)
                .map(|c| {
                    let at = c.first_invalid.as_ref().map(|p| format!(", first at line {}", p.line)).unwrap_or_default();
                    format!("'{}': {} value{} not {}{}", c.name, format::count(c.invalid),
                        if c.invalid == 1 { "" } else { "s" }, c.kind.name(), at)
                })
                .collect();
            view! {
                <div class="summary">
                    <span class="chip"><b>{format::count(t.rows)}</b>" rows"</span>
                    <span class="chip"><b>{t.columns.len()}</b>" columns"</span>
                    <span class="chip">{format::megabytes(t.bytes)}</span>
                    <span class="chip">"delimiter "<b>{delim}</b></span>
                    {(t.dialect.encoding != crate::core::ingest::TextEncoding::Utf8).then(|| view! {
                        <span class="chip" id="encoding-chip" title="The file starts with a UTF-16 byte order mark; it was decoded to text before reading">
                            "decoded from "<b>{t.dialect.encoding.name()}</b>
                        </span>
                    })}
                    <span class="chip">{if t.dialect.has_header { "header row" } else { "no header row" }}</span>
                    <span class="chip">{format!("loaded in {:.2} s", d.load_ms / 1000.0)}</span>
                    {move || st.kept.get().map(|k| match k {
                        crate::ui::keep::Kept::Yes => view! {
                            <span class="chip" id="kept-chip" data-kept="yes"
                                title="A copy of this file is kept in this browser's storage (never sent anywhere), so a reload shows it again">
                                "kept in this browser "
                                <button id="forget-kept" class="link" on:click=move |_| st.forget_kept()>"Forget"</button>
                            </span>
                        }.into_any(),
                        crate::ui::keep::Kept::No(why) => view! {
                            <span class="chip" id="kept-chip" data-kept="no"
                                title="A reload will not show this dataset again">
                                {format!("not kept for a reload: {why}")}
                            </span>
                        }.into_any(),
                    })}
                </div>
                {d.options.literal_quotes_from().map(|line| view! {
                    <div class="banner warn" id="literal-quotes-note"><div class="msg">
                        {format!("Quotes were read as ordinary characters from line {line} on, so a stray quote there does not take the rows after it into one cell; cells from that line keep their \" characters.")}
                    </div></div>
                })}
                {(!local.is_empty()).then(|| view! {
                    <div class="banner info" id="locale-readings"><div class="msg">
                        <strong>"How numbers and dates were read: "</strong>
                        <ul>{local.into_iter().map(|(name, reading, other, by_user)| {
                            let name2 = name.clone();
                            let name3 = name.clone();
                            view! {
                                <li data-column=name.clone()>
                                    {format!("'{name}': {}{}", reading.describe(), if by_user { " (your choice)" } else { "" })}
                                    {by_user.then(|| view! {
                                        " "
                                        <button class="small" data-read-as="found"
                                            title="Forget this choice and read the column as its cells suggest"
                                            on:click=move |_| st.read_column_as_found(&name3)>
                                            "Read as found"
                                        </button>
                                    })}
                                    {other.filter(|_| !by_user).map(|o| view! {
                                        " "
                                        <button class="small" data-read-as=format!("{o:?}")
                                            title="These cells read either way; choose the other reading"
                                            on:click=move |_| st.read_column_as(&name2, o)>
                                            {format!("Read as {}", o.describe())}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}</ul>
                    </div></div>
                })}
                {skipped.map(|s| view! { <div class="banner warn" id="skipped-rows"><div class="msg">{s}</div></div> })}
                {(!invalid.is_empty()).then(|| view! {
                    <div class="banner warn" id="invalid-cells"><div class="msg">
                        {format!("Cells that do not fit their column's type were counted as invalid and left out of the figures: {}. Change a column's type in the table to read them differently.", invalid.join("; "))}
                    </div></div>
                })}
            }
        })
    }
}
