"""The upper tail of the studentized range, P(Q_{k,df} > q), and Tukey's p-values of many pairs
(glmstat/inference/studentized_range.py): against closed forms, an adaptive quadrature of the same integral, R's
ptukey on a grid (fixtures/inference2/tukey/ptukey_grid.json, scripts/make_ptukey_grid.R) and emmeans' pairs of
a 300-level factor (fixtures/inference2/tukey/tukey_many_pairs.*, scripts/make_tukey_many_pairs.R).

R's ptukey is 1 minus a lower tail from a coarse Gauss-Legendre quadrature: a relative 1e-6 to 1e-5 for df of 40
or more and up to 60 means; far worse for many means (its inner integrand is dropped where Phi(z) -
Phi(z - w) < exp(-30 / (k - 1)), 0.97 for k = 1,000) and for few df or df near its switch to the normal at
25,000 -- where the closed form of k = 2 shows the error is R's (ptukey(8, 2, 3000, lower.tail = FALSE) =
1.494e-8, 2 pt(8 / sqrt(2), 3000, lower.tail = FALSE) = 1.687e-8).
"""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, traced_peak
from glmstat.inference.studentized_range import range_sf, studentized_range_sf, tukey_p_values

TUKEY = FIXTURES / "inference2" / "tukey"


def pair_tail(x: np.ndarray, df: float) -> np.ndarray:
    """P(|T_df| > x): in closed form for df = 1 (2 atan(1 / x) / pi), 2 (2 / (r (r + x)), r = sqrt(x^2 + 2)) and inf
    (erfc(x / sqrt 2)); else scipy's 2 stdtr(df, -x)."""
    from scipy import special

    if df == 1:
        return 2.0 * np.arctan(1.0 / x) / np.pi
    if df == 2:
        r = np.sqrt(x * x + 2.0)
        return 2.0 / (r * (r + x))
    if math.isinf(df):
        return special.erfc(x / math.sqrt(2.0))
    return 2.0 * special.stdtr(df, -x)


@pytest.mark.parametrize("df", [1, 2, 5, 12, 300, 3000, 1e5, 1e8, math.inf])
def test_two_means_are_the_t_test(df):
    """k = 2: the range of two means is sqrt(2) |T|, so P(Q_{2,df} > q) = P(|T_df| > q / sqrt 2), from tiny q (a
    tail of 1 - 1e-9) to huge (below 1e-300): a relative 1e-12 down to 1e-20, an absolute 1e-25 below.  (Tiny q
    only where the tail is in closed form, df = 1, 2 and inf; scipy's incomplete beta, which its stdtr
    evaluates, is good to about 1e-9 at df = 1e5 and 1e8, as glmstat.distributions.t_sf records.)"""
    exact = df in (1, 2) or math.isinf(df)
    q = np.array([1e-9, 1e-6, 1e-3, 0.05, 0.3, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0, 20.0, 30.0, 1e3])
    q = q if exact else q[2:]
    want = pair_tail(q / math.sqrt(2.0), df)
    got = studentized_range_sf(q, 2, df)
    big = want >= 1e-20
    assert big.sum() >= 10
    rtol = 1e-12 if df <= 3000 or exact else 1e-9
    assert np.all(np.abs(got[big] - want[big]) <= rtol * want[big])
    assert np.all(np.abs(got[~big] - want[~big]) <= 1e-25)


def range_tail_by_quad(w: float, k: int) -> float:
    """P(R_k > w) by scipy's adaptive quadrature (relative 1.2e-14) of k phi(z) Phi(z)^(k-1) (1 - (1 - r)^(k-1)),
    r = Phi(z - w) / Phi(z)."""
    from scipy import integrate, special

    def integrand(z: float) -> float:
        log_a, log_b = special.log_ndtr(z), special.log_ndtr(z - w)
        r = math.exp(log_b - log_a)
        inner = 1.0 if r >= 1.0 else -math.expm1((k - 1) * math.log1p(-r))
        return math.exp(math.log(k) - z * z / 2 - 0.5 * math.log(2 * math.pi) + (k - 1) * log_a) * inner

    return integrate.quad(integrand, -12, 14, epsabs=0, epsrel=1.2e-14, limit=500,
                          points=sorted([0.0, 2.0, 3.0, 4.0, w / 2, w / 2 + 2]))[0]


