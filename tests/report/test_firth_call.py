"""The Call line of a bias-reduced fit is R's: ``glm(..., method = "brglmFit")``, brglm2's method, whose default
type (AS_mixed) is AS_mean for the binomial -- glmstat's Firth fit -- so the call printed, run in R, gives the
fit's coefficients.  glmstat printed ``method = "firth"``, which R's glm refuses (could not find function
"firth").

R's output: tests/fixtures/firth_call/make_firth_call.R -> r.json (deparse() of the call typed without data =,
and the coefficients of that call with data = the CSV).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, load_data
from glmstat.report.call import call_lines

R = json.loads((FIXTURES / "firth_call" / "r.json").read_text())


@pytest.mark.parametrize("case", R, ids=lambda c: c["data"])
def test_firth_call_is_the_brglm2_call_r_prints(case):
    fit = gs.glm(case["formula"], load_data(case["data"]), family=gs.Binomial(link=case["link"]), method="firth")
    np.testing.assert_allclose(fit.coef.to_numpy(), case["coef"], rtol=1e-6)  # the call's fit is this fit
    assert call_lines(fit) == case["lines"]
    assert str(fit.summary()).split("Call:\n")[1].startswith("\n".join(case["lines"]) + "\n\n")
    assert repr(fit).startswith("\nCall:  " + "\n".join(case["lines"]) + "\n\n")  # print.glm
