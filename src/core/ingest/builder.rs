//! Typed column storage filled one cell at a time once the column's type is known.

use super::cell::{fast_decimal, is_missing, parse_bool};
use super::locale::Reading;
use super::table::{CellPos, Column, ColumnData, ColumnType, Dictionary};
use rustc_hash::FxHashMap;

/// Cells of one column, by storage kind.
enum Store {
    Numbers(Vec<f64>),
    Bools(Vec<u8>),
    Times(Vec<f64>),
    Labels(Labels),
}

/// Dictionary encoding. Labels up to 15 bytes are looked up by a u128 made of their bytes
/// and length: one cheap hash and an integer compare instead of a string hash and memcmp,
/// which profiling showed dominating categorical columns. Missing markers are stored in
/// the index as [`Dictionary::MISSING`], so each distinct marker is recognised only once.
#[derive(Default)]
struct Labels {
    short: ShortTable,
    long: FxHashMap<Box<str>, u32>,
    dict: Dictionary,
}

/// Codes of short labels by [`short_key`]: open addressing with linear probing, keys and
/// codes side by side. Hand-written because a general map's hashing and group probing
/// cost about twice this per cell, and labels are looked up once per cell.
struct ShortTable {
    /// (key, code) per slot; [`ShortTable::EMPTY`] marks a free slot.
    slots: Vec<(u128, u32)>,
    len: usize,
    shift: u32,
}

impl Default for ShortTable {
    fn default() -> ShortTable {
        ShortTable::with_bits(6)
    }
}

impl ShortTable {
    /// Never a key: a key's top byte is a length below 16.
    const EMPTY: u128 = u128::MAX;

    fn with_bits(bits: u32) -> ShortTable {
        ShortTable {
            slots: vec![(Self::EMPTY, 0); 1 << bits],
            len: 0,
            shift: 64 - bits,
        }
    }

    #[inline]
    fn slot(&self, key: u128) -> usize {
        let mixed = key as u64 ^ ((key >> 64) as u64).rotate_left(29);
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    fn get(&self, key: u128) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        loop {
            let (k, code) = self.slots[i];
            if k == key {
                return Some(code);
            }
            if k == Self::EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, key: u128, code: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let old = std::mem::replace(self, ShortTable::with_bits(64 - self.shift + 1));
            for (k, c) in old.slots {
                if k != Self::EMPTY {
                    self.insert(k, c);
                }
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        while self.slots[i].0 != Self::EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, code);
        self.len += 1;
    }
}

/// Packs a label of at most 15 bytes, and its length, into a u128 that identifies it.
/// Overlapping word loads instead of a copy into a buffer: the copy's store-then-load
/// stalled the CPU and was the hottest spot of the whole parse.
#[inline]
fn short_key(b: &[u8]) -> u128 {
    let n = b.len();
    debug_assert!(n < 16);
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as u64;
    let (lo, hi) = if n >= 8 {
        // The last word overlaps the first; shift the overlap out.
        (
            word(0),
            word(n - 8).checked_shr(((16 - n) * 8) as u32).unwrap_or(0),
        )
    } else if n >= 4 {
        (half(0) | (half(n - 4) >> ((8 - n) * 8)) << 32, 0)
    } else {
        let mut lo = 0u64;
        for (i, &c) in b.iter().enumerate() {
            lo |= (c as u64) << (i * 8);
        }
        (lo, 0)
    };
    lo as u128 | (hi as u128) << 64 | (n as u128) << 120
}

impl Labels {
    #[inline]
    fn code(&mut self, cell: &str) -> u32 {
        let b = cell.as_bytes();
        if b.len() < 16 {
            match self.short.get(short_key(b)) {
                Some(c) => c,
                None => self.insert(cell),
            }
        } else {
            match self.long.get(cell) {
                Some(&c) => c,
                None => self.insert(cell),
            }
        }
    }

    /// First sight of a label (rare next to lookups, so kept out of the hot path).
    #[cold]
    #[inline(never)]
    fn insert(&mut self, cell: &str) -> u32 {
        let c = if is_missing(cell.as_bytes()) {
            Dictionary::MISSING
        } else {
            self.dict.values.push(cell.to_owned());
            (self.dict.values.len() - 1) as u32
        };
        if cell.len() < 16 {
            self.short.insert(short_key(cell.as_bytes()), c);
        } else {
            self.long.insert(cell.into(), c);
        }
        c
    }
}

/// One column under construction.
pub struct ColumnBuilder {
    name: String,
    kind: ColumnType,
    store: Store,
    missing: usize,
    invalid: usize,
    first_invalid: Option<CellPos>,
    reading: Reading,
    other_reading: Option<Reading>,
}

impl ColumnBuilder {
    /// An empty column of type `kind`.
    pub fn new(name: String, kind: ColumnType, capacity: usize) -> ColumnBuilder {
        let store = match kind {
            ColumnType::Numeric => Store::Numbers(Vec::with_capacity(capacity)),
            ColumnType::Boolean => Store::Bools(Vec::with_capacity(capacity)),
            ColumnType::Datetime => Store::Times(Vec::with_capacity(capacity)),
            ColumnType::Categorical | ColumnType::Text => Store::Labels(Labels {
                dict: Dictionary {
                    values: Vec::new(),
                    codes: Vec::with_capacity(capacity),
                },
                ..Labels::default()
            }),
        };
        ColumnBuilder {
            name,
            kind,
            store,
            missing: 0,
            invalid: 0,
            first_invalid: None,
            reading: Reading::Standard,
            other_reading: None,
        }
    }

