//! The embedding protocol: what a portal that frames the page may ask of it through
//! `postMessage`, and what the page tells the portal. Plain data here (which origins may
//! command the page, reading and checking a command, the messages sent back, and which
//! incident changes are news); the page's `ui::embed` moves the messages.
//!
//! Every message is an object with `pipescope: 1` (the protocol version) and a `type`.
//! Messages without a `pipescope` key are not for the page and are ignored, so other
//! scripts of a portal can use `postMessage` too. Unknown extra fields are ignored, so a
//! newer portal can add some; a known field of the wrong kind is refused.

use std::fmt;

use serde_json::Value;

use crate::core::live::events::{EventFeed, FeedKind};
use crate::core::live::{LiveError, PromSource};
use crate::core::time::range::TimeRange;
use crate::core::view::Route;

mod outgoing;
pub use outgoing::*;

/// The protocol version this page speaks (the `pipescope` field of every message).
pub const PROTOCOL: u64 = 1;

/// The `<meta name>` in `index.html` that lists the origins allowed to command the page.
pub const ORIGINS_META: &str = "pipescope-embed-origins";

/// Longest file name a `file` command may give.
const MAX_NAME_CHARS: usize = 255;

/// The origins whose messages the page obeys: its own, plus those the deployer listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// Reads the meta's content (origins separated by spaces or commas; `*` for any) beside
    /// the page's own origin; also returns each entry it ignored, with why.
    ///
    /// ```
    /// use pipescope::core::embed::AllowedOrigins;
    /// let (a, ignored) = AllowedOrigins::parse("https://Portal.example:443/ http://x/path", "https://app.example");
    /// assert!(a.allows("https://portal.example"));
    /// assert!(a.allows("https://app.example"));
    /// assert!(!a.allows("http://x"));
    /// assert_eq!(ignored.len(), 1);
    /// ```
    pub fn parse(content: &str, own_origin: &str) -> (AllowedOrigins, Vec<String>) {
        let mut any = false;
        let mut origins = Vec::new();
        let mut ignored = Vec::new();
        if let Ok(own) = normalize_origin(own_origin) {
            origins.push(own);
        }
        for entry in content
            .split([' ', ',', '\t', '\n'])
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                any = true;
                continue;
            }
            match normalize_origin(entry) {
                Ok(o) if !origins.contains(&o) => origins.push(o),
                Ok(_) => {}
                Err(why) => ignored.push(format!(
                    "'{}' in <meta name=\"{ORIGINS_META}\"> is ignored: {why}",
                    crate::core::text::clip(entry)
                )),
            }
        }
        (AllowedOrigins { any, origins }, ignored)
    }

    /// Whether a message from `origin` (a `MessageEvent`'s `origin`) is obeyed.
    pub fn allows(&self, origin: &str) -> bool {
        // Sandboxed frames and file: pages send the opaque origin "null": anyone can.
        if origin == "null" {
            return false;
        }
        self.any || normalize_origin(origin).is_ok_and(|o| self.origins.contains(&o))
    }

    /// The origins listed (the page's own first), for messages to the deployer.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// Whether `*` was given.
    pub fn any(&self) -> bool {
        self.any
    }
}

/// An origin as browsers write it: lower-case scheme and host, no default port, no path.
fn normalize_origin(s: &str) -> Result<String, &'static str> {
    let s = s.trim().trim_end_matches('/');
    let lower = s.to_ascii_lowercase();
    let (scheme, rest) = lower
        .split_once("://")
        .ok_or("an origin is scheme://host[:port], e.g. https://portal.example.com")?;
    if scheme != "http" && scheme != "https" {
        return Err("only http and https origins can frame the page");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ', '*']) {
        return Err(
            "an origin has no path, query, user or wildcard, e.g. https://portal.example.com",
        );
    }
    let rest = match (scheme, rest.rsplit_once(':')) {
        (_, Some((host, port))) if !host.ends_with(']') && port.parse::<u16>().is_err() => {
            return Err("the port is not a number");
        }
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host,
        _ => rest,
    };
    Ok(format!("{scheme}://{rest}"))
}

/// A command's payload the browser holds outside the JSON part of the message: a `File`,
/// `Blob`, `ArrayBuffer` or typed array in the `data` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binary {
    /// `data` is absent or plain JSON (a string is a file's text).
    None,
    /// Bytes; a `File` also carries its own name.
    Bytes {
        /// The `File`'s name, when `data` is one.
        file_name: Option<String>,
    },
    /// Something that is neither JSON nor bytes (a function, a DOM node): its kind.
    Unsupported(String),
}

