"""The passes the IRLS result takes beyond the loop's own (:mod:`glmstat.engine.irls`): the covariance from the QR
of the rows where a block solve's inverse lost digits (:func:`qr_covariance`), and R's dispersion numerator at
``convergence="R"`` (:func:`r_pearson`)."""

from __future__ import annotations

import operator
from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .scoring_pass import covariance_weights_eta, scoring_pass

__all__ = ["qr_covariance", "r_pearson"]


def qr_covariance(source: DesignSource, family: Family, kernel, beta: np.ndarray | None,
                  kept: np.ndarray) -> np.ndarray | None:
    """(X_K' W X_K)^{-1} on the kept columns from the factor-first QR of sqrt(W) X, W the working weights at
    ``beta`` (None: R's starting means), one more pass; None where its parts do not give it
    (:meth:`~glmstat.engine.structured_qr.FactorFirst.inverse_blocks`).  For a block solve that lost digits
    forming its Schur complement (:attr:`StepFactor.inv_error`): the QR takes the factor's levels out of the
    rows themselves, as R's QR does, and inverts only the triangular factor of what they leave."""
    parts = scoring_pass(source, family, beta, True, kernel).reducer.factor_first_parts
    blocks = None if parts is None else parts.inverse_blocks(kept)
    return None if blocks is None else blocks.inverse(kept)


def _block_r_pearson(b, family: Family, kernel, prev_beta: np.ndarray | None, beta: np.ndarray) -> float:
    at = kernel(b.y, b.weights, b.X.matvec(beta) + b.offset)
    before = kernel(b.y, b.weights, covariance_weights_eta(b, family, prev_beta, prev_beta is None))
    return float(np.sum(np.where(before.W > 0, before.W * at.r * at.r, 0.0)))


def r_pearson(source: DesignSource, family: Family, kernel, prev_beta: np.ndarray | None, beta: np.ndarray) -> float:
    """sum_i W_i(prev) r_i^2: R's dispersion numerator, working weights at ``prev_beta`` (None: at the
    family's starting mu) and working residuals r = (y - mu) / (d mu/d eta) at ``beta``."""
    part = partial(_block_r_pearson, family=family, kernel=kernel, prev_beta=prev_beta, beta=beta)
    return fold(source, part, operator.add, 0.0)