@pytest.mark.parametrize("k, w", [(3, 7.0), (60, 8.0), (300, 4.0), (300, 6.5), (300, 9.21027022), (1000, 11.0)])
def test_the_range_tail_is_the_adaptive_quadrature(k, w):
    """The normal range's tail (df = inf) against scipy's adaptive quadrature of the same integral, to 1e-12.
    (scipy's studentized_range.sf, 1 minus a lower tail, is off by 8.7e-9 relative at k = 300, w = 9.21 and
    6.1e-7 at k = 1,000, w = 11: the differences glmstat's p-values showed against it there.)"""
    want = range_tail_by_quad(w, k)
    assert_close(range_sf(np.array([w]), k), [want], rtol=1e-12, atol=0)
    assert_close(studentized_range_sf(np.array([w]), k, math.inf), [want], rtol=1e-12, atol=0)


def studentized_tail_by_quad(q: float, k: int, df: float) -> float:
    """P(Q_{k,df} > q) by scipy's adaptive quadrature (relative 1e-13) over y = log(s) of g(y) P(R_k > q e^y), g
    the density of log(sqrt(X / df)), X chi-square on df, and the range's tail by range_tail_by_quad."""
    import warnings

    from scipy import integrate, special

    a, sd = df / 2.0, 1.0 / math.sqrt(2.0 * df)

    def integrand(y: float) -> float:
        log_g = math.log(2.0) + a * math.log(a) - special.gammaln(a) + 2.0 * a * y - a * math.exp(2.0 * y)
        return math.exp(log_g) * range_tail_by_quad(q * math.exp(y), k)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the inner quadrature's roundoff notes, at 1.2e-14)
        return integrate.quad(integrand, -20 * sd, 20 * sd, epsabs=0, epsrel=1e-13, limit=200, points=[0.0])[0]


@pytest.mark.parametrize("q, k, df", [(8.56344446, 300, 600.0), (9.578, 300, 600.0), (6.0, 60, 40.0)])
def test_the_tail_on_finite_df_is_the_adaptive_quadrature(q, k, df):
    """On finite df, against scipy's adaptive quadrature of the double integral, to 1e-12.  (scipy's
    studentized_range.sf is off by 1.7e-9 relative at the first, a tail of 1.0e-4, and 1.4e-7 at the second, 1.3e-6:
    an absolute 1.7e-13, the differences glmstat's p-values showed against it there.)"""
    assert_close(studentized_range_sf(np.array([q]), k, df), [studentized_tail_by_quad(q, k, df)], rtol=1e-12, atol=0)


def ptukey_grid():
    r = json.loads((TUKEY / "ptukey_grid.json").read_text())
    df = np.array([math.inf if d == "Inf" else float(d) for d in r["df"]])
    return np.array(r["q"], dtype=float), np.array(r["k"], dtype=int), df, np.array(r["upper"], dtype=float)


