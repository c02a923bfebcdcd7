//! The rules file editor both Rules panels show (the Monitor's and the Errors workspace's):
//! one app-wide text ([`crate::ui::shell::AppState::rules_draft`]) validated as you type,
//! each mistake with its line and a caret, Apply, Import and Export. Each workspace applies
//! the rules that target its stream; element ids start with the panel's `prefix`
//! (`rules-editor`, `rules-text-apply`, … in the Monitor). An edit not yet applied is
//! kept in localStorage, so a reload does not lose it.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::rules::{Format, RulesError};
use crate::ui::download;

/// localStorage key of the rules text edited but not applied.
const DRAFT_KEY: &str = "pipescope-rules-draft";

fn draft_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The rules text the user edited and did not apply before the page was last closed.
pub fn stored_draft() -> Option<String> {
    draft_storage()?.get_item(DRAFT_KEY).ok().flatten()
}

/// Keeps an edit across a reload (a full storage costs only that).
pub fn store_draft(text: &str) {
    if let Some(s) = draft_storage() {
        let _ = s.set_item(DRAFT_KEY, text);
    }
}

/// Forgets the kept edit once it is applied.
pub fn forget_draft() {
    if let Some(s) = draft_storage() {
        let _ = s.remove_item(DRAFT_KEY);
    }
}

/// An imported rules file: into the editor (kept as a draft across a reload), then
/// applied by the workspace's `apply` when it has no mistake; the status line says which.
pub fn import_text(
    draft: RwSignal<String>,
    status: RwSignal<String>,
    name: &str,
    text: String,
    apply: impl FnOnce(&str) -> bool,
) {
    store_draft(&text);
    draft.set(text.clone());
    status.set(if apply(&text) {
        format!("Imported and applied the rules of {name}")
    } else {
        format!(
            "Imported {name}: it has mistakes (listed under the editor); the running rules keep running"
        )
    });
}

/// Reads a rules file picked or dropped and hands its name and text to `import` (the
/// workspace's `import_rules`); a file that cannot be read, or is not UTF-8, is said on
/// `problem` instead.
pub fn read_file(
    file: web_sys::File,
    problem: RwSignal<Option<String>>,
    import: impl FnOnce(&str, String) + 'static,
) {
    let name = file.name();
    leptos::task::spawn_local(async move {
        match crate::ui::loader::read_whole(&file).await {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => import(&name, text),
                Err(e) => problem.set(Some(format!(
                    "Rules: {name} is not UTF-8 text (byte {}); save it as UTF-8",
                    e.utf8_error().valid_up_to()
                ))),
            },
            Err(e) => problem.set(Some(format!("Rules: {name}: {e}"))),
        }
    });
}

/// Where `line`:`column` (1-based, characters) is in `text`, in UTF-16 units (as a
/// textarea's selection counts).
fn offset(text: &str, line: u64, column: u64) -> u32 {
    let mut at = 0usize;
    for (k, l) in text.split('\n').enumerate() {
        if k + 1 == line as usize {
            let col: usize = l
                .chars()
                .take(column.saturating_sub(1) as usize)
                .map(char::len_utf16)
                .sum();
            return (at + col) as u32;
        }
        at += l.encode_utf16().count() + 1;
    }
    at as u32
}

