"""The reference distributions of tests and intervals (glmstat.distributions) against closed forms, and what
they spare: a fresh process fits, summarizes and tests without importing scipy.stats."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from glmstat.distributions import (chi2_sf, f_sf, normal_cdf, normal_pdf, normal_quantile, normal_sf, t_quantile,
                                   t_sf)

X = np.array([0.0, 1e-8, 0.3, 1.0, 2.5, 7.0, 30.0])


def test_normal_against_closed_forms_and_R():
    np.testing.assert_allclose(normal_sf(X), [0.5 * math.erfc(x / math.sqrt(2)) for x in X], rtol=1e-12)
    np.testing.assert_allclose(normal_cdf(-X), normal_sf(X), rtol=1e-15)
    np.testing.assert_allclose(normal_pdf(X), np.exp(-X * X / 2) / math.sqrt(2 * math.pi), rtol=1e-15)
    # R: sprintf("%.17g", qnorm(0.975)) and qnorm(1e-10)
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert normal_quantile(1e-10) == pytest.approx(-6.3613409024040557, rel=1e-14)
    assert normal_quantile(0.0) == -np.inf and normal_quantile(1.0) == np.inf
    assert np.isnan(normal_quantile(1.5)) and np.isnan(normal_sf(np.nan))


def test_t_against_closed_forms():
    # df = 1 is the Cauchy distribution; df = 2 has sf(x) = 1/2 - x / (2 sqrt(2 + x^2))
    np.testing.assert_allclose(t_sf(X, 1), 0.5 - np.arctan(X) / np.pi, rtol=1e-13)
    np.testing.assert_allclose(t_sf(X, 2), 0.5 - X / (2 * np.sqrt(2 + X * X)), rtol=1e-13)
    np.testing.assert_allclose(t_sf(-X, 2), 0.5 + X / (2 * np.sqrt(2 + X * X)), rtol=1e-13)
    q = np.array([0.6, 0.9, 0.975, 0.999])
    np.testing.assert_allclose(t_quantile(q, 1), np.tan(np.pi * (q - 0.5)), rtol=1e-12)
    np.testing.assert_allclose(t_quantile(q, 2), (2 * q - 1) / np.sqrt(2 * q * (1 - q)), rtol=1e-12)
    assert t_quantile(0.0, 5) == -np.inf and t_quantile(1.0, 5) == np.inf
    # infinite degrees of freedom: the normal distribution, near 0 and in the tail
    np.testing.assert_allclose(t_sf([0.3, -0.3, 1.3], np.inf), normal_sf([0.3, -0.3, 1.3]), rtol=1e-15)
    assert np.isnan(t_sf(1.0, 0)) and np.isnan(t_sf(1.0, -2)) and np.isnan(t_sf(np.nan, 3))


#: R 4.2: sprintf("%.17g", pt(x, df, lower.tail = FALSE)) at these x
_T_X = np.array([1e-8, 0.3, 1, 2.5, 7, 30])
_R_PT_UPPER = {
    3.5: [0.49999999628227654, 0.39056670491994483, 0.19066862678172278, 0.037847321904745025,
          0.001776418099902132, 1.1968065997811309e-05],
    25: [0.49999999605026213, 0.38332874682652862, 0.16344595634592063, 0.0096715637849713477,
         1.2248784641244409e-07, 1.9979314251275368e-21],
    1e6: [0.49999999601057821, 0.3820886089894972, 0.15865537491678908, 0.0062097447510816167,
          1.2806120556870395e-12, 6.0100471168316661e-198],
}


@pytest.mark.parametrize("df", sorted(_R_PT_UPPER))
def test_t_tail_against_R_near_zero_and_far_out(df):
    """Near 0 scipy's stdtr alone cancels (3e-9 relative at 1e-8); R's pt does not, and neither does t_sf."""
    np.testing.assert_allclose(t_sf(_T_X, df), _R_PT_UPPER[df], rtol=1e-12)


def test_quantiles_and_tails_against_R():
    # R 4.2: qt(0.975, c(1, 3.5, 10, 1e6)), pchisq(c(0.3, 5, 60), 7, lower = FALSE), pf(c(0.3, 5, 60), 3, 11,
    # lower = FALSE), pt(-2, 4, lower = FALSE), qnorm(0.975)
    np.testing.assert_allclose(t_quantile(0.975, np.array([1, 3.5, 10, 1e6])),
                               [12.706204736174694, 2.9400886379827291, 2.2281388519862739, 1.9599663568141066],
                               rtol=1e-13)
    np.testing.assert_allclose(chi2_sf([0.3, 5, 60], 7),
                               [0.99989996261774783, 0.65996322969428278, 1.5095553022989121e-10], rtol=1e-13)
    np.testing.assert_allclose(f_sf([0.3, 5, 60], 3, 11),
                               [0.82477238980046041, 0.019918420834935474, 4.1849714361337098e-07], rtol=1e-13)
    assert t_sf(-2.0, 4) == pytest.approx(0.94194173824159222, rel=1e-14)


def test_chi_square_and_f_against_closed_forms():
    np.testing.assert_allclose(chi2_sf(X, 2), np.exp(-X / 2), rtol=1e-13)
    np.testing.assert_allclose(chi2_sf(X, 1), [math.erfc(math.sqrt(x / 2)) for x in X], rtol=1e-12)
    np.testing.assert_allclose(f_sf(X, 2, 2), 1 / (1 + X), rtol=1e-13)
    np.testing.assert_allclose(f_sf(X, 1, 1), 1 - 2 / np.pi * np.arctan(np.sqrt(X)), rtol=1e-12)
    # vectorised over the degrees of freedom as well
    np.testing.assert_allclose(chi2_sf([3.0, 3.0], [1, 2]), [math.erfc(math.sqrt(1.5)), math.exp(-1.5)], rtol=1e-13)


def test_outside_the_support_and_invalid_degrees_of_freedom():
    # a negative statistic has upper tail 1; no distribution has df <= 0 (R: NaN with a warning)
    assert chi2_sf(-1.0, 3) == 1.0 and chi2_sf(-np.inf, 3) == 1.0
    assert f_sf(-2.0, 1, 4) == 1.0
    assert np.isnan(chi2_sf(1.0, 0)) and np.isnan(chi2_sf(1.0, -1))
    assert np.isnan(f_sf(1.0, 0, 3)) and np.isnan(f_sf(1.0, 3, 0))
    assert np.isnan(chi2_sf(np.nan, 2)) and np.isnan(f_sf(np.nan, 1, 2))
    np.testing.assert_array_equal(np.isnan(chi2_sf([1.0, np.nan, 2.0], 1)), [False, True, False])


_FRESH = """
import sys, warnings
import numpy as np
import glmstat as gs
rng = np.random.default_rng(1)
n = 60
d = {"x": rng.normal(size=n), "g": np.array(list("abc") * 20), "y": rng.poisson(3, n).astype(float)}
d["b"] = (rng.random(n) < 0.5).astype(float)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for family, y in ((gs.Binomial(), "b"), (gs.Poisson(), "y"), (gs.Gaussian(), "y"), (gs.Gamma(link="log"), "y + 1")):
        fit = gs.glm(f"{y} ~ x + g", d, family=family)
        str(fit.summary()); fit.conf_int(); fit.predict(se_fit=True); fit.wald_test("x = 0")
        fit.anova(); fit.anova(test="F" if family.name in ("gaussian", "Gamma") else "Chisq"); fit.drop1(test="Chisq")
        fit.anova(type=2)
loaded = sorted(m for m in sys.modules if m == "scipy.stats" or m.startswith("scipy.stats."))
print(len(loaded))
"""


def test_fits_summaries_and_tests_do_not_import_scipy_stats():
    """scipy.stats takes over a second to import: the first summary of a session must not wait for it."""
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "0"
