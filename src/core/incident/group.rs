//! Incident groups: incidents of one source that open close together are one group, shown
//! as one card and sent to a sink as one notification (Alertmanager's `group_by` and
//! `group_wait`, decided here so every sink and the page agree).
//!
//! **Rule.** Within one book (one stream), incidents are taken in the order they opened
//! (ties by id). An incident joins the newest group of its source kind (`metrics`,
//! `error-alert`, `check`, `rule`) when it opened at most [`GroupConfig::window_steps`]
//! steps of the stream after that group's latest member opened; otherwise it starts a new
//! group. The window is counted in the stream's step, as the incident engine's constants
//! are: the default 5 steps is 10 s at a 2 s cadence, 75 s at 15 s and 5 min at 60 s.
//!
//! Membership depends only on opening times that are known when an incident opens, so a
//! group never loses a member later, and groups are derived from the incident list alone:
//! a book restored from the journal gives the same groups, and they need no journaling.
//! A group's id is its first member's id, so it is stable as the group grows.

use serde::Serialize;

use super::{Incident, IncidentEngine, IncidentState};

/// How close incidents must open to be grouped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupConfig {
    /// Steps of the stream after a group's latest opening within which another incident
    /// of the same source joins it (5; 0 groups only incidents opening at the same time).
    pub window_steps: f64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig { window_steps: 5.0 }
    }
}

impl GroupConfig {
    /// The window in ms at a cadence of `step_ms` (a step of 0 or less counts as 1 s).
    pub fn window_ms(&self, step_ms: f64) -> i64 {
        let step = if step_ms.is_finite() && step_ms > 0.0 {
            step_ms
        } else {
            1000.0
        };
        (self.window_steps.max(0.0) * step).round() as i64
    }
}

/// Incidents shown and sent as one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentGroup {
    /// The first member's id.
    pub id: u64,
    /// The book's workspace (`monitor`, `errors`, `checks`).
    pub workspace: &'static str,
    /// The members' source kind (`metrics`, `error-alert`, `check`, `rule`).
    pub kind: &'static str,
    /// Member incident ids, in the order they opened.
    pub members: Vec<u64>,
    /// The worst (lowest) member severity.
    pub severity: u8,
    /// Open while any member is open.
    pub state: IncidentState,
    /// Earliest member start, stream ms.
    pub start_ms: i64,
    /// When the first member opened, stream ms.
    pub opened_ms: i64,
    /// When the latest member opened, stream ms.
    pub last_opened_ms: i64,
    /// When the last member resolved; None while open.
    pub end_ms: Option<i64>,
    /// Every metric (or code, check) of the members, each once, in order of appearance.
    pub metrics: Vec<String>,
}

impl IncidentGroup {
    /// Unique across workspaces: `monitor-g3` (the `group` label sinks receive).
    pub fn uid(&self) -> String {
        format!("{}-g{}", self.workspace, self.id)
    }

    /// Whether incident `id` is a member.
    pub fn contains(&self, id: u64) -> bool {
        self.members.contains(&id)
    }

    /// The group in words, as its card's title and the Monitor's summary show it:
    /// `2 metric anomalies: cpu, mem` (up to six names, then `and N more`).
    ///
    /// ```
    /// use pipescope::core::incident::{IncidentGroup, IncidentState};
    /// let g = IncidentGroup { id: 1, workspace: "monitor", kind: "rule", members: vec![1, 2],
    ///     severity: 1, state: IncidentState::Open, start_ms: 0, opened_ms: 0, last_opened_ms: 0,
    ///     end_ms: None, metrics: vec!["cpu".into(), "mem".into()] };
    /// assert_eq!(g.headline(), "2 rule firings: cpu, mem");
    /// ```
    pub fn headline(&self) -> String {
        const NAMED: usize = 6;
        let mut what = self
            .metrics
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if self.metrics.len() > NAMED {
            what.push_str(&format!(" and {} more", self.metrics.len() - NAMED));
        }
        let kind = match self.kind {
            "metrics" => "metric anomalies",
            "error-alert" => "error regressions",
            "check" => "failed checks",
            _ => "rule firings",
        };
        format!("{} {kind}: {what}", self.members.len())
    }
}

