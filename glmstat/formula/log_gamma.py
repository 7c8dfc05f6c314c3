"""R's log-gamma function, ``lgammafn_sign`` of R's nmath, where its value is a term of a difference that cancels.

``choose(n, k)`` of a fractional n below k - 1 is R's exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)),
signed: terms of up to 1e16 whose difference is a few hundred at most, so that one unit in the last place of a
term is 4e-6 relative in ``choose(0.5, 1e9)`` and more beyond.  scipy's gammaln and gammasgn are other
approximations (their ``choose(0.5, 3e9)`` had the wrong sign); this is R's formula, term for term, with C's
``log`` (Python's math, not numpy's vector loops, which may round otherwise):

* |x| <= 10: log |Gamma(x)|;
* x > 10: log(sqrt(2 pi)) + (x - 1/2) log x - x + lgammacor(x) (without lgammacor above 4934720, x (log x - 1)
  above 1e17);
* x < -10, y = -x: log(sqrt(pi / 2)) + (x - 1/2) log y - x - log |sinpi(y)| - lgammacor(y);

where lgammacor(x) = log Gamma(x) - Stirling's approximation, R's Chebyshev series of 5 terms in (10 / x)^2 (1 /
(12 x) above 94906265.62).  The sign of Gamma(x) is -1 for x < 0 with floor(-x) even, else 1.
"""

from __future__ import annotations

import math

from .._scipy import special

__all__ = ["r_lgamma_sign"]

_LN_SQRT_2PI = 0.918938533204672741780329736406  # log(sqrt(2 pi))
_LN_SQRT_PI_HALF = 0.225791352644727432363097614947  # log(sqrt(pi / 2))
_XMAX = 2.5327372760800758e305  # R's xmax of lgammafn: beyond, Inf
#: the first terms of the Chebyshev series of lgammacor (SLATEC's algmcs), of which R sums 5
_ALGMCS = (+0.1666389480451863247205729650822e+0, -0.1384948176067563840732986059135e-4,
           +0.9810825646924729426157171547487e-8, -0.1809129475572494194263306266719e-10,
           +0.6221098041892605227126015543416e-13)
_XBIG = 94906265.62425156  # above: lgammacor is 1 / (12 x)


def _chebyshev(t: float, coefficients: tuple) -> float:
    """The Chebyshev series sum of ``coefficients`` at ``t`` in [-1, 1], by Clenshaw's recurrence (as R's
    chebyshev_eval: b0 = 2t b1 - b2 + a_j from the last coefficient down, the half difference of b0 and b2)."""
    b0 = b1 = b2 = 0.0
    for a in reversed(coefficients):
        b2, b1 = b1, b0
        b0 = 2.0 * t * b1 - b2 + a
    return (b0 - b2) * 0.5


def _lgammacor(x: float) -> float:
    """log Gamma(x) - (log(sqrt(2 pi)) + (x - 1/2) log x - x) for x >= 10, as R's lgammacor computes it."""
    if x < _XBIG:
        tmp = 10.0 / x
        return _chebyshev(tmp * tmp * 2.0 - 1.0, _ALGMCS) / x
    return 1.0 / (x * 12.0)


def _sinpi(y: float) -> float:
    """sin(pi y) as R's sinpi: y reduced modulo 2 into (-1, 1], exactly 0 and +-1 at the multiples of 1/2."""
    y = math.fmod(y, 2.0)
    if y <= -1.0:
        y += 2.0
    elif y > 1.0:
        y -= 2.0
    if y == 0.0 or y == 1.0:
        return 0.0
    if y == 0.5:
        return 1.0
    if y == -0.5:
        return -1.0
    return math.sin(math.pi * y)


def r_lgamma_sign(x: float) -> tuple[float, float]:
    """R's ``lgammafn_sign(x)``: log |Gamma(x)| and the sign of Gamma(x) (the module's formulas), for one double
    (not NaN).  +Inf at the poles (0 and the negative integers) and beyond R's xmax."""
    sign = -1.0 if x < 0 and math.fmod(math.floor(-x), 2.0) == 0 else 1.0
    if x <= 0 and x == math.trunc(x):
        return math.inf, sign
    y = abs(x)
    if y < 1e-306:
        return -math.log(y), sign
    if y <= 10:
        return math.log(abs(float(special.gamma(x)))), sign
    if y > _XMAX:
        return math.inf, sign
    if x > 0:
        if x > 1e17:
            return x * (math.log(x) - 1.0), sign
        if x > 4934720.0:
            return _LN_SQRT_2PI + (x - 0.5) * math.log(x) - x, sign
        return _LN_SQRT_2PI + (x - 0.5) * math.log(x) - x + _lgammacor(x), sign
    return _LN_SQRT_PI_HALF + (x - 0.5) * math.log(y) - x - math.log(abs(_sinpi(y))) - _lgammacor(y), sign
