"""The words of a separation warning: a factor whose levels separate the response completely is said by its levels
(both sides of a 0/1 column), and a separating combination of many columns stays readable.

Each expected text follows from how the data are made (which level, which rows), and each direction reported in
``fit.separation`` is checked against the rows (x_i'd >= 0 for every success, <= 0 for every failure).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.diagnosis import separation
from glmstat.diagnosis.explain import MAX_RELATION_TERMS


def _fit(formula, d, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, d, family=gs.Binomial(), **kw)
    return fit, [str(w.message) for w in caught if issubclass(w.category, gs.SeparationWarning)]


def _separates(fit, y):
    """The direction of fit.separation over the rows: the side of each row and whether every row moves."""
    d = fit.separation
    cols = list(fit.coef.index)
    v = np.zeros(len(cols))
    v[[cols.index(c) for c in d.columns]] = d.directions
    t = np.asarray(fit.model_frame.X) @ v
    tol = 1e-9 * np.abs(t).max()
    return bool((t[y == 1] >= -tol).all() and (t[y == 0] <= tol).all()), bool((np.abs(t) > tol).all())


@pytest.fixture
def by_level() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    g = np.repeat(list("abc"), 20)
    return pd.DataFrame({"g": g, "x": rng.normal(size=60), "y": np.where(g == "a", 0.0, 1.0)})


@pytest.mark.parametrize("streamed", [False, True], ids=["linear-program", "fit-direction"])
@pytest.mark.parametrize("formula", ["y ~ g", "y ~ g + x"])
def test_complete_separation_by_the_levels_of_a_factor_is_said_by_its_levels(by_level, formula, streamed,
                                                                             monkeypatch):
    # (it said "the combination - 0.5*Intercept + 1*g[T.b] + 1*g[T.c] is >= 0 for every y = 1 and <= 0 for every
    # y = 0": every level moved, which was taken for the intercept's doing)
    if streamed:
        monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    fit, msgs = _fit(formula, by_level)
    assert len(msgs) == 1 and msgs[0].startswith(
        "complete separation: every row at levels 'b' or 'c' of g has y = 1 and every row at level 'a' of g has "
        "y = 0. No maximum-likelihood estimate exists")
    assert fit.separation.complete and _separates(fit, by_level["y"].to_numpy()) == (True, True)


@pytest.mark.parametrize("streamed", [False, True], ids=["linear-program", "fit-direction"])
def test_a_two_level_factor_and_sum_coding_too(by_level, streamed, monkeypatch):
    if streamed:
        monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    two = by_level[by_level["g"] != "c"]
    _, msgs = _fit("y ~ g", two)
    assert msgs[0].startswith("complete separation: every row with g[T.b] = 1 has y = 1 and every row with "
                              "g[T.b] = 0 has y = 0. ")
    _, msgs = _fit("y ~ C(g, sum)", by_level)
    assert msgs[0].startswith("complete separation: every row at levels 'b' or 'c' of C(g, sum) has y = 1 and every "
                              "row at level 'a' of C(g, sum) has y = 0. ")


def test_a_level_all_one_with_other_levels_mixed_stays_quasi_complete(by_level):
    rng = np.random.default_rng(5)
    y = np.where(by_level["g"] == "b", 1.0, (rng.random(60) < 0.5).astype(float))
    fit, msgs = _fit("y ~ g", by_level.assign(y=y))
    assert msgs[0].startswith("quasi-complete separation: every row with g[T.b] = 1 has y = 1. ")


@pytest.mark.parametrize("streamed", [False, True], ids=["linear-program", "fit-direction"])
def test_the_reference_level_of_a_two_level_factor_all_one_is_said_as_such(by_level, streamed, monkeypatch):
    # (the direction (1, -1) on Intercept and g[T.b] moves the rows with g[T.b] = 0; it said "every row with
    # g[T.b] = 1 has y = 0", where those rows have both)
    if streamed:
        monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    two = by_level[by_level["g"] != "c"]
    y = np.where(two["g"] == "a", 1.0, np.resize([1.0, 0.0, 0.0], len(two)))
    fit, msgs = _fit("y ~ g", two.assign(y=y))
    assert msgs[0].startswith("quasi-complete separation: every row with g[T.b] = 0 has y = 1. ")
    assert _separates(fit, y) == (True, False)


def test_a_combination_of_many_columns_names_the_first_and_counts_the_rest():
    # 80 rows, 40 columns of noise: separable by every column together (the message once listed all 41 terms,
    # 1000 characters; a thousand columns made it 25,000)
    rng = np.random.default_rng(5)
    d = pd.DataFrame(rng.normal(size=(80, 40)), columns=[f"v{i}" for i in range(40)])
    d["y"] = (rng.random(80) < 0.5).astype(float)
    fit, msgs = _fit("y ~ .", d)
    (msg,) = msgs
    n = len(fit.separation.columns)
    assert n > MAX_RELATION_TERMS + 1
    assert f" + ... ({n - MAX_RELATION_TERMS} more columns, in fit.separation) is >= 0 for every y = 1" in msg
    assert len(msg) < 700 and msg.count("*") == MAX_RELATION_TERMS
    # (complete: some direction moves every row; the one reported keeps every row on its side)
    assert fit.separation.complete and _separates(fit, d["y"].to_numpy())[0]


def test_a_combination_that_starts_with_a_negative_term_reads_as_a_formula():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x1": rng.normal(size=40), "x2": rng.normal(size=40)})
    d["y"] = (d.x1 + d.x2 > 0.3).astype(float)
    fit, msgs = _fit("y ~ x1 + x2", d)
    assert msgs[0].startswith("complete separation: the combination -")
    assert not msgs[0].startswith("complete separation: the combination - ")
    assert _separates(fit, d["y"].to_numpy()) == (True, True)


@pytest.mark.parametrize("streamed", [False, True], ids=["linear-program", "fit-direction"])
def test_a_cbind_response_is_named_by_its_proportion_of_successes(streamed, monkeypatch):
    # (it said "every row with g[T.b] = 1 has cbind(s, f) = 1", a value no row has)
    if streamed:
        monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    rng = np.random.default_rng(6)
    g = np.repeat(list("abc"), 8)
    n = rng.integers(2, 7, 24).astype(float)
    s = np.where(g == "b", n, rng.integers(0, 2, 24) + 1.0)
    d = pd.DataFrame({"g": g, "s": s, "n": n})  # (n - s = 0 at level b only)
    _, msgs = _fit("cbind(s, n - s) ~ g", d)
    assert msgs[0].startswith("quasi-complete separation: every row with g[T.b] = 1 has s/(s + (n - s)) = 1. ")
    _, msgs = _fit("cbind(n - s, s) ~ g", d)
    assert msgs[0].startswith("quasi-complete separation: every row with g[T.b] = 1 has (n - s)/((n - s) + s) = 0. ")


def test_a_fit_that_does_not_converge_because_of_separation_says_so_not_raise_max_iter():
    # (it advised "raise max_iter or check the model": more iterations only take the estimates further)
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x1": rng.normal(size=40), "x2": rng.normal(size=40)})
    d["y"] = (d.x1 + d.x2 > 0.3).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm("y ~ x1 + x2", d, family=gs.Binomial())
    (msg,) = [str(w.message) for w in caught if w.category is gs.ConvergenceWarning]
    assert not fit.converged and fit.separation is not None
    assert msg.startswith(f"IRLS did not converge in {fit.iterations} iterations (last relative deviance change ")
    assert "because of the separation (see the separation warning)" in msg and "raising max_iter does not help" in msg
    assert "raise max_iter" not in msg and msg in fit.notes
    # without separation the advice stays
    d["y"] = (d.x1 + d.x2 + rng.normal(size=40) > 0.3).astype(float)
    with pytest.warns(gs.ConvergenceWarning, match="raise max_iter or check the model"):
        fit = gs.glm("y ~ x1 + x2", d, family=gs.Binomial(), max_iter=2)
    assert fit.separation is None


def test_the_advice_for_a_quasi_binomial_fit_is_one_that_runs():
    # (it advised method="firth", which refuses the quasibinomial family: the bias-reduced fit needs the
    # binomial likelihood)
    rng = np.random.default_rng(2)
    g = np.repeat(list("abc"), 10)
    d = pd.DataFrame({"g": g, "y": np.where(g == "b", 1.0, rng.integers(0, 2, 30))})
    _, msgs = _fit("y ~ g", d)
    assert msgs[0].endswith('Use method="firth" for finite bias-reduced estimates, or drop or merge the separating '
                            "predictor.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gs.glm("y ~ g", d, family=gs.QuasiBinomial())
    (msg,) = [str(w.message) for w in caught if w.category is gs.SeparationWarning]
    assert msg.startswith("quasi-complete separation: every row with g[T.b] = 1 has y = 1. ")
    assert msg.endswith('Refit with family=glmstat.Binomial() and method="firth" for finite bias-reduced estimates '
                        '(method="firth" needs the binomial likelihood), or drop or merge the separating predictor.')
    with pytest.raises(gs.FamilyError):
        gs.glm("y ~ g", d, family=gs.QuasiBinomial(), method="firth")
    assert np.isfinite(gs.glm("y ~ g", d, family=gs.Binomial(), method="firth").coef).all()
