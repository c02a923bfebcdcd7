"""`pipescope check` beside Evidently on the same file and the same 50 checks (issue 15:
pipescope at least 5x faster on 100 MB).

Evidently is installed from PyPI in a virtual environment outside the repository, e.g.

    python3 -m venv /work/venv-peers
    /work/venv-peers/bin/pip install evidently 'pandas<3'   # evidently 0.7 fails to import on pandas 3
    /work/venv-peers/bin/python tests/bench/peers/check_vs_evidently.py \
        --pipescope target/release/pipescope --mb 100 --runs 3

The checks come from tests/bench/fifty.checks.yaml (the native checks benchmark reads the
same file). Each is mapped to the Evidently test that asks the same question; Evidently's
legacy TestSuite is used because it has a test for every rule in the file (regex, all
unique, out-of-list share...), which the 0.7 Report API does not. "invalid share" (cells of
a numeric column that are not numbers) and the schema's column kinds (TestColumnsType wants
exact dtypes) have no Evidently test: pandas does them, and their time counts on Evidently's
side.

Timing: pipescope is timed as a whole process (start-up, read, type, every check, JSON
report written); Evidently from `read_csv` to the suite's result dictionary, imports
excluded. Runs alternate, medians are compared. Both sides must pass every check, so
neither skips work.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd
import yaml

from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.test_suite import TestSuite
from evidently.legacy import tests as et

HERE = os.path.dirname(os.path.abspath(__file__))


def evidently_tests(checks, numeric, categorical):
    """One Evidently test per check; `invalid` checks are returned apart (pandas)."""
    tests, invalid, types = [], [], []
    for c in checks:
        (key, r), = ((k, v) for k, v in c.items() if k not in ("name", "level"))
        col = r.get("column") if isinstance(r, dict) else None
        if key == "row_count":
            tests.append(et.TestNumberOfRows(gte=r["min"]))
        elif key == "schema":
            tests.append(et.TestNumberOfColumns(eq=len(r["columns"])))
            # TestColumnsType wants exact dtypes (int64 vs float64), the checks file a kind:
            # pandas' is_numeric_dtype asks the file's question.
            types.extend(r["columns"].items())
        elif key == "unique" and r.get("min") is None:
            tests.append(et.TestColumnAllUniqueValues(column_name=col))
        elif key == "unique":
            tests.append(et.TestUniqueValuesShare(column_name=col, gte=r["min"]))
        elif key == "pattern":
            tests.append(et.TestColumnRegExp(column_name=col, reg_exp=r["regex"], eq=0))
        elif key == "allowed":
            tests.append(et.TestShareOfOutListValues(
                column_name=col, values=r["values"], lte=r.get("tolerance", 0)))
        elif key == "missing":
            tests.append(et.TestColumnShareOfMissingValues(column_name=col, lte=r["max"]))
        elif key == "invalid":
            invalid.append((col, r["max"]))
        elif key == "range":
            tests.append(et.TestShareOfOutRangeValues(
                column_name=col, left=r["min"], right=r["max"], lte=0))
        elif key == "mean":
            tests.append(et.TestColumnValueMean(column_name=col, gte=r["min"]))
        elif key == "median":
            tests.append(et.TestColumnValueMedian(column_name=col, lte=r["max"]))
        elif key == "quantile":
            bound = {"gte": r["min"]} if "min" in r else {"lte": r["max"]}
            tests.append(et.TestColumnQuantile(column_name=col, quantile=r["q"], **bound))
        else:
            sys.exit(f"no Evidently test for the rule {key!r}")
    return tests, invalid, types


def run_evidently(path, checks):
    t = time.perf_counter()
    df = pd.read_csv(path)
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in df.columns if c not in numeric]
    tests, invalid, types = evidently_tests(checks, numeric, categorical)
    suite = TestSuite(tests=tests)
    suite.run(reference_data=None, current_data=df, column_mapping=ColumnMapping(
        numerical_features=numeric, categorical_features=categorical))
    result = suite.as_dict()
    bad = []
    for col, most in invalid:
        s = df[col]
        share = pd.to_numeric(s, errors="coerce").isna().sum() - s.isna().sum()
        if share / max(len(s), 1) > most:
            bad.append(f"invalid {col}")
    for col, kind in types:
        if col not in df.columns or (kind == "numeric") != (col in numeric):
            bad.append(f"type of {col}")
    elapsed = time.perf_counter() - t
    failed = [x["name"] for x in result["tests"] if x["status"] != "SUCCESS"] + bad
    return elapsed, len(result["tests"]) + len(invalid), failed


def run_pipescope(binary, path, checks_file, out):
    t = time.perf_counter()
    p = subprocess.run([binary, "check", path, "--checks", checks_file, "--json", out],
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"pipescope check exited {p.returncode}: {p.stderr or p.stdout}")
    report = json.load(open(out))
    checks = report["checks"]
    failed = [c["name"] for c in checks if c["status"] != "pass"]
    return elapsed, len(checks), failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pipescope", default="target/release/pipescope")
    ap.add_argument("--data", help="a CSV file; default: generate one with pipescope gen-csv")
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checks", default=os.path.join(HERE, "..", "fifty.checks.yaml"))
    a = ap.parse_args()
    checks = yaml.safe_load(open(a.checks))["checks"]
    tmp = tempfile.mkdtemp(prefix="pipescope-peers-")
    path = a.data or os.path.join(tmp, f"synthetic-{a.mb}mb.csv")
    if not a.data:
        subprocess.run([a.pipescope, "gen-csv", "--mb", str(a.mb), "--out", path], check=True)
    size_mb = os.path.getsize(path) / 1e6
    ours, theirs = [], []
    for i in range(a.runs):
        e, n_e, failed_e = run_evidently(path, checks)
        p, n_p, failed_p = run_pipescope(a.pipescope, path, a.checks, os.path.join(tmp, "r.json"))
        if failed_e or failed_p:
            sys.exit(f"every check must pass on both sides: pipescope {failed_p}, Evidently {failed_e}")
        theirs.append(e)
        ours.append(p)
        print(f"run {i + 1}: pipescope {p:.2f} s ({n_p} checks), Evidently {e:.2f} s ({n_e} tests)",
              flush=True)
    mo, mt = statistics.median(ours), statistics.median(theirs)
    print(f"file {size_mb:.0f} MB, {len(checks)} checks, median of {a.runs}: pipescope check {mo:.2f} s, "
          f"Evidently {mt:.2f} s; Evidently / pipescope = {mt / mo:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
