"""Out of core and on a cluster: glmstat fitting problem (b) from memory, from a Parquet file and from a dask
DataFrame, with glum and statsmodels in memory on the same data.

    python -m benchmarks.scaleout                     # 1e6 and 5e6 rows, 3 rounds (see --help)
    python -m benchmarks.scaleout --quick             # 2e5 rows, 1 round
    python -m benchmarks.scaleout --sizes 1e6 --reps 5 --contenders glmstat-memory,glmstat-dask

Needs the extras ``parquet`` and ``dask`` (and ``bench`` for the peers: ``pip install glmstat[parquet,dask,bench]``).

Problem (b) of :mod:`benchmarks.problems`: Poisson, 5 numeric columns, a 300-level factor ``g`` and
``offset(log(exposure))``, 305 model columns.  For each size the data are written once to a Parquet file
(row groups of 250,000 rows, ``--row-group``; ``g`` a string column as most writers store it) in a temporary directory.
Contenders, each measured in a fresh process after a warm-up fit on a 50,000-row file of
two row groups:

  glmstat-memory   ``pd.read_parquet`` (``g`` made categorical) before the timer; ``gs.glm(f, df)``
  glmstat-parquet  ``gs.glm(f, path)``: a spec pass, then every pass reads the row groups again
  glmstat-dask     ``gs.glm(f, dd.read_parquet(path, split_row_groups=True))`` (one partition per row group)
                   on a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` started before
                   the timer; the graph is built inside the timer
  glmstat-dask-malloc  the same, workers started with MALLOC_TRIM_THRESHOLD_=128 MiB and
                   MALLOC_MMAP_THRESHOLD_=32 MiB instead of dask's default MALLOC_TRIM_THRESHOLD_=65536,
                   which turns off glibc's adaptive mmap threshold (every temporary array of a pass is then
                   fresh pages from the OS)
  glum             ``GeneralizedLinearRegressor(alpha=0)`` and its covariance matrix, data as glmstat-memory
  statsmodels      ``smf.glm(...).fit()`` and ``.bse``, data as glmstat-memory; skipped where its dense
                   design would not fit in memory (about 10 x n x 305 x 8 bytes: 2.36 GB peak at 1e5 rows)

The time is one fit including standard errors (``fit.std_errors`` read); rounds alternate the contenders
(A B C ... A B C ...) and the table shows medians.  Extra peak memory is the peak resident set size of the
measuring process during the timed part minus its size before (after the in-memory data were read); for
the dask fit also the workers' (each worker process's peak minus its size before the fit, summed over the
workers, read with ``client.run``).

After the timed fit every glmstat contender also measures, outside the timer: the passes over the rows the
fit made (``map_reduce`` calls, counted by model size: the full model's p = 305 columns, or the null model's
one); one more full-model IRLS pass at the estimate and one null-model pass (``fold`` of the engine's
``pass_block`` over ``fit.fit_data.source``, BLAS on one thread as in the engine; medians of
``--pass-reps``), each split into the time the blocks' own parts took (timed where they run: on the dask
workers, or in this process) and the rest (reading and encoding row groups, or scheduling tasks and sending
parts); the pickled size of one block's part (what a dask worker sends back per partition per pass) and the
time to unpickle such a part and add it to a sum (what the client does per partition per pass).
Results are this script's output, not test assertions.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import problems  # noqa: E402

CONTENDERS = ("glmstat-memory", "glmstat-parquet", "glmstat-dask", "glmstat-dask-malloc", "glum", "statsmodels")
#: glibc settings of the workers of glmstat-dask-malloc, in place of dask's MALLOC_TRIM_THRESHOLD_=65536 (which
#: turns off glibc's adaptive mmap threshold: every temporary array of a pass is then fresh pages from the OS)
WORKER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": 128 * 2**20, "MALLOC_MMAP_THRESHOLD_": 32 * 2**20}
#: rows per Parquet row group (one dask partition each)
ROW_GROUP = 250_000
#: rows of the warm-up file every contender fits once before its timed fit
WARM_ROWS = 50_000
N_WORKERS = 2
#: statsmodels' extra peak per row and model column, in units of 8 bytes (2359 MB at 1e5 rows, 305 columns)
STATSMODELS_COPIES = 10


# -- the data -------------------------------------------------------------------------------------------

def write_parquet(n: int, path: Path, row_group: int = ROW_GROUP) -> None:
    """Problem (b) with ``n`` rows as a Parquet file, ``g`` a string column, row groups of ``row_group`` rows."""
    df = problems.poisson(n).data
    df = df.assign(g=df["g"].astype(str))
    df.to_parquet(path, row_group_size=row_group, index=False)


def read_memory(path: str):
    """The Parquet file as a pandas DataFrame, the factor as a categorical (as benchmarks.run has it)."""
    import pandas as pd

    df = pd.read_parquet(path)
    df["g"] = df["g"].astype("category")
    return df


def problem_meta() -> dict:
    pb = problems.poisson(300)  # (every level needs a row)
    return {"formula": pb.formula, "family": pb.family, "link": pb.link, "numeric": list(pb.numeric),
            "factors": list(pb.factors), "exposure": pb.exposure}


# -- memory of this process and of dask workers ---------------------------------------------------------

def _rss_reset_kb() -> int:
    from benchmarks.worker import reset_peak

    return reset_peak()


def _rss_peak_kb() -> int:
    from benchmarks.worker import peak_kb

    return peak_kb()


# -- pass counting ----------------------------------------------------------------------------------------

class PassCounter:
    """Counts ``map_reduce`` calls of the row sources (every engine and inference pass goes through one), by
    the number of model columns of the source, while installed."""

    def __init__(self) -> None:
        self.by_cols: dict[int, int] = {}
        self._saved: list = []

    def install(self) -> "PassCounter":
        from glmstat.design.dask import DaskSource
        from glmstat.design.sources import SequentialSource

        for cls in (SequentialSource, DaskSource):
            orig = cls.__dict__["map_reduce"]
            self._saved.append((cls, orig))

            def counted(src, part, merge, _orig=orig):
                self.by_cols[src.n_cols] = self.by_cols.get(src.n_cols, 0) + 1
                return _orig(src, part, merge)

            cls.map_reduce = counted
        return self

    def remove(self) -> None:
        for cls, orig in self._saved:
            cls.map_reduce = orig
        self._saved = []


# -- per-pass measurements after a glmstat fit ------------------------------------------------------------

class TimedPart:
    """A pass's ``part`` that also returns the seconds it took and its rows, so that a pass's time splits into
    the blocks' own work (where they run: a dask worker, or this process) and everything around it (reading
    and encoding row groups, scheduling, sending the parts)."""

    def __init__(self, part) -> None:
        self.part = part

    def __call__(self, block) -> tuple:
        t0 = time.perf_counter()
        value = self.part(block)
        return value, time.perf_counter() - t0, int(block.y.shape[0])


def merge_timed(a: tuple, b: tuple) -> tuple:
    return a[0].merge(b[0]), a[1] + b[1], a[2] + b[2]


def _chunks(src) -> int:
    """The blocks a pass over ``src`` visits: dask partitions, Parquet row groups or in-memory blocks."""
    if hasattr(src, "parts"):
        return len(src.parts)
    if hasattr(src, "reader"):
        return sum(1 for _ in src.reader.chunks(src.columns[:1]))
    return -(-src.n_rows // src.block_rows)


def pass_costs(fit, reps: int) -> dict:
    """A full-model IRLS pass and a null-model pass over the fit's source, as the engine makes them (BLAS on
    one thread), medians of ``reps``: wall time, and the summed time of the blocks' own parts; the pickled
    size of one block's part and the time to unpickle it and add it to a sum (the client's share per
    partition on a cluster)."""
    import numpy as np

    from glmstat.design.sources import fold
    from glmstat.engine.scoring_pass import PassResult, new_reducer, pass_block
    from glmstat.engine.kernel import kernel_for
    from glmstat.engine.threads import single_threaded_blas

    fd = fit.fit_data
    src, fam = fd.source, fit.family
    kernel = kernel_for(fam)

    def part_of(source, beta):
        # (positional, as the engine binds it: the block comes last)
        return partial(pass_block, fam, kernel, beta, False, None, source.n_cols)

    def timed_passes(source, beta) -> tuple[float, float]:
        empty = (PassResult(0.0, 0.0, True, 0, 0.0, 0, True, new_reducer(source.n_cols, False, None)), 0.0, 0)
        walls, inside = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            _, secs, _rows = fold(source, TimedPart(part_of(source, beta)), merge_timed, empty)
            walls.append(time.perf_counter() - t0)
            inside.append(secs)
        return statistics.median(walls), statistics.median(inside)

    beta = np.nan_to_num(np.asarray(fd.coef, dtype=float))
    with single_threaded_blas():
        full, full_inside = timed_passes(src, beta)
        null, null_inside = timed_passes(src.with_columns(np.array([0])), np.array([float(fit.coef.iloc[0])]))
        block = next(iter(src.blocks()))
        wire = pickle.dumps(part_of(src, beta)(block))
        acc = pickle.loads(wire)
        times = []
        for _ in range(max(reps, 5)):
            t0 = time.perf_counter()
            acc.merge(pickle.loads(wire))
            times.append(time.perf_counter() - t0)
    return {"chunks": _chunks(src), "full_pass_s": full, "full_parts_s": full_inside, "null_pass_s": null,
            "null_parts_s": null_inside, "part_bytes": len(wire), "client_part_s": statistics.median(times)}


def setup_seconds(data) -> float:
    """The front end alone: the model frame and the row source (for a path: the pass that learns the spec;
    for a dask DataFrame: that pass on the workers, then every partition encoded and persisted there)."""
    import glmstat as gs
    from glmstat.formula.limits import DEFAULT_LIMITS
    from glmstat.inputs import model_frame_and_source

    t0 = time.perf_counter()
    _, source = model_frame_and_source(problem_meta()["formula"], data, gs.Poisson(), weights=None, offset=None,
                                       na_action="drop", context=None, limits=DEFAULT_LIMITS)
    if hasattr(source, "parts"):  # persist returns at once: wait until the blocks are on the workers
        from distributed import wait

        wait(list(source.parts))
    return time.perf_counter() - t0


# -- one measurement, in its own process -----------------------------------------------------------------

def _fit_glmstat(data):
    import glmstat as gs

    fit = gs.glm(problem_meta()["formula"], data, family=gs.Poisson(), progress=False)
    fit.std_errors
    return fit


def measure(contender: str, n: int, path: str, warm: str, pass_reps: int) -> dict:
    """Warm up, then time one fit of ``contender`` on the Parquet file ``path``; a dict of results."""
    out: dict = {"contender": contender, "n": n}
    warnings.simplefilter("ignore")
    if contender.startswith("glmstat-dask"):
        return _measure_dask(out, path, warm, pass_reps, malloc=contender == "glmstat-dask-malloc")
    if contender in ("glum", "statsmodels"):
        from benchmarks.worker import CONTENDERS as PEERS

        meta = problem_meta()
        PEERS[contender](read_memory(warm), meta)[0]()  # warm-up
        df = read_memory(path)
        fit, _, check = PEERS[contender](df, meta)
        gc.collect()
        base = _rss_reset_kb()
        t0 = time.perf_counter()
        res = fit()
        out["seconds"] = time.perf_counter() - t0
        out["peak_mb"] = max(0.0, (_rss_peak_kb() - base) / 1024)
        out["check"] = check(res)
        return out
    _fit_glmstat(read_memory(warm) if contender == "glmstat-memory" else warm)
    data = read_memory(path) if contender == "glmstat-memory" else path
    gc.collect()
    counter = PassCounter().install()
    base = _rss_reset_kb()
    t0 = time.perf_counter()
    fit = _fit_glmstat(data)
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = max(0.0, (_rss_peak_kb() - base) / 1024)
    counter.remove()
    out.update(_fit_facts(fit, counter))
    out.update(pass_costs(fit, pass_reps))
    out["setup_s"] = setup_seconds(data)
    return out


def _fit_facts(fit, counter: PassCounter) -> dict:
    p = len(fit.coef)
    return {"check": float(fit.coef["x1"]), "iterations": int(fit.iterations), "p": p,
            "passes_full": counter.by_cols.get(p, 0),
            "passes_other": sum(k for c, k in counter.by_cols.items() if c != p)}


def _worker_reset() -> int:
    return _rss_reset_kb()


def _worker_peak() -> int:
    return _rss_peak_kb()


def _measure_dask(out: dict, path: str, warm: str, pass_reps: int, malloc: bool) -> dict:
    import logging

    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    if malloc:
        dask.config.set({f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC.items()})
    with LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.run(warnings.simplefilter, "ignore")
        warm_fit = _fit_glmstat(dd.read_parquet(warm, split_row_groups=True))
        del warm_fit
        gc.collect()
        time.sleep(1.0)  # let the scheduler release the warm-up fit's persisted blocks
        counter = PassCounter().install()
        w_base = client.run(_worker_reset)
        base = _rss_reset_kb()
        t0 = time.perf_counter()
        ddf = dd.read_parquet(path, split_row_groups=True)
        fit = _fit_glmstat(ddf)
        out["seconds"] = time.perf_counter() - t0
        out["peak_mb"] = max(0.0, (_rss_peak_kb() - base) / 1024)
        w_peak = client.run(_worker_peak)
        counter.remove()
        out["workers_peak_mb"] = sum(max(0.0, (w_peak[a] - w_base[a]) / 1024) for a in w_peak)
        out["workers"] = len(w_peak)
        out.update(_fit_facts(fit, counter))
        out.update(pass_costs(fit, pass_reps))
        del fit
        out["setup_s"] = setup_seconds(dd.read_parquet(path, split_row_groups=True))
    return out


# -- the runner -------------------------------------------------------------------------------------------

def run_one(contender: str, n: int, path: Path, warm: Path, pass_reps: int, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.scaleout", "--measure", contender, str(n), str(path), str(warm),
           "--pass-reps", str(pass_reps)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"contender": contender, "n": n, "error": f"timeout > {timeout:g}s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"contender": contender, "n": n, "error": f"exit {p.returncode}: {p.stderr.strip()[-300:]}"}
    return json.loads(lines[-1])


def available(wanted: list[str]) -> list[str]:
    needs = {"glmstat-memory": ["pyarrow"], "glmstat-parquet": ["pyarrow"],
             "glmstat-dask": ["pyarrow", "dask", "distributed"],
             "glmstat-dask-malloc": ["pyarrow", "dask", "distributed"], "glum": ["pyarrow", "glum"],
             "statsmodels": ["pyarrow", "statsmodels"]}
    out = []
    for c in wanted:
        if c not in needs:
            raise SystemExit(f"unknown contender {c!r}; choose from {', '.join(CONTENDERS)}")
        missing = [m for m in needs[c] if importlib.util.find_spec(m) is None]
        if missing:
            print(f"# {c}: {', '.join(missing)} not installed, skipped (pip install glmstat[parquet,dask,bench])",
                  file=sys.stderr)
        else:
            out.append(c)
    return out


def mem_available_mb() -> float:
    from benchmarks.run import mem_available_mb as avail

    return avail()


def summarize(results: list[dict]) -> dict:
    ok = [r for r in results if "seconds" in r]
    if not ok:
        return {"error": results[-1]["error"] if results else "no run"}
    med = {"seconds": statistics.median(r["seconds"] for r in ok), "runs": len(ok),
           "peak_mb": statistics.median(r["peak_mb"] for r in ok), "check": ok[0].get("check")}
    for k in ("workers_peak_mb", "full_pass_s", "full_parts_s", "null_pass_s", "null_parts_s", "client_part_s",
              "setup_s"):
        if k in ok[0]:
            med[k] = statistics.median(r[k] for r in ok)
    for k in ("iterations", "p", "passes_full", "passes_other", "workers", "chunks", "part_bytes"):
        if k in ok[0]:
            med[k] = ok[0][k]
    return med


def fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.1f} ms" if s < 0.1 else f"{s:.2f} s"


def print_table(rows: list[dict]) -> None:
    cols = ["contender", "rows", "median time", "extra peak MB", "workers' extra peak MB", "passes",
            "/ glmstat-memory", "/ glum", "/ statsmodels"]
    print(" | ".join(cols))
    print(" | ".join("---" for _ in cols))
    for row in rows:
        ref = {k: row["results"].get(k, {}).get("seconds") for k in ("glmstat-memory", "glum", "statsmodels")}
        for c, r in row["results"].items():
            cells = [c, f"{row['n']:.0e}"]
            if "seconds" not in r:
                cells += [r["error"]] + ["-"] * 6
                print(" | ".join(cells))
                continue
            cells += [fmt_s(r["seconds"]), f"{r['peak_mb']:.0f}",
                      f"{r['workers_peak_mb']:.0f}" if "workers_peak_mb" in r else "-",
                      f"{r['passes_full']} + {r['passes_other']}" if "passes_full" in r else "-"]
            cells += [f"{r['seconds'] / ref[k]:.2f}" if ref[k] else "-" for k in ref]
            print(" | ".join(cells))


def print_passes(rows: list[dict]) -> None:
    cols = ["contender", "rows", "blocks", "iterations", "front end", "full pass", "us/row/pass, wall x processes",
            "us/row/pass in the parts", "rest of the pass", "null pass", "part bytes", "client: unpickle + add a part"]
    print(" | ".join(cols))
    print(" | ".join("---" for _ in cols))
    for row in rows:
        for c, r in row["results"].items():
            if "full_pass_s" not in r:
                continue
            n = row["n"]
            procs = min(r.get("workers", 1), r["chunks"])  # the processes that work in parallel during a pass
            cells = [c, f"{n:.0e}", str(r["chunks"]), str(r["iterations"]), fmt_s(r["setup_s"]),
                     fmt_s(r["full_pass_s"]),
                     f"{r['full_pass_s'] * procs / n * 1e6:.3f}", f"{r['full_parts_s'] / n * 1e6:.3f}",
                     fmt_s(max(0.0, r["full_pass_s"] - r["full_parts_s"] / procs)), fmt_s(r["null_pass_s"]),
                     f"{r['part_bytes']:,}", fmt_s(r["client_part_s"])]
            print(" | ".join(cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e6,5e6", help="row counts (default 1e6,5e6)")
    ap.add_argument("--reps", type=int, default=3, help="rounds of alternating runs (default 3)")
    ap.add_argument("--quick", action="store_true", help="2e5 rows in row groups of 50,000, 1 round")
    ap.add_argument("--row-group", type=int, default=ROW_GROUP,
                    help=f"rows per Parquet row group = per dask partition (default {ROW_GROUP:,})")
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help=f"default {','.join(CONTENDERS)}")
    ap.add_argument("--pass-reps", type=int, default=3,
                    help="repetitions of the extra pass timings after each glmstat fit (default 3)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed per run (default 600)")
    ap.add_argument("--json", help="also write every raw measurement to this file")
    ap.add_argument("--measure", nargs=4, metavar=("CONTENDER", "N", "PATH", "WARM"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:  # one measurement in this (fresh) process: print one JSON line
        contender, n, path, warm = args.measure
        try:
            out = measure(contender, int(n), path, warm, args.pass_reps)
        except Exception as e:  # report, never crash the runner
            out = {"contender": contender, "n": int(n), "error": f"{type(e).__name__}: {e}",
                   "trace": traceback.format_exc()[-2000:]}
        print(json.dumps(out))
        return 0

    sizes = [int(2e5)] if args.quick else [int(float(s)) for s in args.sizes.split(",")]
    reps = 1 if args.quick else args.reps
    row_group = 50_000 if args.quick else args.row_group
    contenders = available(args.contenders.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="glmstat-scaleout-"))
    rows, raw = [], []
    try:
        warm = tmp / "warm.parquet"
        write_parquet(WARM_ROWS, warm, WARM_ROWS // N_WORKERS)  # a partition for each dask worker
        for n in sizes:
            path = tmp / f"poisson-{n}.parquet"
            write_parquet(n, path, row_group)
            results: dict[str, list[dict]] = {c: [] for c in contenders}
            skip: dict[str, str] = {}
            if "statsmodels" in contenders:
                need = STATSMODELS_COPIES * n * 305 * 8 / 2**20
                if need > 0.8 * mem_available_mb():
                    skip["statsmodels"] = f"needs ~{need / 1024:.0f} GB"
            for _ in range(reps):
                for c in contenders:
                    if c in skip:
                        continue
                    r = run_one(c, n, path, warm, args.pass_reps, args.timeout)
                    raw.append(r)
                    results[c].append(r)
                    if "error" in r:
                        skip[c] = r["error"].split("\n")[0][:60]
            summary = {c: ({"error": skip[c]} if c in skip and not any("seconds" in r for r in results[c])
                           else summarize(results[c])) for c in contenders}
            rows.append({"n": n, "row_group": row_group, "results": summary})
            path.unlink()
            print(f"# {n:.0e} rows done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Fit with standard errors, median of {reps} alternating round(s); ratios are this row's time over "
          f"the named contender's; passes = full-model + other map_reduce passes over the rows.\n")
    print_table(rows)
    print("\nPer-pass cost, measured after each glmstat fit (medians); the dask rows use "
          f"{N_WORKERS} worker processes.\n")
    print_passes(rows)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "raw": raw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
