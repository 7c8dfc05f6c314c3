"""Many-pass inference on a dask DataFrame against the same rows from a Parquet path and in memory.

    python -m benchmarks.dask_passes                       # 70,000 rows, a 30-level factor, 3 rounds
    python -m benchmarks.dask_passes --levels 300 --profile-parm 10 --reps 3
    python -m benchmarks.dask_passes --scheduler threads

A logistic model ``y ~ x1 + x2 + x3 + g`` (``g`` a factor of ``--levels`` levels), its rows written once to a
Parquet file of 10,000-row row groups in a temporary directory.  Contenders, all in this process under dask's
``--scheduler`` (synchronous by default; no distributed client):

  memory        the pandas DataFrame
  parquet       the Parquet path (its encoded rows are kept after the first pass: they are small)
  dask          ``dd.from_pandas(df, npartitions=8)``
  dask-parquet  ``dd.read_parquet(path)``

Timed, each on a fresh fit made before the timer: the fit itself (with ``std_errors``), one pass over the
rows (``map_reduce`` of the engine's IRLS ``pass_block`` at the estimate), ``conf_int(method="profile")``
(``--profile-parm`` > 0: only the first four and the last ``--profile-parm`` - 4 coefficients), ``drop1()``
and ``robust("HC0").std_errors``.  Rounds alternate the contenders (A B C D A B C D ...); the table shows
the medians of wall time and of this process's CPU time (the machine may be shared).  Output of this
script, not test assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

CONTENDERS = ("memory", "parquet", "dask", "dask-parquet")
FEATURES = ("fit", "pass", "profile", "drop1", "robust HC0")
FORMULA = "y ~ x1 + x2 + x3 + g"


def rows(n: int, levels: int, seed: int = 1) -> pd.DataFrame:
    """Logistic rows: three normal covariates and a factor of ``levels`` levels with normal effects."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, levels, n)
    x1, x2, x3 = rng.normal(size=(3, n))
    eta = -0.3 + 0.5 * x1 - 0.3 * x2 + 0.2 * x3 + rng.normal(scale=0.5, size=levels)[g]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    names = np.array([f"g{i:03d}" for i in range(levels)])
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3, "g": pd.Categorical(names[g])})


def one_pass(fit) -> None:
    """One full-model IRLS pass at the estimate, as the engine makes it."""
    from glmstat.design.sources import fold
    from glmstat.engine.kernel import kernel_for
    from glmstat.engine.scoring_pass import pass_block

    src = fit.fit_data.source
    beta = np.nan_to_num(np.asarray(fit.fit_data.coef, dtype=float))
    part = partial(pass_block, fit.family, kernel_for(fit.family), beta, False, None, src.n_cols)
    fold(src, part, lambda a, b: a.merge(b), None)


def measure(feature: str, data, family, parm: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``feature`` on a fresh fit to ``data`` (the fit itself for "fit")."""
    import glmstat as gs

    fit = None if feature == "fit" else gs.glm(FORMULA, data(), family=family)
    t0, c0 = time.perf_counter(), time.process_time()
    if feature == "fit":
        gs.glm(FORMULA, data(), family=family).std_errors
    elif feature == "pass":
        one_pass(fit)
    elif feature == "profile":
        names = list(fit.coef.index)
        fit.conf_int(method="profile", parm=None if parm <= 0 else names[:4] + names[len(names) - (parm - 4):])
    elif feature == "drop1":
        fit.drop1()
    else:
        fit.robust("HC0").std_errors
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--levels", type=int, default=30)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scheduler", default="synchronous")
    parser.add_argument("--profile-parm", type=int, default=0, help="profile only this many coefficients (0: all)")
    parser.add_argument("--features", default=",".join(FEATURES))
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    args = parser.parse_args()

    import dask
    import dask.dataframe as dd

    import glmstat as gs

    warnings.simplefilter("ignore")
    df = rows(args.rows, args.levels)
    with tempfile.TemporaryDirectory() as tmp, dask.config.set(scheduler=args.scheduler):
        path = str(Path(tmp) / "rows.parquet")
        df.to_parquet(path, row_group_size=10_000, index=False)
        make = {"memory": lambda: df, "parquet": lambda: path,
                "dask": lambda: dd.from_pandas(df, npartitions=8), "dask-parquet": lambda: dd.read_parquet(path)}
        contenders = args.contenders.split(",")
        family = gs.Binomial()
        for name in contenders:  # (warm-up: imports, first calls)
            gs.glm(FORMULA, make[name](), family=family).std_errors
        print(f"{args.rows} rows, {args.levels} levels, scheduler {args.scheduler}, medians of {args.reps}: "
              "wall s (CPU s)\n")
        print("feature | " + " | ".join(contenders))
        print("--- | " + " | ".join("---" for _ in contenders))
        for feature in args.features.split(","):
            times = {name: [] for name in contenders}
            for _ in range(args.reps):
                for name in contenders:
                    times[name].append(measure(feature, make[name], family, args.profile_parm))
            cells = [f"{statistics.median(w for w, _ in times[n]):.3g} "
                     f"({statistics.median(c for _, c in times[n]):.3g})"
                     for n in contenders]
            print(f"{feature} | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
