"""Reference correlations for tests/correlation_golden.rs, computed with NumPy and SciPy.

Usage: correlation_reference.py FILE NUMERIC_COLUMNS CATEGORICAL_COLUMNS
(column lists comma-separated). Prints JSON: {"pearson": M, "spearman": M, "cramer": M}
with M a list of rows and null where a coefficient is undefined. Every pair uses its
pairwise complete rows (both cells non-empty), as pandas DataFrame.corr does.
"""
import csv
import json
import sys

import numpy as np
from scipy import stats
from scipy.stats import contingency


def main():
    path, numeric, categorical = sys.argv[1], sys.argv[2], sys.argv[3]
    numeric = [c for c in numeric.split(",") if c]
    categorical = [c for c in categorical.split(",") if c]
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = {"", "na", "n/a", "null", "nan"}

    def num(v):
        return float("nan") if v.strip().lower() in missing else float(v)

    nums = {c: np.array([num(r[c]) for r in rows]) for c in numeric}
    cats = {c: [None if r[c].strip().lower() in missing else r[c] for r in rows] for c in categorical}

    def pair_numeric(a, b, fn):
        x, y = nums[a], nums[b]
        ok = ~np.isnan(x) & ~np.isnan(y)
        x, y = x[ok], y[ok]
        if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
            return None
        return float(fn(x, y))

    pearson = [[pair_numeric(a, b, lambda x, y: np.corrcoef(x, y)[0, 1]) for b in numeric] for a in numeric]
    spearman = [[pair_numeric(a, b, lambda x, y: stats.spearmanr(x, y).statistic) for b in numeric] for a in numeric]

    def cramer(a, b):
        pairs = [(x, y) for x, y in zip(cats[a], cats[b]) if x is not None and y is not None]
        if len(pairs) < 2:
            return None
        _, table = contingency.crosstab([p[0] for p in pairs], [p[1] for p in pairs])
        if min(table.shape) < 2:
            return None
        return float(contingency.association(table, method="cramer", correction=False))

    cramer_m = [[cramer(a, b) for b in categorical] for a in categorical]
    json.dump({"pearson": pearson, "spearman": spearman, "cramer": cramer_m}, sys.stdout)


main()
