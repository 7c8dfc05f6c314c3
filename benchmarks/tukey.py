"""Tukey's p-values of every pair of a factor's levels at scale: ``fit.emmeans_pairs(term)`` of a 300- and a
1,000-level factor (44,850 and 499,500 pairs), Gaussian (t on the residual df) and Poisson (z, df = inf), and the
Tukey step alone (``tukey_p_values``), with the peak of traced memory of each step measured in a second run; then
the Tukey step on few residual df (``--few-df``: the pairs of the 300-level factor's t statistics on 1 to 12 df),
and the Tukey interval's multiplier, R's ``qtukey`` (``studentized_range_quantile``), for 4 to 1,000 means.

    python -m benchmarks.tukey [--levels 300,1000] [--reps 2] [--few-df 1,2,3,5,12] [--quantile-means 4,100,1000]

The numbers are the script's output, not test assertions; on a shared machine compare them with each other, and
the CPU seconds of this process (in brackets beside each time), which the machine's load moves less.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc

import numpy as np
import pandas as pd

import glmstat as gs
from glmstat.distributions import normal_sf, t_sf
from glmstat.inference.studentized_range import studentized_range_quantile, tukey_p_values


def level_fit(k: int, family: str, reps: int, seed: int = 3):
    """A fit of y on a k-level factor with level effects of sd 1.5 (errors sd 1), ``reps`` rows a level."""
    rng = np.random.default_rng(seed)
    effects = rng.normal(scale=1.5, size=k)
    a = [f"L{i:04d}" for i in range(k)] * reps
    eta = np.tile(effects, reps)
    if family == "gaussian":
        return gs.glm("y ~ a", pd.DataFrame({"y": eta + rng.normal(size=k * reps), "a": a}))
    return gs.glm("y ~ a", pd.DataFrame({"y": rng.poisson(np.exp(3.0 + eta / 3)), "a": a}), family=gs.Poisson())


def timed(call, traced: bool) -> float | str:
    """Seconds of ``call()`` and, in brackets, this process's CPU seconds; or with ``traced`` its peak of traced
    memory in MB."""
    if traced:
        tracemalloc.start()
        try:
            call()
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
    start, cpu = time.perf_counter(), time.process_time()
    call()
    return f"{time.perf_counter() - start:.2f} ({time.process_time() - cpu:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="300,1000", help="factor sizes, comma-separated")
    parser.add_argument("--reps", type=int, default=2, help="rows a level")
    parser.add_argument("--few-df", default="1,2,3,5,12", help="residual df of the few-df Tukey step")
    parser.add_argument("--quantile-means", default="4,100,1000", help="numbers of means of the quantile timings")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f}\n")
    print(f"{'levels':>7} {'family':>9} {'pairs':>8} {'df':>6} {'pairs() s':>13} {'tukey s':>13} "
          f"{'pairs() MB':>11} {'tukey MB':>9}")
    for k in (int(x) for x in args.levels.split(",")):
        for family in ("gaussian", "poisson"):
            fit = level_fit(k, family, args.reps)
            got = fit.emmeans_pairs("a")
            t, df = got["statistic"].to_numpy(), float(got["df"].iloc[0])
            p = 2.0 * (normal_sf(np.abs(t)) if math.isinf(df) else t_sf(np.abs(t), df))
            row = [timed(lambda: fit.emmeans_pairs("a"), traced) for traced in (False,)]
            row += [timed(lambda: tukey_p_values(t, p, k, df), False)]
            row += [timed(lambda: fit.emmeans_pairs("a"), True), timed(lambda: tukey_p_values(t, p, k, df), True)]
            print(f"{k:>7} {family:>9} {len(t):>8} {df:>6g} {row[0]:>13} {row[1]:>13} {row[2]:>11.1f} "
                  f"{row[3]:>9.1f}", flush=True)
    few = [float(x) for x in args.few_df.split(",") if x]
    if few:
        t = level_fit(300, "gaussian", args.reps).emmeans_pairs("a", adjust="none")["statistic"].to_numpy()
        print(f"\n{'levels':>7} {'pairs':>8} {'df':>6} {'tukey s':>13} {'tukey MB':>9}")
        for df in few:
            p = 2.0 * t_sf(np.abs(t), df)
            row = [timed(lambda: tukey_p_values(t, p, 300, df), traced) for traced in (False, True)]
            print(f"{300:>7} {len(t):>8} {df:>6g} {row[0]:>13} {row[1]:>9.1f}", flush=True)
    means = [int(x) for x in args.quantile_means.split(",") if x]
    if means:
        print(f"\n{'means':>7} {'df':>6} {'qtukey(0.95) s':>15}")
        for k in means:
            for df in (2.0, 12.0, 1000.0, math.inf):
                print(f"{k:>7} {df:>6g} {timed(lambda: studentized_range_quantile(0.95, k, df), False):>15}",
                      flush=True)


if __name__ == "__main__":
    main()
