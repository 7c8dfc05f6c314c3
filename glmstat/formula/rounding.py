"""R's ``round(x, digits)``: rounding to decimal digits as R (4.0.0 and later) rounds.

Scaling by ``10**digits`` and rounding the product (numpy's ``np.round``) lets the rounding error of the
product decide: ``np.round(2.675, 2)`` is 2.68, while the double 2.675 is below 2.675 and R gives 2.67.  R
instead takes the two numbers of ``digits`` decimals that bracket ``x`` and returns the one nearer to ``x`` as a
double, the even one on an exact tie.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["r_round", "r_signif"]

_DBL_DIG = 15  # decimal digits a double always carries (C's DBL_DIG)
_MAX_10_EXP = 308  # largest power of 10 a double holds (C's DBL_MAX_10_EXP)
_MAX_DIGITS = _MAX_10_EXP + _DBL_DIG  # more digits than this change no double (the smallest are ~1e-323)


def _pow10(n: int) -> float:
    """``10.0**n`` as R's ``R_pow_di`` computes it: by squaring, then the reciprocal for ``n < 0``.

    Beyond ``10**22`` the product is not exact, and the bracketing numbers are only R's if they are divided by
    the very double R divides by."""
    result, base, m = 1.0, 10.0, abs(n)
    while True:
        if m & 1:
            result *= base
        m >>= 1
        if not m:
            break
        base *= base
    return 1.0 / result if n < 0 else result


def _logb(a: np.ndarray) -> np.ndarray:
    """The binary exponent of each positive ``a`` (C's ``logb``: ``floor(log2(a))``, subnormals included)."""
    return np.frexp(a)[1] - 1.0


def _round_positive(a: np.ndarray, digits: int) -> np.ndarray:
    """Positive finite ``a`` rounded to ``digits`` decimals: the nearer of the two bracketing candidates, the one
    with an even last digit on a tie.  ``10**digits`` is split in two when it would overflow (``a`` tiny)."""
    if digits <= _MAX_10_EXP:
        scale = (_pow10(digits),)
    else:
        scale = (_pow10(_MAX_10_EXP), _pow10(digits - _MAX_10_EXP))
    scaled = a
    for p in scale:
        scaled = scaled * p
    low = np.floor(scaled)  # its parity breaks a tie
    down, up = low, np.ceil(scaled)
    for p in scale:  # divided in the order multiplied, as R does
        down, up = down / p, up / p
    below, above = a - down, up - a
    take_up = (above < below) | ((above == below) & (np.fmod(low, 2.0) == 1.0))
    return np.where(take_up, up, down)


def r_round(x: np.ndarray | float, digits: int = 0) -> np.ndarray:
    """Round ``x`` to ``digits`` decimal digits as R's ``round(x, digits)`` does (R >= 4.0.0).

    Parameters
    ----------
    x : ndarray or float
        Numbers to round.
    digits : int
        Decimal places to keep; negative rounds to tens (-1), hundreds (-2) and so on.

    Returns
    -------
    ndarray
        Float array shaped as ``x``.  With ``digits == 0``, the nearest whole number, ties to even (IEC 60559).
        Otherwise, of the two numbers with ``digits`` decimals that bracket ``|x|``, the one nearer to ``|x|`` as a
        double (the even one when the two are equally near), signed as ``x``: ``round(2.675, 2)`` is 2.67
        because the double 2.675 is 2.67499999999999982236431605997495353221893310546875.  ``x`` is returned
        unchanged when it is NaN, infinite or zero (-0 stays -0), or when ``digits`` asks for more than the 15
        significant digits a double carries (``round(1e300, 1)``); ``digits`` below -308 gives 0 for any other
        ``x``.
    """
    x = np.asarray(x, dtype=float)
    if digits == 0:
        return np.rint(x)
    if digits > _MAX_DIGITS:
        return x.copy()
    work = np.isfinite(x) & (x != 0)
    if digits < -_MAX_10_EXP:
        return np.where(work, 0.0, x)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        # log10(|x|) estimated from the exponent, as R does: past 15 significant digits there is nothing to round
        work &= math.log10(2.0) * (0.5 + _logb(np.where(work, a, 1.0))) + digits <= _DBL_DIG
        rounded = np.copysign(_round_positive(np.where(work, a, 1.0), digits), x)
    return np.where(work, rounded, x)


_SIGNIF_MAX_DIGITS = 22  # fprec.c's MAX_DIGITS: more significant digits than this leave x unchanged


def r_signif(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant digits as R's ``signif(x, digits)`` does (nmath's ``fprec``).

    R scales ``x`` by a power of ten to ``digits`` digits before the point and rounds that product to the
    nearest whole number, ties to even: the rounding of the product decides, so ``signif(12.345, 4)`` is 12.34
    (12.345 * 100 is the double 1234.5, a tie) where a correctly rounded decimal rounding gives 12.35 (the
    double 12.345 is above 12.345).

    Parameters
    ----------
    x : float
    digits : int
        Significant digits (below 1 counts as 1, as R).

    Returns
    -------
    float
        The rounded value; NaN, infinities and zero unchanged, as R.
    """
    x = float(x)
    if not math.isfinite(x) or x == 0 or digits > _SIGNIF_MAX_DIGITS:
        return x
    dig = max(1, int(digits))
    a = abs(x)
    l10 = math.log10(a)
    e10 = dig - 1 - math.floor(l10)
    if abs(l10) >= _MAX_10_EXP - 2:  # next to the ends of the double range: R's other branch, rarely exact
        return float(f"{x:.{dig - 1}e}")
    p10 = 1.0
    if e10 > _MAX_10_EXP:
        p10, e10 = _pow10(e10 - _MAX_10_EXP), _MAX_10_EXP
    if e10 > 0:
        scale = _pow10(e10)
        return math.copysign(float(np.rint(a * scale * p10)) / scale / p10, x)
    scale = _pow10(-e10)
    return math.copysign(float(np.rint(a / scale)) * scale, x)
