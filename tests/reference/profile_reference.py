"""Independent reference for the golden test: count, min, max, mean, median and quartiles
of every numeric column of a CSV, using only Python's csv and statistics modules.

A column is numeric when every non-missing cell parses with float(); missing cells are
empty or one of NA, N/A, null, NaN (case-insensitive), as pipescope treats them.
Quartiles: statistics.quantiles(n=4, method="inclusive") (Hyndman-Fan type 7).
Prints one JSON object: {column: {count, min, max, mean, median, q1, q3}}; floats are
JSON strings holding repr(x), which round-trips exactly (so no JSON float parser's
rounding can get in the way).
"""
import csv
import json
import statistics
import sys

MISSING = {"", "na", "n/a", "null", "nan"}


def main(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = {}
    for i, name in enumerate(header):
        values = []
        numeric = True
        for row in body:
            cell = row[i].strip()
            if cell.lower() in MISSING:
                continue
            try:
                values.append(float(cell))
            except ValueError:
                numeric = False
                break
        if not numeric or not values:
            continue
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        out[name] = {
            "count": len(values),
            "min": repr(min(values)),
            "max": repr(max(values)),
            "mean": repr(statistics.mean(values)),
            "median": repr(statistics.median(values)),
            "q1": repr(q1),
            "q3": repr(q3),
        }
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
