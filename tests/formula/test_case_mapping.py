"""R's ``toupper()`` and ``tolower()`` against R 4.2 in a UTF-8 locale (tests/fixtures/case_mapping, made by
scripts/make_case_mapping.R): C's ``towupper`` and ``towlower`` of each character, one for one.

They were Python's full case mapping of the whole text: ``toupper("straße")`` was "STRASSE", one level with the
data's "STRASSE" where R keeps two (a coefficient fewer, and the others another contrast); ``tolower("ΟΔΟΣ")`` ended
in the final sigma, and ``tolower("İ")`` had two characters.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, expression_value, r_coef_name, r_double
from glmstat.formula.values import label_text

REF = json.loads((FIXTURES / "case_mapping" / "ref.json").read_text(encoding="utf-8"))


def _texts(expr: str) -> list[str]:
    v = expression_value(pd.DataFrame({"s": REF["texts"]}), expr)
    return [label_text(v.levels[c]) for c in v.codes]


def test_toupper_and_tolower_are_r_s():
    assert _texts("toupper(s)") == REF["upper"]
    assert _texts("tolower(s)") == REF["lower"]
    assert _texts("casefold(s, upper = TRUE)") == REF["upper"]


def test_a_fit_keeps_the_levels_r_keeps():
    fit = gs.glm("y ~ toupper(s)", pd.DataFrame(REF["data"]))
    assert [r_coef_name(n) for n in fit.coef.index] == REF["coef_names"]
    np.testing.assert_allclose(fit.coef, [r_double(t) for t in REF["coef"]], rtol=1e-12)