/// Groups one book's incidents (see the module doc) at a stream step of `step_ms`; groups
/// come in the order their first member opened.
///
/// ```
/// use pipescope::core::incident::{group_incidents, GroupConfig};
/// let groups = group_incidents(&[], 15_000.0, &GroupConfig::default());
/// assert!(groups.is_empty());
/// assert_eq!(GroupConfig::default().window_ms(15_000.0), 75_000);
/// ```
pub fn group_incidents(
    incidents: &[Incident],
    step_ms: f64,
    config: &GroupConfig,
) -> Vec<IncidentGroup> {
    let window = config.window_ms(step_ms);
    let mut order: Vec<&Incident> = incidents.iter().collect();
    order.sort_by_key(|i| (i.opened_ms, i.id));
    let mut groups: Vec<IncidentGroup> = Vec::new();
    for i in order {
        let (workspace, kind) = (i.source.workspace(), i.source.kind());
        let joins = groups
            .iter_mut()
            .rev()
            .find(|g| g.workspace == workspace && g.kind == kind)
            .filter(|g| i.opened_ms.saturating_sub(g.last_opened_ms) <= window);
        match joins {
            Some(g) => {
                g.members.push(i.id);
                g.severity = g.severity.min(i.severity);
                g.start_ms = g.start_ms.min(i.start_ms);
                g.last_opened_ms = i.opened_ms;
                for m in &i.metrics {
                    if !g.metrics.contains(m) {
                        g.metrics.push(m.clone());
                    }
                }
            }
            None => groups.push(IncidentGroup {
                id: i.id,
                workspace,
                kind,
                members: vec![i.id],
                severity: i.severity,
                state: i.state,
                start_ms: i.start_ms,
                opened_ms: i.opened_ms,
                last_opened_ms: i.opened_ms,
                end_ms: i.end_ms,
                metrics: i.metrics.clone(),
            }),
        }
    }
    // State and end from every member, as they stand now.
    for g in &mut groups {
        let members = incidents.iter().filter(|i| g.members.contains(&i.id));
        let mut open = false;
        let mut end = i64::MIN;
        for i in members {
            open |= i.state == IncidentState::Open;
            end = end.max(i.end_ms.unwrap_or(i64::MIN));
        }
        g.state = if open {
            IncidentState::Open
        } else {
            IncidentState::Resolved
        };
        g.end_ms = (!open && end > i64::MIN).then_some(end);
    }
    groups
}

/// The group uid of every incident, by incident uid (`monitor-4` → `monitor-g1`), for
/// exports and sinks; several books' groups can go in one map.
pub fn group_uids(groups: &[IncidentGroup]) -> std::collections::BTreeMap<String, String> {
    groups
        .iter()
        .flat_map(|g| {
            let uid = g.uid();
            g.members
                .iter()
                .map(move |&m| (format!("{}-{m}", g.workspace), uid.clone()))
        })
        .collect()
}

impl IncidentEngine {
    /// The stream's step for grouping: the largest step among the counted metrics seen
    /// (the slowest metric sets the pace, as for the quiet time), or None when the book
    /// has seen no metric (an error or check book: its caller knows the step).
    pub fn stream_step_ms(&self) -> Option<f64> {
        self.accumulators
            .iter()
            .filter(|(s, a)| self.config.counts(**s) && a.step_ms > 0.0)
            .map(|(_, a)| a.step_ms)
            .reduce(f64::max)
    }

