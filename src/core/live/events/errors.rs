//! The error-event feed of the Errors workspace: lines `{"ts": …, "build": …, "code": …}`
//! read into [`ErrorEvent`]s, builds and codes given ids in order of first appearance (as an
//! error file's catalog does).
//!
//! Many events may share a millisecond, so the `since` rule is kept per build and code:
//! the reader remembers how many of each it took at the newest millisecond and drops that
//! many when the next answer repeats them. On an open event stream
//! ([`FeedReader::begin`], [`FeedReader::read_more`]) the rule applies from the
//! connection's start, and events pushed a little out of order are still new.

use serde::{Deserialize, Serialize};

use super::lines::{read_lines, Line, LineError, Names};
use crate::core::event::ErrorEvent;

/// One event as a line gives it: its time and the names of its build and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEvent {
    /// Time, ms (epoch, or since `0:00:00` for clock times).
    pub t_ms: i64,
    /// Build name.
    pub build: String,
    /// Code label.
    pub code: String,
}

/// Reads one line (1-based `line` in its answer); Ok(None) for a blank line. The time is
/// `ts` (or `timestamp`, `time`): an RFC 3339 / ISO 8601 or `H:MM:SS` string, or an epoch
/// number in seconds or milliseconds (told by size, as a file's column is). `build` and
/// `code` are strings or numbers. Other fields are ignored.
///
/// ```
/// use pipescope::core::live::events::parse_line;
/// let e = parse_line(1, r#"{"ts":"1970-01-01T00:00:02Z","build":"5.1","code":404}"#).unwrap().unwrap();
/// assert_eq!((e.t_ms, e.build.as_str(), e.code.as_str()), (2_000, "5.1", "404"));
/// let err = parse_line(12, r#"{"ts":1764000000,"code":"E1"}"#).unwrap_err();
/// assert_eq!(err.to_string(), "line 12: field `build` is missing");
/// ```
pub fn parse_line(line: u64, text: &str) -> Result<Option<LineEvent>, LineError> {
    match Line::read(line, text)? {
        Some(l) => fields(&l).map(Some),
        None => Ok(None),
    }
}

fn fields(l: &Line) -> Result<LineEvent, LineError> {
    Ok(LineEvent {
        t_ms: l.t_ms,
        build: l.name("build")?,
        code: l.name("code")?,
    })
}

/// Where the feed has got to: the newest event time taken, and how many events of each
/// build and code were taken at exactly that millisecond (the next answer repeats them).
/// A fold over the events taken, so a journal replay rebuilds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedCursor {
    newest_ms: Option<i64>,
    /// (build, code, count) at `newest_ms`.
    at_newest: Vec<(u32, u32, u32)>,
}

impl FeedCursor {
    /// Takes one event (in time order; an older one leaves the cursor as it is).
    pub fn observe(&mut self, e: &ErrorEvent) {
        match self.newest_ms {
            Some(n) if e.t_ms < n => return,
            Some(n) if e.t_ms == n => {}
            _ => {
                self.newest_ms = Some(e.t_ms);
                self.at_newest.clear();
            }
        }
        match self
            .at_newest
            .iter_mut()
            .find(|(b, c, _)| (*b, *c) == (e.build, e.code))
        {
            Some(slot) => slot.2 = slot.2.saturating_add(1),
            None => self.at_newest.push((e.build, e.code, 1)),
        }
    }

    /// The `since` of the next poll: the newest event time taken.
    pub fn since(&self) -> Option<i64> {
        self.newest_ms
    }
}

/// What one answer brought.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// New events, in time order.
    pub events: Vec<ErrorEvent>,
    /// Builds first seen in this answer: (id, name).
    pub new_builds: Vec<(u32, String)>,
    /// Codes first seen in this answer: (id, label).
    pub new_codes: Vec<(u32, String)>,
    /// Lines that did not read, counted.
    pub malformed: usize,
    /// The first [`super::MAX_PROBLEMS`] of them.
    pub problems: Vec<LineError>,
    /// Events already taken (at the `since` millisecond), dropped.
    pub repeated: usize,
    /// Events older than `since`, skipped.
    pub older: usize,
    /// Events in the answer out of time order (sorted into place).
    pub reordered: usize,
}

