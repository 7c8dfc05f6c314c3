"""factor() of whole numbers of 16 digits or more, as R's (tests/fixtures/factor_large_numbers, from
make_factor_large_numbers.R).  R's levels are the numbers' texts: numbers alike to 15 significant digits are one
level (0.1 + 0.2 and 0.3; 1000000000000001 and 1000000000000002, both "1e+15"), but R writes a whole number in
full where fixed notation is the narrower, so 1234567890123456 and 1234567890123457 are two levels.  glmstat
grouped by 15 significant digits alone and merged them: three ids made one level, silently another model.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "factor_large_numbers"
REF = json.loads((HERE / "ref.json").read_text())


def _r_name(name: str) -> str:
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


@pytest.mark.parametrize("ids", ["int64", "float64"])
@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_factor_of_large_whole_numbers_as_r(ref, ids):
    d = pd.read_csv(HERE / "data.csv", dtype={"id": np.int64})
    if ids == "float64":  # (every id of the data is a double: the same levels)
        d["id"] = d["id"].astype(np.float64)
    fit = gs.glm(ref["formula"], d, family=gs.Poisson())
    assert fit.nobs == ref["nobs"]
    assert [_r_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert_close(fit.coef, ref["coef"])
    assert_close([fit.deviance], [ref["deviance"]])


def test_numbers_alike_to_15_digits_below_1e15_stay_one_level():
    d = pd.DataFrame({"x": [0.1 + 0.2, 0.3, 0.5, 0.5, 0.3, 0.1 + 0.2], "y": [1.0, 2, 3, 4, 5, 6]})
    assert len(gs.glm("y ~ factor(x)", d).coef) == 2


def test_level_key_groups_numbers_as_r_texts_them():
    """number_level_key decides from the 15-digit value and R's choice of notation, without formatting: it must
    group exactly as the text (number_text, R's as.character) does."""
    from glmstat.formula.values import number_level_key, number_text

    rng = np.random.default_rng(20261202)
    values = np.concatenate([rng.uniform(1e15, 1e22, 3000), -rng.uniform(1e15, 1e19, 1000),
                             np.round(rng.uniform(1e15, 1e17, 3000)), 10.0 ** rng.integers(15, 300, 500),
                             10.0 ** rng.integers(15, 20, 500) * rng.integers(1, 99, 500), np.arange(1e15, 1e15 + 500),
                             2.0 ** np.arange(50, 70), rng.uniform(-1e6, 1e6, 1000)])
    for v in values.tolist():
        key, text = number_level_key(v), number_text(v)
        if "e" in text or abs(v) < 1e15:  # (one 15-digit value, however written)
            assert float(key) == float(text), (v, key, text)
        else:  # (R writes every digit: the key is the text)
            assert key == text, (v, key, text)