/// The contents of a `file` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileData {
    /// The file's text, given as a string.
    Text(String),
    /// Bytes the browser holds (see [`Binary::Bytes`]).
    Bytes,
}

/// What a portal asks of the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Send this window the page's events (`ready` now, then `status`, `workspace`,
    /// `incident`), beginning with every incident there is.
    Subscribe,
    /// Show a workspace.
    Open {
        /// The workspace.
        workspace: Route,
    },
    /// Load a file, as if dropped on a workspace (default: the one shown).
    File {
        /// The file's name (its extension tells the readers its format).
        name: String,
        /// The workspace that reads it.
        workspace: Option<Route>,
        /// Its contents.
        data: FileData,
    },
    /// Watch a Prometheus server live in the Monitor.
    Source {
        /// The server, queries, step and history.
        source: PromSource,
    },
    /// Follow an event feed of metric points in the Monitor (`source` with `feed`).
    Feed {
        /// The feed's URL, delivery and interval.
        feed: EventFeed,
    },
    /// Stop the Monitor's live source; the stream so far stays.
    Stop,
}

impl Command {
    /// The command's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Subscribe => "subscribe",
            Command::Open { .. } => "open",
            Command::File { .. } => "file",
            Command::Source { .. } | Command::Feed { .. } => "source",
            Command::Stop => "stop",
        }
    }
}

/// A command with the id the portal gave it (echoed in the answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The portal's id: a string or a number, or None.
    pub id: Option<Value>,
    /// What to do.
    pub command: Command,
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum EmbedError {
    /// The sender's origin is not in the allowed list.
    OriginNotAllowed {
        /// The sender's origin.
        origin: String,
    },
    /// `pipescope` is not a version this page speaks.
    Version(String),
    /// The message could not be read as data (a cycle, a BigInt, a function).
    NotPlainData(String),
    /// No `type`, or one this page does not know.
    UnknownType(String),
    /// A field the command needs is missing.
    Missing {
        /// The command.
        command: &'static str,
        /// The field.
        field: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// A field holds the wrong kind of value.
    Field {
        /// The field.
        field: &'static str,
        /// What it should hold.
        expected: &'static str,
        /// What it held, clipped.
        found: String,
    },
    /// The live source's settings are out of range.
    Source(LiveError),
}

impl EmbedError {
    /// A short code for programs (`origin`, `version`, `data`, `type`, `field`, `source`).
    pub fn code(&self) -> &'static str {
        match self {
            EmbedError::OriginNotAllowed { .. } => "origin",
            EmbedError::Version(_) => "version",
            EmbedError::NotPlainData(_) => "data",
            EmbedError::UnknownType(_) => "type",
            EmbedError::Missing { .. } | EmbedError::Field { .. } => "field",
            EmbedError::Source(_) => "source",
        }
    }
}

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbedError::OriginNotAllowed { origin } => write!(
                f,
                "this pipescope page does not take commands from {}: its deployer lists the \
                 origins it does take in the <meta name=\"{ORIGINS_META}\"> of its index.html",
                crate::core::text::clip(origin)
            ),
            EmbedError::Version(v) => write!(
                f,
                "protocol version {} is not spoken here; send pipescope: {PROTOCOL}",
                crate::core::text::clip(v)
            ),
            EmbedError::NotPlainData(why) => write!(
                f,
                "the message is not plain data (objects, arrays, strings, numbers, and a \
                 File, Blob or ArrayBuffer in data): {}",
                crate::core::text::clip(why)
            ),
            EmbedError::UnknownType(t) => write!(
                f,
                "unknown message type '{}'; the types are subscribe, open, file, source and stop",
                crate::core::text::clip(t)
            ),
            EmbedError::Missing {
                command,
                field,
                expected,
            } => {
                write!(f, "'{command}' needs '{field}': {expected}")
            }
            EmbedError::Field {
                field,
                expected,
                found,
            } => {
                write!(f, "'{field}' should be {expected}, not {found}")
            }
            EmbedError::Source(e) => write!(f, "source: {e}"),
        }
    }
}

impl std::error::Error for EmbedError {}

/// A refused message: the error, and the id to echo when the message had a readable one.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The message's id, if any.
    pub id: Option<Value>,
    /// Why.
    pub error: EmbedError,
}

