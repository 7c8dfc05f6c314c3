"""The dose at which a fitted probability is reached, with its delta-method standard error, as
``MASS::dose.p``.

For a fit with linear predictor b0 + b1 x (the coefficients ``cf``, intercept first) and link g, the dose
at probability p is

    x_p = (g(p) - b0) / b1,

with gradient d x_p / d(b0, b1) = -(1, x_p) / b1, so that

    se(x_p) = sqrt(d' V d),   d = -(1, x_p) / b1,

V the covariance of (b0, b1) (the fit's, scaled by its dispersion: a quasi-binomial fit's estimated one).
With a log dose (``ldose``) the dose itself is 2^x_p or exp(x_p); the bounds of an interval transform, the
standard error does not.  The LD50 is ``p = 0.5``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from .._arguments import real_number, shown, shown_items
from ..errors import GLMStatError
from .hypothesis_text import column_spellings

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["dose_p"]


def _probabilities(p) -> np.ndarray:
    """``p`` as an array of finite numbers (one, or a list of up to 10,000)."""
    if type(p) is np.ndarray and p.ndim == 0:
        p = p.item()
    # (a list's, an array's or a Series' own type, not a subclass: its len and iteration would be its own code)
    many = type(p) in (list, tuple, np.ndarray) or (isinstance(p, (pd.Series, pd.Index))
                                                    and type(p).__module__.startswith("pandas."))
    vals = p if many else [p]
    if (isinstance(vals, np.ndarray) and vals.ndim != 1) or not 1 <= len(vals) <= 10_000:
        raise GLMStatError(f"p must be a probability or a list of 1 to 10,000 of them, got {shown(p)}")
    return np.array([real_number(v, "p", must="a probability (a finite number)") for v in vals])


def _coefficients(fit: "GLMResults", cf: Sequence[str] | None) -> list[str]:
    """The two coefficients' names, from glmstat's or R's spelling (``sex[F]`` or ``sexF``, ``(Intercept)``)."""
    names = fit.column_names
    if cf is None:
        if len(names) < 2:
            raise GLMStatError("the dose needs an intercept and a slope: this fit has fewer than two coefficients")
        return names[:2]
    if type(cf) not in (list, tuple) or len(cf) != 2 or not all(type(c) in (str, np.str_) for c in cf):
        # (Python's own list and strings: a subclass's len, iteration, hash and == are its own code)
        raise GLMStatError(f"cf must name two coefficients, the intercept's and the dose's slope, got {shown(cf)}")
    spellings = column_spellings(names)
    for c in cf:
        if c not in spellings:
            raise GLMStatError(f"cf names {shown(c)}, which is not a coefficient of this fit (its coefficients: "
                               f"{shown_items(names)})")
    chosen = [names[spellings[c]] for c in cf]
    if chosen[0] == chosen[1]:
        raise GLMStatError(f"cf names the coefficient {shown(chosen[0])} twice; name the intercept's and the "
                           "dose's slope")
    return chosen


def dose_p(fit: "GLMResults", p=0.5, cf: Sequence[str] | None = None) -> pd.DataFrame:
    """The dose x_p of each probability ``p`` and its standard error (see the module docstring): a DataFrame
    indexed by p with columns ``dose`` and ``std_error``; ``cf`` names the intercept's and the slope's
    coefficients (default: the first two, as R's ``cf = 1:2``)."""
    probs = _probabilities(p)
    b0_name, b1_name = _coefficients(fit, cf)
    coef, V = fit.coef, fit.vcov
    b0, b1 = float(coef[b0_name]), float(coef[b1_name])
    for name, b in ((b0_name, b0), (b1_name, b1)):
        if not math.isfinite(b):
            raise GLMStatError(f"the coefficient {name} is aliased (not estimable): no dose from it")
    with np.errstate(all="ignore"):
        eta = np.asarray(fit.family.link.link(probs), dtype=float)
    bad = ~np.isfinite(eta)
    if bad.any():
        raise GLMStatError(f"p = {probs[bad][0]:g} has no finite linear predictor under the "
                           f"{fit.family.link.name} link (a probability strictly between 0 and 1 is needed)")
    x = (eta - b0) / b1
    v = V.loc[[b0_name, b1_name], [b0_name, b1_name]].to_numpy()
    # d' V d with d = -(1, x) / b1
    se = np.sqrt((v[0, 0] + 2.0 * x * v[0, 1] + x * x * v[1, 1]) / (b1 * b1))
    table = pd.DataFrame({"dose": x, "std_error": se}, index=pd.Index(probs, name="p"))
    table.attrs["r_print"] = "dose"  # (MASS's print.glm.dose: Table.to_r)
    return table
