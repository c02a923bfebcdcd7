//! Aggregation of error events: a counter per (side, code) for the open second, folded at
//! each second's close into the open bin of B seconds and into running totals; one record
//! per closed bin, with a counter per build per code, is what the heatmap draws.
//!
//! Side 0 is the baseline build, side 1 the candidate.

/// Bins are aligned to multiples of B seconds of stream time. A gap longer than this many
/// bins (for example a jump of days in epoch data) is not filled with empty bins, so a stray
/// timestamp cannot exhaust memory; bins carry their start time, so the gap stays visible.
pub const MAX_GAP_BINS: i64 = 10_000;

/// Bin widths (seconds) the default is chosen from.
const NICE_BINS: [u32; 17] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400,
];

/// The default bin width for a stream spanning `span_s` seconds: the smallest "nice" width
/// giving at most 720 bins (one hour → 5 s bins, a day → 2 min bins).
pub fn default_bin_seconds(span_s: i64) -> u32 {
    let span = span_s.max(1);
    NICE_BINS
        .iter()
        .copied()
        .find(|&b| span / b as i64 <= 720)
        .unwrap_or_else(|| (86_400 * ((span / 720) / 86_400 + 1)).min(u32::MAX as i64) as u32)
}

/// One closed bin: the counts per code (indexed by code id; codes past the end are 0).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bin {
    /// Stream second the bin starts at.
    pub start_s: i64,
    /// `[baseline, candidate]` counts per code id.
    pub counts: Vec<[u32; 2]>,
}

impl Bin {
    /// `[baseline, candidate]` count of a code in this bin.
    pub fn count(&self, code: u32) -> [u32; 2] {
        self.counts.get(code as usize).copied().unwrap_or([0, 0])
    }
}

/// The per-second and per-bin counters; a deterministic fold over events.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Aggregator {
    bin_seconds: i64,
    sec_counts: Vec<[u32; 2]>,
    dirty: Vec<u32>,
    /// The counts of the codes in `dirty` in the last closed second, in the same order.
    closed: Vec<[u32; 2]>,
    bin_counts: Vec<[u32; 2]>,
    /// Index (start / B) of the open bin, None before the first event.
    open_bin: Option<i64>,
    bins: Vec<Bin>,
    totals: Vec<[u64; 2]>,
    /// Discovery rank (0-based) per code id; u32::MAX until the code is first seen.
    rank: Vec<u32>,
    discovered: u32,
}

impl Aggregator {
    /// An empty aggregator with bins of `bin_seconds` (at least 1).
    pub fn new(bin_seconds: u32) -> Self {
        Aggregator {
            bin_seconds: bin_seconds.max(1) as i64,
            sec_counts: Vec::new(),
            dirty: Vec::new(),
            closed: Vec::new(),
            bin_counts: Vec::new(),
            open_bin: None,
            bins: Vec::new(),
            totals: Vec::new(),
            rank: Vec::new(),
            discovered: 0,
        }
    }

    /// Bin width in seconds.
    pub fn bin_seconds(&self) -> u32 {
        self.bin_seconds as u32
    }

    /// Count one event of `code` on `side` (0 baseline, 1 candidate) in the open second.
    #[inline]
    pub fn count(&mut self, code: u32, side: usize) {
        let i = code as usize;
        if i >= self.sec_counts.len() {
            self.sec_counts.resize(i + 1, [0, 0]);
        }
        let cell = &mut self.sec_counts[i];
        if cell[0] == 0 && cell[1] == 0 {
            self.dirty.push(code);
        }
        cell[side] += 1;
    }

    /// Close the open second: fold it into the bin and the totals; [`Self::changed`] then
    /// lists the codes that changed and [`Self::changed_counts`] their counts in it.
    pub fn close_second(&mut self) {
        let n = self.sec_counts.len();
        if self.bin_counts.len() < n {
            self.bin_counts.resize(n, [0, 0]);
        }
        if self.totals.len() < n {
            self.totals.resize(n, [0, 0]);
            self.rank.resize(n, u32::MAX);
        }
        self.closed.clear();
        for &code in &self.dirty {
            let i = code as usize;
            let s = std::mem::take(&mut self.sec_counts[i]);
            self.closed.push(s);
            self.bin_counts[i][0] += s[0];
            self.bin_counts[i][1] += s[1];
            self.totals[i][0] += s[0] as u64;
            self.totals[i][1] += s[1] as u64;
            if self.rank[i] == u32::MAX {
                self.rank[i] = self.discovered;
                self.discovered += 1;
            }
        }
    }

    /// Codes counted in the last closed second, in the order they were first counted.
    pub fn changed(&self) -> &[u32] {
        &self.dirty
    }

    /// `[baseline, candidate]` counts in the last closed second of each code in
    /// [`Self::changed`], in the same order.
    pub fn changed_counts(&self) -> &[[u32; 2]] {
        &self.closed
    }

    /// Forget the changed-codes list of the last closed second.
    pub fn clear_dirty(&mut self) {
        self.dirty.clear();
        self.closed.clear();
    }

    /// The bin index a second falls in.
    pub fn bin_of(&self, second: i64) -> i64 {
        second.div_euclid(self.bin_seconds)
    }

    /// Index of the open bin, if any.
    pub fn open_bin(&self) -> Option<i64> {
        self.open_bin
    }

    /// Start a bin (the first, or after closing the previous one).
    pub fn open(&mut self, bin: i64) {
        self.open_bin = Some(bin);
    }

    /// Close the open bin and any empty bins up to (not including) `next`, calling
    /// `on_bin` with each closed bin; then `next` is open (None: no bin open).
    pub fn close_bins_until(
        &mut self,
        next: Option<i64>,
        mut on_bin: impl FnMut(&Bin, &[[u64; 2]]),
    ) {
        let Some(open) = self.open_bin else {
            self.open_bin = next;
            return;
        };
        let mut counts = std::mem::take(&mut self.bin_counts);
        // Trim trailing empty codes so sparse bins stay small.
        while counts.last() == Some(&[0, 0]) {
            counts.pop();
        }
        self.bins.push(Bin {
            start_s: open * self.bin_seconds,
            counts,
        });
        on_bin(self.bins.last().expect("just pushed"), &self.totals);
        if let Some(next) = next {
            let gap = next - open - 1;
            if gap <= MAX_GAP_BINS {
                for b in open + 1..next {
                    self.bins.push(Bin {
                        start_s: b * self.bin_seconds,
                        counts: Vec::new(),
                    });
                    on_bin(self.bins.last().expect("just pushed"), &self.totals);
                }
            }
        }
        self.open_bin = next;
    }

    /// Closed bins, oldest first.
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// `[baseline, candidate]` totals per code id over closed seconds.
    pub fn totals(&self) -> &[[u64; 2]] {
        &self.totals
    }

    /// 0-based order in which a code was first seen, if it has been.
    pub fn rank(&self, code: u32) -> Option<u32> {
        self.rank
            .get(code as usize)
            .copied()
            .filter(|&r| r != u32::MAX)
    }
}
