//! The memory guard's arithmetic: how much a run will take at its peak, extrapolated from
//! what a sample of the file took, against the tightest limit the process runs under.
//!
//! Pure and portable: the command line measures the sample (with a counting allocator)
//! and reads the limits (`/proc`, `getrlimit`, cgroups); this module cuts the sample,
//! extrapolates, decides and words the refusal, so the page could use it as well.

use std::fmt;

/// Bytes of the file's start a run is estimated from (cut back to whole lines).
pub const SAMPLE_BYTES: usize = 4 << 20;

/// Peak bytes per file byte no run exceeds, whatever the shape (short cells, many
/// columns, a unique text column and all of `detect`'s per-row vectors come to about 90).
/// A file this many times smaller than the headroom is not sampled at all.
pub const WORST_PER_BYTE: u64 = 128;

/// Safety margin on the extrapolated peak: allocator rounding, vectors grown by doubling,
/// hash tables between two sizes.
pub const MARGIN: f64 = 1.25;

/// The start of `bytes` up to and including its last `\n` (all of it when it has none).
pub fn whole_lines(bytes: &[u8]) -> &[u8] {
    match memchr::memrchr(b'\n', bytes) {
        Some(i) => &bytes[..=i],
        None => bytes,
    }
}

/// Peak bytes for a file of `file` bytes, from the peaks measured on two samples of its
/// start, each (sample bytes, peak bytes): the first half of [`SAMPLE_BYTES`] and all of
/// it. What grows with the file is the marginal cost per byte from half to full; what the
/// full sample took beyond that stays (buffers, the rows kept for type inference, tables
/// of a set size). Twice the bytes give twice the distinct labels of a unique column, so a
/// hash table of them doubles once in between and its cost is in the marginal one.
/// [`MARGIN`] goes on the part that grows.
pub fn extrapolate(half: (u64, u64), full: (u64, u64), file: u64) -> u64 {
    let per_byte = if full.0 > half.0 {
        ((full.1 as f64 - half.1 as f64) / (full.0 - half.0) as f64).max(0.0)
    } else {
        full.1 as f64 / full.0.max(1) as f64
    };
    let fixed = (full.1 as f64 - per_byte * full.0 as f64).max(0.0);
    (fixed + per_byte * MARGIN * file as f64).max(full.1 as f64) as u64
}

/// Which limit bounds the process's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// `MemAvailable` in `/proc/meminfo`.
    AvailableRam,
    /// `RLIMIT_AS`: the address space, `ulimit -v`.
    AddressSpace,
    /// `RLIMIT_DATA`: the data segment, `ulimit -d`.
    DataSegment,
    /// cgroup v2 `memory.max`.
    CgroupV2,
    /// cgroup v1 `memory.limit_in_bytes`.
    CgroupV1,
}

impl LimitKind {
    /// How a user knows the limit, and how to raise it.
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::AvailableRam => "available RAM (MemAvailable)",
            LimitKind::AddressSpace => "the address-space limit (ulimit -v)",
            LimitKind::DataSegment => "the data-segment limit (ulimit -d)",
            LimitKind::CgroupV2 => "the cgroup limit (memory.max)",
            LimitKind::CgroupV1 => "the cgroup limit (memory.limit_in_bytes)",
        }
    }

    fn remedy(self) -> &'static str {
        match self {
            LimitKind::AvailableRam => "free memory or use a machine with more",
            LimitKind::AddressSpace => "raise the limit (ulimit -v unlimited)",
            LimitKind::DataSegment => "raise the limit (ulimit -d unlimited)",
            LimitKind::CgroupV2 | LimitKind::CgroupV1 => {
                "raise the container's or service's memory limit"
            }
        }
    }

    /// Whether address space merely reserved (thread stacks, allocator arenas) counts.
    pub fn counts_reserved(self) -> bool {
        self == LimitKind::AddressSpace
    }
}

