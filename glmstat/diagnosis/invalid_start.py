"""Which row makes the starting values invalid, for the error that refuses a fit without them.

R's ``glm`` says only "cannot find valid starting values: please specify some", or "no valid set of
coefficients has been found: please supply starting values".  The fit starts from R's starting means
mu0 = ``mustart`` (a function of the response: y + 0.1 for a Poisson count), their linear predictor
eta0 = g(mu0); or, with ``start=`` coefficients beta, from eta0 = x'beta + offset and mu0 = g^{-1}(eta0); and
from R's starting means, the first step's coefficients beta must be valid in the same way (there is nothing
to halve that step towards).  A row is invalid when

* eta0 is not finite, or fails the link's ``valid_eta`` (:func:`~glmstat.links.eta_outside`: eta > 0 for
  sqrt, 1/mu^2 and the power links, not 0 for the inverse link) -- ``log`` of a Gaussian starting mean of -2,
  ``logit`` of a Poisson starting mean of 2.1;
* mu0 is not finite, or outside the family's range of means (``Family.mu_domain``), where the family checks
  its means (``Family.valid_mu``; R's inverse.gaussian does not);
* its deviance is not finite.

:func:`invalid_start` finds the first such row and counts them, block by block (any source: in memory,
Parquet, dask), and says so in the user's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..design.sources import fold
from ..families import Family
from ..links import eta_outside
from .._arguments import shown_row
from ..formula.validation import row_label

__all__ = ["invalid_start"]


@dataclass
class _Invalid:
    """Over some blocks: their rows (``n``), the first invalid row's position among them and what was wrong
    with it (``first``: position, reason, y, mu0, eta0), and the number of invalid rows."""

    n: int
    first: tuple | None
    count: int

    def merge(self, other: "_Invalid") -> "_Invalid":
        first = self.first
        if first is None and other.first is not None:
            first = (self.n + other.first[0], *other.first[1:])
        return _Invalid(self.n + other.n, first, self.count + other.count)


def _block_invalid(b, family: Family, start: np.ndarray | None) -> _Invalid:
    link = family.link
    with np.errstate(all="ignore"):
        if start is None:
            mu = np.asarray(family.start_mu(b.y, b.mustart_weights), dtype=float)
            eta = np.asarray(link.link(mu), dtype=float)
        else:
            eta = b.X.matvec(start) + b.offset
            mu = np.asarray(link.inverse(eta), dtype=float)
        bad_eta = ~np.isfinite(eta) | eta_outside(link, eta)  # (an infinite eta has no mean under any link)
        bad_mu = ~np.isfinite(mu)
        if not family.valid_mu(mu):
            bad_mu |= ~family.mu_domain.contains(mu)
        dev = np.asarray(family.unit_deviance(b.y, mu), dtype=float) * b.weights
        bad_dev = ~np.isfinite(dev)
    bad = bad_eta | bad_mu | bad_dev
    hits = np.flatnonzero(bad)
    if not hits.size:
        return _Invalid(b.y.shape[0], None, 0)
    i = int(hits[0])
    reason = "eta" if bad_eta[i] else "mu" if bad_mu[i] else "deviance"
    return _Invalid(b.y.shape[0], (i, reason, float(b.y[i]), float(mu[i]), float(eta[i])), int(hits.size))


def invalid_start(frame, source, family: Family, start: np.ndarray | None,
                  first_step: np.ndarray | None = None) -> str | None:
    """Why the fit has no valid starting values, naming the first invalid row (module docstring) and the
    number of such rows; None when every row is valid (the sum of the deviances, or the least-squares solve,
    failed instead: the engine's own message stands).

    Parameters
    ----------
    frame : ModelFrame
        The rows used (for the first row's label).
    source : DesignSource
        The design and response, in blocks.
    family : Family
        The family and link of the fit.
    start : ndarray or None
        The ``start=`` coefficients, or None for R's starting means.
    first_step : ndarray, optional
        The coefficients of the first step from R's starting means, when that step was refused.
    """
    beta = start if first_step is None else first_step
    found = fold(source, partial(_block_invalid, family=family, start=beta), _Invalid.merge, _Invalid(0, None, 0))
    if found.first is None:
        return None
    i, reason, y, mu, eta = found.first
    row = shown_row(row_label(frame, i))
    others = "" if found.count == 1 else f" ({found.count} rows are like it)"
    link, name = family.link.name, family.name
    if beta is None:
        where = (f"cannot find valid starting values: R's starting mean of row {row}, {mu:.6g} (from its response "
                 f"{y:.6g}),")
        what = {"eta": f"has no linear predictor under the {link} link (it gives {eta:.6g})",
                "mu": f"is outside the {name} family's means {family.mu_domain}",
                "deviance": f"gives a deviance that is not finite for the {name} family"}[reason]
        advice = "pass start= coefficients whose means suit every row, or choose another link"
    else:
        where = ("cannot find valid starting values: the start= coefficients give" if first_step is None else
                 "no valid set of coefficients has been found: the first step from R's starting means gives")
        where += f" row {row}"
        what = {"eta": f"the linear predictor {eta:.6g}, where the {link} link has no mean",
                "mu": f"the mean {mu:.6g} (linear predictor {eta:.6g}), outside the {name} family's means "
                      f"{family.mu_domain}",
                "deviance": f"the mean {mu:.6g}, where the {name} family's deviance of its response {y:.6g} is not "
                            "finite"}[reason]
        advice = "pass other start= coefficients" if first_step is None else "pass start= coefficients"
    return f"{where} {what}{others}; {advice}"
