//! State of the Distribution workspace and the load lifecycle.

use crate::core::distribution::BinRule;
use crate::core::ingest::{ColumnType, IngestError, IngestOptions};
use crate::ui::format;
use crate::ui::keep::Kept;
use crate::ui::loader::{load, yield_task, Dataset, LoadError, LoadProgress, Source};
use crate::ui::shell::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

/// Where the dataset on screen is kept in the browser (the key existing copies use).
const KEPT_SLOT: &str = "last";

/// Signals of the Distribution workspace, shared by its components through context.
#[derive(Clone, Copy)]
pub struct DistState {
    pub app: AppState,
    /// The dataset on screen; it stays until a new one has loaded.
    pub dataset: RwSignal<Option<Arc<Dataset>>>,
    /// Progress of the load in flight.
    pub progress: RwSignal<Option<LoadProgress>>,
    /// Name of the file being loaded.
    pub loading_name: RwSignal<Option<String>>,
    /// Message of the last failed load.
    pub error: RwSignal<Option<String>>,
    /// Line of a runaway quote in the last failed load: the page offers to read quotes
    /// literally from there.
    pub quote_offer: RwSignal<Option<u64>>,
    /// Whether the dataset on screen is kept in the browser for a reload.
    pub kept: RwSignal<Option<Kept>>,
    /// The dataset on screen came back from the browser's storage after a reload.
    pub restored: RwSignal<bool>,
    /// Column whose plots are open.
    pub selected: RwSignal<Option<usize>>,
    /// Histogram bin rule ("fd", "sturges", "fixed") and fixed bin count.
    pub bin_rule: RwSignal<&'static str>,
    pub bin_count: RwSignal<usize>,
    /// Log value axis for box plot and histogram.
    pub log: RwSignal<bool>,
    pub scatter_x: RwSignal<Option<usize>>,
    pub scatter_y: RwSignal<Option<usize>>,
    pub group_value: RwSignal<Option<usize>>,
    pub group_by: RwSignal<Option<usize>>,
    source: StoredValue<Option<Source>, LocalStorage>,
    cancel_flag: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    /// What the last failed load read, to read it again another way.
    failed: StoredValue<Option<(Source, IngestOptions)>, LocalStorage>,
}

impl DistState {
    /// Fresh state with no dataset.
    pub fn new(app: AppState) -> Self {
        DistState {
            app,
            dataset: RwSignal::new(None),
            progress: RwSignal::new(None),
            loading_name: RwSignal::new(None),
            error: RwSignal::new(None),
            quote_offer: RwSignal::new(None),
            kept: RwSignal::new(None),
            restored: RwSignal::new(false),
            selected: RwSignal::new(None),
            bin_rule: RwSignal::new("fd"),
            bin_count: RwSignal::new(30),
            log: RwSignal::new(false),
            scatter_x: RwSignal::new(None),
            scatter_y: RwSignal::new(None),
            group_value: RwSignal::new(None),
            group_by: RwSignal::new(None),
            source: StoredValue::new_local(None),
            failed: StoredValue::new_local(None),
            cancel_flag: StoredValue::new_local(Rc::new(Cell::new(false))),
        }
    }

    /// The bin rule chosen in the controls.
    pub fn bin_rule(&self) -> BinRule {
        match self.bin_rule.get() {
            "sturges" => BinRule::Sturges,
            "fixed" => BinRule::Fixed(self.bin_count.get().clamp(1, 500)),
            _ => BinRule::FreedmanDiaconis,
        }
    }

    /// Cancels the load in flight, if any.
    pub fn cancel(&self) {
        self.cancel_flag.with_value(|c| c.set(true));
    }

    /// Re-reads the current source with one column's type overridden.
    pub fn override_type(&self, column: &str, kind: ColumnType) {
        self.reread(|b| b.column_type(column, kind));
    }

    /// Re-reads the current source with one column read a locale's other way.
    pub fn read_column_as(&self, column: &str, reading: crate::core::ingest::locale::Reading) {
        self.reread(|b| b.column_reading(column, reading));
    }

    /// Re-reads the current source letting the cells choose `column`'s reading again.
    pub fn read_column_as_found(&self, column: &str) {
        self.reread(|b| b.auto_reading(column));
    }

