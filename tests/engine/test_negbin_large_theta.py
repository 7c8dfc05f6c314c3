"""Theta's score and information for a large theta, where psi(theta + y) - psi(theta) and the rest of each term
cancel to about y/theta (:mod:`glmstat.engine.negbin`): summed from forms whose terms are exact to their own
rounding.  References: closed forms (for a whole count y, psi(theta + y) - psi(theta) = sum_{k<y} 1/(theta + k)
and psi'(theta) - psi'(theta + y) = sum_{k<y} 1/(theta + k)^2, taken in exact rational arithmetic), and R's
glm.nb on held-out random case s750_0254 (tests/r_parity/test_r_random.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from glmstat.engine import negbin


def _exact_sums(th: float, y: np.ndarray, mu: np.ndarray) -> tuple[float, float]:
    """U and I of the module docstring in exact arithmetic (log1p(mu/theta) in floating point: it does not
    cancel), for whole counts."""
    t, score, info = Fraction(th), Fraction(0), Fraction(0)
    for yi, mi in zip(y, mu):
        m, k = Fraction(mi), int(yi)
        dpsi = sum((1 / (t + j) for j in range(k)), Fraction(0))
        dtri = sum((1 / (t + j) ** 2 for j in range(k)), Fraction(0))
        score += dpsi - Fraction(float(np.log1p(mi / th))) + (m - k) / (m + t)
        info += dtri - (m * m + t * k) / (t * (m + t) ** 2)
    return float(score), float(info)


@pytest.mark.parametrize("th", [100.0, 1440.0, 3.7e4, 2.5e6])
def test_score_and_information_of_a_large_theta_are_exact_to_their_own_size(th):
    rng = np.random.default_rng(7)
    mu = rng.uniform(1, 300, 40)
    y = rng.poisson(mu).astype(float)
    score, info, size, n = negbin._theta_sums(th, y, mu, np.ones_like(y))
    want_score, want_info = _exact_sums(th, y, mu)
    assert n == 40
    # (the first forms' terms, about log(theta) each, left the score to 40 eps log(theta): 1e-13 at 1440)
    assert abs(score - want_score) <= 4 * np.finfo(float).eps * size
    assert info == pytest.approx(want_info, rel=1e-9)
