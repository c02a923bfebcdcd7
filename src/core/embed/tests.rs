use serde_json::json;

use crate::core::incident::{Incident, IncidentSource, IncidentState};

use super::*;

fn cmd(v: Value) -> Result<Command, EmbedError> {
    parse(&v, &Binary::None)
        .map(|r| r.expect("a pipescope message").command)
        .map_err(|r| r.error)
}

#[test]
fn origins_are_compared_as_browsers_write_them() {
    let (a, ignored) = AllowedOrigins::parse(
        "HTTPS://Portal.Example.com, http://127.0.0.1:8081 http://old.example:80 ftp://x https://*.example.com https://a.example:99999",
        "http://127.0.0.1:8080",
    );
    assert!(a.allows("https://portal.example.com"));
    assert!(a.allows("http://127.0.0.1:8081"));
    assert!(a.allows("http://127.0.0.1:8080"), "the page's own origin");
    assert!(
        a.allows("http://old.example"),
        "a default port is not written"
    );
    assert!(!a.allows("http://127.0.0.1:8082"));
    assert!(!a.allows("https://evil.example.com"));
    assert!(!a.allows("null"));
    assert_eq!(ignored.len(), 3, "{ignored:?}");
    assert!(ignored.iter().all(|m| m.contains(ORIGINS_META)));
    let (own, none) = AllowedOrigins::parse("", "http://127.0.0.1:8080");
    assert_eq!(own.origins(), ["http://127.0.0.1:8080"]);
    assert!(none.is_empty() && !own.any());
    let (any, _) = AllowedOrigins::parse("*", "http://a");
    assert!(any.allows("https://anyone.example") && !any.allows("null"));
}

#[test]
fn commands_read_and_bad_fields_say_what_to_send() {
    assert_eq!(
        cmd(json!({"pipescope": 1, "type": "open", "workspace": "Monitor"})).unwrap(),
        Command::Open {
            workspace: Route::Monitor
        }
    );
    assert_eq!(
        cmd(json!({"pipescope": 1, "type": "subscribe", "extra": [1]})).unwrap(),
        Command::Subscribe
    );
    let e = cmd(json!({"pipescope": 1, "type": "open"})).unwrap_err();
    assert!(e.to_string().contains("'open' needs 'workspace'"), "{e}");
    let e = cmd(json!({"pipescope": 1, "type": "open", "workspace": 3})).unwrap_err();
    assert_eq!(e.to_string(), "'workspace' should be one of distribution, monitor, errors, incidents, checks, not a number (3)");
    let e = cmd(json!({"pipescope": 2, "type": "open"})).unwrap_err();
    assert_eq!(e.code(), "version");
    let e = cmd(json!({"pipescope": 1, "type": "<script>"})).unwrap_err();
    assert_eq!(e.code(), "type");
    assert!(cmd(json!({"pipescope": 1}))
        .unwrap_err()
        .to_string()
        .contains("(none)"));
    assert_eq!(parse(&json!("pipescope"), &Binary::None), Ok(None));
    assert_eq!(parse(&json!([1, 2]), &Binary::None), Ok(None));
    // The id is echoed even when the rest is refused.
    let r = parse(
        &json!({"pipescope": 1, "type": "nope", "id": "a"}),
        &Binary::None,
    )
    .unwrap_err();
    assert_eq!(r.id, Some(json!("a")));
    let r = parse(
        &json!({"pipescope": 1, "type": "stop", "id": {"x": 1}}),
        &Binary::None,
    )
    .unwrap_err();
    assert_eq!(r.error.code(), "field");
}