    /// Re-reads the current source with its options changed by `change`, keeping the
    /// selected column.
    fn reread(
        &self,
        change: impl FnOnce(
            crate::core::ingest::IngestOptionsBuilder,
        ) -> crate::core::ingest::IngestOptionsBuilder,
    ) {
        let Some(source) = self.source.get_value() else {
            return;
        };
        let options = self
            .dataset
            .with_untracked(|d| d.as_ref().map(|d| d.options.clone()))
            .unwrap_or_default();
        let Ok(options) = change(options.to_builder()).build() else {
            return;
        };
        let keep = self.selected.get_untracked();
        self.start(source, options, keep);
    }

    /// Reads the file that failed again, quotes literal from the runaway quote's line on.
    pub fn read_quotes_literally(&self) {
        let (Some((source, options)), Some(line)) =
            (self.failed.get_value(), self.quote_offer.get_untracked())
        else {
            return;
        };
        if let Ok(options) = options.to_builder().literal_quotes_from(Some(line)).build() {
            self.start(source, options, None);
        }
    }

    /// Shows the dataset kept from the last session, if there is one and nothing was
    /// loaded meanwhile.
    pub fn restore_kept(&self) {
        let st = *self;
        spawn_local(async move {
            let Some((source, options)) = crate::ui::keep::restore(KEPT_SLOT).await else {
                return;
            };
            let busy = st.dataset.with_untracked(Option::is_some)
                || st.loading_name.with_untracked(Option::is_some);
            if !busy {
                st.start(source, options, None);
                // After `start`, which clears it for every other load.
                st.restored.set(true);
            }
        });
    }

    /// Removes the kept copy of the dataset from the browser.
    pub fn forget_kept(&self) {
        let st = *self;
        spawn_local(async move {
            crate::ui::keep::forget(KEPT_SLOT).await;
            st.kept
                .set(Some(Kept::No("forgotten at your request".into())));
            st.app
                .status
                .set("The dataset is no longer kept in this browser; it stays on screen until you reload.".into());
        });
    }

    /// Loads a new source; the current dataset stays until this one succeeds.
    pub fn load(&self, source: Source, options: IngestOptions) {
        self.start(source, options, None);
    }

    fn start(&self, source: Source, options: IngestOptions, keep_selected: Option<usize>) {
        // A new load replaces one in flight.
        self.cancel();
        let flag = Rc::new(Cell::new(false));
        self.cancel_flag.set_value(flag.clone());
        let st = *self;
        let name = source.name();
        st.error.set(None);
        st.quote_offer.set(None);
        st.restored.set(false);
        st.failed.set_value(Some((source.clone(), options.clone())));
        st.loading_name.set(Some(name.clone()));
        st.progress.set(Some(LoadProgress {
            total: source.size(),
            ..Default::default()
        }));
        st.app.status.set(format!(
            "Reading {name} ({})…",
            format::megabytes(source.size())
        ));
        spawn_local(async move {
            let mine = flag.clone();
            let progress = move |p: LoadProgress| {
                if !mine.get() {
                    st.progress.set(Some(p));
                }
            };
            let result = load(&source, options, progress, flag.clone()).await;
            if replaced_by_newer(&st, &flag) {
                // A newer load took over; this result is stale.
                return;
            }
            st.progress.set(None);
            st.loading_name.set(None);
            // Say the previous dataset stays only when there is one.
            let stays = if st.dataset.with_untracked(Option::is_some) {
                "; the previous dataset is still shown"
            } else {
                ""
            };
            match result {
                Ok(dataset) => st.show(source, dataset, keep_selected),
                Err(LoadError::Cancelled) => {
                    st.app
                        .status
                        .set(format!("Cancelled loading {name}{stays}."));
                }
                Err(e) => {
                    st.app.status.set(format!("Failed to load {name}{stays}."));
                    if let LoadError::Ingest(IngestError::RunawayQuote(r)) = &e {
                        st.quote_offer.set(Some(r.line));
                    }
                    st.error.set(Some(format!("{name}: {e}")));
                }
            }
        });
    }

