"""The Hosmer-Lemeshow goodness-of-fit test of a logistic-type fit to 0/1 responses.

As ``ResourceSelection::hoslem.test(y, fitted(fit), g)``: the fitted probabilities mu_i are cut into groups at
their quantiles (R's ``quantile(mu, seq(0, 1, 1/g))``, type 7; repeated quantiles are one break, so a fit with
few distinct probabilities has fewer groups), the intervals (a, b] with the first closed, and in each group k

    O_k1 = sum y_i,  E_k1 = sum mu_i,  O_k0 = n_k - O_k1,  E_k0 = n_k - E_k1,
    X^2 = sum_k [(O_k1 - E_k1)^2 / E_k1 + (O_k0 - E_k0)^2 / E_k0],   p = P(chi^2_{g-2} > X^2),

with g - 2 degrees of freedom whatever the number of groups left (as hoslem.test).  A small p-value says the
fitted probabilities do not match the observed proportions across the range of the fit.  The test depends on
the number of groups and has little power in small samples; the table of groups shows where the fit misses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._arguments import integer_type, shown
from ..design.sources import fold
from ..distributions import chi2_sf
from ..errors import GLMStatError
from ..formula.interval_functions import cut_labels, interval_codes
from ..formula.limits import refuse_dense
from ..formula.summary_functions import type7_quantiles
from .fit_access import formula_limits

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["HosmerLemeshowTest", "hosmer_lemeshow"]

#: R's ``cut()`` labels of the groups, as hoslem.test's table prints them (dig.lab = 3)
_DIG_LAB = 3


@dataclass(frozen=True)
class HosmerLemeshowTest:
    """The test's statistic, degrees of freedom and p-value, and the observed and expected counts by group
    (``table``: one row per group, labelled by its interval of fitted probabilities; columns n, observed_1,
    expected_1, observed_0, expected_0)."""

    statistic: float
    df: int
    p_value: float
    groups: int
    table: pd.DataFrame
    data_name: str

    def __str__(self) -> str:
        from ..report.hypothesis_tests import hosmer_lemeshow_text

        return hosmer_lemeshow_text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import hosmer_lemeshow_html

        return hosmer_lemeshow_html(self)


def _block_fitted(b, beta: np.ndarray, link) -> list[np.ndarray]:
    """A block's fitted probabilities, its responses (0/1, as booleans), and a count of its rows that are not
    single 0/1 trials."""
    mu = link.inverse(b.X.matvec(beta) + b.offset)
    odd = np.count_nonzero((b.weights != 1) | ((b.y != 0) & (b.y != 1)))
    return [np.asarray(mu, dtype=float), b.y == 1, np.array([odd], dtype=float)]


def _merge(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    return [np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]]), a[2] + b[2]]


def hosmer_lemeshow(fit: "GLMResults", groups: int = 10) -> HosmerLemeshowTest:
    """The Hosmer-Lemeshow test of ``fit`` with ``groups`` groups (see the module docstring), in one pass over
    the rows: the fitted probabilities (for their quantiles) and the responses, from which each group's counts
    come."""
    fam = fit.family
    if fam.name != "binomial":
        raise GLMStatError(f"the Hosmer-Lemeshow test is for binomial fits of 0/1 responses; this fit uses the "
                           f"{fam.name} family")
    if isinstance(groups, bool) or not integer_type(groups) or not 3 <= groups <= 10_000:
        raise GLMStatError(f"groups must be a whole number from 3 to 10,000 (df = groups - 2), got {shown(groups)}")
    groups = int(groups)
    # (the quantiles need every fitted probability at once, kept with its response: 9 bytes a row, within the
    # fit's memory bound)
    refuse_dense(f"the fitted probabilities of {fit.nobs:,} rows", 9 * fit.nobs,
                 formula_limits(fit).max_design_bytes, "raise the formula limits' max_design_bytes", " in memory")
    fd = fit.fit_data
    mu, y, odd = fold(fd.source, partial(_block_fitted, beta=fd.beta, link=fam.link), _merge,
                      [np.zeros(0), np.zeros(0, dtype=bool), np.zeros(1)])
    if odd[0]:
        raise GLMStatError(f"the Hosmer-Lemeshow test compares 0/1 responses with their fitted probabilities; "
                           f"{int(odd[0]):,} rows of this fit are not a single 0/1 trial (a cbind() or proportion "
                           "response, or prior weights other than 1)")
    if mu.size < groups:
        raise GLMStatError(f"{groups} groups need at least as many rows; this fit has {mu.size}")
    probs = [min(k * (1.0 / groups), 1.0) for k in range(groups + 1)]  # (R's seq(0, 1, 1/g))
    breaks = np.unique(np.asarray(type7_quantiles(mu, probs)))
    if breaks.size < 2:
        raise GLMStatError("every fitted probability is the same: there are no groups to compare")
    k = breaks.size - 1
    codes = interval_codes(mu, breaks, right=True, include_lowest=True)
    n, o1, e1 = (np.bincount(codes, weights=w, minlength=k).astype(float) for w in (None, y, mu))
    o0, e0 = n - o1, n - e1
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = float(np.sum((o1 - e1) ** 2 / e1) + np.sum((o0 - e0) ** 2 / e0))
    df = groups - 2
    labels = cut_labels(tuple(float(b) for b in breaks), right=True, include_lowest=True, dig=_DIG_LAB)
    table = pd.DataFrame({"n": n.astype(np.int64), "observed_1": o1, "expected_1": e1, "observed_0": o0,
                          "expected_0": e0}, index=pd.Index(labels, name="fitted"))
    p_value = float(chi2_sf(statistic, df)) if math.isfinite(statistic) else math.nan
    return HosmerLemeshowTest(statistic, df, p_value, groups, table, f"{fit.model_frame.response_name}, fitted(fit)")
