"""Hypothesis strategies for fuzzing glm(): random frames, formulas over their columns, families, weights.

Shared by tests/r_parity/test_fuzz.py (a modest number of examples in the suite) and by a longer manual run:
``GLMSTAT_FUZZ_EXAMPLES=5000 python -m pytest tests/r_parity/test_fuzz.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import glmstat as gs

NAMES = ["y", "x", "z", "g", "w", "t", "Solar.R", "a b"]

_FAMILIES = [
    lambda link: gs.Gaussian(link=link or "identity"),
    lambda link: gs.Binomial(link=link or "logit"),
    lambda link: gs.Poisson(link=link or "log"),
    lambda link: gs.Gamma(link=link or "inverse"),
    lambda link: gs.InverseGaussian(link=link or "1/mu^2"),
    lambda link: gs.NegativeBinomial(link=link or "log"),
    lambda link: gs.NegativeBinomial(theta=1.5, link=link or "log"),
    lambda link: gs.QuasiPoisson(link=link or "log"),
    lambda link: gs.QuasiBinomial(link=link or "logit"),
    lambda link: gs.Quasi(link=link or "identity", variance="mu"),
    lambda link: gs.Tweedie(var_power=1.5),
    lambda link: gs.Tweedie(var_power=2.0, link_power=0),
]
_LINKS = [None, "identity", "log", "logit", "probit", "cloglog", "cauchit", "inverse", "1/mu^2", "sqrt"]


@st.composite
def families(draw):
    """A family with a random link; (None, error) when the pair is invalid (that must be a FamilyError)."""
    make = draw(st.sampled_from(_FAMILIES))
    link = draw(st.sampled_from(_LINKS))
    try:
        return make(link)
    except gs.FamilyError:
        return make(None)


def _column(kind: str, n: int, rng: np.random.Generator):
    if kind == "normal":
        return rng.normal(size=n)
    if kind == "positive":
        return rng.gamma(2.0, 1.0, size=n)
    if kind == "count":
        return rng.poisson(3.0, size=n).astype(float)
    if kind == "int":
        return rng.integers(-3, 10, size=n)
    if kind == "binary":
        return rng.integers(0, 2, size=n).astype(float)
    if kind == "prop":
        return rng.uniform(size=n)
    if kind == "nan":
        v = rng.normal(size=n)
        v[rng.uniform(size=n) < 0.3] = np.nan
        return v
    if kind == "inf":
        v = rng.gamma(2.0, 1.0, size=n)
        if n:
            v[rng.integers(0, n)] = rng.choice([np.inf, -np.inf])
        return v
    if kind == "huge":
        return rng.normal(size=n) * 10.0 ** rng.choice([8, 100, 200, 300])
    if kind == "tiny":
        return rng.normal(size=n) * 10.0 ** -rng.choice([8, 100, 200, 300])
    if kind == "zero":
        return np.zeros(n)
    if kind == "const":
        return np.full(n, 2.5)
    if kind == "allnan":
        return np.full(n, np.nan)
    if kind == "string":
        return rng.choice(["a", "b", "c"], size=n).astype(object)
    if kind == "onelevel":
        return np.array(["a"] * n, dtype=object)
    if kind == "category":
        return pd.Categorical(rng.choice(["lo", "mid", "hi"], size=n), categories=["lo", "mid", "hi", "unused"])
    if kind == "bool":
        return rng.uniform(size=n) < 0.5
    if kind == "mixed":
        return np.array([1.0, "a", None, 2][: max(n, 0)] * (n // 4 + 1), dtype=object)[:n]
    if kind == "strnum":
        return np.array([str(v) for v in rng.integers(0, 5, size=n)], dtype=object)
    if kind == "datetime":
        return pd.date_range("2020-01-01", periods=n, freq="D")
    raise AssertionError(kind)


KINDS = ["normal", "positive", "count", "int", "binary", "prop", "nan", "inf", "huge", "tiny", "zero", "const",
         "allnan", "string", "onelevel", "category", "bool", "mixed", "strnum", "datetime"]
# the response is drawn from kinds that often suit some family, so that many examples reach the fit
RESPONSE_KINDS = ["normal", "positive", "count", "binary", "prop", "count", "binary", "positive", "nan", "zero",
                  "const", "inf", "huge", "string", "bool", "int"]


_SUITED = {"gaussian": "normal", "binomial": "binary", "quasibinomial": "prop", "poisson": "count",
           "quasipoisson": "count", "negative.binomial": "count", "Gamma": "positive", "inverse.gaussian": "positive",
           "Tweedie": "count", "quasi": "count"}


PLAUSIBLE_KINDS = ["normal", "positive", "count", "binary", "string", "category", "bool", "normal", "int", "nan",
                   "const"]


@st.composite
def frames(draw, family: gs.Family | None = None, kinds: list[str] = KINDS):
    """A DataFrame with a response 'y' and 1-7 other columns of random kinds; half the time the response
    suits ``family``, so that many examples reach the fit."""
    n = draw(st.integers(min_value=0, max_value=40))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(RESPONSE_KINDS))
    if family is not None and draw(st.booleans()):
        kind = _SUITED.get(family.name, kind)
    cols = {"y": _column(kind, n, rng)}
    for name in NAMES[1: 1 + draw(st.integers(min_value=1, max_value=len(NAMES) - 1))]:
        cols[name] = _column(draw(st.sampled_from(kinds)), n, rng)
    df = pd.DataFrame(cols)
    if draw(st.booleans()) and n:
        df.index = pd.Index(rng.permutation(n) * 3 + 7)  # a non-default index
    return df


_TERMS = ["{c}", "{c}", "log({c})", "I({c}^2)", "factor({c})", "{c}:{d}", "{c}*{d}", "sqrt({c})", "exp({c})",
          "offset({c})", "C({c})", "I({c} > 0)", "poly({c}, 2)", "scale({c})"]


@st.composite
def formulas(draw, df: pd.DataFrame, family: gs.Family):
    """A formula over the columns of ``df`` (sometimes naming a missing column or broken syntax)."""
    others = [c if c.isidentifier() else f"`{c}`" for c in df.columns if c != "y"] or ["x"]
    k = draw(st.integers(min_value=0, max_value=3))
    terms = []
    for _ in range(k):
        t = draw(st.sampled_from(_TERMS))
        terms.append(t.format(c=draw(st.sampled_from(others)), d=draw(st.sampled_from(others))))
    rhs = " + ".join(terms) if terms else "1"
    if draw(st.integers(0, 9)) == 0:
        rhs = "0 + " + rhs
    if draw(st.integers(0, 9)) == 0:
        rhs = rhs + " - 1"
    lhs = "y"
    if family.binomial_response and len(others) >= 1 and draw(st.integers(0, 3)) == 0:
        lhs = f"cbind(y, {draw(st.sampled_from(others))})"
    elif draw(st.integers(0, 9)) == 0:
        lhs = draw(st.sampled_from(["log(y)", "I(y + 1)", "yy", "y + "]))
    if draw(st.integers(0, 19)) == 0:
        rhs = draw(st.sampled_from(["x +", "(x", "x ++ z", "xx", "x | z", "`x y`", "y.__class__", "I(1/0)"]))
    return f"{lhs} ~ {rhs}"


@st.composite
def weights_for(draw, df: pd.DataFrame):
    """None, a column name, or an array (sometimes negative, NaN, zero or of the wrong length)."""
    choice = draw(st.integers(0, 9))
    n = len(df)
    if choice <= 5:
        return None
    if choice == 6:
        return draw(st.sampled_from(list(df.columns) + ["nope"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kind = draw(st.sampled_from(["good", "neg", "nan", "zero", "short", "int"]))
    if kind == "good":
        return rng.uniform(0.5, 3, size=n)
    if kind == "neg":
        return rng.normal(size=n)
    if kind == "nan":
        v = rng.uniform(0.5, 3, size=n)
        v[: n // 3] = np.nan
        return v
    if kind == "zero":
        return np.zeros(n)
    if kind == "short":
        return np.ones(max(n - 1, 0))
    return rng.integers(1, 4, size=n)


@st.composite
def offsets_for(draw, df: pd.DataFrame):
    """None (mostly), a column name, or an array (sometimes with NaN or inf, or of the wrong length)."""
    choice = draw(st.integers(0, 9))
    n = len(df)
    if choice <= 6:
        return None
    if choice == 7:
        return draw(st.sampled_from(list(df.columns) + ["nope"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    v = rng.normal(size=n + draw(st.sampled_from([0, 0, 0, 1])))
    if n and draw(st.booleans()):
        v[0] = draw(st.sampled_from([np.nan, np.inf, 1e300]))
    return v
