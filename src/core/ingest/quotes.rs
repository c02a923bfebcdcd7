//! Runaway quotes: one stray `"` at the start of a field makes a CSV reader take every
//! following line, up to the next quote or the end of the file, as one cell, and the rows
//! in those lines vanish. Every reader in the core judges a record that spans lines by the
//! one rule here, and reports it with the line where it opened and what it swallowed.

use crate::core::text::group_thousands as grouped;
use std::fmt;

/// A quoted field that ran over lines that look like rows of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunawayQuote {
    /// 1-based line where the record holding the quote starts.
    pub line: u64,
    /// Lines the record spans, its first included.
    pub lines: u64,
    /// Lines inside it that, read alone, have a row's number of fields.
    pub rows: u64,
    /// Whether the quote was never closed: the field runs to the end of the file.
    pub to_end: bool,
}

/// What a record that spans more than one line looked like, for [`RunawayQuote::judge`].
#[derive(Debug, Clone, Copy)]
pub struct Span {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Lines the record spans.
    pub lines: u64,
    /// Lines inside the quoted text that have a row's number of fields.
    pub row_like: u64,
    /// Whether the record's field count differs from the header's.
    pub ragged: bool,
    /// Fields a row has (0 when not known yet, as in the header).
    pub fields: usize,
    /// Whether the file ended with the quote still open.
    pub unclosed: bool,
}

impl RunawayQuote {
    /// The rule: a record spanning lines is a runaway when its quote never closes; when it
    /// has the wrong number of fields and swallowed at least one line that reads as a row;
    /// or when, in a file of three or more columns, at least two of the lines inside it
    /// and at least half of them read as rows (a second stray quote closed the first, so
    /// the field count came out right by chance). A well-formed multi-line cell (an
    /// address, a comment) keeps the record's field count and is read as it always was.
    ///
    /// ```
    /// use pipescope::core::ingest::quotes::{RunawayQuote, Span};
    /// let span = Span { line: 101, lines: 40, row_like: 38, ragged: true, fields: 5, unclosed: false };
    /// assert_eq!(RunawayQuote::judge(span).map(|r| r.rows), Some(38));
    /// let comment = Span { line: 7, lines: 3, row_like: 0, ragged: false, fields: 5, unclosed: false };
    /// assert!(RunawayQuote::judge(comment).is_none());
    /// ```
    pub fn judge(span: Span) -> Option<RunawayQuote> {
        if span.lines < 2 {
            return None;
        }
        let inner = span.lines.saturating_sub(2);
        let mostly_rows = span.fields >= 3 && span.row_like >= 2 && span.row_like * 2 >= inner;
        let runaway = span.unclosed || (span.ragged && span.row_like > 0) || mostly_rows;
        runaway.then_some(RunawayQuote {
            line: span.line,
            lines: span.lines,
            rows: span.row_like,
            to_end: span.unclosed,
        })
    }
}

/// Lines after the first `\n` of `text` holding exactly `fields - 1` delimiters: rows a
/// quoted field swallowed. `text` is a record's quoted content (or its raw bytes): after
/// its first line break it is inside quotes, so the delimiters there are the swallowed
/// rows' own. The part after the last `\n` counts only when `to_end` (the quote never
/// closed); otherwise the record's own fields follow the closing quote there.
pub fn row_like_lines(text: &[u8], delimiter: u8, fields: usize, to_end: bool) -> u64 {
    if fields < 2 {
        // One-column files have no delimiter to tell a row from a line of text.
        return 0;
    }
    let mut pieces = text.split(|&b| b == b'\n');
    pieces.next();
    let mut inner: Vec<&[u8]> = pieces.collect();
    if !to_end {
        inner.pop();
    }
    inner
        .iter()
        .filter(|l| memchr::memchr_iter(delimiter, l).count() == fields - 1)
        .count() as u64
}

impl fmt::Display for RunawayQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reach = if self.to_end {
            "runs to the end of the file".to_string()
        } else {
            format!("runs to line {}", self.line + self.lines - 1)
        };
        write!(
            f,
            "line {}: a quote opens a field that {reach}, taking {} lines ({} of them read as rows) \
             into one cell; if that quote is a stray, read quotes literally from line {} on to keep those rows",
            self.line,
            grouped(self.lines),
            grouped(self.rows),
            self.line
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_whole_inner_lines_with_a_rows_fields() {
        let text = b"abc\n1,2,3\n4,5\n6,7,8\nlast,1,2";
        assert_eq!(row_like_lines(text, b',', 3, false), 2);
        assert_eq!(row_like_lines(text, b',', 3, true), 3);
        assert_eq!(row_like_lines(b"one line, no break", b',', 2, true), 0);
        assert_eq!(row_like_lines(b"a\nb\nc", b',', 1, true), 0);
    }

    #[test]
    fn message_names_the_line_and_what_was_taken() {
        let r = RunawayQuote {
            line: 101,
            lines: 10_028,
            rows: 10_027,
            to_end: true,
        };
        let m = r.to_string();
        assert!(m.starts_with("line 101: "), "{m}");
        assert!(
            m.contains("end of the file") && m.contains("10,028 lines"),
            "{m}"
        );
        assert!(m.contains("literally from line 101"), "{m}");
    }
}
