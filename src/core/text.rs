//! User text echoed in messages: a cell, a column name or a list of them is shown cut
//! short, so a 1 MB cell or a header of 20,000 columns cannot turn one error into a
//! megabyte of output. The typed errors keep the full text; only their words are clipped.

use std::borrow::Cow;

/// Characters of one piece of user text (a cell, a name) a message shows.
pub const CLIP_CHARS: usize = 80;
/// Items of a list (column names, builds) a message shows.
pub const LIST_ITEMS: usize = 12;

/// `s` cut to at most `max` characters, with `…` where it was cut.
///
/// ```
/// use pipescope::core::text::clip_to;
/// assert_eq!(clip_to("abcdef", 3), "abc…");
/// assert_eq!(clip_to("abc", 3), "abc");
/// ```
pub fn clip_to(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// A count with thousands separators: `1352` reads `1,352`.
pub fn group_thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A number's text with thousands separators in its integer part; a sign and a fraction
/// are kept as they are. Every count and figure the product shows is grouped here.
///
/// ```
/// use pipescope::core::text::group_digits;
/// assert_eq!(group_digits("-1234567.25"), "-1,234,567.25");
/// assert_eq!(group_digits("999"), "999");
/// ```
pub fn group_digits(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(number.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// `s` cut to [`CLIP_CHARS`] characters.
pub fn clip(s: &str) -> Cow<'_, str> {
    clip_to(s, CLIP_CHARS)
}

/// The first [`LIST_ITEMS`] items, each clipped, joined by `, `, then how many more.
///
/// ```
/// use pipescope::core::text::list;
/// let names: Vec<String> = (1..=20).map(|i| format!("c{i}")).collect();
/// assert!(list(&names).ends_with("c12 and 8 more"));
/// assert_eq!(list(["a", "b"]), "a, b");
/// ```
pub fn list<I>(items: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut out = String::new();
    let mut n = 0usize;
    for item in items {
        if n < LIST_ITEMS {
            if n > 0 {
                out.push_str(", ");
            }
            out.push_str(&clip(item.as_ref()));
        }
        n += 1;
    }
    if n > LIST_ITEMS {
        out.push_str(&format!(" and {} more", n - LIST_ITEMS));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_on_character_boundaries_and_bounds_lists() {
        let wide = "é".repeat(1_000_000);
        let c = clip(&wide);
        assert_eq!(c.chars().count(), CLIP_CHARS + 1);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short"), "short");
        let names = vec!["é".repeat(1000); 20_000];
        let l = list(&names);
        assert!(l.chars().count() < 1200, "{}", l.len());
        assert!(l.ends_with(" and 19988 more"), "{}", &l[l.len() - 30..]);
        assert_eq!(list(Vec::<String>::new()), "");
    }

    #[test]
    fn error_messages_echo_a_bounded_share_of_huge_input() {
        use crate::core::errors::ReadError;
        use crate::core::ingest::IngestError;
        use crate::core::source::SourceError;
        let cell = "x".repeat(1 << 20);
        let columns: Vec<String> = (0..20_000).map(|c| format!("c{c}")).collect();
        let messages = [
            SourceError::NoTimeColumn {
                columns: columns.clone(),
            }
            .to_string(),
            SourceError::BadTimes {
                column: cell.clone(),
                line: 2,
                value: cell.clone(),
                bad: 3,
                rows: 4,
            }
            .to_string(),
            ReadError::TooManyBuilds {
                builds: vec![cell.clone(); 3],
            }
            .to_string(),
            ReadError::SingleBuild {
                build: cell.clone(),
            }
            .to_string(),
            IngestError::UnknownColumn {
                name: cell.clone(),
                available: columns,
            }
            .to_string(),
            IngestError::InvalidUtf8 {
                line: 1,
                column: cell,
                offset: 0,
            }
            .to_string(),
        ];
        for m in messages {
            assert!(
                m.chars().count() < 2000,
                "{} characters: {}",
                m.len(),
                &m[..200]
            );
        }
    }
}

/// Orders text as a person would: runs of digits compare by their value, so "$40K" comes
/// before "$120K +" and "item 9" before "item 10"; ties fall back to plain byte order.
///
/// ```
/// use pipescope::core::text::natural_cmp;
/// let mut v = vec!["$120K +", "$40K - $60K", "$80K - $120K", "$60K - $80K"];
/// v.sort_by(|a, b| natural_cmp(a, b));
/// assert_eq!(v, ["$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +"]);
/// ```
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let run = |s: &[u8], mut k: usize| {
                let start = k;
                while k < s.len() && s[k].is_ascii_digit() {
                    k += 1;
                }
                (start, k)
            };
            let ((si, ei), (sj, ej)) = (run(x, i), run(y, j));
            // Leading zeros do not change a number's value.
            let trim = |s: &[u8], a: usize, e: usize| {
                let mut a = a;
                while a + 1 < e && s[a] == b'0' {
                    a += 1;
                }
                a
            };
            let (ti, tj) = (trim(x, si, ei), trim(y, sj, ej));
            let order = (ei - ti)
                .cmp(&(ej - tj))
                .then_with(|| x[ti..ei].cmp(&y[tj..ej]));
            if order != Ordering::Equal {
                return order;
            }
            (i, j) = (ei, ej);
        } else {
            if x[i] != y[j] {
                return x[i].cmp(&y[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod natural_tests {
    use super::natural_cmp;

    #[test]
    fn numbers_in_text_sort_by_value() {
        let mut v = vec![
            "item 10",
            "item 9",
            "item 09b",
            "Unknown",
            "Less than $40K",
            "$40K",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "$40K",
                "Less than $40K",
                "Unknown",
                "item 9",
                "item 09b",
                "item 10"
            ]
        );
        assert_eq!(natural_cmp("a", "a"), std::cmp::Ordering::Equal);
    }
}

/// A figure for a table cell: integers exactly, others to a readable precision.
///
/// ```
/// use pipescope::core::text::figure;
/// assert_eq!(figure(1234567.0), "1,234,567");
/// assert_eq!(figure(0.012345), "0.01235");
/// assert_eq!(figure(f64::NAN), "–");
/// ```
pub fn figure(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "–".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    let a = x.abs();
    if x.fract() == 0.0 && a < 1e15 {
        return group_digits(&format!("{x:.0}"));
    }
    if a >= 1e15 || (a < 1e-4 && a > 0.0) {
        return format!("{x:.3e}");
    }
    let decimals = if a >= 1000.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        // Four significant digits below one.
        (4 - (a.log10().floor() as i32) - 1).clamp(1, 8) as usize
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    group_digits(&s)
}

