"""glmstat's own formula grammar: R's terms() for the formula algebra, R's precedence and deparse for
expressions, Python spellings users bring along, and the limits that are checked before any work is done.
Reference for terms: R 4.2's terms() (tests/fixtures/scripts/make_terms_fixtures.R)."""

from __future__ import annotations

import json
import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.formula.deparse import deparse
from glmstat.formula.nodes import BinOp, Name, Num, Unary
from glmstat.formula.parser import parse, parse_expression
from glmstat.formula.terms import expand_terms

TERMS = json.loads((FIXTURES / "formula" / "terms.json").read_text())
COLUMNS = ("y", "a", "b", "c", "d", "t", "u", "x", "g")


def _labels(x) -> list[str]:
    return x if isinstance(x, list) else [x]


@pytest.mark.parametrize("ref", TERMS, ids=[r["formula"] for r in TERMS])
def test_terms_are_r_terms(ref):
    terms = expand_terms(parse(ref["formula"]), COLUMNS)
    assert list(terms.labels) == _labels(ref["labels"])
    assert terms.intercept == ref["intercept"]
    assert [deparse(o) for o in terms.offsets] == _labels(ref["offsets"])


@pytest.mark.parametrize("text, tree", [
    ("-a^2", Unary("-", BinOp("^", Name("a"), Num(2.0, "2")))),  # ^ binds tighter than unary minus
    ("-a:b", BinOp(":", Unary("-", Name("a")), Name("b"))),  # unary minus tighter than :
    ("a^b^c", BinOp("^", Name("a"), BinOp("^", Name("b"), Name("c")))),  # right to left
    ("a - b - c", BinOp("-", BinOp("-", Name("a"), Name("b")), Name("c"))),
    ("!a > b", Unary("!", BinOp(">", Name("a"), Name("b")))),  # ! looser than comparisons
    ("a | b & c", BinOp("|", Name("a"), BinOp("&", Name("b"), Name("c")))),
    ("a * b %in% c", BinOp("*", Name("a"), BinOp("%in%", Name("b"), Name("c")))),
    ("a + b * c", BinOp("+", Name("a"), BinOp("*", Name("b"), Name("c")))),
    ("2^-1", BinOp("^", Num(2.0, "2"), Unary("-", Num(1.0, "1")))),
    ("x**2", BinOp("^", Name("x"), Num(2.0, "2"))),  # Python's spelling of ^
    ("x % 2", BinOp("%%", Name("x"), Num(2.0, "2"))),  # a lone % is Python's modulo
    ("x // 2", BinOp("%/%", Name("x"), Num(2.0, "2"))),
    ("`a b` + MPG.city", BinOp("+", Name("a b"), Name("MPG.city"))),
])
def test_r_precedence(text, tree):
    assert parse_expression(text) == tree


@pytest.mark.parametrize("text, r_text", [  # R 4.2: deparse(quote(<text>))
    ("I(x^2)", "I(x^2)"), ("I(x ** 2)", "I(x^2)"), ("log(hp,10)", "log(hp, 10)"),
    ("relevel(f, ref='6')", 'relevel(f, ref = "6")'), ("I(x/2)", "I(x/2)"), ("I(x*2)", "I(x * 2)"),
    ("I(x%%2)", "I(x%%2)"), ("I(1e-3 * x)", "I(0.001 * x)"), ("I(x > 2 & x<5)", "I(x > 2 & x < 5)"),
    ("exp(-x)", "exp(-x)"), ("poly(x, 2, raw = TRUE)", "poly(x, 2, raw = TRUE)"), ("`my col`", "`my col`"),
    ("a:b", "a:b"), ("I((x + 1)^2)", "I((x + 1)^2)"), ("!x", "!x"), ("x %in% c(1, 2)", "x %in% c(1, 2)"),
])
def test_deparse_is_r(text, r_text):
    assert deparse(parse_expression(text)) == r_text


