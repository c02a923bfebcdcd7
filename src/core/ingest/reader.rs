//! The push-style reader: bytes in any chunking, a typed [`Table`] out.
//!
//! Phases: buffer the first [`SNIFF_BYTES`] to sniff the dialect; buffer the first
//! [`INFER_ROWS`] rows as raw cells to infer column types; then parse every further cell
//! straight into typed storage.
//!
//! Records without a quote are split in place (the fast path, see [`super::scan`]); csv-core
//! takes any record holding a quote, and the partial record at the end of each chunk, so
//! quoting and chunking follow csv-core's rules exactly while most bytes skip its per-byte
//! state machine and the copy out of it.
//!
//! Here: the phases and the public [`Ingest`]. `utf8` checks the bytes as they arrive,
//! `parser` splits them into records, `records` turns records into typed columns.

mod parser;
mod records;
mod utf16;
mod utf8;

use self::parser::Parser;
use self::utf16::Utf16Stream;
use super::error::IngestError;
use super::sniff::{looks_binary, sniff};
use super::table::{Dialect, Table, TextEncoding};
use super::{IngestOptions, Progress};

/// Bytes looked at to sniff the dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;
/// Line ends the sniff waits for beyond [`SNIFF_BYTES`]: a header and two rows, so a very
/// wide header (tens of thousands of columns) is sniffed whole rather than cut off.
const SNIFF_LINES: usize = 3;
/// Bytes after which the sniff goes ahead whatever it holds.
const SNIFF_MAX_BYTES: usize = 16 << 20;
/// Data rows looked at to infer column types.
pub const INFER_ROWS: usize = 10_000;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's encoding, told by its first two bytes.
enum Decode {
    /// Fewer than two bytes seen.
    Undecided(Vec<u8>),
    Utf8,
    Utf16(Utf16Stream, TextEncoding),
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
    /// `\n`s buffered while sniffing.
    sniff_lines: usize,
    decode: Decode,
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
            sniff_lines: 0,
            decode: Decode::Undecided(Vec::new()),
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
        if let Some(limit) = self.options.max_bytes() {
            if self.bytes > limit {
                return Err(IngestError::TooLarge {
                    bytes: self.bytes,
                    limit,
                });
            }
        }
        self.decode_and_feed(chunk, false)
    }

    /// Turns raw bytes into UTF-8 text for the phases: UTF-8 passes as it is, a UTF-16
    /// byte order mark at the start switches to decoding.
    fn decode_and_feed(&mut self, chunk: &[u8], last: bool) -> Result<(), IngestError> {
        match &mut self.decode {
            Decode::Undecided(head) => {
                head.extend_from_slice(chunk);
                if head.len() < 2 && !last {
                    return Ok(());
                }
                let head = std::mem::take(head);
                let (big_endian, encoding) = match head.get(..2) {
                    Some([0xFF, 0xFE]) => (false, TextEncoding::Utf16Le),
                    Some([0xFE, 0xFF]) => (true, TextEncoding::Utf16Be),
                    _ => {
                        self.decode = Decode::Utf8;
                        return self.feed_text(&head);
                    }
                };
                self.decode = Decode::Utf16(Utf16Stream::new(big_endian), encoding);
                self.decode_and_feed(&head, last)
            }
            Decode::Utf8 => self.feed_text(chunk),
            Decode::Utf16(stream, _) => {
                let mut text = Vec::with_capacity(chunk.len());
                stream.decode(chunk, last, &mut text)?;
                self.feed_text(&text)
            }
        }
    }

    /// The encoding decided so far (UTF-8 until a UTF-16 mark is seen).
    fn encoding(&self) -> TextEncoding {
        match &self.decode {
            Decode::Utf16(_, e) => *e,
            _ => TextEncoding::Utf8,
        }
    }

    /// Feeds UTF-8 (or not yet validated) text to the current phase.
    fn feed_text(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        match &mut self.phase {
            Phase::Sniffing(buf) => {
                buf.extend_from_slice(chunk);
                self.sniff_lines += memchr::memchr_iter(b'\n', chunk).count();
                if buf.len() >= SNIFF_MAX_BYTES
                    || (buf.len() >= SNIFF_BYTES && self.sniff_lines >= SNIFF_LINES)
                {
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
        // The sniff sees the same bytes however the file was pushed: the shortest start
        // that triggers it in `push_inner`, not whatever the chunk that crossed the
        // trigger brought along (a whole file read at once used to be sniffed whole, so
        // the page, which pushes chunks, could choose another dialect than the CLI).
        let cut = sniff_cut(&buf).max(bom);
        let sample = &buf[bom..cut];
        let whole = cut == buf.len();
        let Some(s) = sniff(sample, at_eof && whole, o.delimiter(), o.has_header()) else {
            return Err(IngestError::Empty);
        };
        let encoding = self.encoding();
        let dialect = Dialect {
            delimiter: s.delimiter,
            has_header: s.has_header,
            encoding,
        };
        let mut parser = Box::new(Parser::new(dialect, s.fields, o));
        parser.offset = bom as u64;
        // UTF-16 text takes about half its bytes once decoded.
        parser.expected_bytes = self.expected_bytes.map(|b| {
            if encoding == TextEncoding::Utf8 {
                b
            } else {
                b / 2
            }
        });
        if !dialect.has_header {
            if let Some((name, _)) = o.types().iter().find(|(n, _)| !parser.names.contains(n)) {
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
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.decode_and_feed(&[], true)?;
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

/// The bytes as UTF-8: UTF-16 with a byte order mark is decoded (the mark dropped), any
/// other input is returned as it is. For readers that hold a whole file in memory.
pub fn utf8_bytes(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IngestError> {
    let big_endian = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => false,
        Some([0xFE, 0xFF]) => true,
        _ => return Ok(std::borrow::Cow::Borrowed(bytes)),
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    Utf16Stream::new(big_endian).decode(bytes, true, &mut out)?;
    Ok(std::borrow::Cow::Owned(out))
}

/// Length of the start of `buf` the sniff looks at: the shortest one holding
/// [`SNIFF_BYTES`] and [`SNIFF_LINES`] line ends, or [`SNIFF_MAX_BYTES`], or all of `buf`
/// when it is shorter (the whole file).
fn sniff_cut(buf: &[u8]) -> usize {
    if buf.len() < SNIFF_BYTES {
        return buf.len();
    }
    let lines = memchr::memchr_iter(b'\n', buf)
        .nth(SNIFF_LINES - 1)
        .map_or(buf.len(), |i| (i + 1).max(SNIFF_BYTES));
    lines.min(SNIFF_MAX_BYTES).min(buf.len())
}

// A child module so the split parse can reach the parser's private state.
#[cfg(not(target_arch = "wasm32"))]
#[path = "parallel.rs"]
mod parallel;
#[cfg(not(target_arch = "wasm32"))]
pub(super) use parallel::read_path_split;
#[cfg(not(target_arch = "wasm32"))]
pub use parallel::PARALLEL_MIN_BYTES;

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
        // Lines (a lone `\r` ends one): 1 header, 2 `1,x`, 3 `2,y`, 4 and 5 blank, 6 `3,z`,
        // 7 `4`, 8-9 the quoted newline, 10 `6,w,extra`, 11 blank, 12 `7,..`, 13 `8,v`.
        assert_eq!(whole.rows, 6);
        assert_eq!(whole.skipped.lines, [7, 10]);
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
    fn the_dialect_does_not_depend_on_how_the_file_is_pushed() {
        // Over SNIFF_BYTES of rows that read as three columns split by commas, then rows
        // where `|` splits more consistently: a sniff of the whole file would see those too.
        // Long rows, so the sniff's first 1000 records reach past SNIFF_BYTES.
        let pad = "7".repeat(200);
        let mut text = String::from("a,b,c\n");
        while text.len() < SNIFF_BYTES + 100 {
            text.push_str(&format!("{pad},2,3\n"));
        }
        for _ in 0..3000 {
            text.push_str(&format!("{pad}|y|z|w\n"));
        }
        let whole = read_in_chunks(text.as_bytes(), usize::MAX);
        assert_eq!(whole.dialect.delimiter, b',');
        for size in [1000, 4096, 65_536, 70_001] {
            assert_eq!(
                read_in_chunks(text.as_bytes(), size),
                whole,
                "chunks of {size}"
            );
        }
        assert_eq!(sniff_cut(text.as_bytes()), SNIFF_BYTES);
        assert_eq!(sniff_cut(b"a\nb\n"), 4);
    }

    #[test]
    fn a_wide_file_pushed_without_its_size_reserves_only_its_rows() {
        let header: Vec<String> = (0..20_000).map(|c| format!("c{c}")).collect();
        let row: Vec<String> = (0..20_000).map(|c| (c % 10).to_string()).collect();
        let text = format!("{}\n{}\n", header.join(","), row.join(","));
        let t = read_in_chunks(text.as_bytes(), 4096);
        assert_eq!((t.rows, t.columns.len()), (1, 20_000));
        for c in &t.columns {
            match &c.data {
                super::super::ColumnData::Numeric(v) => {
                    assert!(v.capacity() < 16, "{}", v.capacity())
                }
                other => panic!("{other:?}"),
            }
        }
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
