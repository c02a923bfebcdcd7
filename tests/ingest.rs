//! CSV ingest as a user meets it: dialects, headers, quoting, types, bad input, real files.

use pipescope::core::ingest::{
    read_bytes, read_path, CellPos, ColumnData, ColumnType, Ingest, IngestError, IngestOptions,
    Table, TextEncoding,
};
use std::path::Path;

const BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);
const ERRORS_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);

fn read(s: &str) -> Table {
    read_bytes(s.as_bytes(), &IngestOptions::default()).unwrap()
}

fn read_err(bytes: &[u8]) -> IngestError {
    read_bytes(bytes, &IngestOptions::default()).unwrap_err()
}

fn numbers(t: &Table, name: &str) -> Vec<f64> {
    match &t.column(name).unwrap().data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.clone(),
        other => panic!("{name} is not numeric: {other:?}"),
    }
}

fn labels(t: &Table, name: &str) -> Vec<Option<String>> {
    match &t.column(name).unwrap().data {
        ColumnData::Labels(d) => (0..t.rows).map(|r| d.get(r).map(str::to_owned)).collect(),
        other => panic!("{name} is not labels: {other:?}"),
    }
}

fn names(t: &Table) -> Vec<&str> {
    t.columns.iter().map(|c| c.name.as_str()).collect()
}

fn kinds(t: &Table) -> Vec<ColumnType> {
    t.columns.iter().map(|c| c.kind).collect()
}

/// Tables compare equal with NaN cells equal too (missing numbers are NaN).
fn same(a: &Table, b: &Table) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Feeds `bytes` split at the given chunk sizes (cycled), then finishes.
fn read_chunked(bytes: &[u8], sizes: &mut dyn FnMut() -> usize) -> Result<Table, IngestError> {
    let mut ingest = Ingest::new(IngestOptions::default());
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = sizes().clamp(1, rest.len());
        ingest.push(&rest[..n])?;
        if n.is_multiple_of(3) {
            // An empty push is not the end of the file.
            ingest.push(&[])?;
        }
        rest = &rest[n..];
    }
    ingest.finish()
}

/// Small deterministic generator for split points (no rand crate needed for this).
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A file past the sniff buffer and the inference sample, with quotes, CRLF, a BOM,
/// multi-byte text, missing cells and one ragged row.
fn mixed_file(rows: usize) -> Vec<u8> {
    let mut s = String::from("\u{feff}id,price,city,note,when,ok\r\n");
    for i in 0..rows {
        let city = ["Zürich", "São Paulo", "Kraków", "東京"][i % 4];
        let price = if i % 97 == 0 {
            "NA".to_string()
        } else {
            format!("{}.{}", i % 500, i % 10)
        };
        let note = if i % 50 == 0 {
            format!("\"line one\r\nsaid \"\"hi\"\", {i}\"")
        } else {
            format!("n{}", i % 3)
        };
        let day = 1 + i % 28;
        s.push_str(&format!(
            "{i},{price},{city},{note},2024-02-{day:02}T10:00:00Z,{}\r\n",
            if i % 2 == 0 { "yes" } else { "no" }
        ));
        if i == 10_500 {
            s.push_str("ragged,row\r\n");
        }
    }
    s.into_bytes()
}

#[test]
fn comma_file_with_header_gets_types_and_names() {
    let t = read("name,age,joined,member,score\nann,31,2020-01-05,yes,1.5\nbob,NA,2021-03-04,no,\nann,40,2022-12-31,yes,-2e3\n");
    assert_eq!(t.dialect.delimiter, b',');
    assert!(t.dialect.has_header);
    assert_eq!(names(&t), ["name", "age", "joined", "member", "score"]);
    assert_eq!(
        kinds(&t),
        [
            ColumnType::Categorical,
            ColumnType::Numeric,
            ColumnType::Datetime,
            ColumnType::Boolean,
            ColumnType::Numeric
        ]
    );
    assert_eq!(t.rows, 3);
    let age = numbers(&t, "age");
    assert_eq!(age[0], 31.0);
    assert!(age[1].is_nan());
    assert_eq!(t.column("age").unwrap().missing, 1);
    assert_eq!(numbers(&t, "score")[2], -2000.0);
    assert_eq!(numbers(&t, "joined")[0], 1_578_182_400.0);
    assert_eq!(
        t.column("member").unwrap().data,
        ColumnData::Boolean(vec![1, 0, 1])
    );
}

