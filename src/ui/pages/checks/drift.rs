//! The comparison's summary and its table, one row a column, most moved first.

use super::state::ChecksState;
use crate::core::compare::text::{
    both, labels as labels_text, method as method_text, p_value, share, verdict as status_text,
};
use crate::core::compare::{ColumnComparison, ColumnStatus};
use crate::ui::download;
use crate::ui::format;
use leptos::prelude::*;

/// Dataset-level figures: rows, duplicates, drifted columns, schema changes, notes.
#[component]
pub fn Summary() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let export = move |_| {
        st.report.with_untracked(|r| {
            let Some(r) = r else { return };
            let name = st
                .current
                .with_untracked(|c| c.as_ref().map(|c| c.name.clone()))
                .unwrap_or_default();
            let base = download::safe_name(name.trim_end_matches(".csv"));
            match download::text(
                &format!("{base}.compare.json"),
                "application/json",
                &r.to_json(),
            ) {
                Ok(()) => st
                    .app
                    .status
                    .set(format!("Exported the comparison as {base}.compare.json")),
                Err(e) => st.app.status.set(format!("Export failed: {e}")),
            }
        })
    };
    let export_html = move |_| match st.html_report() {
        Some((name, html)) => match download::text(&name, "text/html", &html) {
            Ok(()) => st
                .app
                .status
                .set(format!("Exported the comparison as an HTML report, {name}")),
            Err(e) => st.app.status.set(format!("Export failed: {e}")),
        },
        None => st
            .app
            .status
            .set("Open both files to export their comparison".into()),
    };
    move || {
        st.report.get().map(|r| {
            let s = &r.summary;
            let rows = if s.reference.rows == s.current.rows {
                format!("{} rows in each", format::count(s.current.rows))
            } else {
                format!("{} → {} rows", format::count(s.reference.rows), format::count(s.current.rows))
            };
            let schema: Vec<String> = [
                (s.columns_added, "added"),
                (s.columns_removed, "removed"),
                (s.columns_renamed, "renamed"),
                (s.columns_retyped, "retyped"),
            ]
            .into_iter()
            .filter(|x| x.0 > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            view! {
                <div class="summary" id="compare-summary"
                    data-drifted=s.columns_drifted.to_string() data-tested=s.columns_tested.to_string()>
                    <span class="chip" class:bad={s.columns_drifted > 0}
                        title="A column drifted when its test's p-value is below α and its effect size (KS D, or Jensen-Shannon distance for labels) is at least the minimum effect, so a huge file does not flag a trivial move">
                        <b>{s.columns_drifted}</b>{format!(" of {} tested columns drifted", s.columns_tested)}
                    </span>
                    <span class="chip">{rows}</span>
                    <span class="chip" title="Rows equal in every cell to an earlier row of the same file">
                        {format!("duplicate rows {} → {}", format::count(s.reference.duplicate_rows), format::count(s.current.duplicate_rows))}
                    </span>
                    {(!schema.is_empty()).then(|| view! {
                        <span class="chip bad" id="schema-changes">{format!("columns {}", schema.join(", "))}</span>
                    })}
                    <span class="chip" title="The drift rule: p-value below α and effect size at least the minimum">
                        {format!("α = {} · min effect {}", r.rule.alpha, r.rule.min_effect)}
                    </span>
                    <span class="chip">{move || format!("compared in {:.2} s", st.compare_ms.get() / 1000.0)}</span>
                    <button id="compare-export" class="small" on:click=export
                        title="Download the whole comparison as JSON, the same report `pipescope compare --json` writes">"Export JSON"</button>
                    <button id="compare-export-html" class="small" on:click=export_html
                        title="One HTML file with the summary, the drift table, the drifted columns' distributions overlaid and the checks' results; it opens offline. The same report `pipescope compare --html` writes">"HTML report"</button>
                </div>
                {(!s.notes.is_empty()).then(|| view! {
                    <div class="banner info" id="compare-notes"><div class="msg">
                        <strong>"Read differently: "</strong>
                        <ul>{s.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
                    </div></div>
                })}
            }
        })
    }
}

/// Badges of the warnings that changed between the files, or of the one side there is.
fn warning_badges(c: &ColumnComparison) -> impl IntoView {
    let changes = c
        .warning_changes
        .iter()
        .map(|w| {
            view! {
                <span class="warn-badge" data-warning=w.kind.key() data-appeared=w.appeared.to_string()
                    title=w.explain.clone()>{w.text.clone()}</span>
            }
        })
        .collect_view();
    // A column on one side only: that side's own warnings.
    let one_side: &[crate::core::profile::warnings::ColumnWarning] =
        match (&c.reference, &c.current) {
            (Some(s), None) | (None, Some(s)) => &s.warnings,
            _ => &[],
        };
    let own = one_side
        .iter()
        .map(|w| {
            view! {
                <span class="warn-badge" data-warning=w.kind.key()
                    title=format!("{}: {}", w.detail, w.explain)>{w.kind.label()}</span>
            }
        })
        .collect_view();
    (changes, own)
}

/// One row a column, most moved first; a click (or Enter) overlays its distributions.
#[component]
pub fn DriftTable() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let rows = move || {
        st.report
            .with(|r| r.as_ref().map(|r| r.columns.clone()).unwrap_or_default())
    };
    view! {
        <h2 class="section-title">"Columns, most moved first"</h2>
        <div class="table-wrap">
            <table class="profile" id="drift-table">
                <thead><tr>
                    <th class="name">"Column"</th>
                    <th class="type" title="stable or drifted (by the drift rule), or how the column's presence or type changed">"Verdict"</th>
                    <th class="type" title="KS: two-sample Kolmogorov-Smirnov for numbers and dates (exact p-value up to 10,000 values a side). χ²: chi-square test of homogeneity on the label counts">"Test"</th>
                    <th title="KS D (largest gap between the two cumulative distributions) or Pearson's χ²">"Statistic"</th>
                    <th title="Probability of a difference at least this large if both files came from one distribution">"p-value"</th>
                    <th title="Effect size in [0, 1]: KS D for numbers and dates, Jensen-Shannon distance (bits) for labels. The sort key">"Effect"</th>
                    <th title="Wasserstein-1 distance divided by the reference's interquartile range (or standard deviation): how far values moved, in spreads">"Wasserstein"</th>
                    <th title="Population stability index over the reference's deciles (or the labels): below 0.1 little change, above 0.25 a large one">"PSI"</th>
                    <th title="Share of empty or missing cells, reference → current">"Missing"</th>
                    <th title="Distinct valid values, reference → current">"Distinct"</th>
                    <th class="type" title="Labels only in the current file (new) or only in the reference (vanished)">"Labels"</th>
                    <th class="type" title="Column warnings (constant, unique, missing, skewed, zeros, high cardinality) that one file has and the other has not; hover a badge for the figures">"Warnings"</th>
                </tr></thead>
                <tbody>
                    <For each=rows key=|c| c.name.clone() let:c>
                        <Row c=c />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(c: ColumnComparison) -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let name = c.name.clone();
    let select_name = name.clone();
    let selected = {
        let name = name.clone();
        move || st.selected.with(|s| s.as_deref() == Some(name.as_str()))
    };
    let select = move || st.selected.set(Some(select_name.clone()));
    let select2 = select.clone();
    let test = c.test.clone();
    let num = test.as_ref().and_then(|t| t.numeric.clone());
    let labels = labels_text(&c);
    let title = c
        .renamed_from
        .as_ref()
        .map(|f| format!("{} (was {f} in the reference)", c.name))
        .or_else(|| c.note.clone().map(|n| format!("{}: {n}", c.name)))
        .unwrap_or_else(|| c.name.clone());
    view! {
        <tr data-column=name.clone() data-status=format!("{:?}", c.status).to_lowercase()
            data-drifted=c.drifted.to_string()
            aria-selected=move || selected().to_string()
            on:click=move |_| select()>
            <td class="name" title=title>
                <button class="link" on:click=move |e| { e.stop_propagation(); select2() }
                    title="Overlay the two distributions of this column">{name.clone()}</button>
                {c.renamed_from.clone().map(|f| view! { <span class="hint">{format!(" ← {f}")}</span> })}
            </td>
            <td class="type" class:bad={c.drifted || !matches!(c.status, ColumnStatus::Matched)} data-field="verdict">{status_text(&c)}</td>
            <td class="type">{test.as_ref().map(|t| method_text(t.method)).unwrap_or("–")}</td>
            <td data-field="statistic">{test.as_ref().map(|t| format::value(t.statistic)).unwrap_or_else(|| "–".into())}</td>
            <td data-field="p">{test.as_ref().map(|t| p_value(t.p_value)).unwrap_or_else(|| "–".into())}</td>
            <td data-field="effect">{test.as_ref().map(|t| format!("{:.3}", t.effect)).unwrap_or_else(|| "–".into())}</td>
            <td>{num.and_then(|n| n.wasserstein_normalised).map(|w| format!("{w:.3}")).unwrap_or_else(|| "–".into())}</td>
            <td>{test.as_ref().and_then(|t| t.psi).map(|p| format!("{p:.3}")).unwrap_or_else(|| "–".into())}</td>
            <td data-field="missing">{both(&c, |s| share(s.missing_share))}</td>
            <td>{both(&c, |s| format::count(s.distinct))}</td>
            <td class="type" data-field="labels" title=labels.clone()>{labels.clone()}</td>
            <td class="type" data-field="warnings">{warning_badges(&c)}</td>
        </tr>
    }
}
