"""Score tests and nesting checks of model comparisons work through the design interface: on a structured
design (a factor's columns kept as codes) add1/drop1/anova with Rao, anova of several models and lrtest never
expand the design (but for chunks of bounded size, for the score's QR), and give the numbers of the same models
fitted densely (which tests/inference compares with R); a wide factor's diagonal block changes no number; models
fitted to Parquet row groups give the in-memory numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
import glmstat.design.policy as policy
from glmstat.design.base import TRIANGLE_CHUNK_CELLS
from glmstat.design.structured import StructuredDesign


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 900
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "x3": rng.normal(size=n),
                      "g": pd.Categorical([f"l{i:02d}" for i in rng.integers(0, 60, n)]),
                      "h": rng.choice(["a", "b", "c"], n)})
    eta = -0.3 + 0.6 * d.x1 - 0.4 * d.x2 + rng.normal(0, 0.4, 60)[d.g.cat.codes]
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return d


def _tables(d: pd.DataFrame) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm("y ~ x1 + x2 + g", d, family=gs.Binomial())
        f0 = gs.glm("y ~ x1 + g", d, family=gs.Binomial())
        return [f.add1("~ . + x3 + h", test="Rao"), f.drop1(test="Rao"), f.anova(test="Rao"),
                gs.anova(f0, f, test="Rao"), gs.lrtest(f0, f).to_frame()], isinstance(f.fit_data.source.X,
                                                                                     StructuredDesign)


def test_comparisons_on_a_structured_design_never_expand_it_and_equal_the_dense_ones(monkeypatch):
    d = _data()
    dense, structured = _tables(d)
    assert not structured

    def refuse(self):  # (a chunk of rows of bounded size is made dense for the score's QR: weighted_triangle)
        if self.n_rows * self.n_cols > TRIANGLE_CHUNK_CELLS:
            raise AssertionError("the structured design was expanded")
        return original(self)

    original = StructuredDesign.toarray

    monkeypatch.setattr(policy, "DENSE_BELOW", -1)
    monkeypatch.setattr(StructuredDesign, "toarray", refuse)
    coded, structured = _tables(d)
    assert structured
    for a, b in zip(coded, dense):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-8, atol=1e-10)


def test_a_model_not_nested_in_the_other_is_refused_on_a_structured_design(monkeypatch):
    monkeypatch.setattr(policy, "DENSE_BELOW", -1)
    d = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm("y ~ x1 + x2 + g", d, family=gs.Binomial())
        other = gs.glm("y ~ x1 + x3 + g", d, family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="not nested .* column 'x2'|not nested .* column 'x3'"):
        gs.anova(other, f)


def test_score_tests_of_a_wide_factor_equal_those_without_its_diagonal_block(monkeypatch):
    """A 600-level factor: the score statistics partial the factor's columns out through their diagonal block
    (rao_score._partialled_rss), and give the numbers of the plain solve."""
    import glmstat.design.structured as structured
    from glmstat.inference import rao_score

    rng = np.random.default_rng(8)
    n = 6000
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                      "a": [f"l{i:03d}" for i in rng.integers(0, 600, n)]})
    d["y"] = rng.poisson(np.exp(0.4 + 0.3 * d["x1"])).astype(float)
    calls = []
    original = rao_score._partialled_rss
    monkeypatch.setattr(rao_score, "_partialled_rss", lambda *a: calls.append(1) or original(*a))

    def tables():
        f = gs.glm("y ~ x1 + a", d, family=gs.Poisson())
        return [f.anova(test="Rao"), f.drop1(test="Rao"), f.add1("~ . + x2", test="Rao")]

    blocked = tables()
    assert calls
    monkeypatch.setattr(structured, "DIAGONAL_SOLVE_COLUMNS", 10**9)
    calls.clear()
    plain = tables()
    assert not calls
    for a, b in zip(blocked, plain):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-8, atol=1e-10)


def test_the_rao_test_of_models_fitted_to_parquet_equals_the_in_memory_one(tmp_path):
    from streamed_cases import row_groups

    d = _data()
    d["t"] = np.exp(np.random.default_rng(2).uniform(0, 1, len(d)))
    d["count"] = np.random.default_rng(3).poisson(d["t"] * np.exp(0.2 * d["x1"]))
    path = row_groups(d, tmp_path)
    tables = []
    for source in (d, path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            fits = [gs.glm(f, source, family=gs.Poisson()) for f in
                    ("count ~ x1 + offset(log(t))", "count ~ x1 + g + offset(log(t))",
                     "count ~ x1 + g + x1:h + offset(log(t))")]
        tables.append(gs.anova(*fits, test="Rao"))
        tables.append(gs.anova(fits[2], fits[0], test="Rao"))
    pd.testing.assert_frame_equal(tables[2], tables[0], check_exact=False, rtol=1e-8, atol=1e-10)
    pd.testing.assert_frame_equal(tables[3], tables[1], check_exact=False, rtol=1e-8, atol=1e-10)
    assert np.isfinite(tables[2]["rao"].iloc[1:]).all()
