"""Integer literals (``2L``, ``12345L``, ``0x10L``) in a formula: R's term labels and coefficient names write
the value without its ``L`` (``poly(x, 2L)`` is labelled ``poly(x, 2)``), the Call line keeps it as R's deparse
of the call does.  deparse() is cached by node and ``poly(x, 2L)`` equals ``poly(x, 2)`` (R's terms match them
as one variable), so the text used to depend on which spelling the process had met first: after a fit of
``poly(x, 2L)`` every ``poly(x, 2)`` was labelled ``poly(x, 2L)``, and ``I(2 * x)`` ``I(2L * x)``.  The
references are R's (tests/fixtures/integer_literals, from make_integer_literals.R).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.report.call import call_text

HERE = FIXTURES / "integer_literals"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.DataFrame({"x": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5], "y": [1.0, 3, 2, 5, 4, 6, 8, 7]})


def _r_name(name: str) -> str:
    """glmstat's column name as R writes it: 'Intercept' -> '(Intercept)', 'poly(x, 2)[1]' -> 'poly(x, 2)1'."""
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


def _formula_in_call(text: str) -> str:
    return re.search(r"formula = (.*?), family = ", " ".join(text.split())).group(1)


def test_labels_names_and_call_line_as_r_whatever_was_parsed_before():
    # every spelling in one process, in both orders: the text of one must not leak into the other's
    for ref in REF + REF[::-1]:
        fit = gs.glm(ref["formula"], DATA)
        assert list(fit.term_labels) == list(np.atleast_1d(ref["labels"]))
        assert [_r_name(n) for n in fit.coef.index] == ref["coef_names"]
        assert_close(fit.coef, ref["coef"])
        assert _formula_in_call(call_text(fit)) == _formula_in_call(ref["call"])


def test_an_integer_literal_reads_back_as_the_same_model():
    fit = gs.glm("y ~ poly(x, 2L) + I(x %/% 2L)", DATA)
    again = fit.update("~ .")
    assert again.formula == "y ~ poly(x, 2) + I(x%/%2)"
    assert_close(again.coef, fit.coef.to_numpy(), rtol=1e-12)
