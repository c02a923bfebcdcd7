//! Encoding and integrity-checked decoding of segments and records (layout in the module
//! docs of [`crate::core::journal`]).

use serde::{Deserialize, Serialize};

use crate::core::event::{ErrorEvent, Event, MetricEvent};

/// First bytes of every segment.
pub const SEGMENT_MAGIC: [u8; 4] = *b"PSJL";
/// Format version written in every segment and checkpoint.
pub const FORMAT_VERSION: u8 = 1;
/// Bytes of the segment header (magic, version, 3 reserved zero bytes).
pub const SEGMENT_HEADER: usize = 8;
/// Bytes before a record's body: crc u32, len u32, seq u64, kind u8.
pub const RECORD_HEADER: usize = 17;
/// Longest name a catalog record may carry, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 4096;

const KIND_ERROR: u8 = 1;
const KIND_METRIC: u8 = 2;
const KIND_NAME: u8 = 3;
const ERROR_BODY: usize = 16;
const METRIC_BODY: usize = 20;
const NAME_FIXED: usize = 5;
/// `len` counts seq + kind + body; the smallest and largest values a valid record has.
const MIN_LEN: u32 = (9 + NAME_FIXED) as u32;
const MAX_LEN: u32 = (9 + NAME_FIXED + MAX_NAME_BYTES) as u32;

/// Which catalog a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NameKind {
    /// Metric series ids ([`MetricEvent::series`]).
    Series,
    /// Build ids ([`ErrorEvent::build`]).
    Build,
    /// Error-code ids ([`ErrorEvent::code`]).
    Code,
}

impl NameKind {
    fn tag(self) -> u8 {
        match self {
            NameKind::Series => 0,
            NameKind::Build => 1,
            NameKind::Code => 2,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            0 => Some(NameKind::Series),
            1 => Some(NameKind::Build),
            2 => Some(NameKind::Code),
            _ => None,
        }
    }

    /// Lower-case word for messages (`series`, `build`, `code`).
    pub fn word(self) -> &'static str {
        match self {
            NameKind::Series => "series",
            NameKind::Build => "build",
            NameKind::Code => "code",
        }
    }
}

/// One catalog entry: "series 3 is named energy_price".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Which id space.
    pub kind: NameKind,
    /// The id events carry.
    pub id: u32,
    /// The name a user reads.
    pub name: String,
}

/// What one journal record holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// A stream event.
    Event(Event),
    /// A name for an id, journaled before the first event that uses the id.
    Name(CatalogEntry),
}

/// A record with its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number (1, 2, 3, … with no gap in a healthy journal).
    pub seq: u64,
    /// The record.
    pub record: Record,
}

/// Start a segment buffer: header only.
pub fn begin_segment(buf: &mut Vec<u8>) {
    buf.extend_from_slice(&SEGMENT_MAGIC);
    buf.push(FORMAT_VERSION);
    buf.extend_from_slice(&[0, 0, 0]);
}

/// Append one event record.
#[inline]
pub fn encode_event(buf: &mut Vec<u8>, seq: u64, event: &Event) {
    match event {
        Event::Error(e) => {
            let mut body = [0u8; ERROR_BODY];
            body[0..8].copy_from_slice(&e.t_ms.to_le_bytes());
            body[8..12].copy_from_slice(&e.build.to_le_bytes());
            body[12..16].copy_from_slice(&e.code.to_le_bytes());
            encode_raw(buf, seq, KIND_ERROR, &body);
        }
        Event::Metric(m) => {
            let mut body = [0u8; METRIC_BODY];
            body[0..8].copy_from_slice(&m.t_ms.to_le_bytes());
            body[8..12].copy_from_slice(&m.series.to_le_bytes());
            body[12..20].copy_from_slice(&m.value.to_bits().to_le_bytes());
            encode_raw(buf, seq, KIND_METRIC, &body);
        }
    }
}

/// Append one catalog record; the caller has checked the name length.
pub fn encode_name(buf: &mut Vec<u8>, seq: u64, entry: &CatalogEntry) {
    let mut body = Vec::with_capacity(NAME_FIXED + entry.name.len());
    body.push(entry.kind.tag());
    body.extend_from_slice(&entry.id.to_le_bytes());
    body.extend_from_slice(entry.name.as_bytes());
    encode_raw(buf, seq, KIND_NAME, &body);
}

#[inline]
fn encode_raw(buf: &mut Vec<u8>, seq: u64, kind: u8, body: &[u8]) {
    let len = (9 + body.len()) as u32;
    let start = buf.len();
    buf.extend_from_slice(&[0; 4]);
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.push(kind);
    buf.extend_from_slice(body);
    let crc = crc32fast::hash(&buf[start + 4..]);
    buf[start..start + 4].copy_from_slice(&crc.to_le_bytes());
}

/// Why a segment stops being readable at some byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Damage {
    /// The segment header (magic, version or reserved bytes) is wrong.
    BadHeader,
    /// The segment ends inside a record: a write that did not finish.
    TornTail,
    /// A record's checksum does not match its bytes, or its length field is impossible.
    Checksum,
    /// The checksum matches but the record cannot be decoded (unknown kind, bad body).
    Malformed,
}

