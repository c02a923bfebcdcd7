//! Guessing the dialect (delimiter, header row) from the first bytes of a file.

use super::cell::{is_bool_word, is_missing, parse_datetime, parse_number};
use csv_core::{ReadRecordResult, ReaderBuilder};
use rustc_hash::FxHashSet;

/// Delimiters tried, in order of preference when otherwise tied.
pub const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];
/// Records of the sample looked at.
const MAX_RECORDS: usize = 1000;
/// Data rows compared with the first row when deciding on a header.
const HEADER_ROWS: usize = 200;

/// What sniffing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// Field delimiter.
    pub delimiter: u8,
    /// Whether the first record is a header.
    pub has_header: bool,
    /// The most common field count among the sample's records.
    pub fields: usize,
}

/// Records parsed from the sample: field bytes and field ends, one entry per record.
struct Records {
    rows: Vec<(Vec<u8>, Vec<usize>)>,
}

impl Records {
    fn parse(sample: &[u8], delimiter: u8, at_eof: bool) -> Records {
        let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
        let mut rows = Vec::new();
        let mut input = sample;
        let mut out = vec![0u8; 1024];
        let mut ends = vec![0usize; 64];
        let (mut nout, mut nend) = (0, 0);
        while rows.len() < MAX_RECORDS {
            let (res, nin, o, e) = rdr.read_record(input, &mut out[nout..], &mut ends[nend..]);
            input = &input[nin..];
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty => {
                    // An unterminated last record may be cut short by the sample's end: only
                    // count it when the sample is the whole file.
                    if !at_eof {
                        break;
                    }
                }
                ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    rows.push((out[..nout].to_vec(), ends[..nend].to_vec()));
                    nout = 0;
                    nend = 0;
                }
                ReadRecordResult::End => break,
            }
        }
        Records { rows }
    }

    fn cell(&self, row: usize, col: usize) -> Option<&[u8]> {
        let (out, ends) = &self.rows[row];
        let end = *ends.get(col)?;
        let start = if col == 0 { 0 } else { ends[col - 1] };
        Some(&out[start..end])
    }

    /// (most common field count, share of records having it).
    fn consistency(&self) -> (usize, f64) {
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for (_, ends) in &self.rows {
            match counts.iter_mut().find(|(n, _)| *n == ends.len()) {
                Some((_, c)) => *c += 1,
                None => counts.push((ends.len(), 1)),
            }
        }
        let (fields, freq) = counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
            .unwrap_or((0, 0));
        (fields, freq as f64 / self.rows.len().max(1) as f64)
    }
}

/// Whether the start of a file looks like a binary file rather than text: any NUL byte, or
/// many control bytes or invalid UTF-8 sequences.
pub fn looks_binary(sample: &[u8]) -> bool {
    if sample.is_empty() {
        return false;
    }
    if memchr_nul(sample) {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
        .count();
    // Count bytes in invalid UTF-8 sequences: a Latin-1 text has a few, a binary many.
    let mut invalid = 0usize;
    let mut rest = sample;
    while let Err(e) = std::str::from_utf8(rest) {
        match e.error_len() {
            Some(n) => {
                invalid += n;
                rest = &rest[e.valid_up_to() + n..];
            }
            None => break,
        }
    }
    (control + invalid) * 10 > sample.len() * 3 || control * 10 > sample.len()
}

fn memchr_nul(b: &[u8]) -> bool {
    b.contains(&0)
}

/// Coarse kind of a cell, for comparing a candidate header with the rows under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellClass {
    Number,
    Bool,
    Date,
    Text(usize),
}

fn classify(cell: &[u8]) -> Option<CellClass> {
    if is_missing(cell) {
        None
    } else if parse_number(cell).is_some() {
        Some(CellClass::Number)
    } else if is_bool_word(cell) {
        Some(CellClass::Bool)
    } else if parse_datetime(cell).is_some()
        || super::locale::parse_local_date(cell, true).is_some()
        || super::locale::parse_local_date(cell, false).is_some()
    {
        Some(CellClass::Date)
    } else if super::locale::parse_decimal_comma(cell).is_some() {
        // A locale's number (3,14) is a number to the header vote as well.
        Some(CellClass::Number)
    } else {
        Some(CellClass::Text(cell.len()))
    }
}

