//! Journal export and import: NDJSON and CSV round trips (a file exported and imported into
//! a new session gives the same analysis), line numbers on bad input, hostile names.

use pipescope::core::errors::{read_path, Config, ErrorEngine, ReadOptions};
use pipescope::core::event::{ErrorEvent, Event, MetricEvent};
use pipescope::core::journal::export::{export, import, Format, ImportErrorKind, COLUMNS};
use pipescope::core::journal::{Journal, MemStore, NameKind};
use pipescope::core::rng::SplitMix64;

fn mixed_events(seed: u64, n: usize) -> Vec<Event> {
    let mut rng = SplitMix64::new(seed);
    let mut t = -5_000i64;
    (0..n)
        .map(|_| {
            t += rng.below(900) as i64;
            if rng.below(3) == 0 {
                Event::Metric(MetricEvent {
                    t_ms: t,
                    series: rng.below(3) as u32,
                    value: rng.normal() * 1e3 / (1.0 + rng.next_f64()),
                })
            } else {
                Event::Error(ErrorEvent {
                    t_ms: t,
                    build: rng.below(2) as u32,
                    code: rng.below(6) as u32,
                })
            }
        })
        .collect()
}

/// A journal holding `events` in batches of 97, with names from `name(kind, id)`.
fn journal_of(events: &[Event], name: impl Fn(NameKind, u32) -> String) -> Journal<MemStore> {
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    for batch in events.chunks(97) {
        for e in batch {
            match e {
                Event::Error(e) => {
                    j.name(NameKind::Build, e.build, &name(NameKind::Build, e.build))
                        .unwrap();
                    j.name(NameKind::Code, e.code, &name(NameKind::Code, e.code))
                        .unwrap();
                }
                Event::Metric(m) => {
                    j.name(
                        NameKind::Series,
                        m.series,
                        &name(NameKind::Series, m.series),
                    )
                    .unwrap();
                }
            }
        }
        j.append(batch).unwrap();
    }
    j
}

fn exported(j: &Journal<MemStore>, format: Format) -> Vec<u8> {
    let entries = j.records_after(0).unwrap();
    let mut out = Vec::new();
    let n = export(&entries, j.catalog(), format, &mut out).unwrap();
    let events = entries
        .iter()
        .filter(|e| matches!(e.record, pipescope::core::journal::Record::Event(_)))
        .count();
    assert_eq!(n, events as u64, "every event is a row");
    out
}

fn plain_name(kind: NameKind, id: u32) -> String {
    format!("{}-{id}", kind.word())
}

#[test]
fn both_formats_round_trip_events_and_names_exactly() {
    let events = mixed_events(11, 3_000);
    let j = journal_of(&events, plain_name);
    for format in [Format::Ndjson, Format::Csv] {
        let bytes = exported(&j, format);
        assert_eq!(Format::sniff(&bytes), format);
        let back = import(&bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(
            back.events, events,
            "{format:?}: same events, same order, same values bit for bit"
        );
        assert_eq!(&back.catalog, j.catalog(), "{format:?}: same names");
        assert_eq!(back.names().len(), j.catalog().len());
    }
}

#[test]
fn csv_has_the_documented_header_and_ndjson_one_object_a_line() {
    let events = mixed_events(3, 50);
    let j = journal_of(&events, plain_name);
    let csv = String::from_utf8(exported(&j, Format::Csv)).unwrap();
    assert_eq!(csv.lines().next().unwrap(), COLUMNS.join(","));
    assert_eq!(csv.lines().count(), 51);
    let nd = String::from_utf8(exported(&j, Format::Ndjson)).unwrap();
    assert_eq!(nd.lines().count(), 50);
    for (line, e) in nd.lines().zip(&events) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["t_ms"].as_i64(), Some(e.t_ms()));
        match e {
            Event::Error(x) => {
                assert_eq!(v["kind"], "error");
                assert_eq!(v["build_name"], plain_name(NameKind::Build, x.build));
                assert_eq!(v["code"].as_u64(), Some(u64::from(x.code)));
                assert!(
                    v.get("value").is_none(),
                    "an error row has no value: {line}"
                );
            }
            Event::Metric(m) => {
                assert_eq!(v["kind"], "metric");
                assert_eq!(v["series_name"], plain_name(NameKind::Series, m.series));
                // serde_json's reader may round the last bit; exactness is checked by import.
                let got = v["value"].as_f64().unwrap();
                assert!(
                    (got - m.value).abs() <= m.value.abs() * 1e-15,
                    "{got} vs {}",
                    m.value
                );
            }
        }
    }
}