@pytest.mark.parametrize("formula, message", [
    ("y x", "must have one '~'"),
    ("~ x", "has no response"),
    ("y ~ ", "terms on the right"),
    ("y ~ x ~ z", "must have one '~'"),
    ("y ~ x +", "ends where a term is expected at position 8"),
    ("y ~ (x", "a '\\)' is missing"),
    ("y ~ f(x,", "ends where a term is expected"),
    ("y ~ x[[1]]", "'\\[\\[' \\(an element of a list\\)"),  # (x[i] is R's subscript: test_level_subscripts.py)
    ("y ~ x[1, 2]", "takes one subscript"),
    ("y ~ x[1", "a '\\]' is missing"),
    ("y ~ x$a", "unexpected character '\\$'"),
    ("y ~ x # comment", "'#'"),
    ("y ~ 'unterminated", "unterminated string"),
    ("y ~ `x", "unterminated backtick name"),
    ("y ~ ``", "empty backtick name"),
    ("y ~ x %o% z", "the operator '%o%'"),
    ("y ~ a < b < c", "comparisons cannot be chained"),
    ("y ~ x\u2212z", "U\\+2212"),  # a minus sign that looks like '-'
    ("y ~ x\x00", "U\\+0000"),
    ("y ~ 2", "the number 2 stands where a term is expected"),
    ("y ~ 'a'", "the string \"a\" stands where a term is expected"),
    ("y ~ (a + b)^x", "invalid power in formula"),
    ("y ~ f(x, k = 1, k = 2)", "given twice"),
    ("y ~ f(k = 1, x)", "positional argument follows a named one"),
    ("y ~ x ** ** 2", "position 10 \\(near '\\*\\*'\\)"),  # as the user spelled it, not the '^' it means
])
def test_syntax_errors_name_the_problem_and_position(formula, message):
    with pytest.raises(gs.FormulaError, match=message):
        expand_terms(parse(formula), COLUMNS)


#: What a refused call may allocate (Python's allocations, traced): the expansions the limits guard against
#: take gigabytes or never finish, so memory, not a timing on a shared machine, shows the refusal came first.
REFUSAL_BYTES = 64 * 2**20


def _quick(call):
    """The message of the FormulaError ``call`` raises, checked to come before any large allocation."""
    tracemalloc.start()
    try:
        with pytest.raises(gs.FormulaError) as info:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < REFUSAL_BYTES, peak
    return str(info.value)


def test_term_count_is_checked_before_expanding():
    rhs = " + ".join(f"x{i}" for i in range(26))
    d = pd.DataFrame({f"x{i}": [1.0, 2.0] for i in range(26)} | {"y": [0.0, 1.0]})
    msg = _quick(lambda: gs.glm(f"y ~ ({rhs})^26", d))
    assert "the limit max_terms is 2,000" in msg and "glmstat.FormulaLimits(max_terms=...)" in msg
    _quick(lambda: gs.glm("y ~ " + "*".join(f"x{i}" for i in range(26)), d))


def test_nested_powers_of_a_few_variables_are_bounded_by_their_work():
    """Ten variables make at most 1,023 terms, which the term bound lets through; but each level of nested powers
    joins all of them with all of them again (40 s for 90 levels before the work was counted)."""
    d = pd.DataFrame({f"x{i}": [1.0, 2.0, 3.0] for i in range(10)} | {"y": [0.0, 1.0, 3.0]})
    rhs = "(" + " + ".join(f"x{i}" for i in range(10)) + ")"
    for _ in range(90):
        rhs = f"({rhs})^1000000"
    msg = _quick(lambda: gs.glm(f"y ~ {rhs}", d))
    assert "join more pairs of terms than max_terms allows" in msg and "FormulaLimits(max_terms=...)" in msg
    # R's nested powers of five variables (31 terms) still expand
    assert len(expand_terms(parse("y ~ ((((a + b)^2 + c)^2 + d)^3 + e)^3"), COLUMNS).terms) == 31


@pytest.mark.parametrize("formula, limit", [
    ("y ~ " + "(" * 300 + "x" + ")" * 300, "max_depth"),
    ("y ~ " + "log(" * 300 + "x" + ")" * 300, "max_depth"),
    ("y ~ I(" + "-" * 100_000 + "x)", "max_length"),
    ("y ~ I(" + "-" * 5_000 + "x)", "max_depth"),
    ("y ~ x + " + "+".join(["x"] * 20_000), "max_length"),
])
def test_nesting_and_length_are_limited(formula, limit):
    d = pd.DataFrame({"x": [1.0, 2, 3], "y": [0.0, 1, 0]})
    assert limit in _quick(lambda: gs.glm(formula, d))


def test_a_long_sum_of_terms_is_not_nesting():
    d = pd.DataFrame({f"x{i}": np.arange(600.0) % (i + 2) for i in range(500)} | {"y": np.arange(600.0)})
    fit = gs.glm("y ~ " + " + ".join(f"x{i}" for i in range(500)), d)
    assert len(fit.coef) == 501


