//! The push-style reader: bytes in any chunking, a typed [`Table`] out.
//!
//! Phases: buffer the first [`SNIFF_BYTES`] to sniff the dialect; buffer the first
//! [`INFER_ROWS`] rows as raw cells to infer column types; then parse every further cell
//! straight into typed storage.

use super::builder::ColumnBuilder;
use super::error::IngestError;
use super::infer::infer_type;
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
        let base = if name.is_empty() { format!("column_{}", i + 1) } else { name };
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

/// Names for a file without a header.
fn default_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("column_{i}")).collect()
}

impl Parser {
    fn new(dialect: Dialect, fields: usize, options: &IngestOptions) -> Parser {
        let reader = ReaderBuilder::new().delimiter(dialect.delimiter).build();
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
        };
        if !dialect.has_header {
            p.names = default_names(fields);
            p.ncols = fields;
        }
        p
    }

    /// 1-based line where the record just read began: the reader counts `\n`s consumed, so
    /// step back over those inside quoted cells and the terminator.
    fn record_line(&self) -> u64 {
        let inner = self.out[..self.out_len].iter().filter(|&&b| b == b'\n').count() as u64;
        self.reader.line() - inner - self.ended_by_newline as u64
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
            self.names.get(idx).cloned().unwrap_or_else(|| format!("column_{}", idx + 1))
        };
        IngestError::InvalidUtf8 { line: self.reader.line(), column, offset }
    }

    /// Runs the CSV state machine over `data`; `eof` flushes a last unterminated record.
    fn parse(&mut self, data: &[u8], eof: bool) -> Result<(), IngestError> {
        // csv-core takes empty input as the end of the file: only pass it when it is.
        if data.is_empty() && !eof {
            return Ok(());
        }
        let mut input = data;
        loop {
            let (res, nin, nout, nend) = self.reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            if nin > 0 {
                self.ended_by_newline = input[nin - 1] == b'\n';
            } else if eof {
                self.ended_by_newline = false;
            }
            input = &input[nin..];
            self.offset += nin as u64;
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::InputEmpty => {
                    if !eof || !input.is_empty() {
                        return Ok(());
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
                    self.record()?;
                    self.out_len = 0;
                    self.ends_len = 0;
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// Handles one complete record sitting in `out`/`ends`.
    #[inline]
    fn record(&mut self) -> Result<(), IngestError> {
        if self.header_pending {
            self.header_pending = false;
            let raw = self.fields().map(|f| f.trim().to_owned()).collect();
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
        if self.ends_len != self.ncols {
            if self.skipped.count == 0 {
                self.first_skipped_fields = self.ends_len;
            }
            self.skipped.count += 1;
            if self.skipped.lines.len() < SkippedRows::KEEP {
                let line = self.record_line();
                self.skipped.lines.push(line);
            }
            return Ok(());
        }
        self.rows += 1;
        if let Some(sample) = &mut self.sample {
            let base = sample.bytes.len();
            sample.bytes.extend_from_slice(&self.out[..self.out_len]);
            sample.ends.extend(self.ends[..self.ends_len].iter().map(|e| base + e));
            let line = self.record_line();
            self.sample.as_mut().unwrap().lines.push(line);
            if self.rows == INFER_ROWS {
                self.decide()?;
            }
            return Ok(());
        }
        let mut start = 0;
        let out = &self.out[..self.out_len];
        for (b, &end) in self.builders.iter_mut().zip(&self.ends[..self.ends_len]) {
            // SAFETY: the whole input passed UTF-8 validation before parsing (Utf8Stream), and
            // csv-core only drops or splits at ASCII bytes, which never fall inside a
            // multi-byte character, so every field is valid UTF-8. Checking again per cell
            // would cost a measurable share of the parse.
            let cell = unsafe { std::str::from_utf8_unchecked(&out[start..end]) };
            start = end;
            if b.push(cell) {
                let inner = out.iter().filter(|&&c| c == b'\n').count();
                let line = self.reader.line() - inner as u64 - self.ended_by_newline as u64;
                b.set_first_invalid(line);
            }
        }
        Ok(())
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        let out = &self.out[..self.out_len];
        (0..self.ends_len).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            // Fields of validated input are UTF-8 (see `record`); a lossy view is only a
            // guard, never expected to change anything.
            std::str::from_utf8(&out[start..self.ends[i]]).unwrap_or("\u{FFFD}")
        })
    }

    /// Chooses column types from the sample, then moves the sampled cells into typed storage.
    fn decide(&mut self) -> Result<(), IngestError> {
        let Some(sample) = self.sample.take() else { return Ok(()) };
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
                return Err(IngestError::HeaderOnly { columns: self.ncols });
            }
            return Err(IngestError::Empty);
        }
        self.decide()?;
        Ok(Table {
            columns: self.builders.into_iter().map(ColumnBuilder::finish).collect(),
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
                return Err(IngestError::TooLarge { bytes: self.bytes, limit });
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
        let dialect = Dialect { delimiter: s.delimiter, has_header: s.has_header };
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
        Progress { bytes: self.bytes, rows, skipped }
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
