"""Python side of the forecast benchmark (issue 3): export the real series, fit Prophet.

    python prophet_bench.py export OUTDIR        # write OUTDIR/<name>.csv (t_s,y) once
    python prophet_bench.py fit OUTDIR [--runs 3] # fit Prophet per series, print JSON lines
    python prophet_bench.py model-path OUTDIR     # print the compiled Stan model prophet ships

Each series comes from a package installed locally (no download at run time); see the
README beside this file for sources and licences. The Rust bench (`cargo bench --bench
forecast`) calls both commands and prints the side-by-side table.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time

TRAIN_SHARE = 0.8


def load_series():
    """Every benchmark series as (name, pandas.DataFrame[ds, y]), read from package files."""
    import pandas as pd
    from vega_datasets import data as vega

    out = []
    for name, ds in (("seattle-temps", vega.seattle_temps), ("sf-temps", vega.sf_temps)):
        if not ds.is_local:
            raise SystemExit(f"vega_datasets {name} is not shipped locally")
        df = ds()
        out.append((name, pd.DataFrame({"ds": pd.to_datetime(df["date"]), "y": df["temp"].astype(float)})))

    import pmdarima.datasets as pmd

    # Half-hourly electricity demand, England and Wales, June-August 2000 (Taylor 2003).
    y = pmd.load_taylor(as_series=False)
    ds = pd.date_range("2000-06-05", periods=len(y), freq="30min")
    out.append(("taylor-demand", pd.DataFrame({"ds": ds, "y": y.astype(float)})))
    return out


def export(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, df in load_series():
        t_s = (df["ds"] - __import__("pandas").Timestamp("1970-01-01")) // __import__("pandas").Timedelta(seconds=1)
        path = os.path.join(outdir, f"{name}.csv")
        with open(path, "w") as f:
            f.write("t_s,y\n")
            for t, y in zip(t_s, df["y"]):
                f.write(f"{int(t)},{y!r}\n")
        print(f"{path}: {len(df)} rows", file=sys.stderr)


def read_csv(path):
    import pandas as pd

    raw = pd.read_csv(path)
    return pd.DataFrame({"ds": pd.to_datetime(raw["t_s"], unit="s"), "y": raw["y"]})


def fit_once(train, uncertainty_samples):
    from prophet import Prophet

    m = Prophet(daily_seasonality=True, weekly_seasonality=True, uncertainty_samples=uncertainty_samples)
    start = time.perf_counter()
    m.fit(train)
    return m, time.perf_counter() - start


def fit(outdir, runs):
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    for file in sorted(os.listdir(outdir)):
        if not file.endswith(".csv"):
            continue
        name = file[:-4]
        df = read_csv(os.path.join(outdir, file))
        n_train = int(len(df) * TRAIN_SHARE)
        train, test = df.iloc[:n_train], df.iloc[n_train:]
        times, times_nounc = [], []
        for _ in range(runs):
            m, secs = fit_once(train, 1000)
            times.append(secs)
        # uncertainty_samples only changes predict(), but time it so the claim is checked.
        for _ in range(runs):
            _, secs = fit_once(train, 0)
            times_nounc.append(secs)
        start = time.perf_counter()
        fc = m.predict(test[["ds"]])
        predict_s = time.perf_counter() - start
        mae = float((fc["yhat"].to_numpy() - test["y"].to_numpy()).__abs__().mean())
        print(
            json.dumps(
                {
                    "name": name,
                    "points": len(df),
                    "train": n_train,
                    "fit_ms": 1e3 * statistics.median(times),
                    "fit_ms_unc0": 1e3 * statistics.median(times_nounc),
                    "predict_ms": 1e3 * predict_s,
                    "mae": mae,
                }
            ),
            flush=True,
        )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["export", "fit", "model-path"])
    p.add_argument("outdir")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    if a.command == "export":
        export(a.outdir)
    elif a.command == "model-path":
        import prophet

        # The same binary Python Prophet runs; augurs-prophet's cmdstan optimiser takes it.
        print(os.path.join(os.path.dirname(prophet.__file__), "stan_model", "prophet_model.bin"))
    else:
        fit(a.outdir, a.runs)


if __name__ == "__main__":
    main()
