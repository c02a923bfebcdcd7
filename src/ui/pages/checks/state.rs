//! State of the Checks workspace: the reference and the current file, each read by its
//! own rules, and the comparison of the two.

use crate::core::checks::{self, CheckReport, Checks, Format, Status};
use crate::core::compare::{CompareReport, Comparison, DriftRule, Profiled};
use crate::core::incident::CheckOutcome;
use crate::core::ingest::{IngestOptions, Table};
use crate::core::profile::OrderedProfile;
use crate::report::compare::NamedFile;
use crate::ui::download;
use crate::ui::format;
use crate::ui::keep::Kept;
use crate::ui::loader::{load_keeping, yield_task, LoadError, LoadProgress, Source};
use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::shell::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

/// Where the reference is kept in the browser, so it is there in the next session.
const REFERENCE_SLOT: &str = "compare-reference";

/// localStorage key of the checks file in use, kept for the next visit.
const CHECKS_KEY: &str = "pipescope-checks";

/// Main-thread time a comparison works before yielding to the browser.
const SLICE_MS: f64 = 25.0;

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The file the current one is judged against.
    Reference,
    /// The batch being checked.
    Current,
}

impl Which {
    /// Lower-case name shown to the user.
    pub fn name(self) -> &'static str {
        match self {
            Which::Reference => "reference",
            Which::Current => "current file",
        }
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct Loaded {
    /// File name.
    pub name: String,
    /// Typed columns.
    pub table: Table,
    /// Its profile, numeric columns' orders kept: the checks read the profile and the
    /// comparison the orders, so neither goes over the data again.
    pub profile: OrderedProfile,
    /// Milliseconds of reading, parsing and profiling.
    pub read_ms: f64,
}

impl Loaded {
    /// The table with its profile, as a comparison reads it.
    pub fn profiled(&self) -> Profiled<'_> {
        Profiled::new(&self.table, &self.profile)
    }
}

/// What the reference's kept copy should become.
enum SlotWrite {
    /// The file just opened as the reference.
    Keep(Source, IngestOptions),
    /// Nothing (the files were swapped, or the user asked), and why.
    Forget(Kept),
}

/// Signals of the Checks workspace, shared by its components through context.
#[derive(Clone, Copy)]
pub struct ChecksState {
    pub app: AppState,
    /// The incident books, where failing checks open incidents.
    pub(super) incidents: IncidentsState,
    pub reference: RwSignal<Option<Arc<Loaded>>>,
    pub current: RwSignal<Option<Arc<Loaded>>>,
    /// Whether the reference comes back in the next session, and if not why.
    pub kept: RwSignal<Option<Kept>>,
    /// The load in flight: which file, its name and progress.
    pub loading: RwSignal<Option<(Which, String, LoadProgress)>>,
    /// Message of the last failed load or comparison.
    pub error: RwSignal<Option<String>>,
    /// The comparison of the two files on screen.
    pub report: RwSignal<Option<Arc<CompareReport>>>,
    /// Milliseconds the comparison took.
    pub compare_ms: RwSignal<f64>,
    /// The column whose distributions are overlaid (its name in the current file).
    pub selected: RwSignal<Option<String>>,
    /// The checks file in use: its name and checks.
    pub checks: RwSignal<Option<(String, Arc<Checks>)>>,
    /// Why the last checks file could not be used (with its line).
    pub checks_error: RwSignal<Option<String>>,
    /// The checks' results on the current file.
    pub check_report: RwSignal<Option<Arc<CheckReport>>>,
    /// The applied rules text and its file, whose check rules judge every run of the checks.
    pub check_rules: RwSignal<Option<(String, Arc<crate::core::rules::RulesFile>)>>,
    /// What the check rules said on the last run.
    pub check_rules_run: RwSignal<Option<Arc<crate::core::rules::CheckRulesRun>>>,
    /// Columns compared and in all, while a comparison runs.
    pub comparing: RwSignal<Option<(usize, usize)>>,
    generation: StoredValue<u64, LocalStorage>,
    /// The two files the report on screen compares (a swap changes the files before the
    /// new report is there).
    compared: StoredValue<Option<(Arc<Loaded>, Arc<Loaded>)>, LocalStorage>,
    /// The latest write the reference's kept copy waits for, and whether one is running.
    slot_next: StoredValue<Option<SlotWrite>, LocalStorage>,
    slot_busy: StoredValue<bool, LocalStorage>,
    cancel_flag: StoredValue<Rc<Cell<bool>>, LocalStorage>,
}

fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

impl ChecksState {
    /// Fresh state with no file.
    pub fn new(app: AppState, incidents: IncidentsState) -> Self {
        ChecksState {
            app,
            incidents,
            reference: RwSignal::new(None),
            current: RwSignal::new(None),
            kept: RwSignal::new(None),
            loading: RwSignal::new(None),
            error: RwSignal::new(None),
            report: RwSignal::new(None),
            compare_ms: RwSignal::new(0.0),
            selected: RwSignal::new(None),
            checks: RwSignal::new(None),
            checks_error: RwSignal::new(None),
            check_report: RwSignal::new(None),
            check_rules: RwSignal::new(None),
            check_rules_run: RwSignal::new(None),
            comparing: RwSignal::new(None),
            generation: StoredValue::new_local(0),
            compared: StoredValue::new_local(None),
            slot_next: StoredValue::new_local(None),
            slot_busy: StoredValue::new_local(false),
            cancel_flag: StoredValue::new_local(Rc::new(Cell::new(false))),
        }
    }

    /// A dropped file: the reference while there is none, else the current file.
    pub fn drop_file(&self, file: web_sys::File) {
        let which = if self.reference.with_untracked(Option::is_none) {
            Which::Reference
        } else {
            Which::Current
        };
        self.load(which, Source::File(file), IngestOptions::default());
    }

    /// Cancels the load in flight.
    pub fn cancel(&self) {
        self.cancel_flag.with_value(|c| c.set(true));
    }

    /// Reads `source` as `which`; what is on screen stays until it has loaded.
    pub fn load(&self, which: Which, source: Source, options: IngestOptions) {
        self.cancel();
        let flag = Rc::new(Cell::new(false));
        self.cancel_flag.set_value(flag.clone());
        let st = *self;
        let name = source.name();
        st.error.set(None);
        st.loading.set(Some((
            which,
            name.clone(),
            LoadProgress {
                total: source.size(),
                ..Default::default()
            },
        )));
        st.app.status.set(format!(
            "Reading the {} {name} ({})…",
            which.name(),
            format::megabytes(source.size())
        ));
        spawn_local(async move {
            let mine = flag.clone();
            let progress_name = name.clone();
            let progress = move |p: LoadProgress| {
                if !mine.get() {
                    st.loading.set(Some((which, progress_name.clone(), p)));
                }
            };
            let result = load_keeping(&source, options.clone(), progress, flag.clone(), true).await;
            if flag.get() {
                if st.cancel_flag.with_value(|c| Rc::ptr_eq(c, &flag)) {
                    st.loading.set(None);
                    st.app.status.set(format!(
                        "Cancelled reading {name}; the files on screen stay."
                    ));
                }
                return;
            }
            st.loading.set(None);
            match result {
                Ok((data, orders)) => {
                    let loaded = Arc::new(Loaded {
                        name: name.clone(),
                        profile: OrderedProfile {
                            profile: data.profile,
                            orders,
                        },
                        table: data.table,
                        read_ms: data.load_ms,
                    });
                    match which {
                        Which::Reference => {
                            st.reference.set(Some(loaded));
                            // Kept beside the comparison, not before it: copying the file
                            // into the browser's storage need not hold up the current file.
                            st.write_slot(SlotWrite::Keep(source, options));
                        }
                        Which::Current => st.current.set(Some(loaded)),
                    }
                    st.run_checks();
                    st.run_compare().await;
                }
                Err(LoadError::Cancelled) => {}
                Err(e) => {
                    st.app.status.set(format!(
                        "Failed to read the {} {name}; the files on screen stay.",
                        which.name()
                    ));
                    st.error.set(Some(format!("{name}: {e}")));
                }
            }
        });
    }

