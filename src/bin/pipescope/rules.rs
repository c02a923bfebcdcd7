//! `--rules FILE` for `incidents`, `errors` and `check`: reading the rules file, and feeding
//! a stream (or a run of the checks) to the rule evaluator and the incident book the way the
//! page does.

use std::path::Path;
use std::process::ExitCode;

use pipescope::core::incident::IncidentEngine;
use pipescope::core::rules::{self, Format, RuleEngine, RuleOutcome, RulesFile};

use crate::common::fail;

/// Reads a rules file; with `metrics`, a rule whose metric matches none of them is an
/// error too. Every mistake is printed (file, line, rule, what was expected), exit 2.
pub fn load(path: &Path, metrics: Option<&[String]>) -> Result<RulesFile, ExitCode> {
    load_checked(path, |text, format| rules::check(text, format, metrics))
}

/// Reads a rules file for `check`: a check rule whose name or pattern matches none of
/// `checks` is an error too. Every mistake is printed, exit 2.
pub fn load_for_checks(path: &Path, checks: &[String]) -> Result<RulesFile, ExitCode> {
    load_checked(path, |text, format| {
        rules::check_for_checks(text, format, Some(checks))
    })
}

/// Reads a rules file, prints every mistake `check` finds in it and fails on the last.
fn load_checked(
    path: &Path,
    check: impl FnOnce(&str, Format) -> Vec<rules::RulesError>,
) -> Result<RulesFile, ExitCode> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format_args!("cannot read the rules file {shown}: {e}")))?;
    let format = path
        .to_str()
        .and_then(Format::from_name)
        .unwrap_or_else(|| Format::sniff(&text));
    let errors = check(&text, format);
    if let Some(last) = errors.len().checked_sub(1) {
        for e in &errors[..last] {
            eprintln!("pipescope: {shown}: {e}");
        }
        return Err(fail(format_args!("{shown}: {}", errors[last])));
    }
    rules::parse(&text, format).map_err(|e| fail(format_args!("{shown}: {e}")))
}

/// Judges the check rules on one run of the checks into a fresh book, as the page's
/// Checks workspace does; prints each rule incident as a JSON line (as `incidents --rules`)
/// and what could not be judged on stderr. True when a severity-1 rule fired unsilenced.
pub fn judge_checks(
    file: &RulesFile,
    report: &pipescope::core::checks::CheckReport,
    now_ms: i64,
) -> std::io::Result<bool> {
    use std::io::Write;
    let run = rules::check_rules(&file.rules, report, now_ms);
    for s in &run.skipped {
        eprintln!("pipescope: {s}");
    }
    let mut book = IncidentEngine::with_defaults();
    rules::apply(&mut book, &run.outcomes, &file.silences, now_ms);
    let groups = pipescope::core::incident::group_uids(&book.groups(1000.0));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for incident in book.incidents() {
        let line = pipescope::core::incident::export::incident_json_line(incident, &groups);
        match writeln!(out, "{line}") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            r => r?,
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    Ok(book
        .incidents()
        .iter()
        .any(|i| i.severity == 1 && i.silenced.is_none()))
}

/// The rule evaluator and the silences beside an incident book.
pub struct Rules {
    pub engine: RuleEngine,
    pub silences: Vec<rules::Silence>,
    pub out: Vec<RuleOutcome>,
}

impl Rules {
    pub fn new(file: RulesFile, names: Vec<String>) -> Rules {
        Rules {
            engine: RuleEngine::new(file.rules, names),
            silences: file.silences,
            out: Vec::new(),
        }
    }

    /// Folds what the evaluator said since the last call into the book, at stream time `t`.
    pub fn settle(&mut self, book: &mut IncidentEngine, t: i64) {
        rules::apply(book, &self.out, &self.silences, t);
        self.out.clear();
    }
}