/// One intact record found in a segment, with its byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Byte offset of the record in the segment.
    pub offset: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// The decoded record and its sequence number.
    pub entry: Entry,
}

/// The intact prefix of a segment and, if it stops early, where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// Intact records, in stored order.
    pub records: Vec<Found>,
    /// The first damage: byte offset and kind; None when the whole segment is intact.
    pub damage: Option<(usize, Damage)>,
}

/// Read a segment's records up to the first damaged byte. Sequence order is not checked
/// here: that is the journal's job, across segments.
pub fn scan_segment(bytes: &[u8]) -> Scan {
    let mut records = Vec::new();
    if bytes.is_empty() {
        // A write that wrote nothing left nothing to repair.
        return Scan {
            records,
            damage: None,
        };
    }
    if bytes.len() < SEGMENT_HEADER {
        return Scan {
            records,
            damage: Some((0, Damage::TornTail)),
        };
    }
    if bytes[0..4] != SEGMENT_MAGIC || bytes[4] != FORMAT_VERSION || bytes[5..8] != [0, 0, 0] {
        return Scan {
            records,
            damage: Some((0, Damage::BadHeader)),
        };
    }
    // Error events are the smallest common record (33 bytes).
    records.reserve(bytes.len() / 33);
    let mut pos = SEGMENT_HEADER;
    while pos < bytes.len() {
        match decode_at(bytes, pos) {
            Ok((entry, end)) => {
                records.push(Found {
                    offset: pos,
                    end,
                    entry,
                });
                pos = end;
            }
            Err(d) => {
                return Scan {
                    records,
                    damage: Some((pos, d)),
                }
            }
        }
    }
    Scan {
        records,
        damage: None,
    }
}

/// Decode and verify the record at `pos`; returns it and the offset past it.
#[inline]
pub fn decode_at(bytes: &[u8], pos: usize) -> Result<(Entry, usize), Damage> {
    let rest = &bytes[pos..];
    if rest.len() < 8 {
        return Err(Damage::TornTail);
    }
    let len = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        // A length no writer produces: the field itself is damaged, not a short write.
        return Err(Damage::Checksum);
    }
    let total = 8 + len as usize;
    if rest.len() < total {
        return Err(Damage::TornTail);
    }
    let rec = &rest[..total];
    let stored = u32::from_le_bytes(rec[0..4].try_into().expect("4 bytes"));
    if crc32fast::hash(&rec[4..]) != stored {
        return Err(Damage::Checksum);
    }
    let seq = u64::from_le_bytes(rec[8..16].try_into().expect("8 bytes"));
    if seq == 0 {
        // Sequence numbers start at 1; 0 marks "nothing" in the API.
        return Err(Damage::Malformed);
    }
    let body = &rec[RECORD_HEADER..];
    let record = decode_body(rec[16], body).ok_or(Damage::Malformed)?;
    Ok((Entry { seq, record }, pos + total))
}

fn decode_body(kind: u8, body: &[u8]) -> Option<Record> {
    let i64_at = |i: usize| i64::from_le_bytes(body[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(body[i..i + 4].try_into().expect("4 bytes"));
    match kind {
        KIND_ERROR if body.len() == ERROR_BODY => Some(Record::Event(Event::Error(ErrorEvent {
            t_ms: i64_at(0),
            build: u32_at(8),
            code: u32_at(12),
        }))),
        KIND_METRIC if body.len() == METRIC_BODY => {
            Some(Record::Event(Event::Metric(MetricEvent {
                t_ms: i64_at(0),
                series: u32_at(8),
                value: f64::from_bits(i64_at(12) as u64),
            })))
        }
        KIND_NAME if body.len() >= NAME_FIXED => {
            let kind = NameKind::from_tag(body[0])?;
            let name = std::str::from_utf8(&body[NAME_FIXED..]).ok()?.to_string();
            Some(Record::Name(CatalogEntry {
                kind,
                id: u32_at(1),
                name,
            }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_metric_bits_are_exact() {
        let mut buf = Vec::new();
        begin_segment(&mut buf);
        let events = [
            Event::Error(ErrorEvent {
                t_ms: -5,
                build: 7,
                code: u32::MAX,
            }),
            Event::Metric(MetricEvent {
                t_ms: i64::MAX,
                series: 2,
                value: -0.0,
            }),
        ];
        encode_event(&mut buf, 1, &events[0]);
        encode_event(&mut buf, 2, &events[1]);
        let name = CatalogEntry {
            kind: NameKind::Series,
            id: 2,
            name: "energy_price €".into(),
        };
        encode_name(&mut buf, 3, &name);
        let scan = scan_segment(&buf);
        assert_eq!(scan.damage, None);
        let got: Vec<Record> = scan.records.into_iter().map(|f| f.entry.record).collect();
        assert_eq!(
            got,
            vec![
                Record::Event(events[0]),
                Record::Event(events[1]),
                Record::Name(name)
            ]
        );
        if let Record::Event(Event::Metric(m)) = &got[1] {
            assert!(m.value.is_sign_negative());
        }
    }
}