/// Reads a feed's answers into new events with stable build and code ids.
#[derive(Debug, Clone, Default)]
pub struct FeedReader {
    builds: Names,
    codes: Names,
    cursor: FeedCursor,
    /// The cursor as the current answer or connection began: what it may send again.
    start: FeedCursor,
}

impl FeedReader {
    /// A reader that resumes with this catalog (ids are positions) and cursor.
    pub fn resume(builds: Vec<String>, codes: Vec<String>, cursor: FeedCursor) -> FeedReader {
        FeedReader {
            builds: Names::resume(builds),
            codes: Names::resume(codes),
            start: cursor.clone(),
            cursor,
        }
    }

    /// Build names by id.
    pub fn builds(&self) -> &[String] {
        self.builds.all()
    }

    /// Code labels by id.
    pub fn codes(&self) -> &[String] {
        self.codes.all()
    }

    /// Where the feed has got to.
    pub fn cursor(&self) -> &FeedCursor {
        &self.cursor
    }

    /// Reads one NDJSON answer (to a poll made with the current cursor's `since`): the new
    /// events in time order, with the lines that did not read.
    ///
    /// ```
    /// use pipescope::core::live::events::FeedReader;
    /// let mut r = FeedReader::default();
    /// let b = r.read_ndjson(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\nnot json\n");
    /// assert_eq!((b.events.len(), b.malformed), (1, 1));
    /// assert!(b.problems[0].to_string().starts_with("line 2: not a JSON object"));
    /// // The next answer repeats the event at since=1000: it is not taken twice.
    /// let b = r.read_ndjson(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\n{\"ts\":2,\"build\":\"b\",\"code\":\"E\"}");
    /// assert_eq!((b.events.len(), b.repeated, b.new_builds.len()), (1, 1, 1));
    /// ```
    pub fn read_ndjson(&mut self, body: &[u8]) -> Batch {
        self.begin();
        self.read_more(body)
    }

    /// A new answer or connection begins, asked with the cursor's `since`: until the next
    /// `begin`, events older than that `since` are skipped and those at it are matched
    /// against the ones already taken there.
    pub fn begin(&mut self) {
        self.start = self.cursor.clone();
    }

