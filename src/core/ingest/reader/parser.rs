//! Splitting bytes into records: records without a quote are split in place (the fast
//! path, see [`crate::core::ingest::scan`]); csv-core takes any record holding a quote, and
//! the partial record at the end of each chunk.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::records::{default_names, Sample};
use super::utf8::Utf8Stream;
use super::BOM;
use crate::core::ingest::builder::ColumnBuilder;
use crate::core::ingest::error::IngestError;
use crate::core::ingest::quotes::{row_like_lines, RunawayQuote, Span};
use crate::core::ingest::scan::Structurals;
use crate::core::ingest::table::{Dialect, SkippedRows, Table};
use crate::core::ingest::{ColumnType, IngestOptions};

/// State once the dialect is known.
pub(super) struct Parser {
    pub(super) dialect: Dialect,
    pub(super) reader: Reader,
    pub(super) utf8: Utf8Stream,
    /// File offset of the next byte to parse.
    pub(super) offset: u64,
    pub(super) out: Vec<u8>,
    pub(super) out_len: usize,
    pub(super) ends: Vec<usize>,
    pub(super) ends_len: usize,
    /// Whether the last byte consumed for the current record was its `\n` terminator.
    pub(super) ended_by_newline: bool,
    pub(super) names: Vec<String>,
    pub(super) ncols: usize,
    pub(super) header_pending: bool,
    pub(super) sample: Option<Sample>,
    pub(super) builders: Vec<ColumnBuilder>,
    pub(super) rows: usize,
    pub(super) skipped: SkippedRows,
    pub(super) first_skipped_fields: usize,
    pub(super) types: Vec<(String, ColumnType)>,
    /// Locale readings the user chose, by column name.
    pub(super) readings: Vec<(String, crate::core::ingest::locale::Reading)>,
    /// Expected file size, to size column storage once instead of growing it by doubling.
    pub(super) expected_bytes: Option<u64>,
    /// `\n`s consumed by the fast path, which csv-core's own line counter never sees.
    pub(super) fast_lines: u64,
    /// The line a data row starts on when it follows the previous record directly.
    pub(super) next_line: u64,
    /// Where rows start off that step (see `Table::line_starts`).
    pub(super) line_starts: Vec<(usize, u64)>,
    /// Lone `\r`s consumed (old Mac line ends), which csv-core's line counter, counting
    /// `\n`s, never sees. A `\r` is counted when consumed and uncounted when the next byte
    /// turns out to be its `\n`, so the count is right between any two bytes.
    lone_cr: u64,
    /// Whether the last byte consumed was `\r`.
    last_cr: bool,
    /// Whether csv-core holds the start of a record, so the next bytes must go through it.
    pub(super) in_slow: bool,
    /// Whether nothing has been parsed yet (where a second BOM is stripped, as csv-core did).
    pub(super) fresh: bool,
    /// Field ends of the record the fast path is splitting (kept to reuse its allocation).
    pub(super) fast_ends: Vec<usize>,
    /// Line from which quotes are ordinary characters, as the options asked.
    literal_from: Option<u64>,
    /// Whether that line was reached (csv-core then runs without quoting).
    literal: bool,
    /// `"` bytes csv-core consumed for the record it is reading: odd at the end of the
    /// file means a quote never closed.
    slow_quotes: u64,
}

/// csv-core's reader for `delimiter`, ready at line 1.
fn core_reader(delimiter: u8, quoting: bool) -> Reader {
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoting)
        .build();
    // csv-core strips a BOM at the start of the first input it is given, which with the
    // fast path may be the middle of the file: a skipped blank line makes it start now
    // (`parse` strips a BOM at the true start itself).
    let _ = reader.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
    reader.set_line(1);
    reader
}

impl Parser {
    pub(super) fn new(dialect: Dialect, fields: usize, options: &IngestOptions) -> Parser {
        let mut p = Parser {
            dialect,
            reader: core_reader(dialect.delimiter, true),
            utf8: Utf8Stream::default(),
            offset: 0,
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            ended_by_newline: false,
            names: Vec::new(),
            ncols: 0,
            header_pending: dialect.has_header,
            sample: Some(Sample::default()),
            builders: Vec::new(),
            rows: 0,
            skipped: SkippedRows::default(),
            first_skipped_fields: 0,
            types: options.types().to_vec(),
            readings: options.readings().to_vec(),
            expected_bytes: None,
            fast_lines: 0,
            in_slow: false,
            fresh: true,
            fast_ends: Vec::with_capacity(64),
            literal_from: options.literal_quotes_from(),
            literal: false,
            slow_quotes: 0,
            lone_cr: 0,
            last_cr: false,
            next_line: 1,
            line_starts: Vec::new(),
        };
        if !dialect.has_header {
            p.names = default_names(fields);
            p.ncols = fields;
        }
        p
    }

