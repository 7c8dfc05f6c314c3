"""The merge tree's task overhead on a cluster: a small model's rows in 100, 1,000 and 5,000 dask partitions on a
local 2-process cluster, against one in-memory fit of the same rows.

    python -m benchmarks.merge_tree                          # 100, 1,000, 5,000 partitions of 20 rows
    python -m benchmarks.merge_tree --partitions 100,1000 --rows-per-partition 50 --passes 5

A Poisson model ``y ~ x1 + x2 + g`` (``g`` a factor of 5 levels: 7 columns), ``--rows-per-partition`` rows a
partition (``dd.from_pandas``), on a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` started
before the timers.  Timed for each number of partitions P (wall seconds, this process's CPU seconds beside):

  memory fit   ``gs.glm(f, frame)`` of the same rows (median of 3), with ``std_errors``
  dask fit     ``gs.glm(f, ddf)`` on the cluster with ``std_errors`` (once): the spec pass, the encoding and
               persisting of the partitions, and every pass of the fit (counted: ``DaskSource.map_reduce`` calls)
  IRLS pass    one full-model IRLS pass at the estimate (``map_reduce`` of the engine's ``pass_block``; median of
               ``--passes``): P tasks of the parts and the merge tree's tasks (P/7 or so of fan-in 8), the root sent
               back to the client
  empty pass   the same tree over parts of one number (``len`` of each block, summed): the cost of the tasks and
               the tree alone, the overhead every pass pays per partition

and, per partition, the IRLS pass's and the empty pass's time over P.  The numbers are this script's output, not
test assertions; on a shared machine compare them with each other (the cluster's scheduler, both workers and this
client share the cores).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import warnings
from functools import partial

import numpy as np
import pandas as pd

FORMULA = "y ~ x1 + x2 + g"


def rows(n: int, seed: int = 5) -> pd.DataFrame:
    """Poisson rows: two normal covariates and a 5-level factor."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 5, n)
    x1, x2 = rng.normal(size=(2, n))
    eta = 0.5 + 0.3 * x1 - 0.2 * x2 + np.array([0.0, 0.2, -0.1, 0.4, 0.1])[g]
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)).astype(float), "x1": x1, "x2": x2,
                         "g": pd.Categorical(np.array(["a", "b", "c", "d", "e"])[g])})


def timed(call) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, the value) of ``call()``."""
    t0, c0 = time.perf_counter(), time.process_time()
    value = call()
    return time.perf_counter() - t0, time.process_time() - c0, value


def block_rows(block) -> int:
    """An empty pass's part: the block's number of rows."""
    return int(block.y.shape[0])


def add(a: int, b: int) -> int:
    return a + b


def merge_tasks(p: int, fan_in: int) -> int:
    """The merge tree's tasks on a cluster over p parts: a node a group of ``fan_in`` at every level."""
    count = 0
    while p > 1:
        p = math.ceil(p / fan_in)
        count += p
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partitions", default="100,1000,5000", help="numbers of partitions, comma-separated")
    parser.add_argument("--rows-per-partition", type=int, default=20)
    parser.add_argument("--passes", type=int, default=3, help="timed passes of each kind (medians)")
    args = parser.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import glmstat as gs
    from glmstat.design.dask import FAN_IN, DaskSource
    from glmstat.engine.kernel import kernel_for
    from glmstat.engine.scoring_pass import PassResult, pass_block

    warnings.simplefilter("ignore")
    counts = [int(x) for x in args.partitions.split(",")]
    print(f"load average at the start: {os.getloadavg()[0]:.1f}; {args.rows_per_partition} rows a partition; "
          f"Poisson {FORMULA}; a 2-process LocalCluster\n")
    print("partitions | rows | merge tasks | memory fit | dask fit | passes | IRLS pass | per partition | "
          "empty pass | per partition | load")
    print("--- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ---")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster, Client(cluster):
        gs.glm(FORMULA, dd.from_pandas(rows(2_000), npartitions=4), family=gs.Poisson()).std_errors  # (warm-up)
        for p in counts:
            frame = rows(p * args.rows_per_partition)
            memory = statistics.median(timed(lambda: gs.glm(FORMULA, frame, family=gs.Poisson()).std_errors)[0]
                                       for _ in range(3))
            ddf = dd.from_pandas(frame, npartitions=p, sort=False)
            calls = []
            reduce = DaskSource.map_reduce

            def counted(self, part, merge, _reduce=reduce):
                calls.append(1)
                return _reduce(self, part, merge)

            DaskSource.map_reduce = counted
            try:
                fit_s, fit_cpu, fit = timed(lambda: gs.glm(FORMULA, ddf, family=gs.Poisson()))
                fit.std_errors
            finally:
                DaskSource.map_reduce = reduce
            src = fit.fit_data.source
            beta = np.nan_to_num(np.asarray(fit.fit_data.coef, dtype=float))
            part = partial(pass_block, fit.family, kernel_for(fit.family), beta, False, None, src.n_cols)
            irls = [timed(lambda: src.map_reduce(part, PassResult.merge)) for _ in range(args.passes)]
            empty = [timed(lambda: src.map_reduce(block_rows, add)) for _ in range(args.passes)]
            assert empty[0][2] == len(frame)
            irls_s = statistics.median(w for w, _, _ in irls)
            empty_s = statistics.median(w for w, _, _ in empty)
            print(f"{p:,} | {len(frame):,} | {merge_tasks(p, FAN_IN):,} | {memory * 1e3:.1f} ms | "
                  f"{fit_s:.2f} s (CPU {fit_cpu:.2f}) | {len(calls)} | {irls_s * 1e3:.0f} ms | "
                  f"{irls_s / p * 1e3:.2f} ms | {empty_s * 1e3:.0f} ms | {empty_s / p * 1e3:.2f} ms | "
                  f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
