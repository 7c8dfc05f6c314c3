"""Logical values (True/False) as weights or an offset are refused, as R's glm refuses them: ``glm(am ~ wt, binomial,
mtcars, weights = mpg > 20)`` stops with "'weights' must be a numeric vector", ``offset = mpg > 20`` and
``offset(mpg > 20)`` with "'offset' must be numeric" (R 4.2.2).  glmstat fitted them as 0 and 1 without a word: a
column of flags given as weights is more often a mistake than weights of 0 and 1.  The flags as numbers fit as R's
``weights = as.numeric(mpg > 20)``: (Intercept) 14.085577, wt -4.944685."""

import numpy as np
import pytest

import glmstat as gs


@pytest.fixture(scope="module")
def cars():
    m = gs.load_dataset("mtcars").copy()
    m["fast"] = m["mpg"] > 20
    return m


@pytest.mark.parametrize("kw,named", [
    ({"weights": "fast"}, "weights='fast'"), ({"weights": "mpg > 20"}, "weights='mpg > 20'"),
    ({"weights": "series"}, "weights"), ({"weights": "array"}, "weights"), ({"weights": "list"}, "weights"),
    ({"offset": "fast"}, "offset='fast'"), ({"offset": "array"}, "offset"),
])
def test_logical_weights_and_offsets_are_refused(cars, kw, named):
    (what, given), = kw.items()
    value = {"series": cars["fast"], "array": cars["fast"].to_numpy(), "list": list(cars["fast"])}.get(given, given)
    with pytest.raises(gs.DataError, match=f"^{named} holds logical values \\(True/False\\), not numbers"):
        gs.glm("am ~ wt", cars, family=gs.Binomial(), **{what: value})


def test_a_logical_offset_term_is_refused(cars):
    with pytest.raises(gs.DataError, match="offset\\(mpg > 20\\) holds logical values"):
        gs.glm("am ~ wt + offset(mpg > 20)", cars, family=gs.Binomial())


def test_the_flags_as_numbers_are_r_s_weights(cars):
    fit = gs.glm("am ~ wt", cars, family=gs.Binomial(), weights="as.numeric(fast)")
    np.testing.assert_allclose(fit.coef.to_numpy(), [14.085577, -4.944685], rtol=1e-6)