/// One limit: its bound and what the process already uses of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Which limit.
    pub kind: LimitKind,
    /// The bound in bytes (for available RAM, what is available now).
    pub bound: u64,
    /// Bytes of it the process (or cgroup) already uses (0 for available RAM).
    pub used: u64,
}

impl Limit {
    /// Bytes left under this limit.
    pub fn headroom(&self) -> u64 {
        self.bound.saturating_sub(self.used)
    }
}

/// What a run is estimated to take at its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Bytes of memory (heap) at the peak.
    pub peak: u64,
    /// Address space reserved on top but not used (thread stacks, allocator arenas):
    /// counts only against the address-space limit.
    pub reserved: u64,
}

impl Need {
    /// Bytes the run takes of `kind`.
    pub fn against(&self, kind: LimitKind) -> u64 {
        if kind.counts_reserved() {
            self.peak.saturating_add(self.reserved)
        } else {
            self.peak
        }
    }
}

/// The limit with the least room for the run: smallest headroom minus need.
pub fn tightest(limits: &[Limit], need: &Need) -> Option<Limit> {
    limits
        .iter()
        .copied()
        .min_by_key(|l| l.headroom() as i128 - need.against(l.kind) as i128)
}

/// A run refused before it starts: the sizes, the limit, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What was to be run (`profile`, `errors`, …).
    pub command: String,
    /// The file's size in bytes.
    pub file_bytes: u64,
    /// The estimate.
    pub need: Need,
    /// How the estimate was made (for example "from its first 4.2 MB").
    pub basis: String,
    /// The limit that does not leave room.
    pub limit: Limit,
    /// Lines at the start of the file that would fit, when known.
    pub fitting_lines: Option<u64>,
}

/// Ok when every limit leaves room for the run, or the refusal naming the tightest one.
pub fn check(
    command: &str,
    file_bytes: u64,
    need: Need,
    basis: &str,
    limits: &[Limit],
) -> Result<(), Box<Refusal>> {
    let Some(limit) = tightest(limits, &need) else {
        return Ok(());
    };
    if need.against(limit.kind) <= limit.headroom() {
        return Ok(());
    }
    Err(Box::new(Refusal {
        command: command.to_string(),
        file_bytes,
        need,
        basis: basis.to_string(),
        limit,
        fitting_lines: None,
    }))
}

impl Refusal {
    /// Bytes of the file's start that would fit, at the estimated cost per byte.
    pub fn fitting_bytes(&self) -> u64 {
        let need = self.need.against(self.limit.kind).max(1) as f64;
        (self.file_bytes as f64 * self.limit.headroom() as f64 / need * 0.9) as u64
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.limit;
        write!(
            f,
            "the file is {} and `{}` would need about {} of memory at its peak (estimated {}), \
             but {} ",
            size(self.file_bytes),
            self.command,
            size(self.need.against(l.kind)),
            self.basis,
            l.kind.name(),
        )?;
        if l.used > 0 {
            write!(
                f,
                "is {} and leaves {} ({} already in use)",
                size(l.bound),
                size(l.headroom()),
                size(l.used)
            )?;
        } else {
            write!(f, "is {}", size(l.bound))?;
        }
        let sample = match self.fitting_lines {
            Some(n) if n > 0 => format!("its first {n} lines (`head -n {n} FILE > sample.csv`)"),
            _ => format!("its first {} (`head -c`)", size(self.fitting_bytes())),
        };
        write!(
            f,
            "; run it on a sample, for example {sample}, or {}; \
             PIPESCOPE_MEMORY_GUARD=off runs it anyway",
            l.kind.remedy()
        )
    }
}