    fn show(&self, source: Source, dataset: Dataset, keep_selected: Option<usize>) {
        let t = &dataset.table;
        self.app.status.set(format!(
            "Loaded {}: {} rows x {} columns in {:.2} s ({}){}",
            dataset.name,
            format::count(t.rows),
            t.columns.len(),
            dataset.load_ms / 1000.0,
            format::rate(t.bytes, dataset.load_ms / 1000.0),
            if t.skipped.count > 0 {
                format!(", {} ragged rows skipped", format::count(t.skipped.count))
            } else {
                String::new()
            }
        ));
        publish_timing(&dataset);
        let defaults = Defaults::of(&dataset);
        let selected = keep_selected
            .filter(|&i| i < t.columns.len())
            .or(defaults.selected);
        // The table first, the plots in a task of their own: both draw a lot for a large
        // table, and together they made one task past the long-task budget.
        for s in [
            self.selected,
            self.scatter_x,
            self.scatter_y,
            self.group_value,
            self.group_by,
        ] {
            s.set(None);
        }
        if self.restored.get_untracked() {
            self.app.status.update(|s| {
                *s = format!("Restored from the last session (kept in this browser). {s}")
            });
        }
        // Kept for a reload, as the Monitor and Errors streams are by their journal.
        self.kept.set(None);
        let st = *self;
        let (kept_source, kept_options) = (source.clone(), dataset.options.clone());
        spawn_local(async move {
            let kept = crate::ui::keep::keep(KEPT_SLOT, &kept_source, &kept_options).await;
            st.kept.set(Some(kept));
        });
        self.source.set_value(Some(source));
        let shown = Arc::new(dataset);
        self.dataset.set(Some(shown.clone()));
        let st = *self;
        spawn_local(async move {
            yield_task().await;
            // Another dataset published meanwhile brings its own choices.
            let current = st
                .dataset
                .with_untracked(|d| d.as_ref().is_some_and(|d| Arc::ptr_eq(d, &shown)));
            if current {
                // A column the user picked in between wins.
                if st.selected.get_untracked().is_none() {
                    st.selected.set(selected);
                }
                st.scatter_x.set(defaults.scatter.0);
                st.scatter_y.set(defaults.scatter.1);
                st.group_value.set(defaults.group.0);
                st.group_by.set(defaults.group.1);
            }
        });
    }
}

fn replaced_by_newer(st: &DistState, mine: &Rc<Cell<bool>>) -> bool {
    st.cancel_flag.with_value(|c| !Rc::ptr_eq(c, mine))
}

/// Load timing published on `<body>` for benchmarks and tests.
fn publish_timing(d: &Dataset) {
    if let Some(body) = document().body() {
        let ds = body.dataset();
        let seq = ds
            .get("loadSeq")
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let _ = ds.set("loadMs", &format!("{:.1}", d.load_ms));
        let _ = ds.set("parseMs", &format!("{:.1}", d.parse_ms));
        let _ = ds.set("loadBytes", &d.table.bytes.to_string());
        let _ = ds.set("loadRows", &d.table.rows.to_string());
        let _ = ds.set("loadSeq", &seq.to_string());
    }
}

/// Sensible first plots for a new table.
struct Defaults {
    selected: Option<usize>,
    scatter: (Option<usize>, Option<usize>),
    group: (Option<usize>, Option<usize>),
}

impl Defaults {
    fn of(d: &Dataset) -> Defaults {
        let t = &d.table;
        let numeric: Vec<usize> = (0..t.columns.len())
            .filter(|&i| t.columns[i].kind == ColumnType::Numeric)
            .collect();
        // An identifier column makes a dull first plot.
        let interesting: Vec<usize> = numeric
            .iter()
            .copied()
            .filter(|&i| !looks_like_id(&t.columns[i].name))
            .collect();
        let pick = if interesting.is_empty() {
            numeric.clone()
        } else {
            interesting
        };
        // The scatter starts with the two richest numeric columns (most distinct values).
        let mut rich = pick.clone();
        rich.sort_by_key(|&i| std::cmp::Reverse(d.profile.columns[i].distinct));
        let categorical: Vec<usize> = (0..t.columns.len())
            .filter(|&i| t.columns[i].kind == ColumnType::Categorical)
            .collect();
        // Grouping reads best with a handful of groups: prefer 3 to 30 labels.
        let by = categorical
            .iter()
            .copied()
            .find(|&i| (3..=30).contains(&d.profile.columns[i].distinct))
            .or(categorical.first().copied());
        Defaults {
            selected: pick
                .first()
                .copied()
                .or(categorical.first().copied())
                .or((!t.columns.is_empty()).then_some(0)),
            // With one numeric column there is no pair: x = y would draw a diagonal.
            scatter: match rich[..] {
                [y, x, ..] => (Some(x), Some(y)),
                _ => (None, None),
            },
            group: (rich.first().copied(), by),
        }
    }
}

fn looks_like_id(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "id" || name.ends_with("_id") || name.ends_with("num") || name.ends_with("number")
}
