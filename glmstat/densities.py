"""Log densities and deviance terms that stay accurate for huge counts, tiny dispersions and y close to mu.

The textbook formulas are differences of nearly equal large numbers: y log(y/mu) - (y - mu) near y = mu
(the Poisson and binomial deviance), y log(mu) - mu - log(y!) for counts of 1e9 (the Poisson likelihood),
(a - 1) log(y) - y/s - log Gamma(a) - a log(s) for a Gamma shape a = 1e14 (a near-perfect Gamma fit).
R's ``dpois``, ``dbinom`` and ``dgamma`` use Catherine Loader's saddle-point forms instead, which are
reproduced here:

    bd0(x, lam)      = x log(x / lam) + lam - x                         (>= 0)
    stirlerr(n)      = log(n!) - ((n + 1/2) log(n) - n + log(2 pi) / 2)  (Stirling's error)
    log dpois(x; lam) = -stirlerr(x) - bd0(x, lam) - log(2 pi x) / 2     (x > 0; -lam at x = 0)
    log dbinom(k; n, p) = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n p) - bd0(n - k, n q)
                          - log(2 pi k (n - k) / n) / 2                   (0 < k < n)
    log dgamma(y; a, s) = log dpois(a - 1; y / s) - log(s)                (a >= 1)
                        = log dpois(a; y / s) + log(a / y)                (a < 1)

bd0 and the Gamma deviance term r - log1p(r) (r = (y - mu) / mu) are summed as Taylor series where
|r| < ``NEAR``:  (1 + r) log1p(r) - r = sum_{k>=2} (-1)^k r^k / (k (k - 1)),
r - log1p(r) = sum_{k>=2} (-1)^k r^k / k, truncated after r^11 (relative error < 1e-17 at |r| = NEAR).
"""

from __future__ import annotations

import numpy as np
from ._scipy import special

__all__ = ["bd0", "gamma_excess", "tweedie_excess", "nb_excess", "stirlerr", "log_dpois", "log_dbinom", "log_dgamma",
           "log_dnbinom", "NEAR"]

Array = np.ndarray

NEAR = 0.01
_PHI_COEF = tuple((-1.0) ** k / (k * (k - 1)) for k in range(2, 12))
_PSI_COEF = tuple((-1.0) ** k / k for k in range(2, 12))
_LN_SQRT_2PI = 0.5 * np.log(2 * np.pi)
# stirlerr(n) ~ 1/(12 n) - 1/(360 n^3) + 1/(1260 n^5) - 1/(1680 n^7) + 1/(1188 n^9) for n > 15 (as R)
_S = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def _series(r: Array, coef: tuple[float, ...]) -> Array:
    """r^2 (c_2 + c_3 r + ...) by Horner's rule."""
    acc = np.zeros_like(r)
    for c in reversed(coef):
        acc = acc * r + c
    return acc * r * r


def _patch_near(direct: Array, x: Array, lam: Array, coef: tuple[float, ...], times_lam: bool) -> Array:
    """``direct`` with the rows where |x - lam| < NEAR |lam| replaced by the series (times lam if asked).

    Only those rows are evaluated: with small counts they are few, so the guard costs little."""
    with np.errstate(invalid="ignore", over="ignore"):
        x, lam = np.broadcast_arrays(x, lam)
        near = np.abs(x - lam) < NEAR * np.abs(lam)
        if not near.any():
            return direct
        out = np.array(direct, dtype=float, copy=True)
        xs, ls = x[near], lam[near]
        series = _series((xs - ls) / ls, coef)
        out[near] = ls * series if times_lam else series
        return out


def bd0(x: Array, lam: Array) -> Array:
    """x log(x / lam) + lam - x, taken as lam at x = 0; accurate also when x is close to lam."""
    x, lam = np.asarray(x, dtype=float), np.asarray(lam, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0) / lam), 0.0) - (x - lam)
    return _patch_near(direct, x, lam, _PHI_COEF, times_lam=True)


def gamma_excess(y: Array, mu: Array) -> Array:
    """(y - mu) / mu - log(y / mu) (log(y/mu) read as 0 at y = 0, as R); accurate also when y is close to mu."""
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = (y - mu) / mu - np.log(np.where(y == 0, 1.0, y / mu))
    return _patch_near(direct, y, mu, _PSI_COEF, times_lam=False)