/// Bytes for people: `950 kB`, `4.2 MB`, `1.0 GB` (powers of 1000, as `ls -lh --si`).
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_ends_at_a_line_end() {
        assert_eq!(whole_lines(b"a,b\n1,2\n3,"), b"a,b\n1,2\n");
        assert_eq!(whole_lines(b"a,b\n"), b"a,b\n");
        assert_eq!(whole_lines(b"a,b"), b"a,b");
    }

    #[test]
    fn extrapolation_scales_what_grows_and_keeps_what_stays() {
        // Linear with no fixed part: 10 bytes per byte.
        assert_eq!(extrapolate((100, 1000), (200, 2000), 1000), 12_500);
        // A fixed part of 1000 is not scaled with the file.
        assert_eq!(extrapolate((100, 2000), (200, 3000), 1000), 1000 + 12_500);
        // One sample only (the half could not be read): its average, fixed part and all.
        assert_eq!(extrapolate((200, 3000), (200, 3000), 1000), 18_750);
        // Never less than the sample itself took.
        assert_eq!(extrapolate((100, 500), (200, 2500), 10), 2500);
    }

    fn limits() -> Vec<Limit> {
        vec![
            Limit {
                kind: LimitKind::AvailableRam,
                bound: 8_000_000_000,
                used: 0,
            },
            Limit {
                kind: LimitKind::AddressSpace,
                bound: 1_024_000_000,
                used: 24_000_000,
            },
            Limit {
                kind: LimitKind::CgroupV2,
                bound: 2_000_000_000,
                used: 500_000_000,
            },
        ]
    }

    #[test]
    fn the_tightest_limit_is_the_one_with_least_room_left() {
        let need = Need {
            peak: 900_000_000,
            reserved: 0,
        };
        let l = tightest(&limits(), &need).unwrap();
        assert_eq!(l.kind, LimitKind::AddressSpace);
        assert!(check("profile", 300_000_000, need, "from its start", &limits()).is_ok());
        // Reserved address space counts against ulimit -v only.
        let need = Need {
            peak: 900_000_000,
            reserved: 200_000_000,
        };
        let r = check("profile", 300_000_000, need, "from its start", &limits()).unwrap_err();
        assert_eq!(r.limit.kind, LimitKind::AddressSpace);
        let mut busy = limits();
        busy[2].used = 1_700_000_000;
        let need = Need {
            peak: 600_000_000,
            reserved: 0,
        };
        let r = check("errors", 300_000_000, need, "from its start", &busy).unwrap_err();
        assert_eq!(
            r.limit.kind,
            LimitKind::CgroupV2,
            "0.3 GB left by cgroup, 1.0 by ulimit"
        );
        assert!(
            check("errors", 1, need, "", &[]).is_ok(),
            "no known limit, no refusal"
        );
    }

    #[test]
    fn a_refusal_says_the_sizes_the_limit_and_what_to_do() {
        let need = Need {
            peak: 4_200_000_000,
            reserved: 70_000_000,
        };
        let mut r = *check(
            "profile",
            1_000_000_000,
            need,
            "from its first 4.2 MB",
            &limits(),
        )
        .unwrap_err();
        let text = r.to_string();
        for part in [
            "the file is 1.0 GB",
            "`profile` would need about 4.3 GB",
            "from its first 4.2 MB",
            "ulimit -v",
            "is 1.0 GB and leaves 1.0 GB (24.0 MB already in use)",
            "ulimit -v unlimited",
            "PIPESCOPE_MEMORY_GUARD=off",
        ] {
            assert!(text.contains(part), "'{part}' missing from: {text}");
        }
        assert!(text.contains("`head -c`"), "{text}");
        r.fitting_lines = Some(1234);
        assert!(r.to_string().contains("head -n 1234 FILE"), "{r}");
        // 1.0 GB left of a 4.27 GB need: under a quarter of the file fits.
        assert!((200_000_000..235_000_000).contains(&r.fitting_bytes()));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(950_000), "950 kB");
        assert_eq!(size(4_194_304), "4.2 MB");
        assert_eq!(size(1_000_000_017), "1.0 GB");
    }
}
