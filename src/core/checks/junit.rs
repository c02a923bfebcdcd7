//! JUnit XML of a check report, the format CI systems show as tests: one `<testcase>` a
//! check; a broken `fail` check is a `<failure>`, a check that could not run an `<error>`,
//! and a broken `warn` check passes with its message in `<system-out>` and a `level`
//! property, so CI shows it without failing the build.
//!
//! Hand-written: the document is small and flat, and every piece of user text (check
//! names, cell values, column names) goes through [`escape`], which also drops the
//! characters XML 1.0 cannot hold at all.

use std::fmt::Write;

use super::report::{evidence_text, CheckReport, Status};

/// Text made safe for XML content and attribute values: `& < > " '` as entities; control
/// characters other than tab, line feed and carriage return, lone surrogates' stand-ins
/// and U+FFFE/U+FFFF (not allowed in XML 1.0 even as references) as `\u{..}` text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept as references so attribute values keep them (a parser normalises raw
            // line breaks in attributes to spaces).
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

impl CheckReport {
    /// The report as JUnit XML; `suite` names the test suite (the data file, say).
    ///
    /// ```
    /// use pipescope::core::checks::{parse, run, Format};
    /// use pipescope::core::ingest::{read_bytes, IngestOptions};
    /// let table = read_bytes(b"a\n1\n2\n", &IngestOptions::default()).unwrap();
    /// let checks = parse("version: 1\nchecks:\n- name: a <b> & c\n  row_count: {min: 5}\n", Format::Yaml).unwrap();
    /// let xml = run(&table, &checks, None, 0).to_junit("data.csv");
    /// assert!(xml.contains(r#"<testcase name="a &lt;b&gt; &amp; c""#));
    /// assert!(xml.contains("<failure"));
    /// ```
    pub fn to_junit(&self, suite: &str) -> String {
        let n = self.counts;
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"pipescope check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">",
            self.checks.len(),
            n.failed,
            n.errors
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" timestamp=\"{}\">",
            escape(suite),
            self.checks.len(),
            n.failed,
            n.errors,
            escape(self.now.trim_end_matches('Z'))
        );
        x.push_str("    <properties>\n");
        let _ = writeln!(x, "      <property name=\"rows\" value=\"{}\"/>", self.rows);
        let _ = writeln!(
            x,
            "      <property name=\"warned\" value=\"{}\"/>",
            n.warned
        );
        x.push_str("    </properties>\n");
        for c in &self.checks {
            let _ = write!(
                x,
                "    <testcase name=\"{}\" classname=\"pipescope.checks.{}\">\n      <properties>\n        <property name=\"level\" value=\"{}\"/>\n        <property name=\"status\" value=\"{}\"/>\n      </properties>\n",
                escape(&c.name),
                c.rule,
                c.level.name(),
                c.status.name()
            );
            let mut details = format!(
                "{}\nobserved: {}\nexpected: {}",
                c.message,
                super::report::observed_text(&c.observed),
                c.expected
            );
            for e in &c.evidence {
                details.push_str("\n- ");
                details.push_str(&evidence_text(e));
            }
            match c.status {
                Status::Pass => {}
                Status::Warn => {
                    let _ = writeln!(
                        x,
                        "      <system-out>warning: {}</system-out>",
                        escape(&details)
                    );
                }
                Status::Fail => {
                    let _ = writeln!(
                        x,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(&c.message),
                        c.rule,
                        escape(&details)
                    );
                }
                Status::Error => {
                    let line = c
                        .check_line
                        .map_or(String::new(), |l| format!("checks file line {l}: "));
                    let _ = writeln!(
                        x,
                        "      <error message=\"{}\" type=\"check-error\">{}{}</error>",
                        escape(&c.message),
                        escape(&line),
                        escape(&c.message)
                    );
                }
            }
            x.push_str("    </testcase>\n");
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}
