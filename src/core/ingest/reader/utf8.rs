//! UTF-8 validation of a file that arrives in chunks split anywhere.

/// Checks UTF-8 across chunk boundaries: a multi-byte character may be split between two
/// pushes, so its first bytes are carried over.
#[derive(Default)]
pub(super) struct Utf8Stream {
    carry: [u8; 4],
    carry_len: usize,
    carry_offset: u64,
}

impl Utf8Stream {
    /// Checks `data`, which starts at file offset `base`. Err holds the file offset of the
    /// first byte that is not UTF-8.
    pub(super) fn check(&mut self, data: &[u8], base: u64) -> Result<(), u64> {
        let mut start = 0;
        if self.carry_len > 0 {
            let width = match self.carry[0] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let take = (width - self.carry_len).min(data.len());
            let mut tmp = self.carry;
            tmp[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            let len = self.carry_len + take;
            match std::str::from_utf8(&tmp[..len]) {
                Ok(_) => self.carry_len = 0,
                Err(e) if e.error_len().is_none() && len < width => {
                    self.carry = tmp;
                    self.carry_len = len;
                    return Ok(());
                }
                Err(_) => return Err(self.carry_offset),
            }
            start = take;
        }
        let rest = &data[start..];
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) => {
                let at = base + (start + e.valid_up_to()) as u64;
                match e.error_len() {
                    Some(_) => Err(at),
                    None => {
                        let tail = &rest[e.valid_up_to()..];
                        self.carry[..tail.len()].copy_from_slice(tail);
                        self.carry_len = tail.len();
                        self.carry_offset = at;
                        Ok(())
                    }
                }
            }
        }
    }

    /// Err when the file ended inside a multi-byte character.
    pub(super) fn finish(&self) -> Result<(), u64> {
        if self.carry_len > 0 {
            Err(self.carry_offset)
        } else {
            Ok(())
        }
    }
}