def test_design_size_is_checked_before_allocating():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"g": rng.integers(0, 3000, 6000).astype(str), "h": rng.integers(0, 3000, 6000).astype(str),
                      "x": rng.normal(size=6000), "y": rng.normal(size=6000)})
    assert "max_columns" in _quick(lambda: gs.glm("y ~ g:h", d))
    assert "max_basis" in _quick(lambda: gs.glm("y ~ poly(x, 5000)", d))
    assert "max_design_bytes" in _quick(lambda: gs.glm(
        "y ~ poly(x, 100)", d, limits=gs.FormulaLimits(max_design_bytes=10**6)))
    assert "max_basis" in _quick(lambda: gs.glm("y ~ bs(x, df = 1000000)", d))
    assert "df (at most the number of distinct values) must be a whole number from 1 to 6" in _quick(
        lambda: gs.glm("y ~ bs(x, df = 50)", d.iloc[:6]))


def test_design_memory_counts_the_fits_working_matrices():
    # 10 rows x 1,001 columns is an 80 kB design, but a fit holds about a dozen 1,001 x 1,001 matrices (8 MB
    # each): the estimate is rows x p x 8 + 12 p^2 x 8 = 80,080 + 96,192,096 bytes
    d = pd.DataFrame({f"x{i}": np.arange(10.0) + i for i in range(1000)} | {"y": np.arange(10.0)})
    formula = "y ~ " + " + ".join(f"x{i}" for i in range(1000))
    msg = _quick(lambda: gs.glm(formula, d, limits=gs.FormulaLimits(max_design_bytes=96_000_000)))
    assert "max_design_bytes" in msg and "96,272,176" in msg
    with pytest.warns(gs.AliasingWarning):
        assert len(gs.glm(formula, d, limits=gs.FormulaLimits(max_design_bytes=96_300_000)).coef) == 1001


def test_design_work_per_iteration_is_bounded():
    # a sum-coded 5,000-level factor is stored as codes, but the 4,999 columns of its contrasts make a dense
    # block of X'WX: 1.25e11 multiply-adds to solve it each iteration (minutes for a fit); the same factor
    # treatment-coded is stored as codes, its block diagonal, and is not counted
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"a": rng.integers(0, 5000, 20_000).astype(str), "y": rng.normal(size=20_000)})
    n_levels = d["a"].nunique()
    msg = _quick(lambda: gs.glm("y ~ C(a, sum)", d))
    assert f"the design's {n_levels - 1:,} columns of sum, Helmert or polynomial contrasts need more work" in msg
    assert f": {20_000 + (n_levels - 1) ** 3:,}, where the limit max_pass_work is 100,000,000,000" in msg
    # the same contrasts of a 1,000-level factor: 1e9 to solve
    d = pd.DataFrame({"a": np.arange(4000) % 1000, "y": rng.normal(size=4000)}).astype({"a": str})
    assert len(gs.glm("y ~ C(a, sum)", d).coef) == 1000
    # 1,000 rows x 101 columns: 10,201,000 multiply-adds
    d = pd.DataFrame({"x": rng.normal(size=1000), "y": rng.normal(size=1000)})
    msg = _quick(lambda: gs.glm("y ~ poly(x, 100)", d, limits=gs.FormulaLimits(max_pass_work=10_000_000)))
    assert ": 10,201,000, where the limit max_pass_work is 10,000,000" in msg
    assert len(gs.glm("y ~ poly(x, 100)", d, limits=gs.FormulaLimits(max_pass_work=10_201_000)).coef) == 101


