//! The memory guard of `profile`, `errors`, `detect` and `incidents`: before reading a
//! file, estimate the run's peak from what a sample of the file's start takes, and refuse
//! with exit code 2 when the tightest limit the process runs under leaves no room for it.
//! Rust aborts when an allocation fails, so a run that does not fit must never start.
//!
//! The limits: available RAM, `ulimit -v` (RLIMIT_AS, less the address space already
//! mapped), `ulimit -d` (RLIMIT_DATA, less the data already mapped) and the cgroup's
//! memory limit (v2 `memory.max`, v1 `memory.limit_in_bytes`, less what the cgroup uses).
//! The sample is measured with a counting allocator while the subcommand's own reader
//! parses it; the arithmetic is in [`pipescope::core::memory`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};

use pipescope::core::memory::{
    check, extrapolate, size, whole_lines, Limit, LimitKind, Need, SAMPLE_BYTES, WORST_PER_BYTE,
};

use crate::common::fail;

/// Environment variable that turns the guard off (`off`, `0`, `no` or `false`).
pub const SWITCH: &str = "PIPESCOPE_MEMORY_GUARD";

/// Address space a thread reserves besides its heap: its stack (2 MiB) and a malloc arena
/// (glibc reserves 64 MiB of address space for each thread that allocates).
pub const THREAD_RESERVE: u64 = 66 << 20;

/// The allocator: the system's, counting while a sample is measured.
pub struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

/// Bytes a request of `size` takes from glibc malloc: a 16-byte-aligned chunk with an
/// 8-byte header, 32 bytes at least; pages from 128 KiB up (served by mmap).
fn chunk(size: usize) -> i64 {
    let size = size as i64;
    if size >= 128 << 10 {
        (size + 16 + 4095) & !4095
    } else {
        ((size + 8 + 15) & !15).max(32)
    }
}

fn add(bytes: i64) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && COUNTING.load(Relaxed) {
            add(chunk(layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() && COUNTING.load(Relaxed) {
            add(chunk(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if COUNTING.load(Relaxed) {
            add(-chunk(layout.size()));
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() && COUNTING.load(Relaxed) {
            let (old, new) = (chunk(layout.size()), chunk(new_size));
            // A small block that grows is copied: for a moment both exist. A mapped one
            // is remapped in place.
            if new > old && new < 128 << 10 {
                PEAK.fetch_max(LIVE.load(Relaxed) + new, Relaxed);
            }
            add(new - old);
        }
        p
    }
}

/// Heap a measured closure took.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The peak, in bytes.
    pub peak: u64,
    /// Bytes still held when it returned (what it returned, such as a table).
    pub kept: u64,
}

/// Runs `f` and returns what it returned with the heap it took. Single-threaded use only.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    let usage = Usage {
        peak: PEAK.load(Relaxed).max(0) as u64,
        kept: LIVE.load(Relaxed).max(0) as u64,
    };
    (out, usage)
}

/// The peak of a run that reads a table (`read`, measured on the sample), then holds it
/// with `after` more bytes: the reader's own peak (its hash tables, buffers; half as much
/// again in address space while a file of `len` bytes is parsed in two halves and merged),
/// or the table it kept with what comes after, whichever is larger.
pub fn table_run(read: Usage, after: u64, len: u64) -> u64 {
    let split = if len >= pipescope::core::ingest::PARALLEL_MIN_BYTES {
        1.5
    } else {
        1.0
    };
    ((read.peak as f64 * split) as u64).max(read.kept + after)
}

/// A `kB` field of `/proc/self/status` or `/proc/meminfo`, in bytes.
fn kb_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

/// A soft resource limit, None when unlimited.
fn rlimit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct it is given.
    if unsafe { libc::getrlimit(resource, &mut r) } != 0 || r.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(r.rlim_cur)
}

/// A number in a cgroup file ("max" and absurdly large values mean no limit).
fn cgroup_number(path: &Path) -> Option<u64> {
    let n: u64 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (n < 1 << 62).then_some(n)
}

/// A field of a cgroup's `memory.stat`.
fn stat_field(dir: &Path, key: &str) -> u64 {
    std::fs::read_to_string(dir.join("memory.stat"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The memory limit of this process's cgroup and of the cgroups above it (the tightest),
/// v2 or v1. Reclaimable file cache is not counted as used.
fn cgroup_limit() -> Option<Limit> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut best: Option<Limit> = None;
    let mut consider = |l: Limit| {
        if best.is_none_or(|b| l.headroom() < b.headroom()) {
            best = Some(l);
        }
    };
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next()?, parts.next()?);
        let (root, kind, max, current, cache) = if controllers.is_empty() {
            (
                "/sys/fs/cgroup",
                LimitKind::CgroupV2,
                "memory.max",
                "memory.current",
                "inactive_file",
            )
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                "/sys/fs/cgroup/memory",
                LimitKind::CgroupV1,
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "total_inactive_file",
            )
        } else {
            continue;
        };
        let root = Path::new(root);
        // Inside a cgroup namespace the path may not exist under the mount: then the
        // mount's root is this process's cgroup.
        let mut dir = root.join(path.trim_start_matches('/'));
        if !dir.is_dir() {
            dir = root.to_path_buf();
        }
        loop {
            if let Some(bound) = cgroup_number(&dir.join(max)) {
                let used = cgroup_number(&dir.join(current)).unwrap_or(0);
                let used = used.saturating_sub(stat_field(&dir, cache));
                consider(Limit { kind, bound, used });
            }
            if dir == root || !dir.pop() || !dir.starts_with(root) {
                break;
            }
        }
    }
    best
}

