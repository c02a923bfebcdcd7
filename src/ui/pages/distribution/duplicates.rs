//! Duplicate rows of the dataset on screen: a count and the lines of the first few, found
//! in a task of its own after the profile is shown, so the profile never waits for it.

use super::plots::deferred;
use super::state::DistState;
use crate::core::compare::duplicates::{duplicates, Duplicates};
use crate::ui::format;
use leptos::prelude::*;

/// A line under the summary: "no duplicate rows", or the count with example lines.
#[component]
pub fn DuplicateRows() -> impl IntoView {
    let st = expect_context::<DistState>();
    let found = deferred(
        6,
        move || st.dataset.get(),
        |d| Some((duplicates(&d.table), d.table.rows)),
    );
    move || {
        found.with(|f| {
            let (d, rows): &(Duplicates, usize) = f.as_ref()?;
            let text = if d.count == 0 {
                "No duplicate rows.".to_string()
            } else {
                let examples: Vec<String> = d
                    .examples
                    .iter()
                    .map(|(line, first)| format!("line {line} repeats line {first}"))
                    .collect();
                format!(
                    "{} duplicate row{} ({:.1}% of {} rows; every cell equal to an earlier row): {}{}.",
                    format::count(d.count),
                    if d.count == 1 { "" } else { "s" },
                    d.count as f64 / (*rows).max(1) as f64 * 100.0,
                    format::count(*rows),
                    examples.join(", "),
                    if d.count > d.examples.len() { ", …" } else { "" }
                )
            };
            Some(view! {
                <p id="duplicate-rows" class="duplicates" data-count=d.count.to_string()>{text}</p>
            })
        })
    }
}
