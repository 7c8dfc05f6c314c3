"""gs.lrtest of a Poisson model against a negative binomial with theta estimated: the boundary-corrected
p-value (R: 2 (logLik(nb) - logLik(poisson)), p = pchisq(lr, 1, lower = FALSE) / 2; fixtures/inference2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import glmstat as gs
from conftest import load_data
from inference2_refs import assert_p, fit, fit_args, ref


def poisson_fit(cid):
    formula, d, kw = fit_args(cid)
    return gs.glm(formula, d, **{**kw, "family": gs.Poisson()})


def test_matches_r_both_orders():
    want = ref("quine_negbin")["poisson_vs_negbin"]
    pois, nb = poisson_fit("quine_negbin"), fit("quine_negbin")
    for a, b in ((pois, nb), (nb, pois)):
        t = gs.lrtest(a, b)
        np.testing.assert_allclose(t.statistic, want["statistic"], rtol=1e-6)
        assert t.df == 1 and t.boundary
        assert_p([t.p_value], [want["p_value"]])
    assert "boundary-corrected" in str(t)


def test_bigger_negative_binomial_mixes_two_tails():
    d = load_data("quine")
    pois = gs.glm("Days ~ Eth + Sex", d, family=gs.Poisson(), tol=1e-12)
    nb = gs.glm("Days ~ Eth + Sex + Lrn", d, family=gs.NegativeBinomial(), tol=1e-12)
    t = gs.lrtest(pois, nb)
    assert t.df == 2
    np.testing.assert_allclose(t.p_value, 0.5 * stats.chi2.sf(t.statistic, 2) + 0.5 * stats.chi2.sf(t.statistic, 1))
    with pytest.raises(gs.GLMStatError, match="not nested|must be the smaller"):
        gs.lrtest(gs.glm("Days ~ Eth + Sex + Lrn + Age", d, family=gs.Poisson()), nb)


def test_same_family_unchanged():
    d = load_data("quine")
    a = gs.glm("Days ~ Eth", d, family=gs.Poisson())
    b = gs.glm("Days ~ Eth + Sex", d, family=gs.Poisson())
    t = gs.lrtest(a, b)
    assert not t.boundary and t.p_value == pytest.approx(stats.chi2.sf(t.statistic, 1))
    with pytest.raises(gs.GLMStatError, match="different families"):
        gs.lrtest(a, gs.glm("Days ~ Eth + Sex", d, family=gs.NegativeBinomial(theta=2.0)))