/// Every memory limit this process runs under that is known.
pub fn limits() -> Vec<Limit> {
    let mut out = Vec::new();
    if let Ok(info) = std::fs::read_to_string("/proc/meminfo") {
        if let Some(available) = kb_field(&info, "MemAvailable:") {
            out.push(Limit {
                kind: LimitKind::AvailableRam,
                bound: available,
                used: 0,
            });
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(bound) = rlimit(libc::RLIMIT_AS) {
        out.push(Limit {
            kind: LimitKind::AddressSpace,
            bound,
            used: kb_field(&status, "VmSize:").unwrap_or(0),
        });
    }
    if let Some(bound) = rlimit(libc::RLIMIT_DATA) {
        out.push(Limit {
            kind: LimitKind::DataSegment,
            bound,
            used: kb_field(&status, "VmData:").unwrap_or(0),
        });
    }
    out.extend(cgroup_limit());
    out
}

/// Whether the guard is on (the default; [`SWITCH`] turns it off).
fn enabled() -> bool {
    !std::env::var(SWITCH).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "no" | "false"
        )
    })
}

/// Peak heap bytes of a run over a sample, given the sample and the whole file's size.
pub type Footprint<'a> = Box<dyn Fn(&[u8], u64) -> Option<u64> + 'a>;

/// What a subcommand tells the guard about itself.
pub struct Plan<'a> {
    /// The subcommand's name, for the message.
    pub command: &'a str,
    /// Threads the run adds for a file of this many bytes (their reserved address space).
    pub threads: Box<dyn Fn(u64) -> u64 + 'a>,
    /// Peak heap bytes the run would take if the file were `sample` (None when the sample
    /// cannot be read: the run then goes ahead and reports the file's own problem). The
    /// second argument is the whole file's size, for costs that depend on it (such as the
    /// two-thread parse of large files).
    pub footprint: Footprint<'a>,
    /// Peak bytes per file byte when the file cannot be sampled (Prometheus JSON), None to
    /// sample it.
    pub per_byte: Option<u64>,
}

/// Ok when the run fits under every limit; otherwise the refusal has been printed and the
/// exit code (2) is returned.
pub fn guard(file: &Path, plan: &Plan) -> Result<(), ExitCode> {
    if !enabled() {
        return Ok(());
    }
    let Ok(len) = std::fs::metadata(file).map(|m| m.len()) else {
        return Ok(()); // The run reports why the file cannot be read.
    };
    let limits = limits();
    let Some(room) = limits.iter().map(Limit::headroom).min() else {
        return Ok(());
    };
    let reserved = (plan.threads)(len) * THREAD_RESERVE;
    // No sample larger than the worst case leaves room for: measuring must not abort.
    let cap = (SAMPLE_BYTES as u64).min(room / WORST_PER_BYTE) as usize;
    let (need, basis, lines_per_byte) = if let Some(per_byte) = plan.per_byte {
        let need = len.saturating_mul(per_byte);
        (need, format!("at {per_byte} times its size"), None)
    } else if len <= cap as u64 {
        // Fits even at the worst cost per byte.
        return Ok(());
    } else if cap < 64 << 10 {
        let need = len.saturating_mul(WORST_PER_BYTE);
        (
            need,
            format!("at up to {WORST_PER_BYTE} times its size"),
            None,
        )
    } else {
        let mut head = Vec::with_capacity(cap);
        let read =
            std::fs::File::open(file).and_then(|f| f.take(cap as u64).read_to_end(&mut head));
        if read.is_err() {
            return Ok(());
        }
        let large = whole_lines(&head);
        let small = whole_lines(&large[..large.len() / 2]);
        let sample = |s: &[u8]| (plan.footprint)(s, len).map(|m| (s.len() as u64, m));
        let (half, full) = match (sample(small), sample(large)) {
            (Some(h), Some(f)) if h.0 > 0 => (h, f),
            (_, Some(f)) => (f, f),
            (Some(h), None) if h.0 > 0 => (h, h),
            // A sample the reader refuses (a quoted field cut off, a missing column):
            // the run reports the file's own problem.
            _ => return Ok(()),
        };
        if std::env::var_os("PIPESCOPE_MEMORY_DEBUG").is_some() {
            eprintln!("memory guard: samples {half:?} {full:?}, file {len}, limits {limits:?}");
        }
        let lines = memchr::memchr_iter(b'\n', large).count();
        (
            extrapolate(half, full, len),
            format!("from its first {}", size(full.0)),
            Some(lines as f64 / full.0.max(1) as f64),
        )
    };
    let need = Need {
        peak: need,
        reserved,
    };
    if std::env::var_os("PIPESCOPE_MEMORY_DEBUG").is_some() {
        eprintln!("memory guard: need {need:?} ({basis})");
    }
    match check(plan.command, len, need, &basis, &limits) {
        Ok(()) => Ok(()),
        Err(mut refusal) => {
            refusal.fitting_lines =
                lines_per_byte.map(|r| (r * refusal.fitting_bytes() as f64) as u64);
            Err(fail(format_args!("{}: {refusal}", file.display())))
        }
    }
}

/// The table `ingest::read_path` builds from a file holding `sample`: the same chunked
/// pushes (whole-buffer pushes grow the parser's buffers with the buffer).
pub fn ingest_sample(
    sample: &[u8],
    options: &pipescope::core::ingest::IngestOptions,
) -> Option<pipescope::core::ingest::Table> {
    let mut ingest = pipescope::core::ingest::Ingest::new(options.clone());
    ingest.expect_bytes(sample.len() as u64);
    for chunk in sample.chunks(1 << 17) {
        ingest.push(chunk).ok()?;
    }
    ingest.finish().ok()
}
