"""A row's label (the data's index: a CSV's row names, the ids of a web request's records) in a message.

The refusals of a non-finite response, design column, offset or count and of a negative weight named the
first such row with Python's ``repr`` of its label: an int label of 5,000 digits raised Python's
``ValueError: Exceeds the limit (4300 digits) for integer string conversion`` in place of the refusal (a
foreign exception), and a label of a megabyte made a message of a megabyte.  Every row label now goes through
:func:`glmstat._arguments.shown_row`, as the values a message quotes go through ``shown``: cut to 60
characters, a huge int by its magnitude, a date by its text, any other object by its type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat._arguments import shown_row

N = 12
HUGE = 10**5000
LONG = "L" * 1_000_000
LABELS = {"huge-int": (HUGE, "an integer of about 1e5000"), "long-string": (LONG, repr("L" * 60 + "...")),
          "escape": ("r\x1b[2J\u202e", repr("r\x1b[2J\u202e")),
          "timestamp": (pd.Timestamp("2026-01-02 03:04:05"), "'2026-01-02 03:04:05'")}


def data(label) -> pd.DataFrame:
    index = pd.Index([label] + list(range(1, N)), dtype=object)
    return pd.DataFrame({"y": np.linspace(1.0, 4.0, N), "x": np.arange(1.0, N + 1), "s": np.arange(N) % 4 + 1.0,
                         "f": np.arange(N) % 3 + 1.0}, index=index)


def first(column: str, value: float):
    return lambda d: d.assign(**{column: [value] + d[column].tolist()[1:]})


SITES = {  # name: (formula, change of the data, glm keywords, family)
    "design-inf": ("y ~ x", first("x", np.inf), {}, None),
    "design-log0": ("y ~ log(x)", first("x", 0.0), {}, None),
    "response-inf": ("y ~ x", first("y", np.inf), {}, None),
    "weights-negative": ("y ~ x", None, {"weights": [-1.0] + [1.0] * (N - 1)}, None),
    "offset-inf": ("y ~ x", None, {"offset": [np.inf] + [0.0] * (N - 1)}, None),
    "count-negative": ("cbind(s, f) ~ x", first("s", -1.0), {}, gs.Binomial()),
    "count-inf": ("cbind(s, f) ~ x", first("f", np.inf), {}, gs.Binomial()),
}


@pytest.mark.parametrize("site", list(SITES))
@pytest.mark.parametrize("kind", list(LABELS))
def test_a_refusal_names_the_row_within_bounds(site, kind):
    label, text = LABELS[kind]
    formula, change, kwargs, family = SITES[site]
    d = data(label)
    if change is not None:
        d = change(d)
    with pytest.raises(gs.GLMStatError) as info:  # (was: ValueError for the huge int)
        gs.glm(formula, d, family=family, **kwargs)
    message = str(info.value)
    assert f"row {text}" in message, message
    assert len(message) < 400 and "\n" not in message and "\x1b" not in message and "\u202e" not in message


def test_the_labels_as_shown():
    assert shown_row(np.int64(7)) == "7" and shown_row(-HUGE) == "an integer of about -1e5000"
    assert shown_row(pd.Period("2026-03", freq="M")) == "'2026-03'"
    assert shown_row(np.datetime64("2026-01-02")) == "'2026-01-02'"
    assert shown_row(("a", 1)) == "('a', 1)"

    class Evil:
        def __repr__(self):  # (someone else's code: never run for a message)
            raise AssertionError("ran")

    assert shown_row(Evil()) == "a Evil"


def test_a_separation_message_names_rows_within_bounds():
    """The rows a quasi-complete separation fits exactly are named by :func:`row_labels_text`."""
    from glmstat.diagnosis.explain import row_labels_text

    text = row_labels_text(pd.Index([HUGE, LONG, "r\x1b"], dtype=object), 3)
    assert text == f"an integer of about 1e5000, {LABELS['long-string'][1]}, 'r\\x1b'"


@pytest.mark.parametrize("call", [
    lambda d: gs.glm("y ~ x", d),
    lambda d: gs.glm("y ~ .", d),
    lambda d: gs.glm("y ~ x", {c: d[c].to_numpy() for c in d.columns}),
    lambda d: gs.glm("y ~ x", d.drop(columns=[HUGE])).predict(d),
    lambda d: gs.glm("y ~ x", d.drop(columns=[HUGE])).update("~ .", data=d),
], ids=["glm", "dot", "dict", "predict", "update"])
def test_a_column_named_by_a_huge_int(call):
    # a column's label is written as text for the formula to name it: str() of an int of 5,000 digits raised
    # Python's ValueError (Exceeds the limit (4300 digits) for integer string conversion) in place of a refusal
    d = data(0).reset_index(drop=True).rename(columns={"f": HUGE})
    with pytest.raises(gs.DataError, match=r"^data has a column name that is an integer of about 1e5000, a number "
                                           "Python does not write as text; rename the column$"):
        call(d)
