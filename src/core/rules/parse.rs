//! Reading a rules file (JSON or YAML) into a [`RulesFile`], every mistake typed and
//! placed. Each rule and silence is read on its own, so [`check`] reports every broken
//! one at once (an editor validating as the user types), not only the first.

use crate::core::checks::parse::{element, item_line, item_name, typed};
use crate::core::checks::{ChecksErrorKind, Format};

use super::error::{ItemRef, RulesError, RulesErrorKind};
use super::glob::is_pattern;
use super::spec::{
    num, Build, Condition, RawErrorRate, RawRecover, RawRule, RawSilence, Recover, Rule, RulesFile,
    RulesHead, Silence, Target, RULES_VERSION,
};

/// Reads a rules file; the first mistake is the error (see [`check`] for all of them).
/// A caller that already runs rules keeps them when this fails.
///
/// ```
/// use pipescope::core::rules::{parse, Condition, Format};
/// let text = "version: 1\nrules:\n  - name: price high\n    metric: energy_price\n    above: 900\n    for: 1m\n";
/// let file = parse(text, Format::Yaml).unwrap();
/// assert_eq!(file.rules[0].condition, Condition::Above(900.0));
/// assert_eq!(file.rules[0].hold_ms(), 60_000);
/// let bad = parse("version: 1\nrules:\n  - name: p\n    metric: x\n    above: 1\n    for: 5 minutes\n", Format::Yaml);
/// assert_eq!(bad.unwrap_err().line, Some(6));
/// ```
pub fn parse(text: &str, format: Format) -> Result<RulesFile, RulesError> {
    let (_, file, mut errors) = read(text, format);
    match file {
        Some(f) if errors.is_empty() => Ok(f),
        _ => Err(errors.remove(0)),
    }
}

/// Every mistake in a rules file, in file order (empty when it reads); with `metrics`,
/// also every rule whose metric name or pattern matches none of them. For an editor that
/// validates as the user types.
///
/// ```
/// use pipescope::core::rules::{check, Format};
/// let text = "version: 1\nrules:\n  - {name: a, metric: x, above: high}\n  - {name: b, metric: 'cpu_*', above: 1}\n";
/// let errors = check(text, Format::Yaml, Some(&["mem".to_string()]));
/// assert_eq!(errors.len(), 2);
/// assert_eq!((errors[0].line, errors[1].line), (Some(3), Some(4)));
/// ```
pub fn check(text: &str, format: Format, metrics: Option<&[String]>) -> Vec<RulesError> {
    let (rules, _, mut errors) = read(text, format);
    if let Some(names) = metrics {
        errors.extend(unmatched_in(rules.iter().map(|(i, r)| (*i, r)), names));
        // In file order, as an editor lists them.
        errors.sort_by_key(|e| e.line);
    }
    errors
}

/// The rules whose metric name or pattern matches none of `metrics`, as errors at the
/// rule's line (a separate check: the file may be written before the stream is known).
pub fn unmatched(file: &RulesFile, metrics: &[String]) -> Vec<RulesError> {
    unmatched_in(file.rules.iter().enumerate(), metrics)
}

fn unmatched_in<'a>(
    rules: impl Iterator<Item = (usize, &'a Rule)>,
    metrics: &[String],
) -> Vec<RulesError> {
    rules
        .filter_map(|(index, rule)| {
            let pattern = match &rule.target {
                Target::Metric(m) => m,
                Target::Pattern(p) if p.chars().any(|c| c != '*') => p,
                _ => return None,
            };
            if metrics.iter().any(|m| rule.target.matches_metric(m)) {
                return None;
            }
            let kind = RulesErrorKind::NoMatch {
                pattern: pattern.clone(),
                available: metrics.to_vec(),
            };
            Some(matches_nothing(index, rule, kind, "metric"))
        })
        .collect()
}

