//! How the stream's player ran (its speed, and whether it was running), stored beside the
//! journal in a fourth slot so a recovered stream comes back at the user's speed.
//!
//! It is its own small slot rather than part of a checkpoint: a speed change or a pause
//! writes 24 bytes with the next flush, instead of a checkpoint of the whole analysis that
//! would pin the recovered state to the paused clock (between two ticks) while batches
//! still wait for the disk.
//!
//! # Player slot layout (integers little-endian)
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `PSPL` |
//! | 4 | 1 | format version, 1 |
//! | 5 | 1 | speed kind: 0 times, 1 max |
//! | 6 | 1 | running: 0 or 1 |
//! | 7 | 1 | reserved, 0 |
//! | 8 | 8 | stream ms per wall ms (f64; 0 for max) |
//! | 16 | 4 | CRC-32 of bytes 0..16 |
//! | 20 | 4 | reserved, 0 |

use super::checkpoint::SlotDamage;
use super::slot::SlotBytes;
use crate::core::stream::Speed;

const MAGIC: [u8; 4] = *b"PSPL";
const VERSION: u8 = 1;
const LEN: usize = 24;

/// Slot of the player's state in a [`super::JournalStore`] (after the source file).
pub const PLAYER_SLOT: usize = 3;

/// How the player ran when it was last changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerState {
    /// Stream time per wall time.
    pub speed: Speed,
    /// Whether the clock was running.
    pub playing: bool,
}

/// Serialize the player's state into slot bytes.
///
/// ```
/// use pipescope::core::journal::{decode_player, encode_player, PlayerState};
/// use pipescope::core::stream::Speed;
/// let s = PlayerState { speed: Speed::Times(60.0), playing: true };
/// assert_eq!(decode_player(&encode_player(&s)), Ok(s));
/// ```
pub fn encode_player(state: &PlayerState) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEN);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    let (kind, x) = match state.speed {
        Speed::Times(x) => (0u8, x),
        Speed::Max => (1, 0.0),
    };
    out.push(kind);
    out.push(u8::from(state.playing));
    out.push(0);
    out.extend_from_slice(&x.to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out
}

/// Verify and decode player slot bytes.
pub fn decode_player(bytes: &[u8]) -> Result<PlayerState, SlotDamage> {
    let slot = SlotBytes::open(bytes, MAGIC, VERSION, LEN, &[(7, 8), (20, 24)])?
        .expect_len(LEN as u64)?
        // The CRC covers the fields before it only (the reserved tail is checked as zero).
        .expect_crc(16, crc32fast::hash(&bytes[..16]))?;
    let x = slot.f64_at(8);
    let speed = match bytes[5] {
        0 if x.is_finite() && x > 0.0 => Speed::Times(x),
        1 => Speed::Max,
        _ => return Err(SlotDamage::Malformed),
    };
    let playing = match bytes[6] {
        0 => false,
        1 => true,
        _ => return Err(SlotDamage::Malformed),
    };
    Ok(PlayerState { speed, playing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_offered_speed() {
        for speed in Speed::CHOICES {
            for playing in [false, true] {
                let s = PlayerState { speed, playing };
                assert_eq!(decode_player(&encode_player(&s)), Ok(s));
            }
        }
    }

    #[test]
    fn every_truncation_is_torn_and_every_bit_flip_is_caught() {
        let bytes = encode_player(&PlayerState {
            speed: Speed::Times(300.0),
            playing: true,
        });
        for cut in 0..bytes.len() {
            assert_eq!(
                decode_player(&bytes[..cut]),
                Err(SlotDamage::Torn),
                "cut {cut}"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(decode_player(&b).is_err(), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn a_speed_that_is_not_one_is_malformed() {
        let mut b = encode_player(&PlayerState {
            speed: Speed::Times(1.0),
            playing: false,
        });
        b[8..16].copy_from_slice(&(-3.0f64).to_le_bytes());
        let crc = crc32fast::hash(&b[..16]);
        b[16..20].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(decode_player(&b), Err(SlotDamage::Malformed));
    }
}
