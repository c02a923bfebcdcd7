//! The file a journaled stream replays, stored beside the journal (in a third slot) so a
//! recovered replay goes on from where it stopped instead of ending at the last event.
//!
//! # Source slot layout (integers little-endian)
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `PSSR` |
//! | 4 | 1 | format version, 1 |
//! | 5 | 3 | reserved, 0 |
//! | 8 | 4 | name length `n` |
//! | 12 | 8 | file length `f` |
//! | 20 | 4 | CRC-32 of bytes 0..20 and 24..24+n+f |
//! | 24 | n | file name, UTF-8 |
//! | 24+n | f | the file's bytes as read |

use super::checkpoint::SlotDamage;
use super::slot::{crc_around, seal, SlotBytes};

const MAGIC: [u8; 4] = *b"PSSR";
const VERSION: u8 = 1;
const HEADER: usize = 24;
const CRC_AT: usize = 20;

/// Slot of the source file in a [`super::JournalStore`] (0 and 1 hold checkpoints).
pub const SOURCE_SLOT: usize = 2;

/// A replayed file: its name and bytes as the user picked them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// File name as picked.
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Serialize a source file into slot bytes.
pub fn encode_source(source: &SourceFile) -> Vec<u8> {
    let name = source.name.as_bytes();
    let mut out = Vec::with_capacity(HEADER + name.len() + source.bytes.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&(name.len() as u32).to_le_bytes());
    out.extend_from_slice(&(source.bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(name);
    out.extend_from_slice(&source.bytes);
    seal(&mut out, CRC_AT);
    out
}

/// Verify and decode source slot bytes.
pub fn decode_source(bytes: &[u8]) -> Result<SourceFile, SlotDamage> {
    let slot = SlotBytes::open(bytes, MAGIC, VERSION, HEADER, &[(5, 8)])?;
    let name_len = slot.u32_at(8) as u64;
    let want = (HEADER as u64)
        .saturating_add(name_len)
        .saturating_add(slot.u64_at(12));
    slot.expect_len(want)?
        .expect_crc(CRC_AT, crc_around(bytes, CRC_AT))?;
    let name_end = HEADER + name_len as usize;
    let name = std::str::from_utf8(&bytes[HEADER..name_end])
        .map_err(|_| SlotDamage::Malformed)?
        .to_string();
    Ok(SourceFile {
        name,
        bytes: bytes[name_end..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SourceFile {
        SourceFile {
            name: "latency <b>.csv".into(),
            bytes: b"time,a\n1,2\n2,3\n".to_vec(),
        }
    }

    #[test]
    fn round_trips() {
        let s = sample();
        assert_eq!(decode_source(&encode_source(&s)), Ok(s));
        let empty = SourceFile {
            name: String::new(),
            bytes: Vec::new(),
        };
        assert_eq!(decode_source(&encode_source(&empty)), Ok(empty));
    }

    #[test]
    fn every_truncation_is_torn_and_every_bit_flip_is_caught() {
        let bytes = encode_source(&sample());
        for cut in 0..bytes.len() {
            assert_eq!(
                decode_source(&bytes[..cut]),
                Err(SlotDamage::Torn),
                "cut {cut}"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(decode_source(&b).is_err(), "flip byte {i} bit {bit}");
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_source(&longer), Err(SlotDamage::Checksum));
    }
}
