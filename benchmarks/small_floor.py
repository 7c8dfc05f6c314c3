"""The small-fit problem (d) against its floor: how much of R's time the arithmetic alone takes in numpy.

A 100-row, 3-column logistic fit with standard errors, timed as the project's small-fit measurement times it
(medians of calls alternating round by round with statsmodels and glum in one process, R's ``glm`` +
``summary`` timed by Rscript before and after).  Besides glmstat, a *floor*: the same IRLS in bare numpy
(R's starting values and convergence test, Cholesky solves, the standard errors from the last factor) with
nothing else -- no formula, no checks of the data, no aliasing or separation diagnosis, no polishing to the
exact optimum, no results object.  Whatever glmstat does on top costs at least what the floor leaves.

    python -m benchmarks.small_floor [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

_R = """
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2]); pause <- as.numeric(args[3])
f <- function() coef(summary(glm(passed ~ hours + score, family = binomial(), data = d)))[, 2]
for (i in 1:20) f()
t <- numeric(reps)
for (i in seq_len(reps)) {
  if (pause > 0) Sys.sleep(pause / 1000)
  t0 <- Sys.time(); f(); t[i] <- as.numeric(Sys.time() - t0, units = "secs") * 1000
}
cat(median(t), "\\n")
"""


def data() -> pd.DataFrame:
    """The small-fit problem's rows (the same seed and columns as problem (d))."""
    r = np.random.default_rng(0)
    d = pd.DataFrame({"hours": np.arange(100) % 9 + 1.0, "score": r.normal(70, 10, 100)})
    d["passed"] = (r.random(100) < 1 / (1 + np.exp(-(d.hours - 5)))).astype(int)
    return d


def floor_fit(d: pd.DataFrame) -> np.ndarray:
    """Standard errors of logit P(passed) = b0 + b1 hours + b2 score by bare IRLS: R's start mu = (y + 1/2)/2,
    W = mu (1 - mu), z = eta + (y - mu)/W, beta = (X'WX)^{-1} X'Wz until |dev - dev_old|/(|dev| + 0.1) < 1e-8;
    se = sqrt(diag((X'WX)^{-1}))."""
    from scipy.linalg import lapack

    potrf, potrs = lapack.get_lapack_funcs(("potrf", "potrs"), dtype=float)
    y = d["passed"].to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(d)), d["hours"].to_numpy(dtype=float), d["score"].to_numpy(dtype=float)])
    mu = (y + 0.5) / 2
    eta = np.log(mu / (1 - mu))
    dev_old = np.inf
    for _ in range(25):
        e = np.exp(eta)
        one_e = 1 + e
        mu = e / one_e
        W = mu / one_e
        dev = 2 * (np.log(one_e).sum() - y @ eta)
        A = X * np.sqrt(W)[:, None]
        c, _ = potrf(A.T @ A, lower=0)
        beta, _ = potrs(c, X.T @ (W * eta + (y - mu)), lower=0)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
        eta = X @ beta
    inv, _ = potrs(c, np.eye(3), lower=0)
    return np.sqrt(np.diag(inv))


def r_ms(csv: str, reps: int = 300, pause_ms: float = 0.0) -> float | None:
    """R's median glm + summary time in ms (each call after a sleep of ``pause_ms``), or None without Rscript."""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(_R)
    try:
        out = subprocess.run(["Rscript", f.name, csv, str(reps), str(pause_ms)], capture_output=True, text=True,
                             check=True)
        return float(out.stdout.split()[-1])
    except (OSError, subprocess.CalledProcessError):
        return None
    finally:
        os.unlink(f.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    import glmstat as gs

    d = data()
    csv = os.path.join(tempfile.mkdtemp(), "small.csv")
    d.to_csv(csv, index=False)
    tools = {
        "glmstat": lambda: np.asarray(gs.glm("passed ~ hours + score", d, family=gs.Binomial()).std_errors),
        "floor": lambda: floor_fit(d),
    }
    try:
        import statsmodels.api as sm
        import statsmodels.formula.api as smf
        from glum import GeneralizedLinearRegressor

        tools["statsmodels"] = lambda: smf.glm("passed ~ hours + score", d, family=sm.families.Binomial()).fit().bse
        tools["glum"] = lambda: GeneralizedLinearRegressor(family="binomial", alpha=0,
                                                           formula="passed ~ hours + score").fit(d).coef_
    except ImportError:
        print("(statsmodels or glum missing: timed without them; install the bench extra)")
    if not np.allclose(tools["floor"](), tools["glmstat"](), rtol=1e-6):
        raise SystemExit("the floor's standard errors differ from glmstat's")
    before = r_ms(csv)
    times: dict[str, list[float]] = {k: [] for k in tools}
    for f in tools.values():
        f()
    for _ in range(args.rounds):
        for k, f in tools.items():
            t = time.perf_counter()
            f()
            times[k].append(1000 * (time.perf_counter() - t))
    # each tool in a loop of its own, as R's script times R (caches warm with the tool's own code and data)
    warm: dict[str, list[float]] = {k: [] for k in ("glmstat", "floor")}
    for k in warm:
        for _ in range(20):
            tools[k]()
        for _ in range(max(args.rounds, 300)):
            t = time.perf_counter()
            tools[k]()
            warm[k].append(1000 * (time.perf_counter() - t))
    # every contender after the same pause, R included: what a call costs once other work has cooled the caches
    pause_ms = 15.0
    paused: dict[str, list[float]] = {k: [] for k in ("glmstat", "floor")}
    for _ in range(100):
        for k in paused:
            time.sleep(pause_ms / 1000)
            t = time.perf_counter()
            tools[k]()
            paused[k].append(1000 * (time.perf_counter() - t))
    r_paused = r_ms(csv, 100, pause_ms)
    after = r_ms(csv)
    med = {k: statistics.median(v) for k, v in times.items()}
    if before is not None and after is not None:
        med["R"] = (before + after) / 2
    print("alternating: " + "; ".join(f"{k} {v:.3f} ms" for k, v in med.items()))
    hot = {k: statistics.median(v) for k, v in warm.items()}
    print("own loop: " + "; ".join(f"{k} {v:.3f} ms" for k, v in hot.items()))
    if "R" in med:
        print(f"of R's time (R in its own loop): alternating glmstat {med['glmstat'] / med['R']:.2f}, floor "
              f"{med['floor'] / med['R']:.2f}; own loop glmstat {hot['glmstat'] / med['R']:.2f}, floor "
              f"{hot['floor'] / med['R']:.2f}")
    cold = {k: statistics.median(v) for k, v in paused.items()}
    line = f"each call after a {pause_ms:.0f} ms sleep: " + "; ".join(f"{k} {v:.3f} ms" for k, v in cold.items())
    if r_paused is not None:
        line += (f"; R {r_paused:.3f} ms; of R's time: glmstat {cold['glmstat'] / r_paused:.2f}, "
                 f"floor {cold['floor'] / r_paused:.2f}")
    print(line)


if __name__ == "__main__":
    main()
