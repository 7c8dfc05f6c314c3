"""Average marginal effects (fit.average_marginal_effects) against R: central differences of the fitted mean
and delta-method standard errors from a numerical Jacobian (fixtures/inference2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import glmstat as gs
from inference2_refs import fit, params, ref


def table(cid, variables=None, at=None):
    t = fit(cid).average_marginal_effects(variables, at=at)
    return t.set_index(["term", "contrast"])


@pytest.mark.parametrize("cid", params("ame"))
def test_matches_r(cid):
    want = ref(cid)["ame"]
    got = table(cid)
    keys = [(w["term"], w["contrast"]) for w in want]
    np.testing.assert_allclose(got.loc[keys, "estimate"], [w["estimate"] for w in want], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(got.loc[keys, "std_error"], [w["std_error"] for w in want], rtol=1e-5)


@pytest.mark.parametrize("cid", params("ame_at"))
def test_at_values_matches_r(cid):
    r = ref(cid)["ame_at"]
    want = r["effects"] if isinstance(r["effects"], list) else [r["effects"]]
    got = table(cid, list(dict.fromkeys(w["term"] for w in want)), at=r["at"])
    keys = [(w["term"], w["contrast"]) for w in want]
    np.testing.assert_allclose(got.loc[keys, "estimate"], [w["estimate"] for w in want], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(got.loc[keys, "std_error"], [w["std_error"] for w in want], rtol=1e-5)
    for name, value in r["at"].items():
        assert np.all(got[name] == value)


def test_columns_tests_and_intervals():
    t = fit("birthwt_logit").average_marginal_effects(level=0.9)
    assert list(t.columns) == ["term", "contrast", "estimate", "std_error", "statistic", "p_value", "conf_low",
                               "conf_high"]
    z = t["estimate"] / t["std_error"]
    np.testing.assert_allclose(t["statistic"], z)
    np.testing.assert_allclose(t["p_value"], 2 * stats.norm.sf(np.abs(z)))
    np.testing.assert_allclose(t["conf_high"] - t["estimate"], stats.norm.ppf(0.95) * t["std_error"])
    assert list(t.loc[t.term == "race", "contrast"]) == ["other", "white"]  # the reference level is black


def test_identity_link_effect_is_the_coefficient():
    """Gaussian identity, x entering once: the average marginal effect is the coefficient and its se."""
    f = fit("mtcars_gauss_weights")
    t = f.average_marginal_effects("hp").iloc[0]
    np.testing.assert_allclose(t["estimate"], f.coef["hp"], rtol=1e-8)
    np.testing.assert_allclose(t["std_error"], f.std_errors["hp"], rtol=1e-6)


def test_factor_wrapped_numeric_named_by_column_or_label():
    f = fit("mtcars_gamma_log")
    a = f.average_marginal_effects("am")
    b = f.average_marginal_effects("factor(am)")
    assert list(a["contrast"]) == ["1"] and a.equals(b)
    with pytest.raises(gs.GLMStatError, match="not a variable"):
        f.average_marginal_effects("cyl")
