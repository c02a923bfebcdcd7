//! `--rules FILE` for `incidents` and `errors`: reading the rules file, and feeding a stream
//! to the rule evaluator and the incident book the way the page does.

use std::path::Path;
use std::process::ExitCode;

use pipescope::core::incident::IncidentEngine;
use pipescope::core::rules::{self, Format, RuleEngine, RuleOutcome, RulesFile};

use crate::common::fail;

/// Reads a rules file; with `metrics`, a rule whose metric matches none of them is an
/// error too. Every mistake is printed (file, line, rule, what was expected), exit 2.
pub fn load(path: &Path, metrics: Option<&[String]>) -> Result<RulesFile, ExitCode> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format_args!("cannot read the rules file {shown}: {e}")))?;
    let format = path
        .to_str()
        .and_then(Format::from_name)
        .unwrap_or_else(|| Format::sniff(&text));
    let errors = rules::check(&text, format, metrics);
    if let Some(last) = errors.len().checked_sub(1) {
        for e in &errors[..last] {
            eprintln!("pipescope: {shown}: {e}");
        }
        return Err(fail(format_args!("{shown}: {}", errors[last])));
    }
    rules::parse(&text, format).map_err(|e| fail(format_args!("{shown}: {e}")))
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
