//! The push-style reader: bytes in any chunking, a typed [`Table`] out.
//!
//! Phases: buffer the first [`SNIFF_BYTES`] to sniff the dialect; buffer the first
//! [`INFER_ROWS`] rows as raw cells to infer column types; then parse every further cell
//! straight into typed storage.
//!
//! Records without a quote are split in place (the fast path, see [`super::scan`]); csv-core takes
//! any record holding a quote, and the partial record at the end of each chunk, so quoting
//! and chunking follow csv-core's rules exactly while most bytes skip its per-byte state
//! machine and the copy out of it.

use super::builder::ColumnBuilder;
use super::error::IngestError;
use super::infer::infer_type;
use super::scan::Structurals;
use super::sniff::{looks_binary, sniff};
use super::table::{Dialect, SkippedRows, Table};
use super::{IngestOptions, Progress};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Bytes looked at to sniff the dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;
/// Data rows looked at to infer column types.
pub const INFER_ROWS: usize = 10_000;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Checks UTF-8 across chunk boundaries: a multi-byte character may be split between two
/// pushes, so its first bytes are carried over.
#[derive(Default)]
struct Utf8Stream {
    carry: [u8; 4],
    carry_len: usize,
    carry_offset: u64,
}

impl Utf8Stream {
    /// Checks `data`, which starts at file offset `base`. Err holds the file offset of the
    /// first byte that is not UTF-8.
    fn check(&mut self, data: &[u8], base: u64) -> Result<(), u64> {
        let mut start = 0;
        if self.carry_len > 0 {
            let width = match self.carry[0] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let take = (width - self.carry_len).min(data.len());
            let mut tmp = self.carry;
            tmp[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            let len = self.carry_len + take;
            match std::str::from_utf8(&tmp[..len]) {
                Ok(_) => self.carry_len = 0,
                Err(e) if e.error_len().is_none() && len < width => {
                    self.carry = tmp;
                    self.carry_len = len;
                    return Ok(());
                }
                Err(_) => return Err(self.carry_offset),
            }
            start = take;
        }
        let rest = &data[start..];
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) => {
                let at = base + (start + e.valid_up_to()) as u64;
                match e.error_len() {
                    Some(_) => Err(at),
                    None => {
                        let tail = &rest[e.valid_up_to()..];
                        self.carry[..tail.len()].copy_from_slice(tail);
                        self.carry_len = tail.len();
                        self.carry_offset = at;
                        Ok(())
                    }
                }
            }
        }
    }

    /// Err when the file ended inside a multi-byte character.
    fn finish(&self) -> Result<(), u64> {
        if self.carry_len > 0 {
            Err(self.carry_offset)
        } else {
            Ok(())
        }
    }
}

/// The first rows' cells, kept raw until column types are chosen.
#[derive(Default)]
struct Sample {
    bytes: Vec<u8>,
    /// `ncols` end offsets into `bytes` per row.
    ends: Vec<usize>,
    lines: Vec<u64>,
}

/// State once the dialect is known.
struct Parser {
    dialect: Dialect,
    reader: Reader,
    utf8: Utf8Stream,
    /// File offset of the next byte to parse.
    offset: u64,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// Whether the last byte consumed for the current record was its `\n` terminator.
    ended_by_newline: bool,
    names: Vec<String>,
    ncols: usize,
    header_pending: bool,
    sample: Option<Sample>,
    builders: Vec<ColumnBuilder>,
    rows: usize,
    skipped: SkippedRows,
    first_skipped_fields: usize,
    types: Vec<(String, super::ColumnType)>,
    /// Expected file size, to size column storage once instead of growing it by doubling.
    expected_bytes: Option<u64>,
    /// `\n`s consumed by the fast path, which csv-core's own line counter never sees.
    fast_lines: u64,
    /// Whether csv-core holds the start of a record, so the next bytes must go through it.
    in_slow: bool,
    /// Whether nothing has been parsed yet (where a second BOM is stripped, as csv-core did).
    fresh: bool,
    /// Field ends of the record the fast path is splitting (kept to reuse its allocation).
    fast_ends: Vec<usize>,
}

enum Phase {
    Sniffing(Vec<u8>),
    Parsing(Box<Parser>),
}

/// Push-style reader: feed chunks of any size (split anywhere, even inside a quoted field or
/// a UTF-8 sequence or a CRLF), then finish.
pub struct Ingest {
    options: IngestOptions,
    bytes: u64,
    phase: Phase,
    failed: Option<IngestError>,
    expected_bytes: Option<u64>,
}

/// Unique, non-empty column names: empty names become `column_N`, repeats get `_2`, `_3`.
fn unique_names(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while names.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        names.push(candidate);
    }
    names
}

