"""A stateful transform inside an expression (``I(scale(x)^2)``, ``ns(scale(x), 3)``) predicts with the
parameters learned from the fitted rows (README, deliberate differences: R recomputes such an inner scale()
from the new data).  So a row's prediction does not depend on the other rows of the new data, and the fitted
rows predict their fitted values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

RNG = np.random.default_rng(20261202)
DATA = pd.DataFrame({"x": RNG.uniform(0.5, 6, 60)})
DATA["y"] = 1 + np.sin(DATA["x"]) + RNG.normal(0, 0.3, 60)
NEW = pd.DataFrame({"x": [0.1, 1.3, 3.3, 5.9, 7.5]})


@pytest.mark.parametrize("formula", ["y ~ I(scale(x)^2)", "y ~ log(scale(x, center = FALSE))", "y ~ ns(scale(x), 3)",
                                     "y ~ poly(scale(x), 2)", "y ~ bs(scale(x, center = 1), df = 4)",
                                     "y ~ scale(scale(x))"])
def test_inner_transforms_predict_with_the_fitted_rows_parameters(formula):
    fit = gs.glm(formula, DATA)
    np.testing.assert_allclose(np.asarray(fit.predict(DATA)), np.asarray(fit.fitted_values), rtol=1e-10)
    together = np.asarray(fit.predict(NEW))
    alone = np.array([float(np.asarray(fit.predict(NEW.iloc[[i]]))[0]) for i in range(len(NEW))])
    np.testing.assert_allclose(together, alone, rtol=1e-12)
