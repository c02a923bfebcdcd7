//! Native only: speculative two-thread parsing of a large file.
//!
//! The start is parsed sequentially until the dialect and column types are decided. Then
//! the file is split at the first `\n` after its midpoint, guessing that a record starts
//! right after it: a second thread parses the tail with the decided dialect, names and
//! types while this thread parses up to the split. The guess is checked afterwards (this
//! thread's parser must hold no partial record at the split, i.e. no quoted field spans
//! it); if it was wrong, or the tail failed, the tail is discarded and parsed
//! sequentially, so the table is always the one a sequential parse gives.

use super::{Ingest, Parser, Phase};
use crate::core::ingest::table::{SkippedRows, Table, TextEncoding};
use crate::core::ingest::{IngestError, IngestOptions};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Files from this size up are parsed on two threads.
pub const PARALLEL_MIN_BYTES: u64 = 16 << 20;
/// Bytes read per push: small enough that validated bytes are still in cache when parsed.
const CHUNK: usize = 1 << 17;
/// How far past the midpoint a `\n` is looked for before giving up on splitting.
const SPLIT_WINDOW: u64 = 1 << 16;

/// [`crate::core::ingest::read_path`] with the size threshold for splitting as a parameter,
/// so tests can split small files.
pub(crate) fn read_path_split(
    path: &Path,
    options: &IngestOptions,
    min_parallel: u64,
) -> Result<Table, IngestError> {
    let io = |e: std::io::Error| IngestError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if let Some(limit) = options.max_bytes() {
        if len > limit {
            return Err(IngestError::TooLarge { bytes: len, limit });
        }
    }
    let mut ingest = Ingest::new(options.clone());
    ingest.expect_bytes(len);
    let mut buf = vec![0u8; CHUNK];
    if len >= min_parallel {
        let mid = len / 2;
        let mut pos = 0u64;
        while pos < mid && !ingest.decided() {
            let n = read_some(&mut file, &mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            ingest.push(&buf[..n])?;
            pos += n as u64;
        }
        if ingest.decided() && pos < mid {
            if let Some(split) = find_split(path, mid, len) {
                if let Some(table) =
                    split_parse(path, &mut file, &mut buf, &mut ingest, pos, split)?
                {
                    return Ok(table);
                }
            }
        }
    }
    pump(&mut file, &mut buf, |chunk| ingest.push(chunk)).map_err(|e| e.into_ingest(path))?;
    ingest.finish()
}

/// Parses `[pos, split)` here and `[split, end)` on a second thread; None when the
/// speculation failed and `file` stands at `split` for the sequential rest.
fn split_parse(
    path: &Path,
    file: &mut File,
    buf: &mut [u8],
    ingest: &mut Ingest,
    pos: u64,
    split: u64,
) -> Result<Option<Table>, IngestError> {
    let Some(tail) = ingest.tail_parser(split) else {
        return Ok(None);
    };
    let (head, tail) = std::thread::scope(|s| {
        // A thread that cannot be made (a tight `ulimit -v` leaves no room for its stack)
        // leaves the tail to the sequential parse instead of aborting.
        let worker = std::thread::Builder::new()
            .name("ingest-tail".into())
            .spawn_scoped(s, move || parse_tail(path, split, tail))
            .ok();
        let head = pump(&mut Read::take(&mut *file, split - pos), buf, |chunk| {
            ingest.push(chunk)
        });
        (head, worker.and_then(|w| w.join().ok().flatten()))
    });
    // An error before the split is the one a sequential parse meets first.
    head.map_err(|e| e.into_ingest(path))?;
    match tail {
        Some((tail, bytes)) if ingest.at_record_start() => ingest.merge(tail, bytes).map(Some),
        _ => Ok(None),
    }
}

/// Parses the file from `offset` to its end; None on any error (the sequential rest
/// then reports it with the right line numbers).
fn parse_tail(path: &Path, offset: u64, mut parser: Box<Parser>) -> Option<(Box<Parser>, u64)> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut buf = vec![0u8; CHUNK];
    let mut bytes = 0u64;
    pump(&mut file, &mut buf, |chunk| {
        bytes += chunk.len() as u64;
        parser.feed(chunk)
    })
    .ok()?;
    parser.utf8.finish().ok()?;
    parser.parse(&[], true).ok()?;
    Some((parser, bytes))
}

/// Offset just after the first `\n` at or after `mid`, if one is near.
fn find_split(path: &Path, mid: u64, len: u64) -> Option<u64> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(mid)).ok()?;
    let mut window = Vec::with_capacity(SPLIT_WINDOW as usize);
    file.take(SPLIT_WINDOW).read_to_end(&mut window).ok()?;
    let at = mid + memchr::memchr(b'\n', &window)? as u64 + 1;
    (at < len).then_some(at)
}

/// Either failure of [`pump`].
enum PumpError {
    Io(std::io::Error),
    Ingest(IngestError),
}

impl PumpError {
    fn into_ingest(self, path: &Path) -> IngestError {
        match self {
            PumpError::Io(e) => IngestError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            },
            PumpError::Ingest(e) => e,
        }
    }
}

/// Reads `reader` to its end in chunks, handing each to `push`.
fn pump(
    reader: &mut impl Read,
    buf: &mut [u8],
    mut push: impl FnMut(&[u8]) -> Result<(), IngestError>,
) -> Result<(), PumpError> {
    loop {
        let n = read_some(reader, buf).map_err(PumpError::Io)?;
        if n == 0 {
            return Ok(());
        }
        push(&buf[..n]).map_err(PumpError::Ingest)?;
    }
}