/// The fields of a record laid out as [`Parser::record`] describes.
fn fields<'a>(out: &'a [u8], ends: &'a [usize], gap: usize) -> impl Iterator<Item = &'a str> {
    (0..ends.len()).map(move |i| {
        let start = if i == 0 { 0 } else { ends[i - 1] + gap };
        // Fields of validated input are UTF-8 (see `Parser::record`); a lossy view is only
        // a guard, never expected to change anything.
        std::str::from_utf8(&out[start..ends[i]]).unwrap_or("\u{FFFD}")
    })
}

/// Names for a file without a header.
fn default_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("column_{i}")).collect()
}

impl Parser {
    fn new(dialect: Dialect, fields: usize, options: &IngestOptions) -> Parser {
        let mut reader = ReaderBuilder::new().delimiter(dialect.delimiter).build();
        // csv-core strips a BOM at the start of the first input it is given, which with the
        // fast path may be the middle of the file: a skipped blank line makes it start now
        // (`parse` strips a BOM at the true start itself).
        let _ = reader.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        reader.set_line(1);
        let mut p = Parser {
            dialect,
            reader,
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
            types: options.types.clone(),
            expected_bytes: None,
            fast_lines: 0,
            in_slow: false,
            fresh: true,
            fast_ends: Vec::with_capacity(64),
        };
        if !dialect.has_header {
            p.names = default_names(fields);
            p.ncols = fields;
        }
        p
    }

    /// 1-based line of the next byte to parse.
    fn line(&self) -> u64 {
        self.reader.line() + self.fast_lines
    }

    /// 1-based line where the record csv-core just read began: step back over the `\n`s
    /// inside quoted cells and the terminator.
    fn record_line(&self) -> u64 {
        let inner = memchr::memchr_iter(b'\n', &self.out[..self.out_len]).count() as u64;
        self.line() - inner - self.ended_by_newline as u64
    }