/// The rules whose check name or pattern matches none of `checks` (the checks file's check
/// names), as errors at the rule's line.
///
/// ```
/// use pipescope::core::rules::{parse, unmatched_checks, Format};
/// let file = parse("version: 1\nrules:\n  - {name: nulls, check: 'missing *', fails: true}\n", Format::Yaml).unwrap();
/// assert!(unmatched_checks(&file, &["missing age".into()]).is_empty());
/// assert_eq!(unmatched_checks(&file, &["row count".into()])[0].line, Some(3));
/// ```
pub fn unmatched_checks(file: &RulesFile, checks: &[String]) -> Vec<RulesError> {
    unmatched_checks_in(file.rules.iter().enumerate(), checks)
}

fn unmatched_checks_in<'a>(
    rules: impl Iterator<Item = (usize, &'a Rule)>,
    checks: &[String],
) -> Vec<RulesError> {
    rules
        .filter_map(|(index, rule)| {
            let Target::Check(pattern) = &rule.target else {
                return None;
            };
            if checks.iter().any(|c| rule.target.matches_check(c)) {
                return None;
            }
            let kind = RulesErrorKind::NoCheckMatch {
                pattern: pattern.clone(),
                available: checks.to_vec(),
            };
            Some(matches_nothing(index, rule, kind, "check"))
        })
        .collect()
}

/// The mistake of rule `index`, whose target (its `key`) matches nothing there is.
fn matches_nothing(index: usize, rule: &Rule, kind: RulesErrorKind, key: &str) -> RulesError {
    RulesError {
        kind,
        line: rule.line,
        column: None,
        item: Some(ItemRef {
            list: "rules",
            index,
            name: Some(rule.name.clone()),
        }),
        path: Some(format!("rules[{index}].{key}")),
    }
}

/// Every mistake in a rules file (as [`check`]) and, with `checks`, every check rule whose
/// name or pattern matches none of the checks file's checks: for the Checks workspace's
/// editor and `pipescope check --rules`.
pub fn check_for_checks(text: &str, format: Format, checks: Option<&[String]>) -> Vec<RulesError> {
    let (rules, _, mut errors) = read(text, format);
    if let Some(names) = checks {
        errors.extend(unmatched_checks_in(
            rules.iter().map(|(i, r)| (*i, r)),
            names,
        ));
        errors.sort_by_key(|e| e.line);
    }
    errors
}

/// The rules that read (with their index in the file), the file if every item reads,
/// and every mistake found.
fn read(text: &str, format: Format) -> (Vec<(usize, Rule)>, Option<RulesFile>, Vec<RulesError>) {
    let text = text.trim_start_matches('\u{feff}');
    let head: RulesHead = match typed(text, format, "rules") {
        Ok(h) => h,
        Err(e) => return (Vec::new(), None, vec![RulesError::read(e)]),
    };
    let mut indexes = Vec::with_capacity(head.rules.len());
    let mut errors = Vec::new();
    let mut rules: Vec<Rule> = Vec::with_capacity(head.rules.len());
    for index in 0..head.rules.len() {
        let raw = match element::<RawRule>(text, format, "rules", index) {
            Ok(Some(raw)) => raw,
            Ok(None) => continue,
            Err(e) => {
                errors.push(RulesError::read(e));
                continue;
            }
        };
        let line = item_line(text, format, "rules", index);
        let at = |kind, key: Option<&str>| RulesError {
            kind,
            line,
            column: None,
            item: Some(ItemRef {
                list: "rules",
                index,
                name: Some(raw.name.clone()),
            }),
            path: Some(match key {
                Some(k) => format!("rules[{index}].{k}"),
                None => format!("rules[{index}]"),
            }),
        };
        if let Some(first) = rules.iter().find(|r| r.name == raw.name) {
            errors.push(at(
                RulesErrorKind::DuplicateName {
                    first_line: first.line,
                },
                Some("name"),
            ));
            continue;
        }
        match compile_rule(&raw, line) {
            Ok(rule) => {
                indexes.push(index);
                rules.push(rule);
            }
            Err((kind, key)) => errors.push(at(kind, key)),
        }
    }
    let mut silences = Vec::with_capacity(head.silences.len());
    for index in 0..head.silences.len() {
        let raw = match element::<RawSilence>(text, format, "silences", index) {
            Ok(Some(raw)) => raw,
            Ok(None) => continue,
            Err(e) => {
                errors.push(RulesError::read(e));
                continue;
            }
        };
        let line = item_line(text, format, "silences", index);
        match compile_silence(raw, line) {
            Ok(s) => silences.push(s),
            Err((kind, key)) => errors.push(RulesError {
                kind,
                line,
                column: None,
                item: Some(ItemRef {
                    list: "silences",
                    index,
                    name: item_name(text, format, "silences", index),
                }),
                path: Some(format!("silences[{index}].{key}")),
            }),
        }
    }
    let read: Vec<(usize, Rule)> = indexes.into_iter().zip(rules.iter().cloned()).collect();
    let file = errors.is_empty().then_some(RulesFile {
        version: RULES_VERSION,
        description: head.description,
        rules,
        silences,
    });
    (read, file, errors)
}