    /// Compares the two files when both are there.
    async fn run_compare(&self) {
        let (Some(r), Some(c)) = (self.reference.get_untracked(), self.current.get_untracked())
        else {
            let which = if self.reference.with_untracked(Option::is_none) {
                "a reference"
            } else {
                "a current file"
            };
            self.report.set(None);
            self.app
                .status
                .set(format!("Open {which} to compare the two."));
            return;
        };
        self.app
            .status
            .set(format!("Comparing {} with {}…", c.name, r.name));
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        // Paint the status before the comparison takes the main thread.
        yield_task().await;
        let start = now_ms();
        let stepped = match Comparison::new(r.profiled(), c.profiled(), &DriftRule::default()) {
            Ok(mut comparison) => {
                let mut slice = now_ms();
                loop {
                    if comparison.step() {
                        break Some(Ok(comparison.finish()));
                    }
                    // One column can take tens of milliseconds (an exact KS test): hand the
                    // main thread back every slice so the page stays responsive.
                    if now_ms() - slice >= SLICE_MS {
                        self.comparing.set(Some(comparison.progress()));
                        yield_task().await;
                        if self.generation.get_value() != generation {
                            break None;
                        }
                        slice = now_ms();
                    }
                }
            }
            Err(e) => Some(Err(e)),
        };
        if self.generation.get_value() == generation {
            self.comparing.set(None);
        }
        // A newer file (or a swap) started another comparison: this one is stale.
        let Some(result) = stepped else { return };
        match result {
            Ok(report) => {
                let ms = now_ms() - start;
                self.compare_ms.set(ms);
                let s = &report.summary;
                self.app.status.set(format!(
                    "Compared {} with {}: {} of {} tested columns drifted, {} added, {} removed ({:.2} s)",
                    c.name,
                    r.name,
                    s.columns_drifted,
                    s.columns_tested,
                    s.columns_added,
                    s.columns_removed,
                    ms / 1000.0
                ));
                let keep = self
                    .selected
                    .get_untracked()
                    .filter(|n| report.columns.iter().any(|c| &c.name == n));
                let first = report
                    .columns
                    .iter()
                    .find(|c| c.test.is_some())
                    .map(|c| c.name.clone());
                self.selected.set(keep.or(first));
                self.compared.set_value(Some((r, c)));
                self.report.set(Some(Arc::new(report)));
            }
            Err(e) => {
                self.report.set(None);
                self.error.set(Some(e.to_string()));
            }
        }
    }

    /// Swaps the two files: the current file becomes the reference.
    pub fn swap(&self) {
        let (r, c) = (self.reference.get_untracked(), self.current.get_untracked());
        self.reference.set(c);
        self.current.set(r);
        // The kept copy is the old reference's file: forget it rather than bring back the
        // wrong one next time.
        self.write_slot(SlotWrite::Forget(Kept::No(
            "the files were swapped; open the reference again to keep it".into(),
        )));
        let st = *self;
        spawn_local(async move {
            st.run_checks();
            st.run_compare().await
        });
    }

    /// Makes the reference's kept copy what `write` says, after any write under way: one
    /// write at a time and only the latest asked for, so the slow copy of a reference
    /// replaced or swapped away meanwhile never lands after (and over) the newer choice,
    /// and the chip shows the outcome of the last one.
    fn write_slot(&self, write: SlotWrite) {
        self.slot_next.set_value(Some(write));
        self.kept.set(None);
        if self.slot_busy.get_value() {
            return; // the running writer takes it next
        }
        self.slot_busy.set_value(true);
        let st = *self;
        spawn_local(async move {
            let mut last = None;
            while let Some(write) = st.slot_next.try_update_value(Option::take).flatten() {
                last = Some(match write {
                    SlotWrite::Keep(source, options) => {
                        crate::ui::keep::keep(REFERENCE_SLOT, &source, &options).await
                    }
                    SlotWrite::Forget(why) => {
                        crate::ui::keep::forget(REFERENCE_SLOT).await;
                        why
                    }
                });
            }
            st.slot_busy.set_value(false);
            st.kept.set(last);
        });
    }

    /// The comparison on screen as a self-contained HTML report (with the checks' results
    /// when a checks file ran), and its file name `<ref>-vs-<cur>-compare.html`; the
    /// document `pipescope compare REF CUR --html` writes (but for its time and the
    /// browser's glyph widths in the charts).
    pub fn html_report(&self) -> Option<(String, String)> {
        let report = self.report.get_untracked()?;
        let (r, c) = self.compared.get_value()?;
        let checks = self.check_report.get_untracked();
        let html = crate::report::compare_html(
            NamedFile {
                name: &r.name,
                data: r.profiled(),
            },
            NamedFile {
                name: &c.name,
                data: c.profiled(),
            },
            &report,
            checks.as_deref(),
            Some(js_sys::Date::now() as i64),
        );
        let stem = |n: &str| {
            let n = n.rsplit_once('.').map_or(n, |(s, _)| s);
            download::safe_name(n)
        };
        Some((
            format!("{}-vs-{}-compare.html", stem(&r.name), stem(&c.name)),
            html,
        ))
    }