    /// Reads the cells a locale's way (`other`: the reading that would fit as well).
    pub fn with_reading(mut self, reading: Reading, other: Option<Reading>) -> ColumnBuilder {
        self.reading = reading;
        self.other_reading = other;
        self
    }

    /// Appends one cell. Returns true when this is the column's first invalid cell, so the
    /// caller (which knows the line) can call [`ColumnBuilder::set_first_invalid`].
    ///
    /// Only the two common cases live here (a plain decimal in a numeric column, a label),
    /// small enough to inline into the record loop; everything else goes to `push_other`.
    #[inline(always)]
    pub fn push(&mut self, cell: &str) -> bool {
        match &mut self.store {
            // A decimal-comma column reads `1.234` as 1234, so only the standard reading
            // takes the fast path.
            Store::Numbers(v) if self.reading == Reading::Standard => {
                if let Some(x) = fast_decimal(cell.as_bytes()) {
                    v.push(x);
                    return false;
                }
            }
            Store::Labels(labels) => {
                let code = labels.code(cell);
                labels.dict.codes.push(code);
                self.missing += (code == Dictionary::MISSING) as usize;
                return false;
            }
            _ => {}
        }
        self.push_other(cell)
    }

    #[inline(never)]
    fn push_other(&mut self, cell: &str) -> bool {
        let bytes = cell.as_bytes();
        let ok = match &mut self.store {
            Store::Numbers(v) => {
                let x = self.reading.number(bytes);
                v.push(x.unwrap_or(f64::NAN));
                x.is_some()
            }
            Store::Times(v) => {
                let x = self.reading.date(bytes);
                v.push(x.unwrap_or(f64::NAN));
                x.is_some()
            }
            Store::Bools(v) => {
                let x = parse_bool(bytes);
                v.push(x.map_or(2, u8::from));
                x.is_some()
            }
            Store::Labels(_) => unreachable!("labels are handled in push"),
        };
        if ok {
            false
        } else if is_missing(bytes) {
            self.missing += 1;
            false
        } else {
            self.invalid += 1;
            self.first_invalid.is_none()
        }
    }

    /// An empty column with this one's name and type (for a part of the file parsed apart).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn empty_like(&self, capacity: usize) -> ColumnBuilder {
        ColumnBuilder::new(self.name.clone(), self.kind, capacity)
            .with_reading(self.reading, self.other_reading)
    }

    /// Appends the cells of `other`, the same column parsed from the next part of the file
    /// whose line numbers start `line_offset` lines later. Labels new to this column are
    /// added in `other`'s order of first appearance, so the result equals one sequential parse.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn append(&mut self, other: ColumnBuilder, line_offset: u64) {
        match (&mut self.store, other.store) {
            (Store::Numbers(a), Store::Numbers(b)) | (Store::Times(a), Store::Times(b)) => {
                a.extend_from_slice(&b)
            }
            (Store::Bools(a), Store::Bools(b)) => a.extend_from_slice(&b),
            (Store::Labels(a), Store::Labels(b)) => {
                // `b.dict.values` never holds a missing marker (those are coded MISSING).
                let map: Vec<u32> = b.dict.values.iter().map(|v| a.code(v)).collect();
                let codes = b.dict.codes.iter();
                a.dict.codes.extend(codes.map(|&c| {
                    if c == Dictionary::MISSING {
                        c
                    } else {
                        map[c as usize]
                    }
                }));
            }
            _ => unreachable!("parts of one column are built by empty_like with the same type"),
        }
        self.missing += other.missing;
        self.invalid += other.invalid;
        if self.first_invalid.is_none() {
            self.first_invalid = other.first_invalid.map(|p| CellPos {
                line: p.line + line_offset,
                column: p.column,
            });
        }
    }

    /// Records where the first invalid cell was.
    pub fn set_first_invalid(&mut self, line: u64) {
        self.first_invalid = Some(CellPos {
            line,
            column: self.name.clone(),
        });
    }

    /// The finished column.
    pub fn finish(self) -> Column {
        let data = match self.store {
            Store::Numbers(v) => ColumnData::Numeric(v),
            Store::Bools(v) => ColumnData::Boolean(v),
            Store::Times(v) => ColumnData::Datetime(v),
            Store::Labels(labels) => ColumnData::Labels(labels.dict),
        };
        Column {
            name: self.name,
            kind: self.kind,
            data,
            missing: self.missing,
            invalid: self.invalid,
            first_invalid: self.first_invalid,
            reading: self.reading,
            other_reading: self.other_reading,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_the_bytes_and_length() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "aaaaaaaa",
            "aaaaaaaaa",
            "abcdefghijklmno",
            "ü",
            "東京",
        ];
        for w in words {
            let mut want = [0u8; 16];
            want[..w.len()].copy_from_slice(w.as_bytes());
            want[15] = w.len() as u8;
            assert_eq!(short_key(w.as_bytes()), u128::from_le_bytes(want), "{w:?}");
        }
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn short_table_finds_every_inserted_key_through_growth() {
        let mut t = ShortTable::default();
        let labels: Vec<String> = (0..5000).map(|i| format!("svc-{i}")).collect();
        for (i, l) in labels.iter().enumerate() {
            assert_eq!(t.get(short_key(l.as_bytes())), None);
            t.insert(short_key(l.as_bytes()), i as u32);
        }
        for (i, l) in labels.iter().enumerate() {
            assert_eq!(t.get(short_key(l.as_bytes())), Some(i as u32));
        }
        assert_eq!(t.get(short_key(b"svc-5000")), None);
    }
}
