"""A column name or a string in the formula that holds a backtick, a quote or a bracket does not change which
terms ``drop1`` may drop.

``drop1`` keeps marginality as R's ``drop.scope``: a main effect is not dropped while an interaction holding it
is in the model.  It found a term's variables by splitting its label at ``:``, skipping brackets and
backtick-quoted names, but read a backslash-escaped backtick (a column named with a backtick, as a CSV header
from someone else may be) as the end of the name, and a bracket inside a string literal as a bracket: the
interaction was then one variable, and ``drop1`` listed (and refitted) the main effects under it, where R lists
the interaction only.  R 4.x, for the same models (``rownames(drop1(f))``)::

    y ~ `a\\``*b          "<none>"  "`a\\``:b"
    y ~ I(g == ")")*b     "<none>"  "I(g == \\")\\"):b"
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.inference.anova import drop_scope


def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 40
    return pd.DataFrame({"y": rng.normal(size=n), "a`": rng.normal(size=n), "b": rng.normal(size=n),
                         "c:d": rng.normal(size=n), "g": ["(", ")", "x", "y"] * 10})


@pytest.mark.parametrize("formula, interaction", [
    ("y ~ `a\\``*b", "`a\\``:b"),
    ('y ~ I(g == ")")*b', 'I(g == ")"):b'),
    ("y ~ I(g == '(')*b", 'I(g == "("):b'),
    ("y ~ `c:d`*b", "`c:d`:b"),
])
def test_drop1_keeps_the_main_effects_under_their_interaction(formula, interaction):
    fit = gs.glm(formula, data())
    assert fit.term_labels[-1] == interaction  # (R's label, as above)
    assert list(fit.drop1().index) == ["<none>", interaction]


def test_drop_scope_reads_escapes_and_strings_in_labels():
    assert drop_scope(["`a\\``", "b", "`a\\``:b"]) == ["`a\\``:b"]
    assert drop_scope(['I(g == ")")', "b", 'I(g == ")"):b']) == ['I(g == ")"):b']
    assert drop_scope(['I(g == "\\":")', "b", 'I(g == "\\":"):b']) == ['I(g == "\\":"):b']
    # a variable whose name ends in a backslash, then another: two variables
    assert drop_scope(["`a\\\\`", "b", "`a\\\\`:b"]) == ["`a\\\\`:b"]
    assert drop_scope(["a", "b", "a:b"]) == ["a:b"]  # (unchanged)
