"""Hostile hypotheses for ``fit.wald_test``: text whose numbers double precision cannot hold (10^400, 0^-1,
1e999 - 1e999), or that Python's own arithmetic would make complex ((-8)^(1/3)); matrices and right-hand sides
of complex numbers, strings or Python ints beyond double precision; entries so large that L V L' overflows, or
so small that it underflows to a singular matrix.

Every one is refused with a GLMStatError -- never a complex right-hand side, a NaN statistic, a raw
OverflowError, ZeroDivisionError or LinAlgError, or a leaked numpy warning.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "g": list("aabbccdd")})


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    return gs.glm("y ~ x + g", D)  # columns Intercept, x, g[T.b], g[T.c], g[T.d]


def refused(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ComplexWarning, RuntimeWarning: overflow in matmul
        with pytest.raises(gs.GLMStatError) as info:
            call()
    assert re.search(match, str(info.value)), str(info.value)


@pytest.mark.parametrize("hypothesis,match", [
    ("x = (-8)^(1/3)", r"'x = \(-8\)\^\(1/3\)' has the constant nan, not a finite number"),  # R: NaN
    ("x = 1e999 - 1e999", "'x = 1e999 - 1e999' has the constant nan, not a finite number"),
    ("x = 10^400", "'x = 10\\^400' has the constant inf, not a finite number"),
    ("x = 0^-1", "'x = 0\\^-1' has the constant inf, not a finite number"),
    ("x = -(2^1024)", "has the constant -inf"),
    ("1e308*x + 1e308*x = 0", "has the coefficient inf on x, not a finite number"),
    ("x/1e-320 = 1", "has the coefficient inf on x"),
    ("1e400*x = 0", "has the coefficient inf on x, not"),  # (not "nan on Intercept": inf * 0 off x)
    ("g[T.c] * 1e308 * 10 - x = 0", r"has the coefficient inf on g\[T.c\], not"),
])
def test_hypothesis_text_with_numbers_no_double_holds(fit, hypothesis, match):
    refused(lambda: fit.wald_test(hypothesis), match)


@pytest.mark.parametrize("matrix,rhs,match", [
    (np.array([[0, 1e308, 1e308, 0, 0]]), None, "cannot be tested in double precision: .* overflows"),
    (np.array([[0, 1e200, 0, 0, 0]]), None, "cannot be tested in double precision"),
    (np.array([[0, 1e-320, 0, 0, 0]]), None, "degenerate: the covariance L V L' of L b is singular"),
    (np.array([[0, 1e-170, 0, 0, 0]]), None, "degenerate"),  # a subnormal variance: precision lost
    (np.array([[0, 1j, 0, 0, 0]]), None, "the hypothesis matrix holds complex numbers"),
    (pd.DataFrame({"x": [1 + 0j]}), None, "the hypothesis matrix holds complex numbers"),
    ([[0, 10**400, 0, 0, 0]], None, "the hypothesis matrix must be finite real numbers, got values of type object"),
    ([[0, "1", 0, 0, 0]], None, "the hypothesis matrix must be finite real numbers"),
    ([[0, 1, 0, 0, 0]], 1 + 2j, "rhs holds complex numbers"),
    ([[0, 1, 0, 0, 0]], 10**400, "rhs must be finite real numbers"),
    ([[0, 1, 0, 0, 0]], "1", "rhs must be finite real numbers"),
])
def test_hypothesis_matrices_no_double_can_test(fit, matrix, rhs, match):
    refused(lambda: fit.wald_test(matrix, rhs=rhs), match)


@pytest.mark.parametrize("hypotheses", [["x = 0"] * 300_000, np.tile([0.0, 1, 0, 0, 0], (300_000, 1))],
                         ids=["text", "matrix"])
def test_more_hypotheses_than_coefficients_are_refused_before_they_are_read(fit, hypotheses, monkeypatch):
    from glmstat.inference import hypotheses as module

    def unread(*args, **kwargs):  # (each text was parsed first: 10 s)
        raise AssertionError("a hypothesis text was parsed before the count was checked")

    monkeypatch.setattr(module, "hypothesis_matrix", unread)
    refused(lambda: fit.wald_test(hypotheses), "^300,000 hypotheses on 5 coefficients: at most 5 can be linearly "
                                               "independent")


@pytest.mark.parametrize("chain", [600, 3000])
def test_a_long_chain_of_terms_in_a_hypothesis_is_read_without_recursion(fit, chain):
    """A side's top-level ``+``/``-`` chain (12 KB, under max_length) is walked iteratively: it raised a raw
    RecursionError from the recursive walk of the side."""
    long = fit.wald_test("x" + " + 0 - 0" * (chain // 2) + " = 0")
    assert long.statistic == pytest.approx(fit.wald_test("x = 0").statistic, rel=1e-12)


def test_a_long_chain_inside_parentheses_of_a_hypothesis_is_refused_by_the_depth_limit(fit):
    """Inside parentheses every operator counts against max_depth: refused with a GLMStatError, not a
    RecursionError."""
    refused(lambda: fit.wald_test("x - (0" + " + 0" * 3000 + ") = 0"), "max_depth")


def test_the_html_of_a_wald_test_escapes_control_and_bidi_characters_of_its_hypotheses():
    """A hypothesis names a column, which may hold an ESC or a bidi override (U+202E): the notebook's HTML shows
    them as R's escapes, as every other ``_repr_html_`` (``html.escape`` alone let them through raw)."""
    name = "x\x1bc\u202e<b>"
    d = D.assign(**{name: D["x"] ** 2})
    test = gs.glm(f"y ~ x + `{name}`", d).wald_test(f"`{name}` = 0")
    out = test._repr_html_()
    assert "\x1b" not in out and "\u202e" not in out
    assert "`x\\033c\\u202e&lt;b&gt;` = 0" in out  # (the hypothesis is shown, escaped: not vacuous)
