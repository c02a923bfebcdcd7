"""Independent reference for the compare golden test: drift figures of every column of
two CSV files (reference, current) by SciPy and NumPy.

Usage: compare_reference.py REFERENCE.csv CURRENT.csv [REFERENCE2.csv CURRENT2.csv ...]
(several pairs in one run, to pay for SciPy's import once)

Cells are read with Python's csv module; a cell is missing when, stripped, it is empty or
one of NA, N/A, null, NaN (any case), as pipescope treats them. A column is numeric when
every non-missing cell on both sides parses with float(); otherwise its cells are labels.

Numbers:  scipy.stats.ks_2samp(ref, cur) (method "auto"), scipy.stats.wasserstein_distance,
          the reference's IQR (np.quantile, linear) and standard deviation (ddof=1), and
          the PSI over the reference's deciles: edges = unique(np.quantile(ref, k/10 for
          k = 1..9)), bin = np.searchsorted(edges, x, side="left"), shares raised to 1e-4.
Labels:   scipy.stats.chi2_contingency([ref_counts, cur_counts]) (default correction),
          scipy.spatial.distance.jensenshannon(ref_counts, cur_counts, base=2), and the
          PSI with labels as bins (same 1e-4 floor).
Also: rows and duplicate rows (rows equal in every raw cell to an earlier row) per file.

Prints one JSON object: {"versions": {...}, "pairs": [{"files": {...}, "columns":
{name: {...}}}, ...]}, a pair for each pair of arguments;
floats are JSON strings holding repr(x), which round-trips exactly (no JSON float
parser's rounding can get in the way).
"""
import csv
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

MISSING = {"", "na", "n/a", "null", "nan"}
EPS = 1e-4


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def cells(header, body, name):
    i = header.index(name)
    return [row[i] for row in body if row[i].strip().lower() not in MISSING]


def as_numbers(values):
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def psi(r_counts, c_counts):
    r = np.maximum(np.asarray(r_counts, dtype=float) / np.sum(r_counts), EPS)
    c = np.maximum(np.asarray(c_counts, dtype=float) / np.sum(c_counts), EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric(ref, cur):
    ref = np.sort(np.asarray(ref, dtype=float))
    cur = np.sort(np.asarray(cur, dtype=float))
    ks = stats.ks_2samp(ref, cur)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    r_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    c_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    q1, q3 = np.quantile(ref, [0.25, 0.75])
    return {
        "kind": "number",
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        "iqr": float(q3 - q1),
        "std": float(np.std(ref, ddof=1)) if len(ref) > 1 else None,
        "psi": psi(r_counts, c_counts),
        "psi_edges": [float(e) for e in edges],
    }


def labels(ref, cur):
    order = {}
    for v in ref + cur:
        order.setdefault(v, len(order))
    r_counts = np.zeros(len(order))
    c_counts = np.zeros(len(order))
    for v in ref:
        r_counts[order[v]] += 1
    for v in cur:
        c_counts[order[v]] += 1
    chi2, p, dof, _ = stats.chi2_contingency(np.array([r_counts, c_counts]))
    return {
        "kind": "labels",
        "chi2_statistic": float(chi2),
        "chi2_pvalue": float(p),
        "chi2_dof": int(dof),
        "jensen_shannon": float(jensenshannon(r_counts, c_counts, base=2)),
        "psi": psi(r_counts, c_counts),
        "new_categories": len(set(cur) - set(ref)),
        "vanished_categories": len(set(ref) - set(cur)),
    }


def pair(ref_path, cur_path):
    rh, rb = read(ref_path)
    ch, cb = read(cur_path)
    out = {
        "files": {
            "reference": {"rows": len(rb), "duplicate_rows": len(rb) - len({tuple(r) for r in rb})},
            "current": {"rows": len(cb), "duplicate_rows": len(cb) - len({tuple(r) for r in cb})},
        },
        "columns": {},
    }
    for name in rh:
        if name not in ch:
            continue
        ref, cur = cells(rh, rb, name), cells(ch, cb, name)
        if not ref or not cur:
            continue
        rn, cn = as_numbers(ref), as_numbers(cur)
        if rn is not None and cn is not None:
            out["columns"][name] = numeric(rn, cn)
        else:
            out["columns"][name] = labels(ref, cur)
    return out


def main(paths):
    out = {
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__},
        "pairs": [pair(paths[i], paths[i + 1]) for i in range(0, len(paths) - 1, 2)],
    }
    json.dump(reprs(out), sys.stdout, indent=1)


def reprs(v):
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, dict):
        return {k: reprs(x) for k, x in v.items()}
    if isinstance(v, list):
        return [reprs(x) for x in v]
    return v


if __name__ == "__main__":
    if len(sys.argv) < 3 or len(sys.argv) % 2 == 0:
        sys.exit("usage: compare_reference.py REFERENCE.csv CURRENT.csv [REFERENCE2.csv CURRENT2.csv ...]")
    main(sys.argv[1:])
