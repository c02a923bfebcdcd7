//! The `pipescope` binary end to end: real data, bad files, bad arguments.

mod common;

use common::{run, scratch, stderr, write};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/BankChurners.csv"
);

#[test]
fn profile_bankchurners_prints_json_of_every_column() {
    let o = run(&["profile", DATA]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["rows"], 10_127);
    assert_eq!(v["delimiter"], ",");
    assert_eq!(v["has_header"], true);
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 23);
    let age = cols.iter().find(|c| c["name"] == "Customer_Age").unwrap();
    assert_eq!(age["type"], "numeric");
    assert_eq!(
        (age["min"].as_f64(), age["max"].as_f64()),
        (Some(26.0), Some(73.0))
    );
    let income = cols
        .iter()
        .find(|c| c["name"] == "Income_Category")
        .unwrap();
    assert_eq!(income["type"], "categorical");
    assert_eq!(income["top"][0][0], "Less than $40K");
    for key in [
        "count", "missing", "distinct", "q1", "median", "q3", "mean", "std", "skewness", "outliers",
    ] {
        assert!(age.get(key).is_some(), "missing key {key}");
    }
}

#[test]
fn type_override_and_dialect_flags_apply() {
    let o = run(&[
        "profile",
        DATA,
        "--delimiter",
        ",",
        "--header",
        "--type",
        "Customer_Age=categorical",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let age = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Customer_Age")
        .unwrap()
        .clone();
    assert_eq!(age["type"], "categorical");
    assert_eq!(age["mean"], serde_json::Value::Null);
    assert_eq!(age["top"].as_array().unwrap().len(), 5);
}

#[test]
fn bad_files_fail_with_exit_code_2_and_a_message() {
    let dir = scratch("bad");
    let cases: [(&str, &[u8], &str); 3] = [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"a,b,c\n", "no data rows"),
        (
            "binary.csv",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00",
            "binary",
        ),
    ];
    for (name, bytes, says) in cases {
        let path = write(&dir, name, bytes);
        let o = run(&["profile", &path]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{name}: no JSON on failure");
        let err = stderr(&o);
        assert!(err.contains(says) && err.contains(name), "{name}: {err}");
    }
    let o = run(&["profile", &dir.join("absent.csv").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absent.csv"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ragged_rows_are_reported_and_good_rows_kept() {
    let dir = scratch("ragged");
    let path = write(&dir, "ragged.csv", b"x,y\n1,2\n3\n4,5\n6,7,8\n9,10\n");
    let o = run(&["profile", &path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], 3);
    assert_eq!(v["skipped_rows"], 2);
    assert_eq!(v["skipped_lines"], serde_json::json!([3, 5]));
    assert!(stderr(&o).contains("lines 3, 5"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_fail_with_exit_code_2() {
    for args in [
        vec!["profile", DATA, "--type", "Customer_Age"],
        vec!["profile", DATA, "--type", "Customer_Age=money"],
        vec!["profile", DATA, "--delimiter", "x"],
        vec!["profile", DATA, "--type", "No_Such_Column=numeric"],
        vec!["frobnicate"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
    let o = run(&["profile", DATA, "--type", "No_Such_Column=numeric"]);
    assert!(stderr(&o).contains("No_Such_Column"), "{}", stderr(&o));
}

#[test]
fn gen_csv_writes_a_deterministic_file_that_profiles() {
    let dir = scratch("gen");
    let a = dir.join("a.csv");
    let b = dir.join("b.csv");
    for p in [&a, &b] {
        let o = run(&[
            "gen-csv",
            "--mb",
            "0.2",
            "--seed",
            "5",
            "--out",
            p.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ba, bb);
    assert!(ba.len() >= 200_000);
    let o = run(&["profile", a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let types: Vec<&str> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "numeric",
            "numeric",
            "numeric",
            "numeric",
            "numeric",
            "categorical",
            "categorical",
            "categorical"
        ]
    );
    let o = run(&["gen-csv", "--mb", "-1", "--out", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_refuses_huge_windows_and_bins_before_any_work() {
    let dir = scratch("huge-windows");
    let mut csv = String::from("timestamp,build,code\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "{},{},{}\n",
            1_700_000_000 + i,
            ["a", "b"][i % 2],
            500
        ));
    }
    let file = write(&dir, "events.csv", csv.as_bytes());
    for (args, says) in [
        (
            vec!["--windows", "100000000"],
            "--windows needs 1 to 16 window lengths of 1 to 10000 bins",
        ),
        (
            vec!["--windows", "4294967295"],
            "--windows needs 1 to 16 window lengths of 1 to 10000 bins",
        ),
        (
            vec!["--bin-seconds", "4000000000"],
            "--bin-seconds must be from 1 to 86400",
        ),
    ] {
        let mut all = vec!["errors", file.as_str(), "--method", "mean-threshold"];
        all.extend(args.iter().copied());
        let started = std::time::Instant::now();
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        // Refused up front, not after allocating the windows (that took minutes and GBs).
        assert!(started.elapsed().as_secs() < 10);
    }
}

#[test]
fn an_infinite_cell_keeps_its_column_numeric_in_every_subcommand() {
    let dir = scratch("infinite-cells");
    let mut csv = String::from("t,v,label\n");
    for i in 0..600 {
        let v = match i {
            300 => "inf".to_string(),
            350 => "1e400".to_string(),
            400 => "-Infinity".to_string(),
            _ => format!("{}", 100.0 + (i as f64 / 10.0).sin()),
        };
        csv.push_str(&format!("{},{v},x{}\n", 1_700_000_000 + 60 * i, i % 3));
    }
    let file = write(&dir, "metrics.csv", csv.as_bytes());
    let o = run(&["profile", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let col = &v["columns"][1];
    assert_eq!(col["name"], "v");
    assert_eq!(col["type"], "numeric", "{col}");
    assert_eq!(col["invalid"], 3, "the three cells are counted: {col}");
    assert_eq!(col["count"], 597);
    assert!(col["mean"]
        .as_f64()
        .is_some_and(|m| (m - 100.0).abs() < 1.0));
    // `incidents` reads the column (it used to refuse the file: "no numeric column").
    let o = run(&["incidents", &file, "--time", "t"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("3 value(s) in 'v'"), "{}", stderr(&o));
}

#[test]
fn a_stray_quote_exits_2_with_its_line_and_the_flag_that_keeps_the_rows() {
    let dir = scratch("stray-quote");
    let text = std::fs::read_to_string(DATA).unwrap();
    let edited: String = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == 101 {
                l.replacen(',', ",\"", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    let file = write(&dir, "bank.csv", edited.as_bytes());
    let o = run(&["profile", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("line 101") && err.contains("--literal-quotes-from 101"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let o = run(&["profile", &file, "--literal-quotes-from", "101"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["rows"].as_u64(), v["skipped_rows"].as_u64()),
        (Some(10_127), Some(0))
    );
    let o = run(&["profile", &file, "--literal-quotes-from", "0"]);
    assert_eq!(o.status.code(), Some(2));
    // detect and incidents read through the same reader and stop the same way.
    for sub in [
        &[
            "detect",
            &file,
            "--time",
            "CLIENTNUM",
            "--value",
            "Customer_Age",
        ][..],
        &["incidents", &file, "--time", "CLIENTNUM"][..],
    ] {
        let o = run(sub);
        assert_eq!(o.status.code(), Some(2), "{sub:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--literal-quotes-from 101"),
            "{sub:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn decimal_commas_are_read_alike_by_profile_detect_and_incidents_and_said_on_stderr() {
    let dir = scratch("decimal-commas");
    let mut csv = String::from("zeit;wert;stück\n");
    for i in 0..600 {
        let v =
            50.0 + 5.0 * (i as f64 / 10.0).sin() + if (400..420).contains(&i) { 60.0 } else { 0.0 };
        let n = format!("{}.{:03}", 1 + i % 9, i % 1000);
        csv.push_str(&format!(
            "{};{};{n}\n",
            1_700_000_000 + 60 * i,
            format!("{v:.2}").replace('.', ",")
        ));
    }
    let file = write(&dir, "werte.csv", csv.as_bytes());
    let o = run(&["profile", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["columns"][1]["type"], "numeric");
    assert_eq!(v["columns"][1]["reading"], "decimal-comma");
    assert!((v["columns"][1]["mean"].as_f64().unwrap() - 52.0).abs() < 1.5);
    // Beside decimal commas, 1.234 is a thousand two hundred and thirty-four.
    assert_eq!(v["columns"][2]["reading"], "decimal-comma");
    assert!(v["columns"][2]["min"].as_f64().unwrap() >= 1000.0);
    let err = stderr(&o);
    assert!(err.contains("column 'wert' read as decimal comma"), "{err}");
    assert!(err.contains("--reading 'stück=standard'"), "{err}");
    let o = run(&["profile", &file, "--reading", "stück=standard"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["columns"][2]["max"].as_f64().unwrap() < 10.0);
    // detect reads the same numbers (it used to judge none: "600 value(s) are not numbers").
    let o = run(&["detect", &file, "--time", "zeit", "--value", "wert"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not numbers"), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let flagged = out
        .lines()
        .skip(401)
        .take(3)
        .filter(|l| l.contains(",1,"))
        .count();
    assert!(
        flagged > 0,
        "the shift at row 400 is flagged:\n{}",
        out.lines().skip(399).take(5).collect::<Vec<_>>().join("\n")
    );
    let o = run(&["incidents", &file, "--time", "zeit", "--value", "wert"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("\"wert\""),
        "an incident on wert: {}",
        stderr(&o)
    );
}
