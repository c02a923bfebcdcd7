//! The metric feed of the Monitor: lines `{"ts": …, "metric": "name", "value": 1.5}`, or
//! many metrics at one time `{"ts": …, "values": {"cpu": 0.4, "queue": 12}}`, read into
//! [`MetricEvent`]s of series with stable ids (in order of first appearance).
//!
//! A series has one value at a time, so the `since` rule is kept per series: a point at or
//! before the newest one taken of its series is not new. Those at exactly that time are
//! counted as repeated (the `since` millisecond answered again), those older than the
//! `since` the answer was asked with as older (a server that ignores the parameter), and the
//! rest — pushed out of order on an open stream, after a newer point of the same series —
//! as late: the detectors judge each series in time order, so a late point is dropped,
//! never judged out of order. The newest time per series is what the Monitor's tracks hold,
//! so a recovered page rebuilds the reader from its journaled state
//! ([`MetricReader::resume`]).

use super::lines::{read_lines, Line, LineError, Names, MAX_NAME_CHARS};
use crate::core::event::{Event, MetricEvent};

/// Most metrics one line may carry in `values`.
pub const MAX_VALUES_PER_LINE: usize = 1_000;

/// What one answer (or stream message) brought.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricBatch {
    /// New points, in time order.
    pub events: Vec<Event>,
    /// Series first seen in this answer: (id, name).
    pub new_series: Vec<(u32, String)>,
    /// Lines that did not read, counted.
    pub malformed: usize,
    /// The first of them.
    pub problems: Vec<LineError>,
    /// Points already taken (at their series' newest time), dropped.
    pub repeated: usize,
    /// Points older than the `since` asked with, skipped.
    pub older: usize,
    /// Points behind their series' newest but not older than `since` (out of order on an
    /// open stream), dropped.
    pub late: usize,
}

/// Reads a metric feed's answers into new points with stable series ids.
#[derive(Debug, Clone, Default)]
pub struct MetricReader {
    series: Names,
    /// Newest point time taken, per series id.
    newest: Vec<i64>,
    /// The `since` the current answer or connection was asked with.
    since: Option<i64>,
}

