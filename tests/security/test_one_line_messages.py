"""Every error and warning is one line, whatever line breaks the names it quotes hold.

A column name, a factor level or a coefficient name may come from someone else's file, and may hold a line
break.  The messages escaped every other control character of such a name but kept its line breaks, so a
message that quoted a name as it is -- the aliasing and separation warnings (their relations name
coefficients), "new data lacks the column(s) ...", "no complete rows ... (names)", "the formula calls ...(),
which is not a function" -- wrote the rest of the name as a line of its own: in a log, a line that could pass
for one the application wrote (``INFO: user admin logged in``).  A line break is now written ``\\n`` in every
message, as R's ``encodeString`` writes it, and in ``fit.notes``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

FORGED = "q\nINFO: user admin logged in"  # a column name that forges a log line
ESCAPED = "q\\nINFO: user admin logged in"
rng = np.random.default_rng(3)
N = 30
BASE = pd.DataFrame({"y": rng.normal(size=N), "x": rng.normal(size=N), "yb": np.tile([0, 1], N // 2)})


def _message(call) -> str:
    """The text of the GLMStatError or of the (first) GLMStatWarning ``call`` gives."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            call()
        except gs.GLMStatError as e:
            return str(e)
    ours = [w for w in seen if issubclass(w.category, gs.GLMStatWarning)]
    assert ours, "neither an error nor a warning"
    return str(ours[0].message)


CALLS = {
    "aliasing-warning": lambda: gs.glm(f"y ~ x + `{FORGED}`", BASE.assign(**{FORGED: BASE.x * 2})),
    "separation-warning": lambda: gs.glm(f"yb ~ `{FORGED}`", BASE.assign(**{FORGED: BASE.yb * 1.0}),
                                         family=gs.Binomial()),
    "new-data-lacks-a-column": lambda: gs.glm(f"y ~ `{FORGED}`", BASE.assign(**{FORGED: BASE.x})).predict(
        pd.DataFrame({"x": [1.0]})),
    "no-complete-rows": lambda: gs.glm(f"y ~ x + `{FORGED}`", BASE.assign(**{FORGED: np.nan})),
    "unknown-function": lambda: gs.glm(f"y ~ `{FORGED}`(x)", BASE),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_message_quoting_a_name_with_a_line_break_is_one_line(name):
    text = _message(CALLS[name])
    assert "\n" not in text and ESCAPED in text, text


def test_the_notes_of_a_fit_are_one_line_each():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(f"y ~ x + `{FORGED}`", BASE.assign(**{FORGED: BASE.x * 2}))
    assert fit.notes and all("\n" not in n for n in fit.notes) and ESCAPED in fit.notes[0]
    # the summary's text writes each note on a line of its own, the name escaped
    assert ESCAPED in str(fit.summary()) and "\nINFO:" not in str(fit.summary())