type Fault = (RulesErrorKind, Option<&'static str>);

fn invalid(found: &str, expected: &str) -> RulesErrorKind {
    RulesErrorKind::Read(ChecksErrorKind::InvalidValue {
        found: found.into(),
        expected: expected.into(),
    })
}

/// Judges a rule's keys against each other.
fn compile_rule(raw: &RawRule, line: Option<u64>) -> Result<Rule, Fault> {
    if raw.name.trim().is_empty() {
        return Err((RulesErrorKind::EmptyName, Some("name")));
    }
    let targets = [&raw.metric, &raw.code, &raw.check]
        .iter()
        .filter(|t| t.is_some())
        .count();
    if targets > 1 {
        return Err((RulesErrorKind::SeveralTargets, None));
    }
    let target = match (&raw.metric, &raw.code) {
        _ if raw.check.is_some() => check_target(raw)?,
        (None, None) => return Err((RulesErrorKind::NoTarget, None)),
        (Some(_), Some(_)) => unreachable!("counted above"),
        (Some(m), None) => {
            if raw.build.is_some() {
                let needs = "an error code target ('code')";
                let kind = RulesErrorKind::DoesNotApply {
                    key: "build",
                    needs,
                };
                return Err((kind, Some("build")));
            }
            if m.trim().is_empty() {
                return Err((
                    invalid("an empty name", "a metric name or pattern"),
                    Some("metric"),
                ));
            }
            if is_pattern(m) {
                Target::Pattern(m.clone())
            } else {
                Target::Metric(m.clone())
            }
        }
        (None, Some(c)) => Target::Errors {
            code: c.clone(),
            build: match raw.build.as_deref().map(str::trim) {
                None | Some("candidate") => Build::Candidate,
                Some("baseline") => Build::Baseline,
                Some(b) => Build::Named(b.to_string()),
            },
        },
    };
    let present: Vec<&'static str> = [
        ("above", raw.above.is_some()),
        ("below", raw.below.is_some()),
        ("outside", raw.outside.is_some()),
        ("rate", raw.rate.is_some()),
        ("absent", raw.absent.is_some()),
        ("score_above", raw.score_above.is_some()),
        ("error_rate", raw.error_rate.is_some()),
        ("fails", raw.fails.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, on)| on.then_some(k))
    .collect();
    match present.len() {
        0 => return Err((RulesErrorKind::NoCondition, None)),
        1 => {}
        _ => {
            return Err((
                RulesErrorKind::SeveralConditions {
                    conditions: present,
                },
                None,
            ))
        }
    }
    let key = present[0];
    let errors_target = matches!(target, Target::Errors { .. });
    if matches!(target, Target::Check(_)) {
        if !matches!(key, "fails" | "above" | "below" | "outside") {
            let needs =
                "a metric or error-code target; a check takes fails, above, below or outside";
            return Err((RulesErrorKind::DoesNotApply { key, needs }, Some(key)));
        }
    } else if key == "fails" {
        let needs = "a check target ('check')";
        return Err((RulesErrorKind::DoesNotApply { key, needs }, Some(key)));
    } else if errors_target != (key == "error_rate") {
        let needs = if errors_target {
            "a metric target ('metric'); error codes take error_rate"
        } else {
            "an error code target ('code')"
        };
        return Err((RulesErrorKind::DoesNotApply { key, needs }, Some(key)));
    }
    let condition = if let Some(fails) = raw.fails {
        if !fails {
            let kind = invalid("false (the rule would never fire)", "fails: true");
            return Err((kind, Some("fails")));
        }
        Condition::Fails
    } else if let Some(v) = raw.above {
        Condition::Above(v.0)
    } else if let Some(v) = raw.below {
        Condition::Below(v.0)
    } else if let Some(b) = &raw.outside {
        if b.min.0 > b.max.0 {
            let kind = RulesErrorKind::MinAboveMax {
                min: num(b.min.0),
                max: num(b.max.0),
            };
            return Err((kind, Some("outside")));
        }
        Condition::Outside {
            min: b.min.0,
            max: b.max.0,
        }
    } else if let Some(r) = &raw.rate {
        match (r.above, r.below) {
            (None, None) => {
                let kind = RulesErrorKind::Read(ChecksErrorKind::MissingKey {
                    key: "above or below".into(),
                });
                return Err((kind, Some("rate")));
            }
            (Some(_), Some(_)) => {
                return Err((invalid("both above and below", "one of them"), Some("rate")))
            }
            (a, b) => Condition::Rate {
                window: r.window.clone(),
                above: a.map(|v| v.0),
                below: b.map(|v| v.0),
            },
        }
    } else if let Some(d) = &raw.absent {
        Condition::Absent(d.clone())
    } else if let Some(v) = raw.score_above {
        if !(0.0..=1.0).contains(&v.0) {
            let kind = invalid(&num(v.0), "a detector score between 0 and 1");
            return Err((kind, Some("score_above")));
        }
        Condition::ScoreAbove(v.0)
    } else {
        let RawErrorRate {
            window,
            above,
            times_baseline,
        } = raw.error_rate.as_ref().expect("one condition");
        match (above, times_baseline) {
            (None, None) => {
                let kind = RulesErrorKind::Read(ChecksErrorKind::MissingKey {
                    key: "above or times_baseline".into(),
                });
                return Err((kind, Some("error_rate")));
            }
            (Some(_), Some(_)) => {
                let kind = invalid("both above and times_baseline", "one of them");
                return Err((kind, Some("error_rate")));
            }
            (Some(a), None) => Condition::ErrorRate {
                window: window.clone(),
                above: a.0,
            },
            (None, Some(k)) => Condition::ErrorRatio {
                window: window.clone(),
                times: k.0,
            },
        }
    };
    if window_ms(&condition) == Some(0) {
        return Err((
            invalid("a window of 0", "a window longer than 0"),
            Some(key),
        ));
    }
    let recover = match &raw.recover {
        None => None,
        Some(r) => Some(recover_for(&condition, r).map_err(|k| (k, Some("recover")))?),
    };
    Ok(Rule {
        name: raw.name.clone(),
        severity: raw.severity.map_or(2, |s| s.0),
        description: raw.description.clone(),
        target,
        condition,
        hold: raw.hold.clone(),
        recover,
        line,
    })
}