def tweedie_excess(y: Array, mu: Array, p: float) -> Array:
    """y (y^(1-p) - mu^(1-p)) / (1-p) - (y^(2-p) - mu^(2-p)) / (2-p) (log(y/mu) where a power is 0), for y > 0
    and mu > 0; accurate also when y is close to mu.

    With L = log(mu / y) it is y^(2-p) (E(2-p) - E(1-p)), E(a) = expm1(a L) / a (L at a = 0): the direct
    differences lose all but a few digits when y ~ mu (the excess is ~L^2/2, its terms ~L), so near y the
    series of E(2-p) - E(1-p) = sum_k L^k ((2-p)^(k-1) - (1-p)^(k-1)) / k! (k >= 2) is used.
    """
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # (log1p of (mu - y) / y only near y: far below it, 1 + that ratio keeps few digits of mu / y -- 4e-4 of
        # the deviance at mu / y = 1e-14 -- and rounds to 0 below eps, where the deviance came out inf or NaN)
        r = (mu - y) / y
        L = np.where(np.abs(r) < 0.5, np.log1p(r), np.log(mu) - np.log(y))

        def e(a: float) -> Array:
            return L if a == 0 else np.expm1(a * L) / a

        direct = e(2.0 - p) - e(1.0 - p)
        acc, fact, Lk = np.zeros_like(L), 1.0, L.copy()
        for k in range(2, 12):
            fact *= k
            Lk = Lk * L
            acc = acc + Lk * ((2.0 - p) ** (k - 1) - (1.0 - p) ** (k - 1)) / fact
        diff = np.where(np.abs(L) < NEAR, acc, direct)
        return y ** (2.0 - p) * diff


def nb_excess(y: Array, mu: Array, theta: float) -> Array:
    """Half the negative binomial unit deviance, y log(max(1, y) / mu) - (y + theta) log((y + theta) / (mu + theta))
    (R's ``negative.binomial()$dev.resids`` over 2); accurate also when y is close to mu.

    There both terms are about y r (r = (y - mu) / mu) and their difference is about mu r^2 / 2 times
    theta / (mu + theta): the direct form loses log10(y / (mu r^2)) digits (a relative error of 1e-4 in the
    deviance of counts of 1e8 fitted to 1e-4).  It equals bd0(y, mu) - bd0(y + theta, mu + theta), whose series
    in r is summed term by term instead:

        mu sum_{k>=2} (-1)^k r^k / (k (k - 1)) (1 - (mu / (mu + theta))^(k-1)),

    each bracket -expm1(-(k - 1) log1p(theta / mu)) exact, every term of one sign pattern as in bd0's series
    (theta -> inf gives bd0's, theta -> 0 theta (r - log1p(r))).
    """
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = (y - mu) / (mu + theta)  # (log1p(ratio) only above -1/2: it rounds to -1 at a mean of 1e16 y)
        log_ratio = np.where(ratio > -0.5, np.log1p(ratio), np.log(y + theta) - np.log(mu + theta))
        direct = special.xlogy(y, np.maximum(1.0, y) / mu) - (y + theta) * log_ratio
        # (log1p(-mu / (mu + theta)) near -1 loses digits)
        direct = np.where(y == 0, theta * np.log1p(mu / theta), direct)
        # theta <= y: the same as -theta log(y / mu) - (y + theta) log1p(theta (mu - y) / (y (mu + theta))),
        # whose terms are theta-sized rather than y-sized (theta << y: R's form subtracts two terms of y r to
        # leave theta r^2 / 2, all digits lost at y / theta = 1e12).  The argument of log1p is 1 + it =
        # mu (y + theta) / (y (mu + theta)) less 1, which rounds to -1 once mu is below eps theta: there the
        # log of that product is taken instead (log1p(-1) = -inf made the deviance inf, or NaN at mu = 0 where
        # R's form is inf: the null model y ~ 0 of a sqrt link)
        small = (y >= 1.0) & (theta <= y) & (mu > 0)
        if np.any(small):
            ys = np.where(small, y, 1.0)
            ratio = theta * (mu - y) / (ys * (mu + theta))
            log_rest = np.where(ratio > -0.5, np.log1p(ratio), np.log(mu * (ys + theta) / (ys * (mu + theta))))
            alt = -theta * np.log(ys / mu) - (y + theta) * log_rest
            direct = np.where(small, alt, direct)
        y, mu = np.broadcast_arrays(y, mu)
        # (below y = 1, R's max(1, y) makes it another function, left as R computes it)
        near = (np.abs(y - mu) < NEAR * np.abs(mu)) & (y >= 1.0)
        if not near.any():
            return direct
        ys, ms = y[near], mu[near]
        r, lead = (ys - ms) / ms, np.log1p(theta / ms)
        acc, rk = np.zeros_like(r), r * r
        for k in range(2, 12):
            acc = acc + (-1.0) ** k * rk / (k * (k - 1)) * -np.expm1(-(k - 1) * lead)
            rk = rk * r
        out = np.array(direct, dtype=float, copy=True)
        out[near] = ms * acc
        return out