#[test]
fn files_take_text_or_bytes_and_a_name() {
    assert_eq!(
        cmd(json!({"pipescope": 1, "type": "file", "name": "m.csv", "data": "t,v\n1,2\n", "workspace": "monitor"})).unwrap(),
        Command::File { name: "m.csv".into(), workspace: Some(Route::Monitor), data: FileData::Text("t,v\n1,2\n".into()) }
    );
    let bytes = Binary::Bytes {
        file_name: Some("own.csv".into()),
    };
    let r = parse(&json!({"pipescope": 1, "type": "file"}), &bytes)
        .unwrap()
        .unwrap();
    assert_eq!(
        r.command,
        Command::File {
            name: "own.csv".into(),
            workspace: None,
            data: FileData::Bytes
        }
    );
    let e = cmd(json!({"pipescope": 1, "type": "file", "data": "x"})).unwrap_err();
    assert!(e.to_string().contains("'file' needs 'name'"), "{e}");
    let e = cmd(json!({"pipescope": 1, "type": "file", "name": "a.csv"})).unwrap_err();
    assert!(e.to_string().contains("'file' needs 'data'"), "{e}");
    let e = cmd(json!({"pipescope": 1, "type": "file", "name": "a.csv", "data": {"a": 1}}))
        .unwrap_err();
    assert_eq!(e.code(), "field");
    let e = parse(
        &json!({"pipescope": 1, "type": "file", "name": "a"}),
        &Binary::Unsupported("function".into()),
    )
    .unwrap_err();
    assert!(e.error.to_string().contains("function"));
    let e =
        cmd(json!({"pipescope": 1, "type": "file", "name": "a\u{0}b", "data": ""})).unwrap_err();
    assert_eq!(e.code(), "field");
    let long = "x".repeat(300);
    assert!(cmd(json!({"pipescope": 1, "type": "file", "name": long, "data": ""})).is_err());
}

#[test]
fn sources_are_checked_like_the_form() {
    let c = cmd(json!({"pipescope": 1, "type": "source", "prom": "/prom", "query": ["up", "rate(x[5m])"], "step": 1, "history": 30})).unwrap();
    let Command::Source { source } = c else {
        panic!("{c:?}")
    };
    assert_eq!(source.queries(), ["up", "rate(x[5m])"]);
    assert_eq!((source.step_ms(), source.history_ms()), (1000, 1_800_000));
    let e = cmd(json!({"pipescope": 1, "type": "source", "prom": "/prom"})).unwrap_err();
    assert_eq!(e.code(), "source");
    assert!(e.to_string().contains("PromQL"), "{e}");
    let e =
        cmd(json!({"pipescope": 1, "type": "source", "prom": "/p", "query": "up", "step": "15"}))
            .unwrap_err();
    assert_eq!(
        e.to_string(),
        "'step' should be a number of seconds, not a string (\"15\")"
    );
    let e = cmd(json!({"pipescope": 1, "type": "source", "query": "up"})).unwrap_err();
    assert!(e.to_string().contains("'source' needs 'prom'"));
    let c = cmd(
        json!({"pipescope": 1, "type": "source", "prom": "/p", "query": "up", "from": "now-6h"}),
    )
    .unwrap();
    let Command::Source { source } = c else {
        panic!("{c:?}")
    };
    assert!(source.time_range().is_some_and(|r| r.follows_now()));
    let e =
        cmd(json!({"pipescope": 1, "type": "source", "prom": "/p", "query": "up", "from": "soon"}))
            .unwrap_err();
    assert!(e.to_string().contains("from: 'soon'"), "{e}");
    let e = cmd(json!({"pipescope": 1, "type": "source", "prom": "/p", "query": [1]})).unwrap_err();
    assert!(e.to_string().contains("an array holding a number"), "{e}");
}

#[test]
fn a_source_with_a_feed_follows_it() {
    let c =
        cmd(json!({"pipescope": 1, "type": "source", "feed": "/points", "kind": "sse", "poll": 1}))
            .unwrap();
    assert_eq!(c.kind(), "source");
    let Command::Feed { feed } = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        (feed.url(), feed.kind(), feed.poll_ms()),
        ("/points", FeedKind::Sse, 1_000)
    );
    let e = cmd(json!({"pipescope": 1, "type": "source", "feed": "/points", "kind": "ws"}))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "'kind' should be ndjson or sse, not a string (\"ws\")"
    );
    let e = cmd(json!({"pipescope": 1, "type": "source", "feed": "ftp://x"})).unwrap_err();
    assert_eq!(e.code(), "source");
}

