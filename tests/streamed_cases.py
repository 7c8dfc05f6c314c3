"""Models and data shared by the tests of streamed inputs (Parquet paths, dask DataFrames): every case is
fitted in memory and streamed, and every number must agree to 1e-8.

The data are built so that the awkward cases happen: a factor level present only in the last 40 rows (the
last row group, the last partition), a block of 200 rows whose ``x1`` is missing (a whole row group, or
partition, dropped for missing values), and scattered missing values elsewhere.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.report.plots.effects import RUG_BINS

N = 2400
GROUP = 200  # rows per Parquet row group; 200 rows of x1 missing fill exactly one group

CASES = {
    "poisson_offset": ("count ~ x1 + g + h + offset(log(expo))", gs.Poisson(), None),
    "binomial_cbind": ("cbind(s, f) ~ x1 + g", gs.Binomial(), None),
    "gamma_log_weights": ("pos ~ x1 + x2 + h", gs.Gamma(link="log"), "w"),
    "gaussian_dense_poly": ("z ~ x1 * h + poly(x2, 2)", gs.Gaussian(), None),
    # (structured: g's and h's codes, and h:x1 as h's codes and x1's values)
    "poisson_codes_and_interaction": ("count ~ g + h * x1 + offset(log(expo))", gs.Poisson(), None),
    # (g:h by the combined levels of g and h; the cells of g's last level are seen only in the last 40 rows)
    "poisson_factor_interaction": ("count ~ x1 + g * h + offset(log(expo))", gs.Poisson(), None),
    "logit_scale": ("yes ~ scale(x1) + g", gs.Binomial(), None),
    "quasipoisson": ("count ~ x1 + h", gs.QuasiPoisson(), None),
    # (an 80-level factor's sum contrasts: its codes and the contrast matrix, design/transformed.py)
    "poisson_sum_contrasts": ("count ~ x1 + C(gw, sum) + h + offset(log(expo))", gs.Poisson(), None),
}

#: Fits whose estimation needs more than IRLS passes: (formula, family, weights, method).  ``I(x1 + 1)`` is
#: aliased with the intercept and x1 (Firth finds it from the blocks' merged QR factors).
ESTIMATED = {
    "negbin_theta": ("over ~ x1 + g + h + offset(log(expo))", gs.NegativeBinomial(), "w", "irls"),
    "firth_logit_aliased": ("yes ~ x1 + g + h + I(x1 + 1)", gs.Binomial(), None, "firth"),
    "firth_cbind_probit": ("cbind(s, f) ~ x1 + x2 + h", gs.Binomial(link="probit"), None, "firth"),
}

#: Expressions of a stateful transform's values: scale(x2) is negative on about half the rows (whose log is
#: missing), and rounded it takes seven levels; the first pass must see its values, not placeholders.
TRANSFORM_VALUES = {
    "log_of_scale": ("z ~ log(scale(x2)) + h", gs.Gaussian()),
    "factor_of_scale": ("count ~ x1 + factor(round(scale(x2))) + offset(log(expo))", gs.Poisson()),
}


def data(seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, N))
    g = rng.choice([f"l{i:02d}" for i in range(8)], N).astype(object)
    g[-40:] = "l99"  # a level seen only in the last row group / partition
    h = rng.choice(["a", "b", "c"], N)
    expo = rng.uniform(0.5, 3, N)
    eta = 0.3 * x1 - 0.2 * x2 + 0.1 * (h == "b") + 0.2 * (g == "l99")
    trials = rng.integers(3, 9, N)
    s = rng.binomial(trials, 1 / (1 + np.exp(-eta)))
    df = pd.DataFrame({
        "x1": x1, "x2": x2, "g": g, "h": h, "expo": expo,
        "count": rng.poisson(np.exp(eta) * expo).astype(float),
        "s": s.astype(float), "f": (trials - s).astype(float),
        "yes": (rng.uniform(size=N) < 1 / (1 + np.exp(-eta))).astype(float),
        "pos": rng.gamma(3.0, np.exp(eta) / 3.0),
        "z": 1.0 + eta + rng.normal(scale=0.5, size=N),
        "w": rng.uniform(0.5, 2, N),
    })
    df.loc[5 * GROUP: 6 * GROUP - 1, "x1"] = np.nan  # a whole row group of missing x1
    df.loc[rng.choice(N - 40, 30, replace=False), "x2"] = np.nan
    # (drawn last, so the columns above are the same whatever is added here)
    df["over"] = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(eta) * expo)).astype(float)  # theta = 2
    df["gw"] = [f"w{i:02d}" for i in rng.integers(0, 80, N)]
    return df


def row_groups(frame: pd.DataFrame, directory) -> str:
    """``frame`` written to ``directory``/rows.parquet in row groups of ``GROUP`` rows; the file's path."""
    path = directory / "rows.parquet"
    frame.to_parquet(path, row_group_size=GROUP, index=False)
    return str(path)