/// The (name, value) pairs of one line.
fn fields(l: &Line) -> Result<Vec<(String, f64)>, LineError> {
    if let Some(values) = l.get(&["values"]) {
        let serde_json::Value::Object(map) = values else {
            return Err(l.bad(
                "values",
                "must be an object of metric names and numbers, like {\"cpu\": 0.4}".into(),
            ));
        };
        if map.len() > MAX_VALUES_PER_LINE {
            return Err(l.bad(
                "values",
                format!(
                    "{} metrics; a line holds at most {MAX_VALUES_PER_LINE}",
                    map.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(map.len());
        for (name, v) in map {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                return Err(l.bad(
                    "values",
                    format!("a metric name must be 1 to {MAX_NAME_CHARS} characters"),
                ));
            }
            out.push((name.to_string(), l.number_of("values", v)?));
        }
        return Ok(out);
    }
    let name = l.name("metric")?;
    let v = l.raw(&["value"]).ok_or(l.missing("value"))?;
    Ok(vec![(name, l.number_of("value", v)?)])
}

impl MetricReader {
    /// A reader that resumes with these series (ids are positions) and the newest point
    /// time taken of each.
    pub fn resume(names: Vec<String>, newest_ms: Vec<i64>) -> MetricReader {
        debug_assert_eq!(names.len(), newest_ms.len());
        MetricReader {
            series: Names::resume(names),
            newest: newest_ms,
            since: None,
        }
    }

    /// Series names by id.
    pub fn names(&self) -> &[String] {
        self.series.all()
    }

    /// The `since` of the next poll or connection: the newest point time taken.
    pub fn since(&self) -> Option<i64> {
        self.newest.iter().copied().max()
    }

    /// A new answer or connection begins, asked with [`MetricReader::since`].
    pub fn begin(&mut self) {
        self.since = self.since();
    }

    /// Reads one NDJSON answer to a poll made with the current `since`.
    ///
    /// ```
    /// use pipescope::core::live::events::MetricReader;
    /// let mut r = MetricReader::default();
    /// let b = r.read_ndjson(b"{\"ts\":1,\"metric\":\"cpu\",\"value\":0.5}\n{\"ts\":1,\"values\":{\"cpu\":0.5,\"mem\":3}}\n");
    /// assert_eq!((b.events.len(), b.repeated, b.new_series.len()), (2, 1, 2));
    /// let b = r.read_ndjson(b"{\"ts\":1,\"metric\":\"mem\",\"value\":3}\n{\"ts\":2,\"metric\":\"cpu\"}");
    /// assert_eq!((b.events.len(), b.repeated, b.malformed), (0, 1, 1));
    /// assert_eq!(b.problems[0].to_string(), "line 2: field `value` is missing");
    /// ```
    pub fn read_ndjson(&mut self, body: &[u8]) -> MetricBatch {
        self.begin();
        self.read_more(body)
    }

    /// Reads more NDJSON of the answer or connection begun last (an event stream's next
    /// message); line numbers count from the start of `body`.
    pub fn read_more(&mut self, body: &[u8]) -> MetricBatch {
        let lines = read_lines(body, fields);
        let mut batch = MetricBatch {
            malformed: lines.malformed,
            problems: lines.problems,
            ..MetricBatch::default()
        };
        let mut points: Vec<MetricEvent> = Vec::new();
        for (t_ms, values) in lines.read {
            for (name, value) in values {
                let series = self.series.id(name, &mut batch.new_series);
                if series as usize == self.newest.len() {
                    self.newest.push(i64::MIN);
                }
                points.push(MetricEvent {
                    t_ms,
                    series,
                    value,
                });
            }
        }
        // Stable: points of one series at one time keep their order (the first is taken).
        points.sort_by_key(|p| p.t_ms);
        for p in points {
            let newest = &mut self.newest[p.series as usize];
            if p.t_ms > *newest {
                *newest = p.t_ms;
                batch.events.push(Event::Metric(p));
            } else if p.t_ms == *newest {
                batch.repeated += 1;
            } else if self.since.is_some_and(|s| p.t_ms < s) {
                batch.older += 1;
            } else {
                batch.late += 1;
            }
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ts: i64, metric: &str, value: f64) -> String {
        format!("{{\"ts\":{ts},\"metric\":\"{metric}\",\"value\":{value}}}\n")
    }

    fn times(b: &MetricBatch) -> Vec<(i64, u32)> {
        b.events
            .iter()
            .map(|e| match e {
                Event::Metric(m) => (m.t_ms, m.series),
                Event::Error(_) => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn one_metric_or_many_a_line() {
        let mut r = MetricReader::default();
        let body = format!(
            "{}{{\"ts\":\"1970-01-01T00:00:02Z\",\"values\":{{\"b\":\"2.5\",\"a\":null}}}}\n",
            point(1, "a", 1.0)
        );
        let b = r.read_ndjson(body.as_bytes());
        assert_eq!(r.names(), ["a", "b"]);
        assert_eq!(times(&b), [(1_000, 0), (2_000, 0), (2_000, 1)]);
        let Event::Metric(gap) = b.events[1] else {
            unreachable!()
        };
        assert!(gap.value.is_nan(), "null is a gap");
        assert_eq!(r.since(), Some(2_000));
    }

    #[test]
    fn bad_lines_say_their_line_and_field() {
        let cases = [
            (
                "{\"ts\":1,\"value\":1}",
                "line 2: field `metric` is missing",
            ),
            (
                "{\"ts\":1,\"metric\":\"a\",\"value\":\"x\"}",
                "line 2: field `value`: 'x' is not a number",
            ),
            (
                "{\"ts\":1,\"values\":[1]}",
                "line 2: field `values`: must be an object",
            ),
            (
                "{\"ts\":1,\"values\":{\"a\":true}}",
                "line 2: field `values`: must be a number",
            ),
            (
                "{\"ts\":\"yesterday\",\"metric\":\"a\",\"value\":1}",
                "line 2: field `ts`: 'yesterday'",
            ),
            (
                "{\"metric\":\"a\",\"value\":1}",
                "line 2: field `ts` is missing",
            ),
        ];
        for (text, want) in cases {
            let mut r = MetricReader::default();
            let b = r.read_ndjson(format!("{}{text}\n", point(1, "ok", 1.0)).as_bytes());
            assert_eq!((b.events.len(), b.malformed), (1, 1), "{text}");
            let got = b.problems[0].to_string();
            assert!(got.starts_with(want), "{text}: {got}");
        }
    }

    #[test]
    fn repeated_older_and_late_points_are_never_taken_twice() {
        let mut r = MetricReader::default();
        let first = [point(10, "a", 1.0), point(11, "a", 2.0), point(9, "b", 3.0)].concat();
        assert_eq!(r.read_ndjson(first.as_bytes()).events.len(), 3);
        assert_eq!(r.since(), Some(11_000));
        // since=11000: a's point at 11 and b's at 9 again (a server that ignores since), a's
        // 10 (older than since), and a new point of each.
        let second = [
            point(11, "a", 2.0),
            point(9, "b", 3.0),
            point(10, "a", 1.0),
            point(12, "a", 4.0),
            point(11, "b", 5.0),
        ]
        .concat();
        let b = r.read_ndjson(second.as_bytes());
        assert_eq!((b.repeated, b.older, b.late), (2, 1, 0));
        assert_eq!(times(&b), [(11_000, 1), (12_000, 0)]);
        // On an open stream, a point behind its series' newest (but not before since) is late.
        r.begin();
        let b = r.read_more(point(13, "a", 1.0).as_bytes());
        assert_eq!(b.events.len(), 1);
        let b = r.read_more(point(12, "a", 1.0).as_bytes());
        assert_eq!((b.events.len(), b.late), (0, 1));
    }

    #[test]
    fn a_resumed_reader_keeps_ids_and_asks_from_its_newest_point() {
        let mut r = MetricReader::resume(vec!["a".into(), "b".into()], vec![5_000, 7_000]);
        assert_eq!(r.since(), Some(7_000));
        let b = r.read_ndjson(
            [point(6, "a", 1.0), point(7, "b", 1.0), point(8, "c", 1.0)]
                .concat()
                .as_bytes(),
        );
        assert_eq!(times(&b), [(6_000, 0), (8_000, 2)]);
        assert_eq!(b.new_series, [(2, "c".to_string())]);
        assert_eq!(b.repeated, 1);
    }
}
