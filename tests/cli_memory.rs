//! The memory guard end to end (issue 13 item 4): under `ulimit -v`, a file whose run would
//! not fit is refused with exit code 2 and the sizes, never aborted (rc 134); one that fits
//! still runs. The files are generated in a scratch directory, tens of MB at most.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-mem-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs pipescope under `ulimit -v kb` (address space, in KiB).
fn run_limited(kb: u64, args: &[&str]) -> Output {
    let mut script = format!("ulimit -v {kb}; exec '{BIN}'");
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_remove("PIPESCOPE_MEMORY_GUARD")
        .output()
        .expect("run sh")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A metric CSV: `time,cpu,latency`, one row a second, about `mb` MB.
fn metrics(path: &Path, mb: u64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "time,cpu,latency").unwrap();
    let mut written = 0u64;
    let mut i = 0u64;
    while written < mb * 1_000_000 {
        let line = format!(
            "{},{}.{},{}\n",
            1_700_000_000 + i,
            40 + (i * 37) % 20,
            i % 10,
            100 + (i * 13) % 50
        );
        written += line.len() as u64;
        w.write_all(line.as_bytes()).unwrap();
        i += 1;
    }
}

/// An error-event CSV like ErrorStreamSet*: `H:MM:SS,build,code`, about `mb` MB.
fn error_events(path: &Path, mb: u64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "time,build,code").unwrap();
    let builds = ["5.0007.510.011", "5.0007.610.011"];
    let mut written = 0u64;
    let mut i = 0u64;
    while written < mb * 1_000_000 {
        let t = i / 400;
        let line = format!(
            "{}:{:02}:{:02},{},{}\n",
            t / 3600,
            (t / 60) % 60,
            t % 60,
            builds[(i % 2) as usize],
            (i * 7919) % 23
        );
        written += line.len() as u64;
        w.write_all(line.as_bytes()).unwrap();
        i += 1;
    }
}

/// The refusal: exit 2, the file's size, an estimated peak, the limit named, what to do.
fn assert_refused(o: &Output, command: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{command}: {err}");
    for part in [
        "the file is",
        &format!("`{command}` would need about"),
        "of memory at its peak",
        "ulimit -v",
        "head -n",
        "PIPESCOPE_MEMORY_GUARD=off",
    ] {
        assert!(
            err.contains(part),
            "{command}: '{part}' missing from: {err}"
        );
    }
    assert!(
        o.stdout.is_empty(),
        "{command}: nothing printed before the refusal"
    );
}

#[test]
fn every_file_command_refuses_what_does_not_fit_under_ulimit_v_and_runs_what_does() {
    let dir = scratch("all");
    let table = dir.join("table.csv");
    let status = Command::new(BIN)
        .args(["gen-csv", "--mb", "40", "--out", table.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(status.status.success());
    let events = dir.join("events.csv");
    error_events(&events, 40);
    let series = dir.join("series.csv");
    metrics(&series, 4);
    let (table, events, series) = (
        table.to_str().unwrap(),
        events.to_str().unwrap(),
        series.to_str().unwrap(),
    );
    let detect = ["detect", series, "--time", "time", "--value", "cpu"];
    let incidents = ["incidents", series, "--time", "time"];

    // 40 MB of table and of events take about 2x in memory, 4 MB of short metric rows
    // over 20x: 60 MB of address space holds none of them.
    for args in [
        &["profile", table][..],
        &["errors", events][..],
        &detect[..],
        &incidents[..],
    ] {
        assert_refused(&run_limited(60_000, args), args[0]);
    }
    // The limit named is the one that binds, with how much it leaves.
    let o = run_limited(60_000, &["profile", table]);
    assert!(
        stderr(&o).contains("the address-space limit (ulimit -v) is 61.4 MB"),
        "{}",
        stderr(&o)
    );

    // Under 1.5 GB they all fit, and run to the end.
    for args in [
        &["profile", table][..],
        &["errors", events][..],
        &detect[..],
        &incidents[..],
    ] {
        let o = run_limited(1_500_000, args);
        assert!(o.status.success(), "{}: {}", args[0], stderr(&o));
        // profile and detect always print; errors and incidents print what they find.
        if matches!(args[0], "profile" | "detect") {
            assert!(!o.stdout.is_empty(), "{}", args[0]);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_guard_switched_off_runs_anyway_and_real_data_is_never_refused() {
    // Real data, no limit: no refusal (false refusals are as bad as aborts).
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/");
    for args in [
        vec!["profile".to_string(), format!("{data}BankChurners.csv")],
        vec!["errors".to_string(), format!("{data}ErrorStreamSetA.csv")],
    ] {
        let o = Command::new(BIN).args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    // A 20 MB table refused under 80 MB runs when the guard is off and the limit allows.
    let dir = scratch("off");
    let table = dir.join("table.csv");
    Command::new(BIN)
        .args(["gen-csv", "--mb", "20", "--out", table.to_str().unwrap()])
        .output()
        .unwrap();
    let table = table.to_str().unwrap();
    assert_refused(&run_limited(80_000, &["profile", table]), "profile");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 1500000; exec '{BIN}' profile '{table}'"))
        .env("PIPESCOPE_MEMORY_GUARD", "off")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}