def as_streamed(frame: pd.DataFrame, kind: str, directory, rows: int = 7):
    """``frame`` as streamed data of ``rows``-row chunks: a Parquet file in ``directory`` (``kind`` "parquet") or a
    dask DataFrame ("dask"); the test is skipped without the library."""
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        frame.to_parquet(Path(directory) / "streamed.parquet", row_group_size=rows, index=False)
        return str(Path(directory) / "streamed.parquet")
    return pytest.importorskip("dask.dataframe").from_pandas(frame, chunksize=rows)


def assert_streamed_is_in_memory(formula: str, frame: pd.DataFrame, kind: str, directory, rows: int, rtol: float,
                                 family: gs.Family | None = None) -> tuple[gs.GLMResults, gs.GLMResults]:
    """Fit ``formula`` to ``frame`` in memory and streamed in ``rows``-row chunks (:func:`as_streamed`); assert the
    same coefficient names and the same coefficients to ``rtol``.  Returns (streamed, in memory)."""
    mem = gs.glm(formula, frame, family=family)
    streamed = gs.glm(formula, as_streamed(frame, kind, directory, rows=rows), family=family)
    assert list(streamed.coef.index) == list(mem.coef.index)
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=rtol)
    return streamed, mem


def fit(formula: str, source, family, weights, method: str = "irls") -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return gs.glm(formula, source, family=family, weights=weights, method=method)


def computed(x) -> np.ndarray:
    """A number, array, pandas or dask object as a float array."""
    if hasattr(x, "compute"):
        x = x.compute()
    return np.asarray(x, dtype=float).ravel()


def close(a, b, rtol: float = 1e-8, what: str = "") -> None:
    a, b = computed(a), computed(b)
    assert a.shape == b.shape, what
    finite = np.abs(b[np.isfinite(b)])  # (infinite entries, e.g. the df of a z-based interval, match exactly)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale, err_msg=what)


def assert_same_fit(streamed: gs.GLMResults, mem: gs.GLMResults, newdata, new_mem: pd.DataFrame) -> None:
    """Every number the issue lists, streamed against in memory (``newdata`` is the streamed form of the
    rows ``new_mem`` to predict)."""
    assert streamed.column_names == mem.column_names
    assert (streamed.nobs, streamed.n_dropped) == (mem.nobs, mem.n_dropped)
    assert list(streamed.dropped_by.items()) == list(mem.dropped_by.items())  # the same counts, in the same order
    for q in ("coef", "std_errors", "vcov", "p_values"):
        close(getattr(streamed, q), getattr(mem, q), what=q)
    for q in ("deviance", "null_deviance", "dispersion", "df_residual"):
        close(getattr(streamed, q), getattr(mem, q), what=q)
    if mem.family.has_likelihood:
        for q in ("loglik", "aic", "bic"):
            close(getattr(streamed, q), getattr(mem, q), what=q)
    a, b = streamed.anova(), mem.anova()
    assert list(a.index) == list(b.index)
    close(a["resid_dev"], b["resid_dev"], what="anova")
    close(a["p_value"].iloc[1:], b["p_value"].iloc[1:], what="anova p")
    close(streamed.drop1(test="Chisq")["deviance"], mem.drop1(test="Chisq")["deviance"], what="drop1")
    for kind in ("HC0", "HC3"):
        close(streamed.robust(kind).std_errors, mem.robust(kind).std_errors, what=kind)
    close(streamed.predict(newdata, se_fit=True)["se"], mem.predict(new_mem, se_fit=True)["se"], what="predict se")
    close(streamed.predict(newdata), mem.predict(new_mem), what="predict")
    close(streamed.fitted_values, mem.fitted_values, what="fitted")
    close(streamed.residuals("pearson"), mem.residuals("pearson"), what="pearson residuals")
    close(streamed.hat_values(), mem.hat_values(), what="hat")
    aug_s, aug_m = streamed.augment(), mem.augment()
    for c in ("cooks_d", "student_resid"):
        close(aug_s[c], aug_m[c], what=c)


