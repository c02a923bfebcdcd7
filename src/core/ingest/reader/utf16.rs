//! UTF-16 files (Excel's "Unicode text", PowerShell's default) decoded to UTF-8 as they
//! arrive, so everything after reads one encoding. std's `char::decode_utf16` does the
//! decoding; this only carries a split code unit or surrogate pair between chunks.

use crate::core::ingest::error::IngestError;

/// A streaming UTF-16 to UTF-8 decoder for one byte order.
pub(super) struct Utf16Stream {
    big_endian: bool,
    /// Bytes of an unfinished code unit or of a high surrogate waiting for its pair.
    carry: Vec<u8>,
    /// File offset of the first byte in `carry`.
    carry_offset: u64,
    /// Whether the byte order mark was dropped.
    started: bool,
}

impl Utf16Stream {
    /// A decoder for the byte order the mark at the start of the file names.
    pub(super) fn new(big_endian: bool) -> Utf16Stream {
        Utf16Stream {
            big_endian,
            carry: Vec::new(),
            carry_offset: 0,
            started: false,
        }
    }

    /// Decodes `chunk` (appending to `out`); `last` says no bytes follow.
    pub(super) fn decode(
        &mut self,
        chunk: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), IngestError> {
        let base = self.carry_offset;
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        let mut units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| {
                if self.big_endian {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        let mut keep = bytes.len() % 2;
        if !last && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            units.pop();
            keep += 2;
        }
        if last && keep > 0 {
            return Err(IngestError::InvalidUtf16 {
                offset: base + bytes.len() as u64 - keep as u64,
            });
        }
        let mut skip = 0;
        if !self.started && !units.is_empty() {
            self.started = true;
            skip = usize::from(units[0] == 0xFEFF);
        }
        let mut at = skip;
        for c in char::decode_utf16(units[skip..].iter().copied()) {
            match c {
                Ok(c) => {
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    at += c.len_utf16();
                }
                Err(_) => {
                    return Err(IngestError::InvalidUtf16 {
                        offset: base + 2 * at as u64,
                    })
                }
            }
        }
        self.carry = bytes[bytes.len() - keep..].to_vec();
        self.carry_offset = base + (bytes.len() - keep) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn decodes_across_any_split_including_inside_a_surrogate_pair() {
        let text = "a;b\nçà;😀x\n";
        for big_endian in [false, true] {
            let bytes = encode(text, big_endian);
            for size in 1..=bytes.len() {
                let mut d = Utf16Stream::new(big_endian);
                let mut out = Vec::new();
                let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
                for (i, c) in chunks.iter().enumerate() {
                    d.decode(c, i + 1 == chunks.len(), &mut out).unwrap();
                }
                assert_eq!(String::from_utf8(out).unwrap(), text, "chunks of {size}");
            }
        }
    }

    #[test]
    fn a_lone_surrogate_or_an_odd_byte_is_an_error_with_its_offset() {
        let mut bytes = encode("ab", false);
        bytes.extend([0x00, 0xDC]);
        let mut out = Vec::new();
        let err = Utf16Stream::new(false)
            .decode(&bytes, true, &mut out)
            .unwrap_err();
        assert_eq!(err, IngestError::InvalidUtf16 { offset: 6 });
        let err = Utf16Stream::new(false)
            .decode(&encode("ab", false)[..5], true, &mut out)
            .unwrap_err();
        assert_eq!(err, IngestError::InvalidUtf16 { offset: 4 });
    }
}