    /// 1-based line of the next byte to parse.
    pub(super) fn line(&self) -> u64 {
        self.reader.line() + self.fast_lines + self.lone_cr
    }

    /// Counts the line ends of bytes csv-core consumed that it does not count itself.
    fn count_cr(&mut self, consumed: &[u8]) {
        let Some(&last) = consumed.last() else {
            return;
        };
        let joins = u64::from(self.last_cr && consumed[0] == b'\n');
        let crs = memchr::memchr_iter(b'\r', consumed).count() as u64;
        if crs > 0 {
            let pairs = memchr::memmem::find_iter(consumed, b"\r\n").count() as u64;
            self.lone_cr += crs - pairs;
        }
        self.lone_cr -= joins;
        self.last_cr = last == b'\r';
    }

    /// Counts the line end `c` the fast path met at `data[hit]`.
    #[inline(always)]
    fn fast_line_end(&mut self, data: &[u8], hit: usize) {
        match data[hit] {
            b'\n' => {
                self.fast_lines += 1;
                let after_cr = if hit == 0 {
                    self.last_cr
                } else {
                    data[hit - 1] == b'\r'
                };
                self.lone_cr -= u64::from(after_cr);
            }
            b'\r' => self.lone_cr += 1,
            _ => {}
        }
    }

    /// Whether a `"` met now, at the start of a record or in one the fast path is
    /// splitting, is an ordinary character; switches csv-core to match when the line from
    /// which the options asked for that is reached. Call only where csv-core holds no
    /// partial record.
    fn quotes_literal(&mut self) -> bool {
        if !self.literal && self.literal_from.is_some_and(|from| self.line() >= from) {
            let line = self.reader.line();
            self.reader = core_reader(self.dialect.delimiter, false);
            self.reader.set_line(line);
            self.literal = true;
        }
        self.literal
    }

    /// The record csv-core just completed, which began on `line`, judged by the one rule
    /// for runaway quotes.
    fn runaway(&self, line: u64, eof: bool) -> Option<RunawayQuote> {
        if self.literal {
            return None;
        }
        let out = &self.out[..self.out_len];
        // An unclosed quote takes the file's last line break into the cell: not a line.
        let out = out
            .strip_suffix(b"\n")
            .map_or(out, |o| o.strip_suffix(b"\r").unwrap_or(o));
        let lines = memchr::memchr_iter(b'\n', out).count() as u64 + 1;
        if lines < 2 {
            return None;
        }
        let known = !self.header_pending;
        let unclosed = eof && self.slow_quotes % 2 == 1;
        RunawayQuote::judge(Span {
            line,
            lines,
            row_like: if known {
                row_like_lines(out, self.dialect.delimiter, self.ncols, unclosed)
            } else {
                0
            },
            ragged: known && self.ends_len != self.ncols,
            fields: if known { self.ncols } else { 0 },
            unclosed,
        })
    }

    /// 1-based line where the record csv-core just read began: step back over the `\n`s
    /// inside quoted cells and the terminator.
    fn record_line(&self) -> u64 {
        let out = &self.out[..self.out_len];
        let crs = memchr::memchr_iter(b'\r', out).count()
            - memchr::memmem::find_iter(out, b"\r\n").count();
        let inner = (memchr::memchr_iter(b'\n', out).count() + crs) as u64;
        self.line() - inner - self.ended_by_newline as u64
    }

    /// Validates and parses `data`, which starts at file offset `self.offset`.
    pub(super) fn feed(&mut self, data: &[u8]) -> Result<(), IngestError> {
        match self.utf8.check(data, self.offset) {
            Ok(()) => self.parse(data, false),
            Err(bad) => {
                // Parse up to the bad byte so the reader's position names its line and column.
                let upto = bad.saturating_sub(self.offset).min(data.len() as u64) as usize;
                self.parse(&data[..upto], false)?;
                Err(self.utf8_error(bad))
            }
        }
    }

    fn utf8_error(&self, offset: u64) -> IngestError {
        let idx = self.ends_len;
        let column = if self.header_pending {
            format!("column_{}", idx + 1)
        } else {
            self.names
                .get(idx)
                .cloned()
                .unwrap_or_else(|| format!("column_{}", idx + 1))
        };
        IngestError::InvalidUtf8 {
            line: self.line(),
            column,
            offset,
        }
    }

