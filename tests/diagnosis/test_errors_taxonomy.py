"""One error and warning taxonomy: every user-facing error is a gs.GLMStatError (a ValueError), every warning a
gs.GLMStatWarning; library exceptions (pandas, numpy, user functions in context=) are wrapped with
the original chained; the taxonomy is documented in docs/errors.md."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import REPO
from glmstat import errors

ERRORS = [getattr(errors, n) for n in errors.__all__ if not issubclass(getattr(errors, n), Warning)]
WARNINGS = [getattr(errors, n) for n in errors.__all__ if issubclass(getattr(errors, n), Warning)]
DOC = REPO / "docs" / "errors.md"


def test_taxonomy_shape():
    assert {c.__name__ for c in ERRORS} >= {"GLMStatError", "FormulaError", "DataError", "FamilyError", "FitError"}
    assert {c.__name__ for c in WARNINGS} >= {"GLMStatWarning", "SeparationWarning", "ConvergenceWarning",
                                              "DroppedRowsWarning", "AliasingWarning", "BoundaryWarning",
                                              "PerfectFitWarning", "DataWarning"}
    for cls in ERRORS:
        assert issubclass(cls, gs.GLMStatError) and issubclass(cls, ValueError)
    for cls in WARNINGS:
        assert issubclass(cls, gs.GLMStatWarning) and issubclass(cls, UserWarning)


@pytest.mark.parametrize("cls", ERRORS + WARNINGS, ids=lambda c: c.__name__)
def test_every_class_is_exported_and_documented(cls):
    assert getattr(gs, cls.__name__) is cls and cls.__name__ in gs.__all__
    assert inspect.getdoc(cls)
    assert f"`{cls.__name__}`" in DOC.read_text(), f"{cls.__name__} missing from docs/errors.md"


def _bad_function(x):
    raise ZeroDivisionError("inside the user's function")


D = pd.DataFrame({"y": [0, 1, 0, 1, 1.0], "x": [1.0, 2, 3, 4, 5], "g": list("aabbc")})


@pytest.mark.parametrize("call,cls,cause", [
    (lambda: gs.glm("y ~ f(x)", D, context={"f": _bad_function}), gs.FormulaError, ZeroDivisionError),
    (lambda: gs.glm("f(y) ~ x", D, context={"f": _bad_function}), gs.FormulaError, ZeroDivisionError),
    # (columns of unequal lengths are now counted before pandas reads them; a column of rows is still pandas')
    (lambda: gs.glm("y ~ x", {"y": [[1.0, 2.0], [3.0, 4.0]], "x": [1.0, 2.0]}), gs.DataError, ValueError),
    (lambda: gs.NegativeBinomial(theta=10**400), gs.FamilyError, OverflowError),
    # (a Tweedie power, a Power link's or a theta that is not a number is refused before float() reads it, no
    # library exception to chain: tests/formula/test_input_validation.py, test_tweedie_powers_must_be_numbers, and
    # tests/security/test_number_arguments.py)
], ids=["context-function", "context-function-lhs", "dict-2d-column", "theta-beyond-double"])
def test_library_exceptions_are_wrapped_and_chained(call, cls, cause):
    with pytest.raises(cls) as info:
        call()
    chain, e = [], info.value.__cause__
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    assert chain, "the original exception is not chained"
    assert any(isinstance(e, cause) for e in chain), chain


@pytest.mark.parametrize("call", [
    lambda: gs.glm("y ~ nope", D),                                  # KeyError in a raw lookup
    lambda: gs.glm("y ~ x", D, weights="nope"),                     # KeyError
    lambda: gs.glm("y ~ 0 + z", D.assign(z=0.0)),                   # singular / empty design: LinAlgError
    lambda: gs.glm("y ~ x", D.assign(x=np.inf)),                    # non-finite: LinAlgError / ValueError
    lambda: gs.glm("y ~ g", D.assign(g=pd.date_range("2020", periods=5))),  # numpy ufunc type error
    lambda: gs.glm("y ~ x", D, family=gs.Binomial(), weights=np.zeros(5)),   # empty reductions
    lambda: gs.glm("y ~ x", D, family=gs.NegativeBinomial(), start=[0.0]),   # shape mismatch
    lambda: gs.glm("y ~ x", D.iloc[:0]),                            # empty frame
    lambda: gs.glm("y ~ x", D, family=gs.Binomial(), offset=np.ones((5, 2))),  # shape
], ids=["missing-column", "missing-weights-column", "all-zero-design", "inf", "dates", "zero-weights",
        "start-shape", "empty", "offset-shape"])
def test_no_raw_library_exception_reaches_the_user(call):
    with pytest.raises(gs.GLMStatError) as info:
        call()
    assert str(info.value)  # and it says what happened


def test_results_argument_errors_are_in_the_taxonomy():
    fit = gs.glm("y ~ x", D, family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="unknown residual kind 'raw'"):
        fit.residuals("raw")
    with pytest.raises(gs.GLMStatError, match="level must be between 0 and 1, got 95"):
        fit.conf_int(level=95)


@pytest.mark.parametrize("cls", [gs.DataError, gs.MissingDependencyError, gs.AliasingWarning, gs.DataWarning])
def test_messages_print_control_characters_escaped(cls):
    # a message quotes names of someone else's data: ESC (a terminal control sequence), CR, a bidi override and a
    # line break print as R's encodeString escapes them (a message is one line); its backslashes stay
    raw = "column 'a\x1b[2Jb\rc\u202ed' in C:\\data\nsee below"
    assert str(cls(raw)) == "column 'a\\033[2Jb\\rc\\u202ed' in C:\\data\\nsee below"
    assert str(cls("plain")) == "plain"


def test_a_fit_warns_with_hostile_names_escaped():
    d = pd.DataFrame({"y": np.arange(6.0), "a\x1b[31mred": np.ones(6)})
    with pytest.warns(gs.AliasingWarning) as seen:
        gs.glm("y ~ .", d)
    assert "\x1b" not in str(seen[0].message) and "a\\033[31mred" in str(seen[0].message)


def test_a_fit_keeps_its_notes_in_the_words_its_warnings_print():
    """fit.notes are the summary's warnings: a separation note quoted a level's ESC and bidi override raw
    (the warning and the summary escaped them), so printing fit.notes wrote them to the terminal."""
    level = "b\x1b[2J\u202e"
    d = pd.DataFrame({"y": [0.0] * 4 + [1.0] * 4, "g": ["a"] * 4 + [level] * 4, "x": [1.0, 2, 3, 4, 1, 2, 3, np.nan]})
    with pytest.warns(gs.GLMStatWarning) as seen:
        fit = gs.glm("y ~ g + x", d, family=gs.Binomial())
    warned = [str(w.message) for w in seen if issubclass(w.category, gs.GLMStatWarning)]
    assert any(issubclass(w.category, gs.SeparationWarning) for w in seen)
    assert len(fit.notes) == 2 and set(fit.notes) <= set(warned)
    assert all("\x1b" not in n and "\u202e" not in n for n in fit.notes)
    assert any("g[T.b\\033[2J\\u202e]" in n for n in fit.notes)
