"""The quantile of the studentized range, R's qtukey (glmstat/inference/studentized_range.py,
studentized_range_quantile; the Tukey multiplier of emmeans' confint()): against R's qtukey on a grid of levels,
means and df (fixtures/inference2/tukey/qtukey_grid.json, scripts/make_qtukey_grid.R), the closed form of two means,
and the tail it inverts.

R's qtukey is a secant search on R's ptukey that stops once a step is below 1e-4; glmstat's makes the same steps on
its own tail, so it is R's to 1e-8 where R's ptukey is accurate and, as R's, within about 1e-7 of the exact root.
Where R's ptukey is coarse (few df, many means) or takes df > 25,000 as infinite, the differences are R's: the k = 2
closed form sqrt(2) qt((1 + p) / 2, df) shows them.

On the grid (measured once, not asserted here): scipy's studentized_range.ppf is the exact quantile (within 6e-12
where R's ptukey holds; it too takes 1e5 df as infinite, 7e-5 off) and so only 9e-8 from R's qtukey there (225 of
the 279 points within 1e-8), at 0.8 s a quantile (7 s for 1,000 means); R's secant search on scipy's tail, glmstat's
before, met R's to 4e-9 at 0.5 s a quantile; on glmstat's own tail it meets it as closely in 17 ms.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import FIXTURES
from glmstat.inference.critical_values import critical_value
from glmstat.inference.studentized_range import studentized_range_quantile, studentized_range_sf

GRID = FIXTURES / "inference2" / "tukey" / "qtukey_grid.json"


def qtukey_grid() -> dict[str, np.ndarray]:
    r = json.loads(GRID.read_text())
    out = {name: np.array([np.nan if v is None else v for v in r[name]], dtype=float)
           for name in ("p", "k", "q", "lower_at_q", "two")}
    out["df"] = np.array([math.inf if d == "Inf" else float(d) for d in r["df"]])
    return out


@pytest.fixture(scope="module")
def grid() -> tuple[dict[str, np.ndarray], np.ndarray]:
    g = qtukey_grid()
    got = np.array([studentized_range_quantile(p, k, df) for p, k, df in zip(g["p"], g["k"], g["df"])])
    return g, got


def held(g: dict[str, np.ndarray]) -> np.ndarray:
    """Where R's ptukey is accurate enough for its qtukey to be its secant search's to 1e-8: up to 10 means on 12 to
    1,000 df, up to 100 on infinite df, any number on 120 or 300 df."""
    k, df = g["k"], g["df"]
    return ((k <= 10) & (df >= 12) & (df <= 1000)) | ((k <= 100) & np.isinf(df)) | np.isin(df, [120.0, 300.0])


def test_r_qtukey_where_r_ptukey_holds(grid):
    """R's qtukey(p, k, df) at p = 0.9, 0.95, 0.99 to a relative 1e-8 (the 15 digits R wrote): 279 of the 1,056
    points of the grid."""
    g, got = grid
    at = held(g)
    assert at.sum() == 279
    assert np.all(np.abs(got[at] - g["q"][at]) <= 1e-8 * g["q"][at])


def test_within_the_secant_search_of_the_exact_quantile(grid):
    """Everywhere (df 1 to inf, 2 to 1,000 means): the tail at q (1 -/+ 2e-7) brackets 1 - p, so q is within 2e-7 of
    the exact quantile, where R's secant search, which glmstat's repeats, leaves it (its last step is below 1e-4)."""
    g, got = grid
    assert np.isfinite(got).all()
    for p, k, df, q in zip(g["p"], g["k"], g["df"], got):
        below, above = studentized_range_sf(np.array([q * (1 - 2e-7), q * (1 + 2e-7)]), k, df)
        assert below > 1.0 - p > above, (p, k, df, q)


def test_two_means_are_the_t_quantile(grid):
    """k = 2: qtukey(p, 2, df) = sqrt(2) qt((1 + p) / 2, df) (R's, in the fixture): glmstat within 1e-7 of it on
    every df, 1 to inf.  R's is 3e-4 to 1e-2 off on 2 df (its ptukey's quadrature), 9e-6 to 6e-5 beyond 25,000 df
    (which R takes as infinite), and NaN on 1 df: R's differences."""
    g, got = grid
    two = g["k"] == 2
    assert two.sum() == 66
    assert np.all(np.abs(got[two] - g["two"][two]) <= 1e-7 * g["two"][two])
    r_error = np.abs(g["q"] - g["two"]) / g["two"]
    assert np.all(r_error[two & (g["df"] == 2)] > 3e-4)
    assert np.all(r_error[two & (g["df"] > 25000) & np.isfinite(g["df"])] > 5e-6)
    assert np.all(np.isnan(g["q"][g["df"] == 1]))