/// A JSON value described for an error message: its kind and a clipped rendering.
fn describe(v: &Value) -> String {
    let kind = match v {
        Value::Null => return "null".into(),
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{kind} ({})", crate::core::text::clip(&v.to_string()))
}

const WORKSPACE: &str = "one of distribution, monitor, errors, incidents, checks";

fn workspace(v: &Value) -> Result<Route, EmbedError> {
    v.as_str()
        .and_then(|s| Route::from_slug(s.trim().to_ascii_lowercase().as_str()))
        .ok_or_else(|| EmbedError::Field {
            field: "workspace",
            expected: WORKSPACE,
            found: describe(v),
        })
}

/// Reads a message (its JSON part; `binary` says what its `data` field held besides).
/// `Ok(None)`: not a pipescope message (no `pipescope` key), to be ignored.
///
/// ```
/// use pipescope::core::embed::{parse, Binary, Command};
/// use serde_json::json;
/// let r = parse(&json!({"pipescope": 1, "type": "open", "workspace": "monitor", "id": 7}), &Binary::None)
///     .unwrap().unwrap();
/// assert!(matches!(r.command, Command::Open { .. }));
/// assert_eq!(r.id, Some(json!(7)));
/// assert!(parse(&json!({"hello": 1}), &Binary::None).unwrap().is_none());
/// let bad = parse(&json!({"pipescope": 1, "type": "open", "workspace": "<b>"}), &Binary::None).unwrap_err();
/// assert_eq!(bad.error.code(), "field");
/// ```
pub fn parse(msg: &Value, binary: &Binary) -> Result<Option<Request>, Rejection> {
    let Some(obj) = msg.as_object() else {
        return Ok(None);
    };
    let Some(version) = obj.get("pipescope") else {
        return Ok(None);
    };
    let id = obj
        .get("id")
        .filter(|v| v.is_string() || v.as_f64().is_some_and(f64::is_finite))
        .cloned();
    let reject = |error| Rejection {
        id: id.clone(),
        error,
    };
    if version.as_u64() != Some(PROTOCOL) {
        return Err(reject(EmbedError::Version(version.to_string())));
    }
    if let Some(bad) = obj
        .get("id")
        .filter(|v| !v.is_null() && !(v.is_string() || v.is_number()))
    {
        return Err(reject(EmbedError::Field {
            field: "id",
            expected: "a string or a number",
            found: describe(bad),
        }));
    }
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(v) => return Err(reject(EmbedError::UnknownType(describe(v)))),
        None => return Err(reject(EmbedError::UnknownType("(none)".into()))),
    };
    let text =
        |field: &'static str, expected: &'static str| -> Result<Option<String>, EmbedError> {
            match obj.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v) => Err(EmbedError::Field {
                    field,
                    expected,
                    found: describe(v),
                }),
            }
        };
    let command = match kind {
        "subscribe" => Ok(Command::Subscribe),
        "stop" => Ok(Command::Stop),
        "open" => match obj.get("workspace") {
            None | Some(Value::Null) => Err(EmbedError::Missing {
                command: "open",
                field: "workspace",
                expected: WORKSPACE,
            }),
            Some(v) => workspace(v).map(|workspace| Command::Open { workspace }),
        },
        "file" => file_command(obj, binary, &text),
        "source" => source_command(obj, &text),
        other => Err(EmbedError::UnknownType(other.to_string())),
    };
    command
        .map(|command| {
            Some(Request {
                id: id.clone(),
                command,
            })
        })
        .map_err(reject)
}

type TextField<'a> = dyn Fn(&'static str, &'static str) -> Result<Option<String>, EmbedError> + 'a;