def assert_same_dask_fit(formula: str, frame: pd.DataFrame, mem: gs.GLMResults) -> None:
    """The Poisson fit of ``formula`` to ``frame`` as a dask DataFrame of ``GROUP``-row partitions has the
    in-memory fit ``mem``'s columns, coefficients, standard errors and deviance."""
    import dask.dataframe as dd

    streamed = fit(formula, dd.from_pandas(frame, npartitions=len(frame) // GROUP), gs.Poisson(), None)
    assert streamed.column_names == mem.column_names
    for q in ("coef", "std_errors", "deviance"):
        close(getattr(streamed, q), getattr(mem, q), what=q)


def assert_same_influence(streamed: gs.GLMResults, mem: gs.GLMResults) -> None:
    """The influence measures a streamed fit computes from its rows on this machine (standardized residuals,
    the rule-of-thumb table, dfbeta and dfbetas) equal the in-memory fit's, row by row and label by label."""
    for kind in ("deviance", "pearson"):
        s, m = streamed.std_residuals(kind), mem.std_residuals(kind)
        assert s.index.equals(m.index)
        close(s, m, what=f"std_residuals({kind})")
    s, m = streamed.influence_summary(), mem.influence_summary()
    assert s.index.equals(m.index) and list(s["rules"]) == list(m["rules"]) and len(m) > 0
    close(s[["cooks_d", "hat", "student_resid"]], m[["cooks_d", "hat", "student_resid"]], what="influence_summary")
    for name in ("dfbeta", "dfbetas"):
        s, m = getattr(streamed, name)(), getattr(mem, name)()
        assert s.index.equals(m.index) and list(s.columns) == list(m.columns)
        close(s, m, what=name)


def assert_same_estimated_fit(streamed: gs.GLMResults, mem: gs.GLMResults) -> None:
    """An estimated-theta or Firth fit, streamed against in memory: the estimates, their covariance, theta and
    its standard error, the deviances and the likelihood, per-row fits and leverages, and the summary."""
    assert streamed.column_names == mem.column_names and streamed.method == mem.method
    assert (streamed.nobs, streamed.n_dropped) == (mem.nobs, mem.n_dropped)
    assert np.array_equal(np.isnan(computed(streamed.coef)), np.isnan(computed(mem.coef)))
    for q in ("coef", "std_errors", "vcov", "deviance", "null_deviance", "loglik", "aic", "bic", "df_residual"):
        close(getattr(streamed, q), getattr(mem, q), what=q)
    assert (streamed.theta is None) == (mem.theta is None)
    if mem.theta is not None:
        close([streamed.theta, streamed.theta_se], [mem.theta, mem.theta_se], what="theta")
    close(streamed.fitted_values, mem.fitted_values, what="fitted")
    close(streamed.hat_values(), mem.hat_values(), what="hat")
    # the printed summary from the coefficients on (a streamed fit gives the residuals' extremes only)
    shown = [str(f.summary()) for f in (streamed, mem)]
    shown = [t[t.index("Coefficients:"):] for t in shown]
    assert shown[0] == shown[1]


def _drawn(ax, gid: str) -> list[np.ndarray]:
    """The data of every line and filled area of ``ax`` with this gid (lines' xy, areas' outline vertices)."""
    lines = [ln.get_xydata() for ln in ax.lines if ln.get_gid() == gid]
    areas = [c.get_paths()[0].vertices for c in ax.collections if c.get_gid() == gid]
    return lines + areas


def assert_same_plots(streamed: gs.GLMResults, mem: gs.GLMResults, terms: tuple[str, ...]) -> None:
    """``fit.plot("effects", term=t)`` for each of ``terms`` and ``fit.plot()`` of a streamed fit draw the
    in-memory fit's curves, bands, points and labels (1e-8); a streamed rug's ticks are values of the
    in-memory rug, at most one per bin, and every value of the in-memory rug lies within a bin of one."""
    for term in terms:
        a, b = (f.plot("effects", term=term).axes[0] for f in (streamed, mem))
        rugs = [_drawn(p, "rug") for p in (a, b)]
        assert len(rugs[0]) == len(rugs[1]) <= 1
        if rugs[1]:
            ticks, values = rugs[0][0][:, 0], rugs[1][0][:, 0]
            width = (values.max() - values.min()) / RUG_BINS
            assert np.isin(ticks, values).all() and ticks.size == np.unique(ticks).size <= RUG_BINS
            nearest = np.abs(values[:, None] - ticks[None, :]).min(axis=1)
            assert nearest.max() <= width * (1 + 1e-9) and ticks.size > RUG_BINS / 4
        assert [t.get_text() for t in a.get_xticklabels()] == [t.get_text() for t in b.get_xticklabels()]
        for gid in ("fit", "band"):
            got, want = _drawn(a, gid), _drawn(b, gid)
            assert len(got) == len(want) and (gid == "band" or got), (term, gid)
            for g, w in zip(got, want):
                close(g, w, what=f"effects of {term}: {gid}")
        # a factor's intervals: the bars of its errorbar (x, lower) - (x, upper) at each level
        bars = [[np.concatenate(c.lines[2][0].get_segments()) for c in p.containers] for p in (a, b)]
        assert len(bars[0]) == len(bars[1])
        for g, w in zip(*bars):
            close(g, w, what=f"effects of {term}: intervals")
        assert a.get_legend().get_title().get_text() == b.get_legend().get_title().get_text()
    a_panels, b_panels = (f.plot().axes for f in (streamed, mem))
    for a, b in zip(a_panels, b_panels, strict=True):
        assert a.get_title() == b.get_title()
        for gid in ("points", "smooth"):
            for g, w in zip(_drawn(a, gid), _drawn(b, gid), strict=True):
                close(g, w, what=f"{a.get_title()}: {gid}")
        assert [t.get_text() for t in a.texts] == [t.get_text() for t in b.texts]  # the labelled rows
