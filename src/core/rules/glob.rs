//! Name patterns: `*` any run of characters, `?` one character, everything else literal.

/// Whether `pattern` has a wildcard (else it names one thing).
pub fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Whether `name` matches the glob `pattern`, whole.
///
/// ```
/// use pipescope::core::rules::glob::matches;
/// assert!(matches("cpu_*", "cpu_user"));
/// assert!(matches("*", "anything"));
/// assert!(matches("db?_lag", "db2_lag"));
/// assert!(!matches("cpu_*", "mem_used"));
/// ```
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Greedy with one backtrack point: linear for the patterns people write.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("**", ""));
        assert!(matches("é?", "éx"));
    }
}
