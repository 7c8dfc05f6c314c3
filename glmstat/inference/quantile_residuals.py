"""Randomized quantile residuals (Dunn and Smyth 1996), as statmod's ``qresiduals``.

For row i with fitted mean mu_i, prior weight w_i and the fit's dispersion phi (Pearson's estimate, as
``summary.glm``; 1 for binomial, Poisson, negative binomial), F_i the distribution function of the response
under the model (:meth:`glmstat.families.Family.cdf`):

    a_i = F_i(y_i-) = P(Y < y_i),   b_i = F_i(y_i) = P(Y <= y_i),   u_i ~ Uniform(a_i, b_i),   r_i = Phi^{-1}(u_i).

For a continuous family a_i = b_i and r_i is exact (no randomness); for discrete ones (binomial, Poisson,
negative binomial, Tweedie's zeros) u_i is drawn with ``seed``.  When the model is right the r_i are
independent standard normal.  Above the median r_i = -Phi^{-1}(1 - u_i), computed from the upper tail so that
large residuals keep their accuracy.  Rows with zero weight give NaN.

The v_i = (u_i - a_i) / (b_i - a_i) are uniforms drawn from ``numpy.random.default_rng(seed)``, one per row
with a positive weight, in row order.  A fit to streamed data computes the residuals block by block:

* Parquet path: the blocks in file order draw from that one generator in turn, which gives the very stream
  of the in-memory fit (a generator's uniforms in successive calls are those of one call), so the residuals
  equal the in-memory ones for the same seed;
* dask DataFrame: the partitions are computed in parallel, in any order, so partition k (0-based, empty
  partitions counted) draws from its own generator, seeded by the k-th child of the seed's
  ``numpy.random.SeedSequence`` (``SeedSequence(seed).spawn(K)[k]``; a Generator passed as ``seed``
  contributes one 63-bit integer drawn from it as the seed): reproducible for the same seed and
  partitioning, but not the in-memory numbers of a discrete family (a continuous family has no draws, and
  its residuals are the in-memory ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd
from scipy import special

from .._arguments import random_seed
from ..errors import DataError
from .fit_access import response

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["quantile_residuals"]

#: Rows per block of the in-memory computation.
BLOCK_ROWS = 16384


def quantile_values(family, y: np.ndarray, mu: np.ndarray, w: np.ndarray, phi: float,
                    uniforms: Callable[[int], np.ndarray]) -> np.ndarray:
    """r_i = Phi^{-1}(u_i), u_i = F_i(y_i-) + v_i P(Y_i = y_i) with v_i = ``uniforms(m)`` for the m rows with a
    positive weight, in row order (the module docstring's formula); NaN where the weight is 0."""
    pos = w > 0
    if family.binomial_response and np.any(np.abs(w[pos] - np.round(w[pos])) > 1e-8 * np.maximum(w[pos], 1)):
        raise DataError("quantile residuals of a binomial fit need whole numbers of trials (the weights)")
    yp, mp, wp = y[pos], mu[pos], w[pos]
    with np.errstate(all="ignore"):
        a, b = family.cdf(yp, mp, wp, phi)
        above, at_or_above = family.cdf(yp, mp, wp, phi, upper=True)
    v = uniforms(yp.size)
    u = a + v * (b - a)  # P(Y < y) + v P(Y = y)
    s = at_or_above - v * (at_or_above - above)  # 1 - u, from the upper tail
    r = np.full(y.shape, np.nan)
    with np.errstate(divide="ignore"):
        r[pos] = np.where(u < 0.5, special.ndtri(u), -special.ndtri(s))
    return r


def quantile_residuals(fit: "GLMResults", seed: int | np.random.Generator | None = None) -> Any:
    """The randomized quantile residuals of ``fit`` (see the module docstring): a Series indexed by the rows
    used; for a fit to a Parquet path the same numbers as in memory, for a dask fit a lazy dask Series whose
    partition k draws from its own stream (see the module docstring)."""
    seed = random_seed(seed)
    if not fit.model_frame.in_memory:
        return _streamed(fit, seed)
    y, w, _ = response(fit)
    mu = fit.fitted_values.to_numpy()
    rng = np.random.default_rng(seed)
    r = np.empty(y.shape)
    # in blocks of rows (a distribution function's temporaries are many per row), drawing from the one
    # generator in row order: the same uniforms as one call
    for start in range(0, y.size, BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        r[rows] = quantile_values(fit.family, y[rows], mu[rows], w[rows], fit.dispersion,
                                  lambda m: rng.uniform(size=m))
    return pd.Series(r, index=fit.rows_used, name="resid_quantile")


@dataclass(frozen=True)
class _InOrder:
    """Uniforms from one generator, block after block in row order: the in-memory stream (k unused)."""

    rng: np.random.Generator

    def __call__(self, m: int, k: int) -> np.ndarray:
        return self.rng.uniform(size=m)


@dataclass(frozen=True)
class _PerPartition:
    """Partition k's uniforms from the k-th child of ``seq`` (``seq.spawn()``'s k-th): independent streams,
    the same for the same seed whatever the cluster and the order the tasks run in."""

    seq: np.random.SeedSequence

    def __call__(self, m: int, k: int) -> np.ndarray:
        s = self.seq
        child = np.random.SeedSequence(s.entropy, spawn_key=tuple(s.spawn_key) + (k,), pool_size=s.pool_size)
        return np.random.default_rng(child).uniform(size=m)


def _seed_sequence(seed: Any) -> np.random.SeedSequence:
    """The seed sequence of ``seed``: a Generator gives one 63-bit integer drawn from it (it advances)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(seed)


def _block_residuals(b, fd, draws, k: int = 0) -> pd.Series:
    """One block's quantile residuals (the block number ``k`` picks a dask partition's stream)."""
    with np.errstate(all="ignore"):
        mu = fd.family.link.inverse(b.X.matvec(fd.beta) + b.offset)
    r = quantile_values(fd.family, b.y, mu, b.weights, fd.dispersion, partial(draws, k=k))
    return pd.Series(r, index=b.index if b.index is not None else pd.RangeIndex(r.size), name="resid_quantile")


def _streamed(fit: "GLMResults", seed: Any) -> Any:
    from .lazy import per_row

    with np.errstate(all="ignore"):  # a family without a distribution function says so now, not in a task
        fit.family.cdf(np.ones(1), np.full(1, 0.5), np.ones(1), fit.dispersion)
    source = fit.fit_data.source
    on_cluster = hasattr(source, "map_blocks")
    draws = _PerPartition(_seed_sequence(seed)) if on_cluster else _InOrder(np.random.default_rng(seed))
    return per_row(source, partial(_block_residuals, fd=fit.fit_data.portable(), draws=draws), "resid_quantile",
                   numbered=True, max_bytes=fit.model_frame.spec.limits.max_design_bytes)
