//! What every subcommand shares: argument parsers and the way failures are reported.

use std::process::ExitCode;

use pipescope::core::errors;
use pipescope::core::ingest::ColumnType;

pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        "tab" | "\t" | "\\t" => Ok(b'\t'),
        ";" | "semicolon" => Ok(b';'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(format!(
            "unknown delimiter '{s}': use ',', 'tab', ';' or 'pipe'"
        )),
    }
}

pub fn parse_method(s: &str) -> Result<errors::Method, String> {
    errors::Method::parse(s)
        .ok_or_else(|| format!("unknown method '{s}': use rate-test or mean-threshold"))
}

pub fn parse_type(s: &str) -> Result<(String, ColumnType), String> {
    let (col, ty) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("'{s}' is not COL=TYPE (for example Credit_Limit=numeric)"))?;
    let kind = ColumnType::parse(ty).ok_or_else(|| {
        format!("unknown type '{ty}' for column '{col}': use numeric, categorical, boolean, datetime or text")
    })?;
    Ok((col.to_string(), kind))
}

/// Bytes of memory the kernel says are available (Linux); None elsewhere.
pub fn memory_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("pipescope: {message}");
    ExitCode::from(2)
}