    /// Validates and parses `data`, which starts at file offset `self.offset`.
    fn feed(&mut self, data: &[u8]) -> Result<(), IngestError> {
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
    fn parse(&mut self, data: &[u8], eof: bool) -> Result<(), IngestError> {
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
            if c == b'"' {
                break;
            }
            if hit == rec {
                // A blank line, or the `\n` of a `\r\n`.
                self.fast_lines += (c == b'\n') as u64;
                rec = hit + 1;
                continue;
            }
            ends.push(hit - rec);
            let line = self.line();
            result = self.record(&data[rec..hit], &ends, 1, line);
            ends.clear();
            self.fast_lines += (c == b'\n') as u64;
            rec = hit + 1;
            if result.is_err() {
                break;
            }
        }
        self.fast_ends = ends;
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
            if nin > 0 {
                self.ended_by_newline = rest[nin - 1] == b'\n';
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

    /// Handles one complete record that began on `line`: field `i` is
    /// `out[ends[i - 1] + gap..ends[i]]` (the first starts at 0), where `gap` is 1 when
    /// the fields still have delimiters between them and 0 when csv-core removed them.
    #[inline]
    fn record(
        &mut self,
        out: &[u8],
        ends: &[usize],
        gap: usize,
        line: u64,
    ) -> Result<(), IngestError> {
        if self.header_pending {
            self.header_pending = false;
            let raw = fields(out, ends, gap)
                .map(|f| f.trim().to_owned())
                .collect();
            self.names = unique_names(raw);
            self.ncols = self.names.len();
            if let Some((name, _)) = self.types.iter().find(|(n, _)| !self.names.contains(n)) {
                return Err(IngestError::UnknownColumn {
                    name: name.clone(),
                    available: self.names.clone(),
                });
            }
            return Ok(());
        }
        if ends.len() != self.ncols {
            if self.skipped.count == 0 {
                self.first_skipped_fields = ends.len();
            }
            self.skipped.count += 1;
            if self.skipped.lines.len() < SkippedRows::KEEP {
                self.skipped.lines.push(line);
            }
            return Ok(());
        }
        self.rows += 1;
        if let Some(sample) = &mut self.sample {
            for field in fields(out, ends, gap) {
                sample.bytes.extend_from_slice(field.as_bytes());
                sample.ends.push(sample.bytes.len());
            }
            sample.lines.push(line);
            if self.rows == INFER_ROWS {
                self.decide()?;
            }
            return Ok(());
        }
        let mut start = 0;
        for (b, &end) in self.builders.iter_mut().zip(ends) {
            // SAFETY: the whole input passed UTF-8 validation before parsing (Utf8Stream), and
            // both csv-core and the fast path only drop or split at ASCII bytes, which never
            // fall inside a multi-byte character, so every field is valid UTF-8. Checking
            // again per cell would cost a measurable share of the parse.
            let cell = unsafe { std::str::from_utf8_unchecked(&out[start..end]) };
            start = end + gap;
            if b.push(cell) {
                b.set_first_invalid(line);
            }
        }
        Ok(())
    }

    /// Chooses column types from the sample, then moves the sampled cells into typed storage.
    fn decide(&mut self) -> Result<(), IngestError> {
        let Some(sample) = self.sample.take() else {
            return Ok(());
        };
        let ncols = self.ncols;
        let rows = sample.lines.len();
        let cell = |row: usize, col: usize| -> &[u8] {
            let k = row * ncols + col;
            let start = if k == 0 { 0 } else { sample.ends[k - 1] };
            &sample.bytes[start..sample.ends[k]]
        };
        if let Some((name, _)) = self.types.iter().find(|(n, _)| !self.names.contains(n)) {
            return Err(IngestError::UnknownColumn {
                name: name.clone(),
                available: self.names.clone(),
            });
        }
        // Rows expected in the whole file, from the sample's bytes per row; a little over so
        // one allocation holds them, and never more rows than bytes left could hold.
        let capacity = match self.expected_bytes {
            Some(total) if rows > 0 && total > self.offset => {
                let per_row = self.offset as f64 / rows as f64;
                let left = total - self.offset;
                let estimate = (left as f64 / per_row * 1.02) as u64 + 16;
                rows + estimate.min(left / 2 + 1) as usize
            }
            _ => rows.max(INFER_ROWS),
        };
        let mut builders = Vec::with_capacity(ncols);
        for col in 0..ncols {
            let name = self.names[col].clone();
            let kind = match self.types.iter().rev().find(|(n, _)| *n == name) {
                Some((_, kind)) => *kind,
                None => infer_type((0..rows).map(|r| cell(r, col))),
            };
            let mut b = ColumnBuilder::new(name, kind, capacity);
            for (row, &line) in sample.lines.iter().enumerate() {
                let text = std::str::from_utf8(cell(row, col)).unwrap_or("\u{FFFD}");
                if b.push(text) {
                    b.set_first_invalid(line);
                }
            }
            builders.push(b);
        }
        self.builders = builders;
        Ok(())
    }

    fn finish(mut self, bytes: u64) -> Result<Table, IngestError> {
        if let Err(bad) = self.utf8.finish() {
            return Err(self.utf8_error(bad));
        }
        self.parse(&[], true)?;
        self.into_table(bytes)
    }

    /// The table from everything parsed so far (the input must have been flushed).
    fn into_table(mut self, bytes: u64) -> Result<Table, IngestError> {
        if self.header_pending {
            return Err(IngestError::Empty);
        }
        if self.rows == 0 {
            if self.skipped.count > 0 {
                return Err(IngestError::AllRowsRagged {
                    expected: self.ncols,
                    skipped: self.skipped.count,
                    first_line: self.skipped.lines[0],
                    found: self.first_skipped_fields,
                });
            }
            if self.dialect.has_header {
                return Err(IngestError::HeaderOnly {
                    columns: self.ncols,
                });
            }
            return Err(IngestError::Empty);
        }
        self.decide()?;
        Ok(Table {
            columns: self
                .builders
                .into_iter()
                .map(ColumnBuilder::finish)
                .collect(),
            rows: self.rows,
            dialect: self.dialect,
            skipped: self.skipped,
            bytes,
        })
    }
}

impl Ingest {
    /// A reader with the given options (None fields are sniffed or inferred).
    pub fn new(options: IngestOptions) -> Ingest {
        Ingest {
            options,
            bytes: 0,
            phase: Phase::Sniffing(Vec::new()),
            failed: None,
            expected_bytes: None,
        }
    }

    /// Feeds the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_inner(chunk);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn push_inner(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.bytes += chunk.len() as u64;
        if let Some(limit) = self.options.max_bytes {
            if self.bytes > limit {
                return Err(IngestError::TooLarge {
                    bytes: self.bytes,
                    limit,
                });
            }
        }
        match &mut self.phase {
            Phase::Sniffing(buf) => {
                buf.extend_from_slice(chunk);
                if buf.len() >= SNIFF_BYTES {
                    self.start_parsing(false)?;
                }
                Ok(())
            }
            Phase::Parsing(p) => p.feed(chunk),
        }
    }

    /// Sniffs the buffered start of the file and parses it.
    fn start_parsing(&mut self, at_eof: bool) -> Result<(), IngestError> {
        let Phase::Sniffing(buf) = std::mem::replace(&mut self.phase, Phase::Sniffing(Vec::new()))
        else {
            return Ok(());
        };
        let bom = if buf.starts_with(BOM) { BOM.len() } else { 0 };
        let body = &buf[bom..];
        if looks_binary(&body[..body.len().min(SNIFF_BYTES)]) {
            return Err(IngestError::Binary);
        }
        if at_eof && body.iter().all(u8::is_ascii_whitespace) {
            return Err(IngestError::Empty);
        }
        let o = &self.options;
        let Some(s) = sniff(body, at_eof, o.delimiter, o.has_header) else {
            return Err(IngestError::Empty);
        };
        let dialect = Dialect {
            delimiter: s.delimiter,
            has_header: s.has_header,
        };
        let mut parser = Box::new(Parser::new(dialect, s.fields, o));
        parser.offset = bom as u64;
        parser.expected_bytes = self.expected_bytes;
        if !dialect.has_header {
            if let Some((name, _)) = o.types.iter().find(|(n, _)| !parser.names.contains(n)) {
                return Err(IngestError::UnknownColumn {
                    name: name.clone(),
                    available: parser.names.clone(),
                });
            }
        }
        parser.feed(body)?;
        self.phase = Phase::Parsing(parser);
        Ok(())
    }

    /// Tells the reader the file's total size (known from the file system or the browser's
    /// `File.size`), so column storage is allocated once at the right size.
    pub fn expect_bytes(&mut self, total: u64) {
        self.expected_bytes = Some(total);
        if let Phase::Parsing(p) = &mut self.phase {
            p.expected_bytes = Some(total);
        }
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        let (rows, skipped) = match &self.phase {
            Phase::Parsing(p) => (p.rows as u64, p.skipped.count as u64),
            Phase::Sniffing(_) => (0, 0),
        };
        Progress {
            bytes: self.bytes,
            rows,
            skipped,
        }
    }

    /// Ends the input and returns the table.
    pub fn finish(mut self) -> Result<Table, IngestError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if let Phase::Sniffing(buf) = &self.phase {
            if buf.is_empty() {
                return Err(IngestError::Empty);
            }
            self.start_parsing(true)?;
        }
        match self.phase {
            Phase::Parsing(p) => p.finish(self.bytes),
            Phase::Sniffing(_) => Err(IngestError::Empty),
        }
    }
}

