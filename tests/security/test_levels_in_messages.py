"""A factor's level or a column's name quoted by a refusal is cut, as every level, name and row label a message
quotes is (a list of them: the first ten).

The refusal of a response, ``weights=`` or ``offset=`` column of text ("the response 'y' must be numeric, but it
holds ...") quoted the first level with Python's ``repr``, whole: a text of a megabyte in the data's first row
made a message of a megabyte (the threat model: a level is shown cut to 60 characters).  It now goes through
:func:`glmstat._arguments.shown`, as the levels of the other refusals do.  So do the columns that new data given
to ``predict()`` lacks: every one was listed whole (``y ~ .`` on a file's columns: thousands, of any length).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

N = 12
LONG = "L" * 1_000_000 + "\n\x1b[2J"
CUT = repr("L" * 60 + "...")


def data() -> pd.DataFrame:
    return pd.DataFrame({"t": [LONG] + ["b"] * (N - 1), "y": np.linspace(1.0, 4.0, N), "x": np.arange(1.0, N + 1),
                         "s": np.arange(N) % 4 + 1.0})


SITES = {  # name: (formula, glm keywords, family, what the message names)
    "response": ("t ~ x", {}, None, "the response 't'"),
    "binomial-counts": ("cbind(t, s) ~ x", {}, gs.Binomial(), "the response 't'"),
    "weights": ("y ~ x", {"weights": "t"}, None, "weights column 't'"),
    "offset": ("y ~ x", {"offset": "t"}, None, "offset column 't'"),
}


@pytest.mark.parametrize("site", list(SITES))
def test_a_level_of_a_megabyte_is_quoted_cut(site):
    formula, kwargs, family, what = SITES[site]
    with pytest.raises(gs.DataError) as info:
        gs.glm(formula, data(), family=family, **kwargs)
    message = str(info.value)
    assert f"{what} must be numeric, but it holds {CUT}" in message, message[:300]
    assert len(message) < 300 and "\n" not in message


def test_the_columns_new_data_lacks_are_listed_cut():
    names = [f"c{k}_" + "N" * 100_000 for k in range(40)]
    d = pd.DataFrame(np.random.default_rng(0).normal(size=(N, 41)), columns=["y"] + names)
    fit = gs.glm("y ~ .", d.iloc[:, :41])
    with pytest.raises(gs.DataError) as info:
        fit.predict(d[["y"]])
    message = str(info.value)
    assert message.startswith("new data lacks the column(s) 'c0_NNN") and "(40 of them)" in message, message[:300]
    assert len(message) < 1000


def _aliased_fit():
    """y ~ x + 30 columns of 10,000-character names, each 2 x: every one aliased."""
    names = [f"a{k}_" + "A" * 10_000 for k in range(30)]
    base = data()[["y", "x"]]
    d = pd.concat([base] + [pd.DataFrame({name: base.x * 2}) for name in names], axis=1)
    with pytest.warns(gs.AliasingWarning):
        fit = gs.glm("y ~ .", d)
    return fit, names


@pytest.mark.parametrize("method", ["vif", "anova-type-3", "wald-test"])
def test_the_aliased_coefficients_a_refusal_names_are_listed_cut(method):
    fit, names = _aliased_fit()
    call = {"vif": lambda: fit.vif(), "anova-type-3": lambda: fit.anova(type=3, test="Chisq"),
            "wald-test": lambda: fit.wald_test(f"`{names[0]}` = 0")}[method]
    with pytest.raises(gs.GLMStatError) as info:
        call()
    message = str(info.value)
    assert "'a0_AAA" in message and len(message) < 1500, message[:300]


def test_the_aliasing_warning_cuts_the_names_of_its_relations():
    # the relation "a0_AAA... = 2 * x" repeated each aliased column's name whole: 30 names of 10,000 characters
    with pytest.warns(gs.AliasingWarning) as seen:
        fit = gs.glm("y ~ .", pd.concat([data()[["y", "x"]], pd.DataFrame({"a_" + "A" * 10_000: data().x * 2})],
                                       axis=1))
    message = str(next(w.message for w in seen if issubclass(w.category, gs.AliasingWarning)))
    assert "a_" + "A" * 58 + "... = 2 * x" in message and len(message) < 300, message[:300]
    assert fit.aliasing[0].relation == "a_" + "A" * 10_000 + " = 2 * x"  # (the relation itself whole)


@pytest.mark.parametrize("kind", ["one column", "levels"])
def test_the_separation_warning_cuts_the_names_it_quotes(kind):
    # a column named by a file's header (a megabyte long) was quoted four times: a 4 MB SeparationWarning
    long = "L" * 1_000_000
    x = np.arange(24.0)
    if kind == "one column":
        frame, formula = pd.DataFrame({"yb": (x > 11).astype(int), long: x}), "yb ~ ."
    else:
        frame = pd.DataFrame({"yb": [0, 1] * 12, long: ["a"] * 8 + ["b"] * 8 + ["c"] * 8})
        frame.loc[frame[long] == "c", "yb"] = 1
        formula = "yb ~ ."
    with pytest.warns(gs.SeparationWarning) as seen:
        fit = gs.glm(formula, frame, family=gs.Binomial())
    message = str(next(w.message for w in seen if issubclass(w.category, gs.SeparationWarning)))
    assert "L" * 60 + "..." in message and len(message) < 1_000, message[:300]
    assert any(len(c) >= 1_000_000 for c in fit.separation.columns)  # (the names themselves whole)