    /// Reads more NDJSON of the answer or connection begun last (an event stream's next
    /// message). Events older than the newest taken but not older than the `since` asked
    /// with are new (a stream may push a little out of order); line numbers count from
    /// the start of `body`.
    ///
    /// ```
    /// use pipescope::core::live::events::FeedReader;
    /// let mut r = FeedReader::default();
    /// r.begin();
    /// r.read_more(b"{\"ts\":2,\"build\":\"a\",\"code\":\"E\"}");
    /// // Pushed late on the same connection: still new.
    /// assert_eq!(r.read_more(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}").events.len(), 1);
    /// // A new connection with since=2000 skips what is older and what it already has.
    /// r.begin();
    /// let b = r.read_more(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\n{\"ts\":2,\"build\":\"a\",\"code\":\"E\"}");
    /// assert_eq!((b.events.len(), b.older, b.repeated), (0, 1, 1));
    /// ```
    pub fn read_more(&mut self, body: &[u8]) -> Batch {
        let lines = read_lines(body, fields);
        let mut batch = Batch {
            malformed: lines.malformed,
            problems: lines.problems,
            ..Batch::default()
        };
        let mut taken: Vec<(i64, u32, u32)> = Vec::with_capacity(lines.read.len());
        for (t_ms, e) in lines.read {
            let build = self.builds.id(e.build, &mut batch.new_builds);
            let code = self.codes.id(e.code, &mut batch.new_codes);
            taken.push((t_ms, build, code));
        }
        batch.reordered = taken.windows(2).filter(|w| w[1].0 < w[0].0).count();
        taken.sort_by_key(|t| t.0);
        // What the cursor held at `since` may come again once each; more is new.
        let since = self.start.newest_ms;
        let again = &mut self.start.at_newest;
        for (t_ms, build, code) in taken {
            if let Some(s) = since {
                if t_ms < s {
                    batch.older += 1;
                    continue;
                }
                if t_ms == s {
                    if let Some(slot) = again
                        .iter_mut()
                        .find(|(b, c, n)| (*b, *c) == (build, code) && *n > 0)
                    {
                        slot.2 -= 1;
                        batch.repeated += 1;
                        continue;
                    }
                }
            }
            let e = ErrorEvent { t_ms, build, code };
            self.cursor.observe(&e);
            batch.events.push(e);
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::live::events::MAX_LINE_BYTES;

    fn line(ts: &str, build: &str, code: &str) -> String {
        format!("{{\"ts\":{ts},\"build\":\"{build}\",\"code\":\"{code}\"}}\n")
    }

    #[test]
    fn times_read_as_rfc3339_clock_and_epoch_seconds_or_ms() {
        let t = |v: &str| parse_line(1, &format!("{{\"ts\":{v},\"build\":\"b\",\"code\":\"c\"}}"));
        assert_eq!(
            t("\"2026-12-06T10:00:00.250+01:00\"")
                .unwrap()
                .unwrap()
                .t_ms,
            1_796_547_600_250
        );
        assert_eq!(t("\"0:01:05\"").unwrap().unwrap().t_ms, 65_000);
        assert_eq!(t("1765015200").unwrap().unwrap().t_ms, 1_765_015_200_000);
        assert_eq!(t("1765015200.5").unwrap().unwrap().t_ms, 1_765_015_200_500);
        assert_eq!(t("1765015200123").unwrap().unwrap().t_ms, 1_765_015_200_123);
        let e = t("\"2026-13-01T00:00:00Z\"").unwrap_err();
        assert!(matches!(e, LineError::Field { field: "ts", .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("line 1: field `ts`: '2026-13-01T00:00:00Z'"),
            "{e}"
        );
        assert!(
            t("1765015200123456").is_err(),
            "microseconds are not an event time here"
        );
        assert!(t("true").is_err());
    }

    #[test]
    fn every_bad_line_says_its_line_and_field() {
        let cases = [
            (
                "{\"ts\":1,\"code\":\"c\"}",
                "line 3: field `build` is missing",
            ),
            (
                "{\"ts\":1,\"build\":\"b\",\"code\":null}",
                "line 3: field `code` is missing",
            ),
            (
                "{\"build\":\"b\",\"code\":\"c\"}",
                "line 3: field `ts` is missing",
            ),
            (
                "{\"ts\":1,\"build\":[1],\"code\":\"c\"}",
                "line 3: field `build`: must be a string or a number",
            ),
            (
                "{\"ts\":1,\"build\":\"  \",\"code\":\"c\"}",
                "line 3: field `build`: is empty",
            ),
            ("[1,2]", "line 3: a JSON value that is not an object"),
        ];
        for (text, want) in cases {
            let e = parse_line(3, text).unwrap_err();
            assert!(e.to_string().starts_with(want), "{text}: {e}");
            assert_eq!(e.line(), 3);
        }
        assert_eq!(parse_line(9, "   \r").unwrap(), None);
        let long = format!(
            "{{\"ts\":1,\"build\":\"{}\",\"code\":\"c\"}}",
            "x".repeat(MAX_LINE_BYTES)
        );
        assert!(matches!(
            parse_line(1, &long),
            Err(LineError::TooLong { .. })
        ));
    }

    #[test]
    fn a_hostile_answer_never_panics_and_keeps_the_good_lines() {
        let mut body = Vec::new();
        body.extend_from_slice(line("1", "a", "E1").as_bytes());
        body.extend_from_slice(b"\xff\xfe\n{\"ts\":\n<html>oops</html>\n\"just a string\"\n");
        body.extend_from_slice(line("2", "<script>b</script>", "E2").as_bytes());
        body.extend_from_slice(b"{\"ts\":1e400,\"build\":\"a\",\"code\":\"E\"}\n");
        let b = FeedReader::default().read_ndjson(&body);
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.malformed, 5);
        assert_eq!(
            b.problems.iter().map(LineError::line).collect::<Vec<_>>(),
            [2, 3, 4, 5, 7]
        );
        assert_eq!(
            b.new_builds[1].1, "<script>b</script>",
            "names are data, kept as given"
        );
    }

    #[test]
    fn polls_that_repeat_the_since_millisecond_take_nothing_twice() {
        let mut r = FeedReader::default();
        let first = [
            line("10", "a", "E1"),
            line("11", "a", "E1"),
            line("11", "b", "E1"),
        ]
        .concat();
        let b = r.read_ndjson(first.as_bytes());
        assert_eq!(b.events.len(), 3);
        assert_eq!(r.cursor().since(), Some(11_000));
        // The server answers events at or after since: the two at 11 s again, plus a third
        // event at 11 s that arrived since (same build and code as one taken) and a later one.
        let second = [
            line("11", "b", "E1"),
            line("11", "a", "E1"),
            line("11", "a", "E1"),
            line("12", "b", "E2"),
        ]
        .concat();
        let b = r.read_ndjson(second.as_bytes());
        assert_eq!(b.repeated, 2);
        assert_eq!(
            b.events.iter().map(|e| e.t_ms).collect::<Vec<_>>(),
            [11_000, 12_000]
        );
        // A server that ignores since resends everything: nothing is taken again.
        let all = [first, second].concat();
        let b = r.read_ndjson(all.as_bytes());
        assert!(b.events.is_empty(), "{b:?}");
        assert_eq!(b.older, 6);
        assert_eq!(b.repeated, 1);
    }

    #[test]
    fn an_answer_out_of_order_is_sorted_and_counted() {
        let mut r = FeedReader::default();
        let body = [
            line("3", "a", "E"),
            line("1", "a", "E"),
            line("2", "b", "E"),
        ]
        .concat();
        let b = r.read_ndjson(body.as_bytes());
        assert_eq!(b.reordered, 1);
        assert_eq!(
            b.events.iter().map(|e| e.t_ms).collect::<Vec<_>>(),
            [1_000, 2_000, 3_000]
        );
    }

    #[test]
    fn a_resumed_reader_keeps_ids_and_cursor() {
        let mut r = FeedReader::default();
        r.read_ndjson(
            [line("1", "a", "E1"), line("2", "b", "E2")]
                .concat()
                .as_bytes(),
        );
        let mut cursor = FeedCursor::default();
        for e in [
            ErrorEvent {
                t_ms: 1_000,
                build: 0,
                code: 0,
            },
            ErrorEvent {
                t_ms: 2_000,
                build: 1,
                code: 1,
            },
        ] {
            cursor.observe(&e);
        }
        assert_eq!(
            &cursor,
            r.cursor(),
            "the cursor is a fold over the events taken"
        );
        let mut again = FeedReader::resume(r.builds().to_vec(), r.codes().to_vec(), cursor);
        let b = again.read_ndjson(
            [line("2", "b", "E2"), line("3", "a", "E2")]
                .concat()
                .as_bytes(),
        );
        assert_eq!(
            b.events,
            [ErrorEvent {
                t_ms: 3_000,
                build: 0,
                code: 1
            }]
        );
        assert!(b.new_builds.is_empty() && b.new_codes.is_empty());
    }
}