// A child module so the split parse can reach the parser's private state.
#[cfg(not(target_arch = "wasm32"))]
#[path = "parallel.rs"]
mod parallel;
#[cfg(not(target_arch = "wasm32"))]
pub(super) use parallel::{read_path_split, PARALLEL_MIN_BYTES};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::IngestOptions;

    fn read_in_chunks(bytes: &[u8], size: usize) -> Table {
        let mut ingest = Ingest::new(IngestOptions {
            has_header: Some(true),
            ..IngestOptions::default()
        });
        for chunk in bytes.chunks(size) {
            ingest.push(chunk).unwrap();
        }
        ingest.finish().unwrap()
    }

    #[test]
    fn fast_path_agrees_with_csv_core_on_terminators_quotes_and_ragged_rows() {
        // One-byte chunks never hold a whole record, so csv-core reads every record there.
        let text =
            "id,name\r\n1,x\r2,y\n\n\r\n3,z\n4\n5,\"q\nr\"\n6,w,extra\n\n7,\"a\"\"b\"\r\n8,v";
        let whole = read_in_chunks(text.as_bytes(), usize::MAX);
        // Lines: 1 header, 2 `1,x\r2,y`, 3 and 4 blank, 5 `3,z`, 6 `4`, 7-8 the quoted
        // newline, 9 `6,w,extra`, 10 blank, 11 `7,..`, 12 `8,v`.
        assert_eq!(whole.rows, 6);
        assert_eq!(whole.skipped.lines, [6, 9]);
        for size in [1, 2, 3, 5, 8] {
            assert_eq!(
                read_in_chunks(text.as_bytes(), size),
                whole,
                "chunks of {size}"
            );
        }
        let long: String = (0..3000)
            .map(|i| {
                if i % 97 == 0 {
                    format!("{i},\"n\n{i}\"\r\n")
                } else {
                    format!("{i},n{}\n", i % 7)
                }
            })
            .collect();
        let long = format!("id,name\n{long}");
        let whole = read_in_chunks(long.as_bytes(), usize::MAX);
        assert_eq!(whole.rows, 3000);
        assert_eq!(read_in_chunks(long.as_bytes(), 1), whole);
        assert_eq!(read_in_chunks(long.as_bytes(), 777), whole);
    }

    #[test]
    fn a_second_bom_is_stripped_at_the_start_only() {
        let text = "\u{FEFF}\u{FEFF}a,b\n1,x\n\u{FEFF}2,y\n";
        let t = read_in_chunks(text.as_bytes(), usize::MAX);
        assert_eq!(
            t.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(t, read_in_chunks(text.as_bytes(), 1));
        // Mid-file the mark is data, kept in the cell.
        assert_eq!(t.rows, 2);
        match &t.columns[0].data {
            super::super::ColumnData::Numeric(v) => assert!(v[1].is_nan()),
            super::super::ColumnData::Labels(d) => assert_eq!(d.get(1), Some("\u{FEFF}2")),
            other => panic!("{other:?}"),
        }
    }
}
