//! Which column of an error-event CSV is the timestamp, the build and the code: guessed
//! from the header's names or, without one, from the values, unless the options say.

use super::read::{ReadError, ReadOptions};
use crate::core::time::TimeFormat;

/// Which column plays each role (zero-based indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Roles {
    /// The timestamp column.
    pub time: usize,
    /// The build (version) column.
    pub build: usize,
    /// The error-code column; codes are labels, not numbers.
    pub code: usize,
}

/// Compare two build names by dotted numeric version order (`5.0007.610` > `5.0007.510`,
/// `1.10` > `1.9`); non-numeric parts compare as text, and ties fall back to the text.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let split = |s: &str| {
        s.trim_start_matches(['v', 'V'])
            .split(['.', '-', '_', '+'])
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (pa, pb) = (split(a), split(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u128>(), y.parse::<u128>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len()).then_with(|| a.cmp(b))
}

fn looks_like_version(s: &str) -> bool {
    let t = s.trim_start_matches(['v', 'V']);
    t.contains('.') && t.starts_with(|c: char| c.is_ascii_digit()) && !t.contains(['e', 'E'])
}

/// Guess which column is which from header names or sampled values.
pub(super) fn guess_roles(
    header: Option<&[String]>,
    sample: &[Vec<String>],
    ncols: usize,
    options: &ReadOptions,
) -> Result<Roles, ReadError> {
    let named = |keys: &[&str]| -> Option<usize> {
        let h = header?;
        h.iter().position(|n| {
            let n = n.to_ascii_lowercase();
            keys.iter().any(|k| n.contains(k))
        })
    };
    // "All" allows a few bad rows in the sample (they are reported later, line by line).
    let all = |c: usize, f: &dyn Fn(&str) -> bool| {
        let ok = sample
            .iter()
            .filter(|r| r.get(c).is_some_and(|v| f(v)))
            .count();
        ok > 0 && ok * 10 >= sample.len() * 9
    };
    let mut taken = Vec::new();
    for (role, v) in [
        ("timestamp", options.time),
        ("build", options.build),
        ("code", options.code),
    ] {
        if let Some(i) = v {
            if i >= ncols {
                return Err(ReadError::NoSuchColumn {
                    role,
                    index: i,
                    columns: ncols,
                });
            }
            if taken.contains(&i) {
                return Err(ReadError::SameColumn { index: i });
            }
            taken.push(i);
        }
    }
    // Clock and ISO times are distinctive, so half the sample is enough to call a column time.
    let most = |c: usize, f: &dyn Fn(&str) -> bool| {
        let ok = sample
            .iter()
            .filter(|r| r.get(c).is_some_and(|v| f(v)))
            .count();
        ok > 0 && ok * 2 >= sample.len()
    };
    let free = |taken: &[usize]| {
        (0..ncols)
            .filter(move |c| !taken.contains(c))
            .collect::<Vec<_>>()
    };

    let time = match options.time {
        Some(t) => t,
        None => {
            let cands = free(&taken);
            let by_name = named(&["time", "date", "ts", "when"]).filter(|c| cands.contains(c));
            let text_time = cands.iter().copied().find(|&c| {
                most(c, &|v| {
                    matches!(
                        TimeFormat::detect(v),
                        Some(TimeFormat::Clock | TimeFormat::Iso8601)
                    )
                })
            });
            // Among plain numbers (codes are often numbers too), the time is the column
            // that never goes backwards.
            let numeric_time = || {
                cands.iter().copied().find(|&c| {
                    all(c, &|v| TimeFormat::detect(v).is_some())
                        && sample.windows(2).all(|w| {
                            let p =
                                |r: &Vec<String>| r[c].trim().parse::<f64>().unwrap_or(f64::NAN);
                            p(&w[0]).partial_cmp(&p(&w[1])) != Some(std::cmp::Ordering::Greater)
                        })
                })
            };
            by_name
                .or(text_time)
                .or_else(numeric_time)
                .ok_or(ReadError::NoTimeColumn)?
        }
    };
    taken.push(time);
    let build = match options.build {
        Some(b) => b,
        None => {
            let cands = free(&taken);
            let by_name = named(&["build", "version", "release"]).filter(|c| cands.contains(c));
            let versions = cands
                .iter()
                .copied()
                .find(|&c| all(c, &|v| looks_like_version(v)));
            let fewest = || {
                cands.iter().copied().min_by_key(|&c| {
                    let mut seen: Vec<&str> = sample
                        .iter()
                        .filter_map(|r| r.get(c).map(String::as_str))
                        .collect();
                    seen.sort_unstable();
                    seen.dedup();
                    seen.len()
                })
            };
            by_name
                .or(versions)
                .or_else(fewest)
                .ok_or(ReadError::TooFewColumns {
                    line: 1,
                    found: ncols,
                })?
        }
    };
    taken.push(build);
    let code = match options.code {
        Some(c) => c,
        None => {
            let cands = free(&taken);
            named(&["code", "error", "err"])
                .filter(|c| cands.contains(c))
                .or(cands.first().copied())
                .ok_or(ReadError::TooFewColumns {
                    line: 1,
                    found: ncols,
                })?
        }
    };
    Ok(Roles { time, build, code })
}
