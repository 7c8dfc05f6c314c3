"""Synthetic benchmark problems, generated from a fixed seed.

Each problem is a DataFrame plus a formula and a family, described so that every contender (glmstat,
statsmodels, glum, R) fits exactly the same model:

* ``logistic`` -- binary y; 10 numeric columns x1..x10 and two factors g1 (20 levels), g2 (50 levels):
  79 model columns with the intercept.
* ``poisson`` -- counts y with an exposure: 5 numeric columns and a 300-level factor g,
  ``offset(log(exposure))``.
* ``gamma`` -- positive y, log link, 30 numeric columns.
* ``small`` -- logistic, 100 rows, x1..x3.
* ``interaction`` -- Poisson with an exposure: x1, x2, factors g (100 levels) and h (3 levels), their
  interaction and g's with x1, ``y ~ x1 + x2 + g + h + g:h + g:x1 + offset(log(exposure))``: 402 model
  columns, 398 of them factor columns glmstat keeps as codes.

Factors are pandas Categoricals with string labels sorted as R sorts them under ``LC_ALL=C``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEED = 20240611


@dataclass(frozen=True)
class Problem:
    """One benchmark model: data, R formula, family name and link, and the columns by role."""

    name: str
    data: pd.DataFrame = field(repr=False)
    formula: str
    family: str  # "binomial", "poisson", "gamma"
    link: str
    numeric: tuple[str, ...]
    factors: tuple[str, ...]
    exposure: str | None = None
    interactions: tuple[str, ...] = ()  # terms after the main effects, in R's notation (``g:h``)


def _factor(rng: np.random.Generator, n: int, levels: int, prefix: str) -> pd.Categorical:
    labels = [f"{prefix}{i:03d}" for i in range(levels)]
    # unequal level frequencies, every level present
    p = rng.uniform(0.5, 1.5, levels)
    codes = rng.choice(levels, size=n, p=p / p.sum())
    codes[:levels] = np.arange(levels)
    return pd.Categorical.from_codes(codes.astype(np.int16 if levels < 30000 else np.int32), categories=labels)


def logistic(n: int, seed: int = SEED) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 10))
    g1 = _factor(rng, n, 20, "a")
    g2 = _factor(rng, n, 50, "b")
    eff1 = rng.normal(0, 0.5, 20)
    eff2 = rng.normal(0, 0.5, 50)
    beta = np.linspace(-0.5, 0.5, 10)
    eta = -0.3 + X @ beta + eff1[g1.codes] + eff2[g2.codes]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    cols = {f"x{j + 1}": X[:, j] for j in range(10)}
    data = pd.DataFrame({"y": y, **cols, "g1": g1, "g2": g2})
    num = tuple(cols)
    return Problem("logistic", data, "y ~ " + " + ".join(num + ("g1", "g2")), "binomial", "logit", num, ("g1", "g2"))


def poisson(n: int, seed: int = SEED + 1) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    g = _factor(rng, n, 300, "c")
    eff = rng.normal(0, 0.3, 300)
    exposure = rng.uniform(0.5, 5.0, n)
    eta = 0.2 + X @ np.array([0.3, -0.2, 0.1, 0.05, -0.1]) + eff[g.codes] + np.log(exposure)
    y = rng.poisson(np.exp(eta)).astype(np.float64)
    cols = {f"x{j + 1}": X[:, j] for j in range(5)}
    data = pd.DataFrame({"y": y, **cols, "g": g, "exposure": exposure})
    num = tuple(cols)
    formula = "y ~ " + " + ".join(num + ("g",)) + " + offset(log(exposure))"
    return Problem("poisson", data, formula, "poisson", "log", num, ("g",), exposure="exposure")


def gamma(n: int, seed: int = SEED + 2) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 30))
    beta = rng.normal(0, 0.1, 30)
    mu = np.exp(0.5 + X @ beta)
    shape = 2.0
    y = rng.gamma(shape, mu / shape)
    cols = {f"x{j + 1}": X[:, j] for j in range(30)}
    data = pd.DataFrame({"y": y, **cols})
    num = tuple(cols)
    return Problem("gamma", data, "y ~ " + " + ".join(num), "gamma", "log", num, ())


def small(n: int = 100, seed: int = SEED + 3) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    eta = 0.2 + X @ np.array([0.8, -0.5, 0.3])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    data = pd.DataFrame({"y": y, "x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2]})
    return Problem("small", data, "y ~ x1 + x2 + x3", "binomial", "logit", ("x1", "x2", "x3"), ())


def interaction(n: int, seed: int = SEED + 4) -> Problem:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((2, n))
    g = _factor(rng, n, 100, "g")
    h = _factor(rng, n, 3, "h")
    cell = rng.normal(0, 0.2, (100, 3))
    slope = rng.normal(0.2, 0.1, 100)
    exposure = rng.uniform(0.5, 5.0, n)
    eta = 0.1 + slope[g.codes] * x1 - 0.2 * x2 + cell[g.codes, h.codes] + np.log(exposure)
    y = rng.poisson(np.exp(eta)).astype(np.float64)
    data = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": g, "h": h, "exposure": exposure})
    formula = "y ~ x1 + x2 + g + h + g:h + g:x1 + offset(log(exposure))"
    return Problem("interaction", data, formula, "poisson", "log", ("x1", "x2"), ("g", "h"), exposure="exposure",
                   interactions=("g:h", "g:x1"))


PROBLEMS = {"logistic": logistic, "poisson": poisson, "gamma": gamma, "small": small, "interaction": interaction}


def make(name: str, n: int) -> Problem:
    """The problem ``name`` with ``n`` rows (``small`` ignores ``n``)."""
    if name == "small":
        return small()
    return PROBLEMS[name](n)
