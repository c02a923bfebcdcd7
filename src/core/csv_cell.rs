//! Text cells of every CSV pipescope writes (profile, incident and anomaly exports, the
//! journal export, `pipescope detect` and `simulate`): a spreadsheet runs a cell that
//! starts with `=`, `+`, `@`, a tab or a carriage return (or a `-` that does not start a
//! number) as a formula, so such text gets a `'` in front when it is written. Data is
//! never markup and never code, whoever opens the file.

/// Whether a spreadsheet would run `s` as a formula.
pub fn is_risky(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '@' | '\t' | '\r'))
        || (s.starts_with('-') && s.trim().parse::<f64>().is_err())
}

/// `s` as a safe CSV cell: a `'` in front of a formula, else unchanged.
///
/// ```
/// use pipescope::core::csv_cell::text;
/// assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(text("-3.5"), "-3.5");
/// assert_eq!(text("ok"), "ok");
/// ```
pub fn text(s: &str) -> String {
    if is_risky(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// [`text`], reversibly for files pipescope reads back (the journal export): every cell
/// that starts with `'` or `-`, and the empty text, gets the `'` too, so [`unescape`]
/// returns exactly what was written.
pub fn reversible(s: &str) -> String {
    match s.chars().next() {
        None | Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// The text [`reversible`] wrote.
pub fn unescape(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_and_numbers_do_not() {
        for s in [
            "=1+1",
            "+cmd",
            "@SUM(1+1)",
            "\tx",
            "\rx",
            "-cmd",
            "=HYPERLINK(\"u\")",
        ] {
            assert_eq!(text(s), format!("'{s}"));
        }
        for s in ["-3.5", "12", "ok", "", "2026-01-01T00:00:00Z"] {
            assert_eq!(text(s), s);
        }
        for s in ["", "'a", "-1", "=x", "plain"] {
            assert_eq!(unescape(&reversible(s)), s);
        }
    }
}