#[test]
fn each_delimiter_is_sniffed() {
    for d in [',', '\t', ';', '|'] {
        let text = format!("a{d}b{d}c\n1{d}x{d}2.5\n3{d}y{d}4\n5{d}x{d}6\n");
        let t = read(&text);
        assert_eq!(t.dialect.delimiter, d as u8, "delimiter {d:?}");
        assert_eq!(names(&t), ["a", "b", "c"]);
        assert_eq!(numbers(&t, "c"), [2.5, 4.0, 6.0]);
    }
    // Decimal commas in a semicolon file do not fool the sniffer, and read as numbers.
    let t = read("price;kind\n1,5;a\n2,5;b\n3,0;a\n");
    assert_eq!(t.dialect.delimiter, b';');
    assert_eq!(numbers(&t, "price"), [1.5, 2.5, 3.0]);
    let price = t.column("price").unwrap();
    assert_eq!(
        price.reading,
        pipescope::core::ingest::locale::Reading::DecimalComma
    );
    assert_eq!(price.other_reading, None, "2,5 cannot group thousands");
}

#[test]
fn given_dialect_overrides_sniffing() {
    let opts = IngestOptions::builder()
        .delimiter(Some(b';'))
        .has_header(Some(false))
        .build()
        .unwrap();
    let t = read_bytes(b"a,b;c\nd,e;f\n", &opts).unwrap();
    assert_eq!(names(&t), ["column_1", "column_2"]);
    assert_eq!(labels(&t, "column_1")[0].as_deref(), Some("a,b"));
    assert_eq!(t.rows, 2);
}

#[test]
fn headerless_file_names_columns() {
    let t = read("1,2.5,x\n3,4.5,y\n5,6.5,x\n");
    assert!(!t.dialect.has_header);
    assert_eq!(names(&t), ["column_1", "column_2", "column_3"]);
    assert_eq!(numbers(&t, "column_1"), [1.0, 3.0, 5.0]);
}

#[test]
fn duplicate_and_empty_header_names_become_unique() {
    let t = read("a,a,,b,a\nx,1,2,3,4\ny,5,6,7,8\n");
    assert_eq!(names(&t), ["a", "a_2", "column_3", "b", "a_3"]);
}