/// One read, retried when interrupted.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Ingest {
    /// Whether the dialect, header and column types are decided.
    fn decided(&self) -> bool {
        self.failed.is_none() && matches!(&self.phase, Phase::Parsing(p) if p.sample.is_none())
    }

    /// Whether everything pushed ended exactly at a record boundary outside quotes.
    fn at_record_start(&self) -> bool {
        self.failed.is_none()
            && matches!(&self.phase, Phase::Parsing(p) if !p.in_slow && p.out_len == 0 && p.ends_len == 0)
    }

    /// A parser for the file from byte `offset` on, assumed to be a record start: same
    /// dialect, names and types, no header, no sample.
    fn tail_parser(&self, offset: u64) -> Option<Box<Parser>> {
        let Phase::Parsing(p) = &self.phase else {
            return None;
        };
        // The tail's line numbers start over, so a line-based option cannot apply there.
        if self.options.literal_quotes_from().is_some() || self.encoding() != TextEncoding::Utf8 {
            return None;
        }
        let total = self.expected_bytes?;
        let left = total.checked_sub(offset)?;
        // Rows expected in the tail at the head's bytes per row, a little over.
        let per_row = p.offset.max(1) as f64 / p.rows.max(1) as f64;
        let capacity = ((left as f64 / per_row * 1.02) as u64 + 16).min(left / 2 + 1) as usize;
        let mut t = Box::new(Parser::new(p.dialect, p.ncols, &self.options));
        t.header_pending = false;
        t.names = p.names.clone();
        t.ncols = p.ncols;
        t.sample = None;
        t.builders = p.builders.iter().map(|b| b.empty_like(capacity)).collect();
        t.fresh = false;
        t.offset = offset;
        Some(t)
    }

    /// The table of the head followed by `tail` (which read `tail_bytes` bytes).
    fn merge(&mut self, tail: Box<Parser>, tail_bytes: u64) -> Result<Table, IngestError> {
        let Phase::Parsing(p) = std::mem::replace(&mut self.phase, Phase::Sniffing(Vec::new()))
        else {
            return Err(IngestError::Empty);
        };
        let mut p = p;
        // The tail counts lines from 1 at the split; the head has seen `line() - 1` `\n`s.
        let shift = p.line() - 1;
        let tail = *tail;
        let head_rows = p.rows;
        p.line_starts.extend(
            tail.line_starts
                .iter()
                .map(|&(row, line)| (row + head_rows, line + shift))
                .filter(|&(row, line)| row > head_rows || line != p.next_line),
        );
        p.rows += tail.rows;
        p.skipped.count += tail.skipped.count;
        let room = SkippedRows::KEEP.saturating_sub(p.skipped.lines.len());
        p.skipped
            .lines
            .extend(tail.skipped.lines.iter().take(room).map(|l| l + shift));
        for (b, t) in p.builders.iter_mut().zip(tail.builders) {
            b.append(t, shift);
        }
        #[cfg(test)]
        MERGED.with(|m| m.set(m.get() + 1));
        p.into_table(self.bytes + tail_bytes)
    }
}

#[cfg(test)]
thread_local! {
    /// Split parses merged on this thread, so tests can tell the split path ran.
    static MERGED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::read_bytes;

    fn temp(name: &str, text: &str) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("pipescope-split-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn rows(n: usize, f: impl Fn(usize) -> String) -> String {
        (0..n).map(f).collect()
    }

    #[test]
    fn a_split_table_equals_the_sequential_one() {
        let body = rows(30_000, |i| {
            let label = if i < 20_000 {
                format!("L{}", i % 5)
            } else {
                format!("new{}", i % 3)
            };
            let n = if i % 997 == 0 {
                "oops".to_string()
            } else if i % 13 == 0 {
                String::new()
            } else {
                i.to_string()
            };
            match i % 1001 {
                0 => format!("{n},\"q,\n{label}\",x\r\n"),
                500 => format!("{n},{label}\n"),
                _ => format!("{n},{label},{}\n", i % 2 == 0),
            }
        });
        let text = format!("num,label,flag\n{body}");
        let path = temp("equal", &text);
        let before = MERGED.with(|m| m.get());
        let split = read_path_split(&path, &IngestOptions::default(), 0).unwrap();
        assert_eq!(MERGED.with(|m| m.get()), before + 1, "the split path ran");
        let whole = read_bytes(text.as_bytes(), &IngestOptions::default()).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(split, whole);
        assert!(whole.skipped.count > 20);
    }

    #[test]
    fn a_quoted_field_spanning_the_midpoint_falls_back_to_sequential() {
        let head = rows(20_000, |i| format!("{i},a{}\n", i % 4));
        let tail = rows(20_000, |i| format!("{i},b{}\n", i % 4));
        // Newlines inside one quoted cell around the midpoint: a split there is inside quotes.
        let quoted: String = (0..2000).map(|i| format!("{i},x\n")).collect();
        let text = format!("id,name\n{head}1,\"{quoted}\"\n{tail}");
        let path = temp("span", &text);
        let before = MERGED.with(|m| m.get());
        let split = read_path_split(&path, &IngestOptions::default(), 0).unwrap();
        assert_eq!(
            MERGED.with(|m| m.get()),
            before,
            "the speculation was refused"
        );
        let whole = read_bytes(text.as_bytes(), &IngestOptions::default()).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(split, whole);
        assert_eq!(whole.rows, 40_001);
    }
}