    /// Parses `data`; `eof` flushes a last unterminated record.
    pub(super) fn parse(&mut self, data: &[u8], eof: bool) -> Result<(), IngestError> {
        let mut pos = 0;
        if self.fresh && !data.is_empty() {
            // The first call gets the whole sniff buffer, so a BOM here is never split.
            self.fresh = false;
            if data.starts_with(BOM) {
                pos = BOM.len();
                self.offset += pos as u64;
            }
        }
        loop {
            if !self.in_slow {
                pos += self.fast(&data[pos..])?;
                // The record the fast path stopped at starts here: csv-core may switch.
                self.quotes_literal();
            }
            // What is left starts with a record the fast path could not split, or is the
            // head of a record the next chunk completes.
            let (used, record) = self.slow(&data[pos..], eof)?;
            pos += used;
            if !record {
                return Ok(());
            }
        }
    }

    /// Splits and stores records straight from `data` while they hold no quote; returns the
    /// bytes consumed, which end where the first record it cannot complete begins.
    /// Terminators follow csv-core: `\r`, `\n` or `\r\n` end a record; blank lines are skipped.
    fn fast(&mut self, data: &[u8]) -> Result<usize, IngestError> {
        let delimiter = self.dialect.delimiter;
        if matches!(delimiter, b'"' | b'\n' | b'\r') {
            // A delimiter that is also a quote or terminator: csv-core's precedence rules.
            return Ok(0);
        }
        let mut ends = std::mem::take(&mut self.fast_ends);
        ends.clear();
        let mut rec = 0;
        let mut result = Ok(());
        for hit in Structurals::new(data, delimiter) {
            let c = data[hit];
            if c == delimiter {
                ends.push(hit - rec);
                continue;
            }
            if c == b'"' && !self.quotes_literal() {
                break;
            }
            if c == b'"' {
                continue;
            }
            if hit == rec {
                // A blank line, or the `\n` of a `\r\n`.
                self.fast_line_end(data, hit);
                rec = hit + 1;
                continue;
            }
            ends.push(hit - rec);
            let line = self.line();
            result = self.record(&data[rec..hit], &ends, 1, line);
            ends.clear();
            self.fast_line_end(data, hit);
            rec = hit + 1;
            if result.is_err() {
                break;
            }
        }
        self.fast_ends = ends;
        if rec > 0 {
            self.last_cr = data[rec - 1] == b'\r';
        }
        self.offset += rec as u64;
        result.map(|()| rec)
    }

    /// Runs csv-core over `input` until it completes one record or needs more input;
    /// returns the bytes consumed and whether a record was completed.
    fn slow(&mut self, input: &[u8], eof: bool) -> Result<(usize, bool), IngestError> {
        // csv-core takes empty input as the end of the file: only pass it when it is.
        if input.is_empty() && !eof {
            return Ok((0, false));
        }
        self.in_slow = true;
        let mut used = 0;
        loop {
            let rest = &input[used..];
            let (res, nin, nout, nend) = self.reader.read_record(
                rest,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            if !self.literal {
                self.slow_quotes += memchr::memchr_iter(b'"', &rest[..nin]).count() as u64;
            }
            self.count_cr(&rest[..nin]);
            if nin > 0 {
                self.ended_by_newline = matches!(rest[nin - 1], b'\n' | b'\r');
            } else if eof {
                self.ended_by_newline = false;
            }
            used += nin;
            self.offset += nin as u64;
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::InputEmpty => {
                    if !eof {
                        return Ok((used, false));
                    }
                }
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    self.in_slow = false;
                    let line = self.record_line();
                    let runaway = self.runaway(line, eof);
                    self.slow_quotes = 0;
                    if let Some(r) = runaway {
                        return Err(IngestError::RunawayQuote(r));
                    }
                    let out = std::mem::take(&mut self.out);
                    let ends = std::mem::take(&mut self.ends);
                    let result = self.record(&out[..self.out_len], &ends[..self.ends_len], 0, line);
                    self.out = out;
                    self.ends = ends;
                    self.out_len = 0;
                    self.ends_len = 0;
                    return result.map(|()| (used, true));
                }
                ReadRecordResult::End => return Ok((used, false)),
            }
        }
    }

    pub(super) fn finish(mut self, bytes: u64) -> Result<Table, IngestError> {
        if let Err(bad) = self.utf8.finish() {
            return Err(self.utf8_error(bad));
        }
        self.parse(&[], true)?;
        self.into_table(bytes)
    }
}