fn inc(id: u64, severity: u8, state: IncidentState, start_ms: i64) -> Incident {
    Incident {
        id,
        severity,
        state,
        source: IncidentSource::Metrics,
        metrics: vec!["cpu".into()],
        series: vec![0],
        start_ms,
        opened_ms: start_ms + 5,
        end_ms: (state == IncidentState::Resolved).then_some(start_ms + 50),
        duration_ms: 50,
        peak_deviation: f64::NAN,
        anomaly_count: 4,
        sparkline: Vec::new(),
        acknowledged: false,
        note: String::new(),
        silenced: None,
    }
}

fn changes(out: &[Outgoing]) -> Vec<(Change, String)> {
    out.iter()
        .map(|o| match o {
            Outgoing::Incident { change, incident } => (*change, incident.uid().to_string()),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn each_incident_change_is_told_once() {
    use IncidentState::*;
    let mut t = IncidentTracker::default();
    assert!(t.changes(&[]).is_empty());
    let out = t.changes(&[inc(1, 2, Open, 100)]);
    assert_eq!(changes(&out), [(Change::Opened, "monitor-1".to_string())]);
    assert!(
        t.changes(&[inc(1, 2, Open, 100)]).is_empty(),
        "no news, no message"
    );
    let out = t.changes(&[inc(1, 1, Resolved, 100), inc(2, 2, Resolved, 900)]);
    assert_eq!(
        changes(&out),
        [
            (Change::Escalated, "monitor-1".into()),
            (Change::Resolved, "monitor-1".into()),
            (Change::Opened, "monitor-2".into()),
            (Change::Resolved, "monitor-2".into()),
        ]
    );
    // A new stream numbers from 1 again: another incident, and the old ones went.
    let out = t.changes(&[inc(1, 2, Open, 5_000)]);
    assert_eq!(
        changes(&out),
        [
            (Change::Opened, "monitor-1".into()),
            (Change::Removed, "monitor-2".into())
        ]
    );
    assert_eq!(
        out[1].to_json(),
        json!({"pipescope": 1, "type": "incident", "change": "removed", "incident": {"uid": "monitor-2", "source": "monitor"}})
    );
    let json = out[0].to_json();
    assert_eq!(json["pipescope"], 1);
    assert_eq!(json["type"], "incident");
    assert_eq!(json["change"], "opened");
    assert_eq!(json["incident"]["state"], "open");
    assert_eq!(json["incident"]["source"], "monitor");
    assert_eq!(json["incident"]["end_ms"], Value::Null);
    assert_eq!(json["incident"]["peak_deviation"], 0.0, "NaN is not JSON");
    assert!(json["incident"]["title"].as_str().unwrap().contains("cpu"));
    assert_eq!(
        changes(&snapshot(&[inc(1, 2, Open, 5_000)]))[0].0,
        Change::Existing
    );
}

#[test]
fn errors_serialise_with_code_and_id() {
    let r = Rejection {
        id: Some(json!(3)),
        error: EmbedError::OriginNotAllowed {
            origin: "http://evil".into(),
        },
    };
    let j = Outgoing::rejection(&r).to_json();
    assert_eq!(j["type"], "error");
    assert_eq!(j["code"], "origin");
    assert_eq!(j["id"], 3);
    assert!(j["message"].as_str().unwrap().contains("http://evil"));
    let ready = Outgoing::Ready {
        version: "0.1.0".into(),
        workspace: "monitor",
    }
    .to_json();
    assert_eq!(
        ready,
        json!({"pipescope": 1, "type": "ready", "version": "0.1.0", "workspace": "monitor"})
    );
}
