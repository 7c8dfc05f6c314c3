"""Separation in large designs: found without expanding the design, in the same words on both sides of the size
where the linear programs stop (``separation.LP_MAX_CELLS``).

The in-memory linear programs work on the rows' kept columns as a dense matrix.  On a 100,000-row Poisson fit
with a 300-level factor and three levels of zero counts they took 19 s and 1.1 GB (a QR of the rows, then an
LP with a constraint per row), a binomial one 12 s and 1.8 GB.  Beyond LP_MAX_CELLS the direction the fit
diverges along is checked over the rows instead, through the design interface, as for streamed data.

Each expected text follows from how the data are made: the rows of levels g003, g007 and g011 have y = 0.  Several
levels are named as such ("every row with g[T.g003], g[T.g007] or g[T.g011] = 1 has y = 0"), not as the linear
combination of their columns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.design.structured import StructuredDesign
from glmstat.diagnosis import separation
from glmstat.diagnosis.explain import ZeroCountSeparation

ZERO_LEVELS = ("g003", "g007", "g011")
COLUMNS = tuple(f"g[T.{lv}]" for lv in ZERO_LEVELS)


def _data(n: int, levels: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, levels, n)
    x = rng.normal(size=n)
    count = rng.poisson(np.exp(0.3 + 0.2 * x)).astype(float)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-0.3 * x))).astype(float)
    labels = np.array([f"g{i:03d}" for i in range(levels)])[g]
    zero = np.isin(labels, ZERO_LEVELS)
    count[zero] = 0.0
    y[zero] = 0.0
    return pd.DataFrame({"x": x, "g": labels, "count": count, "y": y})


def _fit(formula, d, family):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, d, family=family)
    return fit, [str(w.message) for w in caught if issubclass(w.category, gs.SeparationWarning)]


@pytest.fixture
def never_expanded(monkeypatch):
    def refuse(self):
        raise AssertionError("the structured design was expanded")
    monkeypatch.setattr(StructuredDesign, "toarray", refuse)


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return _data(30_000, 300)  # 30,000 x 301 columns: structured, and beyond LP_MAX_CELLS


def test_zero_count_levels_of_a_wide_factor_without_expanding_it(large, never_expanded):
    fit, msgs = _fit("count ~ x + g", large, gs.Poisson())
    assert len(msgs) == 1 and msgs[0].startswith(
        "quasi-complete separation (zero counts): every row with g[T.g003], g[T.g007] or g[T.g011] = 1 has "
        "count = 0")
    assert isinstance(fit.separation, ZeroCountSeparation) and fit.separation.columns == COLUMNS


def test_binomial_levels_of_a_wide_factor_without_expanding_it(large, never_expanded):
    fit, msgs = _fit("y ~ x + g", large, gs.Binomial())
    assert len(msgs) == 1 and msgs[0].startswith(
        "quasi-complete separation: every row with g[T.g003], g[T.g007] or g[T.g011] = 1 has y = 0")
    assert fit.separation.columns == COLUMNS


@pytest.mark.parametrize("formula, family", [("count ~ x + g", gs.Poisson()), ("y ~ x + g", gs.Binomial()),
                                             ("y ~ x", gs.Binomial())], ids=["poisson", "binomial", "by-x"])
def test_the_same_finding_on_both_sides_of_the_linear_programs_limit(formula, family, monkeypatch):
    d = _data(2_000, 20)
    if formula == "y ~ x":  # complete separation by x at 0.3
        d = d.assign(y=(d["x"] > 0.3).astype(float))
    small, small_msgs = _fit(formula, d, family)  # 2,000 x 22 cells: the linear programs
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    large, large_msgs = _fit(formula, d, family)
    assert large_msgs == small_msgs and len(small_msgs) == 1
    for a in ("complete", "columns", "explanation"):
        assert getattr(large.separation, a) == getattr(small.separation, a)


def test_levels_of_successes_and_of_failures_are_named_on_both_sides_of_the_limit(monkeypatch):
    d = _data(2_000, 20)
    y = np.where(np.isin(d["g"], ["g004", "g005"]), 1.0, d["y"])  # two levels of successes, three of failures
    msgs = [_fit("y ~ x + g", d.assign(y=y), gs.Binomial())[1]]
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    msgs.append(_fit("y ~ x + g", d.assign(y=y), gs.Binomial())[1])
    assert msgs[0] == msgs[1] and msgs[0][0].startswith(
        "quasi-complete separation: every row with g[T.g004] or g[T.g005] = 1 has y = 1 and every row with "
        "g[T.g003], g[T.g007] or g[T.g011] = 1 has y = 0")


def test_more_levels_than_a_message_lists_are_counted():
    d = _data(3_000, 40)
    zero = np.isin(d["g"], [f"g{i:03d}" for i in range(1, 13)])  # twelve levels, none the reference
    fit, msgs = _fit("count ~ x + g", d.assign(count=np.where(zero, 0.0, d["count"])), gs.Poisson())
    assert msgs[0].startswith("quasi-complete separation (zero counts): every row with a 1 in one of the 12 "
                              "columns g[T.g001], g[T.g002], g[T.g003], g[T.g004], g[T.g005], g[T.g006], g[T.g007], "
                              "g[T.g008], g[T.g009], g[T.g010], ... has count = 0")


# -- factors coded by contrasts: the separated rows named by their levels ------------------------------------------
# A sum, Helmert or polynomial column mixes several levels, so no column of the design says which rows are
# separated, and the separating direction moves the intercept and every column of the term (under sum contrasts
# each coefficient includes the all-zero levels' effect).  It moves the rows of level l by e_l = d_0 + C_l d: the
# levels it moves are named, here the levels the data make all-zero (or all-success).
ZERO_TEXT = "levels 'g003', 'g007' or 'g011' of {}"


@pytest.mark.parametrize("term", ["C(g, sum)", "C(g, helmert)"])
def test_zero_count_levels_of_a_wide_sum_coded_factor_without_expanding_it(large, never_expanded, monkeypatch, term):
    from glmstat.design.transformed import TransformedDesign

    def refuse(self):
        raise AssertionError("the design was expanded")
    monkeypatch.setattr(TransformedDesign, "toarray", refuse)
    fit, msgs = _fit(f"count ~ x + {term}", large, gs.Poisson())
    assert isinstance(fit.model_frame.design, TransformedDesign)
    assert len(msgs) == 1 and msgs[0].startswith(
        f"quasi-complete separation (zero counts): every row at {ZERO_TEXT.format(term)} has count = 0. The "
        "maximum-likelihood estimates of ")
    assert "x" not in fit.separation.columns  # (x's estimate is finite)


@pytest.mark.parametrize("formula, family", [("count ~ x + C(g, sum)", gs.Poisson()),
                                             ("y ~ x + C(g, sum)", gs.Binomial()),
                                             ("count ~ C(g, helmert) + x", gs.Poisson()), ("y ~ o + x", gs.Binomial())],
                         ids=["poisson-sum", "binomial-sum", "poisson-helmert", "binomial-ordered"])
def test_contrast_coded_levels_are_named_alike_on_both_sides_of_the_linear_programs_limit(formula, family,
                                                                                           monkeypatch):
    d = _data(2_000, 20)
    d["o"] = pd.Categorical(d["g"], categories=sorted(d["g"].unique()), ordered=True)  # (polynomial contrasts)
    small, small_msgs = _fit(formula, d, family)
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    large, large_msgs = _fit(formula, d, family)
    label = formula.split(" + ")[1] if "x +" in formula else formula.split(" ~ ")[1].split(" + ")[0]
    response = formula.split(" ~ ")[0]
    assert small_msgs == large_msgs and len(small_msgs) == 1
    assert f"every row at {ZERO_TEXT.format(label)} has {response} = 0." in small_msgs[0]
    assert large.separation.columns == small.separation.columns


@pytest.mark.parametrize("ones", [["g004", "g019"], ["g004"]], ids=["with-the-last-level", "one-level"])
def test_sum_coded_levels_of_successes_and_of_failures_on_both_sides_of_the_limit(ones, monkeypatch):
    # In memory, one optimum of the linear program moved only g019 (the level sum contrasts leave out: every
    # column is -1 there); streamed, the step cut to its large components moved g005 (the last level here, of
    # 0's and 1's) by 1e-8, and no separation was reported at all.
    d = _data(2_000, 20)
    y = np.where(np.isin(d["g"], ones), 1.0, d["y"])
    msgs = [_fit("y ~ x + C(g, sum)", d.assign(y=y), gs.Binomial())[1]]
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    msgs.append(_fit("y ~ x + C(g, sum)", d.assign(y=y), gs.Binomial())[1])
    named = "level 'g004'" if len(ones) == 1 else "levels 'g004' or 'g019'"
    for m in msgs:
        assert len(m) == 1 and m[0].startswith(
            f"quasi-complete separation: every row at {named} of C(g, sum) has y = 1 and every row at levels "
            "'g003', 'g007' or 'g011' of C(g, sum) has y = 0. ")


def test_the_reference_level_of_a_binomial_factor_is_named_on_both_sides_of_the_limit(monkeypatch):
    # (counts have said "every row at the reference level of g has y = 0"; a binomial said "the combination
    # 1*Intercept - 1*g[T.g001] - ... is >= 0 for every y = 1 and <= 0 for every y = 0")
    d = _data(2_000, 20)
    y = np.where(d["g"] == "g000", 1.0, d["y"])
    msgs = [_fit("y ~ x + g", d.assign(y=y), gs.Binomial())[1]]
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    msgs.append(_fit("y ~ x + g", d.assign(y=y), gs.Binomial())[1])
    for m in msgs:
        assert len(m) == 1 and m[0].startswith(
            "quasi-complete separation: every row at level 'g000' of g has y = 1 and every row at levels 'g003', "
            "'g007' or 'g011' of g has y = 0. ")


def test_a_streamed_step_whose_sum_contrast_components_cancel_only_together_is_separation(monkeypatch):
    # The step's components on C(g, sum)[S.2] and [S.4] were -1.00000004 and 1.00000003, the others 2.8e-9: cut
    # to its large components it moved the last level's rows (all columns -1, y of both values) by 1e-8, and the
    # fit was reported as "still moving" instead of separated
    rng = np.random.default_rng(1)
    n = 600
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, 6, n).astype(str)})
    d["y"] = np.where(d["g"] == "2", 0, np.where(d["g"] == "4", 1, (rng.random(n) < 0.4).astype(int)))
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    fit, msgs = _fit("y ~ x + C(g, sum)", d, gs.Binomial())
    assert len(msgs) == 1 and msgs[0].startswith(
        "quasi-complete separation: every row at level '4' of C(g, sum) has y = 1 and every row at level '2' of "
        "C(g, sum) has y = 0. The maximum-likelihood estimates of C(g, sum)[S.2], C(g, sum)[S.4] are infinite")


def _both_sides(formula, d, family, monkeypatch):
    """The SeparationWarning texts in memory (linear programs) and beyond LP_MAX_CELLS (the fit's own direction
    checked over the rows)."""
    small = _fit(formula, d, family)
    monkeypatch.setattr(separation, "LP_MAX_CELLS", 0)
    large = _fit(formula, d, family)
    monkeypatch.undo()
    return small, large


@pytest.mark.parametrize("formula", ["y ~ x + g", "y ~ x + C(g, sum)"])
def test_cloglog_level_of_ones_is_found_beyond_the_limit(formula, monkeypatch):
    # (helper-41's sweep) a cloglog step towards means of 1 shrinks like exp(-eta): the fit stops with that
    # level's eta near 3, the next step moves it by 0.06 and the other levels by 3e-9 of rounding, 5e-8 of the
    # level's move, beyond the zero of 1e-9 of the step: the streamed check found no separation
    rng = np.random.default_rng(1)
    n, k = 210, 7
    g = np.array([f"L{i}" for i in range(k)])[np.arange(n) % k]
    x = np.round(rng.normal(size=n), 3)
    eta = 0.3 * x + rng.normal(scale=0.4, size=k)[np.arange(n) % k]
    y = rng.binomial(1, 1 / (1 + np.exp(-eta))).astype(float)
    y[g == "L0"] = 1
    (_, small), (_, large) = _both_sides(formula, pd.DataFrame({"y": y, "g": g, "x": x}), gs.Binomial(link="cloglog"),
                                         monkeypatch)
    label = "g" if formula.endswith("g") else "C(g, sum)"
    assert small == large and len(small) == 1 and small[0].startswith(
        f"quasi-complete separation: every row at level 'L0' of {label} has y = 1. ")


def test_complete_separation_whose_step_is_rounding_is_found_from_the_estimate(monkeypatch):
    # (helper-41's sweep) y = 1 where x + 1.5 [g = L2] is above its median: the fit runs to coefficients of about
    # 1e2-1e3 and stops (not converged); its next step no longer separates, its estimate does
    rng = np.random.default_rng(5)
    n, k = 200, 6
    g = np.array([f"L{i}" for i in range(k)])[np.arange(n) % k]
    x = np.round(rng.normal(size=n), 3)
    y = (x + 1.5 * (g == "L2") > np.median(x)).astype(float)
    (small_fit, small), (large_fit, large) = _both_sides("y ~ x + g", pd.DataFrame({"y": y, "g": g, "x": x}),
                                                         gs.Binomial(), monkeypatch)
    for fit, msgs in ((small_fit, small), (large_fit, large)):
        assert len(msgs) == 1 and msgs[0].startswith("complete separation: the combination ")
        assert fit.separation.complete and "x" in fit.separation.columns and "g[T.L2]" in fit.separation.columns


def test_a_column_separating_but_at_one_value_says_so(monkeypatch):
    # (helper-41's sweep) g[T.b]:x is 0 at the other levels, where y is 0 and 1: "g[T.b]:x separates y: every row
    # with g[T.b]:x >= 0 has y = 1 and every row with g[T.b]:x <= 0 has y = 0" was said of a direction moving
    # only the rows at b, in memory and beyond the limit: at the one value 0 the rows have both
    rng = np.random.default_rng(0)
    n = 200
    g = np.array(["a", "b", "c", "d"])[np.arange(n) % 4]
    x = np.round(rng.normal(size=n), 3)
    y = rng.binomial(1, 0.5, n).astype(float)
    xb = x[g == "b"]
    x[g == "b"] = np.where(xb > 0, xb + 0.5, xb - 0.5)
    x[np.flatnonzero(g == "b")[:2]] = [-0.5, 0.5]
    y[g == "b"] = (x[g == "b"] > 0).astype(float)
    (_, small), (_, large) = _both_sides("y ~ g + x + g:x", pd.DataFrame({"y": y, "g": g, "x": x}), gs.Binomial(),
                                         monkeypatch)
    assert len(small) == 1 and small[0].startswith(
        "quasi-complete separation: g[T.b]:x separates y but at g[T.b]:x = 0: every row with g[T.b]:x > 0 has y = 1, "
        "every row with g[T.b]:x < 0 has y = 0, and the rows with g[T.b]:x = 0 have both. ")
    # (beyond the limit the step's direction said "the combination ..." of the cone's direction it ran along; memory's
    # linear program's, from the span of the directions that leave the same rows still, says what memory says)
    assert large == small
