"""R's sequence operator between two numbers inside a call: ``factor(k, levels = 1:9)``, ``k %in% 2:4``,
``c(9, 1:8)`` (steps of 1 towards the end, R's tolerance; ``-1:3`` is ``(-1):3``).  It was refused as an
interaction.  The numbers are R's (tests/fixtures/sequences, from make_sequences.R)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "sequences"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.DataFrame({"k": [1, 3, 5, 7, 9], "x": [0.5, 1, 2, 3, 3.5]})


def _r_name(name: str) -> str:
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_sequences_inside_calls_as_r(ref):
    fit = gs.glm(ref["formula"], DATA, family=gs.Poisson())
    assert list(fit.term_labels) == list(np.atleast_1d(ref["labels"]))
    assert [_r_name(n).replace("True", "TRUE") for n in fit.coef.index] == ref["coef_names"]
    assert_close(fit.coef, ref["coef"])
    assert_close(np.asarray(fit.predict(NEW, type="link"), dtype=float), ref["predict_link"])


@pytest.mark.parametrize("formula, match", [
    ("y ~ I(k %in% 1:1e9)", "the sequence 1:1e\\+09 has more values .* than the formula may have characters"),
    ("y ~ I(k %in% c(" + ", ".join(["1:9999"] * 3) + "))", "the sequence 1:9999 has more values"),
    ("y ~ I(k %in% NA:3)", "a sequence needs two numbers, not NA"),
    # (the count of the values, int(NaN), was a ValueError)
    ("y ~ I(k %in% Inf:Inf)", "Inf:Inf: a sequence needs finite numbers; from Inf to Inf has no length"),
    ("y ~ I(k %in% -Inf:-Inf)", "a sequence needs finite numbers; from -Inf to -Inf has no length"),
    ("y ~ I(k %in% x:3)", "':' \\(interaction\\) cannot be used inside a function call"),
])
def test_sequences_refused(formula, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(formula, DATA, family=gs.Poisson())