/// Whether the first record is a header, in the manner of Python's `csv.Sniffer.has_header`:
/// each column votes yes when its first cell differs in kind (or fixed length) from the
/// cells below it, no when it matches. Columns of varied free text vote yes when their
/// values repeat but the first cell is not among them.
fn detect_header(records: &Records, fields: usize) -> bool {
    let rows = records.rows.len();
    if rows == 0 {
        return false;
    }
    if rows == 1 {
        // Nothing to compare with: a row of distinct text labels is a header.
        let mut seen = FxHashSet::default();
        return (0..fields).all(|c| {
            records
                .cell(0, c)
                .is_some_and(|h| matches!(classify(h), Some(CellClass::Text(_))) && seen.insert(h))
        });
    }
    let data_rows = 1..rows.min(HEADER_ROWS + 1);
    let mut votes = 0i64;
    for col in 0..fields {
        let Some(head) = records.cell(0, col) else {
            continue;
        };
        let Some(head_class) = classify(head) else {
            continue;
        };
        let mut column_class: Option<CellClass> = None;
        let mut same_class = true;
        let mut same_len = true;
        let mut values: FxHashSet<&[u8]> = FxHashSet::default();
        let mut present = 0usize;
        for row in data_rows.clone() {
            if records.rows[row].1.len() != fields {
                continue;
            }
            let Some(cell) = records.cell(row, col) else {
                continue;
            };
            let Some(class) = classify(cell) else {
                continue;
            };
            present += 1;
            values.insert(cell);
            match (column_class, class) {
                (None, _) => column_class = Some(class),
                (Some(CellClass::Text(a)), CellClass::Text(b)) => same_len &= a == b,
                (Some(a), b) => {
                    same_class &= std::mem::discriminant(&a) == std::mem::discriminant(&b)
                }
            }
        }
        let Some(column_class) = column_class else {
            continue;
        };
        if !same_class {
            continue;
        }
        // A one-letter name such as "n" or "y" reads as a boolean word; over a column of
        // text it is a label like any other.
        let head_class = match (column_class, head_class) {
            (CellClass::Text(_), CellClass::Bool) => CellClass::Text(head.len()),
            (_, h) => h,
        };
        votes += match (column_class, head_class) {
            (CellClass::Text(len), CellClass::Text(hlen)) if same_len => {
                if len != hlen {
                    1
                } else {
                    -1
                }
            }
            (CellClass::Text(_), CellClass::Text(_)) => {
                if values.contains(head) {
                    -1
                } else if values.len() < present {
                    1
                } else {
                    0
                }
            }
            (CellClass::Text(_), _) => -1,
            (c, h) => {
                if std::mem::discriminant(&c) == std::mem::discriminant(&h) {
                    -1
                } else {
                    1
                }
            }
        };
    }
    votes > 0
}

/// Sniffs the dialect from `sample` (the file's first bytes, BOM removed). `at_eof` says the
/// sample is the whole file. Given options are kept as they are. None when the sample holds
/// no record at all.
pub fn sniff(
    sample: &[u8],
    at_eof: bool,
    delimiter: Option<u8>,
    has_header: Option<bool>,
) -> Option<Sniffed> {
    let candidates: Vec<u8> = match delimiter {
        Some(d) => vec![d],
        None => DELIMITERS.to_vec(),
    };
    let mut best: Option<(u8, Records, usize, f64)> = None;
    for d in candidates {
        let records = Records::parse(sample, d, at_eof);
        if records.rows.is_empty() {
            // The sample may end inside the first record (a long quoted cell): take the
            // cut-off record rather than nothing.
            if !at_eof {
                let retry = Records::parse(sample, d, true);
                if retry.rows.is_empty() {
                    continue;
                }
                let (f, c) = retry.consistency();
                if best.as_ref().is_none_or(|b| better(f, c, b.2, b.3)) {
                    best = Some((d, retry, f, c));
                }
            }
            continue;
        }
        let (fields, share) = records.consistency();
        if best
            .as_ref()
            .is_none_or(|b| better(fields, share, b.2, b.3))
        {
            best = Some((d, records, fields, share));
        }
    }
    let (delim, records, fields, _) = best?;
    // With no delimiter splitting anything, the file is one column; a comma is as good as any.
    let delimiter = if fields <= 1 && delimiter.is_none() {
        b','
    } else {
        delim
    };
    let has_header = has_header.unwrap_or_else(|| detect_header(&records, fields));
    Some(Sniffed {
        delimiter,
        has_header,
        fields,
    })
}

/// Whether a delimiter giving `fields` fields in `share` of the records beats the best so far.
/// Only splits into more than one field count; then consistency, then more fields.
fn better(fields: usize, share: f64, best_fields: usize, best_share: f64) -> bool {
    if (fields > 1) != (best_fields > 1) {
        return fields > 1;
    }
    if (share - best_share).abs() > 1e-9 {
        return share > best_share;
    }
    fields > best_fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff_all(s: &str) -> Sniffed {
        sniff(s.as_bytes(), true, None, None).unwrap()
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_all("a,b,c\n1,2,3\n").delimiter, b',');
        assert_eq!(sniff_all("a\tb\n1\t2\n").delimiter, b'\t');
        assert_eq!(sniff_all("a;b\n1,5;2\n3,5;4\n").delimiter, b';');
        assert_eq!(sniff_all("a|b|c\n1|2|3\n").delimiter, b'|');
        // A quoted delimiter does not count.
        assert_eq!(sniff_all("x;y\n\"a,b,c\";1\n\"d,e\";2\n").delimiter, b';');
        let one = sniff_all("value\n1\n2\n");
        assert_eq!((one.delimiter, one.fields), (b',', 1));
    }

    #[test]
    fn headers() {
        assert!(sniff_all("age,income\n45,100\n50,200\n").has_header);
        assert!(!sniff_all("0:00:00,5.0007.510.011,3\n0:00:01,5.0007.610.011,8\n").has_header);
        assert!(sniff_all("name,city\nann,paris\nbob,paris\ncid,rome\n").has_header);
        assert!(!sniff_all("ann,paris\nbob,paris\nann,rome\n").has_header);
        assert!(sniff_all("when,ok\n2024-01-01,yes\n2024-01-02,no\n").has_header);
        assert!(sniff_all("id,n\n1,some text\n2,more text here\n").has_header);
        assert!(sniff_all("a,b,c\n").has_header);
        assert!(!sniff_all("1,2,3\n").has_header);
    }

    #[test]
    fn binary() {
        assert!(looks_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(!looks_binary("a,b\ncaf\u{e9},1\n".as_bytes()));
        assert!(!looks_binary(b"a,b\ncaf\xe9,1\nx,2\n"));
        assert!(looks_binary(&[
            0xff, 0xfe, 0x81, 0x92, 0xa0, 0xb1, 0x41, 0xc3, 0x28, 0x90
        ]));
    }
}
