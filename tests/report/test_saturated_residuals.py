"""Deviance residuals of a fit without residual degrees of freedom, against R (fixtures/saturated_residuals, from
make_saturated_residuals.R): R's residuals.glm gives 0 for every row when df.residual is 0, and summary() prints
them as a vector without names ("[1]  0  0  0  0", a line per 25 values).  glmstat printed the rounding of
the iterations under the row labels (-2.564e-16 ...), or -2.03e-05 for a zero count whose mean goes to 0."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "saturated_residuals"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "Gamma": gs.Gamma}


def _fit(ref: dict, **kw) -> gs.GLMResults:
    data = pd.read_csv(HERE / f"{ref['data']}.csv")
    weights = ref["weights"] if isinstance(ref["weights"], str) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]](link=ref["link"]), weights=weights, **kw)


def _block(summary: str) -> list[str]:
    """The lines between "Deviance Residuals:" and the blank line before the coefficients."""
    lines = summary.splitlines()
    start = lines.index("Deviance Residuals: ") + 1
    return lines[start:lines.index("", start)]


@pytest.mark.parametrize("case", sorted(REF))
@pytest.mark.parametrize("convergence", ["R", "exact"])
def test_summary_prints_r_s_zeros(case, convergence):
    ref = REF[case]
    fit = _fit(ref, convergence=convergence)
    assert fit.df_residual == ref["df_residual"] == 0
    want = ref["summary_block"]
    assert _block(str(fit.summary())) == (want if isinstance(want, list) else [want])


@pytest.mark.parametrize("case", sorted(REF))
def test_deviance_residuals_are_r_s(case):
    ref = REF[case]
    fit = _fit(ref, convergence="R")
    assert fit.iterations == ref["iterations"]
    np.testing.assert_array_equal(fit.residuals("deviance").to_numpy(), ref["residuals"])
    np.testing.assert_array_equal(fit.augment()["resid_deviance"].to_numpy(), ref["residuals"])


def test_a_fit_with_residual_df_keeps_its_deviance_residuals():
    """One residual df (level a twice, y = 3 and 5): the formula's residuals, closed form at mu = 4."""
    data = pd.DataFrame({"y": [3, 5, 2, 8, 5], "g": ["a", "b", "c", "d", "a"]})
    fit = gs.glm("y ~ g", data, family=gs.Poisson(link="sqrt"), convergence="R")
    assert fit.df_residual == 1
    d = [2 * (3 * np.log(3 / 4) + 1), 2 * (5 * np.log(5 / 4) - 1)]  # Poisson unit deviances at mu = 4
    np.testing.assert_allclose(fit.residuals("deviance").iloc[[0, 4]], [-np.sqrt(d[0]), np.sqrt(d[1])], rtol=1e-8)
    assert _block(str(fit.summary()))[0].split() == ["0", "1", "2", "3", "4"]