def test_r_takes_df_beyond_25000_as_infinite(grid):
    """R's qtukey on 30,000 and 1e5 df is its qtukey on infinite df, digit for digit; glmstat's lies between its
    values on 25,000 and infinite df, as the quantile decreases with df."""
    g, got = grid
    for p in (0.9, 0.95, 0.99):
        for k in (2, 10, 1000):
            at = {d: np.flatnonzero((g["p"] == p) & (g["k"] == k) & (g["df"] == d))[0]
                  for d in (25000.0, 30000.0, 1e5, math.inf)}
            assert g["q"][at[30000.0]] == g["q"][at[1e5]] == g["q"][at[math.inf]]
            assert got[at[25000.0]] > got[at[30000.0]] > got[at[1e5]] > got[at[math.inf]]


def test_no_scipy_studentized_range_in_the_path(monkeypatch):
    """Tukey's and emmeans' Dunnett multipliers take glmstat's own studentized range, never scipy's (a double
    adaptive integral a value)."""
    from scipy import stats

    class Refused:
        def __getattr__(self, name):
            raise AssertionError(f"scipy.stats.studentized_range.{name} called")

    monkeypatch.setattr(stats, "studentized_range", Refused())
    for adjust in ("tukey", "dunnettx"):
        for df in (3.0, 40.0, math.inf):
            assert math.isfinite(critical_value(adjust, 0.95, 6, 4, 3, df))


def test_outside_the_domain():
    """p outside (0, 1), df below 1 or fewer than two means: NaN (R: NaN below 2 df, where glmstat's tail is
    defined from 1)."""
    assert all(math.isnan(studentized_range_quantile(p, k, df))
               for p, k, df in [(0.0, 3, 10.0), (1.0, 3, 10.0), (0.95, 3, 0.5), (0.95, 1, 10.0), (math.nan, 3, 5.0)])


FEW_DF = json.loads((FIXTURES / "inference2" / "tukey" / "tukey_few_df.json").read_text())


def few_df_fit(case: dict):
    import pandas as pd

    import glmstat as gs

    family = {"gaussian": gs.Gaussian(), "gamma_log": gs.Gamma(link="log"), "quasipoisson": gs.QuasiPoisson()}
    return gs.glm(f"{case['response']} ~ g", pd.DataFrame(case["data"]), family=family[case["family"]], tol=1e-13)


@pytest.mark.parametrize("name", list(FEW_DF))
def test_pairs_and_intervals_with_few_df_as_emmeans(name):
    """confint(pairs(emmeans(m, ~ g)), level) (Tukey's) of 4 means on 1 to 12 residual df (Gaussian; Gamma, log link,
    on 3 df: ratios) and on a quasi-Poisson fit (normal-based, as emmeans): the estimates, standard errors and
    statistics to 1e-8; the intervals d -/+ qtukey(level, 4, df) / sqrt(2) se on the link scale, R's own
    (checked: the fixture's intervals are its qtukey's), with glmstat's qtukey -- R's to 1e-8 from 3 df on, 1e-4
    and 2e-5 from R's on 2 df (R's ptukey's quadrature there: the qtukey grid's closed form of two means shows it
    3e-4 to 1e-2 off), and where R gives NaN (1 df) the quantile of the studentized range."""
    case = FEW_DF[name]
    ratio = case["family"] != "gaussian"
    df = math.inf if case["df"] == "Inf" else float(case["df"])
    for level_case in case["intervals"]:
        level = level_case["level"]
        got = few_df_fit(case).emmeans_pairs("g", level=level)
        assert list(got.index) == case["contrast"]
        assert np.allclose(got["estimate"], case["estimate"], rtol=1e-8, atol=0)
        assert np.allclose(got["statistic"], case["statistic"], rtol=1e-8, atol=0)
        assert np.allclose(got["std_error"], case["std_error"], rtol=1e-8, atol=0)
        assert np.all(got["df"] == df)
        d = np.log(got["estimate"].to_numpy()) if ratio else got["estimate"].to_numpy()
        se = d / got["statistic"].to_numpy()
        scale = np.log if ratio else np.asarray
        lower, upper = scale(got["lower"].to_numpy()), scale(got["upper"].to_numpy())
        mine = studentized_range_quantile(level, 4, df)
        assert np.allclose((upper - lower) / (2 * se), mine / math.sqrt(2), rtol=1e-10, atol=0)
        if level_case["qtukey"] is None:  # (R: NaN below 2 df; its intervals too)
            assert df == 1 and all(v is None for v in level_case["lower"]) and np.isfinite(mine)
            continue
        r_lower = scale(np.array(level_case["lower"], dtype=float))
        r_upper = scale(np.array(level_case["upper"], dtype=float))
        r_q = level_case["qtukey"]
        assert np.allclose((r_upper - r_lower) / (2 * se), r_q / math.sqrt(2), rtol=1e-8, atol=0)  # (R's own)
        held = df >= 3
        assert (abs(mine / r_q - 1) <= 1e-8) if held else (1e-5 < abs(mine / r_q - 1) < 2e-4)
        if held:
            assert np.allclose(lower, r_lower, rtol=1e-8, atol=1e-10)
            assert np.allclose(upper, r_upper, rtol=1e-8, atol=1e-10)