fn file_command(
    obj: &serde_json::Map<String, Value>,
    binary: &Binary,
    text: &TextField<'_>,
) -> Result<Command, EmbedError> {
    let workspace = match obj.get("workspace") {
        None | Some(Value::Null) => None,
        Some(v) => Some(workspace(v)?),
    };
    let data = match binary {
        Binary::Bytes { .. } => FileData::Bytes,
        Binary::Unsupported(kind) => {
            return Err(EmbedError::Field {
                field: "data",
                expected: "a File, Blob, ArrayBuffer, typed array or string",
                found: crate::core::text::clip(kind).into_owned(),
            })
        }
        Binary::None => match text("data", "a File, Blob, ArrayBuffer, typed array or string")? {
            Some(s) => FileData::Text(s),
            None => {
                return Err(EmbedError::Missing {
                    command: "file",
                    field: "data",
                    expected: "the file: a File, Blob, ArrayBuffer, typed array or its text",
                })
            }
        },
    };
    let own_name = match binary {
        Binary::Bytes { file_name } => file_name.clone().filter(|n| !n.trim().is_empty()),
        _ => None,
    };
    let name = match text("name", "a file name such as metrics.csv")? {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        _ => own_name.ok_or(EmbedError::Missing {
            command: "file",
            field: "name",
            expected: "a file name such as metrics.csv (its extension tells the format)",
        })?,
    };
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(EmbedError::Field {
            field: "name",
            expected: "a file name of at most 255 characters without control characters",
            found: describe(&Value::String(name)),
        });
    }
    Ok(Command::File {
        name,
        workspace,
        data,
    })
}

fn source_command(
    obj: &serde_json::Map<String, Value>,
    text: &TextField<'_>,
) -> Result<Command, EmbedError> {
    if obj.get("prom").is_none_or(Value::is_null) {
        if let Some(url) = text("feed", "an event feed's URL, e.g. /metrics/feed")? {
            return feed_command(obj, &url, text);
        }
    }
    let prom =
        text("prom", "the Prometheus base URL, e.g. /prometheus")?.ok_or(EmbedError::Missing {
            command: "source",
            field: "prom",
            expected: "the Prometheus base URL (the part before /api/v1), e.g. /prometheus",
        })?;
    let mut b = PromSource::builder().base(&prom);
    const QUERY: &str = "a PromQL query or an array of them";
    match obj.get("query") {
        None | Some(Value::Null) => {}
        Some(Value::String(q)) => b = b.queries(q),
        Some(Value::Array(qs)) => {
            for q in qs {
                let q = q.as_str().ok_or_else(|| EmbedError::Field {
                    field: "query",
                    expected: QUERY,
                    found: format!("an array holding {}", describe(q)),
                })?;
                b = b.queries(q);
            }
        }
        Some(v) => {
            return Err(EmbedError::Field {
                field: "query",
                expected: QUERY,
                found: describe(v),
            })
        }
    }
    let number = |field: &'static str,
                  expected: &'static str,
                  unit: f64|
     -> Result<Option<i64>, EmbedError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .map(|x| Some((x * unit).round() as i64))
                .ok_or_else(|| EmbedError::Field {
                    field,
                    expected,
                    found: describe(v),
                }),
        }
    };
    if let Some(ms) = number("step", "a number of seconds", 1000.0)? {
        b = b.step_ms(ms);
    }
    if let Some(ms) = number("history", "a number of minutes", 60_000.0)? {
        b = b.history_ms(ms);
    }
    let from = text("from", "a time such as now-6h or 2026-12-06T10:00:00Z")?;
    let to = text("to", "a time such as now or 2026-12-06T16:00:00Z")?;
    let range = TimeRange::parse(from.as_deref(), to.as_deref()).map_err(|e| {
        EmbedError::Source(LiveError::Setting {
            field: "Time range",
            message: e.to_string(),
        })
    })?;
    b.range(range)
        .build()
        .map(|source| Command::Source { source })
        .map_err(EmbedError::Source)
}

/// `source` with `feed`: an event feed of metric points, with `kind` (`ndjson`, `sse`) and
/// `poll` (seconds, default 2).
fn feed_command(
    obj: &serde_json::Map<String, Value>,
    url: &str,
    text: &TextField<'_>,
) -> Result<Command, EmbedError> {
    const KIND: &str = "ndjson or sse";
    let kind = match text("kind", KIND)? {
        None => FeedKind::Ndjson,
        Some(k) => FeedKind::parse(k.trim()).ok_or_else(|| EmbedError::Field {
            field: "kind",
            expected: KIND,
            found: describe(&Value::String(k)),
        })?,
    };
    let poll_ms = match obj.get("poll") {
        None | Some(Value::Null) => 2_000,
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(|x| (x * 1000.0).round() as i64)
            .ok_or_else(|| EmbedError::Field {
                field: "poll",
                expected: "a number of seconds",
                found: describe(v),
            })?,
    };
    EventFeed::new(url, poll_ms)
        .map(|f| Command::Feed {
            feed: f.with_kind(kind),
        })
        .map_err(EmbedError::Source)
}

#[cfg(test)]
mod tests;
