"""R names that are not Python names: dotted names and Python keywords used as column names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula import quote_r_names


@pytest.mark.parametrize("expr, everywhere, in_calls", [
    ("class", "`class`", "class"),
    ("log(MPG.city)", "log(`MPG.city`)", "log(`MPG.city`)"),
    ("np.log(x.y)", "np.log(`x.y`)", "np.log(`x.y`)"),
    ("np.pi * a.b", "np.pi * `a.b`", "np.pi * a.b"),
    ("`Solar.R` + 1.5 * .5", "`Solar.R` + 1.5 * .5", "`Solar.R` + 1.5 * .5"),
    ("as.numeric(x)", "as.numeric(x)", "as.numeric(x)"),
    ("x.1 + .x", "`x.1` + `.x`", "x.1 + .x"),
])
def test_quote_r_names(expr, everywhere, in_calls):
    assert quote_r_names(expr) == everywhere
    assert quote_r_names(expr, inside_calls_only=True) == in_calls


def _data():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 5, 40)
    return pd.DataFrame({"class": np.where(x + rng.normal(0, 1, 40) > 3, "b", "a"), "x.val": x,
                         "t.off": rng.uniform(1, 2, 40)})


def test_keyword_and_dotted_names_fit_like_their_backticked_forms():
    d = _data()
    plain = gs.glm("class ~ log(x.val) + offset(log(t.off))", d, family=gs.Binomial())
    quoted = gs.glm("`class` ~ log(`x.val`) + offset(log(`t.off`))", d, family=gs.Binomial())
    np.testing.assert_array_equal(plain.coef.to_numpy(), quoted.coef.to_numpy())
    assert plain.deviance == quoted.deviance
