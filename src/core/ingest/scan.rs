//! Finding the structural bytes of CSV (delimiter, `\n`, `\r`, `"`) 64 bytes at a time,
//! for the reader's fast path over records without quotes.

/// Positions of the bytes the fast path stops at (delimiter, `\n`, `\r`, `"`), in order.
///
/// Hand-written rather than `memchr3_iter`: fields are short (a few bytes), and restarting
/// a memchr search per field cost more than finding every structural byte of a 64-byte
/// block in one pass as a bitmask, the approach of simdjson and simdcsv.
pub(crate) struct Structurals<'a> {
    data: &'a [u8],
    /// Offset of the block `mask` describes.
    base: usize,
    /// Bit i set: `data[base + i]` is structural.
    mask: u64,
    needles: [u8; 4],
}

impl<'a> Structurals<'a> {
    pub(crate) fn new(data: &'a [u8], delimiter: u8) -> Structurals<'a> {
        let needles = [delimiter, b'\n', b'\r', b'"'];
        Structurals {
            data,
            base: 0,
            mask: block_mask(data, needles),
            needles,
        }
    }
}

impl Iterator for Structurals<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.data.len() {
                return None;
            }
            self.mask = block_mask(&self.data[self.base..], self.needles);
        }
        let i = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + i)
    }
}

/// Bitmask of the bytes among the first 64 of `data` equal to one of `needles`.
#[inline]
fn block_mask(data: &[u8], needles: [u8; 4]) -> u64 {
    match data.first_chunk::<64>() {
        Some(block) => block_mask_full(block, needles),
        None => data
            .iter()
            .enumerate()
            .fold(0, |m, (i, b)| m | (needles.contains(b) as u64) << i),
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn block_mask_full(block: &[u8; 64], needles: [u8; 4]) -> u64 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline, and every load reads 16 bytes inside
    // the 64-byte block.
    unsafe {
        let [a, b, c, d] = needles.map(|n| _mm_set1_epi8(n as i8));
        let mut mask = 0u64;
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
            let hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
                _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, d)),
            );
            mask |= (_mm_movemask_epi8(hit) as u16 as u64) << (16 * k);
        }
        mask
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn block_mask_full(block: &[u8; 64], needles: [u8; 4]) -> u64 {
    use std::arch::wasm32::*;
    #[allow(clippy::redundant_closure)] // a target-feature function is no `FnMut`
    let [a, b, c, d] = needles.map(|n| u8x16_splat(n));
    let mut mask = 0u64;
    for k in 0..4 {
        // SAFETY: reads 16 bytes inside the 64-byte block; v128_load allows any alignment.
        let v = unsafe { v128_load(block.as_ptr().add(16 * k) as *const v128) };
        let hit = v128_or(
            v128_or(u8x16_eq(v, a), u8x16_eq(v, b)),
            v128_or(u8x16_eq(v, c), u8x16_eq(v, d)),
        );
        mask |= (u8x16_bitmask(hit) as u64) << (16 * k);
    }
    mask
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
#[inline]
fn block_mask_full(block: &[u8; 64], needles: [u8; 4]) -> u64 {
    block_mask_swar(block, needles)
}

/// [`block_mask_full`] with 64-bit words only (wasm without SIMD): per byte, the high bit of
/// `!(((x & 0x7f..) + 0x7f..) | x)` is set exactly when the byte of `x` is zero.
#[cfg_attr(
    any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ),
    allow(dead_code)
)]
#[inline]
fn block_mask_swar(block: &[u8; 64], needles: [u8; 4]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let splat = needles.map(|n| n as u64 * 0x0101_0101_0101_0101);
    let mut mask = 0u64;
    for (k, word) in block.chunks_exact(8).enumerate() {
        let v = u64::from_le_bytes(word.try_into().unwrap());
        let mut high = 0u64;
        for s in splat {
            let x = v ^ s;
            high |= !(((x & LOW7) + LOW7) | x | LOW7);
        }
        // Gathers the eight high bits into one byte, byte i to bit i.
        let bits = ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) & 0xff;
        mask |= bits << (8 * k);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::SplitMix64;

    fn scalar_mask(data: &[u8], needles: [u8; 4]) -> u64 {
        data.iter()
            .take(64)
            .enumerate()
            .fold(0, |m, (i, b)| m | (needles.contains(b) as u64) << i)
    }

    #[test]
    fn block_masks_find_exactly_the_structural_bytes() {
        let mut rng = SplitMix64::new(7);
        // Bytes drawn mostly from the needles and their neighbours (including 0x80+), where a
        // word trick would show false positives.
        let pool = b",;\t|\n\r\"\x00\x01\x7f\x80\xff\x2b\x2d\x0b\x0e\x21\x23ab";
        for round in 0..2000 {
            let len = 64 + (round % 3) * 7;
            let data: Vec<u8> = (0..len)
                .map(|_| pool[rng.below(pool.len() as u64) as usize])
                .collect();
            for delim in [b',', b'\t', b';', b'|'] {
                let needles = [delim, b'\n', b'\r', b'"'];
                let block: &[u8; 64] = data.first_chunk().unwrap();
                let want = scalar_mask(&data, needles);
                assert_eq!(block_mask_full(block, needles), want);
                assert_eq!(block_mask_swar(block, needles), want);
                assert_eq!(
                    block_mask(&data[..len - 64 + 10], needles),
                    scalar_mask(&data[..len - 64 + 10], needles)
                );
            }
        }
    }

    #[test]
    fn structurals_list_every_position_across_blocks() {
        let mut rng = SplitMix64::new(9);
        let data: Vec<u8> = (0..1000)
            .map(|_| b"ab,\n\"x\r"[rng.below(7) as usize])
            .collect();
        let want: Vec<usize> = (0..data.len())
            .filter(|&i| b",\n\r\"".contains(&data[i]))
            .collect();
        assert_eq!(Structurals::new(&data, b',').collect::<Vec<_>>(), want);
        assert_eq!(Structurals::new(&[], b',').count(), 0);
    }
}