#[test]
fn bom_and_crlf_change_nothing() {
    let lf = read("id,value\n1,a\n2,b\n");
    let crlf = read_bytes(
        b"\xEF\xBB\xBFid,value\r\n1,a\r\n2,b\r\n",
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!(names(&crlf), ["id", "value"]);
    assert_eq!(lf.columns, crlf.columns);
    assert_eq!(crlf.rows, 2);
}

#[test]
fn quotes_hold_delimiters_newlines_and_doubled_quotes() {
    let text = "id,text\n1,\"a, b\"\n2,\"two\nlines\"\n3,\"say \"\"hi\"\"\"\n4,\"x\",extra\n5,<script>alert(1)</script>\n";
    let t = read(text);
    assert_eq!(t.rows, 4);
    assert_eq!(
        labels(&t, "text"),
        [
            Some("a, b"),
            Some("two\nlines"),
            Some("say \"hi\""),
            Some("<script>alert(1)</script>")
        ]
        .map(|s| s.map(str::to_owned))
    );
    // The quoted newline on line 3-4 pushes the ragged row to line 6.
    assert_eq!(t.skipped.count, 1);
    assert_eq!(t.skipped.lines, [6]);
}

#[test]
fn line_numbers_follow_quoted_newlines_with_crlf() {
    let text = "id,text,n\r\n1,\"a\r\nb\r\nc\",1\r\n2,x,5\r\n3,y\r\n";
    let t = read(text);
    assert_eq!(t.skipped.lines, [6]);
    let err = read_err(b"id,n\r\n1,\"a\r\nb\"\r\n2,x\xff\r\n");
    assert_eq!(
        err,
        IngestError::InvalidUtf8 {
            line: 4,
            column: "n".into(),
            offset: 19
        }
    );
}

#[test]
fn missing_markers_are_counted_per_column() {
    let t = read("a,b,c\n1,x,\nNA,null,2\n n/a ,NaN,N/A\n4,y,3\n");
    assert_eq!(t.column("a").unwrap().missing, 2);
    assert_eq!(t.column("b").unwrap().missing, 2);
    assert_eq!(t.column("c").unwrap().missing, 2);
    assert_eq!(
        labels(&t, "b"),
        [Some("x".into()), None, None, Some("y".into())]
    );
}

#[test]
fn inference_of_each_type() {
    let mut s = String::from("num,flag,bits,when,cat,text,dur\n");
    for i in 0..200 {
        s.push_str(&format!(
            "{},{},{},2024-01-{:02} 08:{:02}:00,{},free text {i},0:{:02}:{:02}\n",
            i as f64 / 3.0,
            ["true", "false", "T", "f"][i % 4],
            i % 2,
            1 + i % 28,
            i % 60,
            ["red", "green", "blue"][i % 3],
            i / 60,
            i % 60
        ));
    }
    let t = read(&s);
    assert_eq!(
        kinds(&t),
        [
            ColumnType::Numeric,
            ColumnType::Boolean,
            ColumnType::Numeric,
            ColumnType::Datetime,
            ColumnType::Categorical,
            ColumnType::Text,
            ColumnType::Text,
        ]
    );
    assert_eq!(
        numbers(&t, "when")[1],
        1_704_067_200.0 + 86_400.0 + 8.0 * 3600.0 + 60.0
    );
    match &t.column("cat").unwrap().data {
        ColumnData::Labels(d) => assert_eq!(d.values, ["red", "green", "blue"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cells_not_fitting_the_inferred_type_are_invalid_with_position() {
    // Past the 10,000-row sample the type is fixed; a stray label becomes invalid.
    let mut s = String::from("v,w\n");
    for i in 0..12_000 {
        if i == 11_000 {
            s.push_str("oops,1\n");
        } else {
            s.push_str(&format!("{i},1\n"));
        }
    }
    let t = read(&s);
    let v = t.column("v").unwrap();
    assert_eq!(v.kind, ColumnType::Numeric);
    assert_eq!((v.invalid, v.missing), (1, 0));
    assert_eq!(
        v.first_invalid,
        Some(CellPos {
            line: 11_002,
            column: "v".into()
        })
    );
    assert!(numbers(&t, "v")[11_000].is_nan());
}

#[test]
fn type_overrides_win_over_inference() {
    let text = "code,label\n1,a\n2,b\nx,c\n4,\n";
    let opts = IngestOptions::builder()
        .column_type("code", ColumnType::Numeric)
        .column_type("label", ColumnType::Numeric)
        .build()
        .unwrap();
    let t = read_bytes(text.as_bytes(), &opts).unwrap();
    let code = t.column("code").unwrap();
    assert_eq!(code.kind, ColumnType::Numeric);
    assert_eq!(code.invalid, 1);
    assert_eq!(
        code.first_invalid,
        Some(CellPos {
            line: 4,
            column: "code".into()
        })
    );
    let label = t.column("label").unwrap();
    assert_eq!((label.invalid, label.missing), (3, 1));
    let opts = IngestOptions::builder()
        .column_type("code", ColumnType::Text)
        .build()
        .unwrap();
    let t = read_bytes(text.as_bytes(), &opts).unwrap();
    assert_eq!(labels(&t, "code")[2].as_deref(), Some("x"));
    let opts = IngestOptions::builder()
        .column_type("nope", ColumnType::Text)
        .build()
        .unwrap();
    let err = read_bytes(text.as_bytes(), &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no column named 'nope' to set the type of; the columns are: code, label"
    );
}

#[test]
fn ragged_rows_are_skipped_with_lines_and_good_rows_kept() {
    let mut s = String::from("id,kind,tag\n");
    for i in 0..300 {
        if i % 2 == 1 {
            s.push_str("1,2\n");
        } else {
            s.push_str(&format!("{i},x,y\n"));
        }
    }
    s.push('\n');
    let t = read(&s);
    assert_eq!(t.rows, 150);
    assert_eq!(t.skipped.count, 150);
    assert_eq!(t.skipped.lines.len(), 100);
    assert_eq!(&t.skipped.lines[..3], [3, 5, 7]);
    assert_eq!(numbers(&t, "id")[1], 2.0);
}

#[test]
fn trailing_empty_line_is_not_a_row() {
    assert_eq!(read("a,b\n1,2\n\n").rows, 1);
    assert_eq!(read("a,b\n1,2").rows, 1);
    assert_eq!(read("a,b\r\n1,2\r\n\r\n").rows, 1);
}

#[test]
fn hostile_cells_are_stored_verbatim() {
    let t = read("id,cell\n1,=HYPERLINK(\"http://x\")\n2,<b onclick=x>hi</b>\n3,'@SUM(A1)\n");
    assert_eq!(
        labels(&t, "cell"),
        [
            Some("=HYPERLINK(\"http://x\")"),
            Some("<b onclick=x>hi</b>"),
            Some("'@SUM(A1)")
        ]
        .map(|s| s.map(str::to_owned))
    );
}

#[test]
fn empty_file_is_an_error() {
    for input in [&b""[..], b"\n\n", b"\xEF\xBB\xBF", b"  \r\n"] {
        let err = read_err(input);
        assert_eq!(err, IngestError::Empty, "{input:?}");
        assert_eq!(
            err.to_string(),
            "the file is empty: there are no rows to read"
        );
    }
}

#[test]
fn header_only_says_how_many_columns() {
    let err = read_err(b"name,age,city\n");
    assert_eq!(err, IngestError::HeaderOnly { columns: 3 });
    assert_eq!(
        err.to_string(),
        "the file has a header row (3 columns) but no data rows"
    );
    let opts = IngestOptions::builder()
        .has_header(Some(true))
        .build()
        .unwrap();
    assert_eq!(
        read_bytes(b"x,1\n", &opts).unwrap_err(),
        IngestError::HeaderOnly { columns: 2 }
    );
}

#[test]
fn invalid_utf8_reports_line_column_offset() {
    let err = read_err(b"a,b\n1,ok\n2,caf\xe9\n");
    assert_eq!(
        err,
        IngestError::InvalidUtf8 {
            line: 3,
            column: "b".into(),
            offset: 14
        }
    );
    assert_eq!(
        err.to_string(),
        "line 3, column 'b': invalid UTF-8 at byte offset 14; re-save the file as UTF-8 and load it again"
    );
    // Truncated at the very end of the file.
    let err = read_err("a,b\n1,caf\u{e9}".as_bytes().split_last().unwrap().1);
    assert_eq!(
        err,
        IngestError::InvalidUtf8 {
            line: 2,
            column: "b".into(),
            offset: 9
        }
    );
}

#[test]
fn invalid_utf8_after_the_sniff_buffer_is_found_in_any_chunking() {
    let mut bytes = mixed_file(12_000);
    let tail = bytes.len() - 200;
    let at = tail
        + bytes[tail..]
            .windows(10)
            .rposition(|w| w == b"T10:00:00Z")
            .unwrap()
        + 1;
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    bytes[at] = 0xC3; // starts a 2-byte character...
    bytes[at + 1] = b','; // ...that is cut short
    let whole = read_err(&bytes);
    match &whole {
        IngestError::InvalidUtf8 {
            line: l, offset, ..
        } => {
            assert_eq!((*l, *offset), (line, at as u64));
        }
        other => panic!("{other:?}"),
    }
    let mut rng = XorShift(7);
    assert_eq!(
        read_chunked(&bytes, &mut || (rng.next() % 5000) as usize).unwrap_err(),
        whole
    );
    assert_eq!(read_chunked(&bytes, &mut || 1).unwrap_err(), whole);
}

#[test]
fn binary_file_is_refused() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8));
    let err = read_err(&png);
    assert_eq!(err, IngestError::Binary);
    assert!(err
        .to_string()
        .starts_with("this looks like a binary file, not CSV or TSV"));
}

#[test]
fn too_large_is_refused_as_bytes_arrive() {
    let opts = IngestOptions::builder()
        .max_bytes(Some(10))
        .build()
        .unwrap();
    let err = read_bytes(b"a,b\n1,2\n3,4\n", &opts).unwrap_err();
    assert_eq!(
        err,
        IngestError::TooLarge {
            bytes: 12,
            limit: 10
        }
    );
    let mut ingest = Ingest::new(opts);
    ingest.push(b"a,b\n1,2\n").unwrap();
    assert!(matches!(
        ingest.push(b"3,4\n"),
        Err(IngestError::TooLarge { .. })
    ));
    let big = IngestError::TooLarge {
        bytes: 250_000_000,
        limit: 100_000_000,
    };
    assert_eq!(
        big.to_string(),
        "the file is too large: 250.0 MB read, over the limit of 100.0 MB; load a smaller file or a sample of it"
    );
}

#[test]
fn every_row_ragged_is_an_error() {
    let opts = IngestOptions::builder()
        .has_header(Some(true))
        .build()
        .unwrap();
    let err = read_bytes(b"a,b,c\n1,2\n3,4\n", &opts).unwrap_err();
    assert_eq!(
        err,
        IngestError::AllRowsRagged {
            expected: 3,
            skipped: 2,
            first_line: 2,
            found: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "every row was skipped (2 rows): the header has 3 fields but line 2 has 2; check the delimiter and the header row"
    );
}

#[test]
fn io_error_names_the_path() {
    let err = read_path(
        Path::new("/nonexistent/file.csv"),
        &IngestOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("could not read '/nonexistent/file.csv': "),
        "{err}"
    );
}

#[test]
fn chunk_splits_do_not_change_the_table() {
    let bytes = mixed_file(12_000);
    let whole = read_bytes(&bytes, &IngestOptions::default()).unwrap();
    assert_eq!(whole.rows, 12_000);
    assert_eq!(whole.skipped.lines, [10_503 + 211]);
    assert_eq!(names(&whole), ["id", "price", "city", "note", "when", "ok"]);
    assert_eq!(
        kinds(&whole),
        [
            ColumnType::Numeric,
            ColumnType::Numeric,
            ColumnType::Categorical,
            ColumnType::Categorical,
            ColumnType::Datetime,
            ColumnType::Boolean
        ]
    );
    assert_eq!(
        labels(&whole, "note")[50].as_deref(),
        Some("line one\r\nsaid \"hi\", 50")
    );
    let one = read_chunked(&bytes, &mut || 1).unwrap();
    assert!(same(&whole, &one));
    for seed in [1, 2, 3] {
        let mut rng = XorShift(seed * 0x9E37_79B9);
        let random = read_chunked(&bytes, &mut || (rng.next() % 70_000) as usize).unwrap();
        assert!(same(&whole, &random), "seed {seed}");
    }
}

#[test]
fn progress_reports_bytes_and_rows() {
    let bytes = mixed_file(12_000);
    let mut ingest = Ingest::new(IngestOptions::default());
    let half = bytes.len() / 2;
    ingest.push(&bytes[..half]).unwrap();
    let p = ingest.progress();
    assert_eq!(p.bytes, half as u64);
    assert!(p.rows > 1000 && p.rows < 12_000, "{p:?}");
    ingest.push(&bytes[half..]).unwrap();
    assert_eq!(ingest.progress().skipped, 1);
    assert_eq!(ingest.finish().unwrap().rows, 12_000);
}

#[test]
fn bank_churners() {
    let t = read_path(Path::new(BANK), &IngestOptions::default()).unwrap();
    assert_eq!(t.dialect.delimiter, b',');
    assert!(t.dialect.has_header);
    assert_eq!(t.rows, 10_127);
    assert_eq!(t.columns.len(), 23);
    assert_eq!(t.skipped.count, 0);
    let age = t.column("Customer_Age").unwrap();
    assert_eq!(age.kind, ColumnType::Numeric);
    assert_eq!((age.missing, age.invalid), (0, 0));
    assert_eq!(numbers(&t, "Customer_Age")[0], 45.0);
    let income = t.column("Income_Category").unwrap();
    assert_eq!(income.kind, ColumnType::Categorical);
    match &income.data {
        ColumnData::Labels(d) => {
            let mut v = d.values.clone();
            v.sort();
            assert_eq!(
                v,
                [
                    "$120K +",
                    "$40K - $60K",
                    "$60K - $80K",
                    "$80K - $120K",
                    "Less than $40K",
                    "Unknown"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.column("Credit_Limit").unwrap().kind, ColumnType::Numeric);
    let bytes = std::fs::read(BANK).unwrap();
    assert_eq!(t.bytes, bytes.len() as u64);
    let mut rng = XorShift(42);
    assert!(same(
        &t,
        &read_chunked(&bytes, &mut || (rng.next() % 3000) as usize).unwrap()
    ));
}

#[test]
fn error_stream_has_no_header() {
    let t = read_path(Path::new(ERRORS_A), &IngestOptions::default()).unwrap();
    assert!(!t.dialect.has_header);
    assert_eq!(names(&t), ["column_1", "column_2", "column_3"]);
    assert_eq!(t.rows, 14_000);
    assert_eq!(t.skipped.count, 0);
    assert_ne!(t.column("column_1").unwrap().kind, ColumnType::Datetime);
    assert_eq!(t.column("column_2").unwrap().kind, ColumnType::Categorical);
    assert_eq!(t.column("column_3").unwrap().kind, ColumnType::Numeric);
    assert_eq!(labels(&t, "column_1")[0].as_deref(), Some("0:00:00"));
    assert_eq!(labels(&t, "column_2")[0].as_deref(), Some("5.0007.510.011"));
    assert_eq!(numbers(&t, "column_3")[0], 3.0);
}

/// Throughput against the csv crate merely reading records. Run with
/// `cargo test --release --test ingest -- --ignored --nocapture bench`.
#[test]
#[ignore]
fn bench_against_csv_crate() {
    use std::io::Write;
    use std::time::Instant;
    let path = match std::env::var("BENCH_PATH") {
        Ok(p) => std::path::PathBuf::from(p),
        Err(_) => std::env::temp_dir().join("pipescope-ingest-bench.csv"),
    };
    if !path.exists() {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(w, "id,amount,count,ratio,region,product,channel,status").unwrap();
        let mut rng = XorShift(12345);
        let regions = ["north", "south", "east", "west", "central"];
        let products = [
            "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
        ];
        let channels = ["web", "store", "phone"];
        let statuses = ["ok", "late", "failed", "refunded"];
        let mut i = 0u64;
        while i < 1_800_000 {
            let r = rng.next();
            writeln!(
                w,
                "{i},{}.{:02},{},{:.6},{},{},{},{}",
                r % 100_000,
                (r >> 20) % 100,
                (r >> 30) % 1000,
                (r >> 8) as f64 / (1u64 << 56) as f64,
                regions[(r >> 40) as usize % 5],
                products[(r >> 44) as usize % 8],
                channels[(r >> 50) as usize % 3],
                statuses[(r >> 54) as usize % 4],
            )
            .unwrap();
            i += 1;
        }
    }
    let mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    let time = |f: &mut dyn FnMut()| {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    };
    if std::env::var("BENCH_ONLY_INGEST").is_ok() {
        // For profiling our side alone.
        let ours = time(&mut || drop(read_path(&path, &IngestOptions::default()).unwrap()));
        println!("ingest {ours:.3}s ({:.0} MB/s)", mb / ours);
        return;
    }
    let only_csv = std::env::var("BENCH_ONLY_CSV").is_ok();
    let csv_secs = time(&mut || {
        let mut rdr = csv::ReaderBuilder::new().from_path(&path).unwrap();
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while rdr.read_byte_record(&mut rec).unwrap() {
            n += 1;
        }
        assert!(n > 0);
    });
    if only_csv {
        println!("csv {csv_secs:.3}s");
        return;
    }
    let ours = time(&mut || {
        let t = read_path(&path, &IngestOptions::default()).unwrap();
        assert_eq!(t.columns.len(), 8);
    });
    println!(
        "file {mb:.1} MB: csv ByteRecord {csv_secs:.3}s ({:.0} MB/s); ingest {ours:.3}s ({:.0} MB/s); ratio {:.2}x",
        mb / csv_secs,
        mb / ours,
        ours / csv_secs
    );
}

/// `BankChurners.csv` with the first `,` of each given line turned into `,"`: the stray
/// quotes a hand edit or a broken export leaves.
fn bank_with_stray_quotes(lines: &[usize]) -> Vec<u8> {
    let text = std::fs::read_to_string(BANK).unwrap();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if lines.contains(&(i + 1)) {
            out.push_str(&line.replacen(',', ",\"", 1));
        } else {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

fn read_in_chunks_with(
    bytes: &[u8],
    size: usize,
    options: &IngestOptions,
) -> Result<Table, IngestError> {
    let mut ingest = Ingest::new(options.clone());
    for chunk in bytes.chunks(size) {
        ingest.push(chunk)?;
    }
    ingest.finish()
}

#[test]
fn a_stray_quote_that_runs_to_the_end_is_reported_with_its_line_not_a_skipped_row() {
    let bytes = bank_with_stray_quotes(&[101]);
    for size in [usize::MAX, 4096, 777] {
        let err = read_in_chunks_with(&bytes, size, &IngestOptions::default()).unwrap_err();
        let IngestError::RunawayQuote(r) = &err else {
            panic!("chunks of {size}: {err:?}");
        };
        assert_eq!((r.line, r.to_end), (101, true), "chunks of {size}");
        assert!(r.rows >= 10_000, "{r:?}");
        assert!(err.to_string().contains("line 101"), "{err}");
    }
    // The offered reading keeps every row.
    let literal = IngestOptions::builder()
        .literal_quotes_from(Some(101))
        .build()
        .unwrap();
    for size in [usize::MAX, 777] {
        let t = read_in_chunks_with(&bytes, size, &literal).unwrap();
        assert_eq!((t.rows, t.skipped.count), (10_127, 0), "chunks of {size}");
        assert_eq!(
            labels(&t, "Attrition_Flag")[99].as_deref(),
            Some("\"Attrited Customer")
        );
    }
}

#[test]
fn a_second_stray_quote_closing_the_first_still_cannot_hide_the_rows_between() {
    // The field count comes out right by chance; 198 whole rows sit inside the cell.
    let bytes = bank_with_stray_quotes(&[101, 300]);
    match read_bytes(&bytes, &IngestOptions::default()).unwrap_err() {
        IngestError::RunawayQuote(r) => {
            assert_eq!((r.line, r.lines, r.to_end), (101, 200, false));
            assert_eq!(r.rows, 198);
        }
        other => panic!("{other:?}"),
    }
    let path = std::env::temp_dir().join(format!("pipescope-stray-{}.csv", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let on_disk = read_path(&path, &IngestOptions::default());
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(on_disk, Err(IngestError::RunawayQuote(_))),
        "{on_disk:?}"
    );
}

#[test]
fn multi_line_cells_that_are_meant_are_read_as_before() {
    let text = "id,comment,n\n1,\"Dear Ann,\nthanks, see you\nBob\",5\n2,\"x\",6\n3,plain,7\n";
    let t = read(text);
    assert_eq!((t.rows, t.skipped.count), (3, 0));
    assert_eq!(
        labels(&t, "comment")[0].as_deref(),
        Some("Dear Ann,\nthanks, see you\nBob")
    );
    // A ragged multi-line row that swallowed nothing row-like stays one skipped row.
    let t = read("a,b,c\n1,\"two\nlines\"\n2,3,4\n5,6,7\n");
    assert_eq!(
        (t.rows, t.skipped.count, t.skipped.lines.clone()),
        (2, 1, vec![2])
    );
}

#[test]
fn options_refuse_a_delimiter_that_cannot_split_fields() {
    for bad in [0xC3u8, b'"', b'\n', b'\r', b'a', b'7'] {
        let err = IngestOptions::builder()
            .delimiter(Some(bad))
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                IngestError::InvalidOption {
                    option: "delimiter",
                    ..
                }
            ),
            "{bad:#x}: {err:?}"
        );
        assert!(err.to_string().contains("cannot separate fields"), "{err}");
    }
    for good in [b',', b';', b'\t', b'|', b' ', b':'] {
        assert!(IngestOptions::builder()
            .delimiter(Some(good))
            .build()
            .is_ok());
    }
    assert!(IngestOptions::builder()
        .literal_quotes_from(Some(0))
        .build()
        .is_err());
    // A multi-byte text stays whole around an accepted delimiter.
    let opts = IngestOptions::builder()
        .delimiter(Some(b':'))
        .has_header(Some(true))
        .build()
        .unwrap();
    let t = read_bytes("a:b\ncafé:ünï\n".as_bytes(), &opts).unwrap();
    assert_eq!(labels(&t, "b")[0].as_deref(), Some("ünï"));
}

#[test]
fn a_header_longer_than_the_sniffed_bytes_is_read_whole() {
    // 21,000 columns: the header alone is ~130 KB, twice what the sniff looked at.
    let n = 21_000;
    let header: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let row = vec!["x"; n].join(",");
    let text = format!("{}\n{row}\n{row}\n", header.join(","));
    for size in [usize::MAX, 65_536, 4_096] {
        let t = read_in_chunks_with(text.as_bytes(), size, &IngestOptions::default()).unwrap();
        assert_eq!(
            (t.columns.len(), t.rows, t.skipped.count),
            (n, 2, 0),
            "chunks of {size}"
        );
        assert_eq!(t.columns[n - 1].name, format!("c{}", n - 1));
    }
    // Repeated names stay unique without a quadratic scan.
    let t = read(&format!(
        "{}\n{}\n",
        vec!["a"; 5].join(","),
        vec!["1"; 5].join(",")
    ));
    assert_eq!(names(&t), ["a", "a_2", "a_3", "a_4", "a_5"]);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
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
fn utf16_files_are_decoded_and_read_like_their_utf8_copy() {
    let text = std::fs::read_to_string(BANK).unwrap();
    let plain = read(&text);
    for big_endian in [false, true] {
        let bytes = utf16(&text, big_endian);
        for size in [usize::MAX, 65_537, 1_001] {
            let t = read_in_chunks_with(&bytes, size, &IngestOptions::default()).unwrap();
            assert_eq!(
                t.columns, plain.columns,
                "big endian {big_endian}, chunks of {size}"
            );
            assert_eq!(t.rows, plain.rows);
            assert_eq!(
                t.dialect.encoding,
                if big_endian {
                    TextEncoding::Utf16Be
                } else {
                    TextEncoding::Utf16Le
                }
            );
        }
    }
    assert_eq!(plain.dialect.encoding, TextEncoding::Utf8);
    // On disk too (the split parse must not cut UTF-16 bytes as if they were text).
    let path = std::env::temp_dir().join(format!("pipescope-utf16-{}.csv", std::process::id()));
    std::fs::write(&path, utf16(&text, false)).unwrap();
    let t = read_path(&path, &IngestOptions::default());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(t.unwrap().columns, plain.columns);
    // A broken unit is named by its offset, not called binary.
    let mut bad = utf16("a,b\n1,2\n", false);
    bad.extend([0x00, 0xDC, 0x0A, 0x00]);
    let err = read_err(&bad);
    assert_eq!(err, IngestError::InvalidUtf16 { offset: 18 });
    assert!(err.to_string().contains("UTF-16"), "{err}");
}

#[test]
fn locale_numbers_and_dates_are_read_when_unambiguous_and_the_other_reading_is_offered() {
    use pipescope::core::ingest::locale::Reading;
    let t = read("Datum;Wert;Menge\n31.12.2024;3,25;1,234\n01.01.2025;2,5;5,678\n");
    let col = |n: &str| t.column(n).unwrap().clone();
    assert_eq!(
        (col("Datum").kind, col("Datum").reading),
        (ColumnType::Datetime, Reading::DayFirst)
    );
    assert_eq!(numbers(&t, "Wert"), [3.25, 2.5]);
    assert_eq!(col("Wert").other_reading, None);
    // 1,234 could be either: read with a decimal comma (the file's way), the other offered.
    assert_eq!(numbers(&t, "Menge"), [1.234, 5.678]);
    assert_eq!(col("Menge").other_reading, Some(Reading::ThousandsComma));
    let other = IngestOptions::builder()
        .column_reading("Menge", Reading::ThousandsComma)
        .build()
        .unwrap();
    let t2 = read_bytes(
        b"Datum;Wert;Menge\n31.12.2024;3,14;1,234\n01.01.2025;2,5;5,678\n",
        &other,
    )
    .unwrap();
    assert_eq!(numbers(&t2, "Menge"), [1234.0, 5678.0]);
    // Ambiguous slash dates: day first, month first offered.
    let t = read("when,n\n03/04/2024,1\n05/06/2024,2\n");
    let when = t.column("when").unwrap();
    assert_eq!(
        (when.reading, when.other_reading),
        (Reading::DayFirst, Some(Reading::MonthFirst))
    );
    let t = read("when,n\n12/31/2024,1\n01/02/2025,2\n");
    assert_eq!(t.column("when").unwrap().reading, Reading::MonthFirst);
}

#[test]
fn beside_decimal_commas_a_dotted_column_holds_thousands_and_the_standard_reading_is_offered() {
    use pipescope::core::ingest::locale::Reading;
    let file = "Preis;Stück;Gewicht\n3,14;1.234;0.5\n2,50;2.000;1.25\n";
    let t = read(file);
    let stueck = t.column("Stück").unwrap();
    assert_eq!(numbers(&t, "Stück"), [1234.0, 2000.0]);
    assert_eq!(
        (stueck.reading, stueck.other_reading),
        (Reading::DecimalComma, Some(Reading::Standard))
    );
    // 0.5 cannot be a thousands group: that column keeps its standard reading.
    assert_eq!(numbers(&t, "Gewicht"), [0.5, 1.25]);
    assert_eq!(t.column("Gewicht").unwrap().reading, Reading::Standard);
    // The user's choice of the standard reading stands.
    let standard = IngestOptions::builder()
        .column_reading("Stück", Reading::Standard)
        .build()
        .unwrap();
    let t = read_bytes(file.as_bytes(), &standard).unwrap();
    assert_eq!(numbers(&t, "Stück"), [1.234, 2.0]);
    assert_eq!(t.column("Stück").unwrap().reading, Reading::Standard);
    // Without a decimal comma elsewhere, 1.234 is one point two three four.
    let t = read("a;b\n1.234;x\n2.000;y\n");
    assert_eq!(numbers(&t, "a"), [1.234, 2.0]);
}

#[test]
fn choosing_the_standard_reading_keeps_decimal_commas_as_text() {
    use pipescope::core::ingest::locale::Reading;
    let standard = IngestOptions::builder()
        .column_reading("Preis", Reading::Standard)
        .build()
        .unwrap();
    let t = read_bytes(b"Preis;n\n3,14;1\n2,5;2\n", &standard).unwrap();
    let preis = t.column("Preis").unwrap();
    assert_ne!(preis.kind, ColumnType::Numeric);
    assert_eq!(preis.reading, Reading::Standard);
}

#[test]
fn line_numbers_count_lone_carriage_returns_as_line_ends() {
    // Old Mac files end lines with `\r` alone; reports must name the same lines as the
    // `\n` and `\r\n` copies of the file.
    for end in ["\n", "\r\n", "\r"] {
        let lines = [
            "a,b", "1,2", "3,4", "5,6,7", "\"multi", "line\",9", "8,x", "10,11,12", "7,5", "1,1",
            "2,2", "3,3", "4,4", "5,5", "6,6", "7,7", "8,8",
        ];
        let text = lines.join(end) + end;
        let check = |t: &Table, how: &str| {
            assert_eq!(t.rows, 13, "{how} with {end:?}");
            assert_eq!(
                t.skipped.lines,
                [4, 8],
                "ragged rows' lines, {how} with {end:?}"
            );
            let b = t.column("b").unwrap();
            assert_eq!(b.kind, ColumnType::Numeric);
            assert_eq!(
                b.first_invalid.as_ref().map(|p| p.line),
                Some(7),
                "the first invalid cell's line, {how} with {end:?}"
            );
        };
        let header = IngestOptions::builder()
            .has_header(Some(true))
            .column_type("b", ColumnType::Numeric)
            .build()
            .unwrap();
        check(&read_bytes(text.as_bytes(), &header).unwrap(), "read whole");
        // Pushed a byte at a time, a `\r` and its `\n` arrive apart.
        let mut ingest = Ingest::new(header);
        for b in text.as_bytes() {
            ingest.push(std::slice::from_ref(b)).unwrap();
        }
        check(&ingest.finish().unwrap(), "byte by byte");
    }
}

#[test]
fn row_lines_name_the_line_each_row_starts_on_past_blank_lines_and_multi_line_cells() {
    let t = read("a,b\n1,x\n\n\n2,\"two\nlines\"\n3,y\n4,z,extra\n5,w\r\n\r\n6,v\n");
    assert_eq!(t.rows, 5);
    assert_eq!(t.row_lines(), [2, 5, 7, 9, 11]);
}
