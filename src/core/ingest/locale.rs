//! Numbers and dates written the way a locale writes them: decimal commas (`3,14`,
//! `1.234,56`) and day-month or month-day dates (`31.12.2024`, `12/31/2024`). A column is
//! read one of these ways only when its sample leaves no doubt, or when the user chose it;
//! an ambiguous column is read by the more common reading and the other is offered.

use super::cell::trim;
use crate::core::time::calendar::{days_from_civil, days_in_month};
use serde::{Deserialize, Serialize};

/// How a column's cells are read beyond the standard forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// Standard forms only (`3.14`, ISO 8601 dates).
    #[default]
    Standard,
    /// Numbers with a decimal comma and optional `.` thousands groups.
    DecimalComma,
    /// Dates as day, month, year (`31.12.2024`, `31/12/2024`).
    DayFirst,
    /// Dates as month, day, year (`12/31/2024`).
    MonthFirst,
    /// Numbers with `,` grouping thousands and `.` as the decimal point (`1,234.5`).
    ThousandsComma,
}

impl Reading {
    /// Words for the page and messages.
    pub fn describe(self) -> &'static str {
        match self {
            Reading::Standard => "standard (a dot is the decimal point)",
            Reading::DecimalComma => "decimal comma (3,14 is 3.14)",
            Reading::DayFirst => "day first (31.12.2024, 31/12/2024)",
            Reading::MonthFirst => "month first (12/31/2024)",
            Reading::ThousandsComma => "thousands comma (1,234 is 1234)",
        }
    }

    /// Every reading, for option parsers and lists.
    pub const ALL: [Reading; 5] = [
        Reading::Standard,
        Reading::DecimalComma,
        Reading::ThousandsComma,
        Reading::DayFirst,
        Reading::MonthFirst,
    ];

    /// The reading's name in options and JSON (`decimal-comma`).
    pub fn name(self) -> &'static str {
        match self {
            Reading::Standard => "standard",
            Reading::DecimalComma => "decimal-comma",
            Reading::DayFirst => "day-first",
            Reading::MonthFirst => "month-first",
            Reading::ThousandsComma => "thousands-comma",
        }
    }

    /// The reading named `name` (as [`Reading::name`] writes it).
    pub fn parse(name: &str) -> Option<Reading> {
        Reading::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The other reading of the same cells, offered when a column fits both.
    pub fn other(self) -> Option<Reading> {
        match self {
            Reading::DecimalComma => Some(Reading::ThousandsComma),
            Reading::ThousandsComma => Some(Reading::DecimalComma),
            Reading::DayFirst => Some(Reading::MonthFirst),
            Reading::MonthFirst => Some(Reading::DayFirst),
            Reading::Standard => None,
        }
    }

    /// Reads a number cell this way (None: not a number here).
    pub fn number(self, cell: &[u8]) -> Option<f64> {
        match self {
            Reading::DecimalComma => parse_decimal_comma(cell),
            Reading::ThousandsComma => parse_thousands_comma(cell),
            // The fast path first, as ingest's standard reading always did.
            _ => super::cell::fast_decimal(cell).or_else(|| super::cell::parse_number(cell)),
        }
    }

    /// Reads a date cell this way (None: not a date here).
    pub fn date(self, cell: &[u8]) -> Option<f64> {
        match self {
            Reading::DayFirst => parse_local_date(cell, true),
            Reading::MonthFirst => parse_local_date(cell, false),
            _ => super::cell::parse_datetime(cell),
        }
    }
}

/// Parses a number whose `,` group thousands: `1,234`, `-12,345.5`.
pub fn parse_thousands_comma(cell: &[u8]) -> Option<f64> {
    let b = trim(cell);
    let (int, frac) = match memchr::memchr(b'.', b) {
        Some(i) => (&b[..i], &b[i..]),
        None => (b, &b""[..]),
    };
    let body = int
        .strip_prefix(b"-")
        .or(int.strip_prefix(b"+"))
        .unwrap_or(int);
    let groups: Vec<&[u8]> = body.split(|&c| c == b',').collect();
    if groups[0].is_empty() || groups[0].len() > 3 && groups.len() > 1 {
        return None;
    }
    if groups[1..].iter().any(|g| g.len() != 3) {
        return None;
    }
    let mut text: Vec<u8> = int.iter().copied().filter(|&c| c != b',').collect();
    text.extend_from_slice(frac);
    super::cell::parse_number(&text)
}

