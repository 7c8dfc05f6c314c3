"""One timed run of one contender on one problem, in its own process; prints one JSON line.

    python -m benchmarks.worker TOOL PROBLEM N DATADIR [--task fit|influence] [--calls K]

The data are read from DATADIR (written by :mod:`benchmarks.run`), so every contender fits identical
data.  The process fits once to warm up (imports, caches), then resets its peak-memory counter and times
one fit with full inference (standard errors), or, for ``--task influence``, times hat values and Cook's
distances of an already fitted model.  For the small problem it times a loop of ``--calls`` fits and
reports the mean per call.  Extra peak memory is the peak resident set size during the timed part minus the resident
size before it (Linux ``/proc/self/clear_refs`` resets the peak; elsewhere ``ru_maxrss`` is used).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings

import numpy as np
import pandas as pd


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> int:
    """Reset the peak RSS counter where the OS allows; return the current RSS in kB."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    rss = _status_kb("VmRSS")
    if rss is None:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss


def peak_kb() -> int:
    hwm = _status_kb("VmHWM")
    if hwm is None:
        import resource

        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return hwm


def load(datadir: str) -> tuple[pd.DataFrame, dict]:
    """The problem's DataFrame from raw column files and meta.json."""
    with open(os.path.join(datadir, "meta.json")) as fh:
        meta = json.load(fh)
    n = meta["n"]
    cols = {}
    for c in meta["columns"]:
        if c in meta["levels"]:
            codes = np.fromfile(os.path.join(datadir, f"{c}.i32"), dtype="<i4", count=n)
            cols[c] = pd.Categorical.from_codes(codes, categories=meta["levels"][c])
        else:
            cols[c] = np.fromfile(os.path.join(datadir, f"{c}.f64"), dtype="<f8", count=n)
    return pd.DataFrame(cols), meta


# -- contenders: each returns (fit function, influence function, check value) ---------------------------

def _glmstat(df, meta):
    import glmstat as gs

    fam = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gamma": gs.Gamma(link="log")}[meta["family"]]

    def fit():
        res = gs.glm(meta["formula"], df, family=fam)
        res.std_errors
        return res

    def influence(res):  # R's hatvalues() and cooks.distance(); fit.augment() has them with every residual
        return res.hat_values().to_numpy(), res.cooks_distance().to_numpy()

    def check(res):
        return float(res.coef[meta["numeric"][0]])

    return fit, influence, check


def _statsmodels(df, meta):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    fam = {
        "binomial": sm.families.Binomial(),
        "poisson": sm.families.Poisson(),
        "gamma": sm.families.Gamma(link=sm.families.links.Log()),
    }[meta["family"]]
    formula = "y ~ " + " + ".join(meta["numeric"] + meta["factors"] + meta.get("interactions", []))
    kw = {}
    if meta.get("exposure"):
        kw["offset"] = np.log(df[meta["exposure"]].to_numpy())

    def fit():
        res = smf.glm(formula, df, family=fam, **kw).fit()
        res.bse
        return res

    def influence(res):
        infl = res.get_influence(observed=False)
        return infl.hat_matrix_diag, infl.cooks_distance[0]

    def check(res):
        return float(res.params[meta["numeric"][0]])

    return fit, influence, check


def _glum(df, meta):
    from glum import GeneralizedLinearRegressor

    formula = "y ~ " + " + ".join(meta["numeric"] + meta["factors"] + meta.get("interactions", []))
    kw = {}
    if meta.get("exposure"):
        kw["offset"] = np.log(df[meta["exposure"]].to_numpy())

    def fit():
        model = GeneralizedLinearRegressor(family=meta["family"], link=meta["link"], alpha=0, formula=formula,
                                           drop_first=True)
        model.fit(df, **kw)
        cov = model.covariance_matrix(df, **kw)
        model._bench_se = np.sqrt(np.diag(np.asarray(cov)))
        return model

    def check(model):
        names = list(model.feature_names_)
        return float(model.coef_[names.index(meta["numeric"][0])])

    return fit, None, check


CONTENDERS = {"glmstat": _glmstat, "statsmodels": _statsmodels, "glum": _glum}


def main(argv: list[str]) -> int:
    tool, problem, n, datadir = argv[:4]
    task = argv[argv.index("--task") + 1] if "--task" in argv else "fit"
    calls = int(argv[argv.index("--calls") + 1]) if "--calls" in argv else 1
    out = {"tool": tool, "problem": problem, "n": int(float(n)), "task": task}
    try:
        warnings.simplefilter("ignore")
        df, meta = load(datadir)
        fit, influence, check = CONTENDERS[tool](df, meta)
        if task == "influence" and influence is None:
            out["error"] = "not available"
            print(json.dumps(out))
            return 0
        res = fit()  # warm-up
        if task == "fit":
            base = reset_peak()
            t0 = time.perf_counter()
            for _ in range(calls):
                res = fit()
            out["seconds"] = (time.perf_counter() - t0) / calls  # mean per call; the suite takes medians
        else:
            influence(res)  # warm-up, then a fresh fit so that nothing computed by the warm-up is reused
            res = fit()
            base = reset_peak()
            t0 = time.perf_counter()
            influence(res)
            out["seconds"] = time.perf_counter() - t0
        out["peak_mb"] = max(0.0, (peak_kb() - base) / 1024)
        out["check"] = check(res)
        if tool == "glmstat":
            out["iterations"] = int(res.iterations)
    except Exception as e:  # report, never crash the suite
        out["error"] = f"{type(e).__name__}: {e}"
        out["trace"] = traceback.format_exc()[-2000:]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
