"""``fit.plot("partial", term=...)``, R's ``termplot(fit, partial.resid = TRUE)``: the points are R's partial
residuals against the term's column, the line (or a factor's segments) R's ``predict(type = "terms")``
(fixtures/partial_residuals, make_partial_residuals.R); a factor's levels in the model's order; the same figure
from Parquet; terms of two columns, and unknown terms, refused."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import glmstat as gs  # noqa: E402

from conftest import FIXTURES  # noqa: E402

HERE = FIXTURES / "partial_residuals"
REF = json.loads((HERE / "ref.json").read_text())[0]  # y ~ g + x + poly(t, 2) + offset(log(t)), Poisson


def _lines(fig, gid: str):
    return [ln for ln in fig.axes[0].lines if ln.get_gid() == gid]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


@pytest.fixture(scope="module")
def fit(data) -> gs.GLMResults:
    return gs.glm(REF["formula"], data, family=gs.Poisson(), tol=1e-12)


@pytest.mark.parametrize("term,column", [("x", "x"), ("poly(t, 2)", "t"), ("t", "t")])  # (t: poly(t, 2)'s column)
def test_numeric_term_draws_rs_partial_residuals_and_terms(fit, data, term, column):
    label = "poly(t, 2)" if column == "t" else term
    j = REF["terms"].index(label)
    fig = fit.plot("partial", term=term)
    x, y = _lines(fig, "partial")[0].get_data()
    np.testing.assert_array_equal(x, data[column].to_numpy())
    np.testing.assert_allclose(y, REF["partial"][j], rtol=1e-8, atol=1e-12)
    lx, ly = _lines(fig, "term")[0].get_data()
    order = np.argsort(data[column].to_numpy(), kind="stable")
    np.testing.assert_allclose(ly, np.asarray(REF["terms_values"][j])[order], rtol=1e-8, atol=1e-12)
    assert np.all(np.diff(lx) >= 0)
    assert len(_lines(fig, "smooth")) == 1
    assert fig.axes[0].get_xlabel() == column and fig.axes[0].get_ylabel() == f"Partial for {label}"


def test_factor_term_draws_a_segment_per_level_at_rs_terms(fit, data):
    j = REF["terms"].index("g")
    fig = fit.plot("partial", term="g")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    shares = np.asarray(REF["terms_values"][j])
    for i, seg in enumerate(_lines(fig, "term")):
        level = "abc"[i]
        assert np.allclose(seg.get_ydata(), shares[(data["g"] == level).to_numpy()][0], rtol=1e-8)
        assert abs(np.mean(seg.get_xdata()) - i) < 1e-12
    _, y = _lines(fig, "partial")[0].get_data()
    np.testing.assert_allclose(y, REF["partial"][j], rtol=1e-8, atol=1e-12)


def test_factor_levels_in_the_models_order():
    d = pd.read_csv(HERE / "data.csv")
    fit = gs.glm("y ~ relevel(factor(g), ref = 'c') + x", d, family=gs.Poisson())
    fig = fit.plot("partial", term="g")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["c", "a", "b"]


def test_streamed_figure_is_the_in_memory_one(fit, data, tmp_path):
    pytest.importorskip("pyarrow")
    data.to_parquet(tmp_path / "d.parquet", row_group_size=7, index=False)
    streamed = gs.glm(REF["formula"], str(tmp_path / "d.parquet"), family=gs.Poisson(), tol=1e-12)
    for term in ("x", "g"):
        a, b = fit.plot("partial", term=term), streamed.plot("partial", term=term)
        for gid in ("partial", "term"):
            for la, lb in zip(_lines(a, gid), _lines(b, gid)):
                np.testing.assert_allclose(lb.get_xydata(), la.get_xydata(), rtol=1e-10)


@pytest.mark.parametrize("formula,term,match", [
    ("y ~ g * x", "g:x", "the term 'g:x' reads 2 data columns \\('g', 'x'\\)"),
    ("y ~ I(x * t) + g", "I(x * t)", "reads 2 data columns"),
    ("y ~ x + g", "z", "term='z' is not a term of this model; its terms are 'x', 'g'"),
    ("y ~ x + g", None, "needs term="),
    ("y ~ log(t) + I(t^2) + x", "t", r"term='t' is the column of 2 terms, 'log\(t\)', 'I\(t\^2\)': name the term"),
])
def test_terms_it_cannot_draw_are_refused(data, formula, term, match):
    fit = gs.glm(formula, data, family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=match):
        fit.plot("partial", term=term)


def test_the_plot_does_not_change_the_fit(fit):
    before = fit.coef.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit.plot("partial", term="x")
    pd.testing.assert_series_equal(fit.coef, before)
