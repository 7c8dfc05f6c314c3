"""Models stopped where R stops (``convergence="R"``) against R's default control, on a structured design
(3,000 rows, a 30-level factor) and a dense one (its first 400 rows): ``update()`` keeps the fit's convergence
rule, as R's ``update`` keeps the call's ``control``, and the score (Rao) tests -- ``anova(test = "Rao")``,
``drop1`` and ``add1`` with ``test = "Rao"``, ``anova(small, big, test = "Rao")`` -- regress the working
residuals at the estimate with R's ``fit$weights``, the working weights of glm.fit's last iteration (at the
coefficients before it).  Weights at the estimate moved them by up to 7e-6 relative.
fixtures/rao_r_convergence, from make_rao_r_convergence.R."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.design.dense import DenseDesign
from glmstat.design.structured import StructuredDesign

HERE = FIXTURES / "rao_r_convergence"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def _fit(case: str):
    ref = REF[case]
    d = DATA if case.startswith("structured") else DATA.iloc[:400]
    poisson = case.endswith("poisson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=gs.Poisson() if poisson else gs.Gamma(link="log"),
                     weights="w" if poisson else None, convergence="R")
    design = type(fit.fit_data.source.X)
    assert design is (StructuredDesign if case.startswith("structured") else DenseDesign)
    assert fit.iterations == ref["iterations"]
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    return ref, fit


@pytest.mark.parametrize("case", list(REF))
def test_update_keeps_r_s_convergence_rule(case):
    """update() refitted with the default convergence="exact": iterations to the exact MLE, R's coefficients
    only to about 1e-6."""
    ref, fit = _fit(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        small = fit.update("~ . - x2")
    assert small.convergence == "R"
    assert small.iterations == ref["update_iterations"]
    assert_close(small.coef, ref["update_coefficients"], rtol=1e-8)


@pytest.mark.parametrize("case", list(REF))
def test_score_tests_at_r_s_default_control_match_r(case):
    ref, fit = _fit(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        anova, drop1 = fit.anova("Rao"), fit.drop1("Rao")
        small = fit.update("~ . - x2")
        add1 = small.add1("~ . + x2" if case.endswith("poisson") else "~ . + x2 + f", "Rao")
        models = gs.anova(small, fit, test="Rao")
    assert list(anova.index) == ref["anova"]["terms"]
    assert_close(anova["rao"], ref["anova"]["rao"], rtol=1e-9)
    assert list(drop1.index) == ref["drop1"]["terms"]
    assert_close(drop1["statistic"], ref["drop1"]["rao"], rtol=1e-9)
    assert list(add1.index) == ref["add1"]["terms"]
    assert_close(add1["statistic"], ref["add1"]["rao"], rtol=1e-9)
    assert_close(models["rao"], ref["anova_models"], rtol=1e-9)