def test_the_limits_hold_as_the_variables_are_evaluated():
    """A formula of many numeric terms is refused once the variables evaluated so far exceed a limit, before
    the next is evaluated: 1,900 terms I(z^k) on 200,000 rows held 3 GB of values (or ended in a MemoryError)
    before the design's check.  Counted by a context= function: 2,000 rows x 51 columns^2 pass 5.2e6, the
    52nd is refused."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"z": rng.uniform(0.5, 1.5, 2000), "y": rng.normal(size=2000)})
    calls = []

    def power(z, k):
        if len(z) == len(d):  # (not the halves on which the fit checks that each row's value is its own)
            calls.append(k)
        return z ** k

    formula = "y ~ " + " + ".join(f"power(z, {k})" for k in range(1, 201))
    limits = gs.FormulaLimits(max_pass_work=2000 * 51 * 51)
    with pytest.raises(gs.FormulaError, match=r"the formula's 52 numeric columns of their own on 2,000 rows need "
                                              r"more work .*: 5,408,000, where the limit max_pass_work is 5,202,000"):
        gs.glm(formula, d, context={"power": power}, limits=limits)
    assert len(calls) == 51  # (the intercept and 51 terms: refused as soon as the 52nd column exists)
    small = gs.glm(" + ".join(formula.split(" + ")[:50]), d, context={"power": power}, limits=limits)
    assert len(small.coef) == 51
    with pytest.raises(gs.FormulaError, match="the formula's numeric variables need more memory than allowed"):
        gs.glm(formula, d, context={"power": power}, limits=gs.FormulaLimits(max_design_bytes=2000 * 8 * 30))


def test_factors_count_against_the_memory_limit_as_they_are_evaluated():
    """A factor holds its codes (8 bytes a row) and its levels (32 bytes each at least): 100 terms factor(x + k)
    of a million distinct values held 5 GB (or ended in a MemoryError) before the design's check refused their
    columns.  Counted by a context= function: 2,000 rows of 2,000 levels are 80,000 bytes a factor, the third
    exceeds 200,000."""
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"z": rng.permutation(2000).astype(float), "y": rng.normal(size=2000)})
    calls = []

    def ids(z, k):
        if len(z) == len(d):  # (not the halves on which the fit checks that each row's value is its own)
            calls.append(k)
        return pd.Categorical(z + k)

    formula = "y ~ " + " + ".join(f"ids(z, {k})" for k in range(1, 101))
    with pytest.raises(gs.FormulaError, match=r"the formula's variables \(numeric columns, factors' codes and levels\) "
                                              r"need more memory than allowed \(bytes\): 240,000, where the limit "
                                              r"max_design_bytes is 200,000"):
        gs.glm(formula, d, context={"ids": ids}, limits=gs.FormulaLimits(max_design_bytes=200_000))
    assert calls == [1, 2, 3]


@pytest.mark.parametrize("formula", ["y ~ " + "abs(" * 5000 + "a" + ")" * 5000,
                                     "y ~ " + "(" * 100_000 + "a" + ")" * 100_000])
def test_a_raised_max_depth_past_python_s_recursion_is_a_formula_error(formula):
    """max_depth raised to a million lets a formula nest deeper than Python's recursion: a FormulaError that
    says so, not a RecursionError; likewise a hypothesis of such a fit."""
    d = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "y": [2.0, 1, 4, 3, 5]})
    limits = gs.FormulaLimits(max_depth=10**6, max_length=10**7)
    with pytest.raises(gs.FormulaError, match="nests more deeply than Python's recursion limit"):
        gs.glm(formula, d, limits=limits)
    with pytest.raises(gs.FormulaError, match="the hypothesis .* nests more deeply"):
        gs.glm("y ~ a", d, limits=limits).wald_test("(" * 5000 + "a" + ")" * 5000 + " = 0")


def test_limits_can_be_raised():
    d = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 5], "y": [1.0, 3, 2, 5, 4]})
    with pytest.raises(gs.FormulaError, match="max_terms"):
        gs.glm("y ~ a * b", d, limits=gs.FormulaLimits(max_terms=2))
    assert len(gs.glm("y ~ a * b", d, limits=gs.FormulaLimits(max_terms=3)).coef) == 4
    with pytest.raises(gs.FormulaError, match="must be a positive integer"):
        gs.FormulaLimits(max_terms=0)


def test_a_fitted_model_pickles_and_predicts_identically():
    d = gs.load_dataset("mtcars")
    fit = gs.glm("am ~ poly(hp, 2) + scale(wt) + factor(cyl) + bs(disp, df = 4)", d, family=gs.Binomial(),
                 max_iter=100)
    back = pickle.loads(pickle.dumps(fit))
    new = d.iloc[[0, 5, 17]]
    np.testing.assert_array_equal(back.predict(new), fit.predict(new))
    np.testing.assert_array_equal(back.coef.to_numpy(), fit.coef.to_numpy())


def test_context_functions_and_constants():
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": [1.0, 3, 2, 5, 4, 6]})
    fit = gs.glm("y ~ twice(x) + I(x * k)", d, context={"twice": lambda v: 2 * v, "k": 3})
    assert list(fit.coef.index) == ["Intercept", "twice(x)", "I(x * k)"]
    with pytest.raises(gs.FormulaError, match="context= entry 'os' is the module os"):
        import os

        gs.glm("y ~ x + I(x * os)", d, context={"os": os})
    # no attributes
    with pytest.raises(gs.FormulaError, match="os.system\\(\\), which is not a function glmstat knows"):
        gs.glm("y ~ os.system(x)", d, context={"f": abs})
    with pytest.raises(gs.FormulaError,
                       match="context= entry 'f' is (os|posix|nt).system, which a formula must not reach"):
        gs.glm("y ~ f(x)", d, context={"f": __import__("os").system})
