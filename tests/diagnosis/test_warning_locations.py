"""Every warning is reported at the user's line that called into glmstat (``warnings`` shows that file and
line, and a filter by module sees it), however many of glmstat's functions and wrappers lie between: the F
test's warning of anova() pointed into glmstat's BLAS-thread wrapper."""

from __future__ import annotations

import warnings

import pytest

import glmstat as gs
from conftest import load_data

MT = load_data("mtcars")
GAPPY = MT.assign(wt=MT["wt"].mask(MT.index == 3))
BINOMIAL = gs.Binomial()

CASES = {
    "dropped rows": (lambda: gs.glm("mpg ~ wt", GAPPY), gs.DroppedRowsWarning),
    "aliased column": (lambda: gs.glm("mpg ~ wt + I(2 * wt)", MT), gs.AliasingWarning),
    "idle power": (lambda: gs.glm("mpg ~ wt^2", MT), gs.FormulaWarning),
    "not converged": (lambda: gs.glm("am ~ wt", MT, family=BINOMIAL, max_iter=2), gs.ConvergenceWarning),
    "separation": (lambda: gs.glm("am ~ I(wt < 3) + hp", MT.assign(am=(MT.wt < 3).astype(int)), family=BINOMIAL),
                   gs.SeparationWarning),
    "non-integer counts": (lambda: gs.glm("drat ~ wt", MT, family=gs.Poisson()), gs.DataWarning),
    "anova F, fixed dispersion": (lambda: gs.glm("am ~ wt", MT, family=BINOMIAL).anova(test="F"), gs.GLMStatWarning),
    "drop1 F, fixed dispersion": (lambda: gs.glm("am ~ wt", MT, family=BINOMIAL).drop1(test="F"), gs.GLMStatWarning),
    "type III coding": (lambda: gs.glm("mpg ~ factor(cyl) * wt", MT).anova(type=3), gs.ContrastsWarning),
    "step's refits": (lambda: gs.glm("mpg ~ wt + I(2 * wt) + hp", MT).step(), gs.AliasingWarning),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reported_at_the_caller_s_line(name):
    call, category = CASES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, category)]
    assert ours, [str(w.message) for w in caught]
    assert all(w.filename == __file__ for w in ours), [(w.filename, w.lineno) for w in ours]