def test_r_ptukey_on_a_grid():
    """R's ptukey(q, k, df, lower.tail = FALSE) for q from 1e-6 to 1,000, k from 2 to 1,000, df from 2 to Inf: met
    to R's accuracy (a relative 3e-6 and an absolute 2e-8) where its quadrature holds (df 40, 300 or Inf, up to
    60 means); elsewhere R's errors are its own (the module docstring), of which two are checked: its tail of 1
    for 1,000 means on 2 df at q = 4, where scipy agrees with glmstat's 0.92313, and the k = 2 closed form."""
    from scipy import stats

    q, k, df, want = ptukey_grid()
    got = np.empty(len(q))
    for kk, d in sorted(set(zip(k.tolist(), df.tolist()))):
        at = (k == kk) & (df == d)
        got[at] = studentized_range_sf(q[at], kk, d)
    held = np.isin(df, [40.0, 300.0, math.inf]) & (k <= 60)
    assert held.sum() == 270
    assert np.all(np.abs(got[held] - want[held]) <= 3e-6 * want[held] + 2e-8)
    assert np.abs(got[held] - want[held]).max() > 1e-7  # (R's own error: glmstat is not R's quadrature)
    at = np.flatnonzero((k == 1000) & (df == 2.0) & (q == 4.0))
    assert want[at] == 1.0 and abs(got[at][0] - 0.92313) < 1e-5
    assert_close(got[at], [stats.studentized_range.sf(4.0, 1000, 2.0)], rtol=1e-12, atol=0)
    two = np.flatnonzero((k == 2) & (df == 3000.0) & (q == 8.0))
    exact = pair_tail(np.array([8.0 / math.sqrt(2.0)]), 3000.0)
    assert_close(got[two], exact, rtol=1e-12, atol=0)
    assert abs(want[two][0] / exact[0] - 1) > 0.1


def test_tiny_and_huge_statistics():
    """q = 0 (equal means) has tail 1, an infinite q 0, NaN NaN; 1e-300 is 1 to double precision; df below 1 (no
    glm has them) NaN, not the union bound."""
    got = studentized_range_sf(np.array([0.0, 1e-300, np.inf, np.nan]), 5, 10.0)
    assert got[0] == 1.0 and got[1] == 1.0 and got[2] == 0.0 and np.isnan(got[3])
    p = tukey_p_values(np.array([0.0, np.nan, 1e3]), np.array([1.0, np.nan, 0.0]), 5, math.inf)
    assert p[0] == 1.0 and np.isnan(p[1]) and p[2] == 0.0
    assert np.isnan(tukey_p_values(np.array([1.0, 9.0]), np.array([0.5, 1e-12]), 5, 0.5)).all()  # (df < 1)


