//! The framing every journal slot shares: a magic and a version up front, reserved bytes
//! that must be zero, a declared length and a CRC-32 stored inside the header. Checkpoints,
//! the source file and the player's state each lay their fields out differently, but they
//! verify them in the same order, so a torn write, a foreign slot and a flipped bit are told
//! apart the same way everywhere.

use std::cmp::Ordering;

use super::checkpoint::SlotDamage;

/// A slot's bytes, read little-endian at fixed offsets once its header has been checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct SlotBytes<'a>(pub(super) &'a [u8]);

impl<'a> SlotBytes<'a> {
    /// Checks the first `header` bytes are there and start with `magic`, then `version`,
    /// and that every byte in the `reserved` ranges (from, to exclusive) is zero.
    pub(super) fn open(
        bytes: &'a [u8],
        magic: [u8; 4],
        version: u8,
        header: usize,
        reserved: &[(usize, usize)],
    ) -> Result<Self, SlotDamage> {
        if bytes.len() < header {
            return Err(SlotDamage::Torn);
        }
        let zeroed = reserved
            .iter()
            .all(|&(from, to)| bytes[from..to].iter().all(|&b| b == 0));
        if bytes[0..4] != magic || bytes[4] != version || !zeroed {
            return Err(SlotDamage::BadHeader);
        }
        Ok(SlotBytes(bytes))
    }

    /// Checks the slot is exactly `want` bytes long: shorter is a write that did not finish,
    /// longer cannot come from a write of ours, so the checksum is what it contradicts.
    pub(super) fn expect_len(self, want: u64) -> Result<Self, SlotDamage> {
        match (self.0.len() as u64).cmp(&want) {
            Ordering::Less => Err(SlotDamage::Torn),
            Ordering::Greater => Err(SlotDamage::Checksum),
            Ordering::Equal => Ok(self),
        }
    }

    /// Checks the CRC-32 stored at `at` against `covered` (the bytes it was computed over).
    pub(super) fn expect_crc(self, at: usize, covered: u32) -> Result<Self, SlotDamage> {
        if self.u32_at(at) == covered {
            Ok(self)
        } else {
            Err(SlotDamage::Checksum)
        }
    }

    /// The little-endian u32 at `at`.
    pub(super) fn u32_at(self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().expect("4 bytes"))
    }

    /// The little-endian u64 at `at`.
    pub(super) fn u64_at(self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().expect("8 bytes"))
    }

    /// The little-endian f64 at `at`.
    pub(super) fn f64_at(self, at: usize) -> f64 {
        f64::from_le_bytes(self.0[at..at + 8].try_into().expect("8 bytes"))
    }
}

/// CRC-32 of a slot with the 4 bytes at `crc_at` (where the CRC itself goes) left out: the
/// header before it and everything after it.
pub(super) fn crc_around(bytes: &[u8], crc_at: usize) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..crc_at]);
    h.update(&bytes[crc_at + 4..]);
    h.finalize()
}

/// Writes [`crc_around`] into its place, once every other byte of the slot is written.
pub(super) fn seal(out: &mut [u8], crc_at: usize) {
    let crc = crc_around(out, crc_at);
    out[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_slot_checks_and_a_flipped_bit_does_not() {
        let mut b = b"MAGI\x01\0\0\0....payload".to_vec();
        b[8..12].copy_from_slice(&[0; 4]);
        seal(&mut b, 8);
        let s = SlotBytes::open(&b, *b"MAGI", 1, 12, &[(5, 8)]).unwrap();
        assert!(s.expect_crc(8, crc_around(&b, 8)).is_ok());
        let mut flipped = b.clone();
        flipped[14] ^= 4;
        assert_ne!(crc_around(&flipped, 8), s.u32_at(8));
        assert_eq!(
            SlotBytes::open(&b[..11], *b"MAGI", 1, 12, &[(5, 8)]).err(),
            Some(SlotDamage::Torn)
        );
        let mut foreign = b.clone();
        foreign[6] = 1;
        assert_eq!(
            SlotBytes::open(&foreign, *b"MAGI", 1, 12, &[(5, 8)]).err(),
            Some(SlotDamage::BadHeader)
        );
        assert_eq!(
            s.expect_len(b.len() as u64 + 1).err(),
            Some(SlotDamage::Torn)
        );
        assert_eq!(
            s.expect_len(b.len() as u64 - 1).err(),
            Some(SlotDamage::Checksum)
        );
    }
}
