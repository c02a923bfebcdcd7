//! An error in a file a user writes by hand (a checks file, a rules file): a typed kind,
//! where it is (line, column, key path) and which item of the file's list it belongs to,
//! in the manner of the csv crate's errors (kind plus position). One shape for every such
//! file, so the CLI and the page show them alike.

use std::fmt;

use crate::core::text::clip;

/// Which item of a file's list an error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    /// The list's key: `checks`, `rules` or `silences`.
    pub list: &'static str,
    /// 0-based position in that list.
    pub index: usize,
    /// Its name, when it has one and it could be read.
    pub name: Option<String>,
}

impl ItemRef {
    /// What one item of the list is called: `check`, `rule`, `silence`.
    pub fn noun(&self) -> &'static str {
        self.list.strip_suffix('s').unwrap_or(self.list)
    }
}

/// An error of kind `K` in a hand-written file: kind, position, item and key path.
///
/// ```
/// use pipescope::core::checks::{parse, Format};
///
/// let err = parse("version: 1\nchecks:\n  - name: rows\n    row_count: {min: lots}\n", Format::Yaml)
///     .unwrap_err();
/// assert_eq!(err.line, Some(4));
/// assert_eq!(err.item.as_ref().map(|i| i.noun()), Some("check"));
/// assert!(err.to_string().starts_with("line 4, column"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FileError<K> {
    /// What is wrong.
    pub kind: K,
    /// 1-based line in the file.
    pub line: Option<u64>,
    /// 1-based column in that line.
    pub column: Option<u64>,
    /// The item it belongs to (absent for file-level errors such as the version).
    pub item: Option<ItemRef>,
    /// Where in the file's structure, such as `checks[3].range.min`.
    pub path: Option<String>,
}

impl<K> FileError<K> {
    /// An error of `kind` with no position yet.
    pub fn new(kind: K) -> FileError<K> {
        FileError {
            kind,
            line: None,
            column: None,
            item: None,
            path: None,
        }
    }
}

impl<K: fmt::Display> fmt::Display for FileError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        if let Some(item) = &self.item {
            let noun = item.noun();
            match &item.name {
                Some(n) => write!(f, "{noun} '{}'", clip(n))?,
                None => write!(f, "{noun} #{}", item.index + 1)?,
            }
            match &self.path {
                Some(p) => write!(f, " ({p}): ")?,
                None => write!(f, ": ")?,
            }
        } else if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl<K: fmt::Debug + fmt::Display> std::error::Error for FileError<K> {}
