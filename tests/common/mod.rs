//! Helpers the command-line tests share: run the binary, read its output, scratch files.
#![allow(dead_code)]

pub mod set_a_rules;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `pipescope` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

/// Runs `pipescope` with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run pipescope")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch directory unique to this test process and test name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `dir/name`; the path as text.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

/// A Python 3 interpreter where `import {modules}` works, for the golden tests that compare
/// against SciPy and NumPy: `PIPESCOPE_PYTHON` if set, else Debian's /usr/bin/python3 (where
/// `apt-get install python3-scipy python3-numpy` puts SciPy; `make setup-test` does it), else
/// `python3` on PATH. Panics, saying which test needs what, when none of them has the modules.
pub fn reference_python(test: &str, modules: &str) -> String {
    let candidates: Vec<String> = std::env::var("PIPESCOPE_PYTHON")
        .into_iter()
        .chain(["/usr/bin/python3".to_string(), "python3".to_string()])
        .collect();
    for c in &candidates {
        let ok = Command::new(c)
            .args(["-c", &format!("import {modules}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return c.clone();
        }
    }
    panic!(
        "the {test} golden test needs Python 3 with {modules}, and none of {candidates:?} has them: \
         run `make setup-test`, or `apt-get install -y python3-scipy python3-numpy` \
         (or set PIPESCOPE_PYTHON to an interpreter that has them)"
    );
}

/// The default simulator's metric names, in stream order.
pub fn sim_metric_names() -> Vec<String> {
    pipescope::core::simulator::SimConfig::default()
        .metrics
        .iter()
        .map(|m| m.name.clone())
        .collect()
}