    /// Brings back the reference kept in an earlier session, if nothing is loaded yet.
    pub fn restore_reference(&self) {
        let st = *self;
        spawn_local(async move {
            let Some((source, options)) = crate::ui::keep::restore(REFERENCE_SLOT).await else {
                return;
            };
            if st.reference.with_untracked(Option::is_none)
                && st.loading.with_untracked(Option::is_none)
            {
                st.load(Which::Reference, source, options);
            }
        });
    }

    /// Removes the kept copy of the reference from the browser.
    pub fn forget_reference(&self) {
        self.write_slot(SlotWrite::Forget(Kept::No(
            "forgotten at your request".into(),
        )));
    }
}

impl ChecksState {
    /// Reads a checks file (JSON or YAML, by its name or its first character); a mistake
    /// is shown with its line and the checks in use stay.
    pub fn load_checks(&self, name: String, text: &str) {
        let format = Format::from_name(&name).unwrap_or_else(|| Format::sniff(text));
        match checks::parse(text, format) {
            Ok(parsed) => {
                self.checks_error.set(None);
                if let Some(s) = storage() {
                    let kept = serde_json::json!({ "name": name, "text": text }).to_string();
                    let _ = s.set_item(CHECKS_KEY, &kept);
                }
                self.checks.set(Some((name, Arc::new(parsed))));
                self.run_checks();
            }
            Err(e) => self.checks_error.set(Some(format!("{name}: {e}"))),
        }
    }

    /// Builds a starting checks file from the current file (or the reference).
    pub fn suggest_checks(&self) {
        let Some(from) = self
            .current
            .get_untracked()
            .or_else(|| self.reference.get_untracked())
        else {
            return;
        };
        let text = checks::suggest(&from.table).to_yaml();
        let name = format!("{}.checks.yaml", from.name.trim_end_matches(".csv"));
        self.load_checks(name, &text);
    }

    /// The checks file in use as text, to download.
    pub fn checks_text(&self) -> Option<(String, String)> {
        let (name, c) = self.checks.get_untracked()?;
        let text = match Format::from_name(&name) {
            Some(Format::Json) => c.to_json(),
            _ => c.to_yaml(),
        };
        Some((name, text))
    }

    /// Stops using the checks file.
    pub fn clear_checks(&self) {
        if let Some(s) = storage() {
            let _ = s.remove_item(CHECKS_KEY);
        }
        self.checks.set(None);
        self.check_report.set(None);
        self.checks_error.set(None);
    }

    /// Brings back the checks file of the last visit.
    pub fn restore_checks(&self) {
        let kept = storage()
            .and_then(|s| s.get_item(CHECKS_KEY).ok().flatten())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        if let Some(v) = kept {
            if let (Some(name), Some(text)) = (v["name"].as_str(), v["text"].as_str()) {
                self.load_checks(name.to_string(), text);
            }
        }
    }

    /// Runs the checks on the current file (with the reference for drift checks) and
    /// opens or resolves their incidents.
    pub fn run_checks(&self) {
        let (Some((_, c)), Some(cur)) = (self.checks.get_untracked(), self.current.get_untracked())
        else {
            self.check_report.set(None);
            return;
        };
        let reference = self.reference.get_untracked();
        let now = js_sys::Date::now() as i64;
        // The profile made on reading: most checks read their figures from it.
        let report = checks::run_with_profile(
            &cur.table,
            &c,
            reference.as_ref().map(|r| &r.table),
            now,
            &cur.profile.profile,
        );
        let outcomes: Vec<CheckOutcome> = report
            .checks
            .iter()
            .filter(|r| r.status != Status::Error)
            .map(|r| CheckOutcome {
                check: r.name.clone(),
                level: r.level.name().to_string(),
                passed: r.status == Status::Pass,
                column: r.column.clone(),
                observed: checks::report::observed_text(&r.observed),
                expected: r.expected.clone(),
            })
            .collect();
        self.incidents.sync_checks(&cur.name, &outcomes, now);
        let fired = self.judge_check_rules(&report, now);
        let k = report.counts;
        self.app.status.set(
            format!(
                "Checked {}: {} passed, {} warned, {} failed{}",
                cur.name,
                k.passed,
                k.warned,
                k.failed,
                if k.errors > 0 {
                    format!(", {} could not run", k.errors)
                } else {
                    String::new()
                }
            ) + &fired.map_or(String::new(), |n| format!("; {n} rule firing(s)")),
        );
        self.check_report.set(Some(Arc::new(report)));
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