    /// This book's groups at its stream step (`fallback_step_ms` when it has seen no
    /// metric), with the default window.
    pub fn groups(&self, fallback_step_ms: f64) -> Vec<IncidentGroup> {
        let step = self.stream_step_ms().unwrap_or(fallback_step_ms);
        group_incidents(&self.incidents, step, &GroupConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::incident::{IncidentConfig, IncidentSource, RuleOutcome};

    fn rule_fires(rule: &str, target: &str, series: u32, at_ms: i64) -> RuleOutcome {
        RuleOutcome {
            rule: rule.into(),
            severity: 2,
            target: target.into(),
            series: Some(series),
            code: None,
            condition: "above 900 for 0s".into(),
            value: 950.0,
            start_ms: at_ms,
            at_ms,
            firing: true,
        }
    }

    fn resolves(mut o: RuleOutcome, at_ms: i64) -> RuleOutcome {
        o.firing = false;
        o.at_ms = at_ms;
        o
    }

    /// A book that has seen two metrics stepping every `step_ms`.
    fn book(step_ms: i64) -> IncidentEngine {
        let mut e =
            IncidentEngine::new(IncidentConfig::default(), vec!["a".into(), "b".into()]).unwrap();
        for k in 0..20 {
            for s in 0..2 {
                e.apply(&crate::core::incident::Evidence {
                    t_ms: k * step_ms,
                    series: s,
                    value: 1.0,
                    expected: 1.0,
                    lower: 0.0,
                    upper: 2.0,
                    score: 0.0,
                    anomaly: false,
                });
            }
        }
        e
    }

    #[test]
    fn groups_follow_the_stream_step_at_2_15_and_60_seconds() {
        for step in [2_000, 15_000, 60_000] {
            let mut e = book(step);
            assert_eq!(e.stream_step_ms(), Some(step as f64));
            let t0 = 100 * step;
            // Two metrics of one source opening 3 steps apart: one group.
            e.sync_rules(&[rule_fires("hot", "a", 0, t0)]);
            e.sync_rules(&[rule_fires("hot", "b", 1, t0 + 3 * step)]);
            // A detector incident at the same time is another source: its own group.
            let id = e.new_id();
            let mut metric = e.incidents()[0].clone();
            metric.id = id;
            metric.source = IncidentSource::Metrics;
            metric.severity = 1;
            metric.opened_ms = t0 + step;
            e.incidents.push(metric);
            // The same rule after the window (6 steps after the latest opening): a new group.
            e.sync_rules(&[rule_fires("cold", "a", 0, t0 + 9 * step)]);
            let g = e.groups(1000.0);
            assert_eq!(g.len(), 3, "step {step}: {g:?}");
            assert_eq!((g[0].kind, g[0].members.clone()), ("rule", vec![1, 2]));
            assert_eq!(g[0].metrics, vec!["a", "b"]);
            assert_eq!(g[0].uid(), "monitor-g1");
            assert_eq!((g[1].kind, g[1].members.clone()), ("metrics", vec![3]));
            assert_eq!(g[1].severity, 1);
            assert_eq!((g[2].kind, g[2].members.clone()), ("rule", vec![4]));
            assert_eq!(group_uids(&g)["monitor-4"], "monitor-g4");
        }
    }

    #[test]
    fn a_group_is_open_while_any_member_is_and_ends_with_the_last() {
        let step = 15_000;
        let mut e = book(step);
        let (a, b) = (
            rule_fires("hot", "a", 0, 0),
            rule_fires("hot", "b", 1, step),
        );
        e.sync_rules(&[a.clone(), b.clone()]);
        e.sync_rules(&[resolves(a, 4 * step)]);
        let g = &e.groups(1000.0)[0];
        assert_eq!((g.state, g.end_ms), (IncidentState::Open, None));
        e.sync_rules(&[resolves(b, 7 * step)]);
        let g = &e.groups(1000.0)[0];
        assert_eq!(g.members, vec![1, 2]);
        assert_eq!(
            (g.state, g.end_ms),
            (IncidentState::Resolved, Some(7 * step))
        );
        assert_eq!((g.opened_ms, g.last_opened_ms), (0, step));
    }

    #[test]
    fn groups_chain_and_are_the_same_whatever_order_the_list_is_in() {
        let step = 2_000;
        let mut e = book(step);
        // Each opens 4 steps after the previous: all within the window of the last one.
        for k in 0..5 {
            e.sync_rules(&[rule_fires("hot", &format!("m{k}"), 0, k * 4 * step)]);
        }
        let g = e.groups(1000.0);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members, vec![1, 2, 3, 4, 5]);
        let mut reversed = e.incidents().to_vec();
        reversed.reverse();
        assert_eq!(
            group_incidents(&reversed, step as f64, &GroupConfig::default()),
            g
        );
        // A book restored from its serialised form groups the same.
        let restored: IncidentEngine =
            serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(restored.groups(1000.0), g);
    }

    #[test]
    fn a_book_without_metrics_groups_at_the_step_its_caller_gives() {
        let mut e = IncidentEngine::new(IncidentConfig::default(), Vec::new()).unwrap();
        assert_eq!(e.stream_step_ms(), None);
        e.sync_rules(&[rule_fires("x", "c1", 0, 0)]);
        e.sync_rules(&[rule_fires("x", "c2", 0, 120_000)]);
        assert_eq!(e.groups(60_000.0).len(), 1);
        assert_eq!(e.groups(1_000.0).len(), 2);
    }
}
