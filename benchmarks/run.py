"""The benchmark suite: glmstat against statsmodels, glum and R on the same synthetic problems.

    python -m benchmarks.run                       # the default suite (see --help)
    python -m benchmarks.run --problems a,d --sizes 1e4,1e5 --reps 3

Problems (fixed seeds, :mod:`benchmarks.problems`):
  a  logistic, 10 numeric columns + factors of 20 and 50 levels (79 model columns)
  b  Poisson, 5 numeric columns + a 300-level factor, offset(log(exposure))
  c  Gamma with log link, 30 numeric columns
  d  small logistic fit, 100 rows, 3 columns, standard errors included (time per glm() call)
  e  hat values + Cook's distances for (a)
  f  Poisson with interactions: factors of 100 and 3 levels, g:h and g:x1 (402 model columns)

Each measurement is one fresh process per contender (warm-up fit, then the timed part), run in rounds
that alternate the contenders (A B C A B C ...), so a drifting machine affects all alike; the table shows
medians over rounds (R and statsmodels, minutes per run at a million rows, run --slow-reps rounds
there), each contender's extra peak memory during the timed part (median), and glmstat's time as a
ratio of each peer's.  A contender whose run would not fit in memory, or that failed or timed out,
shows why instead of a time.  Peers that are not installed (``pip install glmstat[bench]``) or an absent
``Rscript`` are skipped.  Results are this script's output, not test assertions.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks import problems  # noqa: E402

PROBLEM_OF = {"a": "logistic", "b": "poisson", "c": "gamma", "d": "small", "e": "logistic", "f": "interaction"}
TOOLS = ("glmstat", "glum", "statsmodels", "R")


def available_tools(wanted: list[str]) -> list[str]:
    out = []
    for t in wanted:
        if t == "R":
            if shutil.which("Rscript"):
                out.append(t)
        elif t == "glmstat" or importlib.util.find_spec(t) is not None:
            out.append(t)
        else:
            print(f"# {t} is not installed: skipped (pip install glmstat[bench])", file=sys.stderr)
    return out


def write_data(pb: problems.Problem, n: int, folder: Path) -> None:
    """Raw little-endian column files plus meta.json, readable by Python and R alike."""
    folder.mkdir(parents=True, exist_ok=True)
    df = pb.data
    levels = {}
    for c in df.columns:
        s = df[c]
        if hasattr(s, "cat"):
            s.cat.codes.to_numpy().astype("<i4").tofile(folder / f"{c}.i32")
            levels[c] = [str(v) for v in s.cat.categories]
        else:
            s.to_numpy(dtype="<f8").tofile(folder / f"{c}.f64")
    meta = {
        "n": len(df), "columns": list(df.columns), "levels": levels, "formula": pb.formula,
        "family": pb.family, "link": pb.link, "numeric": list(pb.numeric), "factors": list(pb.factors),
        "exposure": pb.exposure, "interactions": list(pb.interactions),
    }
    (folder / "meta.json").write_text(json.dumps(meta))


def mem_available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("inf")


def run_one(tool: str, problem: str, n: int, datadir: Path, task: str, calls: int, timeout: float) -> dict:
    if tool == "R":
        cmd = ["Rscript", str(HERE / "r_worker.R"), problem, str(n), str(datadir), task, str(calls)]
        env = dict(os.environ, LC_ALL="C")
    else:
        cmd = [sys.executable, "-m", "benchmarks.worker", tool, problem, str(n), str(datadir),
               "--task", task, "--calls", str(calls)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "error": f"timeout > {timeout:g}s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"tool": tool, "error": f"exit {p.returncode}: {p.stderr.strip()[-300:]}"}
    return json.loads(lines[-1])


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-2:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.3f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default="a,b,c,d,e,f", help="comma-separated problem letters (default a,b,c,d,e,f)")
    ap.add_argument("--sizes", default="1e4,1e5,1e6", help="row counts for a, b, c, e, f (default 1e4,1e5,1e6)")
    ap.add_argument("--big", action="store_true", help="also run (a) at 1e7 rows where memory allows")
    ap.add_argument("--tools", default=",".join(TOOLS), help="contenders (default glmstat,glum,statsmodels,R)")
    ap.add_argument("--reps", type=int, default=3, help="rounds of alternating runs (default 3)")
    ap.add_argument("--calls", type=int, default=200, help="glm() calls per timed loop for (d) (default 200)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds allowed per run; a peer whose smaller run extrapolates beyond it is skipped "
                         "(default 300)")
    ap.add_argument("--slow-n", type=float, default=1e6,
                    help="from this many rows on, R and statsmodels run only --slow-reps rounds (default 1e6)")
    ap.add_argument("--slow-reps", type=int, default=1, help="rounds for R and statsmodels at --slow-n (default 1)")
    ap.add_argument("--json", help="also write every raw measurement to this file")
    args = ap.parse_args(argv)

    tools = available_tools(args.tools.split(","))
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    letters = args.problems.split(",")
    raw: list[dict] = []
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="glmstat-bench-"))
    measured: dict[tuple[str, str], tuple[int, float, float]] = {}  # (tool, letter) -> (n, seconds, peak MB)
    failed: dict[tuple[str, str], str] = {}  # (tool, letter) -> why its smaller run failed
    try:
        for letter in letters:
            problem = PROBLEM_OF[letter]
            task = "influence" if letter == "e" else "fit"
            ns = [100] if letter == "d" else sizes + ([10_000_000] if args.big and letter == "a" else [])
            for n in ns:
                pb = problems.make(problem, n)
                datadir = tmp / f"{problem}-{n}"
                if not datadir.exists():
                    write_data(pb, n, datadir)
                data_mb = pb.data.memory_usage(deep=True).sum() / 2**20
                del pb
                calls = args.calls if letter == "d" else 1
                results: dict[str, list[dict]] = {t: [] for t in tools}
                skip: dict[str, str] = {}
                for t in tools:  # would this run fit in memory and time? extrapolate a smaller size linearly
                    if (t, letter) in failed:
                        why = failed[(t, letter)]
                        skip[t] = why if why == "not available" else f"skipped ({why} at smaller n)"
                        continue
                    prev = measured.get((t, letter))
                    if prev and n > prev[0]:
                        need = prev[2] * n / prev[0] + 3 * data_mb
                        secs = prev[1] * n / prev[0]
                        if need > 0.8 * mem_available_mb():
                            skip[t] = f"needs ~{need / 1024:.0f} GB"
                        elif secs > args.timeout:
                            skip[t] = f"est. > {args.timeout:g} s"
                for rnd in range(args.reps):
                    for t in tools:
                        if t in skip:
                            continue
                        slow = t not in ("glmstat", "glum") and n >= args.slow_n
                        if slow and rnd >= args.slow_reps:
                            continue
                        r = run_one(t, problem, n, datadir, task, calls, args.timeout)
                        r.update(letter=letter, n=n)
                        raw.append(r)
                        results[t].append(r)
                        if "error" in r:
                            skip[t] = r["error"].split("\n")[0][:40]
                            failed[(t, letter)] = ("timeout" if r["error"].startswith("timeout") else
                                                   "not available" if r["error"] == "not available" else "failed")
                row = {"letter": letter, "problem": problem, "n": n, "task": task}
                for t in tools:
                    ok = [r for r in results[t] if "seconds" in r]
                    if ok:
                        row[t] = {
                            "seconds": statistics.median(r["seconds"] for r in ok),
                            "peak_mb": statistics.median(r["peak_mb"] for r in ok),
                            "check": ok[0].get("check"),
                            "runs": len(ok),
                        }
                        measured[(t, letter)] = (n, row[t]["seconds"], row[t]["peak_mb"])
                        if "iterations" in ok[0]:
                            row[t]["iterations"] = ok[0]["iterations"]
                    else:
                        row[t] = {"error": skip.get(t, "no run")}
                rows.append(row)
                print_row(row, tools, header=len(rows) == 1)
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "raw": raw}, indent=1))
    return 0


def print_row(row: dict, tools: list[str], header: bool) -> None:
    peers = [t for t in tools if t != "glmstat"]
    if header:
        cols = ["problem", "n"] + [f"{t} time" for t in tools] + [f"{t} MB" for t in tools] + \
               [f"glmstat/{t}" for t in peers]
        print(" | ".join(cols))
        print(" | ".join("---" for _ in cols))
    cells = [f"({row['letter']}) {row['problem']}{' influence' if row['task'] == 'influence' else ''}",
             f"{row['n']:.0e}" if row["n"] >= 1000 else str(row["n"])]
    for t in tools:
        r = row.get(t, {})
        cells.append(fmt_time(r["seconds"]) if "seconds" in r else r.get("error", "-"))
    for t in tools:
        r = row.get(t, {})
        cells.append(f"{r['peak_mb']:.0f}" if "peak_mb" in r else "-")
    g = row.get("glmstat", {}).get("seconds")
    for t in peers:
        s = row.get(t, {}).get("seconds")
        cells.append(f"{g / s:.3f}" if g and s else "-")
    print(" | ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
