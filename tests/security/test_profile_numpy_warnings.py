"""A profile interval's refits far out along the profile give numpy no warning to print.

``conf_int(method="profile")`` of a Poisson fit with prior weights of 1e-20 (within ``glm()``'s bound of 1e-100)
walks the profile out to coefficients whose linear predictors overflow; each such point's working weights were
inf / inf, NaN, and their product with the design printed numpy's "invalid value encountered in matmul" eight
times beside glmstat's ``ProfileWarning`` (the point itself is refused as invalid, so nothing else changed).  The
product is now taken under the same ``np.errstate`` as the weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmstat as gs

RNG = np.random.default_rng(0)
D = pd.DataFrame({"y": RNG.poisson(3, 60).astype(float), "x": RNG.normal(size=60), "z": RNG.normal(size=60),
                  "g": np.resize(["a", "b", "c"], 60)})


def test_no_numpy_warning_from_a_profile_of_tiny_weights():
    fit = gs.glm("y ~ x + z + g", D, family=gs.Poisson(), weights=np.full(60, 1e-20))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit.conf_int(method="profile", parm=["x"])
    foreign = [str(w.message) for w in caught if not issubclass(w.category, gs.GLMStatWarning)]
    assert foreign == []
    assert any("profile limit of 'x'" in str(w.message) for w in caught)