def many_pairs(k: int, df: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The t statistics of the k(k-1)/2 pairs of k means drawn with sd 3 (standard errors sqrt(2/3)), spreading
    their Tukey p-values from 1 to below 1e-10, and their two-sided p-values."""
    from scipy import stats

    effects = np.random.default_rng(seed).normal(scale=3.0, size=k)
    i, j = np.triu_indices(k, 1)
    t = (effects[i] - effects[j]) / math.sqrt(2.0 / 3.0)
    return t, 2.0 * (stats.norm.sf(np.abs(t)) if math.isinf(df) else stats.t.sf(np.abs(t), df))


@pytest.mark.parametrize("k, df", [(1000, math.inf), (1000, 2000.0), (300, 12.0)])
def test_many_pairs_against_scipy_and_quadrature(k, df):
    """Every pair's p-value is its own tail, computed for all pairs at once: at pairs spread over the p-values,
    against scipy's studentized_range.sf (1 minus an integral, whose own error is up to about 2e-13 absolute: within
    1e-10 of it relative, 5e-13 absolute; the union bound below 1e-10).  Pairs whose tail is 1 to double
    precision (for 1,000 means every q below about 4.5) are given 1 without an integral."""
    from scipy import stats

    t, p = many_pairs(k, df, seed=k)
    got = tukey_p_values(t, p, k, df)
    order = np.argsort(np.abs(t))
    mid = np.flatnonzero((k * (k - 1) / 2 * p > 1e-9) & (k * (k - 1) / 2 * p < 1e-5))  # (tails near 1e-6)
    spread = mid[np.linspace(0, len(mid) - 1, 3).astype(int)] if mid.size else mid
    sample = np.union1d(np.union1d(order[np.linspace(0, len(t) - 1, 12).astype(int)], spread), order[-3:])
    q = math.sqrt(2.0) * np.abs(t[sample])
    s = stats.studentized_range.sf(q, k, df)
    want = np.where(s < 1e-10, np.minimum(k * (k - 1) / 2 * p[sample], 1.0), s)
    assert want.max() == 1.0 and want.min() < 1e-6 and np.sum((want > 1e-10) & (want < 1e-4)) >= 3
    assert np.all(np.abs(got[sample] - want) <= 1e-10 * want + 5e-13)
    if k == 1000:
        ones = got == 1.0
        assert ones.mean() > 0.2 and math.sqrt(2.0) * np.abs(t[ones]).max() > 4.0


def test_a_thousand_means_in_bounded_memory():
    """The 499,500 pairs of 1,000 means on 2,000 df: the integrals are summed in blocks of at most 2^18 numbers,
    so the peak of memory is a few dozen arrays of the pairs' size (4 MB each), never pairs x nodes (2.7e7 numbers,
    216 MB)."""
    t, p = many_pairs(1000, 2000.0, seed=5)
    got, peak = traced_peak(lambda: tukey_p_values(t, p, 1000, 2000.0))
    assert len(got) == 499_500 and np.all((got >= 0.0) & (got <= 1.0))
    assert peak < 25 * t.nbytes


def many_pairs_fixture():
    with gzip.open(TUKEY / "tukey_many_pairs.json.gz", "rt") as f:
        r = json.load(f)
    return r, pd.read_csv(TUKEY / "tukey_many_pairs.csv.gz")


@pytest.mark.parametrize("key", ["gaussian", "poisson"])
def test_pairs_of_a_300_level_factor_match_emmeans(key):
    """pairs(emmeans(m, ~ g), adjust = "tukey") of a 300-level g beside a numeric x1 (a fit stored structured: g as
    codes), Gaussian (t on 599 df) and Poisson (z), as R computes them (the script computes emmeans' pairs
    directly: emmeans itself had not finished them in 45 minutes): the 44,850 statistics to 1e-8, the p-values to
    R's ptukey's accuracy (a relative 2e-5, an absolute 1e-8: R's quadrature for 300 means is that coarse, the
    module docstring), and below 1e-10 both tiny."""
    from glmstat.design.structured import StructuredDesign

    r, d = many_pairs_fixture()
    r = r[key]
    family = gs.Gaussian() if key == "gaussian" else gs.Poisson()
    fit = gs.glm(r["formula"], d, family=family, tol=1e-12)
    assert isinstance(fit.model_frame.design, StructuredDesign)
    got = fit.emmeans_pairs("g")
    assert len(got) == 44_850 and list(got.index) == r["contrast"]
    assert_close(got["df"], np.full(len(got), np.inf if r["df"] == "Inf" else r["df"]), rtol=0)
    assert_close(got["statistic"], r["statistic"], rtol=1e-8, atol=1e-10)
    want, p = np.array(r["p_value"], dtype=float), got["p_value"].to_numpy()
    tiny = want < 1e-10
    assert np.all(p[tiny] < 1e-9)
    assert np.all(np.abs(p[~tiny] - want[~tiny]) <= 2e-5 * want[~tiny] + 1e-8)
    assert (want == 1.0).sum() > 0 and want.min() < 1e-4


def test_pairs_of_a_300_level_factor_in_modest_memory():
    """pairs() of the 300-level factor: 44,850 rows of output (labels and seven numbers, about 3 MB as a
    DataFrame) with Tukey's p-values, made with a peak of traced memory under the 40 MB that
    tests/inference/test_emmeans_pairs_memory.py allows pairs() without them."""
    r, d = many_pairs_fixture()
    fit = gs.glm(r["gaussian"]["formula"], d)
    got, peak = traced_peak(lambda: fit.emmeans_pairs("g"))
    assert len(got) == 44_850
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MB"
