"""Per-row IRLS quantities of one block at a linear predictor eta: deviance, Pearson chi-square, working
weights and working residuals.

For any family and link (R's ``glm.fit``):

    mu = g^{-1}(eta),   W = w (d mu/d eta)^2 / V(mu),   r = (y - mu) / (d mu/d eta),
    deviance = sum w d(y, mu),   Pearson = sum w (y - mu)^2 / V(mu),

with rows of zero weight (or zero d mu/d eta) given W = 0.  :func:`generic` evaluates exactly that from
the family's and link's functions.  Common family/link pairs have *fused* versions that compute the same
quantities with a few array operations, using identities that hold when eta stays inside the range where
R's clamps are inactive (checked once per block from min/max eta; otherwise the generic code runs):

* binomial, logit:  mu = e/(1+e), d mu/d eta = V(mu) = e/(1+e)^2 with e = exp(eta), so W = w mu(1-mu),
  and -y log mu - (1-y) log(1-mu) = log(1+e) - y eta;
* Poisson, log:     mu = d mu/d eta = V(mu) = exp(eta), W = w mu, y log(y/mu) = y log y - y eta;
* Gamma, log:       mu = d mu/d eta = exp(eta), V = mu^2, W = w, r = y/mu - 1;
* Gaussian, identity: W = w, r = y - eta.

The last two have working weights that do not depend on eta (``fixed_weights``): X'WX is the same in
every pass, so the engine forms it once and afterwards only reduces the score X'W r.

Quasi families share their base family's kernel (the dispersion is estimated later, not here).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
from .._scipy import special

from ..families import Binomial, Family, Gamma, Gaussian, Poisson

__all__ = ["Working", "generic", "kernel_for", "constant_mean_deviance", "trusted", "deviance_from_sums"]

_EPS = np.finfo(float).eps
# (the ufunc and BLAS entry points themselves: ndarray.max and @ add Python-level dispatch that costs more
# than a reduction over a few hundred rows)
_max, _dot = np.maximum.reduce, np.dot
_EDGE = 10 * _EPS
#: A deviance assembled from sums of large terms is used only when its rounding error (about eps times the
#: terms' magnitude) is below ~1e-10 of it; otherwise it is summed row by row with the family's own
#: (cancellation-free) unit deviance, as R sums it.  Near-perfect fits and huge counts take the careful path.
#: (1e-10, not just R's 1e-6: a likelihood-ratio statistic is a difference of two deviances, and must keep
#: 1e-6 of itself when it is a small part of them -- counts of 9e6 with a deviance of 2e3 rounded to 2e-4
#: under a bound of 1e-6, and an LR statistic of 15 was off by 1.3e-5 of itself.)  That steers the iterations;
#: the deviance at the estimate is summed from the unit deviances (:func:`deviance_from_sums`), since 1e-10 of a
#: deviance of 5,855 was still 1.4e-5 of an LR statistic of 0.0073.
_CANCEL = 1e10 * _EPS


def trusted(dev: float, scale: float) -> bool:
    """A deviance computed as a difference of sums of size ``scale`` keeps enough digits."""
    return math.isfinite(dev) and dev >= _CANCEL * scale


class Working(NamedTuple):
    """IRLS quantities of one block (a named tuple: built several times per pass, so it must be cheap)."""

    deviance: float
    pearson: float
    valid: bool
    W: np.ndarray  # working weights (0 where the prior weight or d mu/d eta is 0: the one zero-weight rule)
    r: np.ndarray  # working residuals (y - mu) / (d mu/d eta) (response scale of the step)
    n_boundary: int
    fixed_weights: bool = False  # W is the prior weights themselves, whatever eta (so X'WX never changes)
    mu: np.ndarray | None = None  # the fitted means g^{-1}(eta)

    def pearson_residuals(self, y: np.ndarray) -> np.ndarray:
        """(y - mu) sqrt(w / V(mu)) = sign(y - mu) sqrt(W) |r| (0 where the working weight is 0)."""
        return np.sign(y - self.mu) * np.sqrt(self.W) * np.abs(self.r)

    @property
    def scores(self) -> np.ndarray:
        """W r = w (y - mu) (d mu/d eta) / V(mu): each row's contribution to the score X'W r."""
        return self.W * self.r


def generic(family: Family, y: np.ndarray, w: np.ndarray, eta: np.ndarray, start_offset: np.ndarray | None = None
            ) -> Working:
    """The quantities from the family's and link's own functions.

    With ``start_offset`` (the first pass, from R's starting mu) the residual is the working response
    minus the offset, z - offset = eta - offset + (y - mu) / (d mu/d eta), since that pass solves for the
    coefficients themselves.
    """
    link = family.link
    lo, hi = family.mu_domain.low, family.mu_domain.high
    with np.errstate(all="ignore"):
        mu = link.inverse(eta)
        dev = float(np.sum(w * family.unit_deviance(y, mu)))
        valid = link.valid_eta(eta) and family.valid_mu(mu)
        mu_eta = link.mu_eta(eta)
        var = family.variance(mu)
        good = (w > 0) & (mu_eta != 0)
        r = (y - mu) / mu_eta
        W = np.where(good, w * mu_eta * (mu_eta / var), 0.0)  # no overflow of mu_eta^2
        r = np.where(good, r if start_offset is None else eta - start_offset + r, 0.0)
        pearson = float(np.sum(np.where(good, w * (y - mu) ** 2 / var, 0.0)))
        # (a variance that overflows where the mean does not -- an inverse Gaussian log-link mean of 1e110, whose
        # mu^3 is inf -- gives the row a working weight of 0 and a finite residual, as R's glm.fit, which goes on
        # with it; only a NaN or 0 variance, or a weight or residual not finite, leaves nothing to solve with)
        if np.any(good & ~((var > 0) & np.isfinite(r) & np.isfinite(W))):
            valid = False  # e.g. eta = log(0) = -inf from the starting mu: nothing to solve with
        n_boundary = int(np.count_nonzero((mu - lo < _EDGE) | (hi - mu < _EDGE)))  # mu = inf on a bad step
    return Working(dev, pearson, bool(valid and np.isfinite(dev)), W, r, n_boundary, mu=mu)


def _finite(dev: float, pearson: float) -> bool:
    return math.isfinite(dev) and math.isfinite(pearson)


def _sum_w_entropy(y, w):
    """sum w (y log y + (1-y) log(1-y)): zero for 0/1 responses, the proportions' share of the deviance."""
    if not (y * (1.0 - y)).any():
        return 0.0
    with np.errstate(invalid="ignore"):
        return float(w @ np.where(w > 0, special.xlogy(y, y) + special.xlogy(1.0 - y, 1.0 - y), 0.0))


def _logit(y, w, eta, sums: "_BlockSums"):
    if not _max(np.abs(eta)) <= 30.0:  # R's clamps at |eta| > 30 (and NaN): generic path
        return None
    e = np.exp(eta)
    d = e + 1.0
    mu = e / d
    q = mu / d  # mu (1 - mu) = d mu/d eta = V(mu)
    W = w * q
    r = y - mu
    r /= q
    # y log(y/mu) + (1-y) log((1-y)/(1-mu)) = ent(y) + log(1+e) - y eta
    s1, s2 = float(_dot(w, np.log(d))), float(_dot(w, y * eta))
    dev = 2.0 * (s1 - s2)
    if not trusted(dev, 2.0 * (abs(s1) + abs(s2))):
        return None
    dev += 2.0 * sums.get("entropy", y, w, _sum_w_entropy)
    pearson = float(_dot(W, r * r))
    # |eta| <= 30 keeps mu more than 10 eps away from 0 and 1: no boundary rows
    return Working(dev, pearson, _finite(dev, pearson), W, r, 0, mu=mu)


def _log_mean(eta):
    """exp(eta) when R's log-link clamps are inactive (and mu stays off the boundary), else None."""
    if not (-33.0 <= eta.min() and eta.max() <= 700.0):
        return None
    return np.exp(eta)


class _BlockSums:
    """Sums over a block that no pass changes (sum w y log y, sum w log y, the binomial entropy), kept for one
    fit.

    A one-block source hands the engine the same arrays every pass: recognised by identity, cheaply.  A block
    of a larger in-memory source is a new view each pass, recognised by the source's arrays it views (held
    here, so their memory cannot be reused while the fit runs) and the view's position.  Blocks that are
    neither (streamed row groups) are summed afresh each pass.
    """

    def __init__(self) -> None:
        self._sums: dict = {}
        self._last: dict = {}  # key name -> (y, w, value) of the last block seen, by identity

    def get(self, key_name: str, y: np.ndarray, w: np.ndarray, compute) -> float:
        last = self._last.get(key_name)
        if last is not None and last[0] is y and last[1] is w:
            return last[2]
        yb, wb = y.base, w.base
        # (the first block of a fit is summed without a key: a one-block source is then found by identity, and
        # a larger one sums its first block once more on the next pass)
        if last is None or not (isinstance(yb, np.ndarray) and isinstance(wb, np.ndarray)) or len(self._sums) > 4096:
            v = compute(y, w)
        else:
            key = (key_name, id(yb), id(wb), y.__array_interface__["data"][0], w.__array_interface__["data"][0],
                   y.shape[0])
            hit = self._sums.get(key)
            if hit is not None and hit[0] is yb and hit[1] is wb:
                v = hit[2]
            else:
                v = compute(y, w)
                self._sums[key] = (yb, wb, v)
        self._last[key_name] = (y, w, v)
        return v


def _sum_w_ylogy(y, w):
    return float(w @ special.xlogy(y, y))


def _sum_w_logy(y, w):
    return float(w @ np.log(y))


def _poisson_log(y, w, eta, sums: _BlockSums):
    mu = _log_mean(eta)
    if mu is None or y.min() < 0:
        return None
    W = w * mu
    res = y - mu
    r = res / mu
    # sum w (y log(y/mu) - (y - mu)) = sum w y log y - sum w y (eta + 1) + sum w mu, as eta = log mu
    t = eta + 1.0
    t *= y
    s1, s2, s3 = sums.get("ylogy", y, w, _sum_w_ylogy), float(w @ t), float(w @ mu)
    dev = 2.0 * (s1 - s2 + s3)
    if not trusted(dev, 2.0 * (abs(s1) + abs(s2) + abs(s3))):
        return None
    pearson = float(W @ (r * r))
    return Working(dev, pearson, _finite(dev, pearson), W, r, 0, mu=mu)


def _gamma_log(y, w, eta, sums: _BlockSums):
    mu = _log_mean(eta)
    if mu is None or y.min() <= 0:
        return None
    r = y / mu
    r -= 1.0
    # -2 sum w (log(y/mu) - (y - mu)/mu) = -2 (sum w log y - sum w eta - sum w r)
    s1, s2, s3 = sums.get("logy", y, w, _sum_w_logy), float(w @ eta), float(w @ r)
    dev = -2.0 * (s1 - s2 - s3)
    if not trusted(dev, 2.0 * (abs(s1) + abs(s2) + abs(s3))):
        return None
    pearson = float(w @ (r * r))
    return Working(dev, pearson, _finite(dev, pearson), w, r, 0, True, mu=mu)


def _gaussian_identity(y, w, eta):
    r = y - eta
    dev = float(w @ (r * r))
    return Working(dev, dev, _finite(dev, dev), w, r, 0, True, mu=eta)


def _fused(family: Family):
    """The fused kernel for ``family`` (binomial logit, Poisson log, Gamma log, Gaussian identity), or None."""
    link = family.link.name
    if isinstance(family, Binomial) and link == "logit":
        return _logit
    if isinstance(family, Poisson) and link == "log":
        return _poisson_log
    if isinstance(family, Gamma) and link == "log":
        return _gamma_log
    if isinstance(family, Gaussian) and link == "identity":
        return _gaussian_identity
    return None


#: the fused kernels that assemble the deviance from sums over the block (:class:`_BlockSums`)
_FROM_SUMS = (_logit, _poisson_log, _gamma_log)


def deviance_from_sums(family: Family) -> bool:
    """Whether :func:`kernel_for`'s kernel may assemble the deviance from sums of large terms (binomial logit,
    Poisson log, Gamma log): within ~1e-10 of itself, enough to steer the iterations, but not for a
    likelihood-ratio statistic that is a small part of two deviances, so the deviance at the estimate is summed
    from the unit deviances (:func:`glmstat.engine.passes.deviance_part`), as R sums it.

    Parameters
    ----------
    family : Family
        Error distribution and link.

    Returns
    -------
    bool
    """
    return _fused(family) in _FROM_SUMS


def kernel_for(family: Family) -> Callable[[np.ndarray, np.ndarray, np.ndarray], Working]:
    """The fastest exact kernel for ``family``: a fused one where it applies, else :func:`generic`."""
    fused = _fused(family)
    if fused is None:
        return lambda y, w, eta: generic(family, y, w, eta)
    if fused in _FROM_SUMS:
        sums = _BlockSums()

        def kernel(y, w, eta):
            out = fused(y, w, eta, sums)
            return generic(family, y, w, eta) if out is None else out

        return kernel

    def kernel(y, w, eta):
        out = fused(y, w, eta)
        return generic(family, y, w, eta) if out is None else out

    return kernel


def constant_mean_deviance(family: Family, y: np.ndarray, w: np.ndarray, mu: float) -> float:
    """sum_i w_i d(y_i, mu) for one mean mu (the null model without offset).

    Binomial with 0/1 responses: -2 [log(mu) sum w y + log(1-mu) sum w (1-y)], a sum of positive terms.  Other
    responses and families sum the unit deviances row by row, as R: the null deviance from sums of y log y and
    y log(mu) was within 1e-10 of itself, and a sequential statistic of 0.0044 (the null deviance of 5,909 less
    that of the first term's model) was off by 6.1e-6 of itself.
    """
    if 0.0 < mu < 1.0 and isinstance(family, Binomial) and not (y * (1.0 - y)).any():
        swy = float(w @ y)
        return -2.0 * (math.log(mu) * swy + math.log1p(-mu) * (float(w.sum()) - swy))
    mu_arr = np.full_like(y, mu)
    return float(np.sum(w * family.unit_deviance(y, mu_arr)))
