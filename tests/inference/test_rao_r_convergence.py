"""Models stopped where R stops (``convergence="R"``) against R's default control, on a structured design
(3,000 rows, a 30-level factor) and a dense one (its first 400 rows): ``update()`` keeps the fit's convergence
rule, as R's ``update`` keeps the call's ``control``.  fixtures/rao_r_convergence, from
make_rao_r_convergence.R."""

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
