"""The fits of fixtures/emmeans_model_kinds (scripts/make_emmeans_model_kinds.R) and their comparison with emmeans:
shared by the tests of prior weights, quasi families, nesting, aliased designs and factor-coded designs
(inference/test_emmeans_prior_weights.py, test_emmeans_quasi.py, test_emmeans_nesting.py, test_emmeans_aliased.py,
test_emmeans_structured.py), each in memory and streamed (a Parquet file in chunks; the first model of each
module also a dask DataFrame)."""

from __future__ import annotations

import json
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from streamed_cases import as_streamed

DIRECTORY = FIXTURES / "emmeans_model_kinds"
MODELS = {m["id"]: m for m in json.loads((DIRECTORY / "ref.json").read_text())}
FAMILIES = {"poisson": gs.Poisson, "binomial": gs.Binomial, "Gamma": gs.Gamma, "gaussian": gs.Gaussian,
            "quasipoisson": gs.QuasiPoisson, "quasibinomial": gs.QuasiBinomial}
#: the links whose comparisons glmstat shows as ratios (R's are on the link scale: their logarithms)
RATIOS = {"log", "logit"}
#: rows of a chunk of streamed data (at least: a tenth of the 3,000 rows of the structured case, whose 82 chunks of 37
#: took 10 s a fit)
CHUNK = 37


def inputs(models: list[str]) -> list:
    """(model, streamed) for the tests: every model in memory and from Parquet, the first also as a dask DataFrame
    (the cluster's passes are the Parquet file's map-reduce on other workers; one model keeps them in step)."""
    return ([pytest.param(m, s, id=f"{m}-{s or 'memory'}") for m in models for s in (None, "parquet")]
            + [pytest.param(models[0], "dask", id=f"{models[0]}-dask")])


def listed(v) -> list:
    """R's one-element vectors come unboxed."""
    return v if isinstance(v, list) else [v]


def numbers(v) -> np.ndarray:
    """R's numbers as jsonlite writes them ("NA" for a missing one, "Inf")."""
    return np.array([np.nan if x == "NA" else float(x) for x in listed(v)])


def close(got, want, rtol: float, atol: float = 1e-10, what: str = "") -> None:
    """|got - want| <= rtol |want| + atol elementwise, NaN (R's NA) matching NaN, infinities equal."""
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def family(model: dict) -> gs.Family:
    if model["family"] == "quasi":
        return gs.Quasi(link=model["link"], variance=model["variance"])
    return FAMILIES[model["family"]](link=model["link"])


@cache
def frame(name: str) -> pd.DataFrame:
    return pd.read_csv(DIRECTORY / f"{name}.csv")


def fit(model_id: str, streamed: str | None = None, directory=None) -> gs.GLMResults:
    """The model fitted to its data in memory, or streamed in chunks of ``CHUNK`` rows or more (``"parquet"``: a
    Parquet file's row groups; ``"dask"``: a dask DataFrame's partitions)."""
    model = MODELS[model_id]
    data = frame(model["data"])
    source = data if streamed is None else as_streamed(data, streamed, directory, rows=max(CHUNK, len(data) // 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return gs.glm(model["formula"], source, family=family(model), weights=model["weights"], tol=1e-12)


def check_means(got: pd.DataFrame, want: dict) -> None:
    """glmstat's means against emmeans' summary: the grid's labels (each variable's, the index's levels), estimate,
    standard error, df and the interval (NaN where emmeans says NA: nonEst)."""
    r = want["value"]
    grid = [listed(v) for v in r["grid"].values()]
    index = got.index.to_frame(index=False).astype(str)
    assert list(index.columns) == list(r["grid"]), (list(index.columns), list(r["grid"]))
    assert [list(index[c]) for c in index.columns] == grid
    for column, key, rtol in (("estimate", "estimate", 1e-6), ("std_error", "se", 1e-6), ("df", "df", 1e-12),
                              ("lower", "lower", 1e-6), ("upper", "upper", 1e-6)):
        close(got[column].to_numpy(dtype=float), numbers(r[key]), rtol=rtol, what=column)


def own_method(k: int) -> dict:
    """The contrast of one's own of the fixture: the first mean against the average of the others."""
    return {"first_vs_rest": [1.0] + [-1.0 / (k - 1)] * (k - 1)}


def contrasts(fit: gs.GLMResults, want: dict) -> pd.DataFrame:
    method = want["method"]
    if method == "own":
        means = fit.emmeans(want["term"], by=want["by"])
        groups = 1 if want["by"] is None else len(means.index.droplevel(0).unique())
        method = own_method(len(means) // groups)
    return fit.emmeans_contrasts(want["term"], method, want["adjust"], by=want["by"], ref=want["ref"], level=0.9,
                                 weights=want["weights"])


def check_contrasts(got: pd.DataFrame, want: dict, link: str) -> None:
    """glmstat's contrasts against emmeans' summary(infer = c(TRUE, TRUE), level = 0.9): labels (with the by
    variables' levels), estimate, standard error on the link scale, df, statistic, adjusted p-value and the
    simultaneous interval (R's on the link scale: glmstat's ratios are their exponentials)."""
    r = want["value"]
    ratio = link in RATIOS
    scale = np.log if ratio else np.asarray
    index = got.index.to_frame(index=False).astype(str)
    labels = [c.replace(" / ", " - ") for c in index["contrast"]]
    assert labels == listed(r["contrast"]), (labels, r["contrast"])
    assert {c: list(index[c]) for c in index.columns if c != "contrast"} == {  # (the by variables)
        c: listed(v) for c, v in r["by"].items()}
    estimate = got["estimate"].to_numpy(dtype=float)
    se = got["std_error"].to_numpy(dtype=float) / (estimate if ratio else 1.0)
    for values, key, rtol in ((scale(estimate), "estimate", 1e-6), (se, "se", 1e-6),
                              (got["df"].to_numpy(dtype=float), "df", 1e-12),
                              (got["statistic"].to_numpy(dtype=float), "statistic", 1e-6),
                              (scale(got["lower"].to_numpy(dtype=float)), "lower", 1e-6),
                              (scale(got["upper"].to_numpy(dtype=float)), "upper", 1e-6)):
        close(values, numbers(r[key]), rtol=rtol, what=key)
    # (R's Tukey and dunnettx p-values are 1 less lower tails: below 1e-5 ptukey keeps few digits; and for many
    # means its quadrature is off in the sixth digit: k = 56, q = 3.7829, R's ptukey upper tail 0.905673350 where
    # R's own integrate() of k phi(z) (Phi(z) - Phi(z - q))^(k - 1) and scipy give glmstat's 0.905674278)
    p, want_p = got["p_value"].to_numpy(dtype=float), numbers(r["p_value"])
    studentized = want["adjust"] in ("tukey", "dunnettx")
    tail = want_p < 1e-5 if studentized else np.zeros(len(p), dtype=bool)
    close(p[~tail], want_p[~tail], rtol=2e-6 if studentized else 1e-6, atol=1e-12, what="p_value")
    close(p[tail], want_p[tail], rtol=1e-2, atol=1e-9, what="p_value (R's ptukey tail)")


def check_model(model_id: str, streamed: str | None, directory) -> None:
    """Every mean and contrast of the model against emmeans'."""
    model = MODELS[model_id]
    f = fit(model_id, streamed, directory)
    for want in model["means"]:
        got = f.emmeans(want["term"], 0.9, by=want["by"], type=want["type"], weights=want["weights"])
        check_means(got, want)
    for want in model["contrasts"]:
        check_contrasts(contrasts(f, want), want, model["link"])