/// Parses a number written with a decimal comma: `3,14`, `-0,5`, `1.234.567,89`, and
/// integers. `.` may only group thousands (`1.234`): `3.14` is not read here.
pub fn parse_decimal_comma(cell: &[u8]) -> Option<f64> {
    let b = trim(cell);
    let (sign, body) = match b.first()? {
        b'-' => (-1.0, &b[1..]),
        b'+' => (1.0, &b[1..]),
        _ => (1.0, b),
    };
    let (int, frac) = match memchr::memchr(b',', body) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if int.is_empty() || frac.is_some_and(|f| f.is_empty() || !f.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let mut digits = String::with_capacity(body.len());
    let groups: Vec<&[u8]> = int.split(|&c| c == b'.').collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return None;
    }
    for g in groups {
        if !g.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits.push_str(std::str::from_utf8(g).ok()?);
    }
    if let Some(f) = frac {
        digits.push('.');
        digits.push_str(std::str::from_utf8(f).ok()?);
    }
    let v: f64 = digits.parse().ok()?;
    v.is_finite().then_some(sign * v)
}

/// Whether a decimal-comma cell could as well be a number with a thousands comma: one
/// comma, then exactly three digits, and no `.` (`1,234`).
pub fn comma_is_ambiguous(cell: &[u8]) -> bool {
    let b = trim(cell);
    let b = b.strip_prefix(b"-").unwrap_or(b);
    match memchr::memchr(b',', b) {
        Some(i) => {
            b.len() - i - 1 == 3
                && !b.contains(&b'.')
                && i > 0
                && i <= 3
                && memchr::memchr(b',', &b[i + 1..]).is_none()
        }
        None => false,
    }
}

/// The day, month and year parts of `DD.MM.YYYY`, `DD/MM/YYYY` or `MM/DD/YYYY` (one or
/// two digits each for the first two) and the rest of the cell, with the separator.
fn date_parts(b: &[u8]) -> Option<(u32, u32, i64, u8, &[u8])> {
    let sep = *b.iter().find(|c| !c.is_ascii_digit())?;
    if sep != b'.' && sep != b'/' && sep != b'-' {
        return None;
    }
    let mut parts = b.splitn(3, |&c| c == sep);
    let first = parts.next()?;
    let second = parts.next()?;
    let rest = parts.next()?;
    let year_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&first.len()) || !(1..=2).contains(&second.len()) || year_len != 4 {
        return None;
    }
    let num = |d: &[u8]| -> Option<u32> { std::str::from_utf8(d).ok()?.parse().ok() };
    Some((
        num(first)?,
        num(second)?,
        num(&rest[..4])? as i64,
        sep,
        &rest[4..],
    ))
}

/// Parses a day-first (`day_first`) or month-first date, optionally followed by a space
/// or `T` and `HH:MM[:SS]`, as seconds since the Unix epoch (UTC).
pub fn parse_local_date(cell: &[u8], day_first: bool) -> Option<f64> {
    let b = trim(cell);
    let (a, c, y, sep, rest) = date_parts(b)?;
    if sep == b'.' && !day_first {
        // Dotted dates are day-first wherever they are written.
        return None;
    }
    let (d, m) = if day_first { (a, c) } else { (c, a) };
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) as f64 * 86_400.0;
    if rest.is_empty() {
        return Some(secs);
    }
    let time = match rest[0] {
        b' ' | b'T' => &rest[1..],
        _ => return None,
    };
    let mut fields = time.split(|&ch| ch == b':');
    let num = |f: Option<&[u8]>| -> Option<u32> {
        let f = f?;
        if f.len() != 2 {
            return None;
        }
        std::str::from_utf8(f).ok()?.parse().ok()
    };
    let hh = num(fields.next())?;
    let mm = num(fields.next())?;
    let ss = match fields.next() {
        Some(f) => num(Some(f))?,
        None => 0,
    };
    if fields.next().is_some() || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    secs += f64::from(hh * 3600 + mm * 60 + ss);
    Some(secs)
}

/// What a sample of a column's cells says about a locale reading: the reading when every
/// present cell reads that way (and some cell needs it), and whether the other reading
/// would read them too (so the page can offer it).
pub fn infer_reading<'a>(
    cells: impl Iterator<Item = &'a [u8]> + Clone,
    is_missing: impl Fn(&[u8]) -> bool,
) -> Option<(Reading, bool)> {
    let present = || cells.clone().filter(|c| !is_missing(c));
    present().next()?;
    if present().all(|c| parse_decimal_comma(c).is_some())
        && present().any(|c| trim(c).contains(&b','))
    {
        let ambiguous = present()
            .filter(|c| trim(c).contains(&b','))
            .all(comma_is_ambiguous);
        return Some((Reading::DecimalComma, ambiguous));
    }
    let day = present().all(|c| parse_local_date(c, true).is_some());
    let month = present().all(|c| parse_local_date(c, false).is_some());
    match (day, month) {
        (true, true) => Some((Reading::DayFirst, true)),
        (true, false) => Some((Reading::DayFirst, false)),
        (false, true) => Some((Reading::MonthFirst, false)),
        (false, false) => None,
    }
}

