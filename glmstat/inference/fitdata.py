"""What every inference feature receives: one documented value, not the results object's internals.

A feature function (influence, sandwich covariances, analysis of deviance, profile intervals, prediction,
marginal effects...) takes a :class:`FitData`: the rows the model was fitted to, as a row source over the
design interface (so the same function runs in memory, on Parquet row groups and on dask partitions), the
estimate and its unscaled covariance, the scalars of the fit, and the model frame for names and terms.

A different covariance (a sandwich estimator) is a :class:`Covariance` value handed to
:meth:`GLMResults.with_covariance`, which makes a new results object; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..once import once
from ..design.sources import InMemorySource
from ..engine.fit_state import Control
from ..families import Family
from ..formula.frame import ModelFrame

__all__ = ["FitData", "Covariance"]


@dataclass(frozen=True)
class Covariance:
    """A covariance of the estimates other than the model's phi (X'WX)^{-1}.

    ``kind`` is ``"HC0"``...``"HC3"``; ``label`` says how it was made (``"HC0, clustered by firm, 40
    clusters"``); ``matrix`` is p x p with NaN where aliased.  Tests use z (as ``lmtest::coeftest``).
    ``factor`` (p x m, zero rows where aliased) has ``matrix`` = factor factor' on the kept columns, for a
    covariance too ill-conditioned for quadratic forms x'Vx (see :mod:`~glmstat.inference.robust`); None
    otherwise.
    """

    kind: str
    label: str
    matrix: np.ndarray = field(repr=False, compare=False)
    factor: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class FitData:
    """A fitted model as inference needs it.

    Attributes
    ----------
    source : InMemorySource
        The rows used: design (a :class:`~glmstat.design.base.Design`), response, total weights (prior
        weights times binomial trials), trials and offset, read in blocks.
    family : Family
    coef : ndarray (p,)
        The estimate, NaN where aliased.
    kept : ndarray of bool (p,)
        The columns that are not aliased.
    cov_unscaled : ndarray (p, p)
        (X'WX)^{-1} at the estimate over the kept columns, NaN rows and columns where aliased.
    dispersion : float
    deviance : float
    n_ok : int
        Rows with a positive weight.
    control : Control
        The IRLS settings of the fit (refits use them).
    frame : ModelFrame
        Column names, terms, the model spec, the rows used.
    n_boundary : int
        Fitted means on the edge of the family's domain at the estimate.
    weights_beta : ndarray (p,) or None
        With ``convergence="R"``: the coefficients at which the working weights of ``cov_unscaled`` were
        evaluated (the start of R's last iteration); None: at the estimate.
    weights_at_start : bool
        With ``convergence="R"``: those weights are the family's starting means' (R stopped at its first
        iteration).
    cov_factor : ndarray (p, rank) or None
        F with ``cov_unscaled`` = F F' on the kept columns (zero rows where aliased), for a covariance too
        ill-conditioned for quadratic forms x'Cx; set by
        :func:`~glmstat.inference.covariance_factor.with_cov_factor`, None otherwise.
    cov_factor_levels : ndarray of int or None
        Where ``cov_factor`` is levels-first (the inverse of the QR factor with a wide factor's columns first):
        the design columns of that factor's levels, its first columns' rows (column j of ``cov_factor`` is
        zero but at row ``cov_factor_levels[j]``), so that x_i'F has one non-zero among them; None otherwise.
    """

    source: InMemorySource = field(repr=False)
    family: Family
    coef: np.ndarray = field(repr=False)
    kept: np.ndarray = field(repr=False)
    cov_unscaled: np.ndarray = field(repr=False)
    dispersion: float
    deviance: float
    n_ok: int
    control: Control
    frame: ModelFrame = field(repr=False)
    n_boundary: int = 0  # fitted means on the edge of the family's domain at the estimate
    weights_beta: np.ndarray | None = field(default=None, repr=False)
    weights_at_start: bool = False
    cov_factor: np.ndarray | None = field(default=None, repr=False)
    cov_factor_levels: np.ndarray | None = field(default=None, repr=False)

    def portable(self) -> "FitData":
        """The same fit without its rows and frame: what a per-block computation needs, small enough to ship
        to a cluster's workers."""
        return replace(self, source=None, frame=None)

    @property
    def rank(self) -> int:
        return int(self.kept.sum())

    @property
    def df_residual(self) -> int:
        """Rows with a positive weight minus the rank."""
        return self.n_ok - self.rank

    @property
    def n_rows(self) -> int:
        """Rows used, zero-weight rows included."""
        return self.source.n_rows

    @once
    def beta(self) -> np.ndarray:
        """The estimate with 0 for aliased columns (so X beta is the linear predictor)."""
        return np.where(self.kept, self.coef, 0.0)

    @once
    def cov_zeroed(self) -> np.ndarray:
        """(X'WX)^{-1} with zeros where aliased: x' C x over all columns is the kept columns' form."""
        return np.where(np.outer(self.kept, self.kept), self.cov_unscaled, 0.0)

    @once
    def cov_kept(self) -> np.ndarray:
        """(X_K' W X_K)^{-1}, kept x kept."""
        k = np.flatnonzero(self.kept)
        return self.cov_unscaled[np.ix_(k, k)]