/// The rules text with validation as you type, Apply, Import and Export.
#[component]
pub fn RulesEditor(
    /// Id prefix of the elements: `rules` gives `rules-editor`, `rules-text-apply`,
    /// `rules-import`, `rules-export`, `rules-example`, `rules-applied`, `rules-errors`.
    prefix: &'static str,
    /// The text edited.
    draft: RwSignal<String>,
    /// The text the workspace runs, to say whether the editor holds it.
    #[prop(into)]
    applied: Signal<String>,
    /// Every mistake of the draft, for this workspace.
    errors: Memo<Vec<RulesError>>,
    /// A starting file for this workspace's stream.
    #[prop(into)]
    example: Signal<String>,
    /// Applies the draft to the workspace's stream.
    on_apply: Callback<String>,
    /// Reads a rules file the user picked.
    on_import: Callback<web_sys::File>,
    /// Says something on the status line.
    on_status: Callback<String>,
    /// What Apply does, as its tooltip.
    apply_title: &'static str,
) -> impl IntoView {
    let id = move |what: &str| format!("{prefix}-{what}");
    let area = NodeRef::<leptos::html::Textarea>::new();
    let is_applied = move || applied.get() == draft.get();
    let go_to = move |line: u64, column: u64| {
        if let Some(el) = area.get_untracked() {
            let at = offset(&el.value(), line, column);
            let _ = el.focus();
            let _ = el.set_selection_range(at, at + 1);
        }
    };
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            on_import.run(file);
        }
        input.set_value("");
    };
    let export = move |_| {
        let text = draft.get_untracked();
        let (name, mime) = match Format::sniff(&text) {
            Format::Json => ("pipescope.rules.json", "application/json"),
            Format::Yaml => ("pipescope.rules.yaml", "application/yaml"),
        };
        on_status.run(match download::text(name, mime, &text) {
            Ok(()) => format!("Downloaded the rules as {name}"),
            Err(e) => format!("Download failed: {e}"),
        });
    };
    let errors_id = id("errors");
    view! {
        <div class="rules-editor">
            <label for=id("editor")>"Rules file (YAML or JSON; the format is in docs/rules.md)"</label>
            <textarea id=id("editor") node_ref=area rows="12" spellcheck="false" class="mono"
                aria-describedby=errors_id.clone()
                aria-invalid=move || (!errors.with(Vec::is_empty)).to_string()
                placeholder=move || example.get()
                prop:value=move || draft.get()
                on:input=move |e| {
                    let text = event_target_value(&e);
                    store_draft(&text);
                    draft.set(text);
                }></textarea>
            <div class="row">
                <button id=id("text-apply") class="primary" disabled=move || !errors.with(Vec::is_empty) || is_applied()
                    title=apply_title
                    on:click=move |_| on_apply.run(draft.get_untracked())>"Apply"</button>
                <span class="button file-picker" title="Open a rules file (.yaml, .yml or .json)">
                    "Import…"
                    <input id=id("import") type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
                        aria-label="Import a rules file (YAML or JSON)" on:change=picked />
                </span>
                <button id=id("export") on:click=export disabled=move || draft.with(|t| t.trim().is_empty())>"Export"</button>
                <button id=id("example") class="small" disabled=move || !draft.with(|t| t.trim().is_empty())
                    on:click=move |_| {
                        let text = example.get_untracked();
                        store_draft(&text);
                        draft.set(text);
                    }>"Start from an example"</button>
                <span id=id("applied") class="chip" data-applied=move || is_applied().to_string()>
                    {move || if is_applied() { "applied" } else { "unapplied changes" }}</span>
            </div>
            <div id=errors_id aria-live="polite">
                {move || {
                    let list = errors.get();
                    let text = draft.get_untracked();
                    (!list.is_empty()).then(|| view! {
                        <p class="problem" role="alert">{format!("{} mistake(s); the running rules keep running until this is fixed", list.len())}</p>
                        <ul class="rules-errors">
                            {list.into_iter().map(|e| error_item(e, &text, go_to)).collect_view()}
                        </ul>
                    })
                }}
            </div>
        </div>
    }
}

/// One mistake: where, what, and the line with a caret under the column; a click puts the
/// cursor there.
fn error_item(
    e: RulesError,
    text: &str,
    go_to: impl Fn(u64, u64) + Copy + 'static,
) -> impl IntoView {
    let (line, column) = (e.line.unwrap_or(1), e.column.unwrap_or(1));
    let source = text
        .split('\n')
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let caret = format!("{}^", " ".repeat(column.saturating_sub(1) as usize));
    let at = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{l}:{c}"),
        (Some(l), None) => format!("{l}"),
        _ => String::new(),
    };
    view! {
        <li data-line=e.line.map(|l| l.to_string()).unwrap_or_default()
            data-column=e.column.map(|c| c.to_string()).unwrap_or_default()>
            <button class="link" title="Put the cursor there" on:click=move |_| go_to(line, column)>{at}</button>
            " "{e.to_string()}
            {e.line.map(|_| view! { <pre class="rules-excerpt" aria-hidden="true">{format!("{source}\n{caret}")}</pre> })}
        </li>
    }
}