#[test]
fn values_json_cannot_hold_survive_both_formats() {
    let specials = [f64::INFINITY, f64::NEG_INFINITY, -0.0, 5e-324, f64::MAX];
    let mut events: Vec<Event> = specials
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            Event::Metric(MetricEvent {
                t_ms: i as i64,
                series: 0,
                value,
            })
        })
        .collect();
    events.push(Event::Metric(MetricEvent {
        t_ms: 9,
        series: 0,
        value: f64::NAN,
    }));
    let j = journal_of(&events, plain_name);
    for format in [Format::Ndjson, Format::Csv] {
        let back = import(&exported(&j, format)).unwrap();
        for (a, b) in back.events.iter().zip(&events) {
            match (a, b) {
                (Event::Metric(a), Event::Metric(b)) if b.value.is_nan() => {
                    assert!(a.value.is_nan())
                }
                (Event::Metric(a), Event::Metric(b)) => {
                    assert_eq!(
                        a.value.to_bits(),
                        b.value.to_bits(),
                        "{format:?}: {} came back as {}",
                        b.value,
                        a.value
                    )
                }
                _ => panic!("kind changed"),
            }
        }
    }
}

#[test]
fn hostile_names_stay_text_through_both_formats() {
    let hostile = [
        "=HYPERLINK(\"http://x\",\"click\")",
        "+1+1",
        "-2",
        "@SUM(A1)",
        "'already quoted",
        "''",
        "",
        "comma, \"quotes\" and\nnewline\r\n",
        "<script>alert(1)</script>",
        "{\"seq\":1}",
        "\ttab",
        "ünïcödé ✓ 🚀",
        "\u{0}nul",
        "\",\"value\":1,\"x\":\"",
        "value",
        "back\\slash\\",
    ];
    let mut events: Vec<Event> = (0..hostile.len() as u32)
        .map(|i| {
            Event::Error(ErrorEvent {
                t_ms: i64::from(i),
                build: i % 2,
                code: i,
            })
        })
        .collect();
    // Metric rows too: their value must be found past names that mimic a "value" member.
    events.extend((0..hostile.len() as u32).map(|i| {
        Event::Metric(MetricEvent {
            t_ms: 100 + i64::from(i),
            series: i,
            value: 0.1 + f64::from(i) / 3.0,
        })
    }));
    let name = |kind: NameKind, id: u32| match kind {
        NameKind::Code | NameKind::Series => hostile[id as usize].to_string(),
        _ => hostile[(id as usize + 3) % hostile.len()].to_string(),
    };
    let j = journal_of(&events, name);
    for format in [Format::Ndjson, Format::Csv] {
        let bytes = exported(&j, format);
        let back = import(&bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(back.events, events);
        for (id, h) in hostile.iter().enumerate() {
            assert_eq!(
                back.catalog.name(NameKind::Code, id as u32),
                Some(*h),
                "{format:?}"
            );
            assert_eq!(
                back.catalog.name(NameKind::Series, id as u32),
                Some(*h),
                "{format:?}"
            );
        }
    }
    // No CSV cell starts with a formula character.
    let csv = exported(&j, Format::Csv);
    let mut rdr = csv::ReaderBuilder::new().from_reader(&csv[..]);
    for rec in rdr.records() {
        for cell in rec.unwrap().iter().skip(4).step_by(2).take(3) {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t']),
                "formula cell {cell:?}"
            );
        }
    }
}

#[test]
fn an_exported_real_stream_imported_into_a_new_session_gives_the_same_alerts() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/ErrorStreamSetB.csv"
    );
    let stream = read_path(std::path::Path::new(path), &ReadOptions::default()).unwrap();
    let config = Config::for_stream(&stream);
    let events: Vec<Event> = stream.events.iter().map(|e| Event::Error(*e)).collect();
    let j = journal_of(&events, |kind, id| match kind {
        NameKind::Build => stream.builds[id as usize].clone(),
        _ => stream.codes[id as usize].clone(),
    });
    let mut direct = ErrorEngine::new(config.clone()).unwrap();
    events.iter().for_each(|e| direct.apply(e));
    direct.finish();
    for format in [Format::Ndjson, Format::Csv] {
        let back = import(&exported(&j, format)).unwrap();
        // A new session: a fresh journal fed the imported names and events.
        let (mut fresh, _) = Journal::open(MemStore::new()).unwrap();
        for n in back.names() {
            fresh.name(n.kind, n.id, &n.name).unwrap();
        }
        fresh.append(&back.events).unwrap();
        let mut engine = fresh
            .restore(ErrorEngine::new(config.clone()).unwrap())
            .unwrap()
            .engine;
        engine.finish();
        assert_eq!(engine, direct, "{format:?}");
        assert!(
            !direct.alerts().is_empty(),
            "the real stream raises alerts, so equality means something"
        );
        for (id, b) in stream.builds.iter().enumerate() {
            assert_eq!(
                back.catalog.name(NameKind::Build, id as u32),
                Some(b.as_str())
            );
        }
    }
}

