"""One pass of Fisher scoring over a source's blocks, and the factor of its normal equations.

A pass at coefficients beta computes, for every block,

    eta = X beta + offset,   mu = g^{-1}(eta),   deviance = sum_i w_i d(y_i, mu_i),
    W_i = w_i (d mu/d eta)^2 / V(mu_i),   r_i = (y_i - mu_i) / (d mu/d eta)   (the working residual),

with the per-row kernel (:mod:`glmstat.engine.kernel`), reduces X'WX and X'Wr (:mod:`glmstat.engine.linalg`), and
merges the blocks' shares (:class:`PassResult`); :func:`evaluate` adds the factor whose solve is the next step,
beta + (X'WX)^{-1} X'Wr.  A block's share runs where the block is (a dask worker, for a cluster's rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..design.sources import DesignSource
from ..families import Family
from .kernel import kernel_for
from .linalg import GRAM_MAX_COND, GramReducer, QRReducer, ScoreReducer, StepFactor, factor_gram

__all__ = ["PassResult", "new_reducer", "pass_block", "scoring_pass", "factor_of", "evaluate", "rises",
           "covariance_weights_eta"]

_sum = np.add.reduce


def covariance_weights_eta(b, family: Family, beta: np.ndarray | None, at_start: bool = False) -> np.ndarray:
    """The linear predictor of a block's rows at which the working weights of the covariance are evaluated:
    X beta + offset, or (``at_start``) the link of the family's starting means, as R's first iteration."""
    if at_start:
        with np.errstate(all="ignore"):
            return family.link.link(family.start_mu(b.y, b.mustart_weights))
    return b.X.matvec(beta) + b.offset


@dataclass
class PassResult:
    """What one pass over the data at a given estimate yields: the sums over the rows and the reducer of the
    normal equations.  A block's (or several merged blocks') share while the pass runs; :func:`scoring_pass`
    returns the merged whole, which no one changes afterwards."""

    deviance: float
    pearson: float
    valid: bool
    n_ok: int
    sum_weights: float
    n_boundary: int
    #: the working weights were the prior weights: X'WX is the same next pass
    fixed_weights: bool
    reducer: GramReducer | QRReducer | ScoreReducer = field(repr=False)

    def merge(self, other: "PassResult") -> "PassResult":
        """The sums over both parts' rows (in place: parts are merged as the blocks come)."""
        self.deviance += other.deviance
        self.pearson += other.pearson
        self.valid = self.valid and other.valid
        self.n_ok += other.n_ok
        self.sum_weights += other.sum_weights
        self.n_boundary += other.n_boundary
        self.fixed_weights = self.fixed_weights and other.fixed_weights
        self.reducer.merge(other.reducer)
        return self


def new_reducer(p: int, use_qr: bool, fixed_gram: np.ndarray | None) -> GramReducer | QRReducer | ScoreReducer:
    """The reducer of a pass's normal equations: the QR of sqrt(W) [X | r], X'W r only (X'WX ``fixed_gram``
    known), or X'WX and X'W r."""
    if use_qr:
        return QRReducer(p)
    if fixed_gram is not None:
        return ScoreReducer(p, fixed_gram)
    return GramReducer(p)


def pass_block(family: Family, kernel, beta: np.ndarray | None, use_qr: bool, fixed_gram: np.ndarray | None,
               p: int, b, working: bool = True) -> PassResult:
    """One block's share of a pass at ``beta`` (``None``: R's starting mu): its deviance, Pearson sum,
    counts and reduced normal equations.  Runs where the block is (a dask worker, for a cluster's rows).
    ``working=False`` (with ``beta=None`` only) leaves the working residual out of the starting pass's
    response: the normal equations of the starting linear predictor itself, eta - offset."""
    if beta is None:
        with np.errstate(all="ignore"):
            eta = family.link.link(family.start_mu(b.y, b.mustart_weights))
            wk = kernel(b.y, b.weights, eta)
            # the first pass solves for the coefficients themselves: residual z - offset, not y - mu
            r = eta - b.offset
            if working:
                r += wk.r
            r[~(wk.W > 0)] = 0.0  # (the one zero-weight rule: no residual where the working weight is 0)
            # e.g. log link, y = 0: no starting linear predictor (a finite sum has no inf or NaN term)
            valid = wk.valid and (math.isfinite(_sum(r)) or bool(np.isfinite(r).all()))
    else:
        eta = b.X.matvec(beta)
        if b.has_offset:
            eta += b.offset
        wk = kernel(b.y, b.weights, eta)
        r = wk.r
        valid = wk.valid
    reducer = new_reducer(p, use_qr, fixed_gram)
    if valid and not (fixed_gram is not None and not wk.fixed_weights):
        reducer.add(b.X, wk.W, r)
    return PassResult(wk.deviance, wk.pearson, valid, b.n_positive, b.sum_weights, wk.n_boundary,
                      wk.fixed_weights, reducer)


def scoring_pass(source: DesignSource, family: Family, beta: np.ndarray | None, use_qr: bool,
                 kernel=None, fixed_gram: np.ndarray | None = None, working: bool = True) -> PassResult:
    """Evaluate deviance and the weighted normal equations at ``beta`` (``None``: R's starting mu), as one
    map-reduce over the source's blocks (:func:`pass_block`, merged by :meth:`PassResult.merge`).

    With ``fixed_gram`` (X'WX of a previous pass whose working weights were the prior weights themselves)
    only the score is reduced; should a block's weights turn out not to be fixed, the pass is redone in full.
    ``working``: see :func:`pass_block`.
    """
    p = source.n_cols
    if kernel is None:
        kernel = kernel_for(family)
    part = partial(pass_block, family, kernel, beta, use_qr, fixed_gram, p)  # (positional: binds faster)
    if not working:
        part = partial(part, working=False)
    res = source.map_reduce(part, PassResult.merge)
    if res is None:  # no rows
        res = PassResult(0.0, 0.0, True, 0, 0.0, 0, True, new_reducer(p, use_qr, fixed_gram))
    if fixed_gram is not None and not res.fixed_weights:
        return scoring_pass(source, family, beta, use_qr, kernel)
    res.valid = res.valid and math.isfinite(res.deviance)
    res.fixed_weights = res.fixed_weights and not use_qr
    return res


def factor_of(res: PassResult, kept: np.ndarray | None, max_cond: float) -> StepFactor | None:
    """The factor of a pass's normal equations on the ``kept`` columns (None: ill-conditioned or singular)."""
    if isinstance(res.reducer, QRReducer):
        return res.reducer.factor(max_cond)
    return factor_gram(res.reducer.gram, res.reducer.score, kept, max_cond, res.reducer.diagonal)


def evaluate(source, family, beta, use_qr, kept, kernel=None, fixed_gram=None, max_cond=GRAM_MAX_COND):
    """A pass plus its factorisation, falling back to the QR reducer when the Gram matrix's condition number
    exceeds ``max_cond`` (or it is singular): (pass, factor or None, whether the QR reducer is now in use)."""
    res = scoring_pass(source, family, beta, use_qr, kernel, fixed_gram)
    if not res.valid:
        return res, None, use_qr
    fac = factor_of(res, kept, max_cond)
    if fac is None:  # ill-conditioned or newly aliased: redo this pass with the QR reducer
        use_qr = True
        res = scoring_pass(source, family, beta, use_qr, kernel)
        fac = factor_of(res, kept, max_cond)
    return res, fac, use_qr


def rises(old: PassResult, new: PassResult) -> bool:
    """The deviance rose by more than rounding."""
    return new.deviance > old.deviance + 1e-12 * abs(old.deviance)
