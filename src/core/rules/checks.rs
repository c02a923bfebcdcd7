//! Rules on dataset check results: each run of a checks file is one judgement, so a check
//! rule fires on the run whose result meets its condition and resolves on the first later
//! run that does not (no `for`, no recovery value: there is no stream between runs).

use crate::core::checks::{CheckReport, Status};
use crate::core::incident::RuleOutcome;

use super::spec::{Condition, Rule, Target};

/// What the check rules said about one run of the checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckRulesRun {
    /// One outcome per rule and matching check: firing where the condition holds,
    /// resolving where it does not (the book ignores a resolve with nothing open).
    pub outcomes: Vec<RuleOutcome>,
    /// Rule and check pairs that could not be judged, in words (a check that could not
    /// run, a value condition on a check whose observed value is not a number).
    pub skipped: Vec<String>,
}

impl CheckRulesRun {
    /// The outcomes that fired.
    pub fn firing(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.outcomes.iter().filter(|o| o.firing)
    }
}

/// Judges the check rules of `rules` (the others are ignored) on one checks report, run at
/// `now_ms`. Fold the outcomes into a book with [`super::apply`].
///
/// ```
/// use pipescope::core::checks;
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::rules::{check_rules, parse, Format};
/// let table = read_bytes(b"id,age\n1,30\n2,\n3,40\n", &IngestOptions::default()).unwrap();
/// let spec = checks::parse("version: 1\nchecks:\n  - {name: age missing, missing: {column: age, max: 0.5}}\n", checks::Format::Yaml).unwrap();
/// let report = checks::run(&table, &spec, None, 0);
/// let rules = parse("version: 1\nrules:\n  - {name: any missing, check: '* missing', above: 0.2, severity: 1}\n", Format::Yaml).unwrap();
/// let run = check_rules(&rules.rules, &report, 0);
/// let fired: Vec<_> = run.firing().map(|o| (o.rule.as_str(), o.target.as_str())).collect();
/// assert_eq!(fired, [("any missing", "age missing")]);
/// ```
pub fn check_rules(rules: &[Rule], report: &CheckReport, now_ms: i64) -> CheckRulesRun {
    let mut run = CheckRulesRun::default();
    for rule in rules {
        if !matches!(rule.target, Target::Check(_)) {
            continue;
        }
        for result in report
            .checks
            .iter()
            .filter(|c| rule.target.matches_check(&c.name))
        {
            if result.status == Status::Error {
                run.skipped.push(format!(
                    "rule '{}': check '{}' could not run ({})",
                    rule.name, result.name, result.message
                ));
                continue;
            }
            let observed = result.observed.as_f64();
            let breach = match (&rule.condition, observed) {
                (Condition::Fails, _) => result.status != Status::Pass,
                (Condition::Above(x), Some(v)) => v > *x,
                (Condition::Below(x), Some(v)) => v < *x,
                (Condition::Outside { min, max }, Some(v)) => v < *min || v > *max,
                (_, None) => {
                    run.skipped.push(format!(
                        "rule '{}': check '{}' measured {}, not a number, so '{}' cannot judge it",
                        rule.name,
                        result.name,
                        crate::core::checks::report::observed_text(&result.observed),
                        rule.condition
                    ));
                    continue;
                }
                _ => continue,
            };
            run.outcomes.push(RuleOutcome {
                rule: rule.name.clone(),
                severity: rule.severity,
                target: result.name.clone(),
                series: None,
                code: None,
                condition: rule.condition_text(),
                // A fails rule on a check with no single number shows 1 (one failed run).
                value: observed.unwrap_or(1.0),
                start_ms: now_ms,
                at_ms: now_ms,
                firing: breach,
            });
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks;
    use crate::core::incident::{IncidentConfig, IncidentEngine, IncidentSource, IncidentState};
    use crate::core::ingest::{read_bytes, IngestOptions};
    use crate::core::rules::{apply, check_for_checks, parse, Format, RulesErrorKind};

    const CHECKS: &str = "version: 1\nchecks:\n  - {name: rows, row_count: {min: 1}}\n  - {name: age missing, missing: {column: age, max: 0.5}}\n  - {name: city missing, level: warn, missing: {column: city, max: 0.1}}\n";

    fn report(csv: &str) -> CheckReport {
        let table = read_bytes(csv.as_bytes(), &IngestOptions::default()).unwrap();
        let spec = checks::parse(CHECKS, checks::Format::Yaml).unwrap();
        checks::run(&table, &spec, None, 0)
    }

    fn rules(text: &str) -> Vec<Rule> {
        parse(text, Format::Yaml).unwrap().rules
    }

    #[test]
    fn fails_fires_on_warned_and_failed_checks_by_pattern() {
        // city is missing in 1 of 4 rows (0.25 > 0.1: warns); age in 0 (passes).
        let r = report("age,city\n30,a\n31,\n32,b\n33,c\n");
        let run = check_rules(
            &rules(
                "version: 1\nrules:\n  - {name: any missing, check: '* missing', fails: true}\n",
            ),
            &r,
            5,
        );
        let fired: Vec<(&str, f64)> = run.firing().map(|o| (o.target.as_str(), o.value)).collect();
        assert_eq!(fired, [("city missing", 0.25)]);
        // age passed: a resolve, which opens nothing.
        assert_eq!(run.outcomes.len(), 2);
        assert!(run.skipped.is_empty());
    }

    #[test]
    fn value_conditions_judge_the_observed_number() {
        let r = report("age,city\n30,a\n,\n,b\n33,c\n");
        let text = "version: 1\nrules:\n  - {name: half gone, check: age missing, above: 0.4, severity: 1}\n  - {name: too few, check: rows, below: 10}\n  - {name: mid, check: city missing, outside: {min: 0.3, max: 1}}\n";
        let run = check_rules(&rules(text), &r, 0);
        let fired: Vec<(&str, &str, u8)> = run
            .firing()
            .map(|o| (o.rule.as_str(), o.target.as_str(), o.severity))
            .collect();
        // age missing 0.5 > 0.4; rows 4 < 10; city missing 0.25 outside 0.3..1.
        assert_eq!(
            fired,
            [
                ("half gone", "age missing", 1),
                ("too few", "rows", 2),
                ("mid", "city missing", 2)
            ]
        );
    }

    #[test]
    fn one_incident_per_rule_and_check_resolved_by_a_later_run() {
        let text = "version: 1\nrules:\n  - {name: any missing, check: '* missing', fails: true}\n";
        let rs = rules(text);
        let mut book = IncidentEngine::new(IncidentConfig::default(), Vec::new()).unwrap();
        let bad = report("age,city\n,\n,\n1,a\n");
        for t in [10, 20] {
            apply(&mut book, &check_rules(&rs, &bad, t).outcomes, &[], t);
        }
        let open: Vec<&str> = book
            .incidents()
            .iter()
            .filter(|i| i.state == IncidentState::Open)
            .map(|i| i.metrics[0].as_str())
            .collect();
        assert_eq!(open, ["age missing", "city missing"]);
        let IncidentSource::Rule { condition, .. } = &book.incidents()[0].source else {
            panic!("a rule incident")
        };
        assert_eq!(condition, "check fails");
        // Named as the Checks workspace's, as the book it is in.
        assert_eq!(book.incidents()[0].uid(), "checks-1");
        assert_eq!(
            book.incidents()[0].source.rule_evidence().unwrap(),
            "the check did not pass"
        );
        let good = report("age,city\n1,a\n2,b\n");
        apply(&mut book, &check_rules(&rs, &good, 30).outcomes, &[], 30);
        assert!(book
            .incidents()
            .iter()
            .all(|i| i.state == IncidentState::Resolved && i.end_ms == Some(30)));
    }

    #[test]
    fn a_check_that_cannot_run_or_has_no_number_is_reported_not_judged() {
        // No city column: that check cannot run.
        let r = report("age\n1\n");
        let run = check_rules(
            &rules("version: 1\nrules:\n  - {name: c, check: city missing, fails: true}\n"),
            &r,
            0,
        );
        assert!(run.outcomes.is_empty());
        assert!(
            run.skipped[0].contains("check 'city missing' could not run"),
            "{:?}",
            run.skipped
        );
    }

    #[test]
    fn mistakes_name_the_rule_line_and_what_was_expected() {
        let cases = [
            ("  - {name: a, check: rows, fails: true, for: 1m}\n", "'for' does not apply here; it needs a metric or error-code stream; a check rule fires on the run"),
            ("  - {name: a, check: rows, below: 3, recover: 5}\n", "'recover' does not apply here"),
            ("  - {name: a, check: rows, rate: {window: 1m, above: 1}}\n", "a check takes fails, above, below or outside"),
            ("  - {name: a, metric: cpu, fails: true}\n", "'fails' does not apply here; it needs a check target ('check')"),
            ("  - {name: a, check: rows, fails: false}\n", "expected fails: true"),
            ("  - {name: a, check: rows, metric: cpu, above: 1}\n", "more than one of 'metric', 'code' and 'check'"),
        ];
        for (rule, expected) in cases {
            let text = format!("version: 1\nrules:\n{rule}");
            let errors = check_for_checks(&text, Format::Yaml, None);
            assert_eq!(errors.len(), 1, "{rule}");
            let e = &errors[0];
            assert_eq!(e.line, Some(3), "{rule}");
            let shown = e.to_string();
            assert!(
                shown.contains(expected) && shown.contains("'a'"),
                "{rule}: {shown}"
            );
        }
        let names = ["rows".to_string(), "age missing".to_string()];
        let errors = check_for_checks(
            "version: 1\nrules:\n  - {name: ok, check: rows, fails: true}\n  - {name: typo, check: 'ctiy*', fails: true}\n",
            Format::Yaml,
            Some(&names),
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(4));
        assert!(matches!(
            errors[0].kind,
            RulesErrorKind::NoCheckMatch { .. }
        ));
        assert!(
            errors[0].to_string().contains(
                "matches no check of the checks file; expected one of: rows, age missing"
            ),
            "{}",
            errors[0]
        );
    }
}