#[test]
fn bad_lines_are_reported_with_their_line_numbers() {
    let events = mixed_events(5, 20);
    let j = journal_of(&events, plain_name);
    let nd = String::from_utf8(exported(&j, Format::Ndjson)).unwrap();
    let csv = String::from_utf8(exported(&j, Format::Csv)).unwrap();

    let replace_line = |text: &str, line: usize, with: &str| -> Vec<u8> {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line {
                    with.to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes()
    };

    let e = import(&replace_line(&nd, 7, "{\"seq\":7,\"t_ms\":")).unwrap_err();
    assert_eq!(e.line, 7);
    assert!(matches!(e.kind, ImportErrorKind::Json(_)), "{e}");
    assert!(e.to_string().starts_with("line 7:"), "{e}");

    let e = import(&replace_line(
        &nd,
        3,
        r#"{"seq":3,"t_ms":1,"kind":"warning"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        (e.line, &e.kind),
        (
            3,
            &ImportErrorKind::Invalid {
                field: "kind",
                text: "warning".into()
            }
        )
    );

    let e = import(&replace_line(
        &nd,
        4,
        r#"{"seq":4,"t_ms":1,"kind":"metric","series":0}"#,
    ))
    .unwrap_err();
    assert_eq!((e.line, &e.kind), (4, &ImportErrorKind::Missing("value")));

    let e = import(&replace_line(
        &nd,
        5,
        r#"{"seq":5,"t_ms":1,"kind":"error","build":0,"build_name":"other","code":0}"#,
    ))
    .unwrap_err();
    assert_eq!(e.line, 5);
    assert!(
        matches!(
            e.kind,
            ImportErrorKind::NameConflict {
                kind: NameKind::Build,
                id: 0,
                ..
            }
        ),
        "{e}"
    );

    // CSV: line 1 is the header.
    let e = import(&replace_line(&csv, 6, "5,soon,error,,,0,b,1,c,")).unwrap_err();
    assert_eq!(
        (e.line, &e.kind),
        (
            6,
            &ImportErrorKind::Invalid {
                field: "t_ms",
                text: "soon".into()
            }
        )
    );

    let e = import(&replace_line(&csv, 9, "5,1,error")).unwrap_err();
    assert_eq!(e.line, 9);
    assert!(matches!(e.kind, ImportErrorKind::Csv(_)), "{e}");

    let e = import(&replace_line(&csv, 1, "time,build,code")).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(matches!(e.kind, ImportErrorKind::Header { .. }), "{e}");

    let e = import(b"").unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::Empty);
    let e = import(COLUMNS.join(",").as_bytes()).unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::Empty);

    // A name longer than the journal can store is refused, not cut.
    let long = "x".repeat(5000);
    let line =
        format!(r#"{{"seq":1,"t_ms":1,"kind":"error","build":0,"build_name":"{long}","code":0}}"#);
    let e = import(line.as_bytes()).unwrap_err();
    assert!(
        matches!(e.kind, ImportErrorKind::NameTooLong { bytes: 5000, .. }),
        "{e}"
    );
}

#[test]
fn blank_lines_crlf_and_a_byte_order_mark_are_accepted() {
    let events = mixed_events(8, 30);
    let j = journal_of(&events, plain_name);
    for format in [Format::Ndjson, Format::Csv] {
        let text = String::from_utf8(exported(&j, format)).unwrap();
        let windows = format!("\u{feff}{}\r\n\r\n", text.replace('\n', "\r\n"));
        let back = import(windows.as_bytes()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(back.events, events);
    }
}

#[test]
fn names_journaled_after_the_catalog_was_taken_still_reach_the_rows() {
    let events = mixed_events(2, 40);
    let j = journal_of(&events, plain_name);
    let entries = j.records_after(0).unwrap();
    let mut out = Vec::new();
    // An empty starting catalog: the names come from the catalog records in the entries.
    export(&entries, &Default::default(), Format::Csv, &mut out).unwrap();
    let back = import(&out).unwrap();
    assert_eq!(&back.catalog, j.catalog());
}
