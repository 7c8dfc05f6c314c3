"""Nothing lost, nothing changed: glm() never modifies the caller's data (values, dtypes, categories, index),
later changes to the data do not change a fit, and dropped rows are counted with the used rows' index kept."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


def make_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 40
    d = pd.DataFrame({
        "y": rng.poisson(3, n).astype(float),
        "b": rng.integers(0, 2, n).astype(float),
        "x": rng.normal(size=n),
        "cat": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi", "never"]),
        "ocat": pd.Categorical(rng.choice(["s", "m", "l"], n), categories=["s", "m", "l"], ordered=True),
        "s": pd.array(rng.choice(["p", "q"], n), dtype="string"),
        "obj": np.array(rng.choice(["u", "v", "w"], n), dtype=object),
        "flag": rng.uniform(size=n) < 0.5,
        "i": rng.integers(1, 5, n),
        "expo": rng.uniform(1, 2, n),
        "w": rng.uniform(0.5, 2, n),
    }, index=pd.Index(rng.permutation(n) * 10 + 5, name="id"))
    d.loc[d.index[[2, 7]], "x"] = np.nan
    d.loc[d.index[5], "cat"] = np.nan
    d.attrs["source"] = "test"
    return d


CALLS = [
    ("y ~ x + cat + ocat", gs.Poisson(), {}),
    ("y ~ factor(i) + C(obj) + s + flag", gs.Poisson(), {}),
    ("y ~ x * cat + offset(log(expo))", gs.Poisson(), {}),
    ("b ~ x + cat", gs.Binomial(), {"weights": "w"}),
    ("cbind(b, i) ~ x", gs.Binomial(), {}),
    ("flag ~ x + obj", gs.Binomial(), {}),
    ("s ~ x", gs.Binomial(), {}),
    ("expo ~ log(w) + cat", gs.Gamma(link="log"), {"offset": "x"}),
    ("y ~ x + I(x^2) + scale(expo)", gs.NegativeBinomial(theta=2.0), {}),
    ("y ~ x", gs.Poisson(), {"weights": np.ones(40), "offset": np.zeros(40)}),
]


@pytest.mark.parametrize("formula,family,kw", CALLS, ids=[c[0] for c in CALLS])
def test_caller_frame_is_never_modified(formula, family, kw):
    d = make_frame()
    before = d.copy(deep=True)
    dtypes, cats = d.dtypes.copy(), {c: list(d[c].cat.categories) for c in ("cat", "ocat")}
    arrays = {k: v.copy() for k, v in kw.items() if isinstance(v, np.ndarray)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(formula, d, family=family, **kw)
        str(fit.summary())
        fit.residuals("pearson")
    pd.testing.assert_frame_equal(d, before, check_exact=True, check_categorical=True, check_flags=True)
    assert d.index.equals(before.index) and d.index.name == "id"
    assert (d.dtypes == dtypes).all()
    assert {c: list(d[c].cat.categories) for c in ("cat", "ocat")} == cats
    assert d["ocat"].cat.ordered
    assert d.attrs == {"source": "test"}
    for k, v in arrays.items():
        np.testing.assert_array_equal(kw[k], v)


def test_dict_of_arrays_is_never_modified():
    rng = np.random.default_rng(2)
    data = {"y": rng.poisson(2, 20).astype(float), "x": rng.normal(size=20)}
    data["x"][3] = np.nan
    before = {k: v.copy() for k, v in data.items()}
    with pytest.warns(gs.DroppedRowsWarning):
        gs.glm("y ~ x", data, family=gs.Poisson())
    for k in data:
        np.testing.assert_array_equal(data[k], before[k])


def test_later_changes_to_the_data_do_not_change_the_fit():
    d = make_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y ~ x + cat", d, family=gs.Poisson())
    first = (fit.coef.copy(), fit.residuals("deviance").copy(), fit.fitted_values.copy())
    d.loc[:, "y"] = 0.0  # the caller reuses the frame, in place...
    d.loc[d.index[0], "x"] = 1e6
    d["cat"] = d["cat"].cat.rename_categories(["a", "b", "c", "d"])  # ...and by replacing columns
    pd.testing.assert_series_equal(fit.residuals("deviance"), first[1])
    pd.testing.assert_series_equal(fit.fitted_values, first[2])
    pd.testing.assert_series_equal(fit.coef, first[0])


def test_dropped_rows_are_counted_and_the_used_index_is_kept():
    d = make_frame()
    with pytest.warns(gs.DroppedRowsWarning, match="3 of 40 rows dropped for missing values \\(cat: 1, x: 2\\)"):
        fit = gs.glm("y ~ x + cat", d, family=gs.Poisson())
    missing = d.index[d["x"].isna() | d["cat"].isna()]
    assert fit.n_dropped == 3 and fit.dropped_by == {"cat": 1, "x": 2}
    assert fit.rows_used.equals(d.index.drop(missing))
    assert fit.nobs == 37
    for s in (fit.fitted_values, fit.linear_predictor, fit.residuals("response")):
        assert s.index.equals(fit.rows_used)
    np.testing.assert_allclose(fit.residuals("response"), d.loc[fit.rows_used, "y"] - fit.fitted_values, rtol=1e-12)
    assert "3 observations deleted due to missingness" in str(fit.summary())


def test_rows_dropped_for_nan_terms_are_counted():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, -2, 3, 4, -5, 6]}, index=list("abcdef"))
    with pytest.warns(gs.DroppedRowsWarning, match=r"2 of 6 rows dropped .*\(log\(x\): 2\)"):
        fit = gs.glm("y ~ log(x)", d)
    assert list(fit.rows_used) == ["a", "c", "d", "f"]


@pytest.mark.parametrize("kind", ["memory", "parquet", "dask"])
def test_each_term_evaluating_to_nan_counts_its_rows(kind, tmp_path):
    """A row dropped because a term is NaN (no column missing) is counted under that term's text -- the first of
    them, by text, where two are NaN -- the same in memory and over chunks of streamed data."""
    from streamed_cases import as_streamed

    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 7, 8], "x": [1.0, -2, 3, 4, -5, 6, 7, 8],
                      "z": [1.0, 2, -3, 4, -5, 6, 7, -8]})
    data = d if kind == "memory" else as_streamed(d, kind, tmp_path, rows=3)
    with pytest.warns(gs.DroppedRowsWarning, match=r"^4 of 8 rows dropped for missing values \(log\(x\): 2, "
                                                   r"sqrt\(z\): 2\)$"):
        fit = gs.glm("y ~ sqrt(z) + log(x)", data)
    assert list(fit.dropped_by.items()) == [("log(x)", 2), ("sqrt(z)", 2)]  # (row 4: x and z negative, once)
    assert fit.nobs == 4