/// A `check` target, refusing what a one-shot check result cannot give: a check runs once
/// per file, so there is no stream for `for` to hold over, nor a next sample to recover at.
fn check_target(raw: &RawRule) -> Result<Target, Fault> {
    let c = raw.check.as_deref().unwrap_or_default();
    if c.trim().is_empty() {
        return Err((
            invalid("an empty name", "a check name or pattern"),
            Some("check"),
        ));
    }
    let one_shot = "a metric or error-code stream; a check rule fires on the run of the checks whose result meets it and resolves on the first run that does not";
    for (key, on) in [
        ("for", raw.hold.is_some()),
        ("recover", raw.recover.is_some()),
        ("build", raw.build.is_some()),
    ] {
        if on {
            let needs = if key == "build" {
                "an error code target ('code')"
            } else {
                one_shot
            };
            return Err((RulesErrorKind::DoesNotApply { key, needs }, Some(key)));
        }
    }
    Ok(Target::Check(c.to_string()))
}

fn window_ms(c: &Condition) -> Option<i64> {
    match c {
        Condition::Rate { window, .. }
        | Condition::ErrorRate { window, .. }
        | Condition::ErrorRatio { window, .. }
        | Condition::Absent(window) => Some(window.ms),
        _ => None,
    }
}

/// The recovery, if it is on the resolving side of the condition's threshold.
fn recover_for(c: &Condition, r: &RawRecover) -> Result<Recover, RulesErrorKind> {
    let (at_most, at_least) = match c {
        Condition::Above(x) | Condition::ScoreAbove(x) => (Some(*x), None),
        Condition::ErrorRate { above: x, .. } | Condition::ErrorRatio { times: x, .. } => {
            (Some(*x), None)
        }
        Condition::Rate { above, below, .. } => (*above, *below),
        Condition::Below(x) => (None, Some(*x)),
        Condition::Outside { min, max } => {
            return match r {
                RawRecover::Range(a, b) if a <= b && *a >= *min && *b <= *max => {
                    Ok(Recover::Range { min: *a, max: *b })
                }
                RawRecover::Range(a, b) => Err(RulesErrorKind::RecoverSide {
                    recover: format!("{}..{}", num(*a), num(*b)),
                    expected: format!(
                        "{{min, max}} with {} <= min <= max <= {}",
                        num(*min),
                        num(*max)
                    ),
                }),
                RawRecover::Value(_) => Err(RulesErrorKind::DoesNotApply {
                    key: "recover",
                    needs: "{min, max} for an outside condition",
                }),
            };
        }
        Condition::Fails => {
            return Err(RulesErrorKind::DoesNotApply {
                key: "recover",
                needs: "a threshold (a check rule resolves on the next run that passes)",
            })
        }
        Condition::Absent(_) => {
            return Err(RulesErrorKind::DoesNotApply {
                key: "recover",
                needs: "a threshold (an absent rule resolves with the next sample)",
            })
        }
    };
    let RawRecover::Value(v) = r else {
        return Err(RulesErrorKind::DoesNotApply {
            key: "recover",
            needs: "a number for this condition ({min, max} is for outside)",
        });
    };
    match (at_most, at_least) {
        (Some(x), _) if *v > x => Err(RulesErrorKind::RecoverSide {
            recover: num(*v),
            expected: format!("a value at or below the threshold {}", num(x)),
        }),
        (_, Some(x)) if *v < x => Err(RulesErrorKind::RecoverSide {
            recover: num(*v),
            expected: format!("a value at or above the threshold {}", num(x)),
        }),
        _ => Ok(Recover::Value(*v)),
    }
}

fn compile_silence(
    raw: RawSilence,
    line: Option<u64>,
) -> Result<Silence, (RulesErrorKind, &'static str)> {
    if raw.matchers.is_empty() {
        let kind = invalid(
            "no matchers",
            "at least one matcher such as 'rule=\"price high\"'",
        );
        return Err((kind, "matchers"));
    }
    if raw.end.is_none() && raw.daily.is_none() {
        return Err((RulesErrorKind::Endless, "end"));
    }
    if let (Some(s), Some(e)) = (raw.start, raw.end) {
        if e.0 <= s.0 {
            return Err((RulesErrorKind::EndBeforeStart, "end"));
        }
    }
    Ok(Silence {
        matchers: raw.matchers,
        start_ms: raw.start.map(|s| s.0),
        end_ms: raw.end.map(|e| e.0),
        daily: raw.daily,
        comment: raw.comment.unwrap_or_default(),
        line,
    })
}
