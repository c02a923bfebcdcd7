//! Counting in the sorted blocks of a [`super::TailWindow`]: a block compared whole, and
//! the two searches of the blocks' last values side by side.

use std::hint::select_unpredictable;

/// Values of a sorted block below `x`: its `partition_point(|v| v < x)`.
#[inline]
pub(super) fn count_lt(blk: &[f64], x: f64) -> usize {
    count_all(blk, |v| v < x)
}

/// Values of a sorted block at or below `x`.
#[inline]
pub(super) fn count_le(blk: &[f64], x: f64) -> usize {
    count_all(blk, |v| v <= x)
}

/// Values of `blk` where `pred` holds, every one compared: in a sorted block, where `pred`
/// holds on a prefix, the prefix's length. A block is a few cache lines that a search
/// would load one after the other, each waiting on the last (mostly a miss: about ten
/// windows are touched a point); compared whole, its loads are independent and overlap,
/// and the compares vectorise.
#[inline]
pub(super) fn count_all(blk: &[f64], pred: impl Fn(f64) -> bool) -> usize {
    blk.iter().map(|&v| usize::from(pred(v))).sum()
}

/// `(partition_point(|l| l < x), partition_point(|l| l < y))` over the sorted `lasts`, the
/// two searches side by side: they are independent, so their loads overlap.
#[inline]
pub(super) fn lasts_below2(lasts: &[f64], x: f64, y: f64) -> (usize, usize) {
    let (mut lo_x, mut lo_y, mut len) = (0, 0, lasts.len());
    while len > 8 {
        let half = len / 2;
        lo_x = select_unpredictable(lasts[lo_x + half - 1] < x, lo_x + half, lo_x);
        lo_y = select_unpredictable(lasts[lo_y + half - 1] < y, lo_y + half, lo_y);
        len -= half;
    }
    (
        count_prefix_from(lasts, |v| v < x, lo_x, len),
        count_prefix_from(lasts, |v| v < y, lo_y, len),
    )
}

/// Length of the prefix of the sorted `blk` where `pred` holds, known to end in
/// `lo..=lo + len` (`pred` holds before `lo`): halved down to a cache line, then counted.
/// For `lasts`, tens to hundreds of values read on every point and mostly cached, where
/// a count of them all would cost more than the search.
#[inline]
pub(super) fn count_prefix_from(
    blk: &[f64],
    pred: impl Fn(f64) -> bool,
    lo: usize,
    len: usize,
) -> usize {
    let (mut lo, mut len) = (lo, len);
    while len > 8 {
        let half = len / 2;
        // A conditional move rather than a branch: the branch is a coin toss, often
        // mispredicted, and a mispredicted search stops the loads after it from
        // overlapping. (Written as arithmetic, `half * usize::from(..)`, it compiled to a
        // branch.)
        lo = select_unpredictable(pred(blk[lo + half - 1]), lo + half, lo);
        len -= half;
    }
    // Eight values counted from `lo` or just before it (those before `lo` all hold): a
    // fixed count, so no loop exit to mispredict either.
    match blk.len().checked_sub(8) {
        Some(last) => {
            let from = lo.min(last);
            from + blk[from..from + 8]
                .iter()
                .map(|&v| usize::from(pred(v)))
                .sum::<usize>()
        }
        None => blk.iter().map(|&v| usize::from(pred(v))).sum(),
    }
}