/// How to read a column of text cells as numbers when the caller wants numbers whatever
/// the column looks like (`pipescope detect --value`, a metric column of the Monitor): the
/// reading under which the most of the first 10,000 present cells are numbers, standard
/// unless a locale's reading reads more, with the other reading when the comma cells fit
/// both. One rule for every reader that takes a column as numbers.
///
/// ```
/// use pipescope::core::ingest::locale::{number_reading, Reading};
/// let cells = ["3,14", "2,5", "NA", "4"];
/// assert_eq!(number_reading(cells.iter().copied()), (Reading::DecimalComma, None));
/// assert_eq!(number_reading(["3.14", "x"].into_iter()).0, Reading::Standard);
/// ```
pub fn number_reading<'a>(cells: impl Iterator<Item = &'a str>) -> (Reading, Option<Reading>) {
    let (mut standard, mut decimal, mut thousands, mut commas, mut ambiguous) = (0, 0, 0, 0, 0);
    for cell in cells
        .map(str::as_bytes)
        .filter(|c| !super::cell::is_missing(c))
        .take(10_000)
    {
        standard += usize::from(super::cell::parse_number(cell).is_some());
        decimal += usize::from(parse_decimal_comma(cell).is_some());
        thousands += usize::from(parse_thousands_comma(cell).is_some());
        if trim(cell).contains(&b',') {
            commas += 1;
            ambiguous += usize::from(comma_is_ambiguous(cell));
        }
    }
    if decimal > standard && decimal >= thousands {
        let other = (commas > 0 && ambiguous == commas).then_some(Reading::ThousandsComma);
        (Reading::DecimalComma, other)
    } else if thousands > standard {
        let other = (commas > 0 && ambiguous == commas).then_some(Reading::DecimalComma);
        (Reading::ThousandsComma, other)
    } else {
        (Reading::Standard, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_and_thousands_dots() {
        assert_eq!(parse_decimal_comma(b"3,14"), Some(3.14));
        assert_eq!(parse_decimal_comma(b" -0,5 "), Some(-0.5));
        assert_eq!(parse_decimal_comma(b"1.234.567,89"), Some(1_234_567.89));
        assert_eq!(parse_decimal_comma(b"1.234"), Some(1234.0));
        assert_eq!(parse_decimal_comma(b"42"), Some(42.0));
        for bad in [
            "3.14", "1,2,3", ",5", "5,", "12.34,5", "1.2345,6", "abc", "1,5e3",
        ] {
            assert_eq!(parse_decimal_comma(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_thousands_comma(b"1,234"), Some(1234.0));
        assert_eq!(parse_thousands_comma(b"-12,345.5"), Some(-12345.5));
        assert_eq!(parse_thousands_comma(b"1,23"), None);
        assert!(comma_is_ambiguous(b"1,234"));
        assert!(!comma_is_ambiguous(b"3,14"));
        assert!(!comma_is_ambiguous(b"1.234,567"));
    }

    #[test]
    fn day_and_month_first_dates() {
        let day = |s: &str| parse_local_date(s.as_bytes(), true);
        let month = |s: &str| parse_local_date(s.as_bytes(), false);
        let new_year_eve = days_from_civil(2024, 12, 31) as f64 * 86_400.0;
        assert_eq!(day("31.12.2024"), Some(new_year_eve));
        assert_eq!(day("31/12/2024"), Some(new_year_eve));
        assert_eq!(month("12/31/2024"), Some(new_year_eve));
        assert_eq!(month("31.12.2024"), None, "dots are day-first");
        assert_eq!(day("12/31/2024"), None);
        assert_eq!(
            day("1.2.2024 13:05"),
            Some((days_from_civil(2024, 2, 1) * 86_400 + 47_100) as f64)
        );
        assert_eq!(day("30.02.2024"), None);
        assert_eq!(
            day("2024-12-31"),
            None,
            "ISO dates are the standard reading's"
        );
    }

    #[test]
    fn a_column_is_read_a_local_way_only_when_its_sample_says_so() {
        let infer = |cells: &[&str]| {
            infer_reading(cells.iter().map(|c| c.as_bytes()), |c| trim(c).is_empty())
        };
        assert_eq!(
            infer(&["3,14", "2,5", "", "7"]),
            Some((Reading::DecimalComma, false))
        );
        assert_eq!(
            infer(&["1,234", "5,678"]),
            Some((Reading::DecimalComma, true))
        );
        assert_eq!(
            infer(&["31.12.2024", "01.01.2025"]),
            Some((Reading::DayFirst, false))
        );
        assert_eq!(
            infer(&["12/31/2024", "01/02/2025"]),
            Some((Reading::MonthFirst, false))
        );
        assert_eq!(
            infer(&["03/04/2024", "05/06/2024"]),
            Some((Reading::DayFirst, true))
        );
        assert_eq!(infer(&["3.14", "2.5"]), None);
        assert_eq!(infer(&["x", "3,14"]), None);
    }
}
