"""Numbers at the edge of double precision given as the arguments of inference functions (a web application may
pass on a user's numbers): each is computed as R computes it or refused with glmstat's error naming the argument,
never numpy's RuntimeWarning and a NaN or a missing column.

* ``average_marginal_effects(at={"x": [1e200]})``: ``emmeans(at=)`` refuses a value beyond 1e100 in size (the
  data's bound: a standard error takes their squares), but the marginal effects took it, and came out as NaN
  estimates, standard errors and intervals with numpy's "invalid value encountered in matmul" warnings.
* ``drop1(k=1e308)``: k * rank overflowed to inf and the shift to R's ``extractAIC`` made every AIC inf - inf, so
  the ``aic`` column silently went missing, after numpy's overflow warnings (R's is missing too:
  ``drop1(m, k = 1e308)$AIC`` is NULL in R 4.2.2, with no warning); ``step(k=1e308)`` said "AIC is not finite for
  this model", blaming the model for the argument.  k is now at most the largest double over four times the
  model's rows (a model has at most as many parameters as rows), where R's AIC is finite and glmstat's is R's.

* ``emmeans_contrasts(method={"c": [1e-320, -1e-320, 0]})``: the contrast's variance, of the squares of its
  coefficients, underflowed to 0, so its ratio came out as 1, its standard error 0, its z ratio inf and its p-value
  0, silently (R's emmeans gives the same: ``z.ratio`` Inf, ``p.value`` 0 in R 4.2.2 with emmeans, where
  ``c(1e-50, -1e-50, 0)`` gives the z ratio of ``c(1, -1, 0)``).  Coefficients whose largest is below 1e-100 in
  size are now refused, as weights that small are (the test does not depend on their scale).

In-process: these inputs take no time; the contract checked is the exception type, the message and the silence.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [0, 1, 0, 2, 3, 0, 5, 1, 2, 4, 3, 6], "x": np.linspace(-1.0, 1.0, 12),
                  "g": list("abcabcabcabc")})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x + g", D, family=gs.Poisson())


def _refused(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy's RuntimeWarning, leaked, fails)
        with pytest.raises(gs.GLMStatError, match=match):
            call()


@pytest.mark.parametrize("value", [1e200, -1e101, 1e308])
def test_marginal_effects_at_a_value_beyond_the_data_bound_are_refused(fit, value):
    _refused(lambda: fit.average_marginal_effects(at={"x": [0.5, value]}),
             rf"^at\[.x.\]: {re.escape(f'{value:g}')} is larger than 1e\+100 in size")


@pytest.mark.parametrize("call", [
    lambda f: f.drop1(k=1e308), lambda f: f.drop1(k=1e307, test="Chisq"), lambda f: f.add1("~ . + I(x^2)", k=1e308),
    lambda f: f.step(k=1e308),
], ids=["drop1", "drop1-chisq", "add1", "step"])
def test_an_aic_penalty_beyond_the_bound_is_refused(fit, call):
    _refused(lambda: call(fit), r"^k must be a non-negative finite number of at most 3\.75e\+306 \(k times")


@pytest.mark.parametrize("k,aic", [
    (1e6, [4000036.7295889785, 3000048.5932903346, 2000039.2925331590]),
    (1e101, [4e101, 3e101, 2e101]),
])
def test_an_aic_penalty_within_the_bound_has_r_aic(fit, k, aic):
    # R 4.2.2: print(drop1(glm(y ~ x + g, poisson, d), k = k)$AIC, digits = 17), d the data D (the same at the
    # optimum, glm.control(epsilon = 1e-15, maxit = 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = fit.drop1(k=k)
    np.testing.assert_allclose(table["aic"].to_numpy(), aic, rtol=1e-12)


def test_a_contrast_of_coefficients_whose_squares_underflow_is_refused(fit):
    _refused(lambda: fit.emmeans_contrasts("g", method={"c": [1e-320, -1e-320, 0]}),
             r"^the contrast .c. cannot be computed in double precision: its largest coefficient is 1e-320 in size")


def test_a_contrast_of_small_coefficients_has_r_test(fit):
    # R 4.2.2, m fitted at the optimum (glm.control(epsilon = 1e-15, maxit = 100)): as.data.frame(summary(contrast(
    # emmeans(m, "g", type = "response"), list(c = c(1e-50, -1e-50, 0))))): ratio 1, z.ratio 1.1346079334055748,
    # p.value 0.25653962762968952 (those of c(1, -1, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = fit.emmeans_contrasts("g", method={"c": [1e-50, -1e-50, 0]})
    np.testing.assert_allclose(table[["estimate", "statistic", "p_value"]].to_numpy()[0],
                               [1.0, 1.1346079334055748, 0.25653962762968952], rtol=1e-9)
