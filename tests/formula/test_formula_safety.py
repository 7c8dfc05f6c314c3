"""Formula safety: formulas are code, and glmstat runs only a safe subset of it.  The check covers the whole
formula (both sides, inside I(), offset(), cbind(), C(), backtick names) before anything is evaluated; see
docs/threat-model.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0.0], "s": [1, 2, 0, 3, 2, 1.0], "f": [2, 1, 3, 0, 1, 2.0],
                  "x": [1.0, 2, 3, 4, 5, 6], "t": [1.0, 2, 1, 2, 1, 2], "g": list("aabbcc")})

PAYLOADS = [
    "__import__('os').system('{touch}')",
    "open('{path}', 'w').write('x')",
    "eval(\"open('{path}', 'w')\")",
    "exec(\"open('{path}', 'w')\")",
    "compile('1', 'f', 'eval')",
    "getattr(x, 'to_csv')('{path}')",
    "x.to_csv('{path}')",
    "x.__class__",
    "x.__class__.__mro__[-1].__subclasses__()",
    "().__class__.__bases__[0]",
    "globals()",
    "locals()",
    "vars()",
    "__builtins__",
    "type(x)",
    "breakpoint()",
    "(lambda: open('{path}', 'w'))()",
    "[open('{path}', 'w') for _ in x]",
    "{{k: 1 for k in x}}",
    "sum(v for v in x)",
    "(z := x)",
    "f'{{x}}'",
    "np.load('{path}')",
    "np.__dict__",
    "np.log.__globals__",
    "C(g, contr.__dict__)",
    "setattr(x, 'a', 1)",
    "dir()",
]

POSITIONS = [
    ("y ~ x + I({p})", gs.Gaussian()),
    ("y ~ I({p})", gs.Gaussian()),
    ("I({p}) ~ x", gs.Gaussian()),
    ("y ~ x + offset({p})", gs.Poisson()),
    ("cbind(s, {p}) ~ x", gs.Binomial()),
    ("cbind({p}, f) ~ x", gs.Binomial()),
    ("y ~ log({p})", gs.Gaussian()),
    ("y ~ C({p})", gs.Gaussian()),
    ("y ~ x:I({p})", gs.Gaussian()),
    ("y ~ I(x - mean({p}))", gs.Gaussian()),
    ("y ~ I(x/max(x, {p}, na.rm = TRUE))", gs.Gaussian()),
    ("y ~ I(x - mean(x, trim = {p}))", gs.Gaussian()),
    ("y ~ I(x/sd(x, na.rm = {p}))", gs.Gaussian()),
    ("y ~ x + offset(log(t/sum({p})))", gs.Poisson()),
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("position,family", POSITIONS, ids=[p for p, _ in POSITIONS])
def test_unsafe_code_is_refused_everywhere_and_never_runs(tmp_path, payload, position, family):
    target = tmp_path / "pwned"
    p = payload.format(path=target, touch=f"touch {target}")
    with pytest.raises(gs.FormulaError):
        gs.glm(position.format(p=p), D, family=family)
    assert not target.exists()


@pytest.mark.parametrize("name", ["__import__", "x.__class__", "__builtins__", "eval"])
def test_backtick_names_are_checked_too(name):
    with pytest.raises(gs.FormulaError, match="refuses to run|not a column"):
        gs.glm(f"y ~ `{name}`", D)


@pytest.mark.parametrize("formula", ["y ~ x | g", "y ~ x + z | g"])
def test_multi_part_formulas_are_refused_before_evaluation(formula):
    with pytest.raises(gs.FormulaError, match="has '\\|' or '~' at the top level"):
        gs.glm(formula, D)


@pytest.mark.parametrize("expr, error, message", [
    ("9**9**9**9", gs.DataError, "infinite values"),  # float arithmetic: inf, never a huge integer
    ("10 ** 10 ** 10", gs.DataError, "infinite values"),
    ("-(10 ** 5000)", gs.DataError, "infinite values"),
    ("(2 ** 64) ** 2 ** 20", gs.DataError, "infinite values"),
    ("'a' * 10**10", gs.FormulaError, "is a string, not a number"),  # no string arithmetic at all
    ("'%s' % 'x' * 10**9", gs.FormulaError, "not a number"),
    ("[1] * 10**9", gs.FormulaError, "a term is expected at position 16 \\(near '\\['\\)"),  # (Python's list: no term)
    ("1 << 10**9", gs.FormulaError, "a term is expected"),
])
def test_literal_arithmetic_bombs_are_refused(expr, error, message):
    with pytest.raises(error, match=message):
        gs.glm(f"y ~ x + I(x * ({expr}))", D)


@pytest.mark.parametrize("formula,family", [
    ("y ~ log(x) + np.sqrt(x) + I(x^2) + exp(-x)", gs.Gaussian()),
    ("y ~ as.factor(t) + C(g, contr.treatment)", gs.Gaussian()),
    ("y ~ factor(g)", gs.Gaussian()),
    ("y ~ x + offset(log(t))", gs.Poisson()),
    ("cbind(s, f) ~ I(2 ** 10 * x)", gs.Binomial()),
    ("y ~ I((x > 2) & (x < 5)) + pmax(x, 3) + abs(x - 3) + I(x % 2)", gs.Gaussian()),
    ("y ~ myscale(x)", gs.Gaussian()),
    ("y ~ I(x - mean(x)) + I(x/max(x, t)) + offset(log(t/sum(t))) + I(median(x) > x)", gs.Poisson()),
])
def test_the_safe_subset_still_works(formula, family):
    fit = gs.glm(formula, D, family=family, context={"myscale": lambda v: (v - v.mean()) / v.std()})
    assert len(fit.coef) >= 2


def test_context_keys_must_be_plain_names():
    with pytest.raises(gs.FormulaError, match="context= key '__import__' is not a usable name"):
        gs.glm("y ~ x", D, context={"__import__": __import__})


def test_column_names_with_dunders_are_still_data():
    """A column literally named 'a__b' is data, not an attribute access."""
    d = D.assign(a__b=np.arange(6.0))
    fit = gs.glm("y ~ a__b", d)
    assert "a__b" in fit.coef.index