def stirlerr(n: Array) -> Array:
    """log(n!) - ((n + 1/2) log(n) - n + log(2 pi)/2), for real n > 0 (0 at n = 0, as R)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = special.gammaln(n + 1.0) - (n + 0.5) * np.log(n) + n - _LN_SQRT_2PI
        n2 = 1.0 / (n * n)
        large = (_S[0] - (_S[1] - (_S[2] - (_S[3] - _S[4] * n2) * n2) * n2) * n2) / n
        return np.where(n > 15, large, np.where(n == 0, 0.0, small))


def log_dpois(x: Array, lam: Array) -> Array:
    """log of the Poisson probability of x (read as a real number, as R's dpois_raw) with mean lam."""
    x, lam = np.asarray(x, dtype=float), np.asarray(lam, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = -stirlerr(x) - bd0(x, lam) - 0.5 * np.log(2 * np.pi * np.where(x > 0, x, 1.0))
        return np.where(x > 0, pos, -lam)


def log_dbinom(k: Array, n: Array, p: Array) -> Array:
    """log of the binomial probability of k successes in n trials with success probability p."""
    k, n, p = (np.asarray(v, dtype=float) for v in (k, n, p))
    q = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) - bd0(n - k, n * q)
                 - 0.5 * np.log(2 * np.pi * np.where((k > 0) & (k < n), k * (1.0 - k / n), 1.0)))
        at0 = special.xlog1py(n, -p)
        atn = special.xlogy(n, p)
        return np.where(k == 0, at0, np.where(k == n, atn, inner))


def log_dgamma(y: Array, shape: float, scale: Array) -> Array:
    """log of the Gamma density at y with the given shape and scale (mean shape * scale)."""
    y, scale = np.asarray(y, dtype=float), np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if shape >= 1:
            return log_dpois(shape - 1.0, y / scale) - np.log(scale)
        return log_dpois(shape, y / scale) + np.log(shape / y)


#: From this theta on, log dnbinom takes lgamma(theta + y) - lgamma(theta) through Stirling's error.
_NB_LARGE_THETA = 1e3


def log_dnbinom(y: Array, theta: float, mu: Array) -> Array:
    """log of the negative binomial probability of y with mean mu and shape theta (variance mu + mu^2/theta):

        lgamma(theta + y) - lgamma(theta) - lgamma(y + 1) + theta log(theta / (theta + mu)) + y log(mu / (theta + mu))
        = D - lgamma(y + 1) + y log(mu) - (theta + y) log1p(mu / theta),
        D = lgamma(theta + y) - lgamma(theta) - y log(theta)
          = (theta + y - 1/2) log1p(y / theta) - y + stirlerr(theta + y) - stirlerr(theta)   (theta >= 1e3).

    The textbook form subtracts numbers of size theta log(theta); near the Poisson limit (theta = 1e8 and more)
    its rounding error, 1e-6 per row, swamps the difference from the Poisson likelihood.  These forms have none.
    """
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if theta >= _NB_LARGE_THETA:
            d = (theta + y - 0.5) * np.log1p(y / theta) - y + stirlerr(theta + y) - stirlerr(theta)
        else:
            d = special.gammaln(theta + y) - special.gammaln(theta) - y * np.log(theta)
        return d - special.gammaln(y + 1.0) + special.xlogy(y, mu) - (theta + y) * np.log1p(mu / theta)
