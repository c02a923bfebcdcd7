//! The records of an error-event file, each with its line: quotes are read as CSV up to
//! the line the options name and as ordinary characters from there on, and a quoted field
//! that swallows rows stops the read with the line where it opened (the one rule of
//! [`crate::core::ingest::quotes`]).

use crate::core::ingest::quotes::{row_like_lines, RunawayQuote, Span};

/// Reads records from bytes held in memory.
pub(super) struct Records<'a> {
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    /// Where the literal reading starts: (byte offset, 1-based line); None once it began
    /// or when never asked for.
    literal_at: Option<(usize, u64)>,
    /// Added to the reader's lines and bytes once it reads the literal part.
    base: (usize, u64),
    /// Fields of a row, once the first record is seen.
    fields: Option<usize>,
    /// Whether the reader takes `"` as a quote (only such records can run away).
    quoting: bool,
}

/// A failure while reading records.
pub(super) enum RecordError {
    /// The csv crate's own error (invalid UTF-8 in a string record, say).
    Csv(csv::Error),
    /// A quoted field swallowed rows.
    Runaway(RunawayQuote),
}

fn builder(quoting: bool) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .quoting(quoting);
    b
}

impl<'a> Records<'a> {
    /// Records of `bytes`, quotes literal from line `literal_from` on.
    pub(super) fn new(bytes: &'a [u8], literal_from: Option<u64>) -> Records<'a> {
        let literal_at = literal_from.map(|line| {
            let at = if line <= 1 {
                0
            } else {
                memchr::memchr_iter(b'\n', bytes)
                    .nth(line as usize - 2)
                    .map_or(bytes.len(), |i| i + 1)
            };
            (at, line)
        });
        let (reader, literal_at, quoting) = match literal_at {
            Some((0, _)) => (builder(false).from_reader(bytes), None, false),
            Some((at, line)) => (
                builder(true).from_reader(&bytes[..at]),
                Some((at, line)),
                true,
            ),
            None => (builder(true).from_reader(bytes), None, true),
        };
        Records {
            bytes,
            reader,
            literal_at,
            base: (0, 0),
            fields: None,
            quoting,
        }
    }

    /// The next record and its 1-based line; None at the end.
    pub(super) fn next(
        &mut self,
        record: &mut csv::ByteRecord,
    ) -> Result<Option<u64>, RecordError> {
        loop {
            if !self
                .reader
                .read_byte_record(record)
                .map_err(RecordError::Csv)?
            {
                let Some((at, line)) = self.literal_at.take() else {
                    return Ok(None);
                };
                self.reader = builder(false).from_reader(&self.bytes[at..]);
                self.base = (at, line - 1);
                self.quoting = false;
                continue;
            }
            let mut start = record.position().map_or(0, |p| p.byte() as usize) + self.base.0;
            let mut line = record.position().map_or(0, |p| p.line()) + self.base.1;
            // The csv crate places a record after the `\r` that ended the one before, so
            // with CRLF (and blank lines) its line is one short: step over to the text.
            while let Some(&c @ (b'\r' | b'\n')) = self.bytes.get(start) {
                line += u64::from(c == b'\n');
                start += 1;
            }
            let end = self.reader.position().byte() as usize + self.base.0;
            let fields = *self.fields.get_or_insert(record.len());
            if self.quoting {
                if let Some(r) = self.runaway(start, end, line, record.len(), fields) {
                    return Err(RecordError::Runaway(r));
                }
            }
            return Ok(Some(line));
        }
    }

    /// Judges the record in `bytes[start..end]`, read with quotes, that began on `line`.
    fn runaway(
        &self,
        start: usize,
        end: usize,
        line: u64,
        found: usize,
        fields: usize,
    ) -> Option<RunawayQuote> {
        let raw = self.bytes.get(start..end.min(self.bytes.len()))?;
        let body = raw
            .strip_suffix(b"\n")
            .map(|r| r.strip_suffix(b"\r").unwrap_or(r))
            .unwrap_or(raw);
        let lines = memchr::memchr_iter(b'\n', body).count() as u64 + 1;
        if lines < 2 {
            return None;
        }
        let unclosed = end >= self.bytes.len() && memchr::memchr_iter(b'"', body).count() % 2 == 1;
        RunawayQuote::judge(Span {
            line,
            lines,
            row_like: row_like_lines(body, b',', fields, unclosed),
            ragged: found != fields,
            fields,
            unclosed,
        })
    }
}
